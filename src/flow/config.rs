//! Raw `run`/`probe` flags turned once into a validated configuration (STYLE.md §2): parsed
//! URLs, the tenant, the client id as a GUID, the secret from its source. Nothing downstream
//! reads raw flags.

use super::browser::Opener;
use crate::app::Error;
use crate::cli::TargetArgs;
use crate::ngrok::{self, OAuthAction};
use crate::registration::{self, Registration, SecretValue, is_guid};
use reqwest::Url;
use std::time::Duration;

/// The redirect ngrok's users register: it switches `run` to paste-back mode.
pub const DEFAULT_REDIRECT: &str = "http://localhost:8765/oauth2/callback";
/// What ngrok needs: sign-in, profile, email and Graph User.Read.
pub const DEFAULT_SCOPES: &str = "openid profile email User.Read";

/// Interactive (`run`) or not (`probe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Run,
    Probe,
}

/// A validated flow configuration.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    pub mode: Mode,
    pub client_id: String,
    pub secret: SecretValue,
    pub scopes: Vec<String>,
    /// The redirect URI as given; port 0 on a loopback URI means "any free port".
    pub redirect_uri: Url,
    /// `https://login.microsoftonline.com` (no trailing slash).
    pub authority: Url,
    /// `common`, `organizations`, `consumers`, a GUID or a domain.
    pub tenant: String,
    /// `https://graph.microsoft.com` (no trailing slash).
    pub graph: Url,
    pub ca_pem: Option<Vec<u8>>,
    pub policy: Option<OAuthAction>,
    pub app: Option<Registration>,
    pub login_hint: Option<String>,
    pub http_timeout: Duration,
    /// How long to wait for the browser (run).
    pub wait: Duration,
    pub opener: Opener,
    /// "Now" for the joined static checks (`--at`).
    pub lint_at: chrono::DateTime<chrono::Utc>,
}

impl FlowConfig {
    /// The redirect is on this machine: a one-shot local server receives it.
    pub fn loopback_redirect(&self) -> bool {
        is_loopback(&self.redirect_uri)
    }

    /// `common` or `organizations`: the authority ngrok signs in through.
    pub fn authority_is_multi_tenant(&self) -> bool {
        matches!(self.tenant.as_str(), "common" | "organizations")
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
    u.host_str().is_some_and(crate::entra::is_loopback_host)
}

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

fn parse_url(flag: &str, value: &str) -> Result<Url, Error> {
    let u = Url::parse(value.trim_end_matches('/'))
        .map_err(|e| usage(format!("{flag} {value:?} is not a URL: {e}")))?;
    if u.scheme() != "https" {
        return Err(usage(format!("{flag} {value:?} must be https")));
    }
    Ok(u)
}

fn valid_tenant(t: &str) -> bool {
    matches!(t, "common" | "organizations" | "consumers")
        || is_guid(t)
        || (t.contains('.')
            && !t.starts_with('.')
            && t.len() <= 253
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
}

fn read_secret(args: &TargetArgs, policy: Option<&OAuthAction>) -> Result<SecretValue, Error> {
    if let Some(path) = &args.client_secret_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("--client-secret-file {path}: {e}")))?;
        let value = text.trim_end_matches(['\r', '\n']);
        if value.is_empty() {
            return Err(usage(format!("--client-secret-file {path} is empty")));
        }
        return Ok(SecretValue::new(value));
    }
    if let Some(s) = policy.and_then(|p| p.client_secret.clone()) {
        return Ok(s);
    }
    match std::env::var(&args.client_secret_env) {
        Ok(v) if !v.is_empty() => Ok(SecretValue::new(v)),
        _ => Err(usage(format!(
            "no client secret: set {} to the secret's Value, or pass --client-secret-file (never a flag: it would land in shell history)",
            args.client_secret_env
        ))),
    }
}

