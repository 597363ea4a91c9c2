//! Fault injection for relying-party tests (`--fault NAME`, repeatable). Each fault is named
//! after the OpenID relying-party certification test it mirrors, where one exists
//! (`../shared/RP-TESTS.md`); a relying party must reject every `id-token-*` fault and survive
//! `key-rotation` by fetching the JWKS again.

use std::time::Duration;

macro_rules! faults {
    ($($variant:ident = $name:literal, $doc:literal;)*) => {
        /// One injectable fault.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault {
            $(#[doc = $doc] $variant,)*
        }

        impl Fault {
            /// Every fault.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The `--fault` name.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// What it does, and the RP test it mirrors.
            pub fn doc(self) -> &'static str {
                match self { $(Self::$variant => $doc,)* }
            }
        }
    };
}

faults! {
    IdTokenBadSignature = "id-token-bad-signature",
        "ID token with a broken RS256 signature (rp-id_token-bad-sig-rs256)";
    IdTokenAlgNone = "id-token-alg-none",
        "unsigned ID token, alg none (rp-id_token-sig-none; Entra never sends one)";
    IdTokenWrongAud = "id-token-wrong-aud",
        "ID token for another client id (rp-id_token-aud)";
    IdTokenWrongIss = "id-token-wrong-iss",
        "ID token whose iss names another tenant than its tid (rp-id_token-issuer-mismatch)";
    IdTokenExpired = "id-token-expired",
        "ID token that expired an hour ago";
    IdTokenNonceMismatch = "id-token-nonce-mismatch",
        "ID token with another nonce than the one sent (rp-nonce-invalid)";
    IdTokenNoKid = "id-token-no-kid",
        "ID token without kid while the JWKS has several keys (rp-id_token-kid-absent-multiple-jwks)";
    KeyRotation = "key-rotation",
        "tokens signed with a key the JWKS lists only from the next fetch on (rp-key-rotation-op-sign-key-native)";
    GraphDown = "graph-down",
        "Graph answers 503 serviceNotAvailable";
    GraphEchoesToken = "graph-echoes-token",
        "Graph's 401 message quotes the bearer token it was sent, as a misbehaving proxy might (a client must not print it)";
    TokenEndpointHtml500 = "token-endpoint-html-500",
        "the token endpoint answers 500 with an HTML page";
    SlowTokenEndpoint = "slow-token-endpoint",
        "the token endpoint answers after a delay (default 5 s; slow-token-endpoint=SECS)";
}

/// The faults of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    on: Vec<Fault>,
    /// Delay of `slow-token-endpoint`.
    pub delay: Duration,
}

impl Faults {
    /// Parses `--fault` values: names, and `slow-token-endpoint=SECS`.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        let mut faults = Self {
            on: Vec::new(),
            delay: Duration::from_secs(5),
        };
        for raw in names {
            let raw = raw.as_ref();
            let (name, arg) = raw
                .split_once('=')
                .map_or((raw, None), |(n, a)| (n, Some(a)));
            let fault = Fault::ALL
                .iter()
                .copied()
                .find(|f| f.name() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                    format!("unknown fault {name:?}; known: {}", known.join(", "))
                })?;
            if let Some(arg) = arg {
                let secs: f64 = arg
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
                    .filter(|_| fault == Fault::SlowTokenEndpoint)
                    .ok_or_else(|| format!("bad fault argument {raw:?}: only slow-token-endpoint=SECS (0 to 3600) takes one"))?;
                faults.delay = Duration::from_secs_f64(secs);
            }
            faults.on.push(fault);
        }
        Ok(faults)
    }

    /// Is `fault` on?
    pub fn has(&self, fault: Fault) -> bool {
        self.on.contains(&fault)
    }

    /// The names of the faults that are on.
    pub fn names(&self) -> Vec<&'static str> {
        self.on.iter().map(|f| f.name()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_the_delay() {
        let f = Faults::parse(&["key-rotation", "slow-token-endpoint=0.25"]).unwrap();
        assert!(f.has(Fault::KeyRotation) && f.has(Fault::SlowTokenEndpoint));
        assert_eq!(f.delay, Duration::from_millis(250));
        assert!(
            Faults::parse(&["nope"])
                .unwrap_err()
                .contains("known: id-token-bad-signature")
        );
        assert!(Faults::parse(&["graph-down=3"]).is_err());
        assert!(Faults::parse(&["slow-token-endpoint=-1"]).is_err());
    }
}
