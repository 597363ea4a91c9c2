//! ngrok's side: where a Traffic Policy lives (a policy file, an agent configuration file,
//! Kubernetes manifests, the ngrok API's endpoint JSON; `read.rs`) and its `oauth` action (its
//! judge is `checks::ngrok`).
//!
//! The action (phase `on_http_request`, or the older `inbound`) configures `provider`,
//! `client_id`, `client_secret` and `scopes`; without `client_id` and `client_secret` ngrok uses
//! its own managed app. <https://ngrok.com/docs/traffic-policy/actions/oauth/>. JSON is YAML too.

pub mod access;
mod cost;
mod read;

use crate::entra::SecretValue;
use crate::registration::{Capped, read_capped};
use serde::Deserialize;

/// Policies are small; agent configs and Kubernetes manifests with many endpoints too.
pub const MAX_POLICY_BYTES: u64 = 16 << 20;

#[derive(Debug, Deserialize)]
struct Policy {
    #[serde(default)]
    on_http_request: Vec<Rule>,
    #[serde(default)]
    inbound: Vec<Rule>,
    /// Phases where ngrok does not run auth actions: an auth action there is a mistake
    /// (DESIGN.md §9.1), so they are read too.
    #[serde(default)]
    on_http_response: Vec<Rule>,
    #[serde(default)]
    outbound: Vec<Rule>,
    #[serde(default)]
    on_tcp_connect: Vec<Rule>,
    /// Actions with no phase and no rule around them (the flat shape of ngrok's Salesforce OIDC
    /// guide): not a phase ngrok runs.
    #[serde(default)]
    actions: Vec<Action>,
}

/// The phases of a policy, in lifecycle order, with whether ngrok runs auth actions there.
/// <https://ngrok.com/docs/traffic-policy/actions/oauth/> ("Supported phases: on_http_request")
fn phases(p: Policy) -> [(&'static str, Vec<Rule>); 6] {
    let n = |rules: Vec<Rule>| rules.into_iter().map(Rule::normalised).collect();
    let flat = if p.actions.is_empty() {
        Vec::new()
    } else {
        vec![Rule {
            name: None,
            expressions: Vec::new(),
            actions: p.actions,
            kind: None,
            config: None,
        }]
    };
    [
        ("on_tcp_connect", n(p.on_tcp_connect)),
        ("on_http_request", n(p.on_http_request)),
        ("inbound", n(p.inbound)),
        ("on_http_response", n(p.on_http_response)),
        ("outbound", n(p.outbound)),
        (NO_PHASE, flat),
    ]
}

/// Where actions written with no phase around them are placed.
pub const NO_PHASE: &str = "no phase (actions at the top of the policy)";

/// The phases where ngrok runs the `oauth` and `openid-connect` actions.
pub fn runs_auth(phase: &str) -> bool {
    matches!(phase, "on_http_request" | "inbound")
}

#[derive(Debug, Deserialize)]
struct Rule {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    expressions: Vec<String>,
    #[serde(default)]
    actions: Vec<Action>,
    /// An action written directly as a phase item (`on_http_request: [{type: oauth, config:
    /// ...}]`, as several of ngrok's Kubernetes guides do): a rule of that one action.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    config: Option<OAuthConfig>,
}

impl Rule {
    /// The rule with an action written in its place moved into `actions`.
    fn normalised(mut self) -> Self {
        if let Some(kind) = self.kind.take() {
            self.actions.insert(
                0,
                Action {
                    kind,
                    config: self.config.take(),
                    inline: OAuthConfig::default(),
                },
            );
        }
        self
    }
}

#[derive(Debug, Deserialize)]
struct Action {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    config: Option<OAuthConfig>,
    /// The action's fields beside `type` instead of under `config` (ngrok's Salesforce guide).
    #[serde(flatten)]
    inline: OAuthConfig,
}

impl Action {
    /// Its configuration, under `config` or beside `type`.
    fn conf(&self) -> Option<&OAuthConfig> {
        self.config.as_ref().or_else(|| {
            let i = &self.inline;
            (i.issuer_url.is_some() || i.provider.is_some() || i.client_id.is_some()).then_some(i)
        })
    }

    /// `oauth`, `openid-connect`, or `oidc` (the name ngrok's migration guide and action
    /// catalogue also use for it).
    fn is_auth(&self) -> bool {
        matches!(self.kind.as_str(), "oauth" | "openid-connect" | "oidc")
    }
}

#[derive(Debug, Default, Deserialize)]
struct OAuthConfig {
    /// `openid-connect`: the issuer ngrok discovers.
    issuer_url: Option<String>,
    provider: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scopes: Option<Vec<String>>,
    /// `deny` and `custom-response`: the HTTP status sent.
    status_code: Option<serde_yaml_ng::Value>,
}

/// The `oauth` action of a policy (or an `openid-connect` one with a Microsoft issuer), as far
/// as we use it, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthAction {
    /// `openid-connect`: its `issuer_url`; `None` for an `oauth` action.
    pub issuer_url: Option<String>,
    pub provider: Option<String>,
    pub client_id: Option<String>,
    /// A literal secret; `None` when absent or a CEL expression (`${secrets.get(...)}`).
    pub client_secret: Option<SecretValue>,
    /// The secret is given as an expression we cannot evaluate.
    pub secret_is_expression: bool,
    pub scopes: Option<Vec<String>>,
    /// Where: the file's shape, the endpoint (name or URL) when the file has endpoints, and the
    /// rule's index in its phase.
    pub place: Place,
    /// The rules after the action that can stop a request (`deny`, `custom-response`,
    /// `redirect`), in order: what `ngrok.access` evaluates for an identity.
    pub gates: Vec<Gate>,
    /// More such rules than are evaluated ([`MAX_GATES`]).
    pub gates_cut: bool,
    /// Rules before the action (same phase, or an earlier one) whose expressions read the
    /// identity (`actions.ngrok.oauth.*`, `actions.ngrok.oidc.*`): ngrok sets those variables
    /// only after the action ran, so such a rule cannot see who signs in (DESIGN.md §9.1).
    pub early: Vec<Gate>,
}

