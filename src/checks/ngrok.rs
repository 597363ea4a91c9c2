//! `ngrok.policy`: the ngrok auth action (`oauth` with provider `microsoft`, or `openid-connect`
//! with a Microsoft issuer) is where ngrok runs it, names this app, carries a secret Value, and
//! asks for scopes that work (DESIGN.md §8.2, §9.1). `ngrok.access`: the rules after it let each
//! identity through (or stop those that must be stopped).
//! <https://ngrok.com/docs/traffic-policy/actions/oauth/>,
//! <https://ngrok.com/docs/traffic-policy/actions/oidc/>

use super::{CheckId, Finding, Inputs, Status};
use crate::entra::{self, ClientId, Tenant, is_guid};
use crate::flow::evidence::GraphMe;
use crate::ngrok::access::{Identity, Verdict, evaluate};
use crate::ngrok::{Gate, OAuthAction, is_expression, runs_auth};

/// `ngrok.policy`, for the app under test (the registration's appId, else the flow's client id).
pub(super) fn policy(i: &Inputs<'_>) -> Finding {
    let Some(action) = i.policy else {
        return Finding::skip(
            CheckId::NgrokPolicy,
            "no ngrok policy given (--ngrok-policy FILE)",
        );
    };
    let expected = i
        .reg
        .and_then(|r| r.app_id.as_deref())
        .or_else(|| i.live?.asked.as_ref().map(|a| a.client_id.as_str()));
    let mut f = check(action, expected, i.linted);
    f.evidence = format!("{}; {}", place(action), f.evidence);
    f
}

/// A policy expression as a report shows it: whole up to 200 bytes, else its start and its size
/// (a hostile 100 KB expression must not become a 100 KB title).
fn shown(expression: &str) -> String {
    const MAX: usize = 200;
    if expression.len() <= MAX {
        return expression.to_owned();
    }
    let mut end = MAX;
    while !expression.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &expression[..end], expression.len())
}

/// Where the action is: the file's shape, the endpoint, the phase and the rule.
fn place(action: &OAuthAction) -> String {
    let p = &action.place;
    match &p.endpoint {
        Some(e) if p.legacy => format!("{} tunnel {e:?} (legacy)", p.shape),
        Some(e) => format!("{} endpoint {e:?}, {} rule {}", p.shape, p.phase, p.rule),
        None => format!("{}, {} rule {}", p.shape, p.phase, p.rule),
    }
}

/// Where to edit the action, named as it really is in the file.
fn edit(action: &OAuthAction) -> String {
    let p = &action.place;
    let name = p.endpoint.as_deref().unwrap_or("<name>");
    let oidc = action.issuer_url.is_some();
    match (p.legacy, p.shape) {
        (true, "kubernetes-moduleset") => {
            return format!(
                "Edit NgrokModuleSet {name:?} ({})",
                if oidc {
                    "modules.oidc"
                } else {
                    "modules.oauth.microsoft"
                }
            );
        }
        (true, "ngrok-api-edge-module") => {
            return "Edit the edge route's OAuth module (provider.microsoft)".to_owned();
        }
        (true, _) => {
            return format!(
                "Edit tunnels.{name}.{} of your agent configuration",
                if oidc { "oidc" } else { "oauth" }
            );
        }
        _ => {}
    }
    format!(
        "Edit the {kind} action of your traffic policy ({} > actions > type: {kind} > config)",
        p.phase,
        kind = action.kind()
    )
}

/// A rule as evidence names it: its index, its name, its action and its expressions.
fn rule_text(gate: &Gate) -> String {
    format!(
        "rule {}{} ({}{})",
        gate.rule,
        gate.name
            .as_deref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default(),
        gate.action,
        if gate.expressions.is_empty() {
            ", no expression: always".to_owned()
        } else {
            let all: Vec<_> = gate.expressions.iter().map(|e| shown(e)).collect();
            format!(" when {}", all.join(" && "))
        }
    )
}

