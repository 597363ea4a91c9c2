//! `scopes.user-read` and `scopes.admin-consent`: the Microsoft Graph permissions ngrok relies on.
//!
//! ngrok reads the user's profile from Graph, so the app needs delegated `User.Read` or a
//! superset on Microsoft Graph. An application permission (`Role`) or a permission on another
//! resource does not count. Admin-restricted scopes block every user until an administrator
//! consents (AADSTS90094 / AADSTS65001). Live, the token response's `scope` says what was
//! granted; the requested scopes say where a missing one must be added (the ngrok policy's
//! `scopes`, or the app's API permissions).

use super::{CheckId, Finding, Inputs, aad, combine, needs_live, portal};
use crate::entra::{self, AAD_GRAPH_APP_ID, GRAPH_APP_ID};
use crate::registration::{AccessKind, Permission, Registration};

/// The first scope of `scopes` that lets ngrok read `/me` (User.Read or a superset).
fn reads_me<'s>(mut scopes: impl Iterator<Item = &'s str>) -> Option<&'s str> {
    scopes.find(|s| entra::graph_scope_by_name(s).is_some_and(|g| g.reads_me))
}

/// The place to add User.Read to the request: the ngrok policy, or `--scopes`.
pub(super) fn request_fix(i: &Inputs<'_>) -> String {
    if i.scopes_from_policy {
        "Edit the ngrok policy's oauth action: scopes: [openid, profile, email, User.Read] \
         (User.Read is ngrok's documented minimum for Microsoft)"
            .into()
    } else {
        "Request User.Read: --scopes \"openid profile email User.Read\" (and list it in ngrok's oauth action scopes)".into()
    }
}

/// `scopes.user-read`, live: what the token response granted, and where a missing User.Read
/// must be added (the request, the app, or both).
fn user_read_live(i: &Inputs<'_>) -> Option<Finding> {
    const ID: CheckId = CheckId::ScopesUserRead;
    aad::refused(i, ID).or_else(|| {
        let ev = i.live?;
        let access = ev.access.as_ref()?;
        let evidence = match &access.scp {
            Some(scp) => format!(
                "token response scope = {:?}; access token scp = {scp:?}",
                access.granted
            ),
            None => format!("token response scope = {:?}", access.granted),
        };
        if let Some(s) = reads_me(access.granted.split_whitespace()) {
            return Some(Finding::pass(ID, format!("Microsoft Graph {s} was granted"), evidence));
        }
        let requested = ev.asked.as_ref().map(|a| a.scopes.as_slice()).unwrap_or_default();
        let asked = reads_me(requested.iter().map(String::as_str)).is_some();
        let configured = i.reg.is_some_and(|r| !readers(r).is_empty());
        let (title, fix) = if asked {
            (
                "Microsoft Graph User.Read was requested but not granted: ngrok cannot read the user",
                format!("{GRANT}, and grant consent"),
            )
        } else if configured {
            (
                "Microsoft Graph User.Read was not requested, though the app has it: ngrok cannot read the user",
                request_fix(i),
            )
        } else {
            (
                "Microsoft Graph User.Read was neither requested nor granted: ngrok cannot read the user",
                GRANT.to_owned(),
            )
        };
        Some(Finding::fail(
            ID,
            title,
            format!("requested: {}; {evidence}", requested.join(" ")),
            fix,
        ))
    })
}

/// `scopes.user-read`: configured (registration) and granted (token response).
pub(super) fn user_read(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::ScopesUserRead;
    let live = user_read_live(i);
    let f = combine(ID, i, i.reg.map(user_read_static), live);
    // Neither configured nor requested: both places need it, the app first.
    let requested = i
        .live
        .and_then(|ev| ev.asked.as_ref())
        .is_some_and(|a| reads_me(a.scopes.iter().map(String::as_str)).is_some());
    match (&f.fix, i.live) {
        (Some(fix), Some(_))
            if f.status == super::Status::Fail && !requested && fix.contains("API permissions") =>
        {
            let fix = format!("{fix}; then {}", request_fix(i));
            f.with_fix(fix)
        }
        _ => f,
    }
}

const GRANT: &str = "API permissions > Add a permission > Microsoft Graph > Delegated > User.Read";

/// The delegated Graph scopes of `reg` that read `/me`.
fn readers(reg: &Registration) -> Vec<&'static entra::GraphScope> {
    graph_delegated(reg)
        .filter_map(|p| entra::graph_scope_by_id(&p.id))
        .filter(|s| s.reads_me)
        .collect()
}

