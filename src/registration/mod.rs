//! The app registration, normalised from every JSON shape a user has at hand.
//!
//! `lint` reads it for static checks and the emulator reads it to behave like the Microsoft
//! identity platform for that registration, so a registration is parsed exactly once, here.
//! The shape is detected from the fields present, never chosen by a flag.

mod arm;
mod build;
mod extras;
pub mod graph;
mod graph_json;
mod load;
mod parse;
mod raw;
mod terraform;

pub use extras::{EmulatedSp, EmulatorExtras, EmulatorSlot};
pub use load::{
    Capped, LoadError, MAX_INPUT_BYTES, join_service_principals, load_path, parse_bytes,
    read_capped,
};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Which JSON shape a registration came from. Field names in evidence follow the shape, so a
/// user is told the name they see in their own file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// The Microsoft Graph `application` resource: `az ad app show`, `GET /applications/{id}`.
    GraphApplication,
    /// The portal's Azure AD Graph manifest (shown by the portal until 2025-01-07).
    AadManifest,
    /// The "App registrations (Legacy)" manifest: `availableToOtherTenants`, `replyUrls`.
    LegacyManifest,
    /// A service principal (enterprise app) alone: `az ad sp show`, Graph `servicePrincipal`,
    /// with no application object of the same appId beside it.
    ServicePrincipal,
    /// Terraform's `azuread_application` (`terraform show -json` of a plan or of state).
    TerraformApplication,
    /// Terraform's `azuread_application_registration` with the split resources beside it
    /// (`azuread_application_redirect_uris`, `_api_access`, `_password`).
    TerraformRegistration,
    /// An ARM template compiled from Bicep (`bicep build`): `Microsoft.Graph/applications@v1.0`,
    /// whose properties are Graph's names.
    ArmTemplate,
}

impl Shape {
    /// The `signInAudience` field as this shape names it.
    pub fn audience_field(self) -> &'static str {
        match self {
            Self::LegacyManifest => "availableToOtherTenants",
            Self::TerraformApplication | Self::TerraformRegistration => "sign_in_audience",
            _ => "signInAudience",
        }
    }

    /// The access-token version field as this shape names it.
    pub fn token_version_field(self) -> &'static str {
        match self {
            Self::GraphApplication | Self::ArmTemplate => "api.requestedAccessTokenVersion",
            Self::TerraformApplication => "api.requested_access_token_version",
            Self::TerraformRegistration => "requested_access_token_version",
            _ => "accessTokenAcceptedVersion",
        }
    }

    /// Where redirect URIs of `platform` live in this shape.
    pub fn redirect_field(self, platform: Platform) -> &'static str {
        match (self, platform) {
            (Self::GraphApplication | Self::ArmTemplate, Platform::Web) => "web.redirectUris",
            (Self::GraphApplication | Self::ArmTemplate, Platform::Spa) => "spa.redirectUris",
            (Self::GraphApplication | Self::ArmTemplate, Platform::PublicClient) => {
                "publicClient.redirectUris"
            }
            (Self::TerraformApplication, Platform::Web) => "web.redirect_uris",
            (Self::TerraformApplication, Platform::Spa) => "single_page_application.redirect_uris",
            (Self::TerraformApplication, Platform::PublicClient) => "public_client.redirect_uris",
            (Self::TerraformRegistration, Platform::Web) => {
                "azuread_application_redirect_uris (type = \"Web\")"
            }
            (Self::TerraformRegistration, Platform::Spa) => {
                "azuread_application_redirect_uris (type = \"SPA\")"
            }
            (Self::TerraformRegistration, Platform::PublicClient) => {
                "azuread_application_redirect_uris (type = \"PublicClient\")"
            }
            (Self::AadManifest, Platform::Web) => "replyUrlsWithType[type=Web]",
            (Self::AadManifest, Platform::Spa) => "replyUrlsWithType[type=Spa]",
            (Self::AadManifest, Platform::PublicClient) => {
                "replyUrlsWithType[type=InstalledClient]"
            }
            (Self::LegacyManifest | Self::ServicePrincipal, _) => "replyUrls",
        }
    }

    /// The implicit-grant switches as this shape names them: (ID tokens, access tokens).
    pub fn implicit_fields(self) -> (&'static str, &'static str) {
        match self {
            Self::GraphApplication | Self::ArmTemplate => (
                "web.implicitGrantSettings.enableIdTokenIssuance",
                "web.implicitGrantSettings.enableAccessTokenIssuance",
            ),
            Self::TerraformApplication => (
                "web.implicit_grant.id_token_issuance_enabled",
                "web.implicit_grant.access_token_issuance_enabled",
            ),
            Self::TerraformRegistration => (
                "implicit_id_token_issuance_enabled",
                "implicit_access_token_issuance_enabled",
            ),
            _ => ("oauth2AllowIdTokenImplicitFlow", "oauth2AllowImplicitFlow"),
        }
    }

    /// The secret expiry field as this shape names it.
    pub fn secret_end_field(self) -> &'static str {
        match self {
            Self::GraphApplication | Self::ArmTemplate => "passwordCredentials[].endDateTime",
            Self::TerraformApplication | Self::TerraformRegistration => "end_date",
            _ => "passwordCredentials[].endDate",
        }
    }

    /// A stable name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GraphApplication => "graph-application",
            Self::AadManifest => "aad-manifest",
            Self::LegacyManifest => "legacy-manifest",
            Self::ServicePrincipal => "graph-service-principal",
            Self::TerraformApplication => "terraform-azuread-application",
            Self::TerraformRegistration => "terraform-azuread-application-registration",
            Self::ArmTemplate => "arm-template",
        }
    }
}

