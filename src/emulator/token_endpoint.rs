//! `/{tenant}/oauth2/v2.0/token`: authorization code (PKCE `S256` and `plain`), refresh token
//! and client credentials grants; `client_secret_post` and `client_secret_basic`.
//!
//! Client authentication follows the platform of the redirect URI the code was issued for:
//! Web needs the secret (AADSTS7000218 / 7000215 / 7000222), Mobile and desktop must not send
//! one (AADSTS700025), SPA codes are redeemable only cross-origin (AADSTS9002327).
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token>

use super::directory::Authority;
use super::errors::{self, AadError, Stamp};
use super::faults::Fault;
use super::mint::{Scopes, Subject};
use super::respond::{Params, Req, Resp, aad_json, html, json};
use super::{App, State, directory};
use crate::entra::GRAPH_APP_ID;
use crate::registration::Platform;
use base64::Engine;
use http::{Method, StatusCode, header};
use std::sync::Arc;

/// The client's credentials as sent: body or HTTP Basic.
struct Client {
    id: Option<String>,
    secret: Option<String>,
}

fn client(req: &Req, p: &Params) -> Client {
    let basic = req
        .header(header::AUTHORIZATION)
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let dec = |s: &str| {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((dec(id)?, dec(secret)?))
        });
    match basic {
        Some((id, secret)) => Client {
            id: Some(id),
            secret: Some(secret).filter(|s| !s.is_empty()),
        },
        None => Client {
            id: p.get("client_id").map(str::to_owned),
            secret: p.get("client_secret").map(str::to_owned),
        },
    }
}

/// Handles one token request.
pub(crate) async fn token(state: &Arc<State>, segment: String, req: Req, stamp: Stamp) -> Resp {
    if state.faults.has(Fault::SlowTokenEndpoint) {
        tokio::time::sleep(state.faults.delay).await;
    }
    if state.faults.has(Fault::TokenEndpointHtml500) {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head><body><h1>Our services \
             aren't available right now</h1><p>We're working to restore all services as soon as \
             possible. Please check back soon.</p></body></html>\n"
                .into(),
        );
    }
    // Signing is CPU work (about half a millisecond per RSA-2048 signature). On a multi-thread
    // runtime the worker says so (block_in_place: its other tasks move to another worker, with
    // no hand-off for this one); on a current-thread runtime (tests) it goes to the blocking pool.
    let answer = if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        Ok(tokio::task::block_in_place(|| grant(state, &segment, &req)))
    } else {
        let st = Arc::clone(state);
        tokio::task::spawn_blocking(move || grant(&st, &segment, &req)).await
    };
    match answer {
        Ok(Ok(body)) => json(StatusCode::OK, body.to_string()),
        Ok(Err(e)) => aad_json(&e, &stamp),
        Err(_) => html(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n".into()),
    }
}

