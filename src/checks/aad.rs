//! Refusals by the identity platform (AADSTS codes) as findings: which check a code belongs to
//! (the catalog in `entra::aadsts`, with the redirect codes going to the redirect URI the flow
//! used) and the finding each judge reports when the refusal is its own.

use super::{CheckId, Finding, Inputs};
use crate::entra::{self, aadsts};
use crate::flow::evidence::{ClientCredentials, RedirectRole, Refusal, Step};

/// Codes about the redirect URI: they belong to the URI the flow used, ngrok's or the local one.
const REDIRECT: [u32; 6] = [50011, 500113, 900971, 700025, 9002326, 9002327];

/// Checks whose judges read the registration (or the policy) only, never a live refusal.
const REGISTRATION_ONLY: [CheckId; 4] = [
    CheckId::TenancyTokenVersion,
    CheckId::SecretPresent,
    CheckId::ImplicitDisabled,
    CheckId::NgrokPolicy,
];

/// The check of the flow's redirect URI.
pub(super) fn redirect_check(role: RedirectRole) -> CheckId {
    match role {
        RedirectRole::Ngrok => CheckId::RedirectNgrok,
        RedirectRole::Local | RedirectRole::Other => CheckId::RedirectLocal,
    }
}

/// The check a refusal belongs to.
pub(super) fn owner(r: &Refusal, role: RedirectRole) -> CheckId {
    let by_step = match r.at {
        Step::TokenEndpoint | Step::ClientCredentials(_) => CheckId::SecretValid,
        Step::Discovery => CheckId::DiscoveryValid,
        Step::AuthorizePage | Step::AuthorizeRedirect | Step::RedirectBack => CheckId::AppExists,
    };
    match r.code {
        Some(c) if REDIRECT.contains(&c) => redirect_check(role),
        Some(c) => aadsts::lookup(c)
            .and_then(|a| CheckId::parse(a.check))
            // A check judged from the registration alone would drop a live refusal.
            .filter(|id| !REGISTRATION_ONLY.contains(id))
            .unwrap_or(by_step),
        // An OAuth error without a code (e.g. access_denied on the way back): the sign-in ended
        // at the redirect, which the flow's redirect check reports.
        None => match r.at {
            Step::AuthorizeRedirect | Step::RedirectBack => redirect_check(role),
            _ => by_step,
        },
    }
}

/// The flow's refusal (or the client-credentials probe's), as `id`'s failing finding, when it
/// belongs to `id`.
pub(super) fn refused(i: &Inputs<'_>, id: CheckId) -> Option<Finding> {
    let ev = i.live?;
    let role = ev.asked.as_ref()?.redirect;
    let probe = match &ev.client_credentials {
        Some(ClientCredentials::Refused(r)) => Some(r),
        _ => None,
    };
    let r = ev.refusal.iter().chain(probe).find(|r| {
        owner(r, role) == id && (id != CheckId::SecretValid || ev.refusal.as_ref() == Some(*r))
    })?;
    Some(finding(i, id, r))
}

/// The failing finding of a refusal, for `id`.
pub(super) fn finding(i: &Inputs<'_>, id: CheckId, r: &Refusal) -> Finding {
    let evidence = format!("{}: {}", r.at, r.message);
    let Some(code) = r.code else {
        return Finding::fail(
            id,
            format!("the sign-in ended with {}", r.error),
            format!(
                "{}: error={}, error_description={:?}",
                r.at, r.error, r.message
            ),
            "Sign in again; if it repeats, check the app's Authentication blade",
        );
    };
    let info = aadsts::lookup(code);
    let title = info.map_or_else(
        || format!("AADSTS{code} at {}", r.at),
        |a| format!("AADSTS{code}: {}", a.meaning.trim_end_matches('.')),
    );
    let fix = info.map_or_else(
        || format!("look the code up at {}", aadsts::lookup_url(code)),
        |a| a.fix.to_owned(),
    );
    let f = Finding::fail(id, title, evidence, fix);
    match (id, code) {
        (CheckId::RedirectLocal, 50011 | 500113 | 900971) => f.with_fix(local_redirect_fix(i)),
        _ => f,
    }
}

/// Where to register the flow's local redirect URI (or how to test ngrok's instead).
fn local_redirect_fix(i: &Inputs<'_>) -> String {
    let uri = i
        .live
        .and_then(|ev| ev.asked.as_ref())
        .map_or("the redirect URI", |a| a.redirect_uri.as_str());
    format!(
        "Authentication > Web > Redirect URIs: add {uri} (Entra ignores the port of http://localhost), \
         and remove it once you are done testing; or test ngrok's own URI with --redirect-uri {} (paste-back)",
        entra::NGROK_CALLBACK
    )
}
