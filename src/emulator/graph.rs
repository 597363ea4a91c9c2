//! Microsoft Graph under `/graph`: `/v1.0/me` and `/oidc/userinfo`, answering per the token as
//! Graph does: 401 for a missing, invalid, expired or wrong-audience token, 403 without
//! User.Read or a superset, 400 for an app-only token on `/me`, else the user.
//! <https://learn.microsoft.com/graph/api/user-get>

use super::errors::Stamp;
use super::faults::Fault;
use super::keys::SigningKey;
use super::mint::{graph_signed_header, pairwise};
use super::respond::{Req, Resp, json};
use super::{State, USERS, User};
use crate::entra;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

/// Graph's answer to a method a route does not take.
fn method_not_allowed(stamp: &Stamp) -> Resp {
    graph_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
        stamp,
    )
}

fn graph_error(status: StatusCode, code: &str, message: &str, stamp: &Stamp) -> Resp {
    let body = json!({"error": {
        "code": code,
        "message": message,
        "innerError": {
            "date": stamp.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "request-id": stamp.trace_id,
            "client-request-id": stamp.correlation_id,
        }
    }});
    let mut r = json(status, body.to_string());
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""),
        );
    }
    r
}

/// The claims Graph acts on, from a token it accepted.
struct Grant {
    user: Option<&'static User>,
    scp: String,
    /// The client the token was issued to (`appid`): userinfo's `sub` is pairwise per app.
    appid: String,
    /// Application permissions of an app-only token (`roles`).
    roles: Vec<String>,
    /// The tenant the token was issued in (`tid`).
    tid: String,
}

/// The grant of the request's bearer token, or Graph's 401 answer.
fn bearer_grant(state: &State, req: &Req, stamp: &Stamp) -> Result<Grant, Box<Resp>> {
    let token = req
        .header(header::AUTHORIZATION)
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .unwrap_or_default()
        .trim();
    accept(state, token).map_err(|msg| {
        let msg = if state.faults.has(Fault::GraphEchoesToken) {
            format!("{msg} Token: {token}")
        } else {
            msg.to_owned()
        };
        Box::new(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            &msg,
            stamp,
        ))
    })
}

/// Validates an access token for Graph; `Err` is the 401 message.
fn accept(state: &State, token: &str) -> Result<Grant, &'static str> {
    if token.is_empty() {
        return Err("Access token is empty.");
    }
    let now = state.now().timestamp();
    let claims = if let Some(sealed) = token.strip_prefix("EwB") {
        // A personal account's opaque token.
        state
            .unseal(sealed)
            .filter(|v| v["k"] == "at")
            .ok_or("Invalid JWT token. The token is malformed.")?
    } else {
        verify_jwt(state, token)?
    };
    let aud = claims["aud"].as_str().unwrap_or_default();
    if !entra::is_graph_audience(aud) {
        return Err("Access token validation failure. Invalid audience.");
    }
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now) {
        return Err("Lifetime validation failed, the token is expired.");
    }
    let user = claims["oid"]
        .as_str()
        .and_then(|oid| USERS.iter().find(|u| u.oid == oid));
    Ok(Grant {
        user: if claims["idtyp"] == "app" { None } else { user },
        scp: claims["scp"].as_str().unwrap_or_default().to_owned(),
        appid: claims["appid"].as_str().unwrap_or_default().to_owned(),
        roles: claims["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        tid: claims["tid"].as_str().unwrap_or_default().to_owned(),
    })
}

fn verify_jwt(state: &State, token: &str) -> Result<Value, &'static str> {
    const MALFORMED: &str = "Invalid JWT token. The token is malformed.";
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MALFORMED);
    };
    let decode = |s: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).ok()?).ok()
    };
    let header = decode(h).ok_or(MALFORMED)?;
    let claims = decode(c).ok_or(MALFORMED)?;
    let key: &SigningKey = state
        .keys
        .keys
        .iter()
        .find(|k| header["kid"] == k.kid.as_str())
        .ok_or("Access token validation failure. Signing key not found.")?;
    // The signature covers the header with the nonce hashed (see mint.rs).
    let signed = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&graph_signed_header(&header)).unwrap_or_default());
    let expected = key.sign(&state.rng, format!("{signed}.{c}").as_bytes());
    if header["alg"] != "RS256" || expected != sig {
        return Err("Access token validation failure. Invalid signature.");
    }
    Ok(claims)
}

