//! A local Microsoft identity platform, driven by registration JSON (DESIGN.md §6).
//!
//! A real HTTPS server on loopback, path for path like `login.microsoftonline.com`: discovery,
//! JWKS, authorize, token, logout, instance discovery, and Graph `/me` under `/graph`. Given a
//! registration it behaves as Microsoft does for that registration, misconfigurations included,
//! so every live check can be tested offline. It depends on `registration` and `entra` only.

pub mod app_secret;
mod authorize;
mod codes;
mod directory;
mod discovery;
mod errors;
mod faults;
mod graph;
mod keys;
mod mint;
mod respond;
mod routes;
mod server;
mod tls;
mod token_endpoint;

pub use directory::{Authority, CONSUMERS, CONTOSO, FABRIKAM, TENANTS, Tenant, USERS, User};
pub use faults::{Fault, Faults};
pub use keys::KeyError;
pub use tls::TlsError;

use crate::entra::ClientId;
use crate::registration::{Platform, Registration};
use chrono::{DateTime, Utc};
use keys::KeySet;
use ring::rand::SystemRandom;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Where "now" comes from: the system clock, or a test's.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// How to start an emulator.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// The app registrations it serves.
    pub apps: Vec<Registration>,
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The user who signs in when the request has no `login_hint` (default alice).
    pub default_user: Option<String>,
    pub faults: Faults,
    /// Fresh signing keys instead of the embedded test keys.
    pub generate_keys: bool,
    pub clock: Clock,
    /// One line per request on stderr (`emulate -v`): method, path, status, AADSTS code.
    pub log_requests: bool,
}

impl EmulatorConfig {
    /// Loopback, a free port, the embedded keys, no faults, the system clock.
    pub fn new(apps: Vec<Registration>) -> Self {
        Self {
            apps,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            default_user: None,
            faults: Faults::default(),
            generate_keys: false,
            log_requests: false,
            clock: system_clock(),
        }
    }
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("apps", &self.apps.len())
            .field("listen", &self.listen)
            .field("default_user", &self.default_user)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("app {0}: {1}")]
    App(String, String),
    #[error("unknown user {0:?}: the directory has {1}")]
    User(String, String),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("the operating system gave no random bytes")]
    Random,
}

/// An app as the emulator serves it.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) reg: Registration,
    pub(crate) client_id: ClientId,
    pub(crate) home: &'static Tenant,
}

impl App {
    /// The object id of the app's service principal in its home tenant (stable per app).
    pub(crate) fn sp_object_id(&self) -> String {
        mint::derived_guid(&format!("{}|{}", self.client_id, self.home.id))
    }

    /// The home tenant's enterprise app is disabled (`x-emulator.servicePrincipal`).
    pub(crate) fn sp_disabled(&self) -> bool {
        self.reg
            .emulator
            .service_principal
            .as_ref()
            .is_some_and(|sp| !sp.account_enabled)
    }

    pub(crate) fn name(&self) -> &str {
        self.reg.display_name.as_deref().unwrap_or("")
    }

    /// The platform of a registered redirect URI matching `uri`: exact, except that the port of
    /// an `http://localhost` or `http://127.0.0.1` URI is ignored.
    /// <https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions>
    pub(crate) fn redirect_platform(&self, uri: &str) -> Option<Platform> {
        let loopback = strip_loopback_port(uri);
        self.reg
            .redirect_uris
            .iter()
            .find(|r| {
                r.uri == uri
                    || loopback
                        .as_ref()
                        .is_some_and(|l| strip_loopback_port(&r.uri).as_ref() == Some(l))
            })
            .map(|r| r.platform)
    }

    /// Served at this authority? A single-tenant app exists only in its home tenant.
    pub(crate) fn visible_at(&self, authority: Authority) -> bool {
        match authority {
            Authority::Tenant(t) => t == self.home || self.reg.audience.is_multitenant(),
            _ => true,
        }
    }
}

