//! After the redirect: the code redeemed, the ID token verified, the access token read, Graph
//! `/me` called; and, for `probe` without a person, the secret tested by client credentials.

use super::authorize::Request;
use super::discovery::{self, Discovered};
use super::{FlowConfig, FlowError, Live, http, tokens};
use crate::checks::{CheckId, Finding};
use crate::entra::{self, aadsts};

/// `probe` without a person: the secret, through a client-credentials grant on a tenant
/// authority (the `--tenant` GUID or domain, else the registration's publisher domain).
pub(super) async fn probe_secret(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    live: &mut Live,
) -> Result<(), FlowError> {
    let tenant = if cfg.authority_is_multi_tenant() || cfg.tenant == "consumers" {
        cfg.app.as_ref().and_then(|a| a.publisher_domain.clone())
    } else {
        Some(cfg.tenant.clone())
    };
    let Some(tenant) = tenant else {
        live.set(Finding::skip(
            CheckId::SecretValid,
            "a client-credentials probe needs a tenant: pass --tenant <GUID or domain> or --app with publisherDomain",
        ));
        return Ok(());
    };
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        cfg.authority.as_str().trim_end_matches('/')
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.secret.expose()),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let a = http::send(http.post(&url).form(&form), &url).await?;
    let body = token_json(&a, &url)?;
    if a.status == 200 && body["access_token"].is_string() {
        live.set(Finding::pass(
            CheckId::SecretValid,
            "the client secret is accepted",
            format!("client credentials at /{tenant}: HTTP 200"),
        ));
    } else {
        let desc = body["error_description"].as_str().unwrap_or_default();
        let at = format!("client credentials at /{tenant}");
        match aadsts::find_code(desc) {
            // The tenant we guessed is not the app's: that says nothing about the secret.
            Some(code @ (700016 | 90002 | 9001023)) => live.set(Finding::skip(
                CheckId::SecretValid,
                format!("{at} could not judge the secret (AADSTS{code}): pass --tenant with the app's home tenant"),
            )),
            Some(code) => live.aad(code, &at, desc, cfg, CheckId::SecretValid),
            None => live.set(Finding::fail(
                CheckId::SecretValid,
                "the client-credentials probe was refused",
                format!("{at}: HTTP {}, error {}", a.status, body["error"]),
                "Check the client secret's Value",
            )),
        }
    }
    Ok(())
}

/// A token endpoint answer as JSON; anything else cannot be diagnosed (exit 3).
fn token_json(a: &http::Answer, url: &str) -> Result<serde_json::Value, FlowError> {
    match a.json() {
        Some(v) if a.status < 500 => Ok(v),
        _ => Err(FlowError::Incomplete(format!(
            "the token endpoint {url} answered HTTP {}{}: {}",
            a.status,
            if a.content_type.contains("html") {
                " with an HTML page"
            } else {
                ""
            },
            a.first_line()
        ))),
    }
}

/// Redeems the code and checks everything the tokens and Graph say.
pub(super) async fn exchange(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    live: &mut Live,
    d: &Discovered,
    req: &Request,
    code: &str,
    redirect_uri: &str,
) -> Result<(), FlowError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.secret.expose()),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", req.verifier.secret().as_str()),
    ];
    let a = http::send(http.post(&d.token_endpoint).form(&form), &d.token_endpoint).await?;
    let body = token_json(&a, &d.token_endpoint)?;
    if a.status == 200 && !body["access_token"].is_string() {
        return Err(FlowError::Incomplete(format!(
            "the token endpoint {} answered HTTP 200 without an access_token",
            d.token_endpoint
        )));
    }
    if a.status != 200 {
        let desc = body["error_description"].as_str().unwrap_or_default();
        match aadsts::find_code(desc) {
            Some(code) => live.aad(code, "the token endpoint", desc, cfg, CheckId::SecretValid),
            None => live.set(Finding::fail(
                CheckId::SecretValid,
                "the token endpoint refused the code",
                format!("HTTP {}: {}", a.status, body["error"]),
                "Check the client secret's Value and the redirect URI's platform (Web)",
            )),
        }
        live.stop("the token endpoint refused the code");
        return Ok(());
    }
    live.set(Finding::pass(
        CheckId::SecretValid,
        "the client secret is accepted",
        "the token endpoint redeemed the code with it (HTTP 200)",
    ));
    live.set(Finding::pass(
        CheckId::ScopesAdminConsent,
        "every requested scope was consented",
        format!("requested: {}", cfg.scopes.join(" ")),
    ));
    let granted = body["scope"].as_str().unwrap_or_default().to_owned();
    let access = body["access_token"].as_str().unwrap_or_default().to_owned();
    check_id_token(cfg, http, live, d, req, body["id_token"].as_str()).await?;
    check_access_token(live, &access, &granted);
    graph_me(cfg, http, live, &access).await;
    Ok(())
}

