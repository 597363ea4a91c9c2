//! `secret.present`: a client secret that is live now (or at `--at`) and stays live a while.
//!
//! ngrok authenticates to the token endpoint with the secret's Value; an expired one fails with
//! AADSTS7000222, none at all with AADSTS7000218. Certificates cannot be used by ngrok.

use super::{CheckId, Finding, Inputs, LintOptions, aad, needs_registration, portal, quoted};
use crate::entra::{SecretValue, is_guid};
use crate::flow::evidence::ClientCredentials;
use crate::registration::{PasswordCredential, Registration};
use chrono::{DateTime, SecondsFormat, Utc};

/// How a supplied secret gives itself away as the Secret ID (the portal's keyId) instead of the
/// secret's Value: the one rule, used statically and to word AADSTS7000215.
pub(super) fn secret_id(secret: &SecretValue, reg: Option<&Registration>) -> Option<&'static str> {
    let s = secret.expose();
    let named = reg.is_some_and(|r| {
        r.password_credentials
            .iter()
            .filter_map(|c| c.key_id.as_deref())
            .any(|k| k.eq_ignore_ascii_case(s))
    });
    if named {
        Some("the supplied secret equals a passwordCredentials[].keyId (value not shown)")
    } else if is_guid(s) {
        Some("the supplied secret has the shape of a GUID (value not shown)")
    } else {
        None
    }
}

/// The shortest secret Value Entra generates (16 to 64 characters, ENTRA.md §3.2 from the
/// Graph `passwordCredential` reference; portal secrets are 40).
/// <https://learn.microsoft.com/graph/api/resources/passwordcredential>
pub(super) const MIN_SECRET_LEN: usize = 16;

/// Why a supplied secret cannot be a Value Entra issued (DESIGN.md §9.1): the portal's mask
/// (`Xk7*****`, what the Value column shows once the page was left), white space around it (a
/// copy that took a space or a line end), or fewer characters than Entra ever generates (the
/// three-character hint alone). Says nothing of the value itself.
pub(super) fn impossible(secret: &SecretValue) -> Option<String> {
    let s = secret.expose();
    let n = s.chars().count();
    if s.contains('*') {
        Some(format!(
            "the supplied secret holds '*': it is the portal's masked Value ({n} characters, value not shown), which is all the portal shows once you leave the page"
        ))
    } else if s.trim() != s {
        Some("the supplied secret has leading or trailing white space (value not shown): Entra never issues one; the copy took a space or a line end".into())
    } else if n < MIN_SECRET_LEN {
        Some(format!(
            "the supplied secret has {n} characters: Entra's secret Values have {MIN_SECRET_LEN} to 64 (portal: 40), so it is not a whole Value"
        ))
    } else {
        None
    }
}

/// The token endpoint's answers about the secret itself: invalid (7000215), expired (7000222),
/// none sent (7000218).
const SECRET_CODES: [u32; 3] = [7000215, 7000222, 7000218];

const SECRET_ID_TITLE: &str = "the supplied client secret is a Secret ID, not the secret's Value";
const SECRET_ID_FIX: &str = "Certificates & secrets > New client secret, then copy the Value column (shown only once), not Secret ID";

/// AADSTS7000215 worded as the Secret ID mistake, when the supplied secret is one.
fn refused_as_secret_id(i: &Inputs<'_>, f: Finding) -> Finding {
    if !f.title.starts_with("AADSTS7000215") {
        return f;
    }
    match i.secret.and_then(|s| secret_id(s, i.reg)) {
        Some(why) => Finding {
            title: format!("{SECRET_ID_TITLE} (AADSTS7000215)"),
            evidence: format!("{}; {why}", f.evidence),
            fix: Some(SECRET_ID_FIX.into()),
            ..f
        },
        None => f,
    }
}

/// `secret.valid` for an app with no secret at all: nothing can be valid there.
fn no_secret(reg: &Registration) -> Finding {
    let certs = match reg.key_credential_count {
        0 => String::new(),
        n => format!(" ({n} certificate(s), which ngrok cannot use)"),
    };
    Finding::fail(
        CheckId::SecretValid,
        "the app has no client secret, so no secret can be valid (AADSTS7000215 or 7000218 at sign-in)",
        format!("passwordCredentials = []{certs}"),
        format!(
            "{}: Client secrets > New client secret, then copy its Value (shown only once) into ngrok's client_secret",
            portal(reg, "Certificates & secrets")
        ),
    )
}

