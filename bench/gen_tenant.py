#!/usr/bin/env python3
"""Writes an `az ad app list`-shaped JSON array of N realistic app registrations (about 5 KB each).

Usage: gen_tenant.py N > tenant.json. Deterministic: the same N gives the same file.
gen_tenant.py --minimal N: N apps of an appId alone (49 bytes each), the input of issue 18's
output amplification: each costs a whole report of failing checks.
"""
import json
import random
import sys

GRAPH = "00000003-0000-0000-c000-000000000000"
SCOPES = ["e1fe6dd8-ba31-4d61-89e7-88639da4683d", "37f7f235-527c-4136-accd-4a02d197296e",
          "14dad69e-099b-42c9-810b-d002981feec1", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
          "a154be20-db9c-4678-8ab7-66f6cc099a59", "06da0dbc-49e2-44d2-8312-53f166ab848a"]
AUDIENCES = ["AzureADMultipleOrgs", "AzureADMyOrg", "AzureADandPersonalMicrosoftAccount"]


def guid(r):
    h = "%032x" % r.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def app(i, r):
    web = ["https://idp.ngrok.com/oauth2/callback" if r.random() < 0.7 else "https://idp.ngrok.com/oauth2/callback/",
           f"https://app{i}.contoso.example/signin-oidc"]
    return {
        "id": guid(r), "appId": guid(r), "displayName": f"app {i}: line-of-business portal",
        "description": "Internal application registered by the platform team for single sign-on " * 2,
        "notes": None, "createdDateTime": "2024-03-24T14:43:35Z", "deletedDateTime": None,
        "disabledByMicrosoftStatus": None, "publisherDomain": "contoso.example",
        "signInAudience": r.choice(AUDIENCES), "identifierUris": [f"api://{guid(r)}"],
        "isFallbackPublicClient": None, "isDeviceOnlyAuthSupported": None, "groupMembershipClaims": "SecurityGroup",
        "optionalClaims": {"idToken": [{"name": "email", "essential": False, "source": None, "additionalProperties": []}],
                           "accessToken": [], "saml2Token": []},
        "tags": ["HideApp", "WindowsAzureActiveDirectoryIntegratedApp"], "tokenEncryptionKeyId": None,
        "api": {"requestedAccessTokenVersion": r.choice([None, 2]), "acceptMappedClaims": None,
                "knownClientApplications": [],
                "oauth2PermissionScopes": [{
                    "adminConsentDescription": "Allow the application to access the API on behalf of the signed-in user.",
                    "adminConsentDisplayName": "Access the API", "id": guid(r), "isEnabled": True, "type": "User",
                    "userConsentDescription": "Allow the application to access the API on your behalf.",
                    "userConsentDisplayName": "Access the API", "value": "user_impersonation"}],
                "preAuthorizedApplications": []},
        "appRoles": [{"allowedMemberTypes": ["User"], "description": f"Readers of app {i} can read everything.",
                      "displayName": "Reader", "id": guid(r), "isEnabled": True, "origin": "Application",
                      "value": "Reader"} for _ in range(3)],
        "info": {"termsOfServiceUrl": None, "supportUrl": None, "privacyStatementUrl": None,
                 "marketingUrl": None, "logoUrl": None},
        "keyCredentials": [],
        "passwordCredentials": [{"customKeyIdentifier": None, "displayName": f"secret {k}",
                                 "endDateTime": f"20{r.randint(25, 29)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}T00:00:00Z",
                                 "hint": "abc", "keyId": guid(r), "secretText": None,
                                 "startDateTime": "2024-03-05T17:05:55.958Z"} for k in range(r.randint(0, 3))],
        "publicClient": {"redirectUris": []},
        "spa": {"redirectUris": [f"https://spa{i}.contoso.example/"] if r.random() < 0.2 else []},
        "web": {"homePageUrl": f"https://app{i}.contoso.example/", "logoutUrl": None, "redirectUris": web,
                "implicitGrantSettings": {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": r.random() < 0.3},
                "redirectUriSettings": [{"uri": u, "index": None} for u in web]},
        "requiredResourceAccess": [{"resourceAppId": GRAPH, "resourceAccess": [
            {"id": s, "type": "Scope"} for s in r.sample(SCOPES, r.randint(1, 4))]}],
        "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
        "servicePrincipalLockConfiguration": {"isEnabled": True, "allProperties": True,
                                              "credentialsWithUsageVerify": True, "credentialsWithUsageSign": True,
                                              "identifierUris": False, "tokenEncryptionKeyId": True},
        "nativeAuthenticationApisEnabled": "none",
    }


def main():
    if sys.argv[1] == "--minimal":
        minimal(int(sys.argv[2]))
        return
    n = int(sys.argv[1])
    r = random.Random(42)
    out = sys.stdout
    out.write("[\n")
    for i in range(n):
        if i:
            out.write(",\n")
        # az prints with indent=2
        out.write(json.dumps(app(i, r), indent=2))
    out.write("\n]\n")


def minimal(n):
    r = random.Random(42)
    out = sys.stdout
    out.write("[\n")
    for i in range(n):
        out.write(("," if i else "") + json.dumps({"appId": guid(r)}, separators=(",", ":")) + "\n")
    out.write("]\n")


if __name__ == "__main__":
    main()
