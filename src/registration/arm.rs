//! ARM templates compiled from Bicep (`bicep build`) with the Microsoft Graph extension:
//! `Microsoft.Graph/applications@v1.0` and `Microsoft.Graph/servicePrincipals@v1.0`, whose
//! `properties` carry Graph's own names, so the Graph application parsing reads them. The
//! template's `resources` are an array, or (`languageVersion` 2.0, which extensions use) an
//! object keyed by symbolic name; a Bicep module is a nested `Microsoft.Resources/deployments`
//! whose `properties.template` is read the same way. A value that is still a template
//! expression (`"[parameters('callback')]"`) is resolved only at deployment: each check that
//! needs it skips and says so.
//! <https://learn.microsoft.com/graph/templates/reference/applications>,
//! <https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax>

use super::build::build;
use super::parse::{ParseError, deserialize};
use super::raw::RawApp;
use super::{Field, Registration, ServicePrincipal, Shape, Undecided};
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Nested deployments (Bicep modules) deeper than this are not read.
const MAX_DEPTH: usize = 8;

#[derive(Debug, Deserialize)]
struct Template<'a> {
    #[serde(borrow)]
    resources: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct Resource<'a> {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    name: Option<Value>,
    /// `existing: true` refers to a resource the template does not declare.
    #[serde(default)]
    existing: Option<bool>,
    #[serde(borrow)]
    properties: Option<&'a RawValue>,
}

/// `languageVersion` 2.0's `resources`: symbolic name -> resource, in document order.
struct Symbolic<'a>(Vec<(String, Resource<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Symbolic<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Symbolic<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of resources keyed by symbolic name")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Resource<'a>>()? {
                    out.push((k, v));
                }
                Ok(Symbolic(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize)]
struct Deployment<'a> {
    #[serde(borrow)]
    template: Option<&'a RawValue>,
}

/// What a template declares, flattened across nested deployments.
#[derive(Debug, Default)]
struct Found {
    /// (address, properties) of each application.
    apps: Vec<(String, Value)>,
    /// (address, scope, properties) of each service principal.
    sps: Vec<(String, String, Value)>,
    types: BTreeMap<String, usize>,
}

/// `kind` (`Microsoft.Graph/applications@v1.0`, or without `@version` where the template
/// gives `apiVersion` apart) is the resource type `name`.
fn is_type(kind: &str, name: &str) -> bool {
    kind.split('@')
        .next()
        .unwrap_or(kind)
        .eq_ignore_ascii_case(name)
}

/// The resources of one template into `found`; `scope` prefixes addresses (`module/`).
fn walk(raw: &RawValue, scope: &str, depth: usize, found: &mut Found) -> Result<(), ParseError> {
    let text = raw.get().trim_start();
    // (address, whether the array gave no literal name, resource)
    let list: Vec<(String, bool, Resource<'_>)> = if text.starts_with('[') {
        let items: Vec<Resource<'_>> = serde_json::from_str(raw.get()).map_err(json_error)?;
        items
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let name = r
                    .name
                    .as_ref()
                    .and_then(Value::as_str)
                    .filter(|n| !is_expression(n))
                    .map(str::to_owned);
                (
                    name.clone().unwrap_or_else(|| format!("resources[{i}]")),
                    name.is_none(),
                    r,
                )
            })
            .collect()
    } else if text.starts_with('{') {
        let Symbolic(items) = serde_json::from_str(raw.get()).map_err(json_error)?;
        items.into_iter().map(|(k, r)| (k, false, r)).collect()
    } else {
        return Ok(());
    };
    for (name, unnamed, r) in list {
        let kind = r.kind.clone().unwrap_or_default();
        *found.types.entry(kind.clone()).or_default() += 1;
        if r.existing == Some(true) {
            continue;
        }
        let address = format!("{scope}{name}");
        let properties = || -> Result<Value, ParseError> {
            r.properties
                .map_or(Ok(Value::Null), |p| serde_json::from_str(p.get()))
                .map_err(json_error)
        };
        if is_type(&kind, "Microsoft.Graph/applications") {
            let props = properties()?;
            // In a `resources` array without a literal name, the app's own key names it.
            let address = match props.get("uniqueName").and_then(Value::as_str) {
                Some(unique) if unnamed && !is_expression(unique) => format!("{scope}{unique}"),
                _ => address,
            };
            found.apps.push((address, props));
        } else if is_type(&kind, "Microsoft.Graph/servicePrincipals") {
            found.sps.push((address, scope.to_owned(), properties()?));
        } else if is_type(&kind, "Microsoft.Resources/deployments") && depth < MAX_DEPTH {
            let Some(p) = r.properties else { continue };
            let d: Deployment<'_> = serde_json::from_str(p.get()).map_err(json_error)?;
            let Some(template) = d.template else { continue };
            let inner: Template<'_> = serde_json::from_str(template.get()).map_err(json_error)?;
            if let Some(resources) = inner.resources {
                walk(resources, &format!("{address}/"), depth + 1, found)?;
            }
        }
    }
    Ok(())
}

