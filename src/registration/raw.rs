//! The registration JSON as users have it, field for field, before normalisation.
//!
//! One serde struct covers every shape we accept, so a file is parsed in a single pass whatever it
//! is: the Microsoft Graph `application` resource (what `az ad app show` prints), the portal's
//! legacy Azure AD Graph manifest (`replyUrlsWithType`, `oauth2AllowImplicitFlow`, ...), and the
//! even older "App registrations (Legacy)" names (`availableToOtherTenants`, `replyUrls`).
//! A Graph list response (`{"value":[...]}`) is the same struct with `value` set.
//! Unknown fields are skipped without being materialised, which keeps a 50 MB tenant export fast.
//!
//! Field mapping: <https://learn.microsoft.com/entra/identity-platform/azure-active-directory-graph-app-manifest-deprecation>.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// One JSON document: an app, or a Graph list response whose `value` holds apps. `L` is what
/// `value` is read into: the loader reads a document's list as it goes (each app turned into a
/// registration as soon as it is read, issue 18, item 5); in an app of a list, [`Nested`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawApp<L = Nested> {
    /// Graph list responses: `{"@odata.context": "...", "value": [...]}`.
    pub(crate) value: Option<L>,

    pub(crate) app_id: Option<String>,
    /// Object id (Graph and AAD Graph manifest); legacy manifests call it `objectId`.
    pub(crate) id: Option<String>,
    pub(crate) object_id: Option<String>,
    pub(crate) display_name: Option<String>,
    /// AAD Graph manifest name for the display name.
    pub(crate) name: Option<String>,
    pub(crate) publisher_domain: Option<String>,

    pub(crate) sign_in_audience: Option<String>,
    /// Legacy: `true` = multitenant (work or school accounts only).
    pub(crate) available_to_other_tenants: Option<bool>,

    pub(crate) api: Option<RawApi>,
    /// AAD Graph manifest name of `api.requestedAccessTokenVersion`; `Some(None)` is a `null`
    /// written in the file (Entra's default, v1), `None` a field the file does not hold.
    #[serde(default, deserialize_with = "present")]
    pub(crate) access_token_accepted_version: Option<Option<i64>>,

    pub(crate) web: Option<RawWeb>,
    pub(crate) spa: Option<RawRedirects>,
    /// Graph: `{"redirectUris": [...]}`; legacy manifests: a boolean (= `allowPublicClient`).
    pub(crate) public_client: Option<RawPublicClient>,
    pub(crate) reply_urls_with_type: Option<Vec<RawReplyUrl>>,
    pub(crate) reply_urls: Option<Vec<String>>,
    pub(crate) oauth2_allow_implicit_flow: Option<bool>,
    pub(crate) oauth2_allow_id_token_implicit_flow: Option<bool>,

    pub(crate) required_resource_access: Option<Vec<RawResourceAccess>>,
    pub(crate) password_credentials: Option<Vec<RawPasswordCredential>>,
    pub(crate) key_credentials: Option<Vec<IgnoredAny>>,
    pub(crate) verified_publisher: Option<RawVerifiedPublisher>,

    /// Service principal (`az ad sp show`, Graph `servicePrincipal`): what only it has.
    pub(crate) service_principal_type: Option<String>,
    pub(crate) app_owner_organization_id: Option<String>,
    pub(crate) account_enabled: Option<bool>,
    pub(crate) app_role_assignment_required: Option<bool>,
    pub(crate) disabled_by_microsoft_status: Option<String>,

    /// Our extension for the emulator; `lint` ignores it.
    #[serde(rename = "x-emulator")]
    pub(crate) x_emulator: Option<RawEmulator>,

    /// Terraform JSON (`terraform show -json`): its top-level fields, only to detect it.
    #[serde(rename = "format_version")]
    pub(crate) format_version: Option<IgnoredAny>,
    #[serde(rename = "terraform_version")]
    pub(crate) terraform_version: Option<IgnoredAny>,
    #[serde(rename = "planned_values")]
    pub(crate) planned_values: Option<IgnoredAny>,
    #[serde(rename = "resource_changes")]
    pub(crate) resource_changes: Option<IgnoredAny>,
    /// An ARM template (`bicep build`): its top-level fields, only to detect it.
    #[serde(rename = "$schema")]
    pub(crate) schema: Option<IgnoredAny>,
    pub(crate) content_version: Option<IgnoredAny>,
    pub(crate) resources: Option<IgnoredAny>,

    /// Counts the raw apps alive at once, for the test that a list is read one app at a time.
    #[cfg(test)]
    #[serde(skip)]
    #[allow(dead_code, reason = "dropped with the app, never read")]
    pub(crate) census: census::Alive,
}

/// A `value` inside an app of a list: read, so that its errors are the input's, and never used.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct Nested(#[allow(dead_code, reason = "read for its errors only")] Vec<RawApp>);

