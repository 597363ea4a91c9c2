//! `sp.enabled` and `sp.assignment`: the service principal (enterprise app) of the app in a
//! tenant. Disabled (`accountEnabled: false`), nobody signs in: AADSTS7000112, on Entra's own
//! error page before sign-in. Assignment required (`appRoleAssignmentRequired: true`), only the
//! users and groups assigned to the app get in; the others see AADSTS50105.
//! <https://learn.microsoft.com/graph/api/resources/serviceprincipal> (`../shared/NGROK.md` §5).

use super::{CheckId, Finding, Inputs, aad, combine, quoted};
use crate::entra::aadsts;
use crate::flow::evidence::{Authorize, ClientCredentials};
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
    let live = aad::refused(i, ID).or_else(|| {
        let ev = i.live?;
        // Entra refuses a disabled app at its client check, before the sign-in page.
        let past = ev.code_issued
            || matches!(ev.client_credentials, Some(ClientCredentials::Accepted(_)))
            || match ev.authorize.as_ref()? {
                Authorize::Back | Authorize::SignIn => true,
                Authorize::Page { code, .. } => {
                    !(aadsts::TENANT_CODES.contains(code) || aadsts::CLIENT_CODES.contains(code))
                }
            };
        past.then(|| {
            Finding::pass(
                ID,
                "the enterprise app is enabled: the identity platform went past its check",
                "no AADSTS7000112 at the authorize endpoint",
            )
        })
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
        ev.code_issued.then(|| {
            Finding::pass(
                ID,
                "the user who signed in got through (assigned, or no assignment required)",
                "a code was issued: no AADSTS50105",
            )
        })
    });
    combine(ID, i, stat, live)
}
