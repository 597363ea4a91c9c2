//! What evaluating a CEL expression could cost, estimated from its parsed tree before it runs.
//!
//! A few hundred bytes of CEL can ask for exponential work: comprehensions nested over small
//! lists (`[0,0,0].exists(a, [0,0,0].exists(b, ...))`, 3^31 steps at 31 levels) or string
//! growth (`'a'.replace('a', 'aaaa...')` chained, 36^7 bytes). The interpreter cannot be
//! interrupted, so such an expression is refused before it is evaluated: a `skip` of
//! `ngrok.access` naming it, never a pass and never an abort (issue 18). The estimate is an
//! upper bound that takes every unknown (an identity field, request data) at its largest.

use cel::common::ast::{Expr, IdedExpr, LiteralValue};
use std::collections::HashMap;

/// The most evaluation steps an expression may be estimated to take.
pub(super) const MAX_STEPS: f64 = 1_000_000.0;
/// The largest value (string bytes, list elements) an expression may be estimated to build.
pub(super) const MAX_SIZE: f64 = (1 << 20) as f64;

/// The size taken for a value we cannot see here: an identity field, request data.
const UNKNOWN: f64 = 4096.0;

/// An estimate: the steps to evaluate, and the size of the result (bytes of a string, elements
/// of a list, 1 for a scalar).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cost {
    pub(super) steps: f64,
    pub(super) size: f64,
}

impl Cost {
    const fn scalar() -> Self {
        Self {
            steps: 1.0,
            size: 1.0,
        }
    }

    /// Within [`MAX_STEPS`] and [`MAX_SIZE`].
    pub(super) fn affordable(self) -> bool {
        self.steps <= MAX_STEPS && self.size <= MAX_SIZE
    }
}

/// The estimated cost of `expr`.
pub(super) fn estimate(expr: &IdedExpr) -> Cost {
    walk(expr, &mut HashMap::new())
}

fn walk(e: &IdedExpr, vars: &mut HashMap<String, f64>) -> Cost {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Cost {
            steps: 1.0,
            size: s.inner().len().max(1) as f64,
        },
        Expr::Literal(LiteralValue::Bytes(b)) => Cost {
            steps: 1.0,
            size: b.len().max(1) as f64,
        },
        Expr::Literal(_) | Expr::Unspecified => Cost::scalar(),
        Expr::Ident(name) => Cost {
            steps: 1.0,
            size: vars.get(name).copied().unwrap_or(UNKNOWN),
        },
        Expr::Select(s) => {
            let c = walk(&s.operand, vars);
            Cost {
                steps: c.steps + 1.0,
                size: UNKNOWN.max(c.size),
            }
        }
        Expr::List(l) => {
            let parts: Vec<Cost> = l.elements.iter().map(|x| walk(x, vars)).collect();
            Cost {
                steps: 1.0 + parts.iter().map(|c| c.steps).sum::<f64>(),
                // Elements, each as large as the largest: what a comprehension over it sees.
                size: (parts.len().max(1) as f64)
                    * parts.iter().map(|c| c.size).fold(1.0, f64::max),
            }
        }
        Expr::Map(m) => {
            let mut steps = 1.0;
            let mut size = 1.0;
            for entry in &m.entries {
                if let cel::common::ast::EntryExpr::MapEntry(kv) = &entry.expr {
                    let (k, v) = (walk(&kv.key, vars), walk(&kv.value, vars));
                    steps += k.steps + v.steps;
                    size += k.size + v.size;
                }
            }
            Cost { steps, size }
        }
        Expr::Struct(_) => Cost::scalar(),
        Expr::Call(call) => {
            let target = call.target.as_deref().map(|t| walk(t, vars));
            let args: Vec<Cost> = call.args.iter().map(|a| walk(a, vars)).collect();
            let steps_in =
                target.map_or(0.0, |t| t.steps) + args.iter().map(|c| c.steps).sum::<f64>();
            let first = target
                .or_else(|| args.first().copied())
                .map_or(1.0, |c| c.size);
            let size = match call.func_name.as_str() {
                // Every character may be replaced by the replacement.
                "replace" => {
                    let with = args.get(1).map_or(1.0, |c| c.size).max(1.0);
                    first * with
                }
                "_+_" | "join" | "format" => {
                    target.map_or(0.0, |t| t.size) + args.iter().map(|c| c.size).sum::<f64>()
                }
                "_[_]" => UNKNOWN.max(first),
                _ => first.max(args.iter().map(|c| c.size).fold(1.0, f64::max)),
            };
            Cost {
                // Each call reads its inputs and writes its output once.
                steps: steps_in + first + size,
                size,
            }
        }
        Expr::Comprehension(c) => {
            let range = walk(&c.iter_range, vars);
            let n = range.size.max(1.0);
            // The loop variable: an element of the range, at most as large as the range.
            let saved: Vec<(String, Option<f64>)> = [Some(&c.iter_var), c.iter_var2.as_ref()]
                .into_iter()
                .flatten()
                .map(|v| (v.clone(), vars.insert(v.clone(), range.size.min(UNKNOWN))))
                .collect();
            let init = walk(&c.accu_init, vars);
            let saved_accu = vars.insert(c.accu_var.clone(), init.size);
            let cond = walk(&c.loop_cond, vars);
            let step = walk(&c.loop_step, vars);
            // map/filter append an element per round: the accumulator grows n times.
            let size = (init.size + n * step.size).max(1.0);
            vars.insert(c.accu_var.clone(), size);
            let result = walk(&c.result, vars);
            restore(vars, &c.accu_var, saved_accu);
            for (v, old) in saved {
                restore(vars, &v, old);
            }
            Cost {
                steps: range.steps + init.steps + n * (cond.steps + step.steps) + result.steps,
                size: result.size.max(1.0),
            }
        }
    }
}

