//! The live authorization-code flow (`run`, `probe`): discovery, a probe of the authorize URL,
//! the browser and a one-shot callback (or paste-back for the real ngrok redirect), the token
//! exchange, ID-token verification, the access token's audience, Graph `/me`. Every step turns
//! what the identity platform did into findings with the catalog's ids; a step that cannot be
//! completed at all (unreachable, TLS, timeout, HTML where JSON was due) is a [`FlowError`].
//!
//! `flow` never depends on the emulator; tests join them.

mod authorize;
pub mod browser;
mod callback;
pub mod config;
mod discovery;
mod http;
mod redeem;
mod tokens;

pub use config::{FlowConfig, Mode};

use crate::checks::{self, CheckId, Finding, LintOptions, Status};
use crate::entra::{self, aadsts};
use crate::registration::is_guid;
use crate::report::Target;
use authorize::{Authorize, Request, get, probe_authorize, wait_for_browser};
use discovery::Discovered;
use redeem::{exchange, probe_secret};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why the flow could not be completed (exit 3), or a usage problem found late (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
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

/// What a flow found, for the report.
#[derive(Debug, Clone)]
pub struct FlowOutcome {
    pub target: Target,
    pub findings: Vec<Finding>,
}

/// Findings of the live checks, one per id, and where the flow stopped.
struct Live {
    found: BTreeMap<CheckId, Finding>,
    stopped: Option<String>,
    redirect_id: CheckId,
    /// The secret's value, so that nothing a server echoes can carry it into a report.
    secret: String,
}

impl Live {
    fn set(&mut self, mut f: Finding) {
        for text in [Some(&mut f.title), Some(&mut f.evidence), f.fix.as_mut()]
            .into_iter()
            .flatten()
        {
            *text = redact(text, &self.secret);
        }
        match self.found.get(&f.id) {
            Some(old) if old.status >= f.status => {}
            _ => {
                self.found.insert(f.id, f);
            }
        }
    }

    fn stop(&mut self, why: impl Into<String>) {
        self.stopped.get_or_insert(why.into());
    }

    /// A finding from an AADSTS error at step `at`.
    fn aad(&mut self, code: u32, at: &str, description: &str, cfg: &FlowConfig, fallback: CheckId) {
        let info = aadsts::lookup(code);
        let id = match code {
            50011 | 500113 | 900971 => self.redirect_id,
            _ => info.map_or(fallback, |i| i.check),
        };
        let message = description
            .split("\r\n")
            .next()
            .unwrap_or(description)
            .trim();
        let mut title = info.map_or_else(
            || format!("AADSTS{code} at {at}"),
            |i| format!("AADSTS{code}: {}", i.meaning.trim_end_matches('.')),
        );
        let mut fix = info.map_or_else(
            || format!("look the code up at {}", aadsts::lookup_url(code)),
            |i| i.fix.to_owned(),
        );
        if matches!(code, 50011 | 500113) && id == CheckId::RedirectLocal {
            fix = format!(
                "Authentication > Web > Redirect URIs: add {} (Entra ignores the port of http://localhost), \
                 and remove it once you are done testing; or test ngrok's own URI with --redirect-uri {} (paste-back)",
                {
                    let mut u = cfg.redirect_uri.clone();
                    if u.port() == Some(0) {
                        let _ = u.set_port(None);
                    }
                    u
                },
                entra::NGROK_CALLBACK
            );
        }
        if code == 7000215 && secret_is_an_id(cfg) {
            title =
                "the supplied client secret is a Secret ID, not the secret's Value (AADSTS7000215)"
                    .into();
            fix = "Certificates & secrets > New client secret, then copy the Value column (shown only once), not Secret ID".into();
        }
        self.set(Finding::fail(id, title, format!("{at}: {message}"), fix));
    }
}

/// `text` without `secret` (servers' error texts are quoted in reports and errors).
fn redact(text: &str, secret: &str) -> String {
    if secret.len() >= 4 && text.contains(secret) {
        text.replace(secret, "[redacted]")
    } else {
        text.to_owned()
    }
}

/// The secret has the shape of a GUID or equals a keyId of the registration: the Secret ID.
fn secret_is_an_id(cfg: &FlowConfig) -> bool {
    let s = cfg.secret.expose();
    is_guid(s)
        || cfg.app.as_ref().is_some_and(|a| {
            a.password_credentials.iter().any(|p| {
                p.key_id
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(s))
            })
        })
}

