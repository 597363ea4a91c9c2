//! `redirect.ngrok`: ngrok's callback is a **Web** redirect URI, letter for letter.
//!
//! Entra compares redirect URIs exactly (path case included) and by platform: the same URI under
//! "Single-page application" or "Mobile and desktop" makes the code unredeemable with a secret
//! (AADSTS9002327, AADSTS700025 at the token endpoint). A missing one is AADSTS50011 on an error
//! page. Which code, where, and whose it is come from the catalog (`entra::aadsts`).
//! <https://learn.microsoft.com/entra/identity-platform/reply-url>
//!
//! Live, every `run` and `probe` also sends the authorization request with ngrok's redirect URI
//! and follows nothing: an AADSTS50011 page fails, a sign-in page or a redirect passes
//! (DESIGN.md §8.1). `redirect.local` is the flow's own redirect URI.

use super::{
    CheckId, Finding, Inputs, Status, aad, combine_with, needs_live, needs_registration, portal,
    quoted,
};
use crate::entra::{NGROK_CALLBACK, aadsts, aadsts::Kind};
use crate::flow::evidence::{Authorize, RedirectRole};
use crate::registration::{Platform, Registration};

/// `redirect.ngrok`: the registration's Web redirect URIs, and the authorize endpoint's answer
/// to ngrok's redirect URI.
pub(super) fn ngrok(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::RedirectNgrok;
    let live = aad::refused(i, ID).or_else(|| ngrok_live(i));
    combine_with(ID, i.reg.map(ngrok_static), live, || match i.live {
        Some(ev) => match &ev.ngrok_unfinished {
            Some(why) => format!("ngrok's redirect URI could not be tested: {why}"),
            None => needs_live(i),
        },
        None => needs_registration(i),
    })
}

/// `redirect.ngrok` from the authorize endpoint's answer to ngrok's redirect URI, and from the
/// redemption of a code sent to it where one came back.
fn ngrok_live(i: &Inputs<'_>) -> Option<Finding> {
    const ID: CheckId = CheckId::RedirectNgrok;
    let ev = i.live?;
    let answer = judge_answer(ID, ev.ngrok_redirect.as_ref()?, NGROK_CALLBACK)?;
    let note = |text: String| Finding {
        evidence: format!("{}{text}", answer.evidence),
        ..answer.clone()
    };
    Some(match (&ev.ngrok_token, &ev.ngrok_unfinished) {
        (Some(Err(r)), _) if aad::owner(r, RedirectRole::Ngrok) == ID => aad::finding(i, ID, r),
        (Some(Ok(())), _) => {
            note("; a code sent to it was redeemed (HTTP 200): it is a Web redirect URI".into())
        }
        (_, Some(why)) if answer.status == Status::Pass => note(format!(
            "; a code sent to it could not be redeemed, so its platform (Web) was not tested: {why}"
        )),
        _ if answer.status == Status::Pass && i.reg.is_none() => note(format!(
            " (its platform, Web, shows only when a code sent to it is redeemed: --app or --redirect-uri {NGROK_CALLBACK})"
        )),
        _ => answer,
    })
}

/// `redirect.local`: the flow's own redirect URI was accepted (not ngrok's: that is
/// `redirect.ngrok`, even in paste-back mode).
pub(super) fn local(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::RedirectLocal;
    let Some(ev) = i.live else {
        return Finding::skip(ID, needs_live(i));
    };
    let Some(asked) = ev.asked.as_ref() else {
        return Finding::skip(ID, needs_live(i));
    };
    if asked.redirect == RedirectRole::Ngrok {
        let why = if asked.mode == crate::mode::Mode::Probe {
            format!(
                "probe used ngrok's redirect URI and needs no local callback (--redirect-uri {} tests one)",
                crate::flow::DEFAULT_REDIRECT
            )
        } else {
            "the flow used ngrok's redirect URI (paste-back)".to_owned()
        };
        return Finding::skip(ID, format!("{why}: see {}", CheckId::RedirectNgrok));
    }
    aad::refused(i, ID)
        .or_else(|| judge_answer(ID, ev.authorize.as_ref()?, &asked.redirect_uri))
        .unwrap_or_else(|| Finding::skip(ID, needs_live(i)))
}

