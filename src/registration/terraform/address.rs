//! Terraform addresses and references, as `terraform show -json` writes them: an instance
//! address (`module.auth["eu"].azuread_application.this[0]`) is a module instance path, then a
//! resource, then an instance key; a configuration address has no keys. The references a
//! configuration records (`azuread_application_registration.ngrok.id`, `var.application_id`,
//! `module.auth.client_id`) are followed, across module calls and outputs, to the application
//! resource they name.
//! <https://developer.hashicorp.com/terraform/internals/json-format> (configuration
//! representation, expression representation)

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

/// The resource types that are an Entra application.
pub(super) const APP_TYPES: [&str; 2] = ["azuread_application", "azuread_application_registration"];

/// How far references are followed through variables, module outputs and module calls.
const MAX_HOPS: usize = 16;

/// Splits `s` at its first `.` that is outside brackets and quotes.
fn split_dot(s: &str) -> (&str, Option<&str>) {
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            '.' if !quoted && depth == 0 => return (&s[..i], Some(&s[i + 1..])),
            _ => {}
        }
    }
    (s, None)
}

/// `s` without its `[...]` instance keys.
pub(super) fn strip_keys(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The trailing `[...]` of a resource address, if it has one.
fn instance_key(local: &str) -> Option<&str> {
    let (_, name) = split_dot(local);
    let name = name?;
    name.find('[').map(|i| &name[i..])
}

/// One resource instance's place: module instance path, configuration module path, the
/// resource's configuration address within its module, and its instance key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place {
    /// `module.auth["eu"]`, or empty in the root module.
    pub(super) module: String,
    /// `module.auth`: the module path without instance keys.
    pub(super) config_module: String,
    /// `azuread_application.this`.
    pub(super) resource: String,
    /// `[0]`, `["eu"]`, or empty.
    pub(super) key: String,
}

impl Place {
    /// The place of the instance at `address`.
    pub(super) fn of(address: &str) -> Self {
        let mut rest = address;
        let mut module_len = 0;
        while let (first, Some(tail)) = split_dot(rest) {
            if first != "module" {
                break;
            }
            let (_, after_name) = split_dot(tail);
            let Some(after_name) = after_name else { break };
            module_len = address.len() - after_name.len();
            rest = after_name;
        }
        let module = address[..module_len].trim_end_matches('.').to_owned();
        Self {
            config_module: strip_keys(&module),
            resource: strip_keys(rest),
            key: instance_key(rest).unwrap_or_default().to_owned(),
            module,
        }
    }
}

/// `(type, name)` of a reference to a managed resource (`azuread_application.x.id`,
/// `azuread_application.x[0]`); `None` for `var.`, `local.`, `module.`, `data.` and the like.
fn resource_ref(r: &str) -> Option<(&str, String)> {
    let (kind, rest) = split_dot(r);
    let rest = rest?;
    if matches!(
        kind,
        "var" | "local" | "module" | "data" | "each" | "count" | "path" | "self" | "terraform"
    ) {
        return None;
    }
    let (name, _) = split_dot(rest);
    Some((kind, strip_keys(name)))
}

/// A module of the configuration representation, only what the joins read.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ConfigModule<'a> {
    #[serde(default, borrow)]
    resources: Vec<ConfigResource<'a>>,
    #[serde(default, borrow)]
    module_calls: BTreeMap<String, ModuleCall<'a>>,
    #[serde(default)]
    outputs: BTreeMap<String, ConfigOutput>,
}

#[derive(Debug, Deserialize)]
struct ConfigResource<'a> {
    address: String,
    /// `managed` or `data`.
    #[serde(default)]
    mode: Option<String>,
    #[serde(borrow)]
    expressions: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct ModuleCall<'a> {
    #[serde(borrow)]
    expressions: Option<&'a RawValue>,
    #[serde(borrow)]
    module: Option<Box<ConfigModule<'a>>>,
}

#[derive(Debug, Deserialize)]
struct ConfigOutput {
    expression: Option<Expression>,
}

#[derive(Debug, Default, Deserialize)]
struct Expression {
    #[serde(default)]
    references: Vec<String>,
}

