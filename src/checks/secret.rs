//! `secret.present`: a client secret that is live now (or at `--at`) and stays live a while.
//!
//! ngrok authenticates to the token endpoint with the secret's Value; an expired one fails with
//! AADSTS7000222, none at all with AADSTS7000218. Certificates cannot be used by ngrok.

use super::{CheckId, Finding, LintOptions, portal, quoted};
use crate::registration::{PasswordCredential, Registration};
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
    let field = reg.shape.secret_end_field();
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
        if let Some(future) = creds
            .iter()
            .filter(|c| c.start.is_some_and(|s| s > now))
            .min_by_key(|c| c.start)
        {
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
        let last = creds.iter().max_by_key(|c| c.end).unwrap_or(&creds[0]);
        let days = last.end.map_or(0, |e| (now - e).num_days());
        return Finding::fail(
            ID,
            format!(
                "every client secret has expired (AADSTS7000222 at the token endpoint); the newest \
                 {days} day(s) ago"
            ),
            format!(
                "{} secret(s); newest: {}, {field} = {}",
                creds.len(),
                describe(last),
                quoted(&date(last.end))
            ),
            fix,
        );
    };
    let evidence = format!(
        "{} secret(s), {} live; newest: {}, {field} = {}",
        creds.len(),
        creds.iter().filter(|c| c.is_live_at(now)).count(),
        describe(newest),
        quoted(&date(newest.end))
    );
    match newest.end {
        Some(end) if (end - now).num_days() < opts.secret_min_days => Finding::warn(
            ID,
            format!(
                "the newest client secret expires in {} day(s), within {} days",
                (end - now).num_days(),
                opts.secret_min_days
            ),
            evidence,
            format!("{fix}; then update ngrok before the old one expires"),
        ),
        Some(end) => Finding::pass(
            ID,
            format!(
                "a client secret is live for {} more day(s)",
                (end - now).num_days()
            ),
            evidence,
        ),
        None => Finding::pass(ID, "a client secret is live and never expires", evidence),
    }
}