/// Who the rules are evaluated for, and whether the rules must let them in.
struct Subject {
    who: Identity,
    /// `--denied-identity`: the rules must stop them.
    denied: bool,
    /// Signed in during this run (not named by a flag).
    signed_in: bool,
}

/// `ngrok.access`: one finding per identity (DESIGN.md §9.1): each `--identity` (and whoever
/// signed in, in `run`/`probe`) must get through; each `--denied-identity` must be stopped. A
/// rule before the auth action that reads the identity is a failure whoever signs in: ngrok sets
/// action variables only after the action ran.
pub(super) fn access_all(i: &Inputs<'_>) -> Vec<Finding> {
    const ID: CheckId = CheckId::NgrokAccess;
    let Some(action) = i.policy else {
        return vec![Finding::skip(
            ID,
            "no ngrok policy given (--ngrok-policy FILE)",
        )];
    };
    if !action.early.is_empty() {
        return vec![early(action)];
    }
    let mut subjects: Vec<Subject> = i
        .identities
        .iter()
        .map(|e| (e, false))
        .chain(i.denied_identities.iter().map(|e| (e, true)))
        .map(|(e, denied)| Subject {
            who: Identity {
                email: e.clone(),
                name: None,
            },
            denied,
            signed_in: false,
        })
        .collect();
    if let Some(GraphMe::Found {
        mail,
        upn,
        display_name,
        ..
    }) = i.live.and_then(|ev| ev.graph_me.as_ref())
        && let Some(email) = mail.clone().or_else(|| upn.clone())
    {
        subjects.push(Subject {
            who: Identity {
                email,
                name: display_name.clone(),
            },
            denied: false,
            signed_in: true,
        });
    }
    if subjects.is_empty() {
        return vec![Finding::skip(
            ID,
            match i.live {
                Some(ev) => format!(
                    "no identity to evaluate the rules for ({})",
                    ev.not_reached()
                ),
                None => "no identity to evaluate the rules for: lint --identity EMAIL (or --denied-identity EMAIL)".into(),
            },
        )];
    }
    subjects.iter().map(|s| one(action, s)).collect()
}

/// The one judge of `ngrok.access` for a single identity (the first identity's, where a caller
/// wants one finding).
pub(super) fn access(i: &Inputs<'_>) -> Finding {
    access_all(i).swap_remove(0)
}

/// Rules that read the identity before the action has run: they cannot see who signs in.
fn early(action: &OAuthAction) -> Finding {
    let rules: Vec<String> = action.early.iter().map(rule_text).collect();
    let var = if action.issuer_url.is_some() {
        "actions.ngrok.oidc.identity"
    } else {
        "actions.ngrok.oauth.identity"
    };
    Finding::fail(
        CheckId::NgrokAccess,
        format!(
            "{} read{} {var} before the {} action (rule {}) has run: ngrok sets it only after the action, so {} cannot see who signs in",
            if rules.len() == 1 { "a rule" } else { "rules" },
            if rules.len() == 1 { "s" } else { "" },
            action.kind(),
            action.place.rule,
            if rules.len() == 1 { "it" } else { "they" },
        ),
        format!(
            "{}; ngrok: action variables are \"made available for use in subsequent expressions ... after the action has run\"",
            rules.join("; ")
        ),
        format!(
            "Move the {} action to a rule before {} (on_http_request runs rules in order), so the identity is known when the rule is evaluated",
            action.kind(),
            if rules.len() == 1 {
                "that rule"
            } else {
                "those rules"
            }
        ),
    )
}

