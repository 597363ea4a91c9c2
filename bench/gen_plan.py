#!/usr/bin/env python3
"""Writes a `terraform show -json plan.tfplan`-shaped plan of N resources (N/4 each of
azuread_application, azuread_service_principal, azuread_application_password and
azurerm_linux_web_app, all `for_each` instances joined through `configuration` references, as a
plan that creates them has no ids to join by).

Usage: gen_plan.py N > plan.json. Deterministic: the same N gives the same file.
"""
import json
import sys

CB = "https://idp.ngrok.com/oauth2/callback"
GRAPH = "00000003-0000-0000-c000-000000000000"
USER_READ = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
PROVIDER = "registry.terraform.io/hashicorp/azuread"


def app(key):
    return {"api": [], "app_role": [], "description": None, "device_only_auth_enabled": False,
            "display_name": f"ngrok login {key}", "fallback_public_client_enabled": False,
            "group_membership_claims": None, "identifier_uris": None, "logo_image": None, "marketing_url": None,
            "notes": None, "oauth2_post_response_required": False, "optional_claims": [], "owners": None,
            "password": [], "prevent_duplicate_names": False, "privacy_statement_url": None, "public_client": [],
            "required_resource_access": [{"resource_app_id": GRAPH, "resource_access": [{"id": USER_READ, "type": "Scope"}]}],
            "service_management_reference": None, "sign_in_audience": "AzureADMultipleOrgs",
            "single_page_application": [], "support_url": None, "terms_of_service_url": None, "timeouts": None,
            "web": [{"homepage_url": None, "implicit_grant": [{"access_token_issuance_enabled": False, "id_token_issuance_enabled": False}],
                     "logout_url": None, "redirect_uris": [CB, f"https://{key}.contoso.example/signin-oidc"]}]}


APP_UNKNOWN = {k: True for k in ["app_role_ids", "client_id", "disabled_by_microsoft", "feature_tags", "id", "logo_url",
                                 "oauth2_permission_scope_ids", "object_id", "publisher_domain", "tags", "template_id"]}


def main():
    n = int(sys.argv[1]) // 4
    keys = [f"k{i:05d}" for i in range(n)]
    planned, changes = [], []

    def add(kind, name, key, values, unknown, provider=PROVIDER):
        address = f'{kind}.{name}["{key}"]'
        planned.append({"address": address, "mode": "managed", "type": kind, "name": name, "index": key,
                        "provider_name": provider, "schema_version": 0, "values": values, "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": kind, "name": name, "index": key,
                        "provider_name": provider, "change": {"actions": ["create"], "before": None, "after": values,
                                                              "after_unknown": unknown, "before_sensitive": False,
                                                              "after_sensitive": {}}})

    for key in keys:
        add("azuread_application", "app", key, app(key), APP_UNKNOWN)
        add("azuread_service_principal", "sp", key, {"account_enabled": True, "app_role_assignment_required": False},
            {"client_id": True, "id": True, "object_id": True})
        add("azuread_application_password", "secret", key,
            {"display_name": "ngrok", "end_date": "2028-06-01T00:00:00Z", "rotate_when_changed": None},
            {"application_id": True, "id": True, "key_id": True, "start_date": True, "value": True})
        add("azurerm_linux_web_app", "site", key, {"name": f"site-{key}", "location": "westeurope", "https_only": True},
            {"default_hostname": True, "id": True}, provider="registry.terraform.io/hashicorp/azurerm")

    def cfg(kind, name, expressions):
        return {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
                "provider_config_key": "azuread", "expressions": expressions, "schema_version": 0,
                "for_each_expression": {"references": ["local.apps"]}}

    config = {"resources": [
        cfg("azuread_application", "app", {"display_name": {"references": ["each.key"]}}),
        cfg("azuread_service_principal", "sp", {"client_id": {"references": [
            "azuread_application.app[each.key].client_id", "azuread_application.app[each.key]", "azuread_application.app", "each.key"]}}),
        cfg("azuread_application_password", "secret", {"application_id": {"references": [
            "azuread_application.app[each.key].id", "azuread_application.app[each.key]", "azuread_application.app", "each.key"]}}),
        cfg("azurerm_linux_web_app", "site", {"name": {"references": ["each.key"]}}),
    ]}
    json.dump({"format_version": "1.2", "terraform_version": "1.9.8",
               "planned_values": {"root_module": {"resources": planned}}, "resource_changes": changes,
               "configuration": {"root_module": config}, "applyable": True, "complete": True, "errored": False},
              sys.stdout)


main()