/// A redirect URI's verdict from the authorize endpoint's answer to `uri`; `None` when it
/// stopped before looking at the redirect URI (unknown tenant or client).
fn judge_answer(id: CheckId, answer: &Authorize, uri: &str) -> Option<Finding> {
    let what = format!("authorize with redirect_uri={uri}");
    let pass = |how: &str| {
        Finding::pass(
            id,
            "the authorize endpoint accepts the redirect URI",
            format!("{what}: {how}, no AADSTS50011"),
        )
    };
    match answer {
        Authorize::Back => Some(pass("redirected back")),
        Authorize::SignIn => Some(pass("a sign-in page")),
        Authorize::Page { code, line } => match aadsts::lookup(*code) {
            // The page of a refused redirect URI.
            Some(a) if a.kind == Kind::ErrorPage && aad::about_redirect_uri(a) => {
                Some(Finding::fail(
                    id,
                    format!("AADSTS{code}: {}", a.meaning.trim_end_matches('.')),
                    format!("{what}: an error page: {line}"),
                    aad::redirect_fix(a, uri),
                ))
            }
            _ if aadsts::TENANT_CODES.contains(code) || aadsts::CLIENT_CODES.contains(code) => None,
            _ => Some(pass(&format!(
                "an error page with AADSTS{code}, raised after the redirect URI was accepted"
            ))),
        },
    }
}

/// A URI cut into the parts Entra compares. No percent-decoding: Entra does not decode either.
#[derive(Debug, PartialEq, Eq)]
struct Parts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
    /// Query and fragment, with their `?`/`#`.
    rest: &'a str,
}

fn split(uri: &str) -> Option<Parts<'_>> {
    let (scheme, after) = uri.split_once("://")?;
    let auth_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, tail) = after.split_at(auth_end);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (authority, None),
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (path, rest) = tail.split_at(path_end);
    Some(Parts {
        scheme,
        host,
        port,
        path,
        rest,
    })
}