/// Graph `/me` needs User.Read or a superset in `scp`.
fn reads_me(scp: &str) -> bool {
    scp.split(' ')
        .any(|s| entra::graph_scope_by_name(s).is_some_and(|g| g.reads_me))
}

/// Routes `/graph/...`.
pub(crate) fn handle(state: &State, req: &Req, rest: &[&str], stamp: &Stamp) -> Resp {
    if state.faults.has(Fault::GraphDown) {
        return graph_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "Service unavailable.",
            stamp,
        );
    }
    if let Some(route) = directory_route(rest, &req.query) {
        return directory(state, req, &route, stamp);
    }
    let me = matches!(rest, ["v1.0", "me"] | ["beta", "me"]);
    let userinfo = matches!(rest, ["oidc", "userinfo"]);
    if !me && !userinfo {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Resource not found for the segment.",
            stamp,
        );
    }
    if req.method != Method::GET && !(userinfo && req.method == Method::POST) {
        return method_not_allowed(stamp);
    }
    let grant = match bearer_grant(state, req, stamp) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let Some(user) = grant.user else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
            stamp,
        );
    };
    if userinfo {
        return json(
            StatusCode::OK,
            userinfo_body(state, user, &grant).to_string(),
        );
    }
    if !reads_me(&grant.scp) {
        return graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            stamp,
        );
    }
    let mut r = json(StatusCode::OK, me_body(state, user).to_string());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"),
    );
    r
}

/// `GET /v1.0/me`: the user resource with Graph's default properties.
fn me_body(state: &State, user: &User) -> Value {
    json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#users/$entity", state.base),
        "businessPhones": [],
        "displayName": user.display_name(),
        "givenName": user.given_name,
        "jobTitle": null,
        "mail": user.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "surname": user.surname,
        "userPrincipalName": user.upn,
        "id": user.graph_id,
    })
}

/// `GET /oidc/userinfo`: OpenID Connect's claims of the user.
/// Microsoft's UserInfo: the ID token's `sub` (pairwise per app), and the claims of the granted
/// OpenID Connect scopes only (`profile`: names and picture; `email`: the mail), each present
/// only where the user has it. OIDC Core 5.3.2: a client rejects a `sub` unlike the ID token's.
/// <https://learn.microsoft.com/entra/identity-platform/userinfo>
fn userinfo_body(state: &State, user: &User, grant: &Grant) -> Value {
    let granted = |s: &str| {
        grant
            .scp
            .split_whitespace()
            .any(|g| g.eq_ignore_ascii_case(s))
    };
    let mut m = serde_json::Map::new();
    m.insert("sub".into(), pairwise(user.oid, &grant.appid).into());
    if granted("profile") {
        m.insert("name".into(), user.display_name().into());
        for (k, v) in [
            ("family_name", user.surname),
            ("given_name", user.given_name),
        ] {
            if !v.is_empty() {
                m.insert(k.into(), v.into());
            }
        }
        m.insert(
            "picture".into(),
            format!("{}/graph/v1.0/me/photo/$value", state.base).into(),
        );
    }
    if granted("email")
        && let Some(mail) = user.mail
    {
        m.insert("email".into(), mail.into());
    }
    Value::Object(m)
}

/// The application and service-principal reads `lint --from-graph` makes.
enum Route {
    /// `GET /v1.0/applications(appId='…')`
    Application(String),
    /// `GET /v1.0/applications?$filter=appId eq '…'`
    Applications(String),
    /// `GET /v1.0/servicePrincipals(appId='…')`
    ServicePrincipal(String),
}

