//! Fields the input names but does not decide: Terraform's "known after apply", an unresolved
//! ARM template expression (DESIGN.md §9.4). A check that needs one cannot be judged from the
//! registration: in `lint` it is a `skip` that says why, never a pass or a fail; in `run` and
//! `probe` the live flow alone judges it.

use super::{CheckId, Finding, Inputs};
use crate::registration::{Field, Registration, Undecided};

/// The field `id` needs from `reg` that the input leaves undecided, if any.
fn undecided(id: CheckId, reg: &Registration) -> Option<&Undecided> {
    let k = &reg.known;
    match id {
        CheckId::AppExists => k.undecided(Field::AppId),
        CheckId::TenancyMultitenant => k.undecided(Field::Audience),
        // The version matters only where personal accounts may sign in.
        CheckId::TenancyTokenVersion => k.undecided(Field::Audience).or_else(|| {
            k.undecided(Field::TokenVersion)
                .filter(|_| reg.audience.allows_personal())
        }),
        CheckId::RedirectNgrok | CheckId::RedirectLocal => k.undecided(Field::WebRedirects),
        CheckId::ScopesUserRead | CheckId::ScopesAdminConsent => k.undecided(Field::Permissions),
        CheckId::SecretPresent | CheckId::SecretValid => k.undecided(Field::Secrets),
        CheckId::ImplicitDisabled => k.undecided(Field::Implicit),
        CheckId::SpEnabled => k.undecided(Field::SpEnabled),
        CheckId::SpAssignment => k.undecided(Field::SpAssignment),
        _ => None,
    }
}

/// `Err(skip)` when `id` needs an undecided field and nothing else can judge it; `Ok(Some)`
/// the inputs without the registration, for the live flow to judge alone; `Ok(None)` as is.
pub(super) fn gate<'a>(id: CheckId, i: &Inputs<'a>) -> Result<Option<Inputs<'a>>, Box<Finding>> {
    match i.reg.and_then(|r| undecided(id, r)) {
        Some(u) if i.live.is_none() => Err(Box::new(Finding::skip(id, u.describe()))),
        Some(_) => Ok(Some(Inputs { reg: None, ..*i })),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{LintOptions, Status, judge};

    #[test]
    fn an_undecided_field_skips_the_checks_that_need_it_and_only_them() {
        let mut reg = crate::registration::parse_bytes(
            br#"{"appId":"00000001-1111-4000-8000-000000000001","signInAudience":"AzureADMultipleOrgs",
                 "web":{"redirectUris":[],"implicitGrantSettings":{}},"requiredResourceAccess":[],"passwordCredentials":[]}"#,
        )
        .unwrap()
        .remove(0);
        reg.known.undecided.push(Undecided {
            field: Field::WebRedirects,
            name: "web.redirect_uris".into(),
            reason: "known after apply".into(),
        });
        let opts = LintOptions {
            now: chrono::Utc::now(),
            secret_min_days: 30,
        };
        let findings = judge(&Inputs::lint(&reg, opts));
        let redirect = findings
            .iter()
            .find(|f| f.id == CheckId::RedirectNgrok)
            .unwrap();
        assert_eq!(redirect.status, Status::Skip);
        assert_eq!(redirect.evidence, "web.redirect_uris is known after apply");
        // The rest is judged as before: no secret is a fail, not a skip.
        let secret = findings
            .iter()
            .find(|f| f.id == CheckId::SecretPresent)
            .unwrap();
        assert_eq!(secret.status, Status::Fail);
    }
}
