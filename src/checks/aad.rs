//! Refusals by the identity platform (AADSTS codes) as findings: which check a code belongs to
//! (the catalog in `entra::aadsts`, with the redirect codes going to the redirect URI in play)
//! and the finding each judge reports when the refusal is its own. [`code_owner`] and
//! [`redirect_fix`] are also what `explain` reads, so a code has one owner everywhere.

use super::{CheckId, Finding, Inputs};
use crate::entra::{self, aadsts, aadsts::Aadsts};
use crate::flow::evidence::{ClientCredentials, RedirectRole, Refusal, Step};

/// Checks whose judges read the registration (or the policy) only, never a live refusal.
const REGISTRATION_ONLY: [CheckId; 3] = [
    CheckId::TenancyTokenVersion,
    CheckId::SecretPresent,
    CheckId::NgrokPolicy,
];

/// The check of a redirect URI: ngrok's callback is `redirect.ngrok`; the local callback of
/// `run` (or another URI in paste-back) is `redirect.local`.
pub(super) fn redirect_check(role: RedirectRole) -> CheckId {
    match role {
        RedirectRole::Ngrok => CheckId::RedirectNgrok,
        RedirectRole::Local | RedirectRole::Other => CheckId::RedirectLocal,
    }
}

/// The code is about the redirect URI: the catalog gives it to `redirect.ngrok`, as ngrok sees
/// it, and its owner follows the redirect URI in play.
pub(super) fn about_redirect_uri(a: &Aadsts) -> bool {
    CheckId::parse(a.check) == Some(CheckId::RedirectNgrok)
}

/// The check that owns code `a` when `role` was the redirect URI in play: the catalog's check,
/// except that a code about the redirect URI goes to that URI's check (`redirect.ngrok` for
/// ngrok's callback, `redirect.local` for any other).
/// `explain` of a bare code asks as ngrok sees it ([`RedirectRole::Ngrok`]). `None` only for an
/// id the catalog misspells (a unit test keeps that from happening).
pub fn code_owner(a: &Aadsts, role: RedirectRole) -> Option<CheckId> {
    if about_redirect_uri(a) {
        return Some(redirect_check(role));
    }
    CheckId::parse(a.check)
}

/// The fix of code `a` (about the redirect URI) when `uri` was the redirect URI in play: the
/// catalog's fix for ngrok's callback; for another URI, the same fix naming that URI (a page
/// for an unregistered one: where to register it, and to remove it once done testing).
pub fn redirect_fix(a: &Aadsts, uri: &str) -> String {
    if uri == entra::NGROK_CALLBACK {
        return a.fix.to_owned();
    }
    let loopback = RedirectRole::of(uri) == RedirectRole::Local;
    match a.kind {
        aadsts::Kind::ErrorPage => format!(
            "Authentication > Web > Redirect URIs: add {uri}{}, and remove it once you are done \
             testing; or test ngrok's own URI with --redirect-uri {} (paste-back)",
            if loopback {
                " (Entra ignores the port of http://localhost)"
            } else {
                " exactly"
            },
            entra::NGROK_CALLBACK
        ),
        _ => a.fix.replace(entra::NGROK_CALLBACK, uri),
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
        Some(c) => aadsts::lookup(c)
            .and_then(|a| code_owner(a, role))
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
    let fix = match info {
        Some(a) if about_redirect_uri(a) => redirect_fix(a, redirect_uri(i, id)),
        Some(a) => a.fix.to_owned(),
        None => format!("look the code up at {}", aadsts::lookup_url(code)),
    };
    Finding::fail(id, title, evidence, fix)
}

/// The redirect URI `id` is about: ngrok's callback, or the one the flow used.
fn redirect_uri<'a>(i: &Inputs<'a>, id: CheckId) -> &'a str {
    match id {
        CheckId::RedirectNgrok => entra::NGROK_CALLBACK,
        _ => i
            .live
            .and_then(|ev| ev.asked.as_ref())
            .map_or("the redirect URI", |a| a.redirect_uri.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One code, two owners: every catalog code has an owner that is a check id, whichever
    /// redirect URI was in play, and only the codes about the redirect URI change owner with it.
    #[test]
    fn one_code_two_owners_every_catalog_owner_is_a_check_id() {
        for a in aadsts::CATALOG {
            let ngrok = code_owner(a, RedirectRole::Ngrok);
            let local = code_owner(a, RedirectRole::Local);
            assert!(ngrok.is_some() && local.is_some(), "AADSTS{}", a.code);
            assert_eq!(
                ngrok.map(CheckId::as_str),
                Some(a.check),
                "AADSTS{}",
                a.code
            );
            assert_eq!(
                code_owner(a, RedirectRole::Other),
                local,
                "AADSTS{}",
                a.code
            );
            if about_redirect_uri(a) {
                assert_eq!(local, Some(CheckId::RedirectLocal), "AADSTS{}", a.code);
            } else {
                assert_eq!(local, ngrok, "AADSTS{}", a.code);
            }
        }
    }

    #[test]
    fn a_redirect_fix_names_the_uri_in_play() {
        let spa = aadsts::lookup(aadsts::SPA_REDEEMED_SERVER_SIDE).unwrap();
        assert_eq!(redirect_fix(spa, entra::NGROK_CALLBACK), spa.fix);
        let local = redirect_fix(spa, "http://localhost:8765/cb");
        assert!(
            local.contains("remove http://localhost:8765/cb from 'Single-page application'"),
            "{local}"
        );
        let page = aadsts::lookup(aadsts::REDIRECT_URI_NOT_REGISTERED).unwrap();
        let other = redirect_fix(page, "https://app.example/cb");
        assert!(
            other.contains("add https://app.example/cb exactly") && !other.contains("port"),
            "{other}"
        );
    }
}