/// Rules evaluated at most, after an auth action.
pub const MAX_GATES: usize = 1_000;

/// A rule after the auth action whose actions stop the request when its expressions all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// The index in `on_http_request` (or `inbound`).
    pub rule: usize,
    pub name: Option<String>,
    /// CEL expressions; none means the rule always applies.
    pub expressions: Vec<String>,
    /// `deny`, `custom-response`, `redirect`, `close-connection` or `forward-internal`.
    pub action: String,
    /// A terminating rule that serves the person rather than refusing them: `forward-internal`,
    /// or a `custom-response` below 400 (its default is 200). When it fires, the rules after it
    /// do not run, and the person is through.
    pub lets_through: bool,
}

/// Where an auth action was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The file it was read from.
    pub source: String,
    /// `traffic-policy`, `agent-config`, `kubernetes`, `ngrok-api`.
    pub shape: &'static str,
    pub endpoint: Option<String>,
    /// The index of the rule in its phase.
    pub rule: usize,
    /// The phase the action is in (`on_http_request`; ngrok runs auth actions nowhere else).
    pub phase: &'static str,
    /// Read from an agent configuration file version 2 (`tunnels.<name>.oauth`), which ngrok
    /// replaced with version 3's `endpoints[].traffic_policy`.
    pub legacy: bool,
}

impl OAuthAction {
    /// `oauth` or `openid-connect`.
    pub fn kind(&self) -> &'static str {
        if self.issuer_url.is_some() {
            "openid-connect"
        } else {
            "oauth"
        }
    }

    /// An `oauth` action with `provider: microsoft`, or an `openid-connect` one whose issuer is on
    /// a Microsoft authority.
    /// The provider is matched without case here, so that `provider: Microsoft` is judged (and
    /// fails `ngrok.policy`: ngrok's ids are lowercase) instead of being passed over.
    pub fn is_microsoft(&self) -> bool {
        match &self.issuer_url {
            Some(u) => is_microsoft_issuer(u),
            None => self
                .provider
                .as_deref()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("microsoft")),
        }
    }

    /// Neither `client_id` nor `client_secret`: ngrok's own managed app, not one of yours.
    pub fn is_managed_app(&self) -> bool {
        self.client_id.is_none() && self.client_secret.is_none() && !self.secret_is_expression
    }
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
    /// No Microsoft auth action: what was found instead.
    #[error("{0}: no Microsoft oauth action: {1}")]
    NoMicrosoft(String, String),
}

/// An issuer on Microsoft's identity platform (global and national clouds, v2.0 and v1).
pub fn is_microsoft_issuer(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| {
        matches!(
            u.host_str(),
            Some(
                "login.microsoftonline.com"
                    | "login.microsoftonline.us"
                    | "login.partner.microsoftonline.cn"
                    | "login.chinacloudapi.cn"
                    | "sts.windows.net"
            )
        )
    })
}

/// A value ngrok computes (`${secrets.get(...)}`): it cannot be read here.
pub fn is_expression(s: &str) -> bool {
    s.contains("${")
}

/// Reads the first Microsoft `oauth` action of a file in any shape ngrok keeps a policy in,
/// on the endpoint named `endpoint` (name or URL) when given.
pub fn load(path: &str, endpoint: Option<&str>) -> Result<OAuthAction, PolicyError> {
    let mut all = load_all(path, endpoint)?;
    Ok(all.remove(0))
}

