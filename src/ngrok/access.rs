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
/// The most operators evaluated (ngrok's documented examples have fewer than 20).
const MAX_OPERATORS: usize = 128;

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
    /// A terminating rule that serves rather than refuses (`forward-internal`, a
    /// `custom-response` below 400) fired first: the person is through, answered by it.
    Answered { gate: Gate },
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

/// The shape of an expression, outside its string literals: how deep its brackets nest, and
/// how many operators (`.`, `!`, `+`, `&&`, `?`...) it has. Each operator is a level of the
/// parsed tree in the worst case (`1+1+1...`, `a.b.c...`), and the parser and the evaluator
/// recurse once per level: bounding both bounds their stack.
fn shape(expr: &str) -> (usize, usize) {
    let (mut depth, mut nesting, mut operators) = (0usize, 0usize, 0usize);
    let mut quote = None;
    let mut escaped = false;
    for c in expr.chars() {
        if let Some(q) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                _ if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                nesting = nesting.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '.' | '!' | '-' | '+' | '*' | '/' | '%' | '<' | '>' | '=' | '&' | '|' | '?' | ',' => {
                operators += 1;
            }
            _ => {}
        }
    }
    (nesting, operators)
}

/// The evaluator's own stack: the parser and the interpreter recurse once per level of the tree
/// (about 16 KiB a level in a debug build), more than a test thread's 2 MiB holds at
/// `MAX_OPERATORS`. Only the pages touched are committed.
const STACK: usize = 64 << 20;

/// How long the rules may take for one identity. The cost estimate refuses what could take
/// longer before it runs; this is the last bound, for what the estimate missed.
pub const TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(1);

/// Evaluates `gates` in order for `who`, on a thread of its own with a stack that holds the
/// deepest tree the bounds let through, for at most [`TIME_BUDGET`]: a panic in the evaluator,
/// or a time-out, is an undecided verdict (a `skip`), not a crash and not a pass.
pub fn evaluate(gates: &[Gate], who: &Identity) -> Verdict {
    let failed = |why: String| Verdict::Undecided {
        rule: gates.first().map_or(0, |g| g.rule),
        expression: String::new(),
        why,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let (owned, who) = (gates.to_vec(), who.clone());
    let spawned = std::thread::Builder::new()
        .name("cel".into())
        .stack_size(STACK)
        .spawn(move || {
            // The receiver may have given up: nothing to do then.
            let _ = tx.send(evaluate_here(&owned, &who));
        });
    if let Err(e) = spawned {
        return failed(format!("the CEL evaluator could not start: {e}"));
    }
    match rx.recv_timeout(TIME_BUDGET) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => failed(format!(
            "the rules took longer than {} s to evaluate: not decided here",
            TIME_BUDGET.as_secs()
        )),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            failed("the CEL evaluator failed on it".into())
        }
    }
}

