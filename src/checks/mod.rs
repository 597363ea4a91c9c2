//! The check catalog: every requirement has a stable id (DESIGN.md §4) and exactly one judge,
//! a function that reads whatever evidence this mode has (the registration, the ngrok policy,
//! the supplied secret, what the live flow saw) and yields one [`Finding`]. `lint`, `run` and
//! `probe` all go through [`judge`], so one id means one requirement, decided in one place.
//! A failed check is data in a report, never an error.

mod aad;
mod app;
mod command;
mod graph;
mod ngrok;
mod redirect;
mod scopes;
mod secret;
mod sp;
mod tenancy;
mod tokens;
mod undecided;

pub use aad::{code_owner, redirect_fix};

use crate::entra::SecretValue;
use crate::flow::Evidence;
use crate::mode::Mode;
use crate::ngrok::OAuthAction;
use crate::registration::{Registration, Shape};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The outcome of one check. Ordered by severity, worst last.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
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
    /// This status fails the run: a failure, or a warning with `--strict`. The one place that
    /// decides it (the exit code, JUnit, baselines).
    pub fn fails(self, strict: bool) -> bool {
        self == Self::Fail || (strict && self == Self::Warn)
    }

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

/// How a check compares with the same check in an earlier report (`--baseline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Baseline {
    Unchanged,
    /// Worse than before (pass or skip -> warn -> fail).
    Regressed,
    /// Better than before.
    Fixed,
    /// Not in the earlier report.
    New,
}

impl Baseline {
    /// The lowercase name used in every report format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unchanged => "unchanged",
            Self::Regressed => "regressed",
            Self::Fixed => "fixed",
            Self::New => "new",
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

            /// The check with this dotted id.
            pub fn parse(id: &str) -> Option<Self> {
                match id { $($id => Some(Self::$variant),)* _ => None }
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
    SpEnabled = "sp.enabled",
        "the service principal (enterprise app) is enabled for users to sign in",
        "https://learn.microsoft.com/entra/identity/enterprise-apps/disable-user-sign-in-portal";
    SpAssignment = "sp.assignment",
        "users who sign in need no app role assignment, or have one",
        "https://learn.microsoft.com/entra/identity-platform/howto-restrict-your-app-to-a-set-of-users";
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
    TenancyOtherTenant = "tenancy.other-tenant",
        "a user of another tenant than the app's home signs in and Graph /me answers",
        "https://learn.microsoft.com/entra/identity-platform/howto-convert-app-to-be-multi-tenant";
    GraphMe = "graph.me",
        "Graph /me answers with the token and yields an email or UPN for ngrok",
        "https://learn.microsoft.com/graph/api/user-get";
    NgrokPolicy = "ngrok.policy",
        "the ngrok oauth action uses provider microsoft, this client id, a secret Value, and User.Read",
        "https://ngrok.com/docs/traffic-policy/actions/oauth/";
    NgrokAccess = "ngrok.access",
        "the rules after the ngrok auth action let the signed-in identity through",
        "https://ngrok.com/docs/traffic-policy/concepts/expressions/";
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
    /// The fix as a command to type (Azure CLI), where one exists (DESIGN.md §9.3): every
    /// untrusted value in it quoted for a POSIX shell, never a secret. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_command: Option<String>,
    pub docs: &'static str,
    /// The identity a per-identity finding is about (`ngrok.access`: one finding per
    /// `--identity` / `--denied-identity`, DESIGN.md §9.1); absent for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Compared with an earlier report (`--baseline`); absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
}

impl Finding {
    fn new(id: CheckId, status: Status, title: String, evidence: String) -> Self {
        Self {
            id,
            status,
            title,
            evidence,
            fix: None,
            fix_command: None,
            docs: id.docs(),
            identity: None,
            baseline: None,
        }
    }

    /// What tells this finding apart in its report: the check id, and the identity where a
    /// check has one finding per identity (`ngrok.access alice@contoso.example`).
    pub fn key(&self) -> String {
        match &self.identity {
            Some(who) => format!("{} {who}", self.id),
            None => self.id.as_str().to_owned(),
        }
    }