/// `secret.valid`: the token endpoint (or, in `probe`, a client-credentials grant) accepted or
/// refused the supplied secret: direct evidence, which decides. Without it, the secret is
/// compared with the registration: a Secret ID, or a secret matching no live secret's hint,
/// fails; a hint match was not a test, so it is a `skip` that says so (DESIGN.md §8.1).
pub(super) fn valid(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::SecretValid;
    // An app with no secret at all fails, whatever was supplied (DESIGN.md §9.1).
    let stat = i
        .secret
        .map(|s| supplied(i.reg, s, i.opts.now))
        .or_else(|| {
            let reg = i
                .reg
                .filter(|r| r.known.secrets && r.password_credentials.is_empty())?;
            Some(no_secret(reg))
        });
    let live = live_valid(i);
    match (live, stat) {
        (Some(l), Some(s)) if l.status != super::Status::Skip && s.status != super::Status::Skip => {
            Finding {
                evidence: format!("live: {}; registration: {}", l.evidence, s.evidence),
                ..l
            }
        }
        (Some(l), _) if l.status != super::Status::Skip => l,
        (_, Some(s)) if s.status != super::Status::Skip => s,
        (Some(l), _) => l,
        (None, Some(s)) => s,
        (None, None) => Finding::skip(
            ID,
            match i.live {
                Some(ev) => ev.not_reached(),
                None if i.policy.is_none() => {
                    "lint judges the secret of an ngrok policy: pass --ngrok-policy FILE".into()
                }
                None => "the ngrok policy's client_secret is absent or an expression (${...}): nothing to compare".into(),
            },
        ),
    }
}

/// `secret.valid` from the live flow.
fn live_valid(i: &Inputs<'_>) -> Option<Finding> {
    live_verdict(i).map(|f| refused_as_secret_id(i, f))
}

fn live_verdict(i: &Inputs<'_>) -> Option<Finding> {
    const ID: CheckId = CheckId::SecretValid;
    if let Some(f) = aad::refused(i, ID) {
        return Some(f);
    }
    let ev = i.live?;
    if ev.redeemed {
        return Some(Finding::pass(
            ID,
            "the client secret is accepted",
            "the token endpoint redeemed the code with it (HTTP 200)",
        ));
    }
    match &ev.ngrok_token {
        Some(Ok(())) => {
            return Some(Finding::pass(
                ID,
                "the client secret is accepted",
                "the token endpoint redeemed a code for ngrok's redirect URI with it (HTTP 200)",
            ));
        }
        // Only what is about the secret: a code problem of that side test is not.
        Some(Err(r)) if r.code.is_some_and(|c| SECRET_CODES.contains(&c)) => {
            return Some(aad::finding(i, ID, r));
        }
        _ => {}
    }
    Some(match ev.client_credentials.as_ref()? {
        ClientCredentials::Accepted(tenant) => Finding::pass(
            ID,
            "the client secret is accepted",
            format!("client credentials at /{tenant}: HTTP 200"),
        ),
        // The tenant we asked is not the app's: that says nothing about the secret.
        ClientCredentials::Refused(r) if matches!(r.code, Some(700016 | 90002 | 9001023)) => {
            Finding::skip(
                ID,
                format!(
                    "{} could not judge the secret (AADSTS{}): pass --tenant with the app's home tenant",
                    r.at,
                    r.code.unwrap_or_default()
                ),
            )
        }
        // Refused for a reason of another check (e.g. a disabled enterprise app, AADSTS7000112):
        // that check reports it; the secret was not judged.
        ClientCredentials::Refused(r)
            if ev
                .asked
                .as_ref()
                .is_some_and(|a| aad::owner(r, a.redirect) != ID) =>
        {
            Finding::skip(
                ID,
                format!(
                    "{} could not judge the secret: AADSTS{} came first",
                    r.at,
                    r.code.unwrap_or_default()
                ),
            )
        }
        ClientCredentials::Refused(r) => aad::finding(i, ID, r),
        ClientCredentials::NoTenant => Finding::skip(
            ID,
            "a client-credentials probe needs a tenant: pass --tenant <GUID or domain> or --app with publisherDomain",
        ),
    })
}

fn describe(c: &PasswordCredential) -> String {
    let name = c
        .display_name
        .as_deref()
        .map(|n| format!("{} ", quoted(n)))
        .unwrap_or_default();
    let id = c.key_id.as_deref().unwrap_or("(no keyId)");
    format!("{name}Secret ID {id}")
}

