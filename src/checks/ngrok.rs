//! `ngrok.policy`: the ngrok `oauth` action uses provider `microsoft`, this app's client id, a
//! secret Value (not its Secret ID), and scopes with User.Read (ngrok's documented minimum for
//! Microsoft; without it ngrok's own check fails, ERR_NGROK_5502).
//! <https://ngrok.com/docs/traffic-policy/actions/oauth/>

use super::{CheckId, Finding, Inputs, Status};
use crate::entra;
use crate::flow::evidence::GraphMe;
use crate::ngrok::access::{Identity, Verdict, evaluate};
use crate::ngrok::{Gate, OAuthAction, is_expression};
use crate::registration::is_guid;

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
    let mut f = check(action, expected);
    f.evidence = format!("{}; {}", place(action), f.evidence);
    f
}

/// Where the action is: the file's shape, the endpoint, the rule.
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

fn place(action: &OAuthAction) -> String {
    let p = &action.place;
    match &p.endpoint {
        Some(e) => format!(
            "{} endpoint {e:?}, on_http_request rule {}",
            p.shape, p.rule
        ),
        None => format!("{}, on_http_request rule {}", p.shape, p.rule),
    }
}

/// `ngrok.access`: the rules after the auth action, evaluated for the identity ngrok would see:
/// who signed in (`run`, `probe`: Graph `mail`, else the UPN), or each `lint --identity`.
pub(super) fn access(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::NgrokAccess;
    let Some(action) = i.policy else {
        return Finding::skip(ID, "no ngrok policy given (--ngrok-policy FILE)");
    };
    let mut who: Vec<Identity> = i
        .identities
        .iter()
        .map(|e| Identity {
            email: e.clone(),
            name: None,
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
        who.push(Identity {
            email,
            name: display_name.clone(),
        });
    }
    if who.is_empty() {
        return Finding::skip(
            ID,
            match i.live {
                Some(ev) => format!(
                    "no identity to evaluate the rules for ({})",
                    ev.not_reached()
                ),
                None => "no identity to evaluate the rules for: lint --identity EMAIL".into(),
            },
        );
    }
    let rules = if action.gates_cut {
        format!(
            "the first {} rules that can stop a request",
            crate::ngrok::MAX_GATES
        )
    } else {
        format!("{} rule(s) that can stop a request", action.gates.len())
    };
    let mut lines = Vec::new();
    let mut worst = Status::Pass;
    let mut stop: Option<(String, Gate)> = None;
    for w in &who {
        let line = match evaluate(&action.gates, w) {
            Verdict::Through => format!("{}: through", w.email),
            Verdict::Stopped { gate } => {
                worst = Status::Fail;
                let line = format!(
                    "{}: stopped by rule {}{} ({}{})",
                    w.email,
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
                );
                stop.get_or_insert((w.email.clone(), gate));
                line
            }
            Verdict::Invalid {
                rule,
                expression,
                why,
            } => {
                worst = Status::Fail;
                format!(
                    "{}: rule {rule} expression {:?} is not valid CEL ({why})",
                    w.email,
                    shown(&expression)
                )
            }
            Verdict::Undecided {
                rule,
                expression,
                why,
            } => {
                if worst == Status::Pass {
                    worst = Status::Skip;
                }
                format!(
                    "{}: rule {rule} expression {:?} undecided: {why}",
                    w.email,
                    shown(&expression)
                )
            }
        };
        lines.push(line);
    }
    let evidence = format!("{rules}; {}", lines.join("; "));
    match (worst, stop) {
        (Status::Fail, Some((email, gate))) => Finding::fail(
            ID,
            format!(
                "{email} signs in, then the policy's rule {} ({}) stops them",
                gate.rule, gate.action
            ),
            evidence,
            format!(
                "Edit rule {} of the traffic policy (on_http_request[{}].expressions) if {email} should get in (e.g. the domain in endsWith); else it works as meant: sign in with an allowed account",
                gate.rule, gate.rule
            ),
        ),
        (Status::Fail, None) => Finding::fail(
            ID,
            "an expression of the policy is not valid CEL: ngrok refuses the policy",
            evidence,
            "Fix the expression in the traffic policy (https://ngrok.com/docs/traffic-policy/concepts/expressions/)",
        ),
        (Status::Skip, _) => Finding::skip(ID, format!("could not be decided here: {evidence}")),
        // Through the rules read, but not all were: no evidence for the rest (no false pass).
        _ if action.gates_cut => Finding::skip(
            ID,
            format!(
                "{evidence}; the rules after those were not evaluated: split the policy, or check them by hand"
            ),
        ),
        _ => Finding::pass(ID, "the policy's rules let the identity through", evidence),
    }
}

const FIX: &str = "Edit the oauth action of your traffic policy (on_http_request > actions > type: oauth > config)";

/// What an `openid-connect` action's `issuer_url` on a Microsoft authority means: `Err` a
/// failure; `Ok((warning, note))` otherwise.
/// <https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc>; OpenID Connect
/// Discovery 1.0 §4.3: the published `issuer` must equal the URL discovery was fetched from.
fn issuer(url: &str) -> Result<(Option<String>, String), Finding> {
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
    if matches!(tenant.as_str(), "common" | "organizations" | "consumers") {
        return Err(Finding::fail(
            CheckId::NgrokPolicy,
            format!(
                "issuer_url is /{tenant}: its discovery document publishes the issuer .../{{tenantid}}/v2.0, which differs from the URL, so ngrok's OpenID Connect check fails (ERR_NGROK_2227 or 5204)"
            ),
            format!(
                "issuer_url = {url:?}; OpenID Connect Discovery 1.0 §4.3 requires the published issuer to equal it"
            ),
            format!(
                "{FIX}: issuer_url: https://{host}/<your tenant GUID>/v2.0 (then only that tenant's users sign in), or use the oauth action with provider: microsoft for users of every organisation"
            ),
        ));
    }
    if host == "sts.windows.net" || !v2 {
        return Ok((
            Some(format!(
                "issuer_url {url:?} is a v1 issuer: ngrok gets v1 ID tokens (upn and unique_name, no preferred_username), for users of that tenant only; https://login.microsoftonline.com/<tenant GUID>/v2.0 is the v2.0 one"
            )),
            "a v1 issuer".into(),
        ));
    }
    if !is_guid(&tenant) {
        return Ok((
            Some(format!(
                "issuer_url names the tenant {tenant:?} by domain: its discovery document publishes the issuer with the tenant's GUID, which then differs from the URL (OpenID Connect Discovery 1.0 §4.3); use https://{host}/<tenant GUID>/v2.0"
            )),
            "a domain-named tenant".into(),
        ));
    }
    Ok((
        None,
        format!(
            "issuer_url is tenant {tenant}'s v2.0 issuer: only users of that tenant (and its guests) can sign in through this action"
        ),
    ))
}

/// `ngrok.policy`: provider `microsoft` (or a Microsoft issuer), this client id, a secret Value,
/// scopes ngrok can use.
fn check(action: &OAuthAction, client_id: Option<&str>) -> Finding {
    let mut warnings = Vec::new();
    let mut notes = String::new();
    if let Some(url) = &action.issuer_url {
        match issuer(url) {
            Err(f) => return f,
            Ok((warning, note)) => {
                warnings.extend(warning);
                notes = format!("; {note}");
            }
        }
    }
    let id = match identity_problem(action, client_id) {
        Ok(id) => id,
        Err(failure) => return failure,
    };
    if is_expression(id) {
        warnings.push(format!(
            "client_id is an expression ({id}); it could not be compared with the app"
        ));
    }
    if let Some(failure) = missing_user_read(action.scopes.as_deref()) {
        return failure;
    }
    warnings.extend(admin_scopes(action.scopes.as_deref()));
    let evidence = format!(
        "{} = {:?}, client_id = {id:?}, client_secret {}, scopes = {}{notes}",
        if action.issuer_url.is_some() {
            "issuer_url"
        } else {
            "provider"
        },
        action.issuer_url.as_deref().unwrap_or("microsoft"),
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
            format!("the ngrok {} action uses this app", action.kind()),
            evidence,
        )
    } else {
        Finding::warn(
            CheckId::NgrokPolicy,
            warnings.join("; "),
            evidence,
            format!("{FIX}: keep User.Read and drop scopes that need admin consent"),
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
    if action.issuer_url.is_none() && action.provider.as_deref() != Some("microsoft") {
        return fail(
            "the oauth action's provider is not microsoft",
            format!("provider = {:?}", action.provider),
            format!("{FIX}: provider: microsoft"),
        );
    }
    if action.is_managed_app() {
        // Neither id nor secret: ngrok's own Microsoft app signs users in; there is no app
        // registration of yours to check (and no custom scopes: ERR_NGROK_390).
        return Err(Finding::skip(
            CheckId::NgrokPolicy,
            "the oauth action uses ngrok's managed Microsoft app (no client_id, no client_secret): there is no app of yours to check",
        ));
    }
    let Some(id) = action.client_id.as_deref() else {
        return fail(
            "the oauth action has a client_secret but no client_id: ngrok refuses it (ERR_NGROK_384 or 389: both or neither)",
            "client_id is absent, client_secret is set (value not shown)".into(),
            format!(
                "{FIX}: client_id: '<Application (client) ID>' beside client_secret; or remove both for ngrok's managed app"
            ),
        );
    };
    if !is_expression(id) && !is_guid(id) {
        return fail(
            "the oauth action's client_id is not a GUID",
            format!("client_id = {}", crate::registration::show_id(id)),
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
        (Some(s), _) if super::secret::secret_id(s, None).is_some() => fail(
            "the oauth action's client_secret is a GUID: that is the Secret ID, not the secret's Value",
            "client_secret has the shape of a GUID (value not shown)".into(),
            "Certificates & secrets > New client secret; copy the Value column (not Secret ID) into client_secret".into(),
        ),
        (None, false) => fail(
            "the oauth action has a client_id but no client_secret: ngrok refuses it (ERR_NGROK_383 or 389: both or neither)",
            "client_secret is absent".into(),
            format!("{FIX}: client_secret: '<secret Value>' (use ${{secrets.get(...)}} to keep it out of the file)"),
        ),
        _ => Ok(id),
    }
}

/// Scopes without User.Read or a superset: ngrok cannot read the user (a failure, in `lint` and
/// `run` alike).
fn missing_user_read(scopes: Option<&[String]>) -> Option<Finding> {
    let scopes = scopes?;
    if scopes
        .iter()
        .any(|s| entra::graph_scope_by_name(s).is_some_and(|g| g.reads_me))
    {
        return None;
    }
    Some(Finding::fail(
        CheckId::NgrokPolicy,
        "the oauth action's scopes name no User.Read: ngrok cannot read the user (ERR_NGROK_5502)",
        format!("scopes = {scopes:?}"),
        format!(
            "{FIX}: scopes: [openid, profile, email, User.Read] (User.Read is ngrok's documented minimum for Microsoft)"
        ),
    ))
}

/// Scopes that need an administrator.
fn admin_scopes(scopes: Option<&[String]>) -> Vec<String> {
    let Some(scopes) = scopes else {
        return Vec::new();
    };
    let mut out = Vec::new();
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
    use crate::ngrok::parse;

    use crate::ngrok::tests_support::GOOD;

    #[test]
    fn judges_the_oauth_action() {
        let a = parse(GOOD).unwrap();
        assert_eq!(
            check(&a, Some("00000001-1111-4000-8000-000000000001")).status,
            Status::Pass
        );
        assert_eq!(
            check(&a, Some("00000002-1111-4000-8000-000000000002")).status,
            Status::Fail
        );
        let no_user_read = parse(&GOOD.replace(", User.Read", "")).unwrap();
        let f = check(&no_user_read, None);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.fix
                .unwrap()
                .contains("scopes: [openid, profile, email, User.Read]")
        );
        let google = parse(&GOOD.replace("microsoft", "google")).unwrap();
        assert_eq!(check(&google, None).status, Status::Fail);
        let secret_id =
            parse(&GOOD.replace("Q1x8Q~value", "5ec7e700-0000-4000-8000-000000000001")).unwrap();
        let f = check(&secret_id, None);
        assert_eq!(f.status, Status::Fail);
        assert!(!format!("{f:?}").contains("5ec7e700-0000-4000-8000-000000000001"));
    }

    /// ngrok refuses an oauth action with only one of client_id and client_secret; the finding
    /// names the ERR_NGROK code and never the secret.
    #[test]
    fn half_a_custom_app_is_a_fail_naming_ngrok_error() {
        let no_secret =
            parse(&GOOD.replace("          client_secret: 'Q1x8Q~value'\n", "")).unwrap();
        let f = check(&no_secret, None);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.title.contains("ERR_NGROK_383"), "{}", f.title);
        let no_id = parse(&GOOD.replace(
            "          client_id: '00000001-1111-4000-8000-000000000001'\n",
            "",
        ))
        .unwrap();
        let f = check(&no_id, None);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.title.contains("ERR_NGROK_384"), "{}", f.title);
        assert!(!format!("{f:?}").contains("Q1x8Q~value"));
    }

    /// openid-connect: a tenant's v2.0 issuer passes; /common, /organizations and /consumers
    /// fail; a v1 issuer and a tenant named by domain are warnings that say why.
    #[test]
    fn openid_connect_issuers() {
        let oidc = |issuer: &str| {
            let text = format!(
                "on_http_request:\n  - actions:\n      - type: openid-connect\n        config:\n          issuer_url: '{issuer}'\n          client_id: '00000001-1111-4000-8000-000000000001'\n          client_secret: 'Q1x8Q~value'\n          scopes: [openid, email, profile, User.Read]\n"
            );
            check(&parse(&text).unwrap(), None)
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
}