/// `http://localhost:1234/x` -> `http://localhost/x`; `None` when not a loopback http URI.
fn strip_loopback_port(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    crate::entra::is_loopback_host(host)
        .then(|| format!("http://{}{path}", host.to_ascii_lowercase()))
}

/// What `/authorize` granted, kept until the code is redeemed.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: ClientId,
    pub(crate) redirect_uri: String,
    pub(crate) platform: Platform,
    pub(crate) authority: Authority,
    pub(crate) user: &'static User,
    /// The tenant the user signed in to (`tid`).
    pub(crate) tenant: &'static Tenant,
    pub(crate) scopes: mint::Scopes,
    pub(crate) nonce: Option<String>,
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) issued: DateTime<Utc>,
    pub(crate) redeemed: bool,
}

/// Everything the handlers share.
pub(crate) struct State {
    /// `https://127.0.0.1:PORT`.
    pub(crate) base: String,
    pub(crate) apps: HashMap<ClientId, App>,
    pub(crate) keys: KeySet,
    pub(crate) faults: Faults,
    pub(crate) default_user: &'static User,
    pub(crate) clock: Clock,
    pub(crate) rng: SystemRandom,
    /// Seals opaque tokens (personal-account access tokens, refresh tokens).
    pub(crate) seal: ring::hmac::Key,
    pub(crate) codes: Mutex<codes::Codes>,
    pub(crate) log_requests: bool,
    /// `key-rotation`: the rotated key has signed a token, so the JWKS lists it from now on.
    pub(crate) rotated_published: AtomicBool,
    pub(crate) discovery: discovery::Cache,
}

impl State {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The app a request's `client_id` names, in any case; none where it is not a GUID.
    pub(crate) fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.get(&ClientId::parse(client_id).ok()?)
    }

    /// Random bytes, base64url.
    pub(crate) fn random(&self, n: usize) -> String {
        use base64::Engine;
        let mut buf = vec![0u8; n];
        // SystemRandom fails only if the OS has no entropy source at all.
        let _ = ring::rand::SecureRandom::fill(&self.rng, &mut buf);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    }

    /// A random GUID (trace ids, session ids).
    pub(crate) fn guid(&self) -> String {
        let mut b = [0u8; 16];
        let _ = ring::rand::SecureRandom::fill(&self.rng, &mut b);
        format_guid(b)
    }

    pub(crate) fn rotated_published(&self) -> bool {
        self.rotated_published.load(Ordering::Relaxed)
    }
}

/// 16 bytes as a version-4 GUID (8-4-4-4-12, lowercase hex).
pub(crate) fn format_guid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn index_apps(apps: Vec<Registration>) -> Result<HashMap<ClientId, App>, EmulatorError> {
    let mut out = HashMap::new();
    // A service principal alone is not an app to serve (its application is not there).
    for reg in apps
        .into_iter()
        .filter(|r| r.shape != crate::registration::Shape::ServicePrincipal)
    {
        let label = reg.label().to_owned();
        let Some(client_id) = reg
            .app_id
            .as_deref()
            .and_then(|id| ClientId::parse(id).ok())
        else {
            return Err(EmulatorError::App(
                label,
                "has no appId GUID, so it cannot be served".into(),
            ));
        };
        let home = match reg.emulator.home_tenant.as_deref() {
            None => &CONTOSO,
            Some(t) => match directory::tenant(t) {
                Some(t) if !t.is_consumers() => t,
                _ => {
                    return Err(EmulatorError::App(
                        label,
                        format!("x-emulator.homeTenant {t:?} is not contoso or fabrikam"),
                    ));
                }
            },
        };
        if out.contains_key(&client_id) {
            return Err(EmulatorError::App(
                label,
                format!("appId {client_id} is served twice"),
            ));
        }
        out.insert(
            client_id.clone(),
            App {
                reg,
                client_id,
                home,
            },
        );
    }
    Ok(out)
}

