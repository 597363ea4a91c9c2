//! The live authorization-code flow (`run`, `probe`): discovery, the authorize URL probed (and
//! probed once more with ngrok's redirect URI), the browser and a one-shot callback (or
//! paste-back for the real ngrok redirect), the token exchange, ID-token verification, the
//! access token read, Graph `/me`. It gathers typed [`Evidence`] and judges nothing: `checks`
//! does (DESIGN.md §2). What stops it (unreachable, TLS, timeout, an HTML page or a 5xx where
//! JSON was due) is recorded as the evidence's `error`, beside everything seen before.
//!
//! `flow` never depends on the emulator nor on the checks; tests join them.

mod authorize;
pub mod browser;
mod callback;
pub mod config;
mod discovery;
mod endpoints;
pub mod evidence;
mod redeem;
mod tokens;

pub use authorize::MAX_PASTE;
pub use callback::{CSP, Tab};
pub use config::{DEFAULT_REDIRECT, DEFAULT_SCOPES, FlowConfig};
pub use evidence::Evidence;

use crate::entra::{self, aadsts};
use crate::mode::Mode;
use authorize::{Request, get, probe_authorize, wait_for_browser};
use discovery::Discovered;
use evidence::{Asked, Authorize, RedirectRole, Refusal, Step};
use std::time::Duration;

/// Why the flow could not be completed (exit 3), or a usage problem found late (exit 2):
/// `error::Error::exit` decides.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// No (whole) answer: unreachable, TLS, timed out, too large.
    #[error(transparent)]
    Http(#[from] crate::https::HttpError),
    #[error("{0}")]
    Incomplete(String),
    #[error("{0}")]
    Usage(String),
}

/// The person at the terminal: where the URL and progress go, where paste-back reads from.
pub trait Console: Send {
    /// One line of progress or instructions (stderr in the CLI).
    fn say(&mut self, line: &str);
    /// Reads the address the browser landed on (paste-back mode); `None` at end of input.
    fn read_line(&mut self) -> Option<String>;
    /// A terminal that can show a spinner.
    fn interactive(&self) -> bool {
        false
    }
    /// Redraws the waiting line (interactive consoles only).
    fn waiting(&mut self, _left: Duration) {}
}

/// Runs the flow of `cfg` as far as it goes and returns what it saw. Never fails: an error is
/// part of the evidence, so that the report of what was seen is still written. With further
/// accounts (`--accounts`), each signs in after the first, whatever the first one's outcome.
/// The browser's tab is told that the verdict is in the terminal.
pub async fn run(cfg: &FlowConfig, console: &mut dyn Console) -> Evidence {
    let (ev, tab) = run_in_tab(cfg, console).await;
    if let Some(tab) = tab {
        tab.close().await;
    }
    ev
}

/// [`run`], and the browser's tab of the (last) sign-in that came back to the one-shot
/// callback, still waiting: show the verdict in it with [`Tab::show`] (DESIGN.md §9.3). `flow`
/// judges nothing, so the page comes from whoever does. The tab of an earlier sign-in
/// (`--accounts`) is told the verdict is in the terminal before the next one starts.
pub async fn run_in_tab(cfg: &FlowConfig, console: &mut dyn Console) -> (Evidence, Option<Tab>) {
    let (mut ev, mut tab) = one(cfg, console).await;
    if ev.error.is_some() {
        return (ev, tab);
    }
    let n = cfg.more_accounts.len() + 1;
    for (i, hint) in cfg.more_accounts.iter().enumerate() {
        console.say(&match hint {
            Some(h) => format!("Sign-in {} of {n}: as {h}", i + 2),
            None => format!(
                "Sign-in {} of {n}: pick an account of ANOTHER organisation than the first one \
                 (ngrok's users sign in from other tenants; this tests that they can)",
                i + 2
            ),
        });
        let mut next = cfg.clone();
        next.login_hint.clone_from(hint);
        next.more_accounts.clear();
        next.select_account = true;
        // The next sign-in listens on the same port.
        if let Some(t) = tab.take() {
            t.close().await;
        }
        let (sub, sub_tab) = Box::pin(one(&next, console)).await;
        tab = sub_tab;
        ev.redactor.extend(&sub.redactor);
        ev.other_accounts.push(evidence::AccountTry {
            hint: hint.clone(),
            outcome: account_outcome(sub),
        });
    }
    (ev, tab)
}