/// Every Microsoft auth action of a file (at least one), in file order: each is a target of its
/// own in `lint`.
pub fn load_all(path: &str, endpoint: Option<&str>) -> Result<Vec<OAuthAction>, PolicyError> {
    let bytes = read_capped(path, MAX_POLICY_BYTES).map_err(|e| match e {
        Capped::TooLarge => PolicyError::TooLarge(path.into()),
        Capped::Io(e) => PolicyError::Read(path.into(), e),
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| PolicyError::Parse(path.into(), "not UTF-8 text".into()))?;
    shallow_enough(&text).map_err(|why| PolicyError::Parse(path.into(), why))?;
    let found = read::policies(&text).map_err(|why| PolicyError::Parse(path.into(), why))?;
    let found: Vec<_> = found
        .into_iter()
        .filter(|f| endpoint.is_none_or(|e| f.names.iter().any(|n| n == e)))
        .collect();
    if found.is_empty() {
        return Err(PolicyError::NoMicrosoft(
            path.into(),
            match endpoint {
                Some(e) => format!("no endpoint named {e:?} with a traffic policy"),
                None => "no traffic policy in it (on_http_request, an agent config's endpoints, Kubernetes AgentEndpoint/CloudEndpoint/NgrokTrafficPolicy, or the ngrok API's endpoints)".into(),
            },
        ));
    }
    let mut providers = Vec::new();
    let mut microsoft = Vec::new();
    let mut phases_seen: Vec<&str> = Vec::new();
    for f in &found {
        for p in read::PHASES {
            if f.policy.get(p).is_some() && !phases_seen.contains(&p) {
                phases_seen.push(p);
            }
        }
        for a in actions(f).map_err(|why| PolicyError::Parse(path.into(), why))? {
            if a.is_microsoft() {
                let mut a = a;
                a.place.source = path.to_owned();
                microsoft.push(a);
                continue;
            }
            providers.push(match &a.issuer_url {
                Some(u) => format!("openid-connect issuer_url: {u}"),
                None => format!("provider: {}", a.provider.as_deref().unwrap_or("(none)")),
            });
        }
    }
    if !microsoft.is_empty() {
        return Ok(microsoft);
    }
    Err(PolicyError::NoMicrosoft(
        path.into(),
        if providers.is_empty() {
            format!(
                "no auth action (type: oauth or openid-connect) in its traffic policy ({})",
                if phases_seen.is_empty() {
                    "no phase".to_owned()
                } else {
                    format!("phases: {}", phases_seen.join(", "))
                }
            )
        } else {
            format!("found {}", providers.join(", "))
        },
    ))
}

/// An expression that reads the identity an auth action sets.
fn reads_identity(expression: &str) -> bool {
    expression.contains("actions.ngrok.oauth") || expression.contains("actions.ngrok.oidc")
}

/// The auth actions of one policy, in lifecycle and rule order.
fn actions(found: &read::Found) -> Result<Vec<OAuthAction>, String> {
    let policy: Policy = serde_yaml_ng::from_value(found.policy.clone())
        .map_err(|e| e.to_string().lines().next().unwrap_or("").to_owned())?;
    let mut out = Vec::new();
    // The rules that read the identity before any auth action ran: a rule's own expressions
    // are evaluated before its actions, so a rule holding the action counts too.
    let mut earlier: Vec<Gate> = Vec::new();
    let mut ran = false;
    for (phase, rules) in phases(policy) {
        for (rule, r) in rules.iter().enumerate() {
            if !ran && r.expressions.iter().any(|e| reads_identity(e)) {
                earlier.push(Gate {
                    rule,
                    name: r.name.clone(),
                    expressions: r.expressions.clone(),
                    action: r
                        .actions
                        .first()
                        .map_or_else(|| "(no action)".to_owned(), |a| a.kind.clone()),
                    lets_through: false,
                });
            }
            for a in r.actions.iter().filter(|a| a.is_auth()) {
                out.push(action(found, phase, &rules, rule, a, &earlier));
                ran = ran || runs_auth(phase);
            }
        }
    }
    Ok(out)
}

/// One auth action at `rules[rule]` of `phase`; `earlier` are the rules before it that read the
/// identity.
fn action(
    found: &read::Found,
    phase: &'static str,
    rules: &[Rule],
    rule: usize,
    a: &Action,
    earlier: &[Gate],
) -> OAuthAction {
    let c = a.conf();
    let field = |f: fn(&OAuthConfig) -> &Option<String>| c.and_then(|c| f(c).clone());
    let secret = field(|c| &c.client_secret);
    let secret_is_expression = secret.as_deref().is_some_and(is_expression);
    let (gates, gates_cut) = gates_after(rules, rule);
    OAuthAction {
        issuer_url: (a.kind != "oauth").then(|| field(|c| &c.issuer_url).unwrap_or_default()),
        provider: field(|c| &c.provider),
        client_id: field(|c| &c.client_id),
        client_secret: secret
            .filter(|s| !s.is_empty() && !is_expression(s))
            .map(SecretValue::new),
        secret_is_expression,
        scopes: c.and_then(|c| c.scopes.clone()),
        place: Place {
            source: String::new(),
            shape: found.shape,
            endpoint: found.names.first().cloned(),
            rule,
            phase,
            legacy: found.legacy,
        },
        gates,
        gates_cut,
        early: earlier.to_vec(),
    }
}

/// The rules after rule `k` that can stop a request, at most [`MAX_GATES`].
fn gates_after(rules: &[Rule], k: usize) -> (Vec<Gate>, bool) {
    let mut gates: Vec<Gate> = rules
        .iter()
        .enumerate()
        .skip(k + 1)
        .filter_map(|(i, r)| {
            // The first action that ends the phase: the rule's verdict when it fires.
            // <https://ngrok.com/docs/traffic-policy/concepts/phases/> (terminating actions)
            let stop = r.actions.iter().find(|a| {
                matches!(
                    a.kind.as_str(),
                    "deny"
                        | "custom-response"
                        | "redirect"
                        | "close-connection"
                        | "forward-internal"
                )
            })?;
            let status = stop
                .config
                .as_ref()
                .unwrap_or(&stop.inline)
                .status_code
                .as_ref()
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()));
            let lets_through = match stop.kind.as_str() {
                "forward-internal" => true,
                "custom-response" => status.unwrap_or(200) < 400,
                _ => false,
            };
            Some(Gate {
                rule: i,
                name: r.name.clone(),
                expressions: r.expressions.clone(),
                action: match status {
                    Some(code) => format!("{} {code}", stop.kind),
                    None => stop.kind.clone(),
                },
                lets_through,
            })
        })
        .take(MAX_GATES + 1)
        .collect();
    let cut = gates.len() > MAX_GATES;
    gates.truncate(MAX_GATES);
    (gates, cut)
}