impl FlowConfig {
    /// Validates the flags. `opener` and `wait` come from `run`'s own flags.
    pub fn from_args(
        args: &TargetArgs,
        mode: Mode,
        opener: Opener,
        wait: Duration,
    ) -> Result<Self, Error> {
        let policy = match &args.ngrok_policy {
            Some(p) => Some(ngrok::load(p).map_err(|e| usage(e.to_string()))?),
            None => None,
        };
        let client_id = client_id(args, policy.as_ref())?;
        let tenant = args.tenant.to_ascii_lowercase();
        if !valid_tenant(&tenant) {
            return Err(usage(format!(
                "--tenant {:?}: use common, organizations, consumers, a tenant GUID or a domain",
                args.tenant
            )));
        }
        if args.http_timeout == 0 {
            return Err(usage("--http-timeout must be at least 1 second"));
        }
        Ok(Self {
            mode,
            secret: read_secret(args, policy.as_ref())?,
            scopes: scopes(args, policy.as_ref())?,
            redirect_uri: redirect_uri(&args.redirect_uri)?,
            authority: parse_url("--authority", &args.authority)?,
            tenant,
            graph: parse_url("--graph", &args.graph)?,
            ca_pem: match &args.ca_cert {
                Some(p) => {
                    Some(std::fs::read(p).map_err(|e| usage(format!("--ca-cert {p}: {e}")))?)
                }
                None => None,
            },
            app: match &args.app {
                Some(f) => Some(registration_of(f, &client_id)?),
                None => None,
            },
            client_id,
            policy,
            login_hint: args.login_hint.clone(),
            http_timeout: Duration::from_secs(args.http_timeout),
            wait,
            opener,
            lint_at: match &args.at {
                Some(at) => crate::app::parse_at(at)?,
                None => chrono::Utc::now(),
            },
        })
    }
}

/// `--client-id`, else the policy's literal `client_id`; a GUID, lowercased.
fn client_id(args: &TargetArgs, policy: Option<&OAuthAction>) -> Result<String, Error> {
    let from_policy = policy
        .and_then(|p| p.client_id.clone())
        .filter(|id| !id.contains("${"));
    let id = args.client_id.clone().or(from_policy).ok_or_else(|| {
        usage("--client-id is required (or an --ngrok-policy whose oauth action has client_id)")
    })?;
    if !is_guid(&id) {
        return Err(usage(format!(
            "--client-id {id:?} is not a GUID: copy the 'Application (client) ID' from the app's Overview"
        )));
    }
    Ok(id.to_ascii_lowercase())
}

/// `--scopes`, else the policy's, else ngrok's needs.
fn scopes(args: &TargetArgs, policy: Option<&OAuthAction>) -> Result<Vec<String>, Error> {
    let text = args
        .scopes
        .clone()
        .or_else(|| policy.and_then(|p| p.scopes.as_ref()).map(|s| s.join(" ")))
        .unwrap_or_else(|| DEFAULT_SCOPES.to_owned());
    let scopes: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return Err(usage("--scopes is empty"));
    }
    Ok(scopes)
}

/// https anywhere, http only on loopback (Entra's rule for redirect URIs).
fn redirect_uri(value: &str) -> Result<Url, Error> {
    let u = Url::parse(value)
        .map_err(|e| usage(format!("--redirect-uri {value:?} is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") || (u.scheme() == "http" && !is_loopback(&u)) {
        return Err(usage(format!(
            "--redirect-uri {value}: Entra accepts https, or http only on localhost"
        )));
    }
    Ok(u)
}

/// The registration of `client_id` in `file` (`--app`).
fn registration_of(file: &str, client_id: &str) -> Result<Registration, Error> {
    let mut regs = registration::load_path(file)?;
    let pos = regs.iter().position(|r| {
        r.app_id
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(client_id))
    });
    match pos {
        Some(i) => Ok(regs.swap_remove(i)),
        None => Err(usage(format!(
            "--app {file}: no registration with appId {client_id}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_tenant;

    #[test]
    fn tenants() {
        for ok in [
            "common",
            "organizations",
            "consumers",
            "contoso.onmicrosoft.com",
            "2a7b0e5c-0b62-4c7e-9a1d-c0a7050c0a70",
        ] {
            assert!(valid_tenant(ok), "{ok}");
        }
        for bad in ["", "contoso", "../etc", "a/b.com", ".com"] {
            assert!(!valid_tenant(bad), "{bad}");
        }
    }
}
