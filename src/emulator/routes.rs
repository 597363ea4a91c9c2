//! Requests in, responses out: the emulator's routing table and response helpers.
//! Protocol logic lives in `authorize`, `token`, `graph` and `discovery`; this file knows paths.

use super::errors::{AadError, Stamp};
use super::{Authority, State, authorize, discovery, graph, token};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use http_body_util::Full;
use std::sync::Arc;

/// A request, with its body already read (and size-limited) by the server.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

pub(crate) type Resp = Response<Full<Bytes>>;

/// Form or query parameters; the first of a repeated name wins.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(raw: &[u8]) -> Self {
        Self(form_urlencoded::parse(raw).into_owned().collect())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

impl Req {
    pub(crate) fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn stamp(&self, state: &State) -> Stamp {
        let correlation_id = self
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| crate::registration::is_guid(v))
            .map_or_else(|| state.guid(), str::to_owned);
        Stamp {
            trace_id: state.guid(),
            correlation_id,
            at: state.now(),
        }
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub(crate) fn json(status: StatusCode, body: impl Into<Bytes>) -> Resp {
    let mut r = respond(status, "application/json; charset=utf-8", body);
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    r
}

pub(crate) fn html(status: StatusCode, body: String) -> Resp {
    respond(status, "text/html; charset=utf-8", body)
}

pub(crate) fn redirect(location: &str) -> Resp {
    let mut r = respond(StatusCode::FOUND, "text/html; charset=utf-8", Bytes::new());
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// An AADSTS error as a JSON body with its HTTP status (token endpoint, discovery).
pub(crate) fn aad_json(e: &AadError, stamp: &Stamp) -> Resp {
    json(e.status, e.json(stamp).to_string())
}

/// An AADSTS error as Microsoft's error page (HTTP 200, no redirect).
pub(crate) fn aad_page(e: &AadError, stamp: &Stamp) -> Resp {
    html(StatusCode::OK, e.page(stamp))
}

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
            token::token(state, segment, req, stamp).await
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