/// Who may sign in (`signInAudience`).
/// <https://learn.microsoft.com/entra/identity-platform/supported-accounts-validation>
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// `AzureADMyOrg`: one organisation only. ngrok cannot use it.
    MyOrg,
    /// `AzureADMultipleOrgs`: any organisation.
    MultipleOrgs,
    /// `AzureADandPersonalMicrosoftAccount`: any organisation and personal accounts.
    MultipleOrgsAndPersonal,
    /// `PersonalMicrosoftAccount`: personal accounts only.
    PersonalOnly,
    /// A value Microsoft does not define.
    Other(String),
    /// The field is absent.
    Missing,
}

impl Audience {
    fn parse(value: &str) -> Self {
        const NAMES: [(&str, Audience); 4] = [
            ("AzureADMyOrg", Audience::MyOrg),
            ("AzureADMultipleOrgs", Audience::MultipleOrgs),
            (
                "AzureADandPersonalMicrosoftAccount",
                Audience::MultipleOrgsAndPersonal,
            ),
            ("PersonalMicrosoftAccount", Audience::PersonalOnly),
        ];
        NAMES
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(value))
            .map_or_else(|| Self::Other(value.to_owned()), |(_, a)| a)
    }

    /// The `signInAudience` value, as Microsoft spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::MyOrg => "AzureADMyOrg",
            Self::MultipleOrgs => "AzureADMultipleOrgs",
            Self::MultipleOrgsAndPersonal => "AzureADandPersonalMicrosoftAccount",
            Self::PersonalOnly => "PersonalMicrosoftAccount",
            Self::Other(s) => s,
            Self::Missing => "(absent)",
        }
    }

    /// Work or school accounts of any tenant may sign in.
    pub fn is_multitenant(&self) -> bool {
        matches!(self, Self::MultipleOrgs | Self::MultipleOrgsAndPersonal)
    }

    /// Personal Microsoft accounts may sign in.
    pub fn allows_personal(&self) -> bool {
        matches!(self, Self::MultipleOrgsAndPersonal | Self::PersonalOnly)
    }

    /// Work or school accounts may sign in.
    pub fn allows_work(&self) -> bool {
        matches!(
            self,
            Self::MyOrg | Self::MultipleOrgs | Self::MultipleOrgsAndPersonal
        )
    }
}

/// The platform a redirect URI is registered under; it decides how the code may be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Web: a confidential client that redeems the code with a secret. What ngrok needs.
    Web,
    /// Single-page application: redemption only cross-origin, never with a secret (AADSTS9002327).
    Spa,
    /// Mobile and desktop: a public client; sending a secret fails (AADSTS700025).
    PublicClient,
}

impl Platform {
    /// The name the portal's Authentication blade shows.
    pub fn portal_name(self) -> &'static str {
        match self {
            Self::Web => "Web",
            Self::Spa => "Single-page application",
            Self::PublicClient => "Mobile and desktop applications",
        }
    }
}

