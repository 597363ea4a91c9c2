//! The check catalog: every requirement has a stable id (DESIGN.md §4) and yields a [`Finding`].
//!
//! `lint` evaluates the static checks of this module against a [`Registration`]; the live flow
//! reuses the same ids, so one id means one requirement wherever it is reported. A failed check
//! is data in a report, never an error.

mod app;
mod redirect;
mod scopes;
mod secret;

pub use secret::supplied as secret_supplied;
mod tenancy;

use crate::registration::Registration;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The outcome of one check. Ordered by severity, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not evaluated: no evidence for it in this mode.
    Skip,
    Pass,
    /// Works today, but something needs attention (fails with `--strict`).
    Warn,
    /// The configuration is wrong: ngrok's login will not work.
    Fail,
}

impl Status {
    /// The lowercase name used in every report format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

macro_rules! catalog {
    ($($variant:ident = $id:literal, $requirement:literal, $docs:literal;)*) => {
        /// A check id of the catalog (contract: DESIGN.md §4). Serialised as its dotted name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $(#[doc = concat!("The `", $id, "` check.")] $variant,)*
        }

        impl CheckId {
            /// Every check, in report order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The stable dotted id, e.g. `redirect.ngrok`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            /// The requirement, one line.
            pub fn requirement(self) -> &'static str {
                match self { $(Self::$variant => $requirement,)* }
            }

            /// Where Microsoft or ngrok documents the requirement.
            pub fn docs(self) -> &'static str {
                match self { $(Self::$variant => $docs,)* }
            }
        }
    };
}

catalog! {
    AppExists = "app.exists",
        "the client id is a GUID of an app the authority knows",
        "https://learn.microsoft.com/entra/identity-platform/quickstart-register-app";
    TenancyMultitenant = "tenancy.multitenant",
        "signInAudience is AzureADMultipleOrgs or AzureADandPersonalMicrosoftAccount",
        "https://learn.microsoft.com/entra/identity-platform/howto-convert-app-to-be-multi-tenant";
    TenancyTokenVersion = "tenancy.token-version",
        "apps that allow personal accounts request v2 access tokens",
        "https://learn.microsoft.com/entra/identity-platform/reference-microsoft-graph-app-manifest";
    RedirectNgrok = "redirect.ngrok",
        "https://idp.ngrok.com/oauth2/callback is a Web redirect URI, exactly",
        "https://ngrok.com/docs/integrations/oauth/microsoft-oauth";
    RedirectLocal = "redirect.local",
        "the local callback used by run is registered under Web",
        "https://learn.microsoft.com/entra/identity-platform/reply-url";
    ScopesUserRead = "scopes.user-read",
        "Microsoft Graph User.Read (or a superset) is configured and granted",
        "https://learn.microsoft.com/graph/permissions-reference#userread";
    ScopesAdminConsent = "scopes.admin-consent",
        "no requested scope needs admin consent (or consent is granted)",
        "https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent";
    ScopesSingleResource = "scopes.single-resource",
        "requested scopes name one resource (Graph) plus OpenID Connect scopes",
        "https://learn.microsoft.com/entra/identity-platform/scopes-oidc";
    SecretPresent = "secret.present",
        "a client secret exists and is not expired",
        "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials";
    SecretValid = "secret.valid",
        "the supplied secret is accepted (its Value, not its Secret ID)",
        "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials";
    ImplicitDisabled = "implicit.disabled",
        "implicit grant is off (ngrok does not need it)",
        "https://learn.microsoft.com/entra/identity-platform/v2-oauth2-implicit-grant-flow";
    DiscoveryValid = "discovery.valid",
        "discovery and JWKS are reachable and well-formed",
        "https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc";
    IdTokenValid = "id-token.valid",
        "the ID token's signature, issuer, audience, times and nonce are valid",
        "https://learn.microsoft.com/entra/identity-platform/id-tokens";
    AccessTokenAudience = "access-token.audience",
        "the access token is for Microsoft Graph",
        "https://learn.microsoft.com/entra/identity-platform/access-tokens";
    TenancySignedIn = "tenancy.signed-in",
        "which tenant and account type signed in",
        "https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference";
    GraphMe = "graph.me",
        "Graph /me answers with the token and yields an email or UPN for ngrok",
        "https://learn.microsoft.com/graph/api/user-get";
    NgrokPolicy = "ngrok.policy",
        "the ngrok oauth action uses provider microsoft, this client id, and User.Read",
        "https://ngrok.com/docs/traffic-policy/actions/oauth/";
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: CheckId,
    pub status: Status,
    /// What was found, one line.
    pub title: String,
    /// The fields and values it rests on, quoted.
    pub evidence: String,
    /// Where to click in the portal and which manifest field to set; `None` when passing.
    pub fix: Option<String>,
    pub docs: &'static str,
}

impl Finding {
    fn new(id: CheckId, status: Status, title: String, evidence: String) -> Self {
        Self {
            id,
            status,
            title,
            evidence,
            fix: None,
            docs: id.docs(),
        }
    }

    /// A passing finding.
    pub fn pass(id: CheckId, title: impl Into<String>, evidence: impl Into<String>) -> Self {
        Self::new(id, Status::Pass, title.into(), evidence.into())
    }

    /// A warning, with its fix.
    pub fn warn(
        id: CheckId,
        title: impl Into<String>,
        evidence: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(id, Status::Warn, title.into(), evidence.into()).with_fix(fix)
    }

    /// A failure, with its fix.
    pub fn fail(
        id: CheckId,
        title: impl Into<String>,
        evidence: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(id, Status::Fail, title.into(), evidence.into()).with_fix(fix)
    }

    /// Not evaluated, and why.
    pub fn skip(id: CheckId, why: impl Into<String>) -> Self {
        let why = why.into();
        Self::new(id, Status::Skip, why.clone(), why)
    }

    /// Sets the fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Inputs of the static checks besides the registration.
#[derive(Debug, Clone, Copy)]
pub struct LintOptions {
    /// "Now" for time-dependent checks (`--at` moves it).
    pub now: DateTime<Utc>,
    /// Warn when the newest secret expires within this many days.
    pub secret_min_days: i64,
}

/// Runs every static check on one registration, in catalog order.
pub fn lint(reg: &Registration, opts: &LintOptions) -> Vec<Finding> {
    vec![
        app::exists(reg),
        tenancy::multitenant(reg),
        tenancy::token_version(reg),
        redirect::ngrok(reg),
        scopes::user_read(reg),
        scopes::admin_consent(reg),
        secret::present(reg, opts),
        app::implicit_disabled(reg),
    ]
}

/// "Azure portal > ... > {app} > {blade}": where to click for this app.
fn portal(reg: &Registration, blade: &str) -> String {
    format!(
        "Azure portal > Microsoft Entra ID > App registrations > {} > {blade}",
        reg.label()
    )
}

/// A JSON rendering of a value for evidence (`"text"`, `null`, `[...]`).
fn quoted<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_ids_are_unique_and_lint_findings_are_complete() {
        let mut ids: Vec<_> = CheckId::ALL.iter().map(|d| d.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CheckId::ALL.len());
        let reg = crate::registration::parse_bytes(br#"{"appId":"x"}"#).unwrap();
        let opts = LintOptions {
            now: Utc::now(),
            secret_min_days: 30,
        };
        for f in lint(&reg[0], &opts) {
            assert!(f.docs.starts_with("https://"));
            assert_eq!(f.fix.is_some(), f.status >= Status::Warn, "{}", f.id);
        }
    }
}
