//! Entra's ids and tenants as types, parsed once from text (STYLE.md §5; oauth2-rs keeps its
//! protocol values in `types.rs` the same way).
//!
//! Entra compares ids without case: `E1FE6DD8-…` and `e1fe6dd8-…` are the same app or tenant.
//! A comparison of raw strings that forgets it is a false verdict (an upper-case
//! `appOwnerOrganizationId` once made the home tenant look foreign). Here a [`Guid`] is held in
//! lower case, so `==` on it, on a [`ClientId`] and on a [`Tenant`] is Entra's comparison by
//! construction; [`ClientId::is`] compares a client id with raw text. (Raw appIds read from
//! files are joined to their service principals without case in `registration`, as text: an
//! export's placeholder ids must join too.)
//!
//! Raw inputs that may be wrong (a registration's `appId`, a policy's `client_id`) stay text
//! where they are read: a malformed one is a finding with a report, never a parse error.

use super::CONSUMERS_TENANT_ID;
use std::fmt;
use std::str::FromStr;

/// Text that is not a GUID. It does not carry the text: a would-be client id may be a secret
/// pasted into the wrong field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a GUID (8-4-4-4-12 hexadecimal digits)")]
pub struct NotAGuid;

/// Text that names no tenant (see [`Tenant::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a tenant: common, organizations, consumers, a tenant GUID or a domain")]
pub struct NotATenant;

/// True when `s` is a GUID in the 8-4-4-4-12 hex form Entra uses for ids, in any case.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A GUID as Entra writes its ids (apps, tenants, objects, keys): 8-4-4-4-12 hexadecimal digits,
/// held in lower case, so two `Guid`s are equal exactly when Entra takes them for the same id.
/// Serialized as its lower-case text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Guid(String);

impl Guid {
    /// `text` as a GUID, in any case; no blanks around it.
    pub fn parse(text: &str) -> Result<Self, NotAGuid> {
        if is_guid(text) {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(NotAGuid)
        }
    }

    /// The lower-case text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `text` is this GUID, in any case (a text that is not a GUID is not).
    pub fn is(&self, text: &str) -> bool {
        Self::parse(text).is_ok_and(|g| g == *self)
    }

    /// The id of the tenant of personal Microsoft accounts.
    pub fn is_consumers_tenant(&self) -> bool {
        self.0 == CONSUMERS_TENANT_ID
    }
}

impl FromStr for Guid {
    type Err = NotAGuid;
    fn from_str(s: &str) -> Result<Self, NotAGuid> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Guid {
    type Error = NotAGuid;
    fn try_from(s: String) -> Result<Self, NotAGuid> {
        Self::parse(&s)
    }
}

impl From<Guid> for String {
    fn from(g: Guid) -> Self {
        g.0
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({})", self.0)
    }
}

/// The Application (client) ID of an app registration: the `client_id` of every request, a
/// GUID (the portal's Overview shows it). OAuth 2.0 allows any string (RFC 6749 §2.2); Entra
/// issues GUIDs and matches them without case.
/// <https://learn.microsoft.com/entra/identity-platform/v2-protocols#app-registration>
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ClientId(Guid);

impl ClientId {
    /// `text` as a client id: a GUID in any case, no blanks around it.
    pub fn parse(text: &str) -> Result<Self, NotAGuid> {
        Guid::parse(text).map(Self)
    }

    /// The lower-case GUID, as sent in `client_id`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The GUID.
    pub fn guid(&self) -> &Guid {
        &self.0
    }

    /// `text` (a registration's `appId`, a policy's `client_id`, a request's `client_id`) names
    /// this app: the same GUID in any case. Text that is not a GUID names no app.
    pub fn is(&self, text: &str) -> bool {
        self.0.is(text)
    }
}

impl FromStr for ClientId {
    type Err = NotAGuid;
    fn from_str(s: &str) -> Result<Self, NotAGuid> {
        Self::parse(s)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({})", self.as_str())
    }
}

/// The tenant segment of an authority URL, `https://login.microsoftonline.com/{tenant}/…`.
/// <https://learn.microsoft.com/entra/identity-platform/msal-client-application-configuration#authority>
///
/// Equality is the segment's: `Consumers` and `Id` of the consumers tenant's GUID reach the same
/// accounts but are different URLs (see [`Tenant::is_consumers`]). Serialized as the segment.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Tenant {
    /// `common`: work, school and personal accounts; the authority ngrok signs in through.
    Common,
    /// `organizations`: work and school accounts of any tenant.
    Organizations,
    /// `consumers`: personal Microsoft accounts only.
    Consumers,
    /// One tenant by its id (the consumers tenant's GUID is one too).
    Id(Guid),
    /// One tenant by a verified domain (`contoso.onmicrosoft.com`), lower case.
    Domain(String),
}

