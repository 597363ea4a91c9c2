//! The validated configuration of one flow. `crate::config` builds it from flags (STYLE.md §2);
//! tests and `demo` build it with [`FlowConfig::new`] and change what they need.

use super::browser::Opener;
use super::evidence::RedirectRole;
use crate::entra::{self, ClientId, SecretValue, Tenant};
use crate::mode::Mode;
use reqwest::Url;
use std::time::Duration;

/// `run`'s default redirect: a one-shot callback on this machine.
pub const DEFAULT_REDIRECT: &str = "http://localhost:8765/oauth2/callback";
/// What ngrok needs: sign-in, profile, email and Graph User.Read.
pub const DEFAULT_SCOPES: &str = "openid profile email User.Read";
/// The default authority and Graph.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// A validated flow configuration.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    /// `Run` (a person signs in) or `Probe` (nobody does).
    pub mode: Mode,
    pub client_id: ClientId,
    pub secret: SecretValue,
    pub scopes: Vec<String>,
    /// The redirect URI as given; port 0 on a loopback URI means "any free port".
    pub redirect_uri: Url,
    /// `https://login.microsoftonline.com` (no trailing slash).
    pub authority: Url,
    /// The authority's tenant segment (`common` by default, as ngrok signs in).
    pub tenant: Tenant,
    /// `https://graph.microsoft.com` (no trailing slash).
    pub graph: Url,
    /// The HTTP client: trusts Mozilla's roots plus `--ca-cert`, follows no redirect.
    pub http: crate::https::Client,
    /// Where `probe` tests the secret with client credentials when `tenant` is multitenant
    /// (the registration's `publisherDomain`).
    pub probe_tenant: Option<String>,
    /// The account of the first sign-in (`login_hint`); none: the person picks.
    pub login_hint: Option<String>,
    /// The further sign-ins (`--accounts N`): their `login_hint`s, none where the person picks.
    pub more_accounts: Vec<Option<String>>,
    /// Ask Entra to show the account picker even with a `login_hint` (further sign-ins).
    pub select_account: bool,
    /// How long to wait for the browser (run).
    pub wait: Duration,
    pub opener: Opener,
}

impl FlowConfig {
    /// A `run` of `client_id` on `/common` with the default scopes and redirect, against
    /// `authority` and `graph`, through `http`.
    pub fn new(
        client_id: ClientId,
        secret: SecretValue,
        authority: Url,
        graph: Url,
        http: crate::https::Client,
    ) -> Self {
        Self {
            mode: Mode::Run,
            client_id,
            secret,
            scopes: DEFAULT_SCOPES.split(' ').map(str::to_owned).collect(),
            redirect_uri: Url::parse(DEFAULT_REDIRECT).unwrap_or_else(|_| authority.clone()),
            authority,
            tenant: Tenant::Common,
            graph,
            http,
            probe_tenant: None,
            login_hint: None,
            more_accounts: Vec::new(),
            select_account: false,
            wait: Duration::from_secs(300),
            opener: Opener::PrintOnly,
        }
    }

    /// The redirect is on this machine: a one-shot local server receives it.
    pub fn loopback_redirect(&self) -> bool {
        is_loopback(&self.redirect_uri)
    }

    /// What the flow's redirect URI stands for.
    pub fn redirect_role(&self) -> RedirectRole {
        RedirectRole::of(self.redirect_uri.as_str())
    }

    /// `{authority}/{tenant}`.
    pub fn tenant_base(&self) -> String {
        format!(
            "{}/{}",
            self.authority.as_str().trim_end_matches('/'),
            self.tenant
        )
    }
}

/// `http://localhost…` or `http://127.0.0.1…` (or https on them).
pub fn is_loopback(u: &Url) -> bool {
    u.host_str().is_some_and(entra::is_loopback_host)
}
