//! The one-shot callback server standing in for `idp.ngrok.com`: loopback only, on the redirect
//! URI's port (0: any free port) and path. The shot is the first request to that path carrying
//! this flow's `state`; other paths (`/favicon.ico`, preconnects) get 404, a wrong or missing
//! `state` gets 400 and does not end the wait.
//!
//! The shot's answer waits for the verdict (DESIGN.md §9.3): the flow hands the bound server
//! back as a [`Tab`], and whoever judges the evidence shows the verdict page in it
//! ([`Tab::show`]); `flow` itself never sees the checks (DESIGN.md §2). The wait is bounded by
//! `--timeout`; then, or when no verdict comes, the page says the verdict is in the terminal.
//! Every page is self-contained, its text escaped, and served with
//! `Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'`: no script, no
//! external asset, whatever a display name or an AADSTS description holds.
//!
//! Junk traffic cannot keep the genuine callback out: headers must arrive within
//! [`HEADER_TIMEOUT`] (idle and slow connections are closed), at most [`MAX_CONNECTIONS`] are
//! served at once (a new one closes the oldest), and a failed accept (out of file descriptors)
//! backs off instead of spinning.

use super::FlowError;
use super::browser::Launched;
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
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// Headers (of the first request, and of each next one on a kept-alive connection) must arrive
/// within this; a browser sends them at once.
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; a new one closes the oldest.
pub(crate) const MAX_CONNECTIONS: usize = 64;

/// The one policy of every page: nothing loads, nothing runs; only the page's own `<style>`.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// How long a command browser gets to render the final page (headless Chromium screenshots
/// after load) before the run ends; one that stays open is the user's and is left running.
const BROWSER_GRACE: Duration = Duration::from_secs(10);

/// The query of the redirect that came back.
pub(crate) type Shot = Vec<(String, String)>;

/// A bound callback server.
pub(crate) struct Callback {
    /// The redirect URI with the bound port.
    pub(crate) redirect_uri: String,
    rx: oneshot::Receiver<Shot>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The verdict for the shot's answer; dropped, the answer says the verdict is in the
    /// terminal.
    page: Option<oneshot::Sender<String>>,
    /// The shot came (its answer waits for the verdict).
    got_shot: bool,
    /// The browser opened for this sign-in, given its grace once its tab has the verdict.
    pub(crate) launched: Option<Launched>,
}

struct Shared {
    path: String,
    state: String,
    tx: Mutex<Option<oneshot::Sender<Shot>>>,
    /// The verdict, taken by the shot's answer.
    page: Mutex<Option<oneshot::Receiver<String>>>,
    /// How long the shot's answer waits for it (`--timeout`).
    wait: Duration,
}

/// The browser's tab on the one-shot callback, its answer waiting for the verdict
/// (DESIGN.md §9.3). Handed out by [`super::run_in_tab`]; show the verdict with [`Tab::show`],
/// or [`Tab::close`] it (the page then says the verdict is in the terminal).
pub struct Tab(Callback);

impl Tab {
    /// Answers the waiting tab with `html`, a whole self-contained page (served with
    /// [`CSP`]), then closes the server and gives a command browser its grace.
    pub async fn show(mut self, html: String) {
        if let Some(page) = self.0.page.take() {
            let _ = page.send(html);
        }
        self.0.close().await;
    }

    /// Answers the waiting tab without a verdict ("the verdict is in the terminal").
    pub async fn close(self) {
        self.0.close().await;
    }
}