fn evaluate_here(gates: &[Gate], who: &Identity) -> Verdict {
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
        // Three-valued `&&` (DESIGN.md §9.1): one expression false for the identity and the rule
        // cannot fire, whatever request data the others need; undecided only when none is false.
        let mut any_false = false;
        let mut undecided_first: Option<Verdict> = None;
        for expr in &gate.expressions {
            let undecided = |why: String| Verdict::Undecided {
                rule: gate.rule,
                expression: expr.clone(),
                why,
            };
            let (nesting, operators) = shape(expr);
            let outcome = if expr.len() > MAX_EXPRESSION
                || nesting > MAX_NESTING
                || operators > MAX_OPERATORS
            {
                Err(undecided(format!(
                    "longer than {MAX_EXPRESSION} bytes, nested deeper than {MAX_NESTING} or with more than {MAX_OPERATORS} operators: not evaluated"
                )))
            } else {
                match env.compile(expr) {
                    Ok(program) if !super::cost::estimate(program.expression()).affordable() => {
                        let c = super::cost::estimate(program.expression());
                        Err(undecided(format!(
                            "it could take about {:.0e} steps or build a value of {:.0e} bytes (bounds {:.0e} and {:.0e}): not evaluated",
                            c.steps,
                            c.size,
                            super::cost::MAX_STEPS,
                            super::cost::MAX_SIZE
                        )))
                    }
                    Err(e) => {
                        return Verdict::Invalid {
                            rule: gate.rule,
                            expression: expr.clone(),
                            why: e.to_string().lines().next().unwrap_or("").to_owned(),
                        };
                    }
                    Ok(program) => match program.execute(&ctx) {
                        Ok(Value::Bool(b)) => Ok(b),
                        Ok(other) => {
                            Err(undecided(format!("it gives {other:?}, not true or false")))
                        }
                        Err(ExecutionError::UndeclaredReference(name)) => {
                            Err(undecided(match name.as_str() {
                                "req" | "conn" | "endpoint" | "time" => format!(
                                    "it needs request data ({name}.*), which only ngrok has"
                                ),
                                other => format!(
                                    "{other} is not known here (an ngrok function or variable)"
                                ),
                            }))
                        }
                        Err(e) => Err(undecided(e.to_string())),
                    },
                }
            };
            match outcome {
                Ok(true) => {}
                Ok(false) => {
                    any_false = true;
                    break;
                }
                Err(v) => {
                    undecided_first.get_or_insert(v);
                }
            }
        }
        if any_false {
            continue;
        }
        if let Some(v) = undecided_first {
            return v;
        }
        if gate.lets_through {
            return Verdict::Answered { gate: gate.clone() };
        }
        return Verdict::Stopped { gate: gate.clone() };
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
            lets_through: false,
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
        // Long chains build a tree as deep as they are long: refused before the parser.
        for chain in [
            format!("{}true", "!".repeat(4000)),
            format!("{}1 == 2", "1+".repeat(2000)),
            format!("actions{} == 1", ".b".repeat(1300)),
            format!(
                "actions.ngrok.oauth.identity.email{}",
                ".endsWith('x')".repeat(250)
            ),
        ] {
            assert!(
                matches!(evaluate(&[gate(6, &[&chain])], &who("a@b.c")), Verdict::Undecided { ref why, .. } if why.contains("operators")),
                "{}",
                &chain[..40]
            );
        }
        // The most operators allowed (`==` counts two), in a chain, evaluate on a test thread's small stack; and
        // dots or dashes inside string literals are not operators.
        let longest = format!("{}1 == 2", "1+".repeat(MAX_OPERATORS - 2));
        assert_eq!(shape(&longest).1, MAX_OPERATORS);
        assert_eq!(
            evaluate(&[gate(7, &[&longest])], &who("a@b.c")),
            Verdict::Through
        );
        let dots = format!(
            "actions.ngrok.oauth.identity.email == '{}'",
            "a.b-c".repeat(200)
        );
        assert_eq!(shape(&dots).1, 6); // four dots and `==`
        assert_eq!(
            evaluate(&[gate(8, &[&dots])], &who("a@b.c")),
            Verdict::Through
        );
    }

    /// DESIGN.md §9.1: `&&` is three-valued. An expression false for the identity keeps the
    /// rule from firing whatever request data another needs; undecided only when none is false.
    #[test]
    fn conjunctions_are_three_valued() {
        let rule = |first: &str| [gate(1, &[first, "req.url.path.startsWith('/admin')"])];
        let false_for_alice = rule("actions.ngrok.oauth.identity.email == 'bob@fabrikam.example'");
        assert_eq!(
            evaluate(&false_for_alice, &who("alice@contoso.example")),
            Verdict::Through
        );
        // Order does not matter.
        let swapped = [gate(
            1,
            &[
                "req.url.path.startsWith('/admin')",
                "actions.ngrok.oauth.identity.email == 'bob@fabrikam.example'",
            ],
        )];
        assert_eq!(
            evaluate(&swapped, &who("alice@contoso.example")),
            Verdict::Through
        );
        let true_for_bob = rule("actions.ngrok.oauth.identity.email == 'bob@fabrikam.example'");
        assert!(matches!(
            evaluate(&true_for_bob, &who("bob@fabrikam.example")),
            Verdict::Undecided { .. }
        ));
    }
}