/// Why `candidate` is close to, but not, `wanted`; `None` when it is not close at all.
fn near_miss(candidate: &str, wanted: &str) -> Option<String> {
    if candidate.trim() != candidate && candidate.trim() == wanted {
        return Some("has spaces around it".into());
    }
    let (c, w) = (split(candidate.trim())?, split(wanted)?);
    let same_host = c.host.eq_ignore_ascii_case(w.host);
    let same_path_ci = c.path.trim_end_matches('/').eq_ignore_ascii_case(w.path);
    if !same_host {
        let host = c.host.to_ascii_lowercase();
        // A loopback URI is the local callback of `run`, not a mistyped ngrok callback.
        let loopback = crate::entra::is_loopback_host(&host);
        let ngrokish = host.contains("ngrok");
        return (ngrokish || (same_path_ci && !loopback)).then(|| {
            format!(
                "host is {}, but ngrok's callback host is {}",
                quoted(c.host),
                quoted(w.host)
            )
        });
    }
    let mut why = Vec::new();
    if !c.scheme.eq_ignore_ascii_case(w.scheme) {
        why.push(format!("uses {}:// instead of {}://", c.scheme, w.scheme));
    } else if c.scheme != w.scheme {
        why.push("the scheme is not in lowercase".into());
    }
    if c.host != w.host {
        why.push("the host is not in lowercase".into());
    }
    if c.port.is_some() {
        why.push(format!("names port {}", c.port.unwrap_or_default()));
    }
    if c.path != w.path {
        if c.path.trim_end_matches('/') == w.path {
            why.push("has a trailing slash".into());
        } else if same_path_ci {
            why.push(format!(
                "path {} differs in letter case (paths are case-sensitive)",
                quoted(c.path)
            ));
        } else {
            why.push(format!(
                "path is {}, ngrok calls back on {}",
                quoted(c.path),
                quoted(w.path)
            ));
        }
    }
    if !c.rest.is_empty() {
        why.push(format!("carries {}", quoted(c.rest)));
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// What Entra answers ngrok when its callback is registered under `platform` (`None`: not at
/// all, or only mistyped), read from the catalog: `AADSTS50011 at sign-in`, or for a callback
/// under another platform than Web the token endpoint's code (sign-in itself goes through).
fn entra_answer(platform: Option<Platform>) -> String {
    let code = match platform {
        Some(Platform::Spa) => aadsts::SPA_REDEEMED_SERVER_SIDE,
        Some(Platform::PublicClient) => aadsts::PUBLIC_CLIENT_SENT_A_SECRET,
        Some(Platform::Web) | None => aadsts::REDIRECT_URI_NOT_REGISTERED,
    };
    match aadsts::lookup(code) {
        Some(a) => format!("AADSTS{code} {}", a.kind.place()),
        None => format!("AADSTS{code}"),
    }
}

/// `redirect.ngrok`, statically.
fn ngrok_static(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::RedirectNgrok;
    let web_field = reg.shape.redirect_field(Platform::Web);
    if !reg.known.web_redirects {
        return super::absent(ID, web_field);
    }
    if reg.redirects(Platform::Web).any(|u| u == NGROK_CALLBACK) {
        return Finding::pass(
            ID,
            "ngrok's callback is a Web redirect URI",
            format!("{web_field} contains {}", quoted(NGROK_CALLBACK)),
        );
    }
    let mut notes = Vec::new();
    for r in &reg.redirect_uris {
        let field = reg.shape.redirect_field(r.platform);
        let platform_note = (r.platform != Platform::Web).then(|| {
            format!(
                "registered under '{}' instead of 'Web' (the code could not be redeemed with a \
                 secret)",
                r.platform.portal_name()
            )
        });
        let reasons: Vec<String> =
            match (r.uri == NGROK_CALLBACK, near_miss(&r.uri, NGROK_CALLBACK)) {
                (true, _) => platform_note.into_iter().collect(),
                (false, Some(why)) => std::iter::once(why).chain(platform_note).collect(),
                (false, None) => continue,
            };
        notes.push(format!(
            "{field}: {} {}",
            quoted(&r.uri),
            reasons.join("; ")
        ));
    }
    let misplaced = reg
        .redirect_uris
        .iter()
        .find(|r| r.uri == NGROK_CALLBACK && r.platform != Platform::Web)
        .map(|r| r.platform);
    let answer = entra_answer(misplaced);
    let title = match misplaced {
        _ if notes.is_empty() => {
            format!("ngrok's callback is not a redirect URI of this app ({answer})")
        }
        Some(p) => format!(
            "ngrok's callback is registered under '{}', not Web ({answer})",
            p.portal_name()
        ),
        None => format!("ngrok's callback is not registered exactly under Web ({answer})"),
    };
    let evidence = if notes.is_empty() {
        let web: Vec<&str> = reg.redirects(Platform::Web).collect();
        format!("{web_field} = {}", quoted(&web))
    } else {
        notes.join("; ")
    };
    let remove = if notes.is_empty() {
        String::new()
    } else {
        " and remove the misplaced or mistyped entries named above".to_owned()
    };
    Finding::fail(
        ID,
        title,
        evidence,
        format!(
            "{}: under 'Web' (Add a platform > Web if there is none) add the redirect URI {} \
             exactly{remove}. Manifest: add it to {web_field}",
            portal(reg, "Authentication"),
            NGROK_CALLBACK
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn miss(uri: &str) -> Option<String> {
        near_miss(uri, NGROK_CALLBACK)
    }

    #[test]
    fn near_misses_are_named() {
        assert_eq!(miss(NGROK_CALLBACK), None);
        assert_eq!(
            miss("https://idp.ngrok.com/oauth2/callback/").unwrap(),
            "has a trailing slash"
        );
        assert!(
            miss("http://idp.ngrok.com/oauth2/callback")
                .unwrap()
                .contains("http://")
        );
        assert!(
            miss("https://idp.ngrok.com/OAuth2/Callback")
                .unwrap()
                .contains("letter case")
        );
        assert!(
            miss("https://idp.ngrok.io/oauth2/callback")
                .unwrap()
                .contains("host is")
        );
        assert!(
            miss("https://myapp.example/oauth2/callback")
                .unwrap()
                .contains("host is")
        );
        assert!(
            miss("https://idp.ngrok.com:443/oauth2/callback")
                .unwrap()
                .contains("port 443")
        );
        assert!(
            miss("https://idp.ngrok.com/oauth2/callback?x=1")
                .unwrap()
                .contains("?x=1")
        );
        assert!(
            miss(" https://idp.ngrok.com/oauth2/callback")
                .unwrap()
                .contains("spaces")
        );
        assert!(
            miss("https://idp.ngrok.com/callback")
                .unwrap()
                .contains("path is")
        );
        assert_eq!(miss("https://example.com/signin-oidc"), None);
        assert_eq!(miss("http://localhost:8765/oauth2/callback"), None);
        assert_eq!(miss("not a uri"), None);
    }
}
