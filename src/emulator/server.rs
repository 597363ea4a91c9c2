//! The network side: accept on loopback, TLS handshake per connection (in its own task, with a
//! deadline), HTTP/1.1 with header-read timeouts and a body limit, graceful shutdown.
//! Malformed or hostile traffic ends in a 4xx or a closed connection, never a crash or a hang.

use super::State;
use super::respond::{self, Req};
use super::routes;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// Request bodies larger than this are refused with 413.
pub(crate) const MAX_BODY: usize = 1 << 20;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A body that stalls (headers promising bytes that never come) is given up like headers are:
/// one client must not hold a connection, and so a file descriptor, for ever.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    let acceptor = acceptor.clone();
                    let state = Arc::clone(&state);
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
                            return; // broken or stalled TLS: close
                        };
                        let service = service_fn(move |req| {
                            let state = Arc::clone(&state);
                            async move { Ok::<_, Infallible>(handle(&state, req).await) }
                        });
                        let conn = http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(HEADER_TIMEOUT)
                            .max_buf_size(64 * 1024)
                            .writev(false)
                            .serve_connection(TokioIo::new(tls), service);
                        let _ = watcher.watch(conn).await;
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(2), graceful.shutdown()).await;
}

async fn handle(state: &Arc<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect())
        .await
    {
        Ok(Ok(b)) => b.to_bytes(),
        Err(_) => {
            let mut r = respond::json(
                StatusCode::REQUEST_TIMEOUT,
                r#"{"error":"invalid_request","error_description":"The request body did not arrive in time."}"#,
            );
            r.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
            return r;
        }
        Ok(Err(_)) => {
            let mut r = respond::json(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"error":"invalid_request","error_description":"The request body is too large."}"#,
            );
            r.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
            return r;
        }
    };
    let req = Req {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers,
        body,
    };
    let (method, path) = (req.method.clone(), req.path.clone());
    let resp = routes::handle(state, req).await;
    if state.log_requests {
        return logged(&method, &path, resp).await;
    }
    resp
}

/// Logs one line for a request: method, path (never the query: it may hold a code or a
/// secret), status, and the AADSTS code of an error answer (JSON body, error page, or error
/// redirect). Bodies and tokens are never printed.
async fn logged(
    method: &http::Method,
    path: &str,
    resp: Response<Full<Bytes>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let code = parts
        .headers
        .get(http::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| {
            l.contains("error=")
                .then(|| crate::entra::aadsts::find_code(l))
                .flatten()
        })
        .or_else(|| {
            if parts.status.is_success()
                && !parts
                    .headers
                    .get(http::header::CONTENT_TYPE)
                    .is_some_and(|c| c.as_bytes().starts_with(b"text/html"))
            {
                return None;
            }
            crate::entra::aadsts::find_code(&String::from_utf8_lossy(&bytes))
        });
    let line = match code {
        Some(c) => format!("{method} {path} {} AADSTS{c}", parts.status.as_u16()),
        None => format!("{method} {path} {}", parts.status.as_u16()),
    };
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    Response::from_parts(parts, Full::new(bytes))
}