/// `ngrok.access` for one identity.
fn one(action: &OAuthAction, s: &Subject) -> Finding {
    const ID: CheckId = CheckId::NgrokAccess;
    let email = &s.who.email;
    let rules = if action.gates_cut {
        format!(
            "the first {} rules that can stop a request",
            crate::ngrok::MAX_GATES
        )
    } else {
        format!("{} rule(s) that can stop a request", action.gates.len())
    };
    let role = if s.denied {
        "--denied-identity"
    } else if s.signed_in {
        "signed in"
    } else {
        "--identity"
    };
    let mut f = match evaluate(&action.gates, &s.who) {
        Verdict::Through if action.gates_cut => Finding::skip(
            ID,
            format!(
                "{email} ({role}): through {rules}; the rules after those were not evaluated: split the policy, or check them by hand"
            ),
        ),
        Verdict::Through if s.denied => Finding::fail(
            ID,
            format!("{email} must be stopped, but the policy's rules let them through"),
            format!("{email} ({role}): through {rules}"),
            "Add a deny rule after the auth action whose expression holds for this identity, e.g. !actions.ngrok.oauth.identity.email.endsWith('@your-domain')",
        ),
        Verdict::Through => Finding::pass(
            ID,
            format!("the policy's rules let {email} through"),
            format!("{email} ({role}): through {rules}"),
        ),
        Verdict::Answered { gate } if s.denied => Finding::fail(
            ID,
            format!(
                "{email} must be stopped, but rule {} serves them ({})",
                gate.rule, gate.action
            ),
            format!("{email} ({role}): served by {}", rule_text(&gate)),
            "Add a deny rule before that rule whose expression holds for this identity",
        ),
        Verdict::Answered { gate } => Finding::pass(
            ID,
            format!(
                "the policy's rules let {email} through (rule {} serves them: {})",
                gate.rule, gate.action
            ),
            format!("{email} ({role}): served by {}", rule_text(&gate)),
        ),
        Verdict::Stopped { gate } if s.denied => Finding::pass(
            ID,
            format!("{email} is stopped, as meant, by rule {}", gate.rule),
            format!("{email} ({role}): stopped by {}", rule_text(&gate)),
        ),
        Verdict::Stopped { gate } => Finding::fail(
            ID,
            format!(
                "{email} signs in, then the policy's rule {} ({}) stops them",
                gate.rule, gate.action
            ),
            format!("{email} ({role}): stopped by {}", rule_text(&gate)),
            format!(
                "Edit rule {} of the traffic policy ({}[{}].expressions) if {email} should get in (e.g. the domain in endsWith); else it works as meant: sign in with an allowed account",
                gate.rule, action.place.phase, gate.rule
            ),
        ),
        Verdict::Invalid {
            rule,
            expression,
            why,
        } => Finding::fail(
            ID,
            "an expression of the policy is not valid CEL: ngrok refuses the policy",
            format!(
                "{email} ({role}): rule {rule} expression {:?} is not valid CEL ({why})",
                shown(&expression)
            ),
            "Fix the expression in the traffic policy (https://ngrok.com/docs/traffic-policy/concepts/expressions/)",
        ),
        Verdict::Undecided {
            rule,
            expression,
            why,
        } => Finding::skip(
            ID,
            format!(
                "could not be decided here for {email} ({role}): rule {rule} expression {:?}: {why}",
                shown(&expression)
            ),
        ),
    };
    f.identity = Some(email.clone());
    f
}

/// One thing wrong with the action: how bad, what, and where to fix it.
struct Problem {
    status: Status,
    title: String,
    fix: String,
}

impl Problem {
    fn fail(title: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Fail,
            title: title.into(),
            fix: fix.into(),
        }
    }

    fn warn(title: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Warn,
            title: title.into(),
            fix: fix.into(),
        }
    }
}