fn live_ids(cfg: &FlowConfig, redirect_id: CheckId) -> Vec<CheckId> {
    let mut ids = vec![
        CheckId::AppExists,
        CheckId::TenancyMultitenant,
        redirect_id,
        CheckId::ScopesUserRead,
        CheckId::ScopesAdminConsent,
        CheckId::ScopesSingleResource,
        CheckId::SecretValid,
        CheckId::DiscoveryValid,
        CheckId::IdTokenValid,
        CheckId::AccessTokenAudience,
        CheckId::TenancySignedIn,
        CheckId::GraphMe,
    ];
    if cfg.policy.is_some() {
        ids.push(CheckId::NgrokPolicy);
    }
    ids
}

/// Runs the flow of `cfg` to its end and returns every finding.
pub async fn run(cfg: &FlowConfig, console: &mut dyn Console) -> Result<FlowOutcome, FlowError> {
    let http = http::client(cfg.ca_pem.as_deref(), cfg.http_timeout).map_err(FlowError::Usage)?;
    let redirect_id = if cfg.loopback_redirect() {
        CheckId::RedirectLocal
    } else if cfg.redirect_uri.as_str() == entra::NGROK_CALLBACK {
        CheckId::RedirectNgrok
    } else {
        CheckId::RedirectLocal
    };
    let mut live = Live {
        found: BTreeMap::new(),
        stopped: None,
        redirect_id,
        secret: cfg.secret.expose().to_owned(),
    };
    if let Some(p) = &cfg.policy {
        live.set(crate::ngrok::check(p, Some(&cfg.client_id)));
    }
    live.set(single_resource(&cfg.scopes));
    steps(cfg, &http, console, &mut live)
        .await
        .map_err(|e| match e {
            FlowError::Incomplete(m) => FlowError::Incomplete(redact(&m, cfg.secret.expose())),
            FlowError::Usage(m) => FlowError::Usage(redact(&m, cfg.secret.expose())),
        })?;
    Ok(finish(cfg, live, redirect_id))
}

fn finish(cfg: &FlowConfig, mut live: Live, redirect_id: CheckId) -> FlowOutcome {
    let why = live
        .stopped
        .clone()
        .unwrap_or_else(|| "not evaluated".into());
    for id in live_ids(cfg, redirect_id) {
        live.found
            .entry(id)
            .or_insert_with(|| Finding::skip(id, format!("not reached: {why}")));
    }
    // The registration's static checks join the report; where both judged, the worse stands.
    if let Some(app) = &cfg.app {
        let opts = LintOptions {
            now: cfg.lint_at,
            secret_min_days: 30,
        };
        // The supplied secret against the registration's hints, where the flow did not get to
        // try it on the token endpoint (which, when reached, is the better witness).
        let untried = live
            .found
            .get(&CheckId::SecretValid)
            .is_none_or(|f| f.status == Status::Skip);
        let secret = untried.then(|| checks::secret_supplied(app, &cfg.secret, cfg.lint_at));
        for f in checks::lint(app, &opts).into_iter().chain(secret) {
            match live.found.get(&f.id) {
                Some(l) if l.status != Status::Skip && l.status >= f.status => {}
                _ => {
                    live.found.insert(f.id, f);
                }
            }
        }
    }
    FlowOutcome {
        target: Target {
            client_id: Some(cfg.client_id.clone()),
            display_name: cfg.app.as_ref().and_then(|a| a.display_name.clone()),
            authority: Some(cfg.authority.as_str().trim_end_matches('/').to_owned()),
            tenant: Some(cfg.tenant.clone()),
            source: None,
            shape: None,
        },
        findings: live.found.into_values().collect(),
    }
}

/// `scopes.single-resource`: OpenID Connect scopes plus one resource, Microsoft Graph.
fn single_resource(scopes: &[String]) -> Finding {
    const ID: CheckId = CheckId::ScopesSingleResource;
    const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];
    // Short names (`User.Read`) are Graph's; a resource scope is a URI (`api://x/read`).
    let graph = |s: &str| {
        s.starts_with("https://graph.microsoft.com/") || !(s.contains('/') || s.contains(':'))
    };
    let others: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !OIDC.contains(s) && !graph(s))
        .collect();
    let evidence = format!("requested scopes: {}", scopes.join(" "));
    if others.is_empty() {
        Finding::pass(
            ID,
            "the requested scopes name Microsoft Graph and OpenID Connect only",
            evidence,
        )
    } else {
        Finding::fail(
            ID,
            format!(
                "scopes of another resource than Microsoft Graph are requested: {}",
                others.join(" ")
            ),
            evidence,
            "Request openid profile email User.Read (ngrok's oauth action: scopes)",
        )
    }
}

