//! The one-shot callback server standing in for `idp.ngrok.com`: loopback only, on the redirect
//! URI's port (0: any free port) and path. The shot is the first request to that path carrying
//! this flow's `state`; other paths (`/favicon.ico`, preconnects) get 404, a wrong or missing
//! `state` gets 400 and does not end the wait. The browser gets a page saying what happened.
//!
//! Junk traffic cannot keep the genuine callback out: headers must arrive within
//! [`HEADER_TIMEOUT`] (idle and slow connections are closed), at most [`MAX_CONNECTIONS`] are
//! served at once (a new one closes the oldest), and a failed accept (out of file descriptors)
//! backs off instead of spinning.

use super::FlowError;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use reqwest::Url;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, watch};

/// Headers (of the first request, and of each next one on a kept-alive connection) must arrive
/// within this; a browser sends them at once.
pub(crate) const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Connections served at once; a new one closes the oldest.
pub(crate) const MAX_CONNECTIONS: usize = 64;

/// The query of the redirect that came back.
pub(crate) type Shot = Vec<(String, String)>;

/// A bound callback server.
pub(crate) struct Callback {
    /// The redirect URI with the bound port.
    pub(crate) redirect_uri: String,
    rx: oneshot::Receiver<Shot>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

struct Shared {
    path: String,
    state: String,
    tx: Mutex<Option<oneshot::Sender<Shot>>>,
}

/// Binds the loopback listener(s) for `uri`.
pub(crate) async fn bind(uri: &Url, state: &str) -> Result<Callback, FlowError> {
    let port = uri.port_or_known_default().unwrap_or(80);
    let v4 = SocketAddr::from(([127, 0, 0, 1], port));
    let first = tokio::net::TcpListener::bind(v4).await.map_err(|e| {
        FlowError::Incomplete(format!(
            "cannot listen on {v4} for the redirect {uri}: {e} (another run? port 0, as in \
             http://localhost:0{}, takes any free port; Entra ignores a localhost port)",
            uri.path()
        ))
    })?;
    let port = first
        .local_addr()
        .map_err(|e| FlowError::Incomplete(e.to_string()))?
        .port();
    let mut listeners = vec![first];
    // Browsers may resolve localhost to ::1 first; serve it too where the machine allows.
    if uri.host_str() == Some("localhost")
        && let Ok(v6) =
            tokio::net::TcpListener::bind(SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], port))).await
    {
        listeners.push(v6);
    }
    let mut actual = uri.clone();
    let _ = actual.set_port(Some(port));
    let (tx, rx) = oneshot::channel();
    let shared = Arc::new(Shared {
        path: uri.path().to_owned(),
        state: state.to_owned(),
        tx: Mutex::new(Some(tx)),
    });
    let (stop, stopped) = watch::channel(false);
    let tasks = listeners
        .into_iter()
        .map(|l| tokio::spawn(serve(l, Arc::clone(&shared), stopped.clone())))
        .collect();
    Ok(Callback {
        redirect_uri: actual.to_string(),
        rx,
        stop,
        tasks,
    })
}

impl Callback {
    /// Waits for the shot; `None` if the server went away.
    pub(crate) async fn shot(&mut self) -> Option<Shot> {
        (&mut self.rx).await.ok()
    }

    /// Stops listening; answers already being written are finished first.
    pub(crate) async fn close(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), t).await;
        }
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut open: std::collections::VecDeque<tokio::task::JoinHandle<()>> =
        std::collections::VecDeque::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                open.retain(|t| !t.is_finished());
                while open.len() >= MAX_CONNECTIONS {
                    if let Some(oldest) = open.pop_front() {
                        oldest.abort();
                    }
                }
                let shared = Arc::clone(&shared);
                let conn = http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(64 * 1024)
                    .serve_connection(
                        TokioIo::new(tcp),
                        service_fn(move |req| {
                            let shared = Arc::clone(&shared);
                            async move { Ok::<_, Infallible>(answer(&shared, &req)) }
                        }),
                    );
                let watched = graceful.watch(conn);
                open.push_back(tokio::spawn(async move { let _ = watched.await; }));
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), graceful.shutdown()).await;
    for t in open {
        t.abort();
    }
}

/// The page the browser shows; `good` styles it as a success (a refused sign-in is not one,
/// though it is answered with 200).
fn page(status: StatusCode, good: bool, title: &str, body: &str) -> Response<Full<Bytes>> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>oauth-preflight: {t}</title>\
         <style>body{{font:16px system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}}\
         h1{{font-size:1.4em}} .ok{{color:#1a7f37}} .bad{{color:#c62828}} p{{line-height:1.5}}</style></head>\n\
         <body><h1 class=\"{class}\">{t}</h1><p>{b}</p><p>You can close this tab and return to the terminal.</p></body></html>\n",
        t = esc(title),
        b = esc(body),
        class = if good { "ok" } else { "bad" },
    );
    let mut r = Response::new(Full::new(Bytes::from(html)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}

fn answer(shared: &Shared, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    if req.uri().path() != shared.path {
        return page(
            StatusCode::NOT_FOUND,
            false,
            "Not found",
            "This address is not the sign-in callback.",
        );
    }
    let query: Shot = form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("state") != Some(shared.state.as_str()) {
        return page(
            StatusCode::BAD_REQUEST,
            false,
            "Not this sign-in",
            "The state parameter does not match the sign-in oauth-preflight started, so this answer was refused. Start the sign-in from the URL oauth-preflight printed.",
        );
    }
    let Some(tx) = shared
        .tx
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
    else {
        return page(
            StatusCode::OK,
            true,
            "Already received",
            "oauth-preflight already has the answer of this sign-in.",
        );
    };
    let (status, good, title, body) = match (get("code"), get("error")) {
        (_, Some(error)) => (
            StatusCode::OK,
            false,
            "Microsoft refused the sign-in",
            format!(
                "{error}: {}. oauth-preflight explains why in the terminal.",
                get("error_description")
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            ),
        ),
        (Some(_), None) => (
            StatusCode::OK,
            true,
            "Signed in",
            "oauth-preflight received the authorization code and is checking the tokens."
                .to_owned(),
        ),
        (None, None) => (
            StatusCode::BAD_REQUEST,
            false,
            "No code",
            "The redirect carried neither a code nor an error.".to_owned(),
        ),
    };
    let _ = tx.send(query);
    page(status, good, title, &body)
}