impl Tenant {
    /// A tenant segment, in any case: `common`, `organizations`, `consumers`, a GUID, or a
    /// domain (a dot inside, letters, digits, `.` and `-` only, at most 253 bytes). A bare
    /// name (`contoso`) is not a tenant, as on the real platform (AADSTS90002).
    pub fn parse(text: &str) -> Result<Self, NotATenant> {
        let lower = text.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "common" => Self::Common,
            "organizations" => Self::Organizations,
            "consumers" => Self::Consumers,
            s => match Guid::parse(s) {
                Ok(g) => Self::Id(g),
                Err(_) if is_domain(s) => Self::Domain(lower),
                Err(_) => return Err(NotATenant),
            },
        })
    }

    /// The path segment, canonical (lower case).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Common => "common",
            Self::Organizations => "organizations",
            Self::Consumers => "consumers",
            Self::Id(g) => g.as_str(),
            Self::Domain(d) => d,
        }
    }

    /// `common` or `organizations`: tenant-independent authorities, whose discovery document
    /// publishes the templated issuer `…/{tenantid}/v2.0`, and the ones ngrok signs in through.
    /// <https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri>
    pub fn is_multi_tenant(&self) -> bool {
        matches!(self, Self::Common | Self::Organizations)
    }

    /// `common`, `organizations` or `consumers`: a name for a set of accounts, not one tenant's
    /// id or domain. Its discovery document's `issuer` is not its own URL.
    pub fn is_alias(&self) -> bool {
        matches!(self, Self::Common | Self::Organizations | Self::Consumers)
    }

    /// The tenant of personal Microsoft accounts: `consumers`, or its GUID.
    pub fn is_consumers(&self) -> bool {
        match self {
            Self::Consumers => true,
            Self::Id(g) => g.is_consumers_tenant(),
            _ => false,
        }
    }
}

