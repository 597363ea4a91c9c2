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
    } else if v.get("version").is_some() {
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
        shape: "ngrok-api",
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

/// An agent configuration version 2 tunnel: its `oauth` (or `oidc`) block as the Traffic Policy
/// it stands for. `allow_emails` and `allow_domains` become the `deny` rule ngrok documents as
/// their replacement (`../shared/NGROK.md` §1.5): `!(email in [...])`, `!(email.endsWith(...))`.
/// <https://ngrok.com/docs/agent/config/v2/>
fn tunnel(name: &str, t: &Value, out: &mut Vec<Found>) {
    let (kind, block, var) = match (t.get("oauth"), t.get("oidc")) {
        (Some(b), _) if b.is_mapping() => ("oauth", b, "actions.ngrok.oauth.identity.email"),
        (_, Some(b)) if b.is_mapping() => {
            ("openid-connect", b, "actions.ngrok.oidc.identity.email")
        }
        _ => {
            if let Some(p) = at(t, &["traffic_policy"]) {
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
    let mut config = serde_yaml_ng::Mapping::new();
    for key in [
        "provider",
        "client_id",
        "client_secret",
        "scopes",
        "issuer_url",
    ] {
        if let Some(v) = block.get(key) {
            config.insert(Value::from(key), v.clone());
        }
    }
    let list = |key: &str| -> Vec<String> {
        block
            .get(key)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let mut rules = vec![Value::from(serde_yaml_ng::Mapping::from_iter([
        (
            Value::from("name"),
            Value::from(format!(
                "tunnels.{name}.{}",
                if kind == "oauth" { "oauth" } else { "oidc" }
            )),
        ),
        (
            Value::from("actions"),
            Value::from(vec![Value::from(serde_yaml_ng::Mapping::from_iter([
                (Value::from("type"), Value::from(kind)),
                (Value::from("config"), Value::from(config)),
            ]))]),
        ),
    ]))];
    let (emails, domains) = (list("allow_emails"), list("allow_domains"));
    let mut allowed = Vec::new();
    if !emails.is_empty() {
        let quoted: Vec<String> = emails.iter().map(|e| cel_string(e)).collect();
        allowed.push(format!("{var} in [{}]", quoted.join(", ")));
    }
    for d in &domains {
        allowed.push(format!(
            "{var}.endsWith({})",
            cel_string(&format!("@{}", d.trim_start_matches('@')))
        ));
    }
    if !allowed.is_empty() {
        rules.push(Value::from(serde_yaml_ng::Mapping::from_iter([
            (
                Value::from("name"),
                Value::from(format!("tunnels.{name}: allow_emails / allow_domains")),
            ),
            (
                Value::from("expressions"),
                Value::from(vec![Value::from(format!("!({})", allowed.join(" || ")))]),
            ),
            (
                Value::from("actions"),
                Value::from(vec![Value::from(serde_yaml_ng::Mapping::from_iter([(
                    Value::from("type"),
                    Value::from("deny"),
                )]))]),
            ),
        ])));
    }
    out.push(Found {
        shape: "agent-config-v2",
        names: vec![name.to_owned()],
        policy: Value::from(serde_yaml_ng::Mapping::from_iter([(
            Value::from("on_http_request"),
            Value::from(rules),
        )])),
        legacy: true,
    });
}
