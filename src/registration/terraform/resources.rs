//! The azuread provider's resources, attribute by attribute, into the registration model.
//! Attribute names and defaults follow the provider's documentation (hashicorp/
//! terraform-provider-azuread, `docs/resources/*.md`). A value Terraform will only know after
//! apply becomes an [`Undecided`] field, never a default: checks skip it and say so.

use super::super::build::permissions;
use super::super::parse::ParseError;
use super::super::raw::{RawAccess, RawResourceAccess};
use super::super::{
    Audience, Field, PasswordCredential, Platform, RedirectUri, Registration, ServicePrincipal,
    Shape, Undecided,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

static NULL: Value = Value::Null;

/// Why a value of a plan is not judged.
pub(super) const AFTER_APPLY: &str = "known after apply (a Terraform plan): lint the state once applied (terraform show -json), or the app itself (az ad app show --id <client id>)";

/// What the input says of one attribute.
#[derive(Debug)]
pub(super) enum Got<T> {
    Known(T),
    /// Known after apply.
    Unknown,
    /// Not in the input (an older provider's state).
    Absent,
}

/// True when an `after_unknown` value marks anything below it unknown.
fn any_unknown(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Array(a) => a.iter().any(any_unknown),
        Value::Object(m) => m.values().any(any_unknown),
        _ => false,
    }
}

/// One resource instance's values (or one block of them) beside the matching part of its
/// `after_unknown`. `planned`: the values come from `planned_values` without a change entry,
/// where an unknown value is simply left out.
#[derive(Debug, Clone, Copy)]
pub(super) struct View<'v> {
    pub(super) values: &'v Value,
    pub(super) unknown: &'v Value,
    pub(super) planned: bool,
}

impl<'v> View<'v> {
    /// The value at `path`; a block (a list of at most one, as `web`, `api`, `implicit_grant`)
    /// is stepped into through its first element.
    pub(super) fn get(&self, path: &[&str]) -> Got<&'v Value> {
        let (mut v, mut u) = (self.values, self.unknown);
        for key in path {
            if u == &Value::Bool(true) {
                return Got::Unknown;
            }
            let block = match v {
                Value::Array(a) => a.first(),
                other => Some(other),
            };
            let u_block = match u {
                Value::Array(a) => a.first().unwrap_or(&NULL),
                other => other,
            };
            // An empty block list, or a null: the block is not set, so nothing below it is.
            let Some(block) = block.filter(|b| !b.is_null()) else {
                return Got::Known(&NULL);
            };
            let u_next = u_block.get(key).unwrap_or(&NULL);
            match block.get(key) {
                Some(next) => v = next,
                None if any_unknown(u_next) || self.planned => return Got::Unknown,
                None => return Got::Absent,
            }
            u = u_next;
        }
        if any_unknown(u) {
            Got::Unknown
        } else {
            Got::Known(v)
        }
    }

    /// Whether the block or attribute `key` is set: unknown only when it is unknown as a whole
    /// (a value inside it may still be unknown).
    fn has(&self, key: &str) -> Got<()> {
        match self.elements(key) {
            Got::Known(_) => Got::Known(()),
            Got::Unknown => Got::Unknown,
            Got::Absent => Got::Absent,
        }
    }

    /// The elements of the block list (or set) `key`, each with its own unknowns.
    pub(super) fn elements(&self, key: &str) -> Got<Vec<Self>> {
        let u = self.unknown.get(key).unwrap_or(&NULL);
        if u == &Value::Bool(true) {
            return Got::Unknown;
        }
        match self.values.get(key) {
            Some(Value::Array(items)) => Got::Known(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, values)| Self {
                        values,
                        unknown: u.get(i).unwrap_or(&NULL),
                        planned: self.planned,
                    })
                    .collect(),
            ),
            Some(Value::Null) => Got::Known(Vec::new()),
            Some(_) => Got::Known(Vec::new()),
            None if self.planned || any_unknown(u) => Got::Unknown,
            None => Got::Absent,
        }
    }

    fn text(&self, path: &[&str]) -> Got<Option<String>> {
        match self.get(path) {
            Got::Known(v) => Got::Known(v.as_str().map(str::to_owned)),
            Got::Unknown => Got::Unknown,
            Got::Absent => Got::Absent,
        }
    }

    fn flag(&self, path: &[&str]) -> Got<Option<bool>> {
        match self.get(path) {
            Got::Known(v) => Got::Known(v.as_bool()),
            Got::Unknown => Got::Unknown,
            Got::Absent => Got::Absent,
        }
    }

    fn strings(&self, path: &[&str]) -> Got<Vec<String>> {
        match self.get(path) {
            Got::Known(Value::Array(a)) => Got::Known(
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
            ),
            Got::Known(_) => Got::Known(Vec::new()),
            Got::Unknown => Got::Unknown,
            Got::Absent => Got::Absent,
        }
    }
}

