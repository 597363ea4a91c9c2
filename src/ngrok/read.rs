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
}

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
    if v.get("on_http_request").is_some() || v.get("inbound").is_some() {
        out.push(Found {
            shape: "traffic-policy",
            names: Vec::new(),
            policy: v.clone(),
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
                });
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
    });
    Ok(())
}