/// What an `openid-connect` action's `issuer_url` on a Microsoft authority means: a problem
/// (a failure or a warning, its fix about the issuer), and a note on who can sign in.
/// <https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc>; OpenID Connect
/// Discovery 1.0 §4.3: the published `issuer` must equal the URL discovery was fetched from.
fn issuer(url: &str, fix: &str) -> (Option<Problem>, String) {
    let parsed = reqwest::Url::parse(url).ok();
    let segments: Vec<String> = parsed
        .as_ref()
        .and_then(|u| u.path_segments())
        .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or_default();
    let tenant = segments.first().cloned().unwrap_or_default();
    let v2 = segments.get(1).is_some_and(|s| s == "v2.0") && segments.len() == 2;
    let tenant_issuer = format!("issuer_url: https://{host}/<your tenant GUID>/v2.0");
    let parsed_tenant = Tenant::parse(&tenant).ok();
    if parsed_tenant.as_ref().is_some_and(Tenant::is_alias) {
        return (
            Some(Problem::fail(
                format!(
                    "issuer_url is /{tenant}: its discovery document publishes the issuer .../{{tenantid}}/v2.0, which differs from the URL (OpenID Connect Discovery 1.0 §4.3), so ngrok's OpenID Connect check fails (ERR_NGROK_2227 or 5204)"
                ),
                format!(
                    "{fix}: {tenant_issuer} (then only that tenant's users sign in), or use the oauth action with provider: microsoft for users of every organisation"
                ),
            )),
            format!("issuer_url = {url:?}"),
        );
    }
    if host == "sts.windows.net" || !v2 {
        return (
            Some(Problem::warn(
                format!(
                    "issuer_url {url:?} is a v1 issuer: ngrok gets v1 ID tokens (upn and unique_name, no preferred_username), for users of that tenant only"
                ),
                format!("{fix}: {tenant_issuer} (the v2.0 issuer)"),
            )),
            format!("issuer_url = {url:?}, a v1 issuer"),
        );
    }
    if !matches!(parsed_tenant, Some(Tenant::Id(_))) {
        return (
            Some(Problem::warn(
                format!(
                    "issuer_url names the tenant {tenant:?} by domain: its discovery document publishes the issuer with the tenant's GUID, which then differs from the URL (OpenID Connect Discovery 1.0 §4.3)"
                ),
                format!("{fix}: {tenant_issuer} (the GUID, not the domain)"),
            )),
            format!("issuer_url = {url:?}, a domain-named tenant"),
        );
    }
    (
        None,
        format!(
            "issuer_url = {url:?}, tenant {tenant}'s v2.0 issuer: only users of that tenant (and its guests) can sign in through this action"
        ),
    )
}