/// `scopes.admin-consent`: no configured scope needs an administrator; live, the requested
/// scopes were consented (the code was redeemed) or AADSTS65001/90094 stopped the sign-in.
pub(super) fn admin_consent(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::ScopesAdminConsent;
    let live = aad::refused(i, ID).or_else(|| {
        let ev = i.live?;
        ev.redeemed.then(|| {
            let requested = ev
                .asked
                .as_ref()
                .map(|a| a.scopes.join(" "))
                .unwrap_or_default();
            Finding::pass(
                ID,
                "every requested scope was consented",
                format!("requested: {requested}"),
            )
        })
    });
    combine(ID, i, i.reg.map(admin_consent_static), live)
}

/// `scopes.single-resource`: OpenID Connect scopes plus one resource, Microsoft Graph.
pub(super) fn single_resource(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::ScopesSingleResource;
    if let Some(f) = aad::refused(i, ID) {
        return f;
    }
    let Some(asked) = i.live.and_then(|ev| ev.asked.as_ref()) else {
        return Finding::skip(ID, needs_live(i));
    };
    let others: Vec<&str> = asked
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !entra::OIDC_SCOPES.contains(s) && !entra::is_graph_scope(s))
        .collect();
    let evidence = format!("requested scopes: {}", asked.scopes.join(" "));
    if others.is_empty() {
        return Finding::pass(
            ID,
            "the requested scopes name Microsoft Graph and OpenID Connect only",
            evidence,
        );
    }
    let place = if i.scopes_from_policy {
        "the ngrok policy's oauth action scopes"
    } else {
        "--scopes"
    };
    Finding::fail(
        ID,
        format!(
            "scopes of another resource than Microsoft Graph are requested: {}",
            others.join(" ")
        ),
        evidence,
        format!("Request openid profile email User.Read only ({place})"),
    )
}

fn graph_delegated(reg: &Registration) -> impl Iterator<Item = &Permission> {
    reg.permissions
        .iter()
        .filter(|p| p.resource_app_id == GRAPH_APP_ID && p.kind == AccessKind::Scope)
}

fn name_of(id: &str) -> String {
    entra::graph_scope_by_id(id).map_or_else(|| id.to_owned(), |s| s.name.to_owned())
}

/// `scopes.user-read`, statically.
fn user_read_static(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::ScopesUserRead;
    if !reg.known.permissions {
        return super::absent(ID, "requiredResourceAccess");
    }
    let readers = readers(reg);
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

/// `scopes.admin-consent`, statically: which configured delegated scopes need an administrator.
fn admin_consent_static(reg: &Registration) -> Finding {
    const ID: CheckId = CheckId::ScopesAdminConsent;
    if !reg.known.permissions {
        return super::absent(ID, "requiredResourceAccess");
    }
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
            "; not in Microsoft's published table of Graph delegated permissions ({}), so whether they need admin consent is unknown: {}",
            entra::GRAPH_TABLE_SOURCE,
            unknown.join(", ")
        )
    };
    if admin.is_empty() {
        if let Some(f) = unverified_publisher(reg, &unknown_note) {
            return f;
        }
        // Unknown is not fine (DESIGN.md §9.1): a scope we cannot look up is never a pass.
        if !unknown.is_empty() {
            return Finding::warn(
                ID,
                format!(
                    "{} delegated Microsoft Graph permission(s) we do not know: they may need admin consent",
                    unknown.len()
                ),
                format!(
                    "delegated Graph scopes: {}{unknown_note}",
                    delegated_names(reg)
                ),
                format!(
                    "{}: look up {} in the 'Admin consent required' column; remove it if ngrok does not need it (User.Read is enough)",
                    portal(reg, "API permissions"),
                    unknown.join(", ")
                ),
            );
        }
        return Finding::pass(
            ID,
            "no configured Microsoft Graph scope needs admin consent",
            format!("delegated Graph scopes: {}", delegated_names(reg)),
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

/// Sign-in and profile scopes (User.Read and OpenID Connect's): what any user may consent to,
/// whoever published the app.
fn basic(name: &str) -> bool {
    name == "User.Read" || entra::OIDC_SCOPES.contains(&name)
}

/// Microsoft's risk-based step-up consent: users may be unable to consent to a multitenant app
/// whose publisher is not verified when it asks for more than sign-in and profile.
/// <https://learn.microsoft.com/entra/identity-platform/publisher-verification-overview>
fn unverified_publisher(reg: &Registration, unknown_note: &str) -> Option<Finding> {
    if reg.publisher_verified || !reg.audience.is_multitenant() {
        return None;
    }
    let beyond: Vec<String> = graph_delegated(reg)
        .map(|p| name_of(&p.id))
        .filter(|n| !basic(n))
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
    use crate::checks::{CheckId, Inputs, LintOptions, Status, judge_one};

    fn admin_consent(json: &str) -> crate::checks::Finding {
        let reg = &crate::registration::parse_bytes(json.as_bytes()).unwrap()[0];
        let opts = LintOptions {
            now: chrono::Utc::now(),
            secret_min_days: 30,
        };
        judge_one(CheckId::ScopesAdminConsent, &Inputs::lint(reg, opts))
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