/// `Known` text, else `None`.
fn known_text(g: Got<Option<String>>) -> Option<String> {
    match g {
        Got::Known(s) => s.filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// Records that `field` is known after apply (the first reason given for a field stands).
fn after_apply(reg: &mut Registration, field: Field, name: String) {
    if reg.known.undecided(field).is_none() {
        reg.known.undecided.push(Undecided {
            field,
            name,
            reason: AFTER_APPLY.to_owned(),
        });
    }
}

/// The attributes `azuread_application` and `azuread_application_registration` share.
fn common(reg: &mut Registration, v: &View<'_>) {
    match v.text(&["client_id"]) {
        Got::Known(id) => reg.app_id = id.filter(|s| !s.is_empty()),
        Got::Unknown => after_apply(reg, Field::AppId, "client_id".into()),
        Got::Absent => {}
    }
    reg.object_id = known_text(v.text(&["object_id"]));
    reg.display_name = known_text(v.text(&["display_name"]));
    reg.publisher_domain = known_text(v.text(&["publisher_domain"]));
    match v.text(&["sign_in_audience"]) {
        Got::Known(Some(a)) => reg.audience = Audience::parse(&a),
        Got::Known(None) | Got::Absent => {}
        Got::Unknown => after_apply(reg, Field::Audience, "sign_in_audience".into()),
    }
    // The provider writes "" when Microsoft has not disabled the app.
    reg.disabled_by_microsoft_status = known_text(v.text(&["disabled_by_microsoft"]))
        .filter(|s| !s.eq_ignore_ascii_case("NotDisabled") && s != "<nil>");
}

/// `azuread_application`: everything in one resource.
pub(super) fn application(address: &str, v: &View<'_>) -> Result<Registration, ParseError> {
    let mut reg = Registration::declared(Shape::TerraformApplication, address);
    common(&mut reg, v);
    match v.has("api") {
        Got::Known(()) => {
            reg.known.token_version = true;
            match v.get(&["api", "requested_access_token_version"]) {
                Got::Known(n) => reg.requested_access_token_version = n.as_i64(),
                Got::Unknown => after_apply(
                    &mut reg,
                    Field::TokenVersion,
                    "api.requested_access_token_version".into(),
                ),
                Got::Absent => {}
            }
        }
        Got::Unknown => after_apply(&mut reg, Field::TokenVersion, "api".into()),
        Got::Absent => {}
    }
    web(&mut reg, v);
    for (block, platform) in [
        ("single_page_application", Platform::Spa),
        ("public_client", Platform::PublicClient),
    ] {
        // Unknown ones cannot make ngrok's callback a Web URI: redirect.ngrok does not need them.
        if let Got::Known(uris) = v.strings(&[block, "redirect_uris"]) {
            reg.redirect_uris
                .extend(uris.into_iter().map(|uri| RedirectUri { uri, platform }));
        }
    }
    match v.elements("required_resource_access") {
        Got::Known(blocks) => {
            reg.known.permissions = true;
            if required_resource_access(&mut reg, &blocks).is_none() {
                after_apply(
                    &mut reg,
                    Field::Permissions,
                    "required_resource_access".into(),
                );
            }
        }
        Got::Unknown => after_apply(
            &mut reg,
            Field::Permissions,
            "required_resource_access".into(),
        ),
        Got::Absent => {}
    }
    match v.elements("password") {
        Got::Known(items) => {
            reg.known.secrets = true;
            for item in items {
                password(&mut reg, &item, address, "password")?;
            }
        }
        Got::Unknown => after_apply(&mut reg, Field::Secrets, "password".into()),
        Got::Absent => {}
    }
    Ok(reg)
}

/// `web { redirect_uris, implicit_grant { ... } }` of `azuread_application`.
fn web(reg: &mut Registration, v: &View<'_>) {
    match v.has("web") {
        Got::Known(()) => {
            reg.known.web_redirects = true;
            reg.known.implicit = true;
        }
        Got::Unknown => {
            after_apply(reg, Field::WebRedirects, "web".into());
            after_apply(reg, Field::Implicit, "web".into());
            return;
        }
        Got::Absent => return,
    }
    match v.strings(&["web", "redirect_uris"]) {
        Got::Known(uris) => reg
            .redirect_uris
            .extend(uris.into_iter().map(|uri| RedirectUri {
                uri,
                platform: Platform::Web,
            })),
        Got::Unknown => after_apply(reg, Field::WebRedirects, "web.redirect_uris".into()),
        Got::Absent => reg.known.web_redirects = false,
    }
    for (key, id_tokens) in [
        ("id_token_issuance_enabled", true),
        ("access_token_issuance_enabled", false),
    ] {
        match v.flag(&["web", "implicit_grant", key]) {
            Got::Known(on) if id_tokens => reg.implicit.id_tokens = on.unwrap_or(false),
            Got::Known(on) => reg.implicit.access_tokens = on.unwrap_or(false),
            Got::Unknown => after_apply(reg, Field::Implicit, format!("web.implicit_grant.{key}")),
            Got::Absent => {}
        }
    }
}

/// `required_resource_access` blocks; `None` when a value in them is known after apply.
fn required_resource_access(reg: &mut Registration, blocks: &[View<'_>]) -> Option<()> {
    let mut raw = Vec::new();
    for b in blocks {
        let Got::Known(resource) = b.text(&["resource_app_id"]) else {
            return None;
        };
        let Got::Known(access) = b.elements("resource_access") else {
            return None;
        };
        let mut list = Vec::new();
        for a in access {
            let (Got::Known(id), Got::Known(kind)) = (a.text(&["id"]), a.text(&["type"])) else {
                return None;
            };
            list.push(RawAccess {
                id: id.unwrap_or_default(),
                kind: kind.unwrap_or_default(),
            });
        }
        raw.push(RawResourceAccess {
            resource_app_id: resource.unwrap_or_default(),
            resource_access: list,
        });
    }
    reg.permissions.extend(permissions(raw));
    Some(())
}

/// One client secret: `password` block of `azuread_application`, or an
/// `azuread_application_password`. Its `value` is sensitive and never read.
fn password(
    reg: &mut Registration,
    v: &View<'_>,
    address: &str,
    prefix: &str,
) -> Result<(), ParseError> {
    // As the skip names it: `password.end_date` in the application, `<address>.end_date` in
    // an `azuread_application_password`.
    let name = |attr: &str| {
        if prefix.is_empty() {
            format!("{address}.{attr}")
        } else {
            format!("{prefix}.{attr}")
        }
    };
    let date = |attr: &str| -> Result<Got<Option<DateTime<Utc>>>, ParseError> {
        Ok(match v.text(&[attr]) {
            Got::Known(Some(s)) if !s.is_empty() => match DateTime::parse_from_rfc3339(&s) {
                Ok(d) => Got::Known(Some(d.with_timezone(&Utc))),
                Err(e) => {
                    return Err(ParseError::Date {
                        path: if prefix.is_empty() {
                            name(attr)
                        } else {
                            format!("{address}.{}", name(attr))
                        },
                        value: format!("{s:?}").chars().take(60).collect(),
                        message: e.to_string(),
                    });
                }
            },
            Got::Known(_) | Got::Absent => Got::Known(None),
            Got::Unknown => Got::Unknown,
        })
    };
    let end = match date("end_date")? {
        Got::Known(end) => end,
        _ => {
            after_apply(reg, Field::Secrets, name("end_date"));
            None
        }
    };
    // An unknown start is the apply's own time ("the current date is used").
    let start = match date("start_date")? {
        Got::Known(start) => start,
        _ => None,
    };
    reg.password_credentials.push(PasswordCredential {
        key_id: known_text(v.text(&["key_id"])),
        display_name: known_text(v.text(&["display_name"])),
        hint: None,
        start,
        end,
    });
    Ok(())
}

/// `azuread_application_registration`: the application alone; redirect URIs, API access and
/// passwords are their own resources, so what none of them adds is empty, not absent.
pub(super) fn registration(address: &str, v: &View<'_>) -> Registration {
    let mut reg = Registration::declared(Shape::TerraformRegistration, address);
    common(&mut reg, v);
    reg.known.web_redirects = true;
    reg.known.permissions = true;
    reg.known.secrets = true;
    reg.known.token_version = true;
    reg.known.implicit = true;
    match v.get(&["requested_access_token_version"]) {
        Got::Known(n) => reg.requested_access_token_version = n.as_i64(),
        Got::Unknown => after_apply(
            &mut reg,
            Field::TokenVersion,
            "requested_access_token_version".into(),
        ),
        // The provider's default.
        Got::Absent => reg.requested_access_token_version = Some(2),
    }
    for (key, id_tokens) in [
        ("implicit_id_token_issuance_enabled", true),
        ("implicit_access_token_issuance_enabled", false),
    ] {
        match v.flag(&[key]) {
            Got::Known(on) if id_tokens => reg.implicit.id_tokens = on.unwrap_or(false),
            Got::Known(on) => reg.implicit.access_tokens = on.unwrap_or(false),
            Got::Unknown => after_apply(&mut reg, Field::Implicit, key.into()),
            Got::Absent => {}
        }
    }
    reg
}

/// The resources that add to an application (`application_id` names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Child {
    RedirectUris,
    ApiAccess,
    Password,
}

impl Child {
    pub(super) fn of(kind: &str) -> Option<Self> {
        match kind {
            "azuread_application_redirect_uris" => Some(Self::RedirectUris),
            "azuread_application_api_access" => Some(Self::ApiAccess),
            "azuread_application_password" => Some(Self::Password),
            _ => None,
        }
    }

    /// The registration field it adds to.
    pub(super) fn field(self) -> Field {
        match self {
            Self::RedirectUris => Field::WebRedirects,
            Self::ApiAccess => Field::Permissions,
            Self::Password => Field::Secrets,
        }
    }
}

/// Adds what the child resource at `address` declares to `reg`.
pub(super) fn add_child(
    reg: &mut Registration,
    child: Child,
    address: &str,
    v: &View<'_>,
) -> Result<(), ParseError> {
    match child {
        Child::RedirectUris => {
            reg.known.web_redirects = true;
            let platform = match v.text(&["type"]) {
                Got::Known(Some(t)) if t.eq_ignore_ascii_case("spa") => Some(Platform::Spa),
                Got::Known(Some(t)) if t.eq_ignore_ascii_case("publicclient") => {
                    Some(Platform::PublicClient)
                }
                Got::Known(Some(t)) if t.eq_ignore_ascii_case("web") => Some(Platform::Web),
                Got::Unknown => None,
                _ => return Ok(()),
            };
            match (v.strings(&["redirect_uris"]), platform) {
                (Got::Known(uris), Some(platform)) => reg
                    .redirect_uris
                    .extend(uris.into_iter().map(|uri| RedirectUri { uri, platform })),
                (_, None) => after_apply(reg, Field::WebRedirects, format!("{address}.type")),
                (_, Some(Platform::Web)) => {
                    after_apply(reg, Field::WebRedirects, format!("{address}.redirect_uris"));
                }
                _ => {}
            }
        }
        Child::ApiAccess => {
            reg.known.permissions = true;
            let resource = v.text(&["api_client_id"]);
            let (scopes, roles) = (v.strings(&["scope_ids"]), v.strings(&["role_ids"]));
            let (Got::Known(Some(resource)), Got::Known(scopes), Got::Known(roles)) =
                (resource, scopes, roles)
            else {
                after_apply(reg, Field::Permissions, address.to_owned());
                return Ok(());
            };
            let access = |ids: Vec<String>, kind: &'static str| {
                ids.into_iter().map(move |id| RawAccess {
                    id,
                    kind: kind.to_owned(),
                })
            };
            let list = access(scopes, "Scope")
                .chain(access(roles, "Role"))
                .collect();
            reg.permissions.extend(permissions(vec![RawResourceAccess {
                resource_app_id: resource,
                resource_access: list,
            }]));
        }
        Child::Password => {
            reg.known.secrets = true;
            password(reg, v, address, "")?;
        }
    }
    Ok(())
}

/// `azuread_service_principal`: the enterprise app, and the client id it is for (`None`:
/// known after apply, or absent).
pub(super) fn service_principal(
    address: &str,
    v: &View<'_>,
) -> (ServicePrincipal, Got<Option<String>>, Vec<Undecided>) {
    let mut undecided = Vec::new();
    let mut flag = |attr: &str, field: Field| match v.flag(&[attr]) {
        Got::Known(b) => b,
        Got::Unknown => {
            undecided.push(Undecided {
                field,
                name: format!("{address}.{attr}"),
                reason: AFTER_APPLY.to_owned(),
            });
            None
        }
        Got::Absent => None,
    };
    let sp = ServicePrincipal {
        object_id: known_text(v.text(&["object_id"])),
        account_enabled: flag("account_enabled", Field::SpEnabled),
        app_role_assignment_required: flag("app_role_assignment_required", Field::SpAssignment),
        app_owner_organization_id: known_text(v.text(&["application_tenant_id"])),
        disabled_by_microsoft_status: None,
    };
    // Provider 2.x called the client id `application_id`.
    let client_id = match v.text(&["client_id"]) {
        Got::Absent => v.text(&["application_id"]),
        other => other,
    };
    (sp, client_id, undecided)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view<'v>(values: &'v Value, unknown: &'v Value, planned: bool) -> View<'v> {
        View {
            values,
            unknown,
            planned,
        }
    }

    #[test]
    fn unknown_absent_and_empty_blocks() {
        let values = json!({"web": [{"redirect_uris": ["a"], "implicit_grant": []}], "api": []});
        let unknown = json!({"web": [{"redirect_uris": [false, true]}], "client_id": true});
        let v = view(&values, &unknown, false);
        assert!(matches!(v.get(&["web", "redirect_uris"]), Got::Unknown));
        assert!(matches!(v.get(&["client_id"]), Got::Unknown));
        assert!(matches!(v.get(&["display_name"]), Got::Absent));
        // An empty block list: nothing below it is set.
        assert!(matches!(
            v.get(&["web", "implicit_grant", "id_token_issuance_enabled"]),
            Got::Known(Value::Null)
        ));
        assert!(matches!(
            v.get(&["api", "requested_access_token_version"]),
            Got::Known(Value::Null)
        ));
        // planned_values leave unknown values out.
        let planned = view(&values, &NULL, true);
        assert!(matches!(planned.get(&["client_id"]), Got::Unknown));
    }

    #[test]
    fn a_password_value_is_never_read() {
        let values = json!({"password": [{"display_name": "ngrok", "end_date": "2028-06-01T00:00:00Z", "value": "Q1x8Q~secret-value-never-shown"}]});
        let reg = application("azuread_application.a", &view(&values, &NULL, false)).unwrap();
        assert_eq!(reg.password_credentials.len(), 1);
        assert!(!format!("{reg:?}").contains("never-shown"));
    }
}
