//! `discovery.valid`, `id-token.valid` and `access-token.audience`: what the authority
//! published and what its tokens say. The ID token was verified strictly by the flow (signature,
//! templated issuer bound to `tid`, `aud`, times, `nonce`); the access token was only read: Graph
//! tokens carry a `nonce` header and are verifiable by Graph alone (STACK.md).

use super::{CheckId, Finding, Inputs, aad, needs_live};
use crate::entra;
use crate::flow::evidence::{Discovery, IdToken};

const AUTHORITY_FIX: &str = "Check --authority and --tenant";

/// `discovery.valid`.
pub(super) fn discovery(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::DiscoveryValid;
    if let Some(f) = aad::refused(i, ID) {
        return f;
    }
    match i.live.and_then(|ev| ev.discovery.as_ref()) {
        None => Finding::skip(ID, needs_live(i)),
        Some(Discovery::Found {
            issuer,
            templated,
            keys,
            jwks_uri,
        }) => Finding::pass(
            ID,
            "discovery and JWKS are well-formed",
            format!(
                "issuer = {issuer:?}{}; {keys} signing keys at {jwks_uri}",
                if *templated {
                    " (templated: bound to each token's tid)"
                } else {
                    ""
                }
            ),
        ),
        Some(Discovery::Refused(r)) => Finding::fail(
            ID,
            "discovery failed",
            format!("{}: {}", r.at, r.message),
            AUTHORITY_FIX,
        ),
        Some(Discovery::Broken(why)) => Finding::fail(
            ID,
            "discovery or the JWKS is malformed",
            why.clone(),
            AUTHORITY_FIX,
        ),
    }
}

/// `id-token.valid`.
pub(super) fn id_token(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::IdTokenValid;
    match i.live.and_then(|ev| ev.id_token.as_ref()) {
        None => Finding::skip(ID, needs_live(i)),
        Some(IdToken::Valid(c)) => Finding::pass(
            ID,
            "the ID token is valid",
            format!(
                "RS256 signature by kid {}{}, iss {:?}{}, aud = client id, unexpired, nonce matched",
                c.kid,
                if c.rotated {
                    " (found after refetching the JWKS: key rotation)"
                } else {
                    ""
                },
                c.iss,
                if c.templated {
                    " (templated issuer bound to tid)"
                } else {
                    ""
                },
            ),
        ),
        Some(IdToken::Invalid(why)) => Finding::fail(
            ID,
            "the ID token is invalid: a relying party like ngrok must reject it",
            why.clone(),
            "This is the identity platform's (or a proxy's) doing, not the app registration's: check --authority, and that nothing rewrites tokens",
        ),
        Some(IdToken::Absent) => Finding::fail(
            ID,
            "the token response has no ID token",
            "id_token is absent",
            "Request the openid scope",
        ),
    }
}

/// `access-token.audience`: Microsoft Graph, by `aud` (appId or URL form), or for an opaque
/// personal-account token by the response's `scope`.
pub(super) fn access_token_audience(i: &Inputs<'_>) -> Finding {
    const ID: CheckId = CheckId::AccessTokenAudience;
    let Some(a) = i.live.and_then(|ev| ev.access.as_ref()) else {
        return Finding::skip(ID, needs_live(i));
    };
    match (&a.aud, a.is_jwt) {
        (Some(aud), true) if entra::is_graph_audience(aud) => Finding::pass(
            ID,
            "the access token is for Microsoft Graph",
            format!(
                "aud = {aud:?} (read, not verified: Graph tokens are verifiable by Graph only)"
            ),
        ),
        (aud, true) => Finding::fail(
            ID,
            "the access token is not for Microsoft Graph: ngrok could not call /me with it",
            format!("aud = {aud:?}"),
            "Request Microsoft Graph scopes (User.Read) and no scope of another API",
        ),
        // Personal accounts get opaque tokens: the response's scope says which resource.
        (_, false) => {
            let graph: Vec<&str> = a
                .granted
                .split_whitespace()
                .filter(|s| !entra::OIDC_SCOPES.contains(s) && entra::is_graph_scope(s))
                .collect();
            let evidence = format!("token response scope = {:?}", a.granted);
            if graph.is_empty() {
                Finding::skip(
                    ID,
                    format!(
                        "an opaque access token whose response names no Microsoft Graph permission: its audience is unknown ({evidence})"
                    ),
                )
            } else {
                Finding::pass(
                    ID,
                    format!(
                        "an opaque access token (personal accounts get these) granted Microsoft Graph {}",
                        graph.join(" ")
                    ),
                    evidence,
                )
            }
        }
    }
}