fn json_error(e: serde_json::Error) -> ParseError {
    ParseError::Json {
        path: "$.resources".into(),
        message: e.to_string(),
    }
}

/// `"[...]"`: an ARM template expression (`"[["` starts a literal `[`).
fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

/// `value` without its template expressions, each recorded with its JSON path; an escaped
/// literal (`"[[..."`) loses its first `[`.
fn strip_expressions(value: Value, path: &str, found: &mut Vec<(String, String)>) -> Option<Value> {
    match value {
        Value::String(s) if is_expression(&s) => {
            found.push((path.to_owned(), s));
            None
        }
        Value::String(s) if s.starts_with("[[") => Some(Value::String(s[1..].to_owned())),
        Value::Array(items) => Some(Value::Array(
            items
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| strip_expressions(v, &format!("{path}[{i}]"), found))
                .collect(),
        )),
        Value::Object(map) => Some(Value::Object(
            map.into_iter()
                .filter_map(|(k, v)| {
                    let at = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    strip_expressions(v, &at, found).map(|v| (k, v))
                })
                .collect(),
        )),
        other => Some(other),
    }
}

/// The field an expression at `path` (Graph names) leaves undecided.
fn field_of(path: &str) -> Vec<Field> {
    let top = path.split(['.', '[']).next().unwrap_or(path);
    match top {
        "appId" => vec![Field::AppId],
        "signInAudience" => vec![Field::Audience],
        "web" if path.starts_with("web.implicitGrantSettings") => vec![Field::Implicit],
        "web" if path.starts_with("web.redirectUris") => vec![Field::WebRedirects],
        "web" if path == "web" => vec![Field::WebRedirects, Field::Implicit],
        "api" if path == "api" || path.starts_with("api.requestedAccessTokenVersion") => {
            vec![Field::TokenVersion]
        }
        "requiredResourceAccess" => vec![Field::Permissions],
        "passwordCredentials" => vec![Field::Secrets],
        "accountEnabled" => vec![Field::SpEnabled],
        "appRoleAssignmentRequired" => vec![Field::SpAssignment],
        _ => Vec::new(),
    }
}

fn undecide(reg: &mut Registration, expressions: &[(String, String)]) {
    for (path, expr) in expressions {
        for field in field_of(path) {
            if reg.known.undecided(field).is_none() {
                reg.known.undecided.push(Undecided {
                    field,
                    name: path.clone(),
                    reason: format!(
                        "the template expression {} (resolved only when deployed): lint the app once deployed (az ad app show --id <client id>)",
                        serde_json::to_string(&expr.chars().take(120).collect::<String>())
                            .unwrap_or_default()
                    ),
                });
            }
        }
    }
}

/// The application declared with `props` at `address`.
fn application(address: &str, props: Value) -> Result<Registration, ParseError> {
    let mut expressions = Vec::new();
    let cleaned = strip_expressions(props, "", &mut expressions).unwrap_or(Value::Null);
    let raw: RawApp = serde_json::from_value(cleaned).map_err(|e| ParseError::Json {
        path: format!("{address}.properties"),
        message: e.to_string(),
    })?;
    let mut reg = build(raw);
    reg.shape = Shape::ArmTemplate;
    reg.address = Some(address.to_owned());
    reg.service_principal = None;
    undecide(&mut reg, &expressions);
    if reg.app_id.is_none() && reg.known.undecided(Field::AppId).is_none() {
        reg.known.undecided.push(Undecided {
            field: Field::AppId,
            name: "appId".into(),
            reason: "assigned by Microsoft Entra when the template is deployed (read-only in Bicep): lint the app once deployed (az ad app show --id <client id>)".into(),
        });
    }
    if !reg.known.secrets && reg.known.undecided(Field::Secrets).is_none() {
        reg.known.undecided.push(Undecided {
            field: Field::Secrets,
            name: "passwordCredentials".into(),
            reason: "not in the template: Microsoft Graph Bicep does not create application passwords, so the secret ngrok uses is added outside it (az ad app credential reset --id <client id> --append); lint the app once deployed".into(),
        });
    }
    Ok(reg)
}

