//! Terraform JSON: `terraform show -json plan.tfplan` (`planned_values`, `resource_changes`
//! with `after`/`after_unknown`, `configuration`) and `terraform show -json` of state
//! (`values`). Every module is read, each resource under its full address. The application
//! resources (`azuread_application`, `azuread_application_registration`) become registrations;
//! the resources that add to one (`azuread_application_redirect_uris`, `_api_access`,
//! `_password`) and `azuread_service_principal` join it, by the ids their values hold (state,
//! or a plan of existing resources) or else by the references the configuration records.
//! Only the few azuread resources are materialised: the others stay borrowed raw text, so a
//! plan of 100,000 resources costs its bytes and one pass.
//! <https://developer.hashicorp.com/terraform/internals/json-format>

mod address;
mod resources;

use super::parse::{ParseError, deserialize};
use super::{Field, Registration, Shape, Undecided};
use address::{APP_TYPES, Config, ConfigModule, Place};
use resources::{Child, Got, View};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Deserialize)]
struct Doc<'a> {
    format_version: Option<String>,
    #[serde(borrow)]
    planned_values: Option<Values<'a>>,
    #[serde(borrow)]
    values: Option<Values<'a>>,
    #[serde(default, borrow)]
    resource_changes: Vec<Change<'a>>,
    #[serde(borrow)]
    configuration: Option<Configuration<'a>>,
}

#[derive(Debug, Deserialize)]
struct Values<'a> {
    #[serde(borrow)]
    root_module: Option<Module<'a>>,
}

#[derive(Debug, Deserialize)]
struct Module<'a> {
    #[serde(default, borrow)]
    resources: Vec<Resource<'a>>,
    #[serde(default, borrow)]
    child_modules: Vec<Self>,
}

#[derive(Debug, Deserialize)]
struct Resource<'a> {
    address: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    values: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct Change<'a> {
    address: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    /// A deposed object (the old half of a create-before-destroy): not the resource's future.
    #[serde(default)]
    deposed: Option<serde::de::IgnoredAny>,
    #[serde(borrow)]
    change: ChangeBody<'a>,
}

#[derive(Debug, Deserialize)]
struct ChangeBody<'a> {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(borrow)]
    after: Option<&'a RawValue>,
    #[serde(borrow)]
    after_unknown: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct Configuration<'a> {
    #[serde(borrow)]
    root_module: Option<ConfigModule<'a>>,
}

/// The resource types read; everything else is only counted.
const SP_TYPE: &str = "azuread_service_principal";

fn interesting(kind: &str) -> bool {
    APP_TYPES.contains(&kind) || kind == SP_TYPE || Child::of(kind).is_some()
}

/// One azuread resource instance as the document has it.
#[derive(Debug)]
struct Instance<'a> {
    address: String,
    kind: String,
    values: Option<&'a RawValue>,
    unknown: Option<&'a RawValue>,
    /// From `planned_values` without a change entry: unknown values are simply left out.
    planned: bool,
}

/// What the document holds: the azuread instances in document order, and a count of every
/// resource type (for the message when there is no application).
#[derive(Debug, Default)]
struct Inventory<'a> {
    instances: Vec<Instance<'a>>,
    index: HashMap<String, usize>,
    seen: HashSet<String>,
    types: BTreeMap<String, usize>,
}

impl<'a> Inventory<'a> {
    fn count(&mut self, address: &str, mode: Option<&str>, kind: &str) {
        if self.seen.insert(address.to_owned()) {
            let name = match mode {
                Some("data") => format!("data.{kind}"),
                _ => kind.to_owned(),
            };
            *self.types.entry(name).or_default() += 1;
        }
    }

    fn upsert(&mut self, inst: Instance<'a>) {
        match self.index.get(&inst.address) {
            Some(&i) => self.instances[i] = inst,
            None => {
                self.index
                    .insert(inst.address.clone(), self.instances.len());
                self.instances.push(inst);
            }
        }
    }