/// `name(appId='…')` as a path segment (quotes and parentheses possibly percent-encoded).
fn by_app_id(segment: &str, name: &str) -> Option<String> {
    let decoded: String =
        form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())?;
    let inner = decoded
        .strip_prefix(name)?
        .strip_prefix("(appId='")?
        .strip_suffix("')")?;
    Some(inner.to_ascii_lowercase())
}

fn directory_route(rest: &[&str], query: &str) -> Option<Route> {
    let [version, segment] = rest else {
        return None;
    };
    if !matches!(*version, "v1.0" | "beta") {
        return None;
    }
    if *segment == "applications" {
        let filter = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "$filter")
            .map(|(_, v)| v.into_owned())?;
        let id = filter
            .trim()
            .strip_prefix("appId eq '")?
            .strip_suffix('\'')?;
        return Some(Route::Applications(id.to_ascii_lowercase()));
    }
    by_app_id(segment, "applications")
        .map(Route::Application)
        .or_else(|| by_app_id(segment, "servicePrincipals").map(Route::ServicePrincipal))
}

/// Directory reads need `Application.Read.All` (or a superset), as an application permission
/// an administrator granted, or delegated. An application object is found only in its home
/// tenant (`../shared/NGROK.md` §5.1).
fn directory(state: &State, req: &Req, route: &Route, stamp: &Stamp) -> Resp {
    const READERS: [&str; 3] = [
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
    ];
    if req.method != Method::GET {
        return method_not_allowed(stamp);
    }
    let grant = match bearer_grant(state, req, stamp) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let granted = grant.roles.iter().any(|r| READERS.contains(&r.as_str()))
        || grant
            .scp
            .split_whitespace()
            .any(|s| READERS.iter().any(|r| r.eq_ignore_ascii_case(s)));
    if !granted {
        return graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            stamp,
        );
    }
    let id = match route {
        Route::Application(id) | Route::Applications(id) | Route::ServicePrincipal(id) => id,
    };
    let app = state.app(id).filter(|a| a.home.id == grant.tid);
    let context = |what: &str| format!("{}/graph/v1.0/$metadata#{what}", state.base);
    let not_found = || {
        graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
            stamp,
        )
    };
    match (route, app) {
        (Route::Application(_), Some(app)) => {
            let mut v = app.reg.graph_application();
            v["@odata.context"] = context("applications/$entity").into();
            json(StatusCode::OK, v.to_string())
        }
        (Route::Applications(_), app) => {
            let value: Vec<Value> = app
                .map(|a| {
                    let mut v = a.reg.graph_application();
                    if let Some(m) = v.as_object_mut() {
                        m.remove("@odata.context");
                    }
                    v
                })
                .into_iter()
                .collect();
            json(
                StatusCode::OK,
                json!({"@odata.context": context("applications"), "value": value}).to_string(),
            )
        }
        (Route::ServicePrincipal(_), Some(app)) => {
            let sp = app.reg.emulator.service_principal.clone().unwrap_or(
                crate::registration::EmulatedSp {
                    account_enabled: true,
                    ..Default::default()
                },
            );
            let body = json!({
                "@odata.context": context("servicePrincipals/$entity"),
                "id": app.sp_object_id(),
                "appId": app.client_id,
                "displayName": app.reg.display_name,
                "appDisplayName": app.reg.display_name,
                "accountEnabled": sp.account_enabled,
                "appRoleAssignmentRequired": sp.assignment_required,
                "servicePrincipalType": "Application",
                "appOwnerOrganizationId": app.home.id,
                "signInAudience": app.reg.audience.as_str(),
                "disabledByMicrosoftStatus": null,
                "servicePrincipalNames": [app.client_id],
                "replyUrls": app.reg.redirect_uris.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>(),
            });
            json(StatusCode::OK, body.to_string())
        }
        (_, None) => not_found(),
    }
}