/// `ngrok.policy`: every problem of the action, the worst deciding; none lost to another (an
/// issuer warning stays beside a wrong client id).
fn check(action: &OAuthAction, client_id: Option<&str>, linted: &[String]) -> Finding {
    let fix = edit(action);
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if !runs_auth(action.place.phase) {
        problems.push(Problem::fail(
            format!(
                "the {} action is in {}, where ngrok does not run it: nobody is asked to sign in",
                action.kind(),
                action.place.phase
            ),
            format!(
                "Move the {} action to on_http_request (the only phase where ngrok runs it)",
                action.kind()
            ),
        ));
    }
    if action.place.legacy {
        let (what, target) = match action.place.shape {
            "kubernetes-moduleset" => (
                "an NgrokModuleSet, which ngrok-operator no longer has (removed in 2025)",
                "an AgentEndpoint or CloudEndpoint with spec.trafficPolicy.inline",
            ),
            "ngrok-api-edge-module" => (
                "an Edges OAuth module, which ngrok replaced with endpoints and Traffic Policy",
                "the endpoint's traffic_policy",
            ),
            _ => (
                "an agent configuration version 2 (tunnels), which ngrok replaced with version 3",
                "agent config version 3: endpoints: - name: ... traffic_policy:",
            ),
        };
        problems.push(Problem::warn(
            format!("read from {what}"),
            format!(
                "Move to {target} on_http_request: - actions: - type: {} config: {{...}} (email and domain allow-lists become a deny rule after it)",
                action.kind()
            ),
        ));
    }
    match &action.issuer_url {
        Some(url) => {
            let (problem, note) = issuer(url, &fix);
            problems.extend(problem);
            notes.push(note);
        }
        None => match action.provider.as_deref() {
            Some("microsoft") => notes.push("provider = \"microsoft\"".into()),
            Some(p) if p.trim().eq_ignore_ascii_case("microsoft") => {
                notes.push(format!("provider = {p:?}"));
                problems.push(Problem::fail(
                    format!(
                        "provider is {p:?}: ngrok's provider ids are lowercase, so it is not a provider ngrok supports (ERR_NGROK_365)"
                    ),
                    format!("{fix}: provider: microsoft"),
                ));
            }
            other => {
                notes.push(format!("provider = {other:?}"));
                problems.push(Problem::fail(
                    "the oauth action's provider is not microsoft",
                    format!("{fix}: provider: microsoft"),
                ));
            }
        },
    }
    identity(action, client_id, linted, &fix, &mut problems, &mut notes);
    scopes(action, &fix, &mut problems, &mut notes);
    problems.sort_by_key(|p| std::cmp::Reverse(p.status));
    let evidence = notes.join(", ");
    let Some(worst) = problems.first().map(|p| p.status) else {
        return Finding::pass(
            CheckId::NgrokPolicy,
            format!("the ngrok {} action uses this app", action.kind()),
            evidence,
        );
    };
    let titles: Vec<&str> = problems.iter().map(|p| p.title.as_str()).collect();
    let mut fixes: Vec<&str> = Vec::new();
    for p in &problems {
        if !fixes.contains(&p.fix.as_str()) {
            fixes.push(&p.fix);
        }
    }
    let title = titles.join("; ");
    let fix = fixes.join(" | ");
    if worst == Status::Fail {
        Finding::fail(CheckId::NgrokPolicy, title, evidence, fix)
    } else {
        Finding::warn(CheckId::NgrokPolicy, title, evidence, fix)
    }
}

