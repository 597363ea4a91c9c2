//! ngrok Traffic Policy files: find the `oauth` action and check it against the app.
//!
//! The action (phase `on_http_request`, or the older `inbound`) configures `provider`,
//! `client_id`, `client_secret` and `scopes`; without `client_id` ngrok uses its own managed app.
//! <https://ngrok.com/docs/traffic-policy/actions/oauth/>. JSON policies are YAML too.

use crate::checks::{CheckId, Finding};
use crate::entra;
use crate::registration::{SecretValue, is_guid};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Policy {
    #[serde(default)]
    on_http_request: Vec<Rule>,
    #[serde(default)]
    inbound: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
struct Rule {
    #[serde(default)]
    actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
struct Action {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    config: Option<OAuthConfig>,
}

#[derive(Debug, Default, Deserialize)]
struct OAuthConfig {
    provider: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: Option<Vec<String>>,
}

/// The `oauth` action of a policy, as far as we use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthAction {
    pub provider: Option<String>,
    pub client_id: Option<String>,
    /// A literal secret; `None` when absent or a CEL expression (`${secrets.get(...)}`).
    pub client_secret: Option<SecretValue>,
    /// The secret is given as an expression we cannot evaluate.
    pub secret_is_expression: bool,
    pub scopes: Option<Vec<String>>,
}

/// Why a policy file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{0}: cannot read: {1}")]
    Read(String, std::io::Error),
    #[error("{0}: not a traffic policy: {1}")]
    Parse(String, String),
    #[error("{0}: no action of type oauth in on_http_request")]
    NoOAuth(String),
}

fn is_expression(s: &str) -> bool {
    s.contains("${")
}

/// Reads the first `oauth` action of a policy file (YAML or JSON).
pub fn load(path: &str) -> Result<OAuthAction, PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Read(path.into(), e))?;
    parse(&text).map_err(|e| match e {
        PolicyError::Parse(_, m) => PolicyError::Parse(path.into(), m),
        PolicyError::NoOAuth(_) => PolicyError::NoOAuth(path.into()),
        other => other,
    })
}

/// Parses policy text.
pub fn parse(text: &str) -> Result<OAuthAction, PolicyError> {
    let policy: Policy = serde_yaml_ng::from_str(text).map_err(|e| {
        PolicyError::Parse(
            String::new(),
            e.to_string().lines().next().unwrap_or("").to_owned(),
        )
    })?;
    let action = policy
        .on_http_request
        .into_iter()
        .chain(policy.inbound)
        .flat_map(|r| r.actions)
        .find(|a| a.kind == "oauth")
        .ok_or_else(|| PolicyError::NoOAuth(String::new()))?;
    let c = action.config.unwrap_or_default();
    let secret_is_expression = c.client_secret.as_deref().is_some_and(is_expression);
    Ok(OAuthAction {
        provider: c.provider,
        client_id: c.client_id,
        client_secret: c
            .client_secret
            .filter(|s| !s.is_empty() && !is_expression(s))
            .map(SecretValue::new),
        secret_is_expression,
        scopes: c.scopes,
    })
}

const FIX: &str = "Edit the oauth action of your traffic policy (on_http_request > actions > type: oauth > config)";

/// `ngrok.policy`: provider `microsoft`, this client id, a secret Value, scopes ngrok can use.
pub fn check(action: &OAuthAction, client_id: Option<&str>) -> Finding {
    let id = match identity_problem(action, client_id) {
        Ok(id) => id,
        Err(failure) => return failure,
    };
    let mut warnings = Vec::new();
    if is_expression(id) {
        warnings.push(format!(
            "client_id is an expression ({id}); it could not be compared with the app"
        ));
    }
    warnings.extend(scope_warnings(action.scopes.as_deref()));
    let evidence = format!(
        "provider = \"microsoft\", client_id = {id:?}, client_secret {}, scopes = {}",
        if action.secret_is_expression {
            "from an expression"
        } else {
            "set (value not shown)"
        },
        action
            .scopes
            .as_ref()
            .map_or_else(|| "ngrok's defaults".to_owned(), |s| format!("{s:?}"))
    );
    if warnings.is_empty() {
        Finding::pass(
            CheckId::NgrokPolicy,
            "the ngrok oauth action uses this app",
            evidence,
        )
    } else {
        Finding::warn(
            CheckId::NgrokPolicy,
            warnings.join("; "),
            evidence,
            format!("{FIX}: scopes: [openid, profile, email, User.Read]"),
        )
    }
}