    fn module(&mut self, m: &Module<'a>, planned: bool) {
        for r in &m.resources {
            self.count(&r.address, r.mode.as_deref(), &r.kind);
            if r.mode.as_deref().is_none_or(|m| m == "managed") && interesting(&r.kind) {
                self.upsert(Instance {
                    address: r.address.clone(),
                    kind: r.kind.clone(),
                    values: r.values,
                    unknown: None,
                    planned,
                });
            }
        }
        for child in &m.child_modules {
            self.module(child, planned);
        }
    }

    fn change(&mut self, c: &Change<'a>) {
        if c.deposed.is_some() {
            return;
        }
        self.count(&c.address, c.mode.as_deref(), &c.kind);
        if c.mode.as_deref().is_some_and(|m| m != "managed") || !interesting(&c.kind) {
            return;
        }
        // Destroyed: not part of what the plan leaves.
        if c.change.actions.iter().all(|a| a == "delete") && !c.change.actions.is_empty() {
            if let Some(i) = self.index.remove(&c.address) {
                self.instances[i].values = None;
            }
            return;
        }
        self.upsert(Instance {
            address: c.address.clone(),
            kind: c.kind.clone(),
            values: c.change.after,
            unknown: c.change.after_unknown,
            planned: false,
        });
    }
}

/// Parses Terraform JSON into one registration per application (service principals joined),
/// and lone service principals after them.
pub(super) fn parse(bytes: &[u8]) -> Result<Vec<Registration>, ParseError> {
    let doc: Doc<'_> = deserialize(bytes)?;
    check_format(doc.format_version.as_deref())?;
    let is_plan = doc.planned_values.is_some() || !doc.resource_changes.is_empty();
    let mut inv = Inventory::default();
    for (values, planned) in [(&doc.values, false), (&doc.planned_values, true)] {
        if let Some(root) = values.as_ref().and_then(|v| v.root_module.as_ref()) {
            inv.module(root, planned);
        }
    }
    for c in &doc.resource_changes {
        inv.change(c);
    }
    let config = Config::new(
        doc.configuration
            .as_ref()
            .and_then(|c| c.root_module.as_ref()),
    );
    let regs = assemble(&inv, &config)?;
    if regs.is_empty() {
        return Err(ParseError::Code(nothing_found(&inv.types, is_plan)));
    }
    Ok(regs)
}

/// Rejects a major `format_version` this reader does not know, as Terraform asks consumers to.
fn check_format(version: Option<&str>) -> Result<(), ParseError> {
    let Some(v) = version else { return Ok(()) };
    match v.split('.').next().and_then(|m| m.parse::<u32>().ok()) {
        Some(0 | 1) => Ok(()),
        _ => Err(ParseError::Code(format!(
            "Terraform JSON format_version {:?} is not one this tool reads (major version 1, or 0 from Terraform 0.12 to 0.15): a new major version may change any field",
            v.chars().take(20).collect::<String>()
        ))),
    }
}

/// "a Terraform plan with no Entra application: found ..."
fn nothing_found(types: &BTreeMap<String, usize>, is_plan: bool) -> String {
    let what = if is_plan { "plan" } else { "state" };
    if types.is_empty() {
        return format!(
            "a Terraform {what} with no resources, so no Entra application (azuread_application or azuread_application_registration) to lint"
        );
    }
    let total: usize = types.values().sum();
    let mut found: Vec<String> = types
        .iter()
        .take(8)
        .map(|(t, n)| format!("{t} ({n})"))
        .collect();
    if types.len() > 8 {
        found.push(format!("and {} more types", types.len() - 8));
    }
    format!(
        "a Terraform {what} with {total} resource(s) and no Entra application (azuread_application, azuread_application_registration or azuread_service_principal): found {}",
        found.join(", ")
    )
}

/// The instance's values and unknowns, parsed (only azuread instances get here).
fn parsed(inst: &Instance<'_>) -> (Value, Value) {
    let parse = |raw: Option<&RawValue>| {
        raw.and_then(|r| serde_json::from_str(r.get()).ok())
            .unwrap_or(Value::Null)
    };
    (parse(inst.values), parse(inst.unknown))
}

/// The object id in an application id (`/applications/<object id>`, or the bare object id of
/// provider 2.x), lowercased, for joins by value.
fn object_key(s: &str) -> String {
    s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase()
}

