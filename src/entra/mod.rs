//! What we know of the Microsoft identity platform: well-known ids and Graph permissions.
//!
//! Each fact is from Microsoft's public documentation (see `../shared/ENTRA.md` for the sources).

pub mod aadsts;

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

const fn scope(name: &'static str, id: &'static str, admin: bool, reads_me: bool) -> GraphScope {
    GraphScope {
        name,
        id,
        admin_consent: admin,
        reads_me,
    }
}

/// Delegated Graph permissions, from Graph's own service principal (`oauth2PermissionScopes`) and
/// the permissions reference <https://learn.microsoft.com/graph/permissions-reference>.
pub const GRAPH_SCOPES: &[GraphScope] = &[
    scope(
        "User.Read",
        "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
        false,
        true,
    ),
    scope(
        "User.ReadWrite",
        "b4e74841-8e56-480b-be8b-910348b18b4c",
        false,
        true,
    ),
    scope(
        "User.ReadBasic.All",
        "b340eb25-3456-403f-be2f-af7a0d370277",
        false,
        true,
    ),
    scope(
        "User.Read.All",
        "a154be20-db9c-4678-8ab7-66f6cc099a59",
        true,
        true,
    ),
    scope(
        "User.ReadWrite.All",
        "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4",
        true,
        true,
    ),
    scope(
        "Directory.Read.All",
        "06da0dbc-49e2-44d2-8312-53f166ab848a",
        true,
        true,
    ),
    scope(
        "Directory.ReadWrite.All",
        "c5366453-9fb0-48a5-a156-24f0c49a4b84",
        true,
        true,
    ),
    scope(
        "Directory.AccessAsUser.All",
        "0e263e50-5827-48a4-b97c-d940288653c7",
        true,
        true,
    ),
    scope(
        "GroupMember.Read.All",
        "bc024368-1153-4739-b217-4326f2e966d0",
        true,
        false,
    ),
    scope(
        "Group.Read.All",
        "5f8c59db-677d-491f-a6b8-5f174b11ec1d",
        true,
        false,
    ),
    scope(
        "Group.ReadWrite.All",
        "4e46008b-f24c-477d-8fff-7bb4ec7aafe0",
        true,
        false,
    ),
    scope(
        "Application.Read.All",
        "c79f8feb-a9db-4090-85f9-90d820caa0eb",
        true,
        false,
    ),
    scope(
        "Mail.Read",
        "570282fd-fa5c-430d-a7fd-fc8dc98a9dca",
        false,
        false,
    ),
    scope(
        "Mail.Send",
        "e383f46e-2787-4529-855e-0e479a3ffac0",
        false,
        false,
    ),
    scope(
        "openid",
        "37f7f235-527c-4136-accd-4a02d197296e",
        false,
        false,
    ),
    scope(
        "profile",
        "14dad69e-099b-42c9-810b-d002981feec1",
        false,
        false,
    ),
    scope(
        "email",
        "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
        false,
        false,
    ),
    scope(
        "offline_access",
        "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
        false,
        false,
    ),
];

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
    GRAPH_SCOPES.iter().find(|s| s.id == id)
}

/// The delegated Graph permission with this name (case-insensitive, as Entra compares scopes).
pub fn graph_scope_by_name(name: &str) -> Option<&'static GraphScope> {
    let name = name
        .strip_prefix("https://graph.microsoft.com/")
        .unwrap_or(name);
    GRAPH_SCOPES
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
    use crate::registration::is_guid;

    #[test]
    fn table_ids_are_lowercase_guids_and_unique() {
        let mut ids: Vec<&str> = GRAPH_SCOPES.iter().map(|s| s.id).collect();
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
            GRAPH_SCOPES[0].id
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