/// What a further sign-in's evidence says about its account.
fn account_outcome(sub: Evidence) -> evidence::AccountOutcome {
    use evidence::{AccountOutcome, IdToken};
    if let Some(e) = &sub.error {
        return AccountOutcome::NotTried(e.to_string());
    }
    if let Some(r) = sub.refusal.clone() {
        return AccountOutcome::Refused(r);
    }
    match &sub.id_token {
        Some(IdToken::Valid(c)) => AccountOutcome::SignedIn {
            who: c
                .preferred_username
                .clone()
                .or_else(|| c.email.clone())
                .unwrap_or_else(|| "(no preferred_username)".into()),
            tid: c.tid.clone(),
            graph: sub.graph_me.clone(),
        },
        _ => AccountOutcome::NotTried(sub.not_reached()),
    }
}

/// One sign-in: the flow of `cfg` for its `login_hint`, and its tab where one came back.
async fn one(cfg: &FlowConfig, console: &mut dyn Console) -> (Evidence, Option<Tab>) {
    let mut ev = Evidence {
        asked: Some(Asked {
            mode: cfg.mode,
            client_id: cfg.client_id.clone(),
            tenant: cfg.tenant.clone(),
            scopes: cfg.scopes.clone(),
            redirect_uri: shown_redirect(&cfg.redirect_uri),
            redirect: cfg.redirect_role(),
        }),
        ..Evidence::default()
    };
    ev.redactor.add(cfg.secret.expose());
    ev.redactor
        .add_basic(cfg.client_id.as_str(), cfg.secret.expose());
    let mut tab = None;
    if let Err(e) = steps(cfg, console, &mut ev, &mut tab).await {
        ev.error = Some(e);
    }
    (ev, tab)
}

/// The redirect URI as a person would register it: port 0 ("any free port") is not shown, as
/// Entra ignores the port of `http://localhost` redirects.
fn shown_redirect(u: &reqwest::Url) -> String {
    let mut u = u.clone();
    if u.port() == Some(0) {
        let _ = u.set_port(None);
    }
    u.to_string()
}

async fn steps(
    cfg: &FlowConfig,
    console: &mut dyn Console,
    ev: &mut Evidence,
    tab: &mut Option<Tab>,
) -> Result<(), FlowError> {
    let Some(d) = discover(cfg, ev).await? else {
        return Ok(());
    };
    let req = Request::new();
    ev.redactor.add(req.verifier.secret());
    // The redirect: a one-shot server on loopback (run), or the URI as given.
    let mut server = if cfg.mode == Mode::Run && cfg.loopback_redirect() {
        Some(callback::bind(&cfg.redirect_uri, req.state.secret(), cfg.wait).await?)
    } else {
        None
    };
    let redirect_uri = match &server {
        Some(s) => s.redirect_uri.clone(),
        None => {
            let mut u = cfg.redirect_uri.clone();
            if u.port() == Some(0) {
                let _ = u.set_port(Some(8765)); // Entra ignores a localhost port
            }
            u.to_string()
        }
    };
    let result =
        authorize_and_exchange(cfg, console, ev, &d, &req, &redirect_uri, &mut server).await;
    if let Some(s) = server {
        if s.got_shot() {
            *tab = Some(s.into_tab());
        } else {
            s.close().await;
        }
    }
    result
}

async fn discover(cfg: &FlowConfig, ev: &mut Evidence) -> Result<Option<Discovered>, FlowError> {
    let target = discovery::Target {
        authority: &cfg.authority,
        tenant_base: &cfg.tenant_base(),
        graph: &cfg.graph,
    };
    match discovery::discover(&cfg.http, &target).await? {
        discovery::Outcome::Found(d) => {
            ev.discovery = Some(evidence::Discovery::Found {
                issuer: d.issuer.clone(),
                templated: d.templated,
                keys: d.jwks.keys().len(),
                jwks_uri: d.jwks_uri.clone(),
            });
            Ok(Some(*d))
        }
        discovery::Outcome::Refused(url, answer) => {
            let body = aadsts::ErrorBody::parse(&answer.body).unwrap_or_default();
            let refusal = Refusal {
                at: Step::Discovery,
                code: body.code(),
                error: body.error.clone(),
                message: if body.error.is_empty() {
                    format!("{url} answered HTTP {}", answer.status)
                } else {
                    body.message().to_owned()
                },
                status: Some(answer.status),
            };
            if refusal.code.is_some() {
                ev.refusal = Some(refusal.clone());
            }
            ev.discovery = Some(evidence::Discovery::Refused(refusal));
            ev.stop("discovery failed");
            Ok(None)
        }
        discovery::Outcome::Broken(why) => {
            ev.discovery = Some(evidence::Discovery::Broken(why));
            ev.stop("discovery failed");
            Ok(None)
        }
    }
}

/// The refusal an error redirect carries, if it is one.
fn redirect_refusal(q: &[(String, String)], at: Step) -> Option<Refusal> {
    let error = get(q, "error")?;
    let desc = get(q, "error_description").unwrap_or(error);
    Some(Refusal {
        at,
        code: aadsts::find_code(desc),
        error: error.to_owned(),
        message: aadsts::first_line(desc).to_owned(),
        status: None,
    })
}