impl<L> RawApp<L> {
    /// `terraform show -json` of a plan (`planned_values`, `resource_changes`) or of state
    /// (`values`): its `format_version` or `terraform_version` tell.
    /// <https://developer.hashicorp.com/terraform/internals/json-format>
    /// An empty state prints only `format_version`: still Terraform's, with nothing in it.
    pub(crate) fn is_terraform(&self) -> bool {
        self.format_version.is_some()
            || self.terraform_version.is_some()
            || ((self.planned_values.is_some() || self.resource_changes.is_some())
                && self.app_id.is_none())
    }

    /// An ARM deployment template: `resources` with `$schema` or `contentVersion`.
    pub(crate) fn is_arm_template(&self) -> bool {
        self.resources.is_some() && (self.schema.is_some() || self.content_version.is_some())
    }
}

/// A field that may be `null`: `Some(None)` when written as `null`, `None` when absent (with
/// `#[serde(default)]`). Absent is not empty (DESIGN.md §9.1).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawApi {
    pub(crate) requested_access_token_version: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawWeb {
    pub(crate) redirect_uris: Option<Vec<String>>,
    pub(crate) implicit_grant_settings: Option<RawImplicit>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawImplicit {
    #[serde(default, deserialize_with = "loose_bool")]
    pub(crate) enable_access_token_issuance: Option<bool>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub(crate) enable_id_token_issuance: Option<bool>,
}

/// A boolean, or the strings `"true"`/`"false"` that the portal manifest reference's own example
/// writes (<https://learn.microsoft.com/entra/identity-platform/reference-microsoft-graph-app-manifest>).
fn loose_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Text(String),
    }
    match Option::<Loose>::deserialize(d)? {
        None => Ok(None),
        Some(Loose::Bool(b)) => Ok(Some(b)),
        Some(Loose::Text(t)) if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Loose::Text(t)) if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(Loose::Text(t)) => Err(serde::de::Error::custom(format!(
            "expected a boolean, found {t:?}"
        ))),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawRedirects {
    pub(crate) redirect_uris: Option<Vec<String>>,
}

/// `publicClient` is an object in Graph JSON and a boolean in the oldest manifests.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "an object with redirectUris, or a boolean")]
pub(crate) enum RawPublicClient {
    Redirects(RawRedirects),
    Flag(bool),
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawReplyUrl {
    pub(crate) url: String,
    /// `Web`, `Spa` or `InstalledClient`.
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawResourceAccess {
    pub(crate) resource_app_id: String,
    #[serde(default)]
    pub(crate) resource_access: Vec<RawAccess>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawAccess {
    pub(crate) id: String,
    /// `Scope` (delegated) or `Role` (application).
    #[serde(rename = "type")]
    pub(crate) kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawPasswordCredential {
    pub(crate) key_id: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) hint: Option<String>,
    #[serde(alias = "startDate")]
    pub(crate) start_date_time: Option<DateTime<Utc>>,
    /// AAD Graph manifests call it `endDate`.
    #[serde(alias = "endDate")]
    pub(crate) end_date_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawVerifiedPublisher {
    pub(crate) verified_publisher_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawEmulator {
    #[serde(default)]
    pub(crate) secrets: Vec<RawEmulatorSecret>,
    pub(crate) home_tenant: Option<String>,
    #[serde(default)]
    pub(crate) admin_consented: Vec<String>,
    pub(crate) service_principal: Option<RawEmulatorSp>,
}

/// `x-emulator.servicePrincipal`: the home tenant's enterprise app as the emulator follows it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawEmulatorSp {
    pub(crate) account_enabled: Option<bool>,
    pub(crate) app_role_assignment_required: Option<bool>,
    #[serde(default)]
    pub(crate) assigned: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawEmulatorSecret {
    pub(crate) key_id: String,
    pub(crate) value: String,
}

/// How many raw apps are alive at once on this thread: a test's evidence that a list is read
/// one app at a time (issue 18, item 5), which no bound on memory would show as plainly.
#[cfg(test)]
pub(crate) mod census {
    use std::cell::Cell;

    thread_local! {
        static ALIVE: Cell<usize> = const { Cell::new(0) };
        static PEAK: Cell<usize> = const { Cell::new(0) };
    }

    /// One per raw app: serde makes it (`Default`) when the app is read, and drops it with it.
    #[derive(Debug)]
    pub(crate) struct Alive(());

    impl Default for Alive {
        fn default() -> Self {
            let alive = ALIVE.get() + 1;
            ALIVE.set(alive);
            PEAK.set(PEAK.get().max(alive));
            Self(())
        }
    }

    impl Drop for Alive {
        fn drop(&mut self) {
            ALIVE.set(ALIVE.get() - 1);
        }
    }

    /// The most raw apps alive at once since the last call.
    pub(crate) fn peak() -> usize {
        PEAK.replace(ALIVE.get())
    }
}
