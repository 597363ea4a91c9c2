//! `tenancy.multitenant` and `tenancy.token-version`: who may sign in.
//!
//! ngrok signs users in through a multitenant authority, so a single-tenant app fails with
//! AADSTS50194 ("not configured as a multi-tenant application").
//! <https://ngrok.com/docs/integrations/oauth/microsoft-oauth>

use super::{CheckId, Finding, portal, quoted};
use crate::registration::{Audience, Registration, Shape};

/// `tenancy.multitenant`: `signInAudience` lets any organisation's users in.
pub(super) fn multitenant(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::TenancyMultitenant;
    let field = reg.shape.audience_field();
    let evidence = match (reg.shape, &reg.audience) {
        (Shape::LegacyManifest, Audience::MultipleOrgs) => format!("{field} = true"),
        (Shape::LegacyManifest, Audience::MyOrg) => format!("{field} = false"),
        (_, Audience::Missing) => format!("{field} is absent"),
        (_, a) => format!("{field} = {}", quoted(a.as_str())),
    };
    if reg.audience.is_multitenant() {
        return Finding::pass(ID, "the app is multitenant", evidence);
    }
    let title = match &reg.audience {
        Audience::MyOrg => "the app is single-tenant: ngrok's sign-in fails with AADSTS50194",
        Audience::PersonalOnly => {
            "the app accepts personal Microsoft accounts only: work and school users cannot sign in"
        }
        Audience::Missing => "the app's supported account types are not stated",
        _ => "the app's supported account types are not a value Microsoft defines",
    };
    let fix = match reg.audience {
        // The portal cannot switch a personal-only app; the manifest can.
        Audience::PersonalOnly => format!(
            "{}: set \"signInAudience\": \"AzureADandPersonalMicrosoftAccount\" (with {} = 2) \
             and save",
            portal(reg, "Manifest"),
            reg.shape.token_version_field()
        ),
        _ => format!(
            "{}: Supported account types > 'Accounts in any organizational directory (Any \
             Microsoft Entra ID tenant - Multitenant)'. Manifest: \"signInAudience\": \
             \"AzureADMultipleOrgs\"",
            portal(reg, "Authentication")
        ),
    };
    Finding::fail(ID, title, evidence, fix)
}

/// `tenancy.token-version`: an app that allows personal accounts must request v2 access tokens,
/// or Entra refuses to save it and sign-ins break.
/// <https://learn.microsoft.com/entra/identity-platform/reference-microsoft-graph-app-manifest>
pub(super) fn token_version(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::TenancyTokenVersion;
    let field = reg.shape.token_version_field();
    let value = reg
        .requested_access_token_version
        .map_or_else(|| "null".to_owned(), |v| v.to_string());
    let evidence = format!(
        "{field} = {value}, signInAudience = {}",
        quoted(reg.audience.as_str())
    );
    if !reg.audience.allows_personal() {
        return Finding::pass(
            ID,
            "personal accounts are not enabled, so any access-token version works",
            evidence,
        );
    }
    if reg.requested_access_token_version == Some(2) {
        return Finding::pass(ID, "the app requests v2 access tokens", evidence);
    }
    Finding::fail(
        ID,
        "the app allows personal accounts but does not request v2 access tokens",
        evidence,
        format!("{}: set {field} to 2 and save", portal(reg, "Manifest")),
    )
}
