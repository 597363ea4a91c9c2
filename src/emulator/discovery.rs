//! Discovery documents, JWKS and instance discovery, precomputed once per authority.
//!
//! Fields and their order follow a capture of Microsoft's `/common` document (ENTRA.md §1.3):
//! `/common` and `/organizations` carry the templated issuer `…/{tenantid}/v2.0`, a tenant and
//! `/consumers` a concrete one; no `code_challenge_methods_supported`, as Microsoft's.

use super::directory::{Authority, CONSUMERS};
use super::keys::{KeyRole, KeySet};
use bytes::Bytes;
use serde_json::json;
use std::collections::HashMap;

/// Precomputed bodies.
pub(crate) struct Cache {
    discovery: HashMap<&'static str, Bytes>,
    /// JWKS per authority segment: (before, after) the rotation key is published.
    jwks: HashMap<&'static str, (Bytes, Bytes)>,
}

impl Cache {
    pub(crate) fn new(base: &str, keys: &KeySet) -> Self {
        let mut discovery = HashMap::new();
        let mut jwks = HashMap::new();
        for a in Authority::all() {
            discovery.insert(a.segment(), Bytes::from(document(base, a).to_string()));
            jwks.insert(
                a.segment(),
                (
                    Bytes::from(key_set(base, a, keys, false).to_string()),
                    Bytes::from(key_set(base, a, keys, true).to_string()),
                ),
            );
        }
        Self { discovery, jwks }
    }

    pub(crate) fn discovery(&self, a: Authority) -> Bytes {
        self.discovery.get(a.segment()).cloned().unwrap_or_default()
    }

    pub(crate) fn jwks(&self, a: Authority, rotated: bool) -> Bytes {
        self.jwks
            .get(a.segment())
            .map(|(before, after)| {
                if rotated {
                    after.clone()
                } else {
                    before.clone()
                }
            })
            .unwrap_or_default()
    }
}

/// The issuer of an authority's tokens (templated for multi-tenant authorities).
pub(crate) fn issuer(base: &str, a: Authority) -> String {
    match a {
        Authority::Common | Authority::Organizations => format!("{base}/{{tenantid}}/v2.0"),
        Authority::Consumers => format!("{base}/{}/v2.0", CONSUMERS.id),
        Authority::Tenant(t) => format!("{base}/{}/v2.0", t.id),
    }
}

fn document(base: &str, a: Authority) -> serde_json::Value {
    let seg = a.segment();
    let region = match a {
        Authority::Tenant(t) => json!(t.region),
        _ => serde_json::Value::Null,
    };
    json!({
        "token_endpoint": format!("{base}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer(base, a),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/graph/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/authorize"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{seg}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
            "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce",
            "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/{seg}/kerberos"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": format!("{}/graph", base.trim_start_matches("https://")),
        "rbac_url": "https://pas.windows.net",
    })
}

fn key_set(base: &str, a: Authority, keys: &KeySet, rotated: bool) -> serde_json::Value {
    let org_issuer = format!("{base}/{{tenantid}}/v2.0");
    let msa_issuer = format!("{base}/{}/v2.0", CONSUMERS.id);
    let list: Vec<serde_json::Value> = keys
        .keys
        .iter()
        .filter(|k| match (k.role, a) {
            (KeyRole::Rotated, _) => rotated,
            (KeyRole::Msa, Authority::Common | Authority::Consumers) => true,
            (KeyRole::Msa, _) => false,
            (KeyRole::Org, Authority::Consumers) => false,
            (KeyRole::Org, _) => true,
        })
        .map(|k| {
            k.jwk(if k.role == KeyRole::Msa {
                &msa_issuer
            } else {
                &org_issuer
            })
        })
        .collect();
    json!({ "keys": list })
}

/// `/common/discovery/instance`: what MSAL asks to validate an authority host.
pub(crate) fn instance(base: &str, authorization_endpoint: Option<&str>) -> serde_json::Value {
    let host = base.trim_start_matches("https://");
    let tenant = authorization_endpoint
        .and_then(|e| e.strip_prefix(base))
        .and_then(|p| p.trim_start_matches('/').split('/').next())
        .filter(|t| !t.is_empty())
        .unwrap_or("common");
    json!({
        "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    })
}
