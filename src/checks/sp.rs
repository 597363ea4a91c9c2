//! `sp.enabled` and `sp.assignment`: the service principal (enterprise app) of the app in a
//! tenant. Disabled (`accountEnabled: false`), nobody signs in: AADSTS7000112, on Entra's own
//! error page before sign-in. Assignment required (`appRoleAssignmentRequired: true`), only the
//! users and groups assigned to the app get in; the others see AADSTS50105.
//! <https://learn.microsoft.com/graph/api/resources/serviceprincipal> (`../shared/NGROK.md` §5).

use super::{CheckId, Finding, Inputs, aad, combine, quoted};
use crate::flow::evidence::{AccountOutcome, ClientCredentials};
use crate::registration::{Registration, ServicePrincipal};

/// "Azure portal > ... > Enterprise applications > {app} > {blade}".
fn enterprise(reg: Option<&Registration>, blade: &str) -> String {
    format!(
        "Azure portal > Microsoft Entra ID > Enterprise applications > {} > {blade}",
        reg.map_or("your app", Registration::label)
    )
}

fn sp_of<'a>(i: &Inputs<'a>) -> Option<(&'a Registration, &'a ServicePrincipal)> {
    let reg = i.reg?;
    Some((reg, reg.service_principal.as_ref()?))
}

/// `sp.enabled`: enabled for users to sign in, and not disabled by Microsoft.
pub(super) fn enabled(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::SpEnabled;
    // Microsoft disables the application object itself too (DESIGN.md §9.1): then no tenant's
    // service principal lets anyone in, whatever it says.
    // <https://learn.microsoft.com/graph/api/resources/application> (disabledByMicrosoftStatus)
    let app_disabled = i.reg.and_then(|reg| {
        let s = reg.disabled_by_microsoft_status.as_deref()?;
        (!s.eq_ignore_ascii_case("NotDisabled")).then(|| {
            Finding::fail(
                ID,
                "Microsoft disabled the application: nobody can sign in",
                format!("application disabledByMicrosoftStatus = {}", quoted(s)),
                "Microsoft disabled the app (e.g. a services-agreement violation): open a support case from the Azure portal; nothing in the registration fixes it, and a new registration may be disabled too",
            )
        })
    });
    if let Some(f) = app_disabled {
        return combine(ID, i, Some(f), aad::refused(i, ID));
    }
    let stat = sp_of(i).map(|(reg, sp)| {
        let fix = format!(
            "{}: 'Enabled for users to sign in?' = Yes (az ad sp update --id {} --set accountEnabled=true)",
            enterprise(Some(reg), "Properties"),
            sp.object_id.as_deref().unwrap_or("<service principal object id>")
        );
        match (&sp.disabled_by_microsoft_status, sp.account_enabled) {
            (Some(s), _) if s != "NotDisabled" => Finding::fail(
                ID,
                "Microsoft disabled the app: nobody can sign in",
                format!("disabledByMicrosoftStatus = {}", quoted(s)),
                "The app violated Microsoft's services agreement: open a support case; nothing in the app fixes it",
            ),
            (_, Some(false)) => Finding::fail(
                ID,
                "the enterprise app is disabled: nobody can sign in (AADSTS7000112)",
                "accountEnabled = false",
                fix,
            ),
            (_, enabled) => Finding::pass(
                ID,
                "the enterprise app is enabled for users to sign in",
                match enabled {
                    Some(true) => "accountEnabled = true".to_owned(),
                    _ => "accountEnabled is absent (enabled)".to_owned(),
                },
            ),
        }
    });
    // Direct evidence only: a code issued to a user, or a token to the app itself. A sign-in page
    // says nothing: on /common the user's tenant, whose service principal counts, is not known yet.
    let live = aad::refused(i, ID).or_else(|| {
        let ev = i.live?;
        if ev.code_issued {
            Some(Finding::pass(
                ID,
                "the enterprise app is enabled: a code was issued to the user who signed in",
                "no AADSTS7000112 in that user's tenant",
            ))
        } else if let Some(ClientCredentials::Accepted(tenant)) = &ev.client_credentials {
            Some(Finding::pass(
                ID,
                "the enterprise app is enabled: the app got a token in its tenant",
                format!("client credentials at /{tenant}: HTTP 200, no AADSTS7000112"),
            ))
        } else {
            None
        }
    });
    combine(ID, i, stat, live)
}

/// `sp.assignment`: with assignment required, only assigned users and groups sign in.
pub(super) fn assignment(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::SpAssignment;
    let stat = sp_of(i).map(|(reg, sp)| {
        if sp.app_role_assignment_required == Some(true) {
            Finding::warn(
                ID,
                "assignment is required: only users and groups assigned to the enterprise app sign in; the others see AADSTS50105",
                "appRoleAssignmentRequired = true",
                format!(
                    "{}: assign the users (or a group) who sign in through ngrok; or Properties > 'Assignment required?' = No",
                    enterprise(Some(reg), "Users and groups")
                ),
            )
        } else {
            Finding::pass(
                ID,
                "no assignment is required: every user of the tenant may sign in",
                match sp.app_role_assignment_required {
                    Some(false) => "appRoleAssignmentRequired = false".to_owned(),
                    _ => "appRoleAssignmentRequired is absent (false)".to_owned(),
                },
            )
        }
    });
    let live = aad::refused(i, ID).or_else(|| {
        let ev = i.live?;
        // AADSTS50105 for a further account (--accounts) is this check's too.
        if let Some(r) = ev.other_accounts.iter().find_map(|t| match &t.outcome {
            AccountOutcome::Refused(r) if r.code == Some(50105) => Some(r),
            _ => None,
        }) {
            return Some(aad::finding(i, ID, r));
        }
        let signed: Vec<&str> = ev
            .other_accounts
            .iter()
            .filter_map(|t| match &t.outcome {
                AccountOutcome::SignedIn { who, .. } => Some(who.as_str()),
                _ => None,
            })
            .collect();
        if !ev.code_issued {
            return None;
        }
        // One user getting through shows little: administrators are exempt from assignment.
        Some(if signed.is_empty() {
            Finding::skip(
                ID,
                "the one user who signed in got through, which shows little (administrators are exempt from assignment): read the service principal (--app with az ad sp show) or sign in more users (--accounts)",
            )
        } else {
            Finding::pass(
                ID,
                format!("{} users signed in without AADSTS50105", signed.len() + 1),
                format!("further accounts: {}", signed.join(", ")),
            )
        })
    });
    combine(ID, i, stat, live)
}