/// A running emulator. Dropping it stops the server too (its stop channel closes).
pub struct Emulator {
    state: Arc<State>,
    addr: SocketAddr,
    ca_pem: String,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Binds, makes the CA, loads keys and starts serving on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let default_user = match config.default_user.as_deref() {
            None => directory::default_user(),
            Some(upn) => directory::user(upn).ok_or_else(|| {
                let all: Vec<&str> = USERS.iter().map(|u| u.upn).collect();
                EmulatorError::User(upn.to_owned(), all.join(", "))
            })?,
        };
        let apps = index_apps(config.apps)?;
        let keys = if config.generate_keys {
            KeySet::generate()?
        } else {
            KeySet::embedded()?
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| EmulatorError::Listen(config.listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| EmulatorError::Listen(config.listen, e))?;
        let tls = tls::generate()?;
        let base = format!("https://{addr}");
        let rng = SystemRandom::new();
        let seal = ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &rng)
            .map_err(|_| EmulatorError::Random)?;
        let state = Arc::new(State {
            discovery: discovery::Cache::new(&base, &keys),
            base,
            apps,
            keys,
            faults: config.faults,
            default_user,
            clock: config.clock,
            rng,
            seal,
            codes: Mutex::new(codes::Codes::default()),
            log_requests: config.log_requests,
            rotated_published: AtomicBool::new(false),
        });
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.config);
        let task = tokio::spawn(server::serve(
            listener,
            acceptor,
            Arc::clone(&state),
            stopped,
        ));
        Ok(Self {
            state,
            addr,
            ca_pem: tls.ca_pem,
            stop,
            task,
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The authority base URL, `https://127.0.0.1:PORT` (append `/{tenant}`).
    pub fn authority(&self) -> &str {
        &self.state.base
    }

    /// The Graph base URL, `https://127.0.0.1:PORT/graph` (append `/v1.0/me`).
    pub fn graph(&self) -> String {
        format!("{}/graph", self.state.base)
    }

    /// The CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The ready line's JSON (DESIGN.md §3).
    pub fn ready_line(&self, ca_cert: &str) -> serde_json::Value {
        let tenants: serde_json::Map<String, serde_json::Value> = TENANTS
            .iter()
            .map(|t| {
                (
                    t.name.to_owned(),
                    serde_json::json!({"id": t.id, "domain": t.domain}),
                )
            })
            .collect();
        let users: Vec<serde_json::Value> = USERS
            .iter()
            .map(|u| {
                serde_json::json!({
                    "upn": u.upn,
                    "tenant": u.tenant.name,
                    "kind": if u.is_personal() { "personal" } else { "work" },
                    "default": std::ptr::eq(u, self.state.default_user),
                })
            })
            .collect();
        let mut apps: Vec<&App> = self.state.apps.values().collect();
        apps.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        let apps: Vec<serde_json::Value> = apps
            .iter()
            .map(|a| {
                serde_json::json!({
                    "client_id": a.client_id,
                    "display_name": a.reg.display_name,
                    "home_tenant": a.home.name,
                    "sign_in_audience": a.reg.audience.as_str(),
                })
            })
            .collect();
        serde_json::json!({
            "authority": self.state.base,
            "graph": self.graph(),
            "ca_cert": ca_cert,
            "tenants": tenants,
            "users": users,
            "apps": apps,
            "faults": self.state.faults.names(),
        })
    }

    /// Stops accepting, lets open requests finish (up to 2 s), and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_ports_are_ignored_only_for_http_loopback() {
        assert_eq!(
            strip_loopback_port("http://localhost:8765/oauth2/callback").as_deref(),
            Some("http://localhost/oauth2/callback")
        );
        assert_eq!(strip_loopback_port("https://localhost:8765/cb"), None);
        assert_eq!(strip_loopback_port("http://example.com:80/cb"), None);
    }
}
