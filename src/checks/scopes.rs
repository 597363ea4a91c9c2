//! `scopes.user-read` and `scopes.admin-consent`: the Microsoft Graph permissions ngrok relies on.
//!
//! ngrok reads the user's profile from Graph, so the app needs delegated `User.Read` or a
//! superset on Microsoft Graph. An application permission (`Role`) or a permission on another
//! resource does not count. Admin-restricted scopes block every user until an administrator
//! consents (AADSTS90094 / AADSTS65001).

use super::{CheckId, Finding, portal};
use crate::entra::{self, AAD_GRAPH_APP_ID, GRAPH_APP_ID};
use crate::registration::{AccessKind, Permission, Registration};

fn graph_delegated(reg: &Registration) -> impl Iterator<Item = &Permission> {
    reg.permissions
        .iter()
        .filter(|p| p.resource_app_id == GRAPH_APP_ID && p.kind == AccessKind::Scope)
}

fn name_of(id: &str) -> String {
    entra::graph_scope_by_id(id).map_or_else(|| id.to_owned(), |s| s.name.to_owned())
}

/// `scopes.user-read`.
pub(super) fn user_read(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::ScopesUserRead;
    let readers: Vec<&entra::GraphScope> = graph_delegated(reg)
        .filter_map(|p| entra::graph_scope_by_id(&p.id))
        .filter(|s| s.reads_me)
        .collect();
    let fix = format!(
        "{}: Add a permission > Microsoft Graph > Delegated permissions > User.Read. Manifest: \
         requiredResourceAccess entry {{\"resourceAppId\": \"{GRAPH_APP_ID}\", \
         \"resourceAccess\": [{{\"id\": \"e1fe6dd8-ba31-4d61-89e7-88639da4683d\", \"type\": \
         \"Scope\"}}]}}",
        portal(reg, "API permissions")
    );
    if let Some(first) = readers.first() {
        let names: Vec<&str> = readers.iter().map(|s| s.name).collect();
        let evidence = format!(
            "requiredResourceAccess: Microsoft Graph ({GRAPH_APP_ID}) delegated {}",
            names.join(", ")
        );
        // Personal accounts can use only User.Read and User.ReadWrite on /me.
        // <https://learn.microsoft.com/graph/api/user-get#permissions>
        let personal_ok = readers
            .iter()
            .any(|s| s.name.starts_with("User.Read") && !s.name.ends_with(".All"));
        if reg.audience.allows_personal() && !personal_ok {
            return Finding::warn(
                ID,
                format!(
                    "{} reads /me for work accounts only, not personal accounts",
                    first.name
                ),
                evidence,
                fix,
            );
        }
        let title = if readers.iter().any(|s| s.name == "User.Read") {
            "Microsoft Graph User.Read is configured".to_owned()
        } else {
            format!(
                "Microsoft Graph {} (a superset of User.Read) is configured",
                first.name
            )
        };
        return Finding::pass(ID, title, evidence);
    }
    let seen: Vec<String> = reg.permissions.iter().map(describe).collect();
    let evidence = if seen.is_empty() {
        "requiredResourceAccess is empty".to_owned()
    } else {
        format!("requiredResourceAccess has only: {}", seen.join("; "))
    };
    Finding::fail(
        ID,
        "Microsoft Graph User.Read (delegated) is not configured: ngrok cannot read the user",
        evidence,
        fix,
    )
}

/// A permission that is not what ngrok needs, said plainly.
fn describe(p: &Permission) -> String {
    match (p.resource_app_id.as_str(), p.kind) {
        (GRAPH_APP_ID, AccessKind::Role) => format!(
            "Microsoft Graph application permission {} (a Role: app-only, not on behalf of the user)",
            entra::graph_role_name(&p.id).unwrap_or(&p.id)
        ),
        (GRAPH_APP_ID, _) => format!("Microsoft Graph delegated {}", name_of(&p.id)),
        (AAD_GRAPH_APP_ID, _) => format!(
            "Azure AD Graph ({AAD_GRAPH_APP_ID}, retired) permission {}",
            p.id
        ),
        (other, _) => format!("a permission on resource {other}, not Microsoft Graph"),
    }
}

