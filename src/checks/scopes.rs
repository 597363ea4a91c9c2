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

fn delegated_names(reg: &Registration) -> String {
    let names: Vec<String> = graph_delegated(reg).map(|p| name_of(&p.id)).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}