/// Provider, client id and secret; `Ok(client_id)` when ngrok will use this app with a Value.
fn identity_problem<'a>(
    action: &'a OAuthAction,
    expected: Option<&str>,
) -> Result<&'a str, Finding> {
    let fail = |title: &str, evidence: String, fix: String| {
        Err(Finding::fail(CheckId::NgrokPolicy, title, evidence, fix))
    };
    if action.provider.as_deref() != Some("microsoft") {
        return fail(
            "the oauth action's provider is not microsoft",
            format!("provider = {:?}", action.provider),
            format!("{FIX}: provider: microsoft"),
        );
    }
    let Some(id) = action.client_id.as_deref() else {
        return fail(
            "the oauth action has no client_id: ngrok uses its own managed app, not yours",
            "client_id is absent".into(),
            format!(
                "{FIX}: client_id: '<Application (client) ID>' and client_secret: '<secret Value>'"
            ),
        );
    };
    if !is_expression(id) && !is_guid(id) {
        return fail(
            "the oauth action's client_id is not a GUID",
            format!("client_id = {id:?}"),
            format!("{FIX}: client_id: the app's 'Application (client) ID'"),
        );
    }
    if let Some(expected) = expected
        && !is_expression(id)
        && !expected.eq_ignore_ascii_case(id)
    {
        return fail(
            "the oauth action names another app than the one checked",
            format!("client_id = {id:?}, checked app = {expected:?}"),
            format!("{FIX}: client_id: '{expected}'"),
        );
    }
    match (&action.client_secret, action.secret_is_expression) {
        (Some(s), _) if is_guid(s.expose()) => fail(
            "the oauth action's client_secret is a GUID: that is the Secret ID, not the secret's Value",
            "client_secret has the shape of a GUID (value not shown)".into(),
            "Certificates & secrets > New client secret; copy the Value column (not Secret ID) into client_secret".into(),
        ),
        (None, false) => fail(
            "the oauth action has no client_secret",
            "client_secret is absent".into(),
            format!("{FIX}: client_secret: '<secret Value>'"),
        ),
        _ => Ok(id),
    }
}

/// Scopes without User.Read, or with scopes that need an administrator.
fn scope_warnings(scopes: Option<&[String]>) -> Vec<String> {
    let Some(scopes) = scopes else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if !scopes
        .iter()
        .any(|s| entra::graph_scope_by_name(s).is_some_and(|g| g.reads_me))
    {
        out.push(format!(
            "scopes {scopes:?} name no User.Read: ngrok needs it (its documented minimum for Microsoft); list it so the consent covers it"
        ));
    }
    let admin: Vec<&str> = scopes
        .iter()
        .filter_map(|s| entra::graph_scope_by_name(s))
        .filter(|g| g.admin_consent)
        .map(|g| g.name)
        .collect();
    if !admin.is_empty() {
        out.push(format!(
            "scopes {admin:?} need admin consent in every tenant whose users sign in"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    const GOOD: &str = "on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: microsoft\n          client_id: '00000001-1111-4000-8000-000000000001'\n          client_secret: 'Q1x8Q~value'\n          scopes: [openid, email, profile, User.Read]\n";

    #[test]
    fn reads_the_oauth_action_and_checks_it() {
        let a = parse(GOOD).unwrap();
        assert_eq!(a.client_secret.as_ref().unwrap().expose(), "Q1x8Q~value");
        assert_eq!(
            check(&a, Some("00000001-1111-4000-8000-000000000001")).status,
            Status::Pass
        );
        assert_eq!(
            check(&a, Some("00000002-1111-4000-8000-000000000002")).status,
            Status::Fail
        );
        let no_user_read = parse(&GOOD.replace(", User.Read", "")).unwrap();
        assert_eq!(check(&no_user_read, None).status, Status::Warn);
        let google = parse(&GOOD.replace("microsoft", "google")).unwrap();
        assert_eq!(check(&google, None).status, Status::Fail);
        let secret_id =
            parse(&GOOD.replace("Q1x8Q~value", "5ec7e700-0000-4000-8000-000000000001")).unwrap();
        let f = check(&secret_id, None);
        assert_eq!(f.status, Status::Fail);
        assert!(!format!("{f:?}").contains("5ec7e700-0000-4000-8000-000000000001"));
        let expr = parse(&GOOD.replace("'Q1x8Q~value'", "${secrets.get('ms', 'secret')}")).unwrap();
        assert!(expr.client_secret.is_none() && expr.secret_is_expression);
        assert!(matches!(
            parse("on_http_request: []"),
            Err(PolicyError::NoOAuth(_))
        ));
        assert!(matches!(parse("{{{"), Err(PolicyError::Parse(..))));
    }
}
