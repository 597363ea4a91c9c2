//! Every home of a Traffic Policy, detected from its fields (`../shared/NGROK.md` §1, DESIGN.md
//! §8.2): a policy document (`on_http_request`, legacy `inbound`); an agent configuration file
//! version 3 (`endpoints[].traffic_policy`); Kubernetes manifests, one or many YAML documents
//! (`AgentEndpoint` `spec.trafficPolicy.inline`, `CloudEndpoint` `spec.trafficPolicy.inline` or
//! the older `.policy`, `NgrokTrafficPolicy` `spec.policy`); the ngrok API's endpoint JSON, one
//! endpoint or `{"endpoints": [...]}`, whose `traffic_policy` is a string (JSON or YAML).

use serde::Deserialize;
use serde_yaml_ng::Value;

/// Documents in one file at most (a manifest of many resources).
const MAX_DOCUMENTS: usize = 10_000;

/// A traffic policy found in a file.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub(super) shape: &'static str,
    /// What names its endpoint (name, then URL), for `--endpoint`; empty for a bare policy.
    pub(super) names: Vec<String>,
    pub(super) policy: Value,
    /// An agent configuration file version 2 (`tunnels.<name>.oauth`): read, marked legacy.
    pub(super) legacy: bool,
}

/// The keys that make a mapping a Traffic Policy document (every phase, and the legacy names).
pub(super) const PHASES: [&str; 5] = [
    "on_http_request",
    "on_http_response",
    "on_tcp_connect",
    "inbound",
    "outbound",
];

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for k in path {
        cur = cur.get(*k)?;
    }
    cur.as_str()
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for k in path {
        cur = cur.get(*k)?;
    }
    Some(cur).filter(|v| !v.is_null())
}

fn names(v: &Value, keys: &[&[&str]]) -> Vec<String> {
    keys.iter()
        .filter_map(|k| text(v, k))
        .map(str::to_owned)
        .collect()
}

/// Every policy in `text`, in document order.
pub(super) fn policies(text: &str) -> Result<Vec<Found>, String> {
    let mut out = Vec::new();
    for (n, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        if n >= MAX_DOCUMENTS {
            return Err(format!("more than {MAX_DOCUMENTS} YAML documents"));
        }
        let v = Value::deserialize(doc)
            .map_err(|e| e.to_string().lines().next().unwrap_or("").to_owned())?;
        found_in(&v, &mut out)?;
    }
    Ok(out)
}

fn found_in(v: &Value, out: &mut Vec<Found>) -> Result<(), String> {
    if PHASES.iter().any(|p| v.get(*p).is_some()) {
        out.push(Found {
            shape: "traffic-policy",
            names: Vec::new(),
            policy: v.clone(),
            legacy: false,
        });
    } else if text(v, &["kind"]) == Some("NgrokModuleSet") {
        module_set(v, out);
    } else if let Some(kind) = text(v, &["kind"]) {
        let policy = match kind {
            "AgentEndpoint" => at(v, &["spec", "trafficPolicy", "inline"]),
            // Renamed `inline` in operator chart 0.24; `policy` is still read.
            "CloudEndpoint" => at(v, &["spec", "trafficPolicy", "inline"])
                .or_else(|| at(v, &["spec", "trafficPolicy", "policy"])),
            "NgrokTrafficPolicy" => at(v, &["spec", "policy"]),
            _ => None,
        };
        if let Some(p) = policy {
            out.push(Found {
                shape: "kubernetes",
                names: names(v, &[&["metadata", "name"], &["spec", "url"]]),
                policy: p.clone(),
                legacy: false,
            });
        }
    } else if v.get("version").is_some() || v.get("tunnels").is_some() {
        for ep in v
            .get("endpoints")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(p) = at(ep, &["traffic_policy"]) {
                out.push(Found {
                    shape: "agent-config",
                    names: names(ep, &[&["name"], &["url"]]),
                    policy: p.clone(),
                    legacy: false,
                });
            }
        }
        // Version 2's tunnels (still accepted beside v3's endpoints until ngrok removes them).
        if let Some(tunnels) = v.get("tunnels").and_then(Value::as_mapping) {
            for (name, t) in tunnels {
                tunnel(name.as_str().unwrap_or_default(), t, out);
            }
        }
    } else if let Some(eps) = v.get("endpoints").and_then(Value::as_sequence) {
        for ep in eps {
            api_endpoint(ep, out)?;
        }
    } else if v.get("traffic_policy").is_some() {
        api_endpoint(v, out)?;
    } else if let Some(providers) = v.get("provider").and_then(Value::as_mapping) {
        edge_module(providers, out);
    }
    Ok(())
}