struct App {
    place: Place,
    reg: Registration,
    /// `id` and `object_id`, as [`object_key`]s.
    keys: Vec<String>,
}

/// Which application a child or a service principal adds to.
enum Target {
    App(usize),
    /// Names an application this document does not declare.
    Elsewhere,
    /// Cannot be followed (a local value, several candidates).
    Unknown,
}

/// The applications by what children and service principals join them with, so each join
/// is a look-up, not a scan (a plan may hold thousands).
#[derive(Default)]
struct Index {
    by_key: HashMap<String, Vec<usize>>,
    by_client_id: HashMap<String, Vec<usize>>,
    by_place: HashMap<(String, String), Vec<usize>>,
    /// (configuration module, resource, module instance) -> instances.
    by_module: HashMap<(String, String, String), Vec<usize>>,
    /// (configuration module, resource, module instance, key) -> the instance.
    by_instance: HashMap<(String, String, String, String), usize>,
}

impl Index {
    fn new(apps: &[App]) -> Self {
        let mut index = Self::default();
        for (i, app) in apps.iter().enumerate() {
            for key in &app.keys {
                index.by_key.entry(key.clone()).or_default().push(i);
            }
            if let Some(id) = &app.reg.app_id {
                let id = id.to_ascii_lowercase();
                index.by_client_id.entry(id).or_default().push(i);
            }
            let p = &app.place;
            let place = (p.config_module.clone(), p.resource.clone());
            index.by_place.entry(place).or_default().push(i);
            let module = (
                p.config_module.clone(),
                p.resource.clone(),
                p.module.clone(),
            );
            index.by_module.entry(module).or_default().push(i);
            let instance = (
                p.config_module.clone(),
                p.resource.clone(),
                p.module.clone(),
                p.key.clone(),
            );
            index.by_instance.entry(instance).or_insert(i);
        }
        index
    }
}

/// How a child or a service principal names its application.
struct Naming<'n> {
    place: &'n Place,
    /// The application's id (`application_id`) or client id, when the values hold it.
    value: Option<&'n [usize]>,
    value_known: bool,
    /// The configuration arguments that reference it.
    arguments: &'n [&'n str],
}

fn find_app(apps: &[App], index: &Index, config: &Config<'_>, n: &Naming<'_>) -> Target {
    if n.value_known {
        return match n.value.and_then(|v| v.first()) {
            Some(&i) => Target::App(i),
            None => Target::Elsewhere,
        };
    }
    let place = n.place;
    let refs: Vec<String> = n
        .arguments
        .iter()
        .flat_map(|a| config.argument_refs(place, a))
        .collect();
    if let Some((module, resource)) = config.resolve(&place.config_module, &refs) {
        // Look-ups only: the one instance of that resource, else (a reference within the same
        // module) the instance of the same module instance and key (`each.key`, `count.index`),
        // else the one instance in the same module instance.
        let all = index.by_place.get(&(module.clone(), resource.clone()));
        if let Some([one]) = all.map(Vec::as_slice) {
            return Target::App(*one);
        }
        if module != place.config_module {
            return Target::Unknown;
        }
        let instance = (
            module.clone(),
            resource.clone(),
            place.module.clone(),
            place.key.clone(),
        );
        if let Some(&i) = index.by_instance.get(&instance) {
            return Target::App(i);
        }
        return match index
            .by_module
            .get(&(module, resource, place.module.clone()))
            .map(Vec::as_slice)
        {
            Some([one]) => Target::App(*one),
            _ => Target::Unknown,
        };
    }
    if refs.iter().any(|r| r.starts_with("data.")) {
        return Target::Elsewhere;
    }
    match apps {
        [_] => Target::App(0),
        _ => Target::Unknown,
    }
}