async fn steps(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    console: &mut dyn Console,
    live: &mut Live,
) -> Result<(), FlowError> {
    let Some(d) = discover(cfg, http, live).await? else {
        return Ok(());
    };
    let req = Request::new();
    // The redirect: a one-shot server on loopback (run), or the URI as given.
    let mut server = if cfg.mode == Mode::Run && cfg.loopback_redirect() {
        Some(callback::bind(&cfg.redirect_uri, req.state.secret()).await?)
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
    let url = req.url(&d, cfg, &redirect_uri);
    let result = authorize_and_exchange(
        cfg,
        http,
        console,
        live,
        &d,
        &req,
        &url,
        &redirect_uri,
        &mut server,
    )
    .await;
    if let Some(s) = server {
        s.close().await;
    }
    result
}

async fn discover(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    live: &mut Live,
) -> Result<Option<Discovered>, FlowError> {
    let d = match discovery::discover(http, &cfg.tenant_base()).await? {
        discovery::Outcome::Found(d) => *d,
        discovery::Outcome::Refused(url, answer) => {
            let body = answer.json().unwrap_or_default();
            let desc = body["error_description"].as_str().unwrap_or_default();
            match aadsts::find_code(desc) {
                Some(code) => live.aad(code, "discovery", desc, cfg, CheckId::DiscoveryValid),
                None => live.set(Finding::fail(
                    CheckId::DiscoveryValid,
                    "discovery failed",
                    format!("{url} answered HTTP {}", answer.status),
                    "Check --authority and --tenant",
                )),
            }
            live.stop("discovery failed");
            return Ok(None);
        }
        discovery::Outcome::Broken(why) => {
            live.set(Finding::fail(
                CheckId::DiscoveryValid,
                "discovery or the JWKS is malformed",
                why,
                "Check --authority and --tenant",
            ));
            live.stop("discovery failed");
            return Ok(None);
        }
    };
    live.set(Finding::pass(
        CheckId::DiscoveryValid,
        "discovery and JWKS are well-formed",
        format!(
            "issuer = {:?}{}; {} signing keys at {}",
            d.issuer,
            if d.templated {
                " (templated: bound to each token's tid)"
            } else {
                ""
            },
            d.jwks.keys().len(),
            d.jwks_uri
        ),
    ));
    Ok(Some(d))
}

/// Turns an error redirect's `error_description` into a finding; `true` if it was one.
fn redirect_error(q: &[(String, String)], live: &mut Live, cfg: &FlowConfig, at: &str) -> bool {
    let Some(error) = get(q, "error") else {
        return false;
    };
    let desc = get(q, "error_description").unwrap_or(error);
    match aadsts::find_code(desc) {
        Some(code) => live.aad(code, at, desc, cfg, CheckId::AppExists),
        None => live.set(Finding::fail(
            live.redirect_id,
            format!("the sign-in ended with {error}"),
            format!("{at}: error={error}, error_description={desc:?}"),
            "Sign in again; if it repeats, check the app's Authentication blade",
        )),
    }
    live.stop(format!("the identity platform answered {error}"));
    true
}

#[allow(clippy::too_many_arguments)] // one flow's state, passed down once
async fn authorize_and_exchange(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    console: &mut dyn Console,
    live: &mut Live,
    d: &Discovered,
    req: &Request,
    url: &str,
    redirect_uri: &str,
    server: &mut Option<callback::Callback>,
) -> Result<(), FlowError> {
    // Probe the authorize URL first: an unknown client or an unregistered redirect URI is an
    // error page, not a redirect, and a browser would sit on it while we waited forever.
    let probed = probe_authorize(http, url, redirect_uri).await?;
    let Some(probed_back) = judge_probe(probed, live, cfg, redirect_uri) else {
        return Ok(());
    };
    let query = match (cfg.mode, probed_back) {
        (Mode::Probe, Some(q)) => q,
        (Mode::Probe, None) => {
            probe_secret(cfg, http, live).await?;
            live.stop("a person must sign in: use oauth-preflight run");
            return Ok(());
        }
        (Mode::Run, _) => match wait_for_browser(cfg, console, url, server).await? {
            Some(q) => q,
            None => return Ok(()),
        },
    };
    let Some(code) = code_of(&query, req, live, cfg)? else {
        return Ok(());
    };
    judge_tenancy(cfg, live);
    exchange(cfg, http, live, d, req, code, redirect_uri).await
}

/// Findings from the probe of the authorize URL. `None`: the flow stops here; `Some(query)`:
/// it goes on, with the redirect's query when the authority answered without a UI.
fn judge_probe(
    probed: Authorize,
    live: &mut Live,
    cfg: &FlowConfig,
    redirect_uri: &str,
) -> Option<Option<Vec<(String, String)>>> {
    // Entra checks the tenant, the client id and the redirect URI before anything else; a later
    // refusal (consent, account type) means those were accepted.
    const BEFORE_REDIRECT: [u32; 8] = [
        90002, 900144, 700016, 700038, 7000112, 50011, 500113, 900971,
    ];
    if let Authorize::Page(code, line) = &probed {
        live.aad(
            *code,
            "the authorize endpoint's error page",
            line,
            cfg,
            CheckId::AppExists,
        );
        live.stop("the authorize endpoint showed an error page");
        if BEFORE_REDIRECT.contains(code) {
            return None;
        }
    }
    live.set(Finding::pass(
        CheckId::AppExists,
        "the identity platform knows the client id",
        format!(
            "client_id {} reached sign-in without AADSTS700016",
            cfg.client_id
        ),
    ));
    live.set(Finding::pass(
        live.redirect_id,
        "the redirect URI is accepted",
        format!("{redirect_uri} raised no AADSTS50011"),
    ));
    match probed {
        Authorize::Page(..) => None,
        Authorize::Back(q) if redirect_error(&q, live, cfg, "the authorize redirect") => None,
        Authorize::Back(q) => Some(Some(q)),
        Authorize::SignIn => Some(None),
    }
}

/// The code of the redirect back, after its `state` and any `error`.
fn code_of<'q>(
    query: &'q [(String, String)],
    req: &Request,
    live: &mut Live,
    cfg: &FlowConfig,
) -> Result<Option<&'q str>, FlowError> {
    if get(query, "state") != Some(req.state.secret().as_str()) {
        return Err(FlowError::Usage(
            "the pasted address carries another state than this sign-in: paste the address of this sign-in's redirect".into(),
        ));
    }
    if redirect_error(query, live, cfg, "the redirect back") {
        return Ok(None);
    }
    get(query, "code")
        .map(Some)
        .ok_or_else(|| FlowError::Usage("the redirect carries no code and no error".into()))
}

