//! What we know of the Microsoft identity platform: well-known ids and Graph permissions, and
//! its protocol values as types (client ids, tenants, secrets), so every layer that handles one
//! compares and shows it the same way. A leaf: it imports nothing of ours.
//!
//! Each fact is from Microsoft's public documentation (see `../shared/ENTRA.md` for the sources).

pub mod aadsts;
mod ids;
mod secret;

pub use ids::{ClientId, Guid, NotAGuid, NotATenant, Tenant, is_guid};
pub use secret::SecretValue;

/// Microsoft Graph's appId: the `resourceAppId` of Graph permissions.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The retired Azure AD Graph's appId; its `User.Read` does not give a Graph `/me`.
pub const AAD_GRAPH_APP_ID: &str = "00000002-0000-0000-c000-000000000000";

/// The tenant of personal Microsoft accounts (`consumers`).
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The only callback ngrok's OAuth uses; it must be a **Web** redirect URI.
/// <https://ngrok.com/docs/integrations/oauth/microsoft-oauth>
pub const NGROK_CALLBACK: &str = "https://idp.ngrok.com/oauth2/callback";

/// The hosts of Entra's loopback exception: `http` is allowed and the port is ignored when
/// matching redirect URIs. IPv6 `[::1]` is not supported there.
/// <https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions>
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1"
}

/// The OpenID Connect scopes Entra accepts beside one resource's scopes; they are granted on
/// Microsoft Graph's token. <https://learn.microsoft.com/entra/identity-platform/scopes-oidc>
/// In the order Entra lists them in a token response.
pub const OIDC_SCOPES: [&str; 4] = ["profile", "openid", "email", "offline_access"];

/// Microsoft Graph's base URL in the global cloud.
pub const GRAPH_URL: &str = "https://graph.microsoft.com";

/// Microsoft Graph as a token audience: its appId, or its URL in the global and national clouds
/// (ENTRA.md §2.4: both forms are seen; a trailing slash too).
pub fn is_graph_audience(aud: &str) -> bool {
    matches!(
        aud.trim_end_matches('/'),
        GRAPH_APP_ID
            | GRAPH_URL
            | "https://graph.microsoft.us"
            | "https://dod-graph.microsoft.us"
            | "https://microsoftgraph.chinacloudapi.cn"
    )
}

/// A scope of Microsoft Graph: a short name (`User.Read`), or a URI under Graph's URL. Any other
/// URI (`api://x/read`) names another resource.
pub fn is_graph_scope(scope: &str) -> bool {
    scope.starts_with("https://graph.microsoft.com/")
        || !(scope.contains('/') || scope.contains(':'))
}

/// A Graph error answer: `{"error": {"code": "...", "message": "..."}}`.
/// <https://learn.microsoft.com/graph/errors>
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct GraphError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

impl GraphError {
    /// The error of a Graph answer's body, when it has one.
    pub fn parse(json: &[u8]) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            error: GraphError,
        }
        serde_json::from_slice::<Envelope>(json)
            .ok()
            .map(|e| e.error)
    }
}

/// A delegated Microsoft Graph permission we know by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphScope {
    pub name: &'static str,
    /// The delegated (`Scope`) permission id.
    pub id: &'static str,
    /// Users cannot consent for themselves (AADSTS90094 / 65001 until an admin does).
    pub admin_consent: bool,
    /// Lets ngrok read the signed-in user's profile from Graph `/me`, as User.Read does.
    /// Graph "Get user" lists these as User.Read or more privileged:
    /// <https://learn.microsoft.com/graph/api/user-get#permissions>
    pub reads_me: bool,
}

/// Microsoft's published table of Graph delegated permissions, one `id<TAB>value<TAB>yes|no`
/// line each (`yes`: admin consent required), with its source and date in its `#` lines.
const GRAPH_DELEGATED_TSV: &str = include_str!("graph_delegated.tsv");

/// Where [`graph_scopes`] comes from, for evidence that names a scope missing from it.
pub const GRAPH_TABLE_SOURCE: &str = "https://learn.microsoft.com/graph/permissions-reference";

/// The delegated permissions that read the signed-in user's profile from `/me`, as User.Read
/// does: Graph "Get user" lists these as User.Read or more privileged.
/// <https://learn.microsoft.com/graph/api/user-get#permissions>
const READS_ME: [&str; 8] = [
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
];

/// Every delegated Graph permission Microsoft publishes (id, value, admin consent required),
/// parsed once from the shipped table.
pub fn graph_scopes() -> &'static [GraphScope] {
    static TABLE: std::sync::LazyLock<Vec<GraphScope>> = std::sync::LazyLock::new(|| {
        GRAPH_DELEGATED_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let (id, name, admin) = (cols.next()?, cols.next()?, cols.next()?);
                Some(GraphScope {
                    name,
                    id,
                    admin_consent: admin.trim() != "no",
                    reads_me: READS_ME.contains(&name),
                })
            })
            .collect()
    });
    &TABLE
}

/// Application (`Role`) permission ids of Graph that people confuse with the delegated ones.
pub const GRAPH_ROLES: &[(&str, &str)] = &[
    (
        "Application.Read.All",
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
    ),
    (
        "Application.ReadWrite.All",
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
    ),
    ("User.Read.All", "df021288-bdef-4463-88db-98f22de89214"),
    ("User.ReadBasic.All", "97235f07-e226-4f63-ace3-39588e11d3a1"),
    ("Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"),
    (
        "GroupMember.Read.All",
        "98830695-27a2-44f7-8c18-0c3ebc9698f6",
    ),
    ("Mail.Read", "810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
];

/// The delegated Graph permission with this id (lowercase).
pub fn graph_scope_by_id(id: &str) -> Option<&'static GraphScope> {
    graph_scopes().iter().find(|s| s.id == id)
}

/// The delegated Graph permission with this name (case-insensitive, as Entra compares scopes).
pub fn graph_scope_by_name(name: &str) -> Option<&'static GraphScope> {
    let name = name
        .strip_prefix("https://graph.microsoft.com/")
        .unwrap_or(name);
    graph_scopes()
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
}

/// The name of a Graph application permission with this id (lowercase).
pub fn graph_role_name(id: &str) -> Option<&'static str> {
    GRAPH_ROLES.iter().find(|(_, i)| *i == id).map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_ids_are_lowercase_guids_and_unique() {
        let mut ids: Vec<&str> = graph_scopes().iter().map(|s| s.id).collect();
        // Microsoft's table: hundreds of permissions, and every one that reads /me.
        assert!(ids.len() > 300, "{}", ids.len());
        for name in READS_ME {
            assert!(graph_scope_by_name(name).is_some(), "{name}");
        }
        assert!(
            GRAPH_DELEGATED_TSV
                .lines()
                .any(|l| l.starts_with("# ") && l.contains("permissions-reference"))
        );
        ids.extend(GRAPH_ROLES.iter().map(|(_, id)| *id));
        for id in &ids {
            assert!(is_guid(id) && id.to_ascii_lowercase() == *id, "{id}");
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn lookups() {
        assert_eq!(
            graph_scope_by_name("user.read").unwrap().id,
            "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
        );
        assert_eq!(
            graph_scope_by_name("https://graph.microsoft.com/User.Read.All")
                .unwrap()
                .name,
            "User.Read.All"
        );
        assert!(
            graph_scope_by_id("a154be20-db9c-4678-8ab7-66f6cc099a59")
                .unwrap()
                .admin_consent
        );
        assert_eq!(
            graph_role_name("df021288-bdef-4463-88db-98f22de89214"),
            Some("User.Read.All")
        );
    }
}