    /// Worse than in the baseline report.
    pub fn baseline_regressed(&self) -> bool {
        self.baseline == Some(Baseline::Regressed)
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

/// Warn when the newest secret expires within this many days, unless `--secret-min-days` says.
pub const DEFAULT_SECRET_MIN_DAYS: u32 = 30;

/// Inputs of the static checks besides the registration.
#[derive(Debug, Clone, Copy)]
pub struct LintOptions {
    /// "Now" for time-dependent checks (`--at` moves it).
    pub now: DateTime<Utc>,
    /// Warn when the newest secret expires within this many days.
    pub secret_min_days: i64,
}

/// What a judge may read. Every field but `mode` may be absent; a judge with nothing to read
/// says so in a `skip`.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub mode: Mode,
    /// The registration (`lint`'s file, `run --app`).
    pub reg: Option<&'a Registration>,
    pub opts: LintOptions,
    /// The ngrok policy's `oauth` action.
    pub policy: Option<&'a OAuthAction>,
    /// The secret supplied (flag, file, or the policy's literal), for the static comparisons.
    pub secret: Option<&'a SecretValue>,
    /// The requested scopes came from the policy: a missing scope is fixed there.
    pub scopes_from_policy: bool,
    /// What the live flow saw (`run`, `probe`).
    pub live: Option<&'a Evidence>,
    /// `lint --identity`: the emails to evaluate the policy's rules for (`run`: who signed in).
    pub identities: &'a [String],
    /// `--denied-identity`: emails the policy's rules must stop.
    pub denied_identities: &'a [String],
    /// `lint` of an ngrok action naming none of the linted apps: their appIds.
    pub linted: &'a [String],
}

impl<'a> Inputs<'a> {
    /// Inputs of `lint` for one registration.
    pub fn lint(reg: &'a Registration, opts: LintOptions) -> Self {
        Self {
            mode: Mode::Lint,
            reg: Some(reg),
            opts,
            policy: None,
            secret: None,
            scopes_from_policy: false,
            live: None,
            identities: &[],
            denied_identities: &[],
            linted: &[],
        }
    }

    /// Inputs of `lint` for an ngrok auth action that names none of the linted apps: the
    /// policy's checks alone.
    pub fn lint_policy(policy: &'a OAuthAction, opts: LintOptions, linted: &'a [String]) -> Self {
        Self {
            mode: Mode::Lint,
            reg: None,
            opts,
            policy: Some(policy),
            secret: policy.client_secret.as_ref(),
            scopes_from_policy: false,
            live: None,
            identities: &[],
            denied_identities: &[],
            linted,
        }
    }