/// `tenancy.multitenant` live: a code from `/common` or `/organizations` means multitenant.
fn judge_tenancy(cfg: &FlowConfig, live: &mut Live) {
    if cfg.authority_is_multi_tenant() {
        live.set(Finding::pass(
            CheckId::TenancyMultitenant,
            "the multitenant authority accepted the app",
            format!(
                "/{}/oauth2/v2.0/authorize issued a code (no AADSTS50194)",
                cfg.tenant
            ),
        ));
    } else {
        live.set(Finding::skip(
            CheckId::TenancyMultitenant,
            format!(
                "/{} is tenant-specific: only /common or /organizations (as ngrok) show multitenancy live",
                cfg.tenant
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_secrets_are_redacted() {
        assert_eq!(
            redact("bad secret Q1x8Q~abc given", "Q1x8Q~abc"),
            "bad secret [redacted] given"
        );
        assert_eq!(redact("nothing here", "Q1x8Q~abc"), "nothing here");
    }

    #[test]
    fn one_resource_is_graph_plus_openid_connect() {
        let s = |v: &str| v.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            single_resource(&s(
                "openid profile User.Read https://graph.microsoft.com/Mail.Read"
            ))
            .status,
            Status::Pass
        );
        let f = single_resource(&s("openid User.Read api://my-api/access"));
        assert_eq!(f.status, Status::Fail);
        assert!(f.title.ends_with("api://my-api/access"));
    }
}
