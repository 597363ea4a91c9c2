//! ngrok Traffic Policy files: find the `oauth` action (its judge is `checks::ngrok`).
//!
//! The action (phase `on_http_request`, or the older `inbound`) configures `provider`,
//! `client_id`, `client_secret` and `scopes`; without `client_id` ngrok uses its own managed app.
//! <https://ngrok.com/docs/traffic-policy/actions/oauth/>. JSON policies are YAML too.

use crate::registration::{Capped, SecretValue, read_capped};

/// Policies are small; agent configs and Kubernetes manifests with many endpoints too.
pub const MAX_POLICY_BYTES: u64 = 16 << 20;
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
    #[error("{0}: larger than 16 MiB, which no traffic policy is")]
    TooLarge(String),
    #[error("{0}: no action of type oauth in on_http_request")]
    NoOAuth(String),
}

/// A value ngrok computes (`${secrets.get(...)}`): it cannot be read here.
pub fn is_expression(s: &str) -> bool {
    s.contains("${")
}

/// Reads the first `oauth` action of a policy file (YAML or JSON).
pub fn load(path: &str) -> Result<OAuthAction, PolicyError> {
    let bytes = read_capped(path, MAX_POLICY_BYTES).map_err(|e| match e {
        Capped::TooLarge => PolicyError::TooLarge(path.into()),
        Capped::Io(e) => PolicyError::Read(path.into(), e),
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| PolicyError::Parse(path.into(), "not UTF-8 text".into()))?;
    parse(&text).map_err(|e| match e {
        PolicyError::Parse(_, m) => PolicyError::Parse(path.into(), m),
        PolicyError::NoOAuth(_) => PolicyError::NoOAuth(path.into()),
        other => other,
    })
}

/// How deep a policy may nest. Real ones nest about six levels; the YAML parser's time grows
/// with the square of the depth (100,000 nested `[` took 28 s), so depth is refused before.
const MAX_DEPTH: usize = 64;
/// The deepest indentation, in columns, and the most `- ` openers on one line.
const MAX_INDENT: usize = 512;

/// Refuses nesting beyond [`MAX_DEPTH`] in one linear pass: flow collections (`[`, `{`, outside
/// quotes and comments), block indentation, and `- - -` sequences opened on one line.
fn shallow_enough(text: &str) -> Result<(), String> {
    let too_deep = |line: usize| {
        Err(format!(
            "nested more than {MAX_DEPTH} levels deep (line {}): no traffic policy is",
            line + 1
        ))
    };
    let mut depth = 0usize;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let rest = &line[indent..];
        let dashes = rest
            .split_inclusive([' ', '\t'])
            .take_while(|t| t.trim() == "-")
            .count();
        if indent > MAX_INDENT || dashes > MAX_DEPTH {
            return too_deep(n);
        }
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for c in rest.chars() {
            match (quote, c) {
                (Some('"'), '"') if prev != '\\' => quote = None,
                (Some('\''), '\'') => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if prev.is_whitespace() => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return too_deep(n);
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            prev = c;
        }
    }
    Ok(())
}

/// Parses policy text.
pub fn parse(text: &str) -> Result<OAuthAction, PolicyError> {
    shallow_enough(text).map_err(|why| PolicyError::Parse(String::new(), why))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: microsoft\n          client_id: '00000001-1111-4000-8000-000000000001'\n          client_secret: 'Q1x8Q~value'\n          scopes: [openid, email, profile, User.Read]\n";

    #[test]
    fn reads_the_oauth_action() {
        let a = parse(GOOD).unwrap();
        assert_eq!(a.client_secret.as_ref().unwrap().expose(), "Q1x8Q~value");
        assert_eq!(a.provider.as_deref(), Some("microsoft"));
        let expr = parse(&GOOD.replace("'Q1x8Q~value'", "${secrets.get('ms', 'secret')}")).unwrap();
        assert!(expr.client_secret.is_none() && expr.secret_is_expression);
        assert!(matches!(
            parse("on_http_request: []"),
            Err(PolicyError::NoOAuth(_))
        ));
        assert!(matches!(parse("{{{"), Err(PolicyError::Parse(..))));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        for deep in [
            "[".repeat(100_000),
            format!("on_http_request: {}", "{a: ".repeat(100_000)),
            format!("- {}", "- ".repeat(1000)),
            format!("{}x: 1", " ".repeat(4000)),
        ] {
            match parse(&deep) {
                Err(PolicyError::Parse(_, why)) => {
                    assert!(why.contains("nested more than"), "{why}")
                }
                other => panic!("{other:?}"),
            }
        }
        // Brackets in quotes and comments are text, not nesting.
        let quoted = GOOD.replace(
            "provider: microsoft",
            &format!("provider: microsoft # {}", "[".repeat(200)),
        );
        assert!(parse(&quoted).is_ok());
        let expr = format!("{GOOD}  - expressions: [\"{}\"]\n", "[".repeat(200));
        assert!(shallow_enough(&expr).is_ok());
    }
}