/// Parses the text of a traffic policy document (tests and the API's string policies): its first
/// `oauth` action.
pub fn parse(text: &str) -> Result<OAuthAction, PolicyError> {
    shallow_enough(text).map_err(|why| PolicyError::Parse(String::new(), why))?;
    let found = read::policies(text).map_err(|why| PolicyError::Parse(String::new(), why))?;
    for f in &found {
        if let Some(a) = actions(f)
            .map_err(|why| PolicyError::Parse(String::new(), why))?
            .into_iter()
            .next()
        {
            return Ok(a);
        }
    }
    Err(PolicyError::NoOAuth(String::new()))
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
        let mut escaped = false;
        for c in rest.chars() {
            match (quote, c) {
                (Some('"'), '\\') => escaped = !escaped,
                (Some('"'), '"') if !escaped => quote = None,
                (Some('\''), '\'') => quote = None,
                (Some(_), _) => escaped = false,
                // A quote opens a string only where a scalar starts (not in "it's").
                (None, '"' | '\'') if matches!(prev, ' ' | '\t' | '[' | '{' | ',' | ':' | '-') => {
                    quote = Some(c);
                    escaped = false;
                }
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

/// A valid Microsoft oauth policy, for the unit tests of this module and of `checks::ngrok`.
#[cfg(test)]
pub(crate) mod tests_support {
    pub(crate) const GOOD: &str = "on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: microsoft\n          client_id: '00000001-1111-4000-8000-000000000001'\n          client_secret: 'Q1x8Q~ngrok-preflight-unit-test-value-0001'\n          scopes: [openid, email, profile, User.Read]\n";
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::tests_support::GOOD;

    #[test]
    fn reads_the_oauth_action() {
        let a = parse(GOOD).unwrap();
        assert_eq!(
            a.client_secret.as_ref().unwrap().expose(),
            "Q1x8Q~ngrok-preflight-unit-test-value-0001"
        );
        assert_eq!(a.provider.as_deref(), Some("microsoft"));
        let expr = parse(&GOOD.replace(
            "'Q1x8Q~ngrok-preflight-unit-test-value-0001'",
            "${secrets.get('ms', 'secret')}",
        ))
        .unwrap();
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
        // A quote inside a word, or an escaped backslash before a quote, hides nothing.
        for hidden in [
            format!("on_http_request: [it's, {}", "[".repeat(1000)),
            format!("on_http_request: [\"a\\\\\", {}", "[".repeat(1000)),
        ] {
            assert!(shallow_enough(&hidden).is_err(), "{hidden:.40}");
        }
    }
}