/// The references of one argument of an expressions block, if it has any.
fn refs_of(expressions: Option<&RawValue>, argument: &str) -> Vec<String> {
    let Some(raw) = expressions else {
        return Vec::new();
    };
    // Parsed only for the few resources and module calls the joins ask about.
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(raw.get()) else {
        return Vec::new();
    };
    map.get(argument)
        .and_then(|e| e.get("references"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The configuration, indexed by configuration module path (`""`, `module.auth`).
#[derive(Debug, Default)]
pub(super) struct Config<'a> {
    modules: HashMap<String, &'a ConfigModule<'a>>,
    /// (configuration module path, resource address) -> its managed resource block.
    resources: HashMap<(String, String), &'a ConfigResource<'a>>,
}

impl<'a> Config<'a> {
    /// Indexes `root` and every module it calls.
    pub(super) fn new(root: Option<&'a ConfigModule<'a>>) -> Self {
        let mut modules = HashMap::new();
        let mut stack: Vec<(String, &'a ConfigModule<'a>)> =
            root.map(|r| (String::new(), r)).into_iter().collect();
        while let Some((path, module)) = stack.pop() {
            for (name, call) in &module.module_calls {
                if let Some(child) = call.module.as_deref() {
                    stack.push((join(&path, &format!("module.{name}")), child));
                }
            }
            modules.insert(path, module);
        }
        let mut resources = HashMap::new();
        for (path, module) in &modules {
            for r in &module.resources {
                if r.mode.as_deref() != Some("data") {
                    resources
                        .entry((path.clone(), local(&r.address)))
                        .or_insert(r);
                }
            }
        }
        Self { modules, resources }
    }

    /// The references of `argument` in the configuration of the resource at `place`.
    pub(super) fn argument_refs(&self, place: &Place, argument: &str) -> Vec<String> {
        self.resources
            .get(&(place.config_module.clone(), place.resource.clone()))
            .map(|r| refs_of(r.expressions, argument))
            .unwrap_or_default()
    }

    /// The application resource `refs` (in module `module`) lead to: its configuration module
    /// path and configuration address, following variables into the calling module and module
    /// outputs into the called one.
    pub(super) fn resolve(&self, module: &str, refs: &[String]) -> Option<(String, String)> {
        self.resolve_hops(module, refs, 0)
    }

    fn resolve_hops(&self, module: &str, refs: &[String], hops: usize) -> Option<(String, String)> {
        if hops > MAX_HOPS {
            return None;
        }
        for r in refs {
            if let Some((kind, name)) = resource_ref(r) {
                if APP_TYPES.contains(&kind) {
                    return Some((module.to_owned(), format!("{kind}.{name}")));
                }
                continue;
            }
            let (head, tail) = split_dot(r);
            let Some(tail) = tail else { continue };
            let found = match head {
                // An input variable: what the calling module passed.
                "var" => {
                    let (var, _) = split_dot(tail);
                    let (parent, call) = parent_of(module)?;
                    let call = self.modules.get(parent)?.module_calls.get(call)?;
                    let refs = refs_of(call.expressions, &strip_keys(var));
                    self.resolve_hops(parent, &refs, hops + 1)
                }
                // A module output: what the called module put in it.
                "module" => {
                    let (call, output) = split_dot(tail);
                    let Some(output) = output else { continue };
                    let (output, _) = split_dot(output);
                    let child = join(module, &format!("module.{}", strip_keys(call)));
                    let refs = self
                        .modules
                        .get(&child)
                        .and_then(|m| m.outputs.get(&strip_keys(output)))
                        .and_then(|o| o.expression.as_ref())
                        .map(|e| e.references.clone())
                        .unwrap_or_default();
                    self.resolve_hops(&child, &refs, hops + 1)
                }
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

/// `a.b`, or `b` when `a` is empty.
fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_owned()
    } else {
        format!("{a}.{b}")
    }
}

/// The configuration address of a resource within its module (configuration representations
/// of some Terraform versions write it with the module path in front).
fn local(address: &str) -> String {
    Place::of(address).resource
}

/// `(parent module path, call name)` of a configuration module path.
fn parent_of(module: &str) -> Option<(&str, &str)> {
    let at = module.rfind("module.")?;
    let parent = module[..at].trim_end_matches('.');
    Some((parent, &module[at + "module.".len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_of_addresses() {
        let p = Place::of(r#"module.auth["e.u"].module.inner[0].azuread_application.this["x.y"]"#);
        assert_eq!(p.module, r#"module.auth["e.u"].module.inner[0]"#);
        assert_eq!(p.config_module, "module.auth.module.inner");
        assert_eq!(p.resource, "azuread_application.this");
        assert_eq!(p.key, r#"["x.y"]"#);
        let root = Place::of("azuread_application.ngrok");
        assert_eq!((root.module.as_str(), root.key.as_str()), ("", ""));
        assert_eq!(root.resource, "azuread_application.ngrok");
        // A resource type named like a module keyword is still a resource.
        assert_eq!(Place::of("module").resource, "module");
    }

    #[test]
    fn references_name_resources() {
        assert_eq!(
            resource_ref("azuread_application_registration.ngrok.id"),
            Some(("azuread_application_registration", "ngrok".into()))
        );
        assert_eq!(
            resource_ref("azuread_application.x[0].client_id"),
            Some(("azuread_application", "x".into()))
        );
        assert_eq!(resource_ref("var.application_id"), None);
        assert_eq!(resource_ref("data.azuread_application.x.id"), None);
        assert_eq!(parent_of("module.a.module.b"), Some(("module.a", "b")));
        assert_eq!(parent_of("module.a"), Some(("", "a")));
        assert_eq!(parent_of(""), None);
    }

    #[test]
    fn references_are_followed_through_variables_and_outputs() {
        let json = r#"{
          "resources": [{"address": "azuread_application_password.p", "mode": "managed", "type": "azuread_application_password",
                         "expressions": {"application_id": {"references": ["module.auth.application_id", "module.auth"]}}}],
          "module_calls": {"auth": {"expressions": {"name": {"constant_value": "x"}}, "module": {
            "outputs": {"application_id": {"expression": {"references": ["azuread_application.this.id", "azuread_application.this"]}}},
            "resources": [{"address": "azuread_application.this", "mode": "managed", "type": "azuread_application"}],
            "module_calls": {"sp": {"expressions": {"client_id": {"references": ["azuread_application.this.client_id", "azuread_application.this"]}},
                                    "module": {"resources": []}}}
          }}}
        }"#;
        let root: ConfigModule<'_> = serde_json::from_str(json).unwrap();
        let cfg = Config::new(Some(&root));
        let place = Place::of("azuread_application_password.p");
        let refs = cfg.argument_refs(&place, "application_id");
        assert_eq!(
            cfg.resolve("", &refs),
            Some(("module.auth".into(), "azuread_application.this".into()))
        );
        assert_eq!(
            cfg.resolve("module.auth.module.sp", &["var.client_id".into()]),
            Some(("module.auth".into(), "azuread_application.this".into()))
        );
        assert_eq!(cfg.resolve("", &["local.app".into()]), None);
    }
}