/// An endpoint of the ngrok API: `traffic_policy` is a string (JSON, or YAML as the CLI sends it).
fn api_endpoint(ep: &Value, out: &mut Vec<Found>) -> Result<(), String> {
    let policy = match ep.get("traffic_policy") {
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(()),
        Some(Value::String(s)) => {
            super::shallow_enough(s)?;
            serde_yaml_ng::from_str::<Value>(s).map_err(|e| {
                format!(
                    "traffic_policy of an endpoint is not a policy: {}",
                    e.to_string().lines().next().unwrap_or("")
                )
            })?
        }
        Some(other) if !other.is_null() => other.clone(),
        _ => return Ok(()),
    };
    out.push(Found {
        // The API carries the policy as a string; an agent config's endpoints as a mapping.
        shape: if matches!(ep.get("traffic_policy"), Some(Value::String(_))) {
            "ngrok-api"
        } else {
            "agent-config"
        },
        names: names(ep, &[&["name"], &["url"], &["public_url"], &["id"]]),
        policy,
        legacy: false,
    });
    Ok(())
}

/// A CEL string literal of `s` (single-quoted, `\` and `'` escaped).
fn cel_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Strings of a list field.
fn strings(block: &Value, key: &str) -> Vec<String> {
    block
        .get(key)
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// A pre-Traffic-Policy auth block (agent config v2 `oauth`/`oidc`, the operator's
/// `NgrokModuleSet`, the Edges API's OAuth module) as the Traffic Policy that replaced it: the
/// action, then the `deny` rule ngrok documents for its email and domain allow-lists
/// (`!(email in [...])`, `.endsWith('@domain')`; `../shared/NGROK.md` §1.5).
struct Legacy<'a> {
    shape: &'static str,
    name: String,
    /// `oauth` or `openid-connect`.
    kind: &'static str,
    config: serde_yaml_ng::Mapping,
    emails: Vec<String>,
    domains: Vec<String>,
    out: &'a mut Vec<Found>,
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::from(serde_yaml_ng::Mapping::from_iter(
        pairs.into_iter().map(|(k, v)| (Value::from(k), v)),
    ))
}

impl Legacy<'_> {
    fn push(self) {
        let var = if self.kind == "oauth" {
            "actions.ngrok.oauth.identity.email"
        } else {
            "actions.ngrok.oidc.identity.email"
        };
        let mut rules = vec![map(vec![
            ("name", Value::from(self.name.clone())),
            (
                "actions",
                Value::from(vec![map(vec![
                    ("type", Value::from(self.kind)),
                    ("config", Value::from(self.config)),
                ])]),
            ),
        ])];
        let mut allowed = Vec::new();
        if !self.emails.is_empty() {
            let quoted: Vec<String> = self.emails.iter().map(|e| cel_string(e)).collect();
            allowed.push(format!("{var} in [{}]", quoted.join(", ")));
        }
        for d in &self.domains {
            let suffix = format!("@{}", d.trim_start_matches('@'));
            allowed.push(format!("{var}.endsWith({})", cel_string(&suffix)));
        }
        if !allowed.is_empty() {
            rules.push(map(vec![
                (
                    "name",
                    Value::from(format!("{}: email and domain allow-lists", self.name)),
                ),
                (
                    "expressions",
                    Value::from(vec![Value::from(format!("!({})", allowed.join(" || ")))]),
                ),
                (
                    "actions",
                    Value::from(vec![map(vec![("type", Value::from("deny"))])]),
                ),
            ]));
        }
        self.out.push(Found {
            shape: self.shape,
            names: vec![self.name],
            policy: map(vec![("on_http_request", Value::from(rules))]),
            legacy: true,
        });
    }
}

/// Copies `keys` of `block` (renamed `from -> to`) into an action config.
fn config_of(block: &Value, keys: &[(&str, &str)]) -> serde_yaml_ng::Mapping {
    let mut config = serde_yaml_ng::Mapping::new();
    for (from, to) in keys {
        if let Some(v) = block.get(*from).filter(|v| !v.is_null()) {
            config.insert(Value::from(*to), v.clone());
        }
    }
    config
}