/// Builds the registrations: applications first, their children and service principals
/// joined to them, lone service principals last.
fn assemble(inv: &Inventory<'_>, config: &Config<'_>) -> Result<Vec<Registration>, ParseError> {
    let live = || inv.instances.iter().filter(|i| i.values.is_some());
    let mut apps = Vec::new();
    for inst in live().filter(|i| APP_TYPES.contains(&i.kind.as_str())) {
        let (values, unknown) = parsed(inst);
        let view = View {
            values: &values,
            unknown: &unknown,
            planned: inst.planned,
        };
        let reg = if inst.kind == "azuread_application" {
            resources::application(&inst.address, &view)?
        } else {
            resources::registration(&inst.address, &view)
        };
        let keys = ["id", "object_id"]
            .iter()
            .filter_map(|k| values.get(k).and_then(Value::as_str).map(object_key))
            .collect();
        apps.push(App {
            place: Place::of(&inst.address),
            reg,
            keys,
        });
    }
    let index = Index::new(&apps);
    for inst in live() {
        let Some(child) = Child::of(&inst.kind) else {
            continue;
        };
        let (values, unknown) = parsed(inst);
        let view = View {
            values: &values,
            unknown: &unknown,
            planned: inst.planned,
        };
        let place = Place::of(&inst.address);
        let id = match view.get(&["application_id"]) {
            Got::Absent => view.get(&["application_object_id"]),
            other => other,
        };
        let key = match id {
            Got::Known(v) => v.as_str().map(object_key),
            _ => None,
        };
        let naming = Naming {
            place: &place,
            value: key
                .as_ref()
                .and_then(|k| index.by_key.get(k))
                .map(Vec::as_slice),
            value_known: key.is_some(),
            arguments: &["application_id", "application_object_id"],
        };
        match find_app(&apps, &index, config, &naming) {
            Target::App(i) => resources::add_child(&mut apps[i].reg, child, &inst.address, &view)?,
            Target::Elsewhere => {}
            Target::Unknown => {
                for app in &mut apps {
                    cannot_follow(&mut app.reg, child.field(), &inst.address);
                }
            }
        }
    }
    let mut alone = Vec::new();
    for inst in live().filter(|i| i.kind == SP_TYPE) {
        let (values, unknown) = parsed(inst);
        let view = View {
            values: &values,
            unknown: &unknown,
            planned: inst.planned,
        };
        let place = Place::of(&inst.address);
        let (sp, client_id, undecided) = resources::service_principal(&inst.address, &view);
        let known_id = match &client_id {
            Got::Known(id) => id.clone(),
            _ => None,
        };
        // The first application of that client id without a service principal yet.
        let free: Option<Vec<usize>> = known_id.as_ref().map(|id| {
            index
                .by_client_id
                .get(&id.to_ascii_lowercase())
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| apps[i].reg.service_principal.is_none())
                .collect()
        });
        let naming = Naming {
            place: &place,
            value: free.as_deref(),
            value_known: known_id.is_some(),
            arguments: &["client_id", "application_id"],
        };
        let target = find_app(&apps, &index, config, &naming);
        match target {
            Target::App(i) if apps[i].reg.service_principal.is_none() => {
                let reg = &mut apps[i].reg;
                reg.service_principal = Some(Box::new(sp));
                reg.known.undecided.extend(undecided);
            }
            _ => {
                let mut reg = Registration::declared(Shape::ServicePrincipal, &inst.address);
                reg.app_id = known_id;
                if matches!(client_id, Got::Unknown) {
                    reg.known.undecided.push(Undecided {
                        field: Field::AppId,
                        name: format!("{}.client_id", inst.address),
                        reason: resources::AFTER_APPLY.to_owned(),
                    });
                }
                reg.display_name = values
                    .get("display_name")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned);
                reg.service_principal = Some(Box::new(sp));
                reg.known.undecided.extend(undecided);
                alone.push(reg);
            }
        }
    }
    Ok(apps.into_iter().map(|a| a.reg).chain(alone).collect())
}