fn restore(vars: &mut HashMap<String, f64>, name: &str, old: Option<f64>) {
    match old {
        Some(v) => vars.insert(name.to_owned(), v),
        None => vars.remove(name),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(src: &str) -> Cost {
        let mut env = cel::Env::stdlib();
        let _ = env.add_extension(cel::extensions::strings);
        estimate(env.compile(src).unwrap().expression())
    }

    #[test]
    fn what_ngrok_documents_is_cheap() {
        for ok in [
            "!actions.ngrok.oauth.identity.email.endsWith('@contoso.example')",
            "!(actions.ngrok.oauth.identity.email in ['alice@example.com', 'bob@example.com'])",
            "actions.ngrok.oauth.identity.email.split('@')[1] == 'contoso.example'",
            "['a.example', 'b.example'].exists(d, actions.ngrok.oauth.identity.email.endsWith('@' + d))",
            "actions.ngrok.oauth.identity.email.lowerAscii().replace('.', '') == 'x'",
        ] {
            assert!(cost(ok).affordable(), "{ok}: {:?}", cost(ok));
        }
    }

    #[test]
    fn exponential_expressions_are_refused_before_they_run() {
        // The parser recurses per level: a stack as large as the evaluator's own.
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(exponential)
            .unwrap()
            .join()
            .unwrap();
    }

    fn exponential() {
        let mut nested = "true".to_owned();
        for i in 0..31 {
            nested = format!("[0,0,0].exists(v{i}, {nested})");
        }
        assert!(!cost(&nested).affordable(), "{:?}", cost(&nested));
        let mut maps = "x".to_owned();
        for i in 0..8 {
            maps = format!("[0,1,2,3,4,5,6,7].map(v{i}, {maps})");
        }
        let maps = maps.replacen("x", "v7", 1);
        assert!(!cost(&maps).affordable(), "{:?}", cost(&maps));
        let mut grow = "'a'".to_owned();
        for _ in 0..7 {
            grow = format!("{grow}.replace('a', '{}')", "a".repeat(36));
        }
        assert!(!cost(&grow).affordable(), "{:?}", cost(&grow));
    }
}