impl std::fmt::Debug for Tab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tab")
            .field("redirect_uri", &self.0.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Binds the loopback listener(s) for `uri`; the shot's answer waits up to `wait` for the
/// verdict.
pub(crate) async fn bind(uri: &Url, state: &str, wait: Duration) -> Result<Callback, FlowError> {
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
    let (page_tx, page_rx) = oneshot::channel();
    let shared = Arc::new(Shared {
        path: uri.path().to_owned(),
        state: state.to_owned(),
        tx: Mutex::new(Some(tx)),
        page: Mutex::new(Some(page_rx)),
        wait,
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
        page: Some(page_tx),
        got_shot: false,
        launched: None,
    })
}

impl Callback {
    /// Waits for the shot; `None` if the server went away.
    pub(crate) async fn shot(&mut self) -> Option<Shot> {
        let shot = (&mut self.rx).await.ok();
        self.got_shot |= shot.is_some();
        shot
    }

    /// The shot came: its tab waits for the verdict, so the server is handed out, not closed.
    pub(crate) fn got_shot(&self) -> bool {
        self.got_shot
    }

    /// The server, as the tab waiting for the verdict.
    pub(crate) fn into_tab(self) -> Tab {
        Tab(self)
    }

    /// Stops listening; answers already being written are finished first (a tab still waiting
    /// is told the verdict is in the terminal). Then a command browser gets its grace.
    pub(crate) async fn close(mut self) {
        drop(self.page.take());
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
        }
        if let Some(l) = self.launched.take() {
            tokio::task::spawn_blocking(move || l.finish(BROWSER_GRACE))
                .await
                .ok();
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
                    tokio::time::sleep(Duration::from_millis(50)).await;
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
                        service_fn(move |req: Request<Incoming>| {
                            let shared = Arc::clone(&shared);
                            let uri = req.uri().clone();
                            async move { Ok::<_, Infallible>(answer(&shared, &uri).await) }
                        }),
                    );
                let watched = graceful.watch(conn);
                open.push_back(tokio::spawn(async move { let _ = watched.await; }));
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(1), graceful.shutdown()).await;
    for t in open {
        t.abort();
    }
}

/// `text` safe between HTML tags and in attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// A whole page as the browser gets it: no caching (it follows a code), no referrer (its URL
/// holds the code), no sniffing, and [`CSP`].
fn respond(status: StatusCode, html: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(html)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    for (name, value) in [
        (http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (http::header::CACHE_CONTROL, "no-store"),
        (http::header::CONTENT_SECURITY_POLICY, CSP),
        (http::header::REFERRER_POLICY, "no-referrer"),
        (http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        h.insert(name, http::HeaderValue::from_static(value));
    }
    r
}

/// The page the browser shows; `good` styles it as a success (a refused sign-in is not one,
/// though it is answered with 200).
fn page(status: StatusCode, good: bool, title: &str, body: &str) -> Response<Full<Bytes>> {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>oauth-preflight: {t}</title>\
         <style>body{{font:16px system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}}\
         h1{{font-size:1.4em}} .ok{{color:#1a7f37}} .bad{{color:#c62828}} p{{line-height:1.5;overflow-wrap:anywhere}}</style></head>\n\
         <body><h1 class=\"{class}\">{t}</h1><p>{b}</p><p>You can close this tab and return to the terminal.</p></body></html>\n",
        t = esc(title),
        b = esc(body),
        class = if good { "ok" } else { "bad" },
    );
    respond(status, html)
}

async fn answer(shared: &Shared, uri: &http::Uri) -> Response<Full<Bytes>> {
    if uri.path() != shared.path {
        return page(
            StatusCode::NOT_FOUND,
            false,
            "Not found",
            "This address is not the sign-in callback.",
        );
    }
    let query: Shot = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
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
    let (status, good, title, body) = note(&query);
    // Taken before the shot is handed over, so that no verdict can be shown before this
    // answer waits for it.
    let verdict = shared
        .page
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    let _ = tx.send(query);
    let Some(verdict) = verdict else {
        return page(status, good, title, &body);
    };
    // The checks run now: this answer waits for their verdict, up to --timeout.
    match tokio::time::timeout(shared.wait, verdict).await {
        Ok(Ok(html)) => respond(StatusCode::OK, html),
        Ok(Err(_)) => page(status, good, title, &body),
        Err(_) => page(
            status,
            good,
            title,
            &format!(
                "{body} The checks did not finish within {} s (--timeout): the verdict is in the terminal.",
                shared.wait.as_secs()
            ),
        ),
    }
}

/// What the tab says of the shot when no verdict comes: its status, whether it went well, a
/// title and a line.
fn note(query: &Shot) -> (StatusCode, bool, &'static str, String) {
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match (get("code"), get("error")) {
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
            "oauth-preflight received the authorization code; the verdict is in the terminal."
                .to_owned(),
        ),
        (None, None) => (
            StatusCode::BAD_REQUEST,
            false,
            "No code",
            "The redirect carried neither a code nor an error.".to_owned(),
        ),
    }
}