/// Client id and secret: ngrok's managed app, half an app, another app, a Secret ID, or a secret
/// that cannot be a Value.
fn identity(
    action: &OAuthAction,
    expected: Option<&str>,
    linted: &[String],
    fix: &str,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
) {
    let oidc = action.issuer_url.is_some();
    if action.is_managed_app() {
        notes.push("client_id and client_secret are absent".into());
        if oidc {
            problems.push(Problem::fail(
                "the openid-connect action has no client_id and no client_secret: ngrok has no managed app for OpenID Connect (ERR_NGROK_385/386)",
                format!("{fix}: client_id: '<Application (client) ID>', client_secret: ${{secrets.get('vault', 'name')}}"),
            ));
            return;
        }
        let scopes = action.scopes.as_ref().is_some_and(|s| !s.is_empty());
        problems.push(Problem::fail(
            if scopes {
                "the oauth action uses ngrok's managed Microsoft app (no client_id, no client_secret), which refuses custom scopes (ERR_NGROK_390 / ERR_NGROK_1634), and is not your app registration"
            } else {
                "the oauth action uses ngrok's managed Microsoft app (no client_id, no client_secret), not your app registration: nothing of yours is used"
            },
            format!(
                "{fix}: client_id: '<your app's Application (client) ID>' and client_secret: ${{secrets.get('vault', 'name')}} (or drop scopes to stay on ngrok's managed app)"
            ),
        ));
        return;
    }
    let Some(id) = action.client_id.as_deref() else {
        notes.push("client_id is absent, client_secret is set (value not shown)".into());
        problems.push(Problem::fail(
            format!(
                "the {} action has a client_secret but no client_id: ngrok refuses it ({})",
                action.kind(),
                if oidc {
                    "ERR_NGROK_385"
                } else {
                    "ERR_NGROK_384 or 389: both or neither"
                }
            ),
            format!(
                "{fix}: client_id: '<Application (client) ID>' beside client_secret{}",
                if oidc {
                    ""
                } else {
                    "; or remove both for ngrok's managed app"
                }
            ),
        ));
        return;
    };
    notes.push(format!(
        "client_id = {}",
        if is_expression(id) || is_guid(id) {
            format!("{id:?}")
        } else {
            crate::registration::show_id(id)
        }
    ));
    if is_expression(id) {
        problems.push(Problem::warn(
            format!("client_id is an expression ({id}); it could not be compared with the app"),
            format!("{fix}: write the Application (client) ID literally, or check the vault's value by hand"),
        ));
    } else if !is_guid(id) {
        problems.push(Problem::fail(
            format!("the {} action's client_id is not a GUID", action.kind()),
            format!("{fix}: client_id: the app's 'Application (client) ID'"),
        ));
    } else if let Some(expected) = expected
        && !ClientId::parse(expected).is_ok_and(|e| e.is(id))
    {
        notes.push(format!("checked app = {expected:?}"));
        problems.push(Problem::fail(
            format!(
                "the {} action names another app than the one checked",
                action.kind()
            ),
            format!("{fix}: client_id: '{expected}'"),
        ));
    } else if expected.is_none()
        && !linted.is_empty()
        && !linted
            .iter()
            .any(|app| ClientId::parse(app).is_ok_and(|app| app.is(id)))
    {
        // `lint` of several apps, none of which the action names (DESIGN.md §9.1).
        notes.push(format!("linted appIds: {}", linted.join(", ")));
        problems.push(Problem::fail(
            format!("the {} action names none of the linted apps", action.kind()),
            format!(
                "{fix}: the client_id of the app ngrok should use, or lint that app's registration too"
            ),
        ));
    }
    match (&action.client_secret, action.secret_is_expression) {
        (Some(s), _) if super::secret::secret_id(s, None).is_some() => {
            notes.push("client_secret has the shape of a GUID (value not shown)".into());
            problems.push(Problem::fail(
                format!(
                    "the {} action's client_secret is a GUID: that is the Secret ID, not the secret's Value",
                    action.kind()
                ),
                "Certificates & secrets > New client secret; copy the Value column (not Secret ID) into client_secret",
            ));
        }
        (Some(s), _) => match super::secret::impossible(s) {
            Some(why) => {
                notes.push(why);
                problems.push(Problem::fail(
                    format!(
                        "the {} action's client_secret cannot be a secret Value Entra issued (AADSTS7000215 at sign-in)",
                        action.kind()
                    ),
                    "Certificates & secrets > New client secret; paste its whole Value into client_secret at once (the portal masks it once you leave the page), with nothing around it; better, keep it in a vault: ${secrets.get(...)}",
                ));
            }
            None => notes.push("client_secret set (value not shown)".into()),
        },
        (None, true) => notes.push("client_secret from an expression".into()),
        (None, false) => {
            notes.push("client_secret is absent".into());
            problems.push(Problem::fail(
                format!(
                    "the {} action has a client_id but no client_secret: ngrok refuses it ({})",
                    action.kind(),
                    if oidc { "ERR_NGROK_386" } else { "ERR_NGROK_383 or 389: both or neither" }
                ),
                format!("{fix}: client_secret: '<secret Value>' (use ${{secrets.get(...)}} to keep it out of the file)"),
            ));
        }
    }
}

