//! Requests and responses of the emulator: the request as the server read it, form and query
//! parameters, and the response shapes Microsoft uses (JSON with no-store, HTML pages,
//! redirects, AADSTS error bodies and pages). Shared by the router and every handler.

use super::State;
use super::errors::{AadError, Stamp};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use http_body_util::Full;

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

    pub(crate) fn stamp(&self, state: &State) -> Stamp {
        let correlation_id = self
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| crate::entra::is_guid(v))
            .map_or_else(|| state.guid(), str::to_owned);
        Stamp {
            trace_id: state.guid(),
            correlation_id,
            at: state.now(),
        }
    }
}

pub(crate) fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Resp {
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