async fn check_id_token(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    live: &mut Live,
    d: &Discovered,
    req: &Request,
    id_token: Option<&str>,
) -> Result<(), FlowError> {
    const ID: CheckId = CheckId::IdTokenValid;
    let Some(raw) = id_token else {
        live.set(Finding::fail(
            ID,
            "the token response has no ID token",
            "id_token is absent",
            "Request the openid scope",
        ));
        return Ok(());
    };
    let nonce = req.nonce.secret();
    let mut verdict = tokens::verify_id_token(
        raw,
        d,
        &d.jwks,
        &d.jwks_raw,
        &cfg.client_id,
        &cfg.secret,
        nonce,
    );
    let mut rotated = false;
    if matches!(&verdict, Err(r) if r.unknown_kid) {
        // Keys rotate: fetch the JWKS once more before judging.
        if let Ok((jwks, raw_jwks)) = discovery::fetch_jwks(http, &d.jwks_uri).await? {
            verdict = tokens::verify_id_token(
                raw,
                d,
                &jwks,
                &raw_jwks,
                &cfg.client_id,
                &cfg.secret,
                nonce,
            );
            rotated = true;
        }
    }
    match verdict {
        Ok(claims) => {
            let iss = claims["iss"].as_str().unwrap_or_default();
            live.set(Finding::pass(
                ID,
                "the ID token is valid",
                format!(
                    "RS256 signature by kid {}{}, iss {iss:?}{}, aud = client id, unexpired, nonce matched",
                    tokens::jwt_part(raw, 0).and_then(|h| h["kid"].as_str().map(str::to_owned)).unwrap_or_default(),
                    if rotated { " (found after refetching the JWKS: key rotation)" } else { "" },
                    if d.templated { " (templated issuer bound to tid)" } else { "" },
                ),
            ));
            signed_in(live, &claims);
        }
        Err(r) => live.set(Finding::fail(
            ID,
            "the ID token is invalid: a relying party like ngrok must reject it",
            r.reason,
            "This is the identity platform's (or a proxy's) doing, not the app registration's: check --authority, and that nothing rewrites tokens",
        )),
    }
    Ok(())
}

/// `tenancy.signed-in`: which tenant and account type signed in (information).
fn signed_in(live: &mut Live, claims: &serde_json::Value) {
    let tid = claims["tid"].as_str().unwrap_or_default();
    let who = claims["preferred_username"]
        .as_str()
        .or(claims["email"].as_str())
        .unwrap_or("(no preferred_username)");
    let kind = if tid == entra::CONSUMERS_TENANT_ID {
        "a personal Microsoft account"
    } else {
        "a work or school account"
    };
    live.set(Finding::pass(
        CheckId::TenancySignedIn,
        format!("{who} signed in with {kind}"),
        format!("tid = {tid:?}, iss = {}", claims["iss"]),
    ));
}

