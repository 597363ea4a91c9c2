//! `app.exists` and `implicit.disabled`: the app's identity and its Authentication switches.

use super::{
    CheckId, Finding, Inputs, aad, combine, combine_with, needs_registration, portal, quoted,
};
use crate::entra::aadsts;
use crate::entra::is_guid;
use crate::flow::evidence::Authorize;
use crate::registration::Registration;

/// `app.exists`: the registration carries an Application (client) ID in GUID form, and the
/// authority knows it (no AADSTS700016 before sign-in).
pub(super) fn exists(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::AppExists;
    let live = aad::refused(i, ID).or_else(|| {
        let ev = i.live?;
        let known = match ev.authorize.as_ref()? {
            Authorize::Back | Authorize::SignIn => true,
            // A disabled app (AADSTS7000112) is one the authority knows.
            Authorize::Page { code, .. } => {
                !(aadsts::TENANT_CODES.contains(code)
                    || (aadsts::CLIENT_CODES.contains(code) && *code != 7000112))
            }
        };
        let client_id = ev.asked.as_ref().map_or("", |a| a.client_id.as_str());
        known.then(|| {
            Finding::pass(
                ID,
                "the identity platform knows the client id",
                format!("client_id {client_id} got past the authorize endpoint's client check (no AADSTS700016)"),
            )
        })
    });
    combine(ID, i, i.reg.map(exists_static), live)
}

/// `app.exists`, statically.
fn exists_static(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::AppExists;
    let fix = || {
        format!(
            "{}: copy 'Application (client) ID' (not 'Object ID'); export the app with \
             `az ad app show --id <client id>`",
            portal(reg, "Overview")
        )
    };
    match reg.app_id.as_deref() {
        Some(id) if is_guid(id) => Finding::pass(
            ID,
            "the registration has a client id",
            format!("appId = {} ({})", quoted(id), reg.label()),
        ),
        // A Teams Toolkit `aad.manifest.json` holds `${{AAD_APP_CLIENT_ID}}` until provisioned.
        Some(id) if id.contains("${{") || id.contains("{{") => Finding::skip(
            ID,
            format!(
                "appId = {} is a template placeholder (Teams Toolkit's aad.manifest.json): lint the provisioned app, az ad app show --id <client id>",
                quoted(id)
            ),
        ),
        Some(id) => Finding::fail(
            ID,
            "the client id is not a GUID",
            format!(
                "appId = {}: Entra client ids look like 8-4-4-4-12 hex digits",
                quoted(id)
            ),
            fix(),
        ),
        None => Finding::fail(
            ID,
            "the registration has no client id",
            match reg.object_id.as_deref() {
                // The Object ID is the id people copy by mistake; it is not the client id.
                Some(object) => format!(
                    "appId is absent; {} is the Object ID, which ngrok cannot use",
                    quoted(object)
                ),
                None => "appId is absent: this is not a complete application object".to_owned(),
            },
            fix(),
        ),
    }
}

/// `implicit.disabled`: ngrok redeems a code server-side; tokens in the URL are not needed and
/// widen the attack surface.
/// <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-implicit-grant-flow>
pub(super) fn implicit_disabled(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::ImplicitDisabled;
    // A refusal this check owns (AADSTS700054) is judged live, beside the registration.
    combine_with(ID, i.reg.map(implicit_static), aad::refused(i, ID), || {
        needs_registration(i)
    })
}

fn implicit_static(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::ImplicitDisabled;
    let (id_field, access_field) = reg.shape.implicit_fields();
    let on: Vec<String> = [
        (reg.implicit.id_tokens, id_field),
        (reg.implicit.access_tokens, access_field),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, field)| format!("{field} = true"))
    .collect();
    if on.is_empty() && !reg.known.implicit {
        return super::absent(ID, id_field.rsplit_once('.').map_or(id_field, |(f, _)| f));
    }
    if on.is_empty() {
        return Finding::pass(
            ID,
            "implicit grant is off",
            format!("{id_field} and {access_field} are false or absent"),
        );
    }
    Finding::warn(
        ID,
        "implicit grant is on, and ngrok does not need it",
        on.join(", "),
        format!(
            "{}: under 'Implicit grant and hybrid flows' untick 'Access tokens' and 'ID tokens'. \
             Manifest: set {id_field} and {access_field} to false",
            portal(reg, "Authentication")
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_app_id_names_the_object_id_people_copy_instead() {
        let reg = &crate::registration::parse_bytes(br#"{"id":"0b1ec700-0000-4000-8000-000000000001","signInAudience":"AzureADMultipleOrgs"}"#).unwrap()[0];
        let f = super::exists_static(reg);
        assert!(
            f.evidence
                .contains("\"0b1ec700-0000-4000-8000-000000000001\" is the Object ID"),
            "{}",
            f.evidence
        );
    }
}
