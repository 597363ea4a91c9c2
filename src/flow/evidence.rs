//! What the identity platform and Microsoft Graph did during one flow, as typed evidence.
//! `flow` gathers it and judges nothing; `checks` turns it into findings, one judge per check id
//! (DESIGN.md §1, §2). Server texts kept here are first lines, never whole bodies or tokens.

use crate::entra::{ClientId, Tenant};
use crate::mode::Mode;

/// What the flow's own redirect URI stands for, so that its errors land on the right check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectRole {
    /// A loopback URI served by `run`'s one-shot callback (`redirect.local`).
    Local,
    /// ngrok's own callback, in paste-back mode (`redirect.ngrok`).
    Ngrok,
    /// Another https URI, in paste-back mode (judged as the local callback would be).
    Other,
}

impl RedirectRole {
    /// What `uri` stands for: ngrok's callback letter for letter (Entra compares exactly), a
    /// loopback URI, or another one. The flow's own redirect URI and one quoted in a pasted
    /// error text (`explain`) are told apart here, and only here.
    pub fn of(uri: &str) -> Self {
        let loopback = reqwest::Url::parse(uri)
            .ok()
            .is_some_and(|u| u.host_str().is_some_and(crate::entra::is_loopback_host));
        if loopback {
            Self::Local
        } else if uri == crate::entra::NGROK_CALLBACK {
            Self::Ngrok
        } else {
            Self::Other
        }
    }
}

/// What was asked of the identity platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub mode: Mode,
    pub client_id: ClientId,
    pub tenant: Tenant,
    pub scopes: Vec<String>,
    /// The redirect URI sent with the flow's authorization request.
    pub redirect_uri: String,
    pub redirect: RedirectRole,
}

/// Where in the flow an answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Discovery,
    /// The authorize endpoint's error page (no redirect).
    AuthorizePage,
    /// An error redirect from the authorize endpoint, seen without a browser.
    AuthorizeRedirect,
    /// The redirect the browser brought back (callback or pasted address).
    RedirectBack,
    TokenEndpoint,
    /// A client-credentials grant on this tenant (probe without a person).
    ClientCredentials(String),
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Discovery => f.write_str("discovery"),
            Self::AuthorizePage => f.write_str("the authorize endpoint's error page"),
            Self::AuthorizeRedirect => f.write_str("the authorize redirect"),
            Self::RedirectBack => f.write_str("the redirect back"),
            Self::TokenEndpoint => f.write_str("the token endpoint"),
            Self::ClientCredentials(t) => write!(f, "client credentials at /{t}"),
        }
    }
}

/// A refusal by the identity platform: an AADSTS code (where it gave one) and its first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub at: Step,
    pub code: Option<u32>,
    /// The OAuth `error` (`invalid_client`…); empty on error pages.
    pub error: String,
    /// The first line of `error_description` or of the page's message.
    pub message: String,
    /// The HTTP status, where the answer was not a page or a redirect.
    pub status: Option<u16>,
}

/// What discovery and the JWKS yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    Found {
        issuer: String,
        /// The issuer holds `{tenantid}` (`/common`, `/organizations`).
        templated: bool,
        keys: usize,
        jwks_uri: String,
    },
    /// The authority refused (`Refusal::code` names why, e.g. AADSTS90002).
    Refused(Refusal),
    /// It answered, but not with usable metadata.
    Broken(String),
}

/// What an authorization request answered when no redirect was followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorize {
    /// Straight back to the redirect URI (no UI: the emulator), with a code or an error.
    Back,
    /// An error page carrying an AADSTS code, and its line of text.
    Page { code: u32, line: String },
    /// A sign-in page (or a redirect to one): a person is needed.
    SignIn,
}

/// The client-credentials grant `probe` makes when no person can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCredentials {
    /// HTTP 200 with an access token, at this tenant.
    Accepted(String),
    Refused(Refusal),
    /// No tenant to ask (the multitenant authorities refuse this grant).
    NoTenant,
}

