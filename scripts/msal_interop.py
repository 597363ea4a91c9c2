"""Microsoft's MSAL for Python against the emulator: a confidential-client auth-code flow
(initiate_auth_code_flow / acquire_token_by_auth_code_flow) and a client-credentials grant.

Usage: msal_interop.py READY_JSON CLIENT_ID CLIENT_SECRET
READY_JSON is the emulator's ready line. MSAL checks authority hosts against Microsoft's own
instance-discovery service unless instance_discovery=False; that is the whole recipe.
"""
import json
import sys
import urllib.parse
import warnings

import msal
import requests

# MSAL recommends form_post; the emulator serves query, fragment and form_post alike.
warnings.filterwarnings("ignore", message="response_mode=")

ready = json.loads(sys.argv[1])
client_id, secret = sys.argv[2], sys.argv[3]
authority = ready["authority"]
ca = ready["ca_cert"]
contoso = ready["tenants"]["contoso"]["id"]
redirect = "http://localhost:8765/oauth2/callback"

session = requests.Session()
session.verify = ca


passed = 0


def check(cond, what):
    global passed
    if not cond:
        print(f"FAIL {what}")
        print(f"msal: {passed} passed, 1 failed")
        sys.exit(1)
    passed += 1
    print(f"ok   {what}")


def confidential(cid, credential, tenant):
    """MSAL's confidential client on the emulator: instance_discovery=False is the whole recipe."""
    return msal.ConfidentialClientApplication(
        cid,
        client_credential=credential,
        authority=f"{authority}/{tenant}",
        instance_discovery=False,
        http_client=session,
    )


def sign_in(app, login_hint):
    """initiate_auth_code_flow, the browser's GET of the authorize URL, then the redemption."""
    flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=redirect, login_hint=login_hint)
    check(flow.get("auth_uri", "").startswith(authority), "initiate_auth_code_flow builds the emulator's authorize URL")
    r = session.get(flow["auth_uri"], allow_redirects=False)
    location = r.headers.get("Location", "")
    check(r.status_code == 302 and location.startswith(redirect), f"authorize redirects to the registered URI ({r.status_code})")
    auth_response = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    check("access_token" in result, f"acquire_token_by_auth_code_flow returns tokens ({result.get('error_description', '')[:160]})")
    return result


def me(result, upn, what):
    r = session.get(f"{ready['graph']}/v1.0/me", headers={"Authorization": f"Bearer {result['access_token']}"})
    check(r.status_code == 200 and r.json()["userPrincipalName"] == upn, what)


# 1. Auth-code flow on /common, as ngrok signs in.
app = confidential(client_id, secret, "common")
result = sign_in(app, "alice@contoso.example")
claims = result.get("id_token_claims", {})
check(claims.get("preferred_username") == "alice@contoso.example", "the ID token names alice")
check(claims.get("tid") == contoso, "signed in to contoso")
me(result, "alice@contoso.example", "Graph /me answers with the access token")
accounts = app.get_accounts()
check(len(accounts) == 1 and accounts[0]["username"] == "alice@contoso.example", "MSAL cached the account (client_info)")
silent = app.acquire_token_silent(["User.Read"], account=accounts[0])
check(silent is not None and "access_token" in silent, "acquire_token_silent serves from the cache")

# 2. A personal Microsoft account on /consumers: MSAL gets an opaque access token that Graph accepts.
with open("fixtures/apps/good-personal-accounts.json") as f:
    personal = json.load(f)
result = sign_in(confidential(personal["appId"], personal["x-emulator"]["secrets"][0]["value"], "consumers"), "carol@outlook.example")
check("." not in result["access_token"], "a personal account gets an opaque access token")
check(result.get("id_token_claims", {}).get("tid") == ready["tenants"]["consumers"]["id"], "signed in to the consumers tenant")
me(result, "carol@outlook.example", "Graph /me accepts the opaque token")

# 3. Client credentials on a tenant authority.
result = confidential(client_id, secret, contoso).acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
check("access_token" in result, f"acquire_token_for_client returns a token ({result.get('error_description', '')[:160]})")

# 4. A wrong secret surfaces Microsoft's error, as MSAL reports it.
result = confidential(client_id, "not-the-secret", contoso).acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
check(result.get("error") == "invalid_client" and 7000215 in result.get("error_codes", []), "a wrong secret is invalid_client AADSTS7000215")
print(f"msal: {passed} passed, 0 failed")