fn date(d: Option<DateTime<Utc>>) -> String {
    d.map_or_else(
        || "never".to_owned(),
        |d| d.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// `secret.present`.
pub(super) fn present(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::SecretPresent;
    match i.reg {
        Some(reg) => present_static(reg, &i.opts),
        None => Finding::skip(ID, needs_registration(i)),
    }
}

fn present_static(reg: &Registration, opts: &LintOptions) -> Finding {
    const ID: CheckId = CheckId::SecretPresent;
    if !reg.known.secrets {
        return super::absent(ID, "passwordCredentials");
    }
    let now = opts.now;
    let fix = format!(
        "{}: Client secrets > New client secret, then copy its Value (not the Secret ID) at once: \
         it is shown only once. Put the Value in ngrok's oauth action as client_secret",
        portal(reg, "Certificates & secrets")
    );
    let creds = &reg.password_credentials;
    if creds.is_empty() {
        let certs = if reg.key_credential_count > 0 {
            format!(
                "; keyCredentials has {} certificate(s), which ngrok cannot use",
                reg.key_credential_count
            )
        } else {
            String::new()
        };
        return Finding::fail(
            ID,
            "the app has no client secret (AADSTS7000218 at the token endpoint)",
            format!("passwordCredentials is empty{certs}"),
            fix,
        );
    }
    let newest_live = creds
        .iter()
        .filter(|c| c.is_live_at(now))
        .max_by_key(|c| c.end.unwrap_or(DateTime::<Utc>::MAX_UTC));
    let Some(newest) = newest_live else {
        return none_live(reg, now, fix);
    };
    let evidence = format!(
        "{} secret(s), {} live; newest: {}, {} = {}",
        creds.len(),
        creds.iter().filter(|c| c.is_live_at(now)).count(),
        describe(newest),
        reg.shape.secret_end_field(),
        quoted(&date(newest.end))
    );
    let days = newest.end.map(|end| (end - now).num_days());
    match days {
        Some(d) if d < opts.secret_min_days => Finding::warn(
            ID,
            format!(
                "the newest client secret expires in {d} day(s), within {} days",
                opts.secret_min_days
            ),
            evidence,
            format!("{fix}; then update ngrok before the old one expires"),
        ),
        Some(d) => Finding::pass(
            ID,
            format!("a client secret is live for {d} more day(s)"),
            evidence,
        ),
        None => Finding::pass(ID, "a client secret is live and never expires", evidence),
    }
}

/// Secrets exist, none is live: not valid yet, or all expired.
fn none_live(reg: &Registration, now: DateTime<Utc>, fix: String) -> Finding {
    const ID: CheckId = CheckId::SecretPresent;
    let creds = &reg.password_credentials;
    let future = creds
        .iter()
        .filter(|c| c.start.is_some_and(|s| s > now))
        .min_by_key(|c| c.start);
    if let Some(future) = future {
        return Finding::fail(
            ID,
            "no client secret is valid yet",
            format!(
                "{}: startDateTime {} is after {}",
                describe(future),
                date(future.start),
                date(Some(now))
            ),
            fix,
        );
    }
    let Some(last) = creds.iter().max_by_key(|c| c.end) else {
        return Finding::fail(
            ID,
            "the app has no client secret",
            "passwordCredentials is empty",
            fix,
        );
    };
    let days = last.end.map_or(0, |e| (now - e).num_days());
    Finding::fail(
        ID,
        format!(
            "every client secret has expired (AADSTS7000222 at the token endpoint); the newest \
             {days} day(s) ago"
        ),
        format!(
            "{} secret(s); newest: {}, {} = {}",
            creds.len(),
            describe(last),
            reg.shape.secret_end_field(),
            quoted(&date(last.end))
        ),
        fix,
    )
}

/// `secret.valid`, statically: the supplied secret against the registration's credentials. The
/// Secret ID (a GUID, the portal's keyId) is the classic mistake; Microsoft keeps the first three
/// characters of each Value as `hint`, so a secret that matches no live hint is not a current
/// one. A match proves nothing (three characters): it is a `skip`, the secret was not tried.
/// <https://learn.microsoft.com/graph/api/resources/passwordcredential>
fn supplied(reg: Option<&Registration>, secret: &SecretValue, now: DateTime<Utc>) -> Finding {
    const ID: CheckId = CheckId::SecretValid;
    let fix = match reg {
        Some(reg) => format!(
            "{}: copy the Value column of a live secret (shown only once; else make a new one)",
            portal(reg, "Certificates & secrets")
        ),
        None => SECRET_ID_FIX.to_owned(),
    };
    if let Some(why) = secret_id(secret, reg) {
        return Finding::fail(
            ID,
            format!("{SECRET_ID_TITLE} (AADSTS7000215 at sign-in)"),
            why,
            fix,
        );
    }
    if let Some(why) = impossible(secret) {
        return Finding::fail(
            ID,
            "the supplied client secret cannot be a secret Value Entra issued (AADSTS7000215 at sign-in)",
            why,
            format!("{fix}. Paste the whole Value, with nothing around it"),
        );
    }
    let Some(reg) = reg else {
        return Finding::skip(
            ID,
            "the supplied secret was not tried, and there is no registration to compare it with (--app)",
        );
    };
    if reg.known.secrets && reg.password_credentials.is_empty() {
        return no_secret(reg);
    }
    let live: Vec<&PasswordCredential> = reg
        .password_credentials
        .iter()
        .filter(|c| c.is_live_at(now))
        .collect();
    let hints: Vec<&str> = live.iter().filter_map(|c| c.hint.as_deref()).collect();
    if hints.is_empty() {
        return Finding::skip(
            ID,
            "the supplied secret was not tried, and the registration lists no live secret with a hint to compare",
        );
    }
    let s = secret.expose();
    match live
        .iter()
        .find(|c| c.hint.as_deref().is_some_and(|h| s.starts_with(h)))
    {
        Some(c) => Finding::skip(
            ID,
            format!(
                "the supplied secret was not tried at the token endpoint; its first 3 characters match the hint of {}, which proves nothing",
                describe(c)
            ),
        ),
        None => Finding::fail(
            ID,
            "the supplied secret matches no live secret of the app (AADSTS7000215 at sign-in)",
            format!(
                "its first 3 characters match none of the {} live secrets' hints (hints not shown)",
                hints.len()
            ),
            fix,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    #[test]
    fn supplied_secret_against_ids_and_hints() {
        let reg = &crate::registration::parse_bytes(
            br#"{"appId":"a","passwordCredentials":[
                {"keyId":"5ec7e700-0000-4000-8000-000000000001","hint":"Q1x","endDateTime":"2030-01-01T00:00:00Z"},
                {"keyId":"5ec7e700-0000-4000-8000-000000000002","hint":"Old","endDateTime":"2020-01-01T00:00:00Z"}]}"#,
        )
        .unwrap()[0];
        let now = Utc::now();
        let check = |s: &str| supplied(Some(reg), &SecretValue::new(s), now);
        let hint_only = check("Q1x8Q~the-value-of-a-secret-0000000000001");
        assert_eq!(
            hint_only.status,
            Status::Skip,
            "a hint match was not a test"
        );
        assert!(hint_only.title.contains("not tried"), "{}", hint_only.title);
        let id = check("5ec7e700-0000-4000-8000-000000000001");
        assert_eq!(id.status, Status::Fail);
        assert!(id.title.contains("Secret ID") && !id.evidence.contains("5ec7e700"));
        let old = check("Old8Q~expired-value");
        assert_eq!(
            old.status,
            Status::Fail,
            "an expired secret's hint does not count"
        );
        assert!(!format!("{old:?}").contains("Q1x"), "hints are not shown");
        // What cannot be a Value Entra issued fails, whatever the registration says: the portal's
        // mask, white space around it, the three-character hint alone (DESIGN.md §9.1).
        for impossible in [
            "Xk7******************************",
            "Xk7",
            "Q1x8Q~the-value-of-a-secret-0000000000001 ",
            "\tQ1x8Q~the-value-of-a-secret-0000000000001",
        ] {
            let f = check(impossible);
            assert_eq!(f.status, Status::Fail, "{impossible:?}");
            assert!(f.title.contains("cannot be a secret Value"), "{}", f.title);
            assert!(!format!("{f:?}").contains("Xk7") && !format!("{f:?}").contains("Q1x8"));
        }
        let none = &crate::registration::parse_bytes(br#"{"appId":"a"}"#).unwrap()[0];
        assert_eq!(
            supplied(
                Some(none),
                &SecretValue::new("Abc8Q~the-value-of-a-secret-000000000001"),
                now
            )
            .status,
            Status::Skip
        );
    }
}