/// The ID token as verified (signature, issuer, audience, times, nonce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdToken {
    Valid(IdClaims),
    Invalid(String),
    /// The token response had no `id_token`.
    Absent,
}

/// The claims of a verified ID token that the checks read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdClaims {
    pub kid: String,
    pub iss: String,
    pub tid: String,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    /// Found only after refetching the JWKS (key rotation).
    pub rotated: bool,
    /// Verified against the templated issuer bound to `tid`.
    pub templated: bool,
}

/// The access token and the granted scopes (read, never verified: Graph tokens are verifiable by
/// Graph alone, personal-account ones are opaque).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// The token response's `scope`.
    pub granted: String,
    /// `aud` of a JWT access token.
    pub aud: Option<String>,
    /// `scp` of a JWT access token.
    pub scp: Option<String>,
    pub is_jwt: bool,
}

/// What Graph `/me` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphMe {
    Found {
        id: Option<String>,
        display_name: Option<String>,
        mail: Option<String>,
        upn: Option<String>,
    },
    /// A 4xx answer, with Graph's error code and message.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
}

/// A further sign-in (`run --accounts N`): a user of another tenant, ideally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTry {
    /// The `login_hint` it was made with (none: the person picked the account).
    pub hint: Option<String>,
    pub outcome: AccountOutcome,
}

/// How a further sign-in ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountOutcome {
    /// Signed in: who, in which tenant, and what Graph `/me` answered.
    SignedIn {
        who: String,
        tid: String,
        graph: Option<GraphMe>,
    },
    /// Refused by the identity platform (the AADSTS code).
    Refused(Refusal),
    /// Not completed, and why (a person was needed, a timeout...).
    NotTried(String),
}

/// Everything one flow saw. `None` fields were not reached; `stopped` says why.
#[derive(Debug, Default)]
pub struct Evidence {
    pub asked: Option<Asked>,
    pub discovery: Option<Discovery>,
    /// The authorization request with `redirect_uri=https://idp.ngrok.com/oauth2/callback`, not
    /// followed (in paste-back mode on that URI: the flow's own request).
    pub ngrok_redirect: Option<Authorize>,
    /// Where that request came straight back with a code (no UI: the emulator), the code
    /// redeemed with ngrok's redirect URI: HTTP 200 proves a Web redirect URI, AADSTS9002327 or
    /// 700025 another platform.
    pub ngrok_token: Option<Result<(), Refusal>>,
    /// Why that test stopped short (unreachable, an HTML page where JSON was due...).
    pub ngrok_unfinished: Option<String>,
    /// The flow's own authorization request, not followed.
    pub authorize: Option<Authorize>,
    /// A code came back from a multitenant or tenant authority.
    pub code_issued: bool,
    /// The refusal that stopped the flow.
    pub refusal: Option<Refusal>,
    pub client_credentials: Option<ClientCredentials>,
    /// The token endpoint redeemed the code (HTTP 200 with an access token).
    pub redeemed: bool,
    pub id_token: Option<IdToken>,
    pub access: Option<Access>,
    pub graph_me: Option<GraphMe>,
    /// Why the flow ended before its last step.
    pub stopped: Option<String>,
    /// Why the flow could not be completed (exit 3), or a late usage error (exit 2).
    pub error: Option<super::FlowError>,
    /// Every form of every credential this flow handled, to strip from any text it reports.
    pub redactor: crate::redact::Redactor,
    /// The further sign-ins (`--accounts`), after the first.
    pub other_accounts: Vec<AccountTry>,
}

impl Evidence {
    /// Records why the flow ended early (the first reason stands).
    pub fn stop(&mut self, why: impl Into<String>) {
        self.stopped.get_or_insert(why.into());
    }

    /// Why a live check was not judged.
    pub fn not_reached(&self) -> String {
        match (&self.error, &self.stopped) {
            (Some(e), _) => format!("not reached: {e}"),
            (None, Some(why)) => format!("not reached: {why}"),
            (None, None) => "not reached".into(),
        }
    }
}
