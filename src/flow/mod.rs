//! The live authorization-code flow (`run`, `probe`): discovery, a probe of the authorize URL,
//! the browser and a one-shot callback (or paste-back for the real ngrok redirect), the token
//! exchange, ID-token verification, the access token's audience, Graph `/me`. Every step turns
//! what the identity platform did into findings with the catalog's ids; a step that cannot be
//! completed at all (unreachable, TLS, timeout, HTML where JSON was due) is a [`FlowError`].
//!
//! `flow` never depends on the emulator; tests join them.

pub mod browser;
mod callback;
pub mod config;
mod discovery;
mod http;
mod tokens;

pub use config::{FlowConfig, Mode};

use crate::checks::{self, CheckId, Finding, LintOptions, Status};
use crate::entra::{self, aadsts};
use crate::registration::is_guid;
use crate::report::Target;
use discovery::Discovered;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

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
}

impl Live {
    fn set(&mut self, f: Finding) {
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
        if code == 7000215 && secret_is_an_id(cfg) {
            title =
                "the supplied client secret is a Secret ID, not the secret's Value (AADSTS7000215)"
                    .into();
            fix = "Certificates & secrets > New client secret, then copy the Value column (shown only once), not Secret ID".into();
        }
        self.set(Finding::fail(id, title, format!("{at}: {message}"), fix));
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
    };
    if let Some(p) = &cfg.policy {
        live.set(crate::ngrok::check(p, Some(&cfg.client_id)));
    }
    live.set(single_resource(&cfg.scopes));
    steps(cfg, &http, console, &mut live).await?;
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
        for f in checks::lint(app, &opts) {
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
    let others: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !OIDC.contains(s))
        .filter(|s| {
            !(s.starts_with("https://graph.microsoft.com/") || !s.contains('/') && !s.contains(':'))
        })
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

/// The query parameters of a URL.
fn query_of(url: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// What the authorize URL answered to a request that follows no redirect.
enum Authorize {
    /// Straight back to the redirect URI (no UI needed, e.g. the emulator).
    Back(Vec<(String, String)>),
    /// An error page carrying an AADSTS code.
    Page(u32, String),
    /// A sign-in page (or a redirect to one): a person is needed.
    SignIn,
}

async fn probe_authorize(
    http: &reqwest::Client,
    url: &str,
    redirect: &str,
) -> Result<Authorize, FlowError> {
    let a = http::send(http.get(url).header("accept", "text/html"), url).await?;
    if let Some(loc) = a
        .location
        .as_deref()
        .filter(|_| (300..400).contains(&a.status))
    {
        if loc.starts_with(redirect) {
            return Ok(Authorize::Back(query_of(loc)));
        }
        return Ok(Authorize::SignIn);
    }
    let text = a.text();
    if let Some(code) = aadsts::find_code(&text) {
        let line = text
            .find(&format!("AADSTS{code}"))
            .map(|i| {
                text[i..]
                    .split(['<', '\n'])
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .unwrap_or_default();
        return Ok(Authorize::Page(code, line));
    }
    if a.status >= 400 {
        return Err(FlowError::Incomplete(format!(
            "the authorize endpoint answered HTTP {}: {}",
            a.status,
            a.first_line()
        )));
    }
    Ok(Authorize::SignIn)
}

/// One authorization request: its secrets and its URL.
struct Request {
    state: CsrfToken,
    nonce: Nonce,
    verifier: openidconnect::PkceCodeVerifier,
    challenge: PkceCodeChallenge,
}

impl Request {
    fn new() -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        Self {
            state: CsrfToken::new_random(),
            nonce: Nonce::new_random(),
            verifier,
            challenge,
        }
    }

    fn url(&self, d: &Discovered, cfg: &FlowConfig, redirect_uri: &str) -> String {
        let mut params = vec![
            ("client_id", cfg.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", redirect_uri),
            ("response_mode", "query"),
            ("state", self.state.secret()),
            ("nonce", self.nonce.secret()),
            ("code_challenge", self.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        let scope = cfg.scopes.join(" ");
        params.push(("scope", &scope));
        if let Some(h) = &cfg.login_hint {
            params.push(("login_hint", h));
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}{query}", d.authorization_endpoint)
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
            return Ok(());
        }
    }
    // Past the page-or-redirect split: the client id and the redirect URI were accepted.
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
    let probed_back = match probed {
        Authorize::Page(..) => return Ok(()),
        Authorize::Back(q) => {
            if redirect_error(&q, live, cfg, "the authorize redirect") {
                return Ok(());
            }
            Some(q)
        }
        _ => None,
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
    if get(&query, "state") != Some(req.state.secret().as_str()) {
        return Err(FlowError::Usage("the pasted address carries another state than this sign-in: paste the address of this sign-in's redirect".into()));
    }
    if redirect_error(&query, live, cfg, "the redirect back") {
        return Ok(());
    }
    let Some(code) = get(&query, "code") else {
        return Err(FlowError::Usage(
            "the redirect carries no code and no error".into(),
        ));
    };
    if cfg.authority_is_multi_tenant() {
        live.set(Finding::pass(
            CheckId::TenancyMultitenant,
            "the multitenant authority accepted the app",
            format!(
                "/{}/oauth2/v2.0/authorize issued a code (no AADSTS50194)",
                cfg.tenant
            ),
        ));
    }
    exchange(cfg, http, live, d, req, code, redirect_uri).await
}

/// Opens the browser (or asks for the pasted address) and waits for the redirect.
async fn wait_for_browser(
    cfg: &FlowConfig,
    console: &mut dyn Console,
    url: &str,
    server: &mut Option<callback::Callback>,
) -> Result<Option<Vec<(String, String)>>, FlowError> {
    console.say(&format!("Open this address to sign in:\n\n  {url}\n"));
    let launched = match browser::open(&cfg.opener, url) {
        Ok(l) => Some(l),
        Err(why) => {
            console.say(&format!(
                "(could not open a browser: {why}; open the address yourself)"
            ));
            None
        }
    };
    let Some(cb) = server.as_mut() else {
        // Paste-back: the redirect lands on a page we do not serve (idp.ngrok.com shows an
        // error there, expected: the code is unused).
        console.say(&format!(
            "After signing in, the browser lands on {}; ngrok shows an error there, which is expected.\nPaste the whole address from the address bar here and press Enter:",
            cfg.redirect_uri
        ));
        let line = console
            .read_line()
            .ok_or_else(|| FlowError::Incomplete("no address was pasted".into()))?;
        if let Some(l) = launched {
            l.finish(Duration::ZERO);
        }
        let q = query_of(line.trim());
        if q.is_empty() {
            return Err(FlowError::Usage(format!(
                "{:?} is not the address the browser landed on",
                line.trim().chars().take(80).collect::<String>()
            )));
        }
        return Ok(Some(q));
    };
    let deadline = Instant::now() + cfg.wait;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let shot = loop {
        tokio::select! {
            shot = cb.shot() => break shot,
            _ = tokio::time::sleep_until(deadline.into()) => {
                if let Some(l) = launched { l.finish(Duration::ZERO); }
                return Err(FlowError::Incomplete(format!(
                    "no sign-in came back within {} s (--timeout); was the address opened?", cfg.wait.as_secs())));
            }
            _ = tokio::signal::ctrl_c() => {
                if let Some(l) = launched { l.finish(Duration::ZERO); }
                return Err(FlowError::Incomplete("interrupted".into()));
            }
            _ = tick.tick() => if console.interactive() {
                console.waiting(deadline.saturating_duration_since(Instant::now()));
            },
        }
    };
    if let Some(l) = launched {
        // Let a command browser render our page (Chromium screenshots after load).
        let grace = Duration::from_secs(10);
        tokio::task::spawn_blocking(move || l.finish(grace))
            .await
            .ok();
    }
    Ok(shot)
}

/// `probe` without a person: the secret, through a client-credentials grant on a tenant
/// authority (the `--tenant` GUID or domain, else the registration's publisher domain).
async fn probe_secret(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    live: &mut Live,
) -> Result<(), FlowError> {
    let tenant = if cfg.authority_is_multi_tenant() || cfg.tenant == "consumers" {
        cfg.app.as_ref().and_then(|a| a.publisher_domain.clone())
    } else {
        Some(cfg.tenant.clone())
    };
    let Some(tenant) = tenant else {
        live.set(Finding::skip(
            CheckId::SecretValid,
            "a client-credentials probe needs a tenant: pass --tenant <GUID or domain> or --app with publisherDomain",
        ));
        return Ok(());
    };
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        cfg.authority.as_str().trim_end_matches('/')
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.secret.expose()),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let a = http::send(http.post(&url).form(&form), &url).await?;
    let body = token_json(&a, &url)?;
    if a.status == 200 && body["access_token"].is_string() {
        live.set(Finding::pass(
            CheckId::SecretValid,
            "the client secret is accepted",
            format!("client credentials at /{tenant}: HTTP 200"),
        ));
    } else {
        let desc = body["error_description"].as_str().unwrap_or_default();
        if let Some(code) = aadsts::find_code(desc) {
            live.aad(
                code,
                &format!("client credentials at /{tenant}"),
                desc,
                cfg,
                CheckId::SecretValid,
            );
        }
    }
    Ok(())
}

/// A token endpoint answer as JSON; anything else cannot be diagnosed (exit 3).
fn token_json(a: &http::Answer, url: &str) -> Result<serde_json::Value, FlowError> {
    match a.json() {
        Some(v) if a.status < 500 => Ok(v),
        _ => Err(FlowError::Incomplete(format!(
            "the token endpoint {url} answered HTTP {}{}: {}",
            a.status,
            if a.content_type.contains("html") {
                " with an HTML page"
            } else {
                ""
            },
            a.first_line()
        ))),
    }
}

/// Redeems the code and checks everything the tokens and Graph say.
async fn exchange(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    live: &mut Live,
    d: &Discovered,
    req: &Request,
    code: &str,
    redirect_uri: &str,
) -> Result<(), FlowError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.secret.expose()),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", req.verifier.secret().as_str()),
    ];
    let a = http::send(http.post(&d.token_endpoint).form(&form), &d.token_endpoint).await?;
    let body = token_json(&a, &d.token_endpoint)?;
    if a.status != 200 || !body["access_token"].is_string() {
        let desc = body["error_description"].as_str().unwrap_or_default();
        match aadsts::find_code(desc) {
            Some(code) => live.aad(code, "the token endpoint", desc, cfg, CheckId::SecretValid),
            None => live.set(Finding::fail(
                CheckId::SecretValid,
                "the token endpoint refused the code",
                format!("HTTP {}: {}", a.status, body["error"]),
                "Check the client secret's Value and the redirect URI's platform (Web)",
            )),
        }
        live.stop("the token endpoint refused the code");
        return Ok(());
    }
    live.set(Finding::pass(
        CheckId::SecretValid,
        "the client secret is accepted",
        "the token endpoint redeemed the code with it (HTTP 200)",
    ));
    live.set(Finding::pass(
        CheckId::ScopesAdminConsent,
        "every requested scope was consented",
        format!("requested: {}", cfg.scopes.join(" ")),
    ));
    let granted = body["scope"].as_str().unwrap_or_default().to_owned();
    let access = body["access_token"].as_str().unwrap_or_default().to_owned();
    check_id_token(cfg, http, live, d, req, body["id_token"].as_str()).await?;
    check_access_token(live, &access, &granted);
    graph_me(cfg, http, live, &access).await;
    Ok(())
}

async fn check_id_token(
    cfg: &FlowConfig,
    http: &reqwest::Client,
    live: &mut Live,
    d: &Discovered,
    req: &Request,
    id_token: Option<&str>,
) -> Result<(), FlowError> {
    const ID: CheckId = CheckId::IdTokenValid;
    let Some(raw) = id_token else {
        live.set(Finding::fail(
            ID,
            "the token response has no ID token",
            "id_token is absent",
            "Request the openid scope",
        ));
        return Ok(());
    };
    let nonce = req.nonce.secret();
    let mut verdict = tokens::verify_id_token(
        raw,
        d,
        &d.jwks,
        &d.jwks_raw,
        &cfg.client_id,
        &cfg.secret,
        nonce,
    );
    let mut rotated = false;
    if matches!(&verdict, Err(r) if r.unknown_kid) {
        // Keys rotate: fetch the JWKS once more before judging.
        if let Ok((jwks, raw_jwks)) = discovery::fetch_jwks(http, &d.jwks_uri).await? {
            verdict = tokens::verify_id_token(
                raw,
                d,
                &jwks,
                &raw_jwks,
                &cfg.client_id,
                &cfg.secret,
                nonce,
            );
            rotated = true;
        }
    }
    match verdict {
        Ok(claims) => {
            let iss = claims["iss"].as_str().unwrap_or_default();
            live.set(Finding::pass(
                ID,
                "the ID token is valid",
                format!(
                    "RS256 signature by kid {}{}, iss {iss:?}{}, aud = client id, unexpired, nonce matched",
                    tokens::jwt_part(raw, 0).and_then(|h| h["kid"].as_str().map(str::to_owned)).unwrap_or_default(),
                    if rotated { " (found after refetching the JWKS: key rotation)" } else { "" },
                    if d.templated { " (templated issuer bound to tid)" } else { "" },
                ),
            ));
            signed_in(live, &claims);
        }
        Err(r) => live.set(Finding::fail(
            ID,
            "the ID token is invalid: a relying party like ngrok must reject it",
            r.reason,
            "This is the identity platform's (or a proxy's) doing, not the app registration's: check --authority, and that nothing rewrites tokens",
        )),
    }
    Ok(())
}

/// `tenancy.signed-in`: which tenant and account type signed in (information).
fn signed_in(live: &mut Live, claims: &serde_json::Value) {
    let tid = claims["tid"].as_str().unwrap_or_default();
    let who = claims["preferred_username"]
        .as_str()
        .or(claims["email"].as_str())
        .unwrap_or("(no preferred_username)");
    let kind = if tid == entra::CONSUMERS_TENANT_ID {
        "a personal Microsoft account"
    } else {
        "a work or school account"
    };
    live.set(Finding::pass(
        CheckId::TenancySignedIn,
        format!("{who} signed in with {kind}"),
        format!("tid = {tid:?}, iss = {}", claims["iss"]),
    ));
}

fn check_access_token(live: &mut Live, access: &str, granted: &str) {
    let at = tokens::inspect_access_token(access);
    let reads_me = |scopes: &str| {
        scopes
            .split_whitespace()
            .find(|s| entra::graph_scope_by_name(s).is_some_and(|g| g.reads_me))
            .map(str::to_owned)
    };
    match (&at.aud, at.is_jwt) {
        (Some(aud), true) if tokens::is_graph_audience(aud) => live.set(Finding::pass(
            CheckId::AccessTokenAudience,
            "the access token is for Microsoft Graph",
            format!(
                "aud = {aud:?} (read, not verified: Graph tokens are verifiable by Graph only)"
            ),
        )),
        (aud, true) => live.set(Finding::fail(
            CheckId::AccessTokenAudience,
            "the access token is not for Microsoft Graph: ngrok could not call /me with it",
            format!("aud = {aud:?}"),
            "Request Microsoft Graph scopes (User.Read) and no scope of another API",
        )),
        (_, false) => live.set(Finding::pass(
            CheckId::AccessTokenAudience,
            "an opaque access token (personal accounts get these): judged by the response's scope",
            format!("token response scope = {granted:?}"),
        )),
    }
    let evidence = match &at.scp {
        Some(scp) => format!("token response scope = {granted:?}; access token scp = {scp:?}"),
        None => format!("token response scope = {granted:?}"),
    };
    match reads_me(granted) {
        Some(s) => live.set(Finding::pass(CheckId::ScopesUserRead, format!("Microsoft Graph {s} was granted"), evidence)),
        None => live.set(Finding::fail(
            CheckId::ScopesUserRead,
            "Microsoft Graph User.Read was not granted: ngrok cannot read the user",
            evidence,
            "API permissions > Add a permission > Microsoft Graph > Delegated > User.Read, and request it (ngrok's scopes)",
        )),
    }
}

/// `graph.me`: the identity ngrok would see.
async fn graph_me(cfg: &FlowConfig, http: &reqwest::Client, live: &mut Live, access: &str) {
    const ID: CheckId = CheckId::GraphMe;
    let url = format!("{}/v1.0/me", cfg.graph.as_str().trim_end_matches('/'));
    let answer = http::send(http.get(&url).bearer_auth(access), &url).await;
    let a = match answer {
        Ok(a) => a,
        Err(e) => {
            live.set(Finding::fail(
                ID,
                "Graph /me could not be reached",
                e.to_string(),
                "Check --graph and the network",
            ));
            return;
        }
    };
    let body = a.json().unwrap_or_default();
    if a.status != 200 {
        let code = body["error"]["code"].as_str().unwrap_or("(no error code)");
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or_else(|| if body.is_null() { "not JSON" } else { "" });
        live.set(Finding::fail(
            ID,
            format!(
                "Graph /me answered HTTP {}: ngrok could not read the user",
                a.status
            ),
            format!("{code}: {message}"),
            match a.status {
                401 | 403 => "Grant Microsoft Graph User.Read (delegated) and request it",
                _ => "Microsoft Graph failed; try again later",
            },
        ));
        return;
    }
    let mail = body["mail"].as_str();
    let upn = body["userPrincipalName"].as_str();
    let evidence = format!(
        "id = {}, displayName = {}, mail = {}, userPrincipalName = {}",
        body["id"], body["displayName"], body["mail"], body["userPrincipalName"]
    );
    match (mail, upn) {
        (Some(m), _) => live.set(Finding::pass(ID, format!("ngrok would see {m}"), evidence)),
        (None, Some(u)) => live.set(Finding::warn(
            ID,
            format!("the user has no mail; ngrok would see the UPN {u}"),
            evidence,
            "Email-based ngrok rules (actions.ngrok.oauth.identity.email) match the UPN for this user; give the user a mailbox or match on the UPN",
        )),
        (None, None) => live.set(Finding::fail(
            ID,
            "Graph /me names neither mail nor userPrincipalName",
            evidence,
            "Check the user object in Entra ID",
        )),
    }
}