/// The refusal of an error page.
fn page_refusal(code: u32, line: &str) -> Refusal {
    Refusal {
        at: Step::AuthorizePage,
        code: Some(code),
        error: String::new(),
        message: line.to_owned(),
        status: None,
    }
}

async fn authorize_and_exchange(
    cfg: &FlowConfig,
    console: &mut dyn Console,
    ev: &mut Evidence,
    d: &Discovered,
    req: &Request,
    redirect_uri: &str,
    server: &mut Option<callback::Callback>,
) -> Result<(), FlowError> {
    // Probe the authorize URL first: an unknown client or an unregistered redirect URI is an
    // error page, not a redirect, and a browser would sit on it while we waited forever.
    let url = req.url(d, cfg, redirect_uri);
    let (answer, back) = probe_authorize(&cfg.http, &url, redirect_uri).await?;
    ev.authorize = Some(answer.clone());
    if cfg.redirect_role() == RedirectRole::Ngrok {
        // Paste-back on ngrok's own URI: the flow's request is that test.
        ev.ngrok_redirect = Some(answer.clone());
    } else if let Err(e) = probe_ngrok_redirect(cfg, ev, d, req).await {
        // A side test: what it could not do is noted, and the flow goes on.
        ev.ngrok_unfinished = Some(e.to_string());
    }
    let query = match answer {
        Authorize::Page { code, line } => {
            ev.refusal = Some(page_refusal(code, &line));
            ev.stop("the authorize endpoint showed an error page");
            return Ok(());
        }
        Authorize::Back => {
            let q = back.unwrap_or_default();
            if let Some(r) = redirect_refusal(&q, Step::AuthorizeRedirect) {
                ev.stop(format!("the identity platform answered {}", r.error));
                ev.refusal = Some(r);
                return Ok(());
            }
            if cfg.mode == Mode::Probe {
                q
            } else {
                match wait_for_browser(cfg, console, &url, server).await? {
                    Some(q) => q,
                    None => return Ok(()),
                }
            }
        }
        Authorize::SignIn if cfg.mode == Mode::Probe => {
            redeem::probe_secret(cfg, ev).await?;
            ev.stop("a person must sign in: use oauth-preflight run");
            return Ok(());
        }
        Authorize::SignIn => match wait_for_browser(cfg, console, &url, server).await? {
            Some(q) => q,
            None => return Ok(()),
        },
    };
    let Some(code) = code_of(&query, req, ev)? else {
        return Ok(());
    };
    ev.redactor.add(code);
    ev.code_issued = true;
    redeem::exchange(cfg, ev, d, req, code, redirect_uri).await
}

/// ngrok's redirect URI, tested on every run and probe (DESIGN.md §8.1): the authorization
/// request once more with `redirect_uri=https://idp.ngrok.com/oauth2/callback`, not followed.
/// Where it comes straight back with a code (no UI: the emulator), redeeming that code tests the
/// URI's platform too (Web, not SPA or Mobile and desktop).
async fn probe_ngrok_redirect(
    cfg: &FlowConfig,
    ev: &mut Evidence,
    d: &Discovered,
    req: &Request,
) -> Result<(), FlowError> {
    let url = req.url(d, cfg, entra::NGROK_CALLBACK);
    let (answer, back) = probe_authorize(&cfg.http, &url, entra::NGROK_CALLBACK).await?;
    ev.ngrok_redirect = Some(answer);
    let code = back.as_deref().and_then(|q| {
        (get(q, "error").is_none() && get(q, "state") == Some(req.state.secret().as_str()))
            .then(|| get(q, "code"))
            .flatten()
    });
    if let Some(code) = code {
        ev.redactor.add(code);
        let redeemed = redeem::redeem_only(cfg, d, req, code, entra::NGROK_CALLBACK).await?;
        ev.ngrok_token = Some(redeemed);
    }
    Ok(())
}

/// The code of the redirect back, after its `state` and any `error`.
fn code_of<'q>(
    query: &'q [(String, String)],
    req: &Request,
    ev: &mut Evidence,
) -> Result<Option<&'q str>, FlowError> {
    if get(query, "state") != Some(req.state.secret().as_str()) {
        return Err(FlowError::Usage(
            "the pasted address carries another state than this sign-in: paste the address of this sign-in's redirect".into(),
        ));
    }
    if let Some(r) = redirect_refusal(query, Step::RedirectBack) {
        ev.stop(format!("the identity platform answered {}", r.error));
        ev.refusal = Some(r);
        return Ok(None);
    }
    get(query, "code")
        .map(Some)
        .ok_or_else(|| FlowError::Usage("the redirect carries no code and no error".into()))
}