fn grant(state: &State, segment: &str, req: &Req) -> Result<serde_json::Value, AadError> {
    if req.method != Method::POST {
        return Err(errors::post_only(req.method.as_str()));
    }
    let authority = Authority::resolve(segment).ok_or_else(|| errors::tenant_not_found(segment))?;
    let form = req.header(header::CONTENT_TYPE).is_some_and(|c| {
        c.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if !form {
        return Err(errors::not_a_form());
    }
    let p = Params::parse(&req.body);
    let grant_type = p
        .get("grant_type")
        .ok_or_else(|| errors::missing_param("grant_type"))?;
    let c = client(req, &p);
    let client_id =
        c.id.as_deref()
            .ok_or_else(|| errors::missing_param("client_id"))?;
    let directory_name = match authority {
        Authority::Tenant(t) => t.domain.unwrap_or(t.id),
        _ => segment,
    };
    let app = state
        .app(client_id)
        .filter(|a| a.visible_at(authority))
        .ok_or_else(|| errors::app_not_found(client_id, directory_name))?;
    if app.sp_disabled() {
        return Err(errors::app_disabled(app.client_id.as_str(), app.name()));
    }
    let origin = req.header(header::ORIGIN).is_some();
    match grant_type {
        "authorization_code" => authorization_code(state, app, authority, &p, &c, origin),
        "refresh_token" => refresh(state, app, &p, &c, origin),
        "client_credentials" => client_credentials(state, app, authority, &p, &c),
        other => Err(errors::unsupported_grant(other)),
    }
}

/// Client authentication for a code or token issued to a redirect of `platform`.
fn authenticate(
    state: &State,
    app: &App,
    c: &Client,
    platform: Platform,
    origin: bool,
) -> Result<(), AadError> {
    match platform {
        Platform::PublicClient if c.secret.is_some() => Err(errors::public_client_secret()),
        Platform::PublicClient => Ok(()),
        Platform::Spa if !origin => Err(errors::spa_needs_cross_origin()),
        Platform::Spa => Ok(()),
        Platform::Web if origin => Err(errors::cross_origin_not_spa()),
        Platform::Web => check_secret(state, app, c.secret.as_deref()),
    }
}

/// A secret is valid while its `passwordCredentials` entry (same keyId) has not expired; where
/// the input has no `passwordCredentials` field, any Value given for the app is.
fn check_secret(state: &State, app: &App, secret: Option<&str>) -> Result<(), AadError> {
    let secret = secret.ok_or_else(errors::secret_missing)?;
    let now = state.now();
    let mut matching = app
        .reg
        .emulator
        .secrets
        .iter()
        .filter(|(_, v)| constant_eq(v.expose(), secret))
        .peekable();
    // An input without `passwordCredentials` (absent, not empty) has no dates to hold a Value
    // to (`emulate --app-secret`): a Value given for it is accepted.
    if !app.reg.known.secrets && matching.peek().is_some() {
        return Ok(());
    }
    let mut expired = None;
    for (key_id, _) in matching {
        let cred = app.reg.password_credentials.iter().find(|p| {
            p.key_id
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(key_id))
        });
        match cred {
            Some(cred) if cred.is_live_at(now) => return Ok(()),
            Some(cred) if cred.end.is_some_and(|e| e <= now) => expired = Some(cred),
            _ => {}
        }
    }
    match expired {
        Some(cred) => Err(errors::secret_expired(
            app.client_id.as_str(),
            cred.display_name.as_deref().unwrap_or(""),
        )),
        None => Err(errors::secret_invalid(app.client_id.as_str())),
    }
}

/// Compares secrets in time independent of where they differ.
fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn pkce_ok(challenge: &(String, String), verifier: Option<&str>) -> bool {
    let Some(v) = verifier else { return false };
    match challenge.1.as_str() {
        "S256" => {
            let hash = ring::digest::digest(&ring::digest::SHA256, v.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash) == challenge.0
        }
        _ => v == challenge.0,
    }
}

fn authorization_code(
    state: &State,
    app: &App,
    authority: Authority,
    p: &Params,
    c: &Client,
    origin: bool,
) -> Result<serde_json::Value, AadError> {
    let code = p.get("code").ok_or_else(|| errors::missing_param("code"))?;
    let mut codes = state
        .codes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let grant = codes.get_mut(code).ok_or_else(errors::grant_invalid)?;
    if grant.client_id != app.client_id {
        return Err(errors::grant_invalid());
    }
    let same_tenant = match (grant.authority, authority) {
        (a, b) if a == b => true,
        (_, Authority::Tenant(t)) => t == grant.tenant,
        (_, Authority::Common | Authority::Organizations) => true,
        _ => false,
    };
    if !same_tenant {
        return Err(errors::code_other_tenant());
    }
    authenticate(state, app, c, grant.platform, origin)?;
    if grant.redeemed {
        return Err(errors::code_redeemed());
    }
    if state.now() - grant.issued > chrono::Duration::minutes(10) {
        return Err(errors::code_expired());
    }
    match p.get("redirect_uri") {
        None => return Err(errors::missing_param("redirect_uri")),
        Some(uri) if uri != grant.redirect_uri => return Err(errors::redirect_binding(uri)),
        Some(_) => {}
    }
    if let Some(ch) = &grant.challenge
        && !pkce_ok(ch, p.get("code_verifier"))
    {
        return Err(errors::pkce_mismatch());
    }
    let scopes = narrowed(&grant.scopes, p.get("scope"), app)?;
    grant.redeemed = true;
    let (user, tenant, nonce) = (grant.user, grant.tenant, grant.nonce.clone());
    drop(codes);
    Ok(state.user_token_response(&Subject {
        app,
        user,
        tenant,
        scopes: &scopes,
        nonce: nonce.as_deref(),
        client_info: p.get("client_info") == Some("1"),
    }))
}

/// The scopes to issue: the granted ones, or those the `scope` parameter names, which must have
/// been consented (AADSTS65001 otherwise).
fn narrowed(granted: &Scopes, requested: Option<&str>, app: &App) -> Result<Scopes, AadError> {
    let Some(requested) = requested else {
        return Ok(granted.clone());
    };
    let wanted = Scopes::parse(requested, app).map_err(|_| errors::several_resources(requested))?;
    if !granted.covers(&wanted) {
        return Err(errors::consent_required(app.client_id.as_str(), app.name()));
    }
    let mut out = wanted;
    if out.graph.is_empty() {
        out.graph.clone_from(&granted.graph);
    }
    Ok(out)
}

fn refresh(
    state: &State,
    app: &App,
    p: &Params,
    c: &Client,
    origin: bool,
) -> Result<serde_json::Value, AadError> {
    let rt = p
        .get("refresh_token")
        .ok_or_else(|| errors::missing_param("refresh_token"))?;
    let v = rt
        .strip_prefix("1.A")
        .and_then(|s| state.unseal(s))
        .filter(|v| v["k"] == "rt")
        .ok_or_else(errors::grant_invalid)?;
    if v["client"] != app.client_id.as_str() {
        return Err(errors::grant_invalid());
    }
    authenticate(state, app, c, Platform::Web, origin)?;
    let user = super::USERS
        .iter()
        .find(|u| v["oid"] == u.oid)
        .ok_or_else(errors::grant_invalid)?;
    let tenant = v["tid"]
        .as_str()
        .and_then(directory::tenant)
        .ok_or_else(errors::grant_invalid)?;
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let granted = Scopes::parse(&[strings("oidc"), strings("graph")].concat().join(" "), app)?;
    let scopes = narrowed(&granted, p.get("scope"), app)?;
    Ok(state.user_token_response(&Subject {
        app,
        user,
        tenant,
        scopes: &scopes,
        nonce: None,
        client_info: p.get("client_info") == Some("1"),
    }))
}

fn client_credentials(
    state: &State,
    app: &App,
    authority: Authority,
    p: &Params,
    c: &Client,
) -> Result<serde_json::Value, AadError> {
    let Authority::Tenant(tenant) = authority else {
        return Err(errors::grant_needs_tenant());
    };
    check_secret(state, app, c.secret.as_deref())?;
    let scope = p
        .get("scope")
        .ok_or_else(|| errors::missing_param("scope"))?;
    let resource = scope
        .strip_suffix("/.default")
        .ok_or_else(|| errors::client_credentials_scope(scope))?;
    if !matches!(resource, crate::entra::GRAPH_URL | GRAPH_APP_ID) {
        return Err(errors::invalid_scope(scope));
    }
    let expires = state.lifetime();
    Ok(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": expires.num_seconds(),
        "ext_expires_in": expires.num_seconds(),
        "access_token": state.app_token(app, tenant, state.now(), expires),
    }))
}
