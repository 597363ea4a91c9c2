//! Would ngrok let this identity through? The rules after the auth action are evaluated in
//! order for the identity ngrok would see (`actions.ngrok.oauth.identity.*`) with a CEL
//! interpreter (cel-rust): a `deny`, `custom-response` or `redirect` whose expressions all hold
//! stops the request. Expressions that need the request (`req.*`, `conn.*`) or one of ngrok's own
//! functions cannot be decided here. Expressions are bounded in length and nesting before they
//! are compiled, so a hostile policy cannot hang or overflow the evaluator.
//! <https://ngrok.com/docs/traffic-policy/> (`../shared/NGROK.md` §4, §7).

use super::Gate;
use cel::{Context, Env, ExecutionError, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The longest expression evaluated, in bytes.
const MAX_EXPRESSION: usize = 4096;
/// The deepest nesting of parentheses, brackets and braces evaluated.
const MAX_NESTING: usize = 32;

/// The identity ngrok would see after the auth action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Graph `mail`, else the UPN.
    pub email: String,
    pub name: Option<String>,
}

/// How the rules treat one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No rule stops it.
    Through,
    /// This rule stops it (its expressions all hold, or it has none).
    Stopped { gate: Gate },
    /// This expression cannot be decided here, and why (request data, ngrok-only function...).
    Undecided {
        rule: usize,
        expression: String,
        why: String,
    },
    /// This expression is not valid CEL: ngrok refuses the policy.
    Invalid {
        rule: usize,
        expression: String,
        why: String,
    },
}

fn obj(kv: Vec<(&str, Value)>) -> Value {
    Value::from(
        kv.into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<HashMap<String, Value>>(),
    )
}

fn nesting(expr: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in expr.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Evaluates `gates` in order for `who`.
pub fn evaluate(gates: &[Gate], who: &Identity) -> Verdict {
    let mut env = Env::stdlib();
    // lowerAscii, split...: what ngrok's examples use on identities.
    let _ = env.add_extension(cel::extensions::strings);
    let env = Arc::new(env);
    let mut ctx = Context::with_env(env.clone());
    let mut identity = vec![("email", Value::from(who.email.clone()))];
    if let Some(n) = &who.name {
        identity.push(("name", Value::from(n.clone())));
    }
    let identity = obj(identity);
    ctx.add_variable_from_value(
        "actions",
        obj(vec![(
            "ngrok",
            obj(vec![
                ("oauth", obj(vec![("identity", identity.clone())])),
                ("oidc", obj(vec![("identity", identity)])),
            ]),
        )]),
    );
    for gate in gates {
        let mut all_hold = true;
        for expr in &gate.expressions {
            let undecided = |why: String| Verdict::Undecided {
                rule: gate.rule,
                expression: expr.clone(),
                why,
            };
            // Prefix operators nest in the parser as brackets do.
            let prefixes = expr.matches(['!', '-']).count();
            if expr.len() > MAX_EXPRESSION
                || nesting(expr) > MAX_NESTING
                || prefixes > 4 * MAX_NESTING
            {
                return undecided(format!(
                    "longer than {MAX_EXPRESSION} bytes or nested deeper than {MAX_NESTING}: not evaluated"
                ));
            }
            let program = match env.compile(expr) {
                Ok(p) => p,
                Err(e) => {
                    return Verdict::Invalid {
                        rule: gate.rule,
                        expression: expr.clone(),
                        why: e.to_string().lines().next().unwrap_or("").to_owned(),
                    };
                }
            };
            match program.execute(&ctx) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    all_hold = false;
                    break;
                }
                Ok(other) => return undecided(format!("it gives {other:?}, not true or false")),
                Err(ExecutionError::UndeclaredReference(name)) => {
                    return undecided(match name.as_str() {
                        "req" | "conn" | "endpoint" | "time" => {
                            format!("it needs request data ({name}.*), which only ngrok has")
                        }
                        other => {
                            format!("{other} is not known here (an ngrok function or variable)")
                        }
                    });
                }
                Err(e) => return undecided(e.to_string()),
            }
        }
        if all_hold {
            return Verdict::Stopped { gate: gate.clone() };
        }
    }
    Verdict::Through
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(rule: usize, expressions: &[&str]) -> Gate {
        Gate {
            rule,
            name: None,
            expressions: expressions.iter().map(|s| (*s).to_owned()).collect(),
            action: "deny".into(),
        }
    }

    fn who(email: &str) -> Identity {
        Identity {
            email: email.into(),
            name: None,
        }
    }

    #[test]
    fn a_domain_rule_stops_other_domains() {
        let gates = [gate(
            1,
            &["!actions.ngrok.oauth.identity.email.lowerAscii().endsWith('@contoso.example')"],
        )];
        assert_eq!(
            evaluate(&gates, &who("alice@contoso.example")),
            Verdict::Through
        );
        assert!(matches!(
            evaluate(&gates, &who("bob@fabrikam.example")),
            Verdict::Stopped { .. }
        ));
    }

    #[test]
    fn what_needs_the_request_is_undecided_and_bad_cel_is_invalid() {
        let req = [gate(2, &["req.url.path.startsWith('/admin')"])];
        assert!(
            matches!(evaluate(&req, &who("a@b.c")), Verdict::Undecided { ref why, .. } if why.contains("req.*"))
        );
        let ngrok_fn = [gate(2, &["hasReqHeader('x')"])];
        assert!(matches!(
            evaluate(&ngrok_fn, &who("a@b.c")),
            Verdict::Undecided { .. }
        ));
        let bad = [gate(3, &["actions.ngrok.oauth.identity.email =="])];
        assert!(matches!(
            evaluate(&bad, &who("a@b.c")),
            Verdict::Invalid { .. }
        ));
        let always = [gate(4, &[])];
        assert!(matches!(
            evaluate(&always, &who("a@b.c")),
            Verdict::Stopped { .. }
        ));
        let deep = [gate(
            5,
            &[&format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000))],
        )];
        assert!(matches!(
            evaluate(&deep, &who("a@b.c")),
            Verdict::Undecided { .. }
        ));
        let nots = [gate(6, &[&format!("{}true", "!".repeat(4000))])];
        assert!(matches!(
            evaluate(&nots, &who("a@b.c")),
            Verdict::Undecided { .. }
        ));
    }
}
