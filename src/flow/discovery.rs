//! Discovery and JWKS, fetched by hand: `/common` and `/organizations` documents carry the
//! templated issuer `…/{tenantid}/v2.0`, which openidconnect's `discover_async` rejects, so we
//! deserialize the metadata ourselves, keep the template, and bind it to each token's `tid`
//! (STACK.md §1, "Entra multi-tenant issuer").

use super::FlowError;
use super::endpoints::refuse;
use crate::https::{self, Answer};
use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};

/// What discovery yielded.
#[derive(Debug, Clone)]
pub(crate) struct Discovered {
    pub(crate) issuer: String,
    /// The issuer contains `{tenantid}`.
    pub(crate) templated: bool,
    pub(crate) authorization_endpoint: String,
    pub(crate) token_endpoint: String,
    pub(crate) jwks_uri: String,
    pub(crate) jwks: CoreJsonWebKeySet,
    /// The JWKS as JSON, for each key's `issuer`.
    pub(crate) jwks_raw: serde_json::Value,
}

/// Either discovery worked, or the authority answered with a reason (a finding, not an error).
pub(crate) enum Outcome {
    Found(Box<Discovered>),
    /// The authority refused: `(what, answer)`.
    Refused(String, Answer),
    /// It answered, but not with usable metadata.
    Broken(String),
}

/// The answer as JSON; an answer that is not JSON, or a 5xx (the authority failed: nothing to
/// judge), cannot be diagnosed (exit 3).
fn json_or_incomplete(a: &Answer, url: &str) -> Result<serde_json::Value, FlowError> {
    if a.status >= 500 {
        return Err(FlowError::Incomplete(format!(
            "{url} answered HTTP {}: {}",
            a.status,
            a.first_line()
        )));
    }
    a.json().ok_or_else(|| {
        FlowError::Incomplete(format!(
            "{url} answered HTTP {} with {} where JSON was due: {}",
            a.status,
            if a.content_type.contains("html") {
                "an HTML page"
            } else {
                "something else"
            },
            a.first_line()
        ))
    })
}

/// Fetches the JWKS at `uri`.
pub(crate) async fn fetch_jwks(
    http: &https::Client,
    uri: &str,
) -> Result<Result<(CoreJsonWebKeySet, serde_json::Value), String>, FlowError> {
    let a = http.send(http.get(uri), uri).await?;
    let v = json_or_incomplete(&a, uri)?;
    if a.status != 200 {
        return Ok(Err(format!("{uri} answered HTTP {}", a.status)));
    }
    match serde_json::from_value::<CoreJsonWebKeySet>(v.clone()) {
        Ok(set) if !set.keys().is_empty() => Ok(Ok((set, v))),
        Ok(_) => Ok(Err(format!("{uri} lists no keys"))),
        Err(e) => Ok(Err(format!("{uri} is not a JWKS: {e}"))),
    }
}

/// Where the flow is pointed: the authority (discovery is under it) and Graph.
pub(crate) struct Target<'a> {
    pub(crate) authority: &'a reqwest::Url,
    /// `{authority}/{tenant}`.
    pub(crate) tenant_base: &'a str,
    pub(crate) graph: &'a reqwest::Url,
}

/// The first endpoint of the document (or Graph) that may not receive a credential or a token
/// (see [`super::endpoints`]), and why.
fn untrusted(v: &serde_json::Value, t: &Target<'_>) -> Option<String> {
    [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "userinfo_endpoint",
    ]
    .into_iter()
    .filter_map(|k| Some((k, v.get(k)?.as_str()?)))
    .find_map(|(k, value)| refuse(k, value, t.authority))
}

/// Discovery for `{tenant_base}/v2.0/.well-known/openid-configuration`, then its JWKS. An
/// endpoint that may not receive a credential or a token makes it `Broken` before anything is
/// sent there; so does a `--graph` of that kind, before anything is sent at all.
pub(crate) async fn discover(http: &https::Client, t: &Target<'_>) -> Result<Outcome, FlowError> {
    if let Some(why) = refuse("--graph", t.graph.as_str(), t.authority) {
        return Ok(Outcome::Broken(why));
    }
    let url = format!("{}/v2.0/.well-known/openid-configuration", t.tenant_base);
    let a = http.send(http.get(&url), &url).await?;
    let v = json_or_incomplete(&a, &url)?;
    if a.status != 200 {
        return Ok(Outcome::Refused(url, a));
    }
    let metadata: CoreProviderMetadata = match serde_json::from_value(v.clone()) {
        Ok(m) => m,
        Err(e) => {
            return Ok(Outcome::Broken(format!(
                "{url} is not OpenID metadata: {e}"
            )));
        }
    };
    if let Some(why) = untrusted(&v, t) {
        return Ok(Outcome::Broken(format!("{url}: {why}")));
    }
    let issuer = v["issuer"].as_str().unwrap_or_default().to_owned();
    let token_endpoint = match metadata.token_endpoint() {
        Some(t) => t.to_string(),
        None => return Ok(Outcome::Broken(format!("{url} has no token_endpoint"))),
    };
    if !metadata
        .id_token_signing_alg_values_supported()
        .iter()
        .any(|a| {
            serde_json::to_value(a)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .as_deref()
                == Some("RS256")
        })
    {
        return Ok(Outcome::Broken(format!(
            "{url} does not list RS256 for ID tokens"
        )));
    }
    let jwks_uri = metadata.jwks_uri().to_string();
    let (jwks, jwks_raw) = match fetch_jwks(http, &jwks_uri).await? {
        Ok(k) => k,
        Err(why) => return Ok(Outcome::Broken(why)),
    };
    Ok(Outcome::Found(Box::new(Discovered {
        templated: issuer.contains("{tenantid}"),
        issuer,
        authorization_endpoint: metadata.authorization_endpoint().to_string(),
        token_endpoint,
        jwks_uri,
        jwks,
        jwks_raw,
    })))
}