/// Scopes: for `oauth`, User.Read (or a superset) is ngrok's documented Microsoft minimum, but
/// ngrok calls `scopes` "additional scopes to request" and its own Microsoft example lists only
/// openid, email, profile: whether it adds User.Read itself is not documented, so its absence is
/// a warning that `run` decides (DESIGN.md §9.1). `openid-connect` has no such requirement.
/// Scopes that need admin consent, and Graph scopes we do not know, are warnings.
fn scopes(action: &OAuthAction, fix: &str, problems: &mut Vec<Problem>, notes: &mut Vec<String>) {
    let Some(scopes) = action.scopes.as_deref() else {
        notes.push("scopes absent (ngrok's defaults)".into());
        return;
    };
    notes.push(format!("scopes = {scopes:?}"));
    let reads_me = scopes
        .iter()
        .any(|s| entra::graph_scope_by_name(s).is_some_and(|g| g.reads_me));
    if action.issuer_url.is_none() && !reads_me {
        problems.push(Problem::warn(
            "the oauth action's scopes name no User.Read, ngrok's documented minimum for Microsoft (whether ngrok adds it is not documented): oauth-preflight run with this policy decides",
            format!("{fix}: scopes: [openid, profile, email, User.Read]"),
        ));
    }
    let admin: Vec<&str> = scopes
        .iter()
        .filter_map(|s| entra::graph_scope_by_name(s))
        .filter(|g| g.admin_consent)
        .map(|g| g.name)
        .collect();
    if !admin.is_empty() {
        problems.push(Problem::warn(
            format!("scopes {admin:?} need admin consent in every tenant whose users sign in"),
            format!("{fix}: drop scopes that need admin consent (User.Read is enough)"),
        ));
    }
    let unknown: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| entra::is_graph_scope(s) && entra::graph_scope_by_name(s).is_none())
        .filter(|s| !entra::OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(s)))
        .collect();
    if !unknown.is_empty() {
        problems.push(Problem::warn(
            format!(
                "scopes {unknown:?} are not Microsoft Graph delegated permissions Microsoft publishes ({}): mistyped, or unknown to us",
                entra::GRAPH_TABLE_SOURCE
            ),
            format!("{fix}: check the spelling of each scope against the permissions reference"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::ngrok::parse;

    use crate::ngrok::tests_support::GOOD;

    #[test]
    fn judges_the_oauth_action() {
        let a = parse(GOOD).unwrap();
        assert_eq!(
            check(&a, Some("00000001-1111-4000-8000-000000000001"), &[]).status,
            Status::Pass
        );
        assert_eq!(
            check(&a, Some("00000002-1111-4000-8000-000000000002"), &[]).status,
            Status::Fail
        );
        // ngrok's own Microsoft example asks for openid, email, profile: a warning that `run`
        // decides, not a failure (DESIGN.md §9.1).
        let no_user_read = parse(&GOOD.replace(", User.Read", "")).unwrap();
        let f = check(&no_user_read, None, &[]);
        assert_eq!(f.status, Status::Warn);
        assert!(
            f.fix
                .unwrap()
                .contains("scopes: [openid, profile, email, User.Read]")
        );
        let google = parse(&GOOD.replace("microsoft", "google")).unwrap();
        assert_eq!(check(&google, None, &[]).status, Status::Fail);
        let secret_id = parse(&GOOD.replace(
            "Q1x8Q~ngrok-preflight-unit-test-value-0001",
            "5ec7e700-0000-4000-8000-000000000001",
        ))
        .unwrap();
        let f = check(&secret_id, None, &[]);
        assert_eq!(f.status, Status::Fail);
        assert!(!format!("{f:?}").contains("5ec7e700-0000-4000-8000-000000000001"));
    }

    /// ngrok refuses an oauth action with only one of client_id and client_secret; the finding
    /// names the ERR_NGROK code and never the secret.
    #[test]
    fn half_a_custom_app_is_a_fail_naming_ngrok_error() {
        let no_secret = parse(&GOOD.replace(
            "          client_secret: 'Q1x8Q~ngrok-preflight-unit-test-value-0001'\n",
            "",
        ))
        .unwrap();
        let f = check(&no_secret, None, &[]);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.title.contains("ERR_NGROK_383"), "{}", f.title);
        let no_id = parse(&GOOD.replace(
            "          client_id: '00000001-1111-4000-8000-000000000001'\n",
            "",
        ))
        .unwrap();
        let f = check(&no_id, None, &[]);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.title.contains("ERR_NGROK_384"), "{}", f.title);
        assert!(!format!("{f:?}").contains("Q1x8Q~ngrok-preflight-unit-test-value-0001"));
    }

    /// openid-connect: a tenant's v2.0 issuer passes; /common, /organizations and /consumers
    /// fail; a v1 issuer and a tenant named by domain are warnings that say why.
    #[test]
    fn openid_connect_issuers() {
        let oidc = |issuer: &str| {
            let text = format!(
                "on_http_request:\n  - actions:\n      - type: openid-connect\n        config:\n          issuer_url: '{issuer}'\n          client_id: '00000001-1111-4000-8000-000000000001'\n          client_secret: 'Q1x8Q~ngrok-preflight-unit-test-value-0001'\n          scopes: [openid, email, profile, User.Read]\n"
            );
            check(&parse(&text).unwrap(), None, &[])
        };
        let tenant = "https://login.microsoftonline.com/2a7b0e5c-0b62-4c7e-9a1d-c0a7050c0a70";
        assert_eq!(oidc(&format!("{tenant}/v2.0")).status, Status::Pass);
        for multi in ["common", "organizations", "consumers"] {
            let f = oidc(&format!("https://login.microsoftonline.com/{multi}/v2.0"));
            assert_eq!(f.status, Status::Fail, "{multi}");
            assert!(f.title.contains("{tenantid}"), "{multi}: {}", f.title);
        }
        for (v1, why) in [
            (tenant.to_owned(), "v1 issuer"),
            (
                "https://sts.windows.net/2a7b0e5c-0b62-4c7e-9a1d-c0a7050c0a70/".to_owned(),
                "v1 issuer",
            ),
            (
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0".to_owned(),
                "by domain",
            ),
        ] {
            let f = oidc(&v1);
            assert_eq!(f.status, Status::Warn, "{v1}");
            assert!(f.title.contains(why), "{v1}: {}", f.title);
        }
    }

    /// DESIGN.md §9.1: an issuer warning stays beside another fault, with its own fix about the
    /// issuer; an openid-connect action is never told to add User.Read, and its fix names it.
    #[test]
    fn issuer_warning_survives_another_fault_and_oidc_needs_no_user_read() {
        let text = "on_http_request:\n  - actions:\n      - type: openid-connect\n        config:\n          issuer_url: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0'\n          client_id: '00000001-1111-4000-8000-000000000001'\n          client_secret: 'Xk7****'\n          scopes: [openid, email, profile]\n";
        let f = check(&parse(text).unwrap(), None, &[]);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(
            f.title.contains("by domain") && f.title.contains("cannot be a secret Value"),
            "{}",
            f.title
        );
        let fix = f.fix.unwrap();
        assert!(fix.contains("<your tenant GUID>/v2.0"), "{fix}");
        assert!(
            fix.contains("type: openid-connect") && !fix.contains("type: oauth "),
            "{fix}"
        );
        assert!(!f.title.contains("User.Read"), "{}", f.title);
        assert!(!f.evidence.contains("Xk7"), "{}", f.evidence);
    }

    /// DESIGN.md §9.1: `provider: Microsoft`, an action under on_http_response, ngrok's managed
    /// app: each a failure of ngrok.policy, not a usage error.
    #[test]
    fn policy_mistakes_are_failures() {
        let cased = parse(&GOOD.replace("provider: microsoft", "provider: Microsoft")).unwrap();
        let f = check(&cased, None, &[]);
        assert_eq!(f.status, Status::Fail);
        assert!(f.title.contains("lowercase"), "{}", f.title);
        let response = parse(&GOOD.replace("on_http_request", "on_http_response")).unwrap();
        let f = check(&response, None, &[]);
        assert_eq!(f.status, Status::Fail);
        assert!(f.title.contains("on_http_response"), "{}", f.title);
        let managed = parse("on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: microsoft\n          scopes: [User.Read]\n").unwrap();
        let f = check(&managed, None, &[]);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.title.contains("managed") && f.title.contains("ERR_NGROK_390"),
            "{}",
            f.title
        );
    }
}
