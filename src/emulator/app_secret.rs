//! Secret Values for registrations that carry none (`emulate --app-secret CLIENT_ID=ENVVAR`,
//! DESIGN.md §9.2), and what the emulator says at start about apps that cannot accept any.
//!
//! A real export (`az ad app show`, Graph, the portal manifest) lists each client secret in
//! `passwordCredentials` with its Secret ID (`keyId`), its dates and its `hint` (the Value's first
//! three characters, as Entra keeps them), never the Value. A Value given for such an app is
//! bound as Entra would know it: to the secret whose `hint` starts it, the newest of them (latest
//! `endDateTime`); so an expired one answers AADSTS7000222, as Entra does. A Value no hint
//! matches is no secret of the app: Entra refuses it (AADSTS7000215) and so does the emulator.
//! An input without the `passwordCredentials` field at all (a trimmed export: absent is not
//! empty) accepts the Value with no expiry; an empty list accepts nothing.
//! <https://learn.microsoft.com/graph/api/resources/passwordcredential>

use crate::entra::SecretValue;
use crate::registration::{PasswordCredential, Registration};
use chrono::{DateTime, Utc};

/// Gives `reg` the secret `value`, bound to the `passwordCredentials` entry Entra would match.
/// Returns the Secret ID bound, or `None` when no entry is bound: none matches (the Value is
/// then refused at the token endpoint), or the input has no `passwordCredentials` field (the
/// Value is then accepted).
pub fn bind(reg: &mut Registration, value: SecretValue) -> Option<String> {
    let key_id = if reg.known.secrets {
        newest_with_hint(&reg.password_credentials, value.expose())
    } else {
        // No list to bind to: the token endpoint accepts the Value as it is.
        Some(String::new())
    };
    reg.emulator
        .secrets
        .push((key_id.clone().unwrap_or_default(), value));
    key_id.filter(|k| !k.is_empty())
}

/// The Secret ID of the newest credential (latest end; none is latest) whose hint starts
/// `value` (a credential without a hint may be any).
fn newest_with_hint(creds: &[PasswordCredential], value: &str) -> Option<String> {
    creds
        .iter()
        .filter(|c| c.key_id.is_some())
        .filter(|c| c.hint.as_deref().is_none_or(|h| value.starts_with(h)))
        .max_by_key(|c| (c.end.is_none(), c.end))
        .and_then(|c| c.key_id.as_deref())
        .map(str::to_ascii_lowercase)
}

/// Why no secret sent to `reg` can be accepted at `now`; `None` when one can.
pub fn none_acceptable(reg: &Registration, now: DateTime<Utc>) -> Option<String> {
    let values = &reg.emulator.secrets;
    if values.is_empty() {
        return Some(
            if reg.known.secrets && reg.password_credentials.is_empty() {
                "it lists no passwordCredentials (Entra answers AADSTS7000215 to any secret)".into()
            } else {
                format!(
                    "no secret Value is known for it (a real export carries none): pass --app-secret {}=ENVVAR",
                    reg.app_id.as_deref().unwrap_or("CLIENT_ID")
                )
            },
        );
    }
    if !reg.known.secrets {
        return None;
    }
    let bound: Vec<&PasswordCredential> = values
        .iter()
        .filter_map(|(key_id, _)| {
            reg.password_credentials.iter().find(|c| {
                c.key_id
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(key_id))
            })
        })
        .collect();
    if bound.iter().any(|c| c.is_live_at(now)) {
        return None;
    }
    Some(if bound.is_empty() {
        let hints: Vec<&str> = reg
            .password_credentials
            .iter()
            .filter_map(|c| c.hint.as_deref())
            .collect();
        if reg.password_credentials.is_empty() {
            "it lists no passwordCredentials (Entra answers AADSTS7000215 to any secret)".into()
        } else {
            format!(
                "no Value given is one of its secrets (their Values start with {}): Entra answers AADSTS7000215",
                if hints.is_empty() {
                    "(no hint listed)".to_owned()
                } else {
                    hints.join(", ")
                }
            )
        }
    } else {
        "each secret it has a Value for is expired (Entra answers AADSTS7000222) or not valid yet"
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(key: &str, hint: &str, end: &str) -> PasswordCredential {
        PasswordCredential {
            key_id: Some(key.into()),
            display_name: None,
            hint: Some(hint.into()),
            start: None,
            end: DateTime::parse_from_rfc3339(end).ok().map(|d| d.to_utc()),
        }
    }

    fn reg(creds: Vec<PasswordCredential>, known: bool) -> Registration {
        let mut r = crate::fixtures::bundled("good-multitenant.json")
            .unwrap()
            .remove(0);
        r.emulator.secrets.clear();
        r.password_credentials = creds;
        r.known.secrets = known;
        r
    }

    const NOW: &str = "2026-12-01T00:00:00Z";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(NOW).unwrap().to_utc()
    }

    #[test]
    fn a_value_binds_to_the_newest_secret_its_hint_names() {
        let mut r = reg(
            vec![
                cred("A", "abc", "2027-01-01T00:00:00Z"),
                cred("B", "abc", "2028-01-01T00:00:00Z"),
                cred("C", "xyz", "2029-01-01T00:00:00Z"),
            ],
            true,
        );
        assert!(none_acceptable(&r, now()).unwrap().contains("--app-secret"));
        assert_eq!(
            bind(&mut r, SecretValue::new("abc8Q~value")).as_deref(),
            Some("b")
        );
        assert_eq!(none_acceptable(&r, now()), None);
    }

    #[test]
    fn a_value_no_hint_names_is_refused_and_said() {
        let mut r = reg(vec![cred("A", "abc", "2027-01-01T00:00:00Z")], true);
        assert_eq!(bind(&mut r, SecretValue::new("zzz8Q~value")), None);
        let why = none_acceptable(&r, now()).unwrap();
        assert!(why.contains("start with abc"), "{why}");
    }

    #[test]
    fn an_expired_secret_is_said_and_an_absent_list_accepts() {
        let mut r = reg(vec![cred("A", "abc", "2026-01-01T00:00:00Z")], true);
        assert_eq!(
            bind(&mut r, SecretValue::new("abc8Q~v")).as_deref(),
            Some("a")
        );
        assert!(none_acceptable(&r, now()).unwrap().contains("expired"));

        let mut empty = reg(Vec::new(), true);
        bind(&mut empty, SecretValue::new("abc8Q~v"));
        assert!(
            none_acceptable(&empty, now())
                .unwrap()
                .contains("no passwordCredentials")
        );

        let mut absent = reg(Vec::new(), false);
        assert_eq!(bind(&mut absent, SecretValue::new("abc8Q~v")), None);
        assert_eq!(none_acceptable(&absent, now()), None);
    }
}