/// A verified domain's shape, as Entra accepts it in an authority URL.
fn is_domain(s: &str) -> bool {
    s.contains('.')
        && !s.starts_with('.')
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

impl FromStr for Tenant {
    type Err = NotATenant;
    fn from_str(s: &str) -> Result<Self, NotATenant> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Tenant {
    type Error = NotATenant;
    fn try_from(s: String) -> Result<Self, NotATenant> {
        Self::parse(&s)
    }
}

impl From<Tenant> for String {
    fn from(t: Tenant) -> Self {
        t.as_str().to_owned()
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tenant({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";
    const UPPER: &str = "E1FE6DD8-BA31-4D61-89E7-88639DA4683D";

    #[test]
    fn guid_shape() {
        assert!(is_guid(ID));
        assert!(is_guid(UPPER));
        assert!(is_guid("E1fe6dd8-BA31-4d61-89e7-88639da4683D"));
        for bad in [
            "",
            "e1fe6dd8ba314d6189e788639da4683d",
            "e1fe6dd8-ba31-4d61-89e7-88639da4683",
            "g1fe6dd8-ba31-4d61-89e7-88639da4683d",
            "e1fe6dd8-ba31-4d61-89e7-88639da4683d ",
            " e1fe6dd8-ba31-4d61-89e7-88639da4683d",
            "{e1fe6dd8-ba31-4d61-89e7-88639da4683d}",
            "e1fe6dd8-ba31-4d61-89e7_88639da4683d",
            "e1fe6dd8-ba31-4d6189e7-88639da4683d-",
            // 36 bytes, but not ASCII digits: the shape is in bytes, not characters.
            "e1fe6dd8-ba31-4d61-89e7-88639da468é",
        ] {
            assert!(!is_guid(bad), "{bad:?}");
            assert_eq!(Guid::parse(bad), Err(NotAGuid), "{bad:?}");
        }
    }

    #[test]
    fn ids_differing_only_in_case_are_equal_and_print_in_lower_case() {
        let (a, b) = (
            ClientId::parse(ID).unwrap(),
            ClientId::parse(UPPER).unwrap(),
        );
        assert_eq!(a, b);
        assert_eq!(b.to_string(), ID);
        assert_eq!(b.as_str(), ID);
        assert_eq!(Guid::parse(UPPER).unwrap().as_str(), ID);
        let hash = |c: &ClientId| {
            use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
            BuildHasherDefault::<DefaultHasher>::default().hash_one(c)
        };
        assert_eq!(
            hash(&a),
            hash(&b),
            "a map keyed by ClientId finds either spelling"
        );
        assert!(a.is(UPPER) && b.is(ID) && a.is("e1fe6dd8-BA31-4d61-89e7-88639da4683d"));
        assert!(!a.is("00000003-0000-0000-c000-000000000000"));
        assert!(
            !a.is(" e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
            "raw text is not trimmed"
        );
        assert!(!a.is("not a guid"));
    }

    #[test]
    fn errors_do_not_echo_the_text() {
        let secret = "Q1x8Q~ngrok.preflight-test-secret-value-01";
        let e = ClientId::parse(secret).unwrap_err().to_string();
        assert!(!e.contains("Q1x8Q"), "{e}");
        let e = Tenant::parse(secret).unwrap_err().to_string();
        assert!(!e.contains("Q1x8Q"), "{e}");
    }

    #[test]
    fn serde_is_the_lower_case_text() {
        let id: ClientId = serde_json::from_str(&format!("{UPPER:?}")).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("{ID:?}"));
        assert!(serde_json::from_str::<ClientId>("\"contoso\"").is_err());
        assert!(serde_json::from_str::<Guid>("42").is_err());
        let t: Tenant = serde_json::from_str("\"Organizations\"").unwrap();
        assert_eq!(t, Tenant::Organizations);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"organizations\"");
        assert!(serde_json::from_str::<Tenant>("\"contoso\"").is_err());
    }

    #[test]
    fn tenants_parse_once_in_any_case() {
        assert_eq!(Tenant::parse("COMMON"), Ok(Tenant::Common));
        assert_eq!(Tenant::parse("Organizations"), Ok(Tenant::Organizations));
        assert_eq!(Tenant::parse("consumers"), Ok(Tenant::Consumers));
        assert_eq!(
            Tenant::parse(UPPER),
            Ok(Tenant::Id(Guid::parse(ID).unwrap()))
        );
        assert_eq!(Tenant::parse(UPPER), Tenant::parse(ID));
        assert_eq!(
            Tenant::parse("Contoso.OnMicrosoft.com"),
            Ok(Tenant::Domain("contoso.onmicrosoft.com".into()))
        );
        assert_eq!(
            Tenant::parse("contoso.onmicrosoft.com").unwrap().as_str(),
            "contoso.onmicrosoft.com"
        );
        for bad in [
            "",
            "contoso",
            "../etc",
            "a/b.com",
            ".com",
            "common ",
            "contoso.example/v2.0",
            "e1fe6dd8-ba31-4d61-89e7-88639da4683",
        ] {
            assert_eq!(Tenant::parse(bad), Err(NotATenant), "{bad:?}");
        }
        assert!(Tenant::parse(&format!("{}.com", "a".repeat(249))).is_ok());
        assert!(Tenant::parse(&format!("{}.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn every_tenant_round_trips_through_its_segment() {
        for t in [
            Tenant::Common,
            Tenant::Organizations,
            Tenant::Consumers,
            Tenant::Id(Guid::parse(CONSUMERS_TENANT_ID).unwrap()),
            Tenant::Id(Guid::parse(UPPER).unwrap()),
            Tenant::Domain("fabrikam.example".into()),
        ] {
            assert_eq!(Tenant::parse(t.as_str()).as_ref(), Ok(&t), "{t}");
            assert_eq!(
                Tenant::parse(&t.to_string().to_ascii_uppercase()).as_ref(),
                Ok(&t)
            );
        }
    }

    #[test]
    fn predicates() {
        let all = [
            "common",
            "organizations",
            "consumers",
            CONSUMERS_TENANT_ID,
            ID,
            "a.example",
        ]
        .map(|s| Tenant::parse(s).unwrap());
        let is = |f: fn(&Tenant) -> bool| all.iter().map(f).collect::<Vec<_>>();
        assert_eq!(
            is(Tenant::is_multi_tenant),
            [true, true, false, false, false, false]
        );
        assert_eq!(
            is(Tenant::is_alias),
            [true, true, true, false, false, false]
        );
        assert_eq!(
            is(Tenant::is_consumers),
            [false, false, true, true, false, false]
        );
        let upper = Tenant::parse(&CONSUMERS_TENANT_ID.to_ascii_uppercase()).unwrap();
        assert!(upper.is_consumers(), "the consumers GUID in upper case");
    }
}
