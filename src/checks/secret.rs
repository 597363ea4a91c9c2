//! `secret.present`: a client secret that is live now (or at `--at`) and stays live a while.
//!
//! ngrok authenticates to the token endpoint with the secret's Value; an expired one fails with
//! AADSTS7000222, none at all with AADSTS7000218. Certificates cannot be used by ngrok.

use super::{CheckId, Finding, LintOptions, portal, quoted};
use crate::registration::{PasswordCredential, Registration, SecretValue};
use chrono::{DateTime, SecondsFormat, Utc};

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
pub(super) fn present(reg: &Registration, opts: &LintOptions) -> Finding {
    const ID: CheckId = CheckId::SecretPresent;
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
/// characters of each Value as `hint`, so a secret that matches no live hint is not a current one.
/// <https://learn.microsoft.com/graph/api/resources/passwordcredential>
pub fn supplied(reg: &Registration, secret: &SecretValue, now: DateTime<Utc>) -> Finding {
    const ID: CheckId = CheckId::SecretValid;
    let s = secret.expose();
    let fix = format!(
        "{}: copy the Value column of a live secret (shown only once; else make a new one)",
        portal(reg, "Certificates & secrets")
    );
    let key_ids = reg
        .password_credentials
        .iter()
        .filter_map(|c| c.key_id.as_deref());
    if crate::registration::is_guid(s) || key_ids.clone().any(|k| k.eq_ignore_ascii_case(s)) {
        let named = key_ids.clone().any(|k| k.eq_ignore_ascii_case(s));
        return Finding::fail(
            ID,
            "the supplied secret is a Secret ID, not the secret's Value (AADSTS7000215 at sign-in)",
            if named {
                "the supplied secret equals a passwordCredentials[].keyId (value not shown)"
                    .to_owned()
            } else {
                "the supplied secret has the shape of a GUID (value not shown)".to_owned()
            },
            fix,
        );
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
            "the registration lists no live secret with a hint to compare",
        );
    }
    match live
        .iter()
        .find(|c| c.hint.as_deref().is_some_and(|h| s.starts_with(h)))
    {
        Some(c) => Finding::pass(
            ID,
            "the supplied secret matches a live secret's hint (its first 3 characters; not tried at the token endpoint)",
            format!("its first characters match the hint of {}", describe(c)),
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
        let check = |s: &str| supplied(reg, &SecretValue::new(s), now);
        assert_eq!(check("Q1x8Q~the-value").status, Status::Pass);
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
        let none = &crate::registration::parse_bytes(br#"{"appId":"a"}"#).unwrap()[0];
        assert_eq!(
            supplied(none, &SecretValue::new("x"), now).status,
            Status::Skip
        );
    }
}