    /// Inputs of `run` or `probe`: what the flow saw, and nothing else yet (the registration,
    /// the policy and the secret are added by who has them).
    pub fn live(mode: Mode, ev: &'a Evidence, opts: LintOptions) -> Self {
        Self {
            mode,
            reg: None,
            opts,
            policy: None,
            secret: None,
            scopes_from_policy: false,
            live: Some(ev),
            identities: &[],
            denied_identities: &[],
            linted: &[],
        }
    }
}

/// The ids `lint` judges from a registration alone.
pub const LINT_IDS: &[CheckId] = &[
    CheckId::AppExists,
    CheckId::TenancyMultitenant,
    CheckId::TenancyTokenVersion,
    CheckId::RedirectNgrok,
    CheckId::ScopesUserRead,
    CheckId::ScopesAdminConsent,
    CheckId::SecretPresent,
    CheckId::ImplicitDisabled,
];

/// The ids `lint` adds for the app an ngrok policy names: the action, and its secret.
pub const LINT_POLICY_IDS: &[CheckId] = &[
    CheckId::SecretValid,
    CheckId::NgrokPolicy,
    CheckId::NgrokAccess,
];

/// The ids `lint` adds where a service principal was read (`az ad sp show`).
pub const LINT_SP_IDS: &[CheckId] = &[CheckId::SpEnabled, CheckId::SpAssignment];

/// Every id these inputs' mode can judge, in catalog order: each is in the report, judged or
/// `skip` with the reason. `run` and `probe` list the whole catalog (what they could not judge
/// says how to: `--app`, `--ngrok-policy`); `lint` lists the registration's checks, and the
/// policy's for the app an ngrok policy names.
pub fn ids(i: &Inputs<'_>) -> Vec<CheckId> {
    match i.mode {
        // A service principal alone: its own checks, and whether its appId is a client id.
        Mode::Lint if i.reg.is_some_and(|r| r.shape == Shape::ServicePrincipal) => {
            let mut ids = vec![CheckId::AppExists];
            ids.extend(LINT_SP_IDS);
            ids
        }
        // An ngrok auth action naming none of the linted apps: the policy's checks.
        Mode::Lint if i.reg.is_none() => LINT_POLICY_IDS.to_vec(),
        Mode::Lint => CheckId::ALL
            .iter()
            .copied()
            .filter(|id| {
                LINT_IDS.contains(id)
                    || (i.policy.is_some() && LINT_POLICY_IDS.contains(id))
                    || (i.reg.is_some_and(|r| r.service_principal.is_some())
                        && LINT_SP_IDS.contains(id))
                    // Microsoft disabled the application itself: sp.enabled says so.
                    || (*id == CheckId::SpEnabled
                        && i.reg.is_some_and(|r| r.disabled_by_microsoft_status.is_some()))
            })
            .collect(),
        Mode::Run | Mode::Probe => CheckId::ALL.to_vec(),
    }
}

/// Judges every id of `inputs`' mode, in catalog order. `ngrok.access` gives one finding per
/// identity (DESIGN.md §9.1); every other id gives one.
pub fn judge(inputs: &Inputs<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for id in ids(inputs) {
        if id == CheckId::NgrokAccess {
            out.extend(ngrok::access_all(inputs));
        } else {
            out.push(judge_one(id, inputs));
        }
    }
    if let Some(reg) = inputs.reg {
        declared_in_code(&mut out, reg);
    }
    out
}

/// An app declared as code (Terraform, ARM): the registration's fixes are made there, or the
/// next apply or deployment undoes them (DESIGN.md §9.4). The policy's own checks are not.
fn declared_in_code(findings: &mut [Finding], reg: &Registration) {
    let Some(address) = &reg.address else { return };
    let (tool, next) = match reg.shape {
        Shape::ArmTemplate => ("the template (Bicep)", "deployment"),
        _ => ("Terraform", "terraform apply"),
    };
    for f in findings.iter_mut().filter(|f| {
        !matches!(
            f.id,
            CheckId::NgrokPolicy | CheckId::NgrokAccess | CheckId::SecretValid
        )
    }) {
        if let Some(fix) = &mut f.fix {
            fix.push_str(&format!(
                ". This app is declared in {tool} at {address}: make the change there, or the next {next} undoes it"
            ));
        }
    }
}

/// The one judge of `id`.
pub fn judge_one(id: CheckId, i: &Inputs<'_>) -> Finding {
    // A service principal alone (`run --app sp.json`) speaks for its own checks only: the
    // application's fields are not in it.
    let sp_only;
    let i = if i.reg.is_some_and(|r| r.shape == Shape::ServicePrincipal)
        && !matches!(
            id,
            CheckId::AppExists | CheckId::SpEnabled | CheckId::SpAssignment
        ) {
        sp_only = Inputs { reg: None, ..*i };
        &sp_only
    } else {
        i
    };
    // A field only the apply or the deployment decides (DESIGN.md §9.4).
    let without_reg;
    let i = match undecided::gate(id, i) {
        Err(skip) => return *skip,
        Ok(Some(inputs)) => {
            without_reg = inputs;
            &without_reg
        }
        Ok(None) => i,
    };
    let f = match id {
        CheckId::AppExists => app::exists(i),
        CheckId::TenancyMultitenant => tenancy::multitenant(i),
        CheckId::TenancyTokenVersion => tenancy::token_version(i),
        CheckId::RedirectNgrok => redirect::ngrok(i),
        CheckId::RedirectLocal => redirect::local(i),
        CheckId::ScopesUserRead => scopes::user_read(i),
        CheckId::ScopesAdminConsent => scopes::admin_consent(i),
        CheckId::ScopesSingleResource => scopes::single_resource(i),
        CheckId::SecretPresent => secret::present(i),
        CheckId::SecretValid => secret::valid(i),
        CheckId::ImplicitDisabled => app::implicit_disabled(i),
        CheckId::SpEnabled => sp::enabled(i),
        CheckId::SpAssignment => sp::assignment(i),
        CheckId::DiscoveryValid => tokens::discovery(i),
        CheckId::IdTokenValid => tokens::id_token(i),
        CheckId::AccessTokenAudience => tokens::access_token_audience(i),
        CheckId::TenancySignedIn => tenancy::signed_in(i),
        CheckId::TenancyOtherTenant => tenancy::other_tenant(i),
        CheckId::GraphMe => graph::me(i),
        CheckId::NgrokPolicy => ngrok::policy(i),
        CheckId::NgrokAccess => ngrok::access(i),
    };
    debug_assert_eq!(f.id, id);
    command::attach(f, i)
}

/// Why a check that reads the registration only was not judged.
fn needs_registration(i: &Inputs<'_>) -> String {
    match i.mode {
        Mode::Lint => "no registration to read".into(),
        Mode::Run | Mode::Probe => {
            "judged from the registration JSON: pass --app FILE (az ad app show --id <client id>)"
                .into()
        }
    }
}

/// Why a check that reads the live flow only was not judged.
fn needs_live(i: &Inputs<'_>) -> String {
    match i.live {
        Some(ev) => ev.not_reached(),
        None => "judged live: oauth-preflight run or probe".into(),
    }
}

/// Why a check that reads the registration and the live flow was judged by neither.
fn unjudged(i: &Inputs<'_>) -> String {
    if i.live.is_some() {
        needs_live(i)
    } else {
        needs_registration(i)
    }
}

/// [`combine_with`], skipped for the usual reason when neither side spoke.
fn combine(id: CheckId, i: &Inputs<'_>, stat: Option<Finding>, live: Option<Finding>) -> Finding {
    combine_with(id, stat, live, || unjudged(i))
}

/// One verdict from the registration's and the live flow's: the worse stands, both pieces of
/// evidence are kept, and the registration's fix (it names the field) wins when it has one.
fn combine_with(
    id: CheckId,
    stat: Option<Finding>,
    live: Option<Finding>,
    why: impl FnOnce() -> String,
) -> Finding {
    match (stat, live) {
        (None, None) => Finding::skip(id, why()),
        (Some(f), None) | (None, Some(f)) => f,
        (Some(s), Some(l)) if s.status == Status::Skip => l,
        (Some(s), Some(l)) if l.status == Status::Skip => s,
        (Some(s), Some(l)) => {
            let evidence = format!("live: {}; registration: {}", l.evidence, s.evidence);
            let static_fix = (s.status >= Status::Warn).then(|| s.fix.clone()).flatten();
            let mut worse = if l.status >= s.status { l } else { s };
            worse.evidence = evidence;
            if let Some(fix) = static_fix {
                worse.fix = Some(fix);
            }
            worse
        }
    }
}

/// A field the input does not hold (a Graph `$select` answer, a trimmed export): the check is a
/// `skip` naming it, never a pass on an empty default (DESIGN.md §9.1: absent is not empty).
fn absent(id: CheckId, field: &str) -> Finding {
    Finding::skip(
        id,
        format!(
            "the input does not hold {field} (absent is not empty): read the whole registration, e.g. az ad app show --id <client id>"
        ),
    )
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
            secret_min_days: DEFAULT_SECRET_MIN_DAYS.into(),
        };
        for &id in CheckId::ALL {
            assert_eq!(CheckId::parse(id.as_str()), Some(id));
        }
        for entry in crate::entra::aadsts::CATALOG {
            assert!(CheckId::parse(entry.check).is_some(), "{}", entry.code);
        }
        let findings = judge(&Inputs::lint(&reg[0], opts));
        assert_eq!(findings.len(), LINT_IDS.len());
        for f in findings {
            assert!(f.docs.starts_with("https://"));
            assert_eq!(f.fix.is_some(), f.status >= Status::Warn, "{}", f.id);
            assert!(!f.title.is_empty() && !f.evidence.is_empty(), "{}", f.id);
        }
    }
}
