//! The token exchange and what the tokens say: the ID token verified strictly (signature via
//! the JWKS, RS256 only, `iss` by the templated-issuer rule bound to `tid`, `aud`, times,
//! `nonce`, the signing key's own `issuer`), the Graph access token only decoded (its `nonce`
//! header makes it unverifiable by design), the granted scopes from the response.

use super::discovery::Discovered;
use crate::entra::SecretValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreIdToken, CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{ClientId, ClientSecret, IdTokenVerifier, IssuerUrl, Nonce};
use serde_json::Value;
use std::str::FromStr;

/// Allowed clock skew for `exp`, `nbf` and `iat`.
const LEEWAY: chrono::Duration = chrono::Duration::minutes(5);

/// Decodes a JWT segment without verifying anything.
pub(crate) fn jwt_part(token: &str, i: usize) -> Option<Value> {
    let seg = token.split('.').nth(i)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg.trim_end_matches('=')).ok()?).ok()
}

/// Why an ID token was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejected {
    pub(crate) reason: String,
    /// The token names a key the JWKS does not list (refetch once: key rotation).
    pub(crate) unknown_kid: bool,
}

fn reject(reason: impl Into<String>) -> Rejected {
    Rejected {
        reason: reason.into(),
        unknown_kid: false,
    }
}

/// Verifies `raw` against the discovery and JWKS; `Ok(claims)` as decoded after verification.
pub(crate) fn verify_id_token(
    raw: &str,
    d: &Discovered,
    jwks: &CoreJsonWebKeySet,
    jwks_raw: &Value,
    client_id: &str,
    secret: &SecretValue,
    nonce: &str,
) -> Result<Value, Rejected> {
    let header = jwt_part(raw, 0).ok_or_else(|| reject("the ID token is not a JWT"))?;
    let claims = jwt_part(raw, 1).ok_or_else(|| reject("the ID token's claims are not JSON"))?;
    let alg = header["alg"].as_str().unwrap_or("(none)");
    if alg != "RS256" {
        return Err(reject(format!(
            "alg is {alg:?}; Entra signs ID tokens with RS256 only (discovery says so)"
        )));
    }
    let tid = claims["tid"].as_str().unwrap_or_default();
    if !crate::entra::is_guid(tid) {
        return Err(reject(format!("tid {tid:?} is not a tenant GUID")));
    }
    if let Some(nbf) = claims["nbf"].as_i64()
        && nbf > (chrono::Utc::now() + LEEWAY).timestamp()
    {
        return Err(reject(format!(
            "nbf {nbf} is in the future: the token is not valid yet"
        )));
    }
    // The issuer this token must carry: the template bound to its own tid, or the concrete one.
    let expected_iss = if d.templated {
        d.issuer.replace("{tenantid}", tid)
    } else {
        d.issuer.clone()
    };
    let kid = header["kid"].as_str();
    let jwk = kid.and_then(|k| jwks_raw["keys"].as_array()?.iter().find(|j| j["kid"] == k));
    if kid.is_some() && jwk.is_none() {
        return Err(Rejected {
            reason: format!("kid {:?} is not in the JWKS", kid.unwrap_or_default()),
            unknown_kid: true,
        });
    }
    // A key may only sign for its own issuer (templated keys: bound to tid).
    if let Some(key_iss) = jwk.and_then(|j| j["issuer"].as_str()) {
        let bound = key_iss.replace("{tenantid}", tid);
        if claims["iss"].as_str() != Some(bound.as_str()) {
            return Err(reject(format!(
                "iss {} is not the signing key's issuer {bound:?}",
                claims["iss"]
            )));
        }
    }
    let issuer = IssuerUrl::new(expected_iss.clone())
        .map_err(|e| reject(format!("issuer {expected_iss:?}: {e}")))?;
    let token = CoreIdToken::from_str(raw)
        .map_err(|e| reject(format!("the ID token does not parse: {e}")))?;
    let verifier = IdTokenVerifier::new_confidential_client(
        ClientId::new(client_id.to_owned()),
        ClientSecret::new(secret.expose().to_owned()),
        issuer,
        jwks.clone(),
    )
    .set_allowed_algs(vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
    // Clocks drift: an ID token is accepted up to LEEWAY past `exp`, and `iat` may be up to
    // LEEWAY ahead of our clock, no more.
    .set_time_fn(|| chrono::Utc::now() - LEEWAY)
    .set_issue_time_verifier_fn(|iat| {
        if iat > chrono::Utc::now() + LEEWAY {
            Err(format!("iat {iat} is in the future"))
        } else {
            Ok(())
        }
    });
    token
        .claims(&verifier, &Nonce::new(nonce.to_owned()))
        .map_err(|e| reject(e.to_string()))?;
    Ok(claims)
}

/// What the access token and the response say about Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessToken {
    /// `aud` of a JWT access token; `None` for an opaque (personal-account) token.
    pub(crate) aud: Option<String>,
    /// `scp` of a JWT access token.
    pub(crate) scp: Option<String>,
    pub(crate) is_jwt: bool,
}