/// One registered redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    pub uri: String,
    pub platform: Platform,
}

/// Whether `/authorize` may return tokens directly (implicit grant).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Implicit {
    pub id_tokens: bool,
    pub access_tokens: bool,
}

/// `Scope` (delegated, on behalf of the user) or `Role` (application permission).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKind {
    Scope,
    Role,
    /// Neither `Scope` nor `Role`.
    Unknown,
}

/// One permission of `requiredResourceAccess`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The resource's appId (Microsoft Graph is `00000003-0000-0000-c000-000000000000`).
    pub resource_app_id: String,
    /// The permission id (lowercased).
    pub id: String,
    pub kind: AccessKind,
}

/// A client secret as the registration lists it: metadata only, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordCredential {
    /// The portal's "Secret ID".
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    /// First three characters of the value, as Microsoft stores them.
    pub hint: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl PasswordCredential {
    /// Accepted by the token endpoint at `now`.
    pub fn is_live_at(&self, now: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| s <= now) && self.end.is_none_or(|e| e > now)
    }
}

/// The service principal (enterprise app) of an app in one tenant, as `az ad sp show` prints it.
/// <https://learn.microsoft.com/graph/api/resources/serviceprincipal>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServicePrincipal {
    /// Its own object id (not the application's).
    pub object_id: Option<String>,
    /// `false`: nobody signs in (AADSTS7000112). Absent means enabled.
    pub account_enabled: Option<bool>,
    /// `true`: only assigned users and groups sign in (AADSTS50105 for the others).
    pub app_role_assignment_required: Option<bool>,
    /// The tenant the application is registered in.
    pub app_owner_organization_id: Option<String>,
    /// Set when Microsoft disabled the app (`DisabledDueToViolationOfServicesAgreement`).
    pub disabled_by_microsoft_status: Option<String>,
}

/// Which of the fields the checks read the input really holds. A Graph `$select` answer or a
/// trimmed export lacks some: a check that needs one is a `skip` naming it, never a pass on an
/// empty default (DESIGN.md §9.1: absent is not empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Web redirect URIs (`web.redirectUris`, `replyUrlsWithType`, `replyUrls`).
    pub web_redirects: bool,
    /// The implicit-grant switches.
    pub implicit: bool,
    /// The access-token version (`api`, `accessTokenAcceptedVersion`).
    pub token_version: bool,
    /// `requiredResourceAccess`.
    pub permissions: bool,
    /// `passwordCredentials`.
    pub secrets: bool,
    /// Fields the input names without deciding their value yet: Terraform's "known after
    /// apply", an unresolved ARM template expression (DESIGN.md §9.4). A check that needs one
    /// is a `skip` that says so, never a pass or a fail.
    pub undecided: Vec<Undecided>,
}

impl Known {
    /// Every field known: a registration built whole (tests, the emulator's own).
    pub const ALL: Self = Self {
        web_redirects: true,
        implicit: true,
        token_version: true,
        permissions: true,
        secrets: true,
        undecided: Vec::new(),
    };

    /// Why `field` has no value yet, if it has none.
    pub fn undecided(&self, field: Field) -> Option<&Undecided> {
        self.undecided.iter().find(|u| u.field == field)
    }
}

/// A registration field that checks read, named for [`Undecided`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The Application (client) ID.
    AppId,
    /// `signInAudience`.
    Audience,
    /// Web redirect URIs.
    WebRedirects,
    /// The implicit-grant switches.
    Implicit,
    /// The requested access-token version.
    TokenVersion,
    /// `requiredResourceAccess`.
    Permissions,
    /// Client secrets and their expiry.
    Secrets,
    /// The service principal's `accountEnabled`.
    SpEnabled,
    /// The service principal's `appRoleAssignmentRequired`.
    SpAssignment,
}

/// A field whose value the input does not decide: it is in the file, but only the apply
/// (Terraform) or the deployment (ARM) will give it a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    pub field: Field,
    /// The field as the input names it, with the resource it is in when that is another
    /// resource than the target's (`azuread_application_password.ngrok.end_date`).
    pub name: String,
    /// Why, and what to lint instead: "known after apply (...)".
    pub reason: String,
}