/// An agent configuration version 2 tunnel: its `oauth` (or `oidc`) block, or its
/// `traffic_policy` (`policy` before agent 3.14).
/// <https://ngrok.com/docs/agent/config/v2/>
fn tunnel(name: &str, t: &Value, out: &mut Vec<Found>) {
    let (kind, block) = match (t.get("oauth"), t.get("oidc")) {
        (Some(b), _) if b.is_mapping() => ("oauth", b),
        (_, Some(b)) if b.is_mapping() => ("openid-connect", b),
        _ => {
            if let Some(p) = at(t, &["traffic_policy"]).or_else(|| at(t, &["policy"])) {
                out.push(Found {
                    shape: "agent-config-v2",
                    names: vec![name.to_owned()],
                    policy: p.clone(),
                    legacy: true,
                });
            }
            return;
        }
    };
    Legacy {
        shape: "agent-config-v2",
        name: name.to_owned(),
        kind,
        config: config_of(
            block,
            &[
                ("provider", "provider"),
                ("client_id", "client_id"),
                ("client_secret", "client_secret"),
                ("scopes", "scopes"),
                ("issuer_url", "issuer_url"),
            ],
        ),
        emails: strings(block, "allow_emails"),
        domains: strings(block, "allow_domains"),
        out,
    }
    .push();
}

/// The operator's `NgrokModuleSet` (removed from ngrok-operator in 2025, still in clusters):
/// `modules.oauth.<provider>` and `modules.oidc`, camelCase, the secret a Kubernetes Secret
/// reference (an expression here: it cannot be read).
fn module_set(v: &Value, out: &mut Vec<Found>) {
    let name = text(v, &["metadata", "name"])
        .unwrap_or("NgrokModuleSet")
        .to_owned();
    let secret_ref = |block: &Value| {
        block.get("clientSecret").map(|s| {
            Value::from(format!(
                "${{k8s secret {}/{}}}",
                text(s, &["name"]).unwrap_or("?"),
                text(s, &["key"]).unwrap_or("?")
            ))
        })
    };
    if let Some(providers) = at(v, &["modules", "oauth"]).and_then(Value::as_mapping) {
        for (provider, block) in providers {
            let mut config = config_of(block, &[("clientId", "client_id"), ("scopes", "scopes")]);
            config.insert(Value::from("provider"), provider.clone());
            if let Some(s) = secret_ref(block) {
                config.insert(Value::from("client_secret"), s);
            }
            Legacy {
                shape: "kubernetes-moduleset",
                name: name.clone(),
                kind: "oauth",
                config,
                emails: strings(block, "emailAddresses"),
                domains: strings(block, "emailDomains"),
                out,
            }
            .push();
        }
    }
    if let Some(block) = at(v, &["modules", "oidc"]) {
        let mut config = config_of(
            block,
            &[
                ("clientId", "client_id"),
                ("scopes", "scopes"),
                ("issuer", "issuer_url"),
            ],
        );
        if let Some(s) = secret_ref(block) {
            config.insert(Value::from("client_secret"), s);
        }
        Legacy {
            shape: "kubernetes-moduleset",
            name,
            kind: "openid-connect",
            config,
            emails: strings(block, "emailAddresses"),
            domains: strings(block, "emailDomains"),
            out,
        }
        .push();
    }
}

/// The legacy Edges API's OAuth module (`provider: {microsoft: {...}, google: null, ...}`).
fn edge_module(providers: &serde_yaml_ng::Mapping, out: &mut Vec<Found>) {
    for (provider, block) in providers.iter().filter(|(_, b)| b.is_mapping()) {
        let mut config = config_of(
            block,
            &[
                ("client_id", "client_id"),
                ("client_secret", "client_secret"),
                ("scopes", "scopes"),
            ],
        );
        config.insert(Value::from("provider"), provider.clone());
        Legacy {
            shape: "ngrok-api-edge-module",
            name: "oauth module".to_owned(),
            kind: "oauth",
            config,
            emails: strings(block, "email_addresses"),
            domains: strings(block, "email_domains"),
            out,
        }
        .push();
    }
}