/// `address` adds to one of several applications, and which one cannot be told.
fn cannot_follow(reg: &mut Registration, field: Field, address: &str) {
    if reg.known.undecided(field).is_none() {
        reg.known.undecided.push(Undecided {
            field,
            name: format!("what {address} adds"),
            reason: "not known to be this application's: its application_id is an expression oauth-preflight cannot follow to one application (a local value?); lint the state once applied (terraform show -json)".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(address: &str, name: &str) -> Value {
        json!({"address": address, "mode": "managed", "type": "azuread_application", "name": name,
               "values": {"display_name": address, "sign_in_audience": "AzureADMultipleOrgs", "web": [], "api": [],
                          "required_resource_access": [], "password": []}})
    }

    fn password(address: &str) -> Value {
        json!({"address": address, "mode": "managed", "type": "azuread_application_password", "name": "p",
               "values": {"display_name": "ngrok", "end_date": "2028-06-01T00:00:00Z"}})
    }

    fn cfg(address: &str, kind: &str, refs: &[&str]) -> Value {
        json!({"address": address, "mode": "managed", "type": kind,
               "expressions": {"application_id": {"references": refs}}})
    }

    fn parse_value(doc: &Value) -> Vec<Registration> {
        parse(doc.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn destroyed_applications_are_not_linted() {
        let doc = json!({"format_version": "1.2",
            "planned_values": {"root_module": {"resources": [app("azuread_application.new", "new")]}},
            "resource_changes": [
                {"address": "azuread_application.old", "mode": "managed", "type": "azuread_application", "name": "old",
                 "change": {"actions": ["delete"], "before": {}, "after": null, "after_unknown": {}}}]});
        let regs = parse_value(&doc);
        assert_eq!(regs.len(), 1);
        assert_eq!(regs[0].address.as_deref(), Some("azuread_application.new"));
    }

    #[test]
    fn instances_join_by_their_key() {
        let doc = json!({"format_version": "1.2",
            "planned_values": {"root_module": {"resources": [
                app("azuread_application.a[0]", "a"), app("azuread_application.a[1]", "a"),
                password("azuread_application_password.p[1]")]}},
            "configuration": {"root_module": {"resources": [
                cfg("azuread_application_password.p", "azuread_application_password",
                    &["azuread_application.a[count.index].id", "azuread_application.a[count.index]", "azuread_application.a"])]}}});
        let regs = parse_value(&doc);
        assert!(regs[0].password_credentials.is_empty());
        assert_eq!(regs[1].password_credentials.len(), 1);
    }

    #[test]
    fn a_child_that_cannot_be_followed_among_several_apps_is_undecided_for_each() {
        let doc = json!({"format_version": "1.2",
            "planned_values": {"root_module": {"resources": [
                app("azuread_application.a", "a"), app("azuread_application.b", "b"),
                password("azuread_application_password.p")]}},
            "configuration": {"root_module": {"resources": [
                cfg("azuread_application_password.p", "azuread_application_password", &["local.app_id"])]}}});
        let regs = parse_value(&doc);
        for reg in &regs {
            let u = reg.known.undecided(Field::Secrets).expect("undecided");
            assert!(
                u.describe().contains("azuread_application_password.p"),
                "{u:?}"
            );
        }
        // One application: the password can only be its own.
        let doc = json!({"format_version": "1.2",
            "planned_values": {"root_module": {"resources": [
                app("azuread_application.a", "a"), password("azuread_application_password.p")]}}});
        assert_eq!(parse_value(&doc)[0].password_credentials.len(), 1);
    }

    #[test]
    fn a_service_principal_of_another_app_stands_alone() {
        let doc = json!({"format_version": "1.0", "values": {"root_module": {"resources": [
            app("azuread_application.a", "a"),
            {"address": "azuread_service_principal.other", "mode": "managed", "type": "azuread_service_principal",
             "name": "other", "values": {"client_id": "00000001-1111-4000-8000-000000000001", "account_enabled": false}}]}}});
        let regs = parse_value(&doc);
        assert_eq!(regs.len(), 2);
        assert!(regs[0].service_principal.is_none());
        assert_eq!(regs[1].shape, Shape::ServicePrincipal);
        assert_eq!(
            regs[1].app_id.as_deref(),
            Some("00000001-1111-4000-8000-000000000001")
        );
        assert_eq!(
            regs[1].service_principal.as_ref().unwrap().account_enabled,
            Some(false)
        );
    }

    #[test]
    fn format_versions() {
        assert!(check_format(Some("1.2")).is_ok());
        assert!(check_format(Some("0.1")).is_ok());
        assert!(check_format(None).is_ok());
        assert!(check_format(Some("2.0")).is_err());
        assert!(check_format(Some("v1")).is_err());
    }
}