impl Undecided {
    /// "`name` is `reason`", for a `skip`.
    pub fn describe(&self) -> String {
        format!("{} is {}", self.name, self.reason)
    }
}

/// One app registration, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub shape: Shape,
    /// The Application (client) ID, as written.
    pub app_id: Option<String>,
    pub object_id: Option<String>,
    pub display_name: Option<String>,
    pub publisher_domain: Option<String>,
    pub audience: Audience,
    pub requested_access_token_version: Option<i64>,
    pub redirect_uris: Vec<RedirectUri>,
    pub implicit: Implicit,
    pub permissions: Vec<Permission>,
    pub password_credentials: Vec<PasswordCredential>,
    /// Certificates; ngrok cannot use them, only a secret.
    pub key_credential_count: usize,
    pub publisher_verified: bool,
    /// Which fields the input holds (absent is not empty).
    pub known: Known,
    /// The application's own `disabledByMicrosoftStatus` (e.g.
    /// `DisabledDueToViolationOfServicesAgreement`): nobody signs in.
    /// <https://learn.microsoft.com/graph/api/resources/application>
    pub disabled_by_microsoft_status: Option<String>,
    /// The `x-emulator` extension; reads as empty extras when the input has none.
    pub emulator: EmulatorSlot,
    /// The service principal of the same appId, read beside the application (or alone, with
    /// the `ServicePrincipal` shape); boxed, as most inputs have none.
    pub service_principal: Option<Box<ServicePrincipal>>,
    /// Where the registration is declared as code: the Terraform resource address
    /// (`module.auth.azuread_application.this`) or the ARM template's symbolic name.
    pub address: Option<String>,
}

impl Registration {
    /// A registration declared as code at `address`, with nothing known of it yet.
    fn declared(shape: Shape, address: &str) -> Self {
        Self {
            shape,
            app_id: None,
            object_id: None,
            display_name: None,
            publisher_domain: None,
            audience: Audience::Missing,
            requested_access_token_version: None,
            redirect_uris: Vec::new(),
            implicit: Implicit::default(),
            permissions: Vec::new(),
            password_credentials: Vec::new(),
            key_credential_count: 0,
            publisher_verified: false,
            known: Known {
                web_redirects: false,
                implicit: false,
                token_version: false,
                permissions: false,
                secrets: false,
                undecided: Vec::new(),
            },
            disabled_by_microsoft_status: None,
            emulator: EmulatorSlot::default(),
            service_principal: None,
            address: Some(address.to_owned()),
        }
    }

    /// Redirect URIs registered under `platform`.
    pub fn redirects(&self, platform: Platform) -> impl Iterator<Item = &str> {
        self.redirect_uris
            .iter()
            .filter(move |r| r.platform == platform)
            .map(|r| r.uri.as_str())
    }

    /// A name for people: the display name, else the appId, else a placeholder.
    pub fn label(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.app_id.as_deref())
            .unwrap_or("(unnamed app)")
    }
}

/// A would-be client id, quoted for a message, unless it may be a secret pasted into the wrong
/// field (Entra secret Values are 40 characters and contain `~`): those are not shown.
pub fn show_id(value: &str) -> String {
    if value.chars().count() <= 36 && !value.contains('~') && !value.chars().any(char::is_control) {
        format!("{value:?}")
    } else {
        "(value not shown: it may be a secret)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_may_be_secrets_are_not_shown() {
        assert_eq!(show_id("contoso"), "\"contoso\"");
        assert!(!show_id("Q1x8Q~ngrok.preflight-test-secret-value-01").contains("Q1x"));
    }

    /// The emulator's extras and the service principal are out of line (issue 18, item 5):
    /// 488 bytes a registration before, 320 after, on 64-bit targets.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn rare_parts_are_out_of_line() {
        assert!(size_of::<Registration>() <= 320);
        assert_eq!(size_of::<EmulatorSlot>(), 8);
    }

    #[test]
    fn audience_parses_case_insensitively_and_keeps_unknowns() {
        assert_eq!(
            Audience::parse("azureadmultipleorgs"),
            Audience::MultipleOrgs
        );
        assert_eq!(
            Audience::parse("Everyone"),
            Audience::Other("Everyone".into())
        );
        assert!(Audience::MultipleOrgsAndPersonal.allows_personal());
        assert!(!Audience::MyOrg.is_multitenant());
    }
}
