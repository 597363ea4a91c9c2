//! A credential held in memory: a client secret's Value, a Graph access token. Its `Debug` and
//! `Display` never show it (STYLE.md §5), and it has no `Serialize`: it cannot reach a report,
//! a log line or an error message by formatting; only [`SecretValue::expose`] gives it out.

use std::fmt;

/// A secret value. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must send or compare it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([redacted])")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_value_never_formats() {
        let s = SecretValue::new("abc~very-secret");
        let shown = format!("{s:?} {s} {s:#?} {s:>40} {:?}", Some(&s));
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
        assert_eq!(s.expose(), "abc~very-secret");
    }
}