/// The symbolic name in `[reference('app').appId]` (Bicep's `app.appId`).
fn referenced(expr: &str) -> Option<&str> {
    let at = expr.find("reference('")? + "reference('".len();
    let rest = &expr[at..];
    Some(&rest[..rest.find('\'')?])
}

/// The service principal declared with `props`: joined to the application it references
/// (`None`), or a registration of its own.
fn service_principal(
    address: &str,
    scope: &str,
    props: Value,
    apps: &mut [Registration],
    by_address: &HashMap<String, usize>,
) -> Option<Registration> {
    let mut expressions = Vec::new();
    let cleaned = strip_expressions(props, "", &mut expressions).unwrap_or(Value::Null);
    let flag = |k: &str| cleaned.get(k).and_then(Value::as_bool);
    let sp = ServicePrincipal {
        object_id: None,
        account_enabled: flag("accountEnabled"),
        app_role_assignment_required: flag("appRoleAssignmentRequired"),
        app_owner_organization_id: None,
        disabled_by_microsoft_status: cleaned
            .get("disabledByMicrosoftStatus")
            .and_then(Value::as_str)
            .filter(|s| !s.eq_ignore_ascii_case("NotDisabled"))
            .map(str::to_owned),
    };
    let app_id = cleaned
        .get("appId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let target = expressions
        .iter()
        .find(|(p, _)| p == "appId")
        .and_then(|(_, e)| referenced(e))
        .map(|sym| format!("{scope}{sym}"));
    let own: Vec<(String, String)> = expressions
        .iter()
        .filter(|(p, _)| p != "appId")
        .map(|(p, e)| (p.clone(), e.clone()))
        .collect();
    // Bicep's `app.appId` compiles to `[reference('app').appId]`; a literal appId is another
    // app's, joined (by lint) with that app's own file.
    let app = target
        .and_then(|t| by_address.get(&t))
        .map(|&i| &mut apps[i])
        .filter(|a| a.service_principal.is_none());
    if let Some(app) = app {
        app.service_principal = Some(Box::new(sp));
        undecide(app, &own);
        return None;
    }
    let mut reg = Registration::declared(Shape::ServicePrincipal, address);
    reg.app_id = app_id;
    reg.display_name = cleaned
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    reg.service_principal = Some(Box::new(sp));
    undecide(&mut reg, &expressions);
    Some(reg)
}

/// Parses an ARM template into one registration per application (service principals joined),
/// and lone service principals after them.
pub(super) fn parse(bytes: &[u8]) -> Result<Vec<Registration>, ParseError> {
    let t: Template<'_> = deserialize(bytes)?;
    let mut found = Found::default();
    if let Some(resources) = t.resources {
        walk(resources, "", 0, &mut found)?;
    }
    let mut apps = found
        .apps
        .into_iter()
        .map(|(address, props)| application(&address, props))
        .collect::<Result<Vec<_>, _>>()?;
    let by_address: HashMap<String, usize> = apps
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((a.address.clone()?, i)))
        .collect();
    let mut alone = Vec::new();
    for (address, scope, props) in found.sps {
        alone.extend(service_principal(
            &address,
            &scope,
            props,
            &mut apps,
            &by_address,
        ));
    }
    apps.extend(alone);
    if apps.is_empty() {
        let total: usize = found.types.values().sum();
        let list: Vec<String> = found
            .types
            .iter()
            .take(8)
            .map(|(t, n)| format!("{} ({n})", if t.is_empty() { "(no type)" } else { t }))
            .collect();
        return Err(ParseError::Code(if total == 0 {
            "an ARM template with no resources, so no Microsoft.Graph/applications to lint".into()
        } else {
            format!(
                "an ARM template with {total} resource(s) and no Microsoft.Graph/applications or Microsoft.Graph/servicePrincipals: found {}",
                list.join(", ")
            )
        }));
    }
    Ok(apps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_taken_out_with_their_path() {
        let v = serde_json::json!({"web": {"redirectUris": ["[parameters('cb')]", "[[literal]"]}, "signInAudience": "AzureADMultipleOrgs"});
        let mut found = Vec::new();
        let out = strip_expressions(v, "", &mut found).unwrap();
        assert_eq!(
            found,
            vec![(
                "web.redirectUris[0]".to_owned(),
                "[parameters('cb')]".to_owned()
            )]
        );
        assert_eq!(out["web"]["redirectUris"], serde_json::json!(["[literal]"]));
        assert_eq!(field_of("web.redirectUris[0]"), vec![Field::WebRedirects]);
        assert_eq!(
            referenced("[reference('ngrokApp').appId]"),
            Some("ngrokApp")
        );
    }
}