/// `scopes.admin-consent`: statically, which configured delegated scopes need an administrator.
pub(super) fn admin_consent(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::ScopesAdminConsent;
    let mut admin = Vec::new();
    let mut unknown = Vec::new();
    for p in graph_delegated(reg) {
        match entra::graph_scope_by_id(&p.id) {
            Some(s) if s.admin_consent => admin.push(s.name),
            Some(_) => {}
            None => unknown.push(p.id.as_str()),
        }
    }
    let unknown_note = if unknown.is_empty() {
        String::new()
    } else {
        format!(
            "; not in our table, check their 'Admin consent required' column in the portal: {}",
            unknown.join(", ")
        )
    };
    if admin.is_empty() {
        if let Some(f) = unverified_publisher(reg, &unknown_note) {
            return f;
        }
        return Finding::pass(
            ID,
            "no configured Microsoft Graph scope needs admin consent",
            format!(
                "delegated Graph scopes: {}{unknown_note}",
                delegated_names(reg)
            ),
        );
    }
    Finding::warn(
        ID,
        format!(
            "{} need{} admin consent: users are blocked (AADSTS90094) until an administrator of \
             each tenant consents",
            admin.join(", "),
            if admin.len() == 1 { "s" } else { "" }
        ),
        format!(
            "requiredResourceAccess: Microsoft Graph delegated {} (Admin consent required: Yes){unknown_note}",
            admin.join(", ")
        ),
        format!(
            "{}: remove {} if ngrok does not need it (User.Read is enough), or have an \
             administrator of every signing-in tenant click 'Grant admin consent'",
            portal(reg, "API permissions"),
            admin.join(", ")
        ),
    )
}

/// Sign-in and profile scopes: what any user may consent to, whoever published the app.
const BASIC: [&str; 5] = ["User.Read", "openid", "profile", "email", "offline_access"];

/// Microsoft's risk-based step-up consent: users may be unable to consent to a multitenant app
/// whose publisher is not verified when it asks for more than sign-in and profile.
/// <https://learn.microsoft.com/entra/identity-platform/publisher-verification-overview>
fn unverified_publisher(reg: &Registration, unknown_note: &str) -> Option<Finding> {
    if reg.publisher_verified || !reg.audience.is_multitenant() {
        return None;
    }
    let beyond: Vec<String> = graph_delegated(reg)
        .map(|p| name_of(&p.id))
        .filter(|n| !BASIC.contains(&n.as_str()))
        .collect();
    if beyond.is_empty() {
        return None;
    }
    Some(Finding::warn(
        CheckId::ScopesAdminConsent,
        format!(
            "{} go beyond sign-in and profile, and the publisher is not verified: users of other \
             tenants may be unable to consent",
            beyond.join(", ")
        ),
        format!(
            "verifiedPublisher.verifiedPublisherId is empty; delegated Graph scopes: {}{unknown_note}",
            delegated_names(reg)
        ),
        format!(
            "{}: keep only User.Read (ngrok needs nothing more), or verify the publisher \
             (Branding & properties > Publisher verification)",
            portal(reg, "API permissions")
        ),
    ))
}

fn delegated_names(reg: &Registration) -> String {
    let names: Vec<String> = graph_delegated(reg).map(|p| name_of(&p.id)).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::{LintOptions, Status, lint};

    fn admin_consent(json: &str) -> crate::checks::Finding {
        let reg = &crate::registration::parse_bytes(json.as_bytes()).unwrap()[0];
        let opts = LintOptions {
            now: chrono::Utc::now(),
            secret_min_days: 30,
        };
        lint(reg, &opts)
            .into_iter()
            .find(|f| f.id.as_str() == "scopes.admin-consent")
            .unwrap()
    }

    const MAIL_READ: &str = r#""requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[
        {"id":"e1fe6dd8-ba31-4d61-89e7-88639da4683d","type":"Scope"},{"id":"570282fd-fa5c-430d-a7fd-fc8dc98a9dca","type":"Scope"}]}]"#;

    #[test]
    fn unverified_publishers_asking_beyond_profile_are_warned() {
        let unverified = admin_consent(&format!(
            r#"{{"appId":"a","signInAudience":"AzureADMultipleOrgs",{MAIL_READ}}}"#
        ));
        assert_eq!(unverified.status, Status::Warn);
        assert!(
            unverified.title.starts_with("Mail.Read go beyond sign-in"),
            "{}",
            unverified.title
        );
        let verified = admin_consent(&format!(
            r#"{{"appId":"a","signInAudience":"AzureADMultipleOrgs","verifiedPublisher":{{"verifiedPublisherId":"1234"}},{MAIL_READ}}}"#
        ));
        assert_eq!(verified.status, Status::Pass);
        let single = admin_consent(&format!(
            r#"{{"appId":"a","signInAudience":"AzureADMyOrg",{MAIL_READ}}}"#
        ));
        assert_eq!(single.status, Status::Pass);
    }
}