/// Reads an access token's claims for diagnosis only: never verified (Graph tokens carry a
/// `nonce` header and are verifiable by Graph alone; personal-account tokens are opaque).
pub(crate) fn inspect_access_token(token: &str) -> AccessToken {
    match jwt_part(token, 1) {
        Some(c) if token.split('.').count() == 3 => AccessToken {
            aud: c["aud"].as_str().map(str::to_owned),
            scp: c["scp"].as_str().map(str::to_owned),
            is_jwt: true,
        },
        _ => AccessToken {
            aud: None,
            scp: None,
            is_jwt: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discovered() -> Discovered {
        Discovered {
            issuer: "https://login.example/{tenantid}/v2.0".into(),
            templated: true,
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            jwks_uri: String::new(),
            jwks: CoreJsonWebKeySet::new(vec![]),
            jwks_raw: serde_json::json!({"keys": []}),
        }
    }

    fn jwt(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn hostile_id_tokens_are_rejected_with_a_reason() {
        let d = discovered();
        let secret = SecretValue::new("s");
        let verify =
            |t: &str| verify_id_token(t, &d, &d.jwks, &d.jwks_raw, "c", &secret, "n").unwrap_err();
        assert!(verify("garbage").reason.contains("not a JWT"));
        assert!(
            verify(&jwt(r#"{"alg":"none"}"#, r#"{"tid":"x"}"#))
                .reason
                .contains("RS256 only")
        );
        assert!(
            verify(&jwt(r#"{"alg":"HS256"}"#, "{}"))
                .reason
                .contains("RS256 only")
        );
        assert!(
            verify(&jwt(r#"{"alg":"RS256"}"#, r#"{"tid":"../evil"}"#))
                .reason
                .contains("not a tenant GUID")
        );
        let unknown = verify(&jwt(
            r#"{"alg":"RS256","kid":"nope"}"#,
            r#"{"tid":"2a7b0e5c-0b62-4c7e-9a1d-c0a7050c0a70"}"#,
        ));
        assert!(
            unknown.unknown_kid,
            "an unknown kid asks for a JWKS refetch"
        );
        assert!(
            verify(&jwt(r#"{"alg":"RS256"}"#, "[1,2"))
                .reason
                .contains("not JSON")
        );
        let later = jwt(
            r#"{"alg":"RS256"}"#,
            r#"{"tid":"2a7b0e5c-0b62-4c7e-9a1d-c0a7050c0a70","nbf":4102444800}"#,
        );
        assert!(verify(&later).reason.contains("not valid yet"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_as_an_id_token_is_rejected_with_a_reason(text in ".{0,400}", dots in 0usize..4) {
            let d = discovered();
            let secret = SecretValue::new("s");
            let token = format!("{text}{}", ".e30".repeat(dots));
            let r = verify_id_token(&token, &d, &d.jwks, &d.jwks_raw, "c", &secret, "n");
            proptest::prop_assert!(r.is_err());
            let _ = inspect_access_token(&token);
        }

        #[test]
        fn any_base64_segments_are_rejected_with_a_reason(h in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80), c in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let d = discovered();
            let secret = SecretValue::new("s");
            let token = format!("{}.{}.c2ln", URL_SAFE_NO_PAD.encode(&h), URL_SAFE_NO_PAD.encode(&c));
            let r = verify_id_token(&token, &d, &d.jwks, &d.jwks_raw, "c", &secret, "n");
            proptest::prop_assert!(r.is_err());
        }
    }

    #[test]
    fn access_tokens_are_read_not_trusted() {
        let claims =
            URL_SAFE_NO_PAD.encode(br#"{"aud":"https://graph.microsoft.com/","scp":"User.Read"}"#);
        let t = inspect_access_token(&format!("e30.{claims}.sig"));
        assert!(t.is_jwt && crate::entra::is_graph_audience(t.aud.as_deref().unwrap()));
        assert!(!inspect_access_token("EwBopaque").is_jwt);
        assert!(!crate::entra::is_graph_audience(
            "00000001-1111-4000-8000-000000000001"
        ));
    }
}
