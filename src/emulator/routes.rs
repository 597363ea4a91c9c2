//! The emulator's routing table: paths to handlers. Protocol logic lives in `authorize`,
//! `token_endpoint`, `graph` and `discovery`; the response helpers they share in `respond`,
//! which this router and the handlers import (the handlers never import the router).

use super::respond::{Params, Req, Resp, aad_json, html, json, redirect, respond};
use super::{Authority, State, authorize, discovery, graph, token_endpoint};
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use std::sync::Arc;

fn with_discovery_headers(mut r: Resp) -> Resp {
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400, private"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    r
}

fn not_found() -> Resp {
    html(
        StatusCode::NOT_FOUND,
        "<!DOCTYPE html><html><body><h1>404 - Not Found</h1></body></html>\n".into(),
    )
}

fn method_not_allowed() -> Resp {
    html(
        StatusCode::METHOD_NOT_ALLOWED,
        "<!DOCTYPE html><html><body><h1>405 - Method Not Allowed</h1></body></html>\n".into(),
    )
}

/// Routes one request.
pub(crate) async fn handle(state: &Arc<State>, req: Req) -> Resp {
    // Ids and time for error bodies; cheap enough, but only made where an error is possible.
    let stamp = || req.stamp(state);
    let path = req.path.clone();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if req.method == Method::OPTIONS {
        let mut r =
            with_discovery_headers(respond(StatusCode::NO_CONTENT, "text/plain", Bytes::new()));
        r.headers_mut().remove(header::CACHE_CONTROL);
        return r;
    }
    let get = req.method == Method::GET || req.method == Method::HEAD;
    match segs.as_slice() {
        ["graph", rest @ ..] => graph::handle(state, &req, rest, &stamp()),
        [_, "discovery", "instance"] if get => {
            let q = Params::parse(req.query.as_bytes());
            let body = discovery::instance(&state.base, q.get("authorization_endpoint"));
            with_discovery_headers(json(StatusCode::OK, body.to_string()))
        }
        [t, "v2.0", ".well-known", "openid-configuration"] => match (get, Authority::resolve(t)) {
            (false, _) => method_not_allowed(),
            (true, Some(a)) => {
                with_discovery_headers(json(StatusCode::OK, state.discovery.discovery(a)))
            }
            (true, None) => aad_json(&super::errors::tenant_not_found(t), &stamp()),
        },
        [t, "discovery", "v2.0", "keys"] => match (get, Authority::resolve(t)) {
            (false, _) => method_not_allowed(),
            (true, Some(a)) => with_discovery_headers(json(
                StatusCode::OK,
                state.discovery.jwks(a, state.rotated_published()),
            )),
            (true, None) => aad_json(&super::errors::tenant_not_found(t), &stamp()),
        },
        [t, "oauth2", "v2.0", "authorize"] => match req.method {
            Method::GET => {
                authorize::authorize(state, t, &Params::parse(req.query.as_bytes()), &stamp())
            }
            Method::POST => authorize::authorize(state, t, &Params::parse(&req.body), &stamp()),
            _ => method_not_allowed(),
        },
        [t, "oauth2", "v2.0", "token"] => {
            let (segment, stamp) = ((*t).to_owned(), stamp());
            token_endpoint::token(state, segment, req, stamp).await
        }
        [_, "oauth2", "v2.0", "logout"] => {
            let params = if req.method == Method::POST {
                Params::parse(&req.body)
            } else {
                Params::parse(req.query.as_bytes())
            };
            match params.get("post_logout_redirect_uri") {
                Some(uri) if uri.starts_with("https://") || uri.starts_with("http://") => redirect(uri),
                _ => html(
                    StatusCode::OK,
                    "<!DOCTYPE html><html><body><p>You signed out of your account.</p></body></html>\n".into(),
                ),
            }
        }
        _ => not_found(),
    }
}