fn check_access_token(live: &mut Live, access: &str, granted: &str) {
    let at = tokens::inspect_access_token(access);
    let reads_me = |scopes: &str| {
        scopes
            .split_whitespace()
            .find(|s| entra::graph_scope_by_name(s).is_some_and(|g| g.reads_me))
            .map(str::to_owned)
    };
    match (&at.aud, at.is_jwt) {
        (Some(aud), true) if tokens::is_graph_audience(aud) => live.set(Finding::pass(
            CheckId::AccessTokenAudience,
            "the access token is for Microsoft Graph",
            format!(
                "aud = {aud:?} (read, not verified: Graph tokens are verifiable by Graph only)"
            ),
        )),
        (aud, true) => live.set(Finding::fail(
            CheckId::AccessTokenAudience,
            "the access token is not for Microsoft Graph: ngrok could not call /me with it",
            format!("aud = {aud:?}"),
            "Request Microsoft Graph scopes (User.Read) and no scope of another API",
        )),
        (_, false) => live.set(Finding::pass(
            CheckId::AccessTokenAudience,
            "an opaque access token (personal accounts get these): judged by the response's scope",
            format!("token response scope = {granted:?}"),
        )),
    }
    let evidence = match &at.scp {
        Some(scp) => format!("token response scope = {granted:?}; access token scp = {scp:?}"),
        None => format!("token response scope = {granted:?}"),
    };
    match reads_me(granted) {
        Some(s) => live.set(Finding::pass(CheckId::ScopesUserRead, format!("Microsoft Graph {s} was granted"), evidence)),
        None => live.set(Finding::fail(
            CheckId::ScopesUserRead,
            "Microsoft Graph User.Read was not granted: ngrok cannot read the user",
            evidence,
            "API permissions > Add a permission > Microsoft Graph > Delegated > User.Read, and request it (ngrok's scopes)",
        )),
    }
}

/// `graph.me`: the identity ngrok would see.
async fn graph_me(cfg: &FlowConfig, http: &reqwest::Client, live: &mut Live, access: &str) {
    const ID: CheckId = CheckId::GraphMe;
    let url = format!("{}/v1.0/me", cfg.graph.as_str().trim_end_matches('/'));
    let answer = http::send(http.get(&url).bearer_auth(access), &url).await;
    let a = match answer {
        Ok(a) => a,
        Err(e) => {
            live.set(Finding::fail(
                ID,
                "Graph /me could not be reached",
                e.to_string(),
                "Check --graph and the network",
            ));
            return;
        }
    };
    let body = a.json().unwrap_or_default();
    if a.status != 200 {
        let code = body["error"]["code"].as_str().unwrap_or("(no error code)");
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or_else(|| if body.is_null() { "not JSON" } else { "" });
        live.set(Finding::fail(
            ID,
            format!(
                "Graph /me answered HTTP {}: ngrok could not read the user",
                a.status
            ),
            format!("{code}: {message}"),
            match a.status {
                401 | 403 => "Grant Microsoft Graph User.Read (delegated) and request it",
                _ => "Microsoft Graph failed; try again later",
            },
        ));
        return;
    }
    let mail = body["mail"].as_str();
    let upn = body["userPrincipalName"].as_str();
    let evidence = format!(
        "id = {}, displayName = {}, mail = {}, userPrincipalName = {}",
        body["id"], body["displayName"], body["mail"], body["userPrincipalName"]
    );
    match (mail, upn) {
        (Some(m), _) => live.set(Finding::pass(ID, format!("ngrok would see {m}"), evidence)),
        (None, Some(u)) => live.set(Finding::warn(
            ID,
            format!("the user has no mail; ngrok would see the UPN {u}"),
            evidence,
            "Email-based ngrok rules (actions.ngrok.oauth.identity.email) match the UPN for this user; give the user a mailbox or match on the UPN",
        )),
        (None, None) => live.set(Finding::fail(
            ID,
            "Graph /me names neither mail nor userPrincipalName",
            evidence,
            "Check the user object in Entra ID",
        )),
    }
}
