//! An application and its service principal read straight from Microsoft Graph (`lint
//! --from-graph`): `GET /v1.0/applications(appId='…')` and `/v1.0/servicePrincipals(appId='…')`
//! (Graph's alternate key, learn.microsoft.com/graph/api/application-get). Each answer is parsed
//! by the same loader as a file; every way Graph can refuse is a typed [`GraphReadError`].

use super::{Registration, parse_bytes};
use crate::entra::{ClientId, GraphError, SecretValue};
use crate::https::{Client, HttpError};
use crate::redact::Redactor;

/// Why the registration could not be read from Graph. The commands' error type sorts these into
/// exit codes: no application is the user's input (exit 2), the rest could not complete (exit 3).
/// Texts Graph sent are cut to 160 characters and cleaned of the token.
#[derive(Debug, thiserror::Error)]
pub enum GraphReadError {
    #[error("Graph {url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: HttpError,
    },
    #[error(
        "no application with appId {id} in the token's tenant: Graph answered 404 ({code}). An application object lives only in the app's home tenant"
    )]
    NoApplication { id: String, code: String },
    #[error(
        "Graph refused the token (HTTP 401 {code}: {message}): get one that holds Application.Read.All, e.g. az account get-access-token --resource-type ms-graph"
    )]
    Unauthorized { code: String, message: String },
    #[error(
        "Graph refused to read the {what} (HTTP 403 {code}): the token needs Application.Read.All (an application permission granted by an administrator, or delegated)"
    )]
    Forbidden { what: &'static str, code: String },
    /// Redirects are not followed: the token would go along.
    #[error("Graph answered {url} with HTTP {status}: redirected to {to}, not followed")]
    Redirected {
        url: String,
        status: u16,
        to: String,
    },
    #[error("Graph answered {url} with HTTP {status}: {message}")]
    Failed {
        url: String,
        status: u16,
        message: String,
    },
    #[error("Graph answered {url} with something else than an {what}: {why}")]
    NotAnObject {
        url: String,
        what: &'static str,
        why: String,
    },
}

/// The application whose appId is `client_id` and its service principal (none is not an
/// error: the app has no enterprise application in this tenant), each with the name it is shown
/// by (`graph:applications(appId='…')`).
pub async fn fetch(
    http: &Client,
    graph: &reqwest::Url,
    token: &SecretValue,
    client_id: &ClientId,
) -> Result<Vec<(String, Registration)>, GraphReadError> {
    let base = graph.as_str().trim_end_matches('/');
    let mut redactor = Redactor::default();
    redactor.add(token.expose());
    // What the server said, cleaned of the token we sent (a proxy or a fake Graph may echo it)
    // and cut to one short line.
    let said = |text: &str| redactor.clean(&text.chars().take(160).collect::<String>());
    let mut out = Vec::new();
    for (what, path) in [
        ("application", format!("applications(appId='{client_id}')")),
        (
            "servicePrincipal",
            format!("servicePrincipals(appId='{client_id}')"),
        ),
    ] {
        let url = format!("{base}/v1.0/{path}");
        let a = http
            .send(http.get(&url).bearer_auth(token.expose()), &url)
            .await
            .map_err(|source| GraphReadError::Transport {
                url: url.clone(),
                source,
            })?;
        let error = || {
            let e = GraphError::parse(&a.body).unwrap_or_default();
            (said(&e.code), said(&e.message))
        };
        match a.status {
            200 => {
                let regs = parse_bytes(&a.body).map_err(|e| GraphReadError::NotAnObject {
                    url: url.clone(),
                    what,
                    why: said(&e.to_string()),
                })?;
                // Only the app asked for is linted: an answer about another app (a proxy, a
                // stand-in, a list) would be a verdict on the wrong app.
                let found: Vec<String> = regs
                    .iter()
                    .filter(|r| {
                        !r.app_id
                            .as_deref()
                            .is_some_and(|id| client_id.is(id.trim()))
                    })
                    .map(|r| said(r.app_id.as_deref().unwrap_or("no appId")))
                    .collect();
                if !found.is_empty() || regs.is_empty() {
                    return Err(GraphReadError::NotAnObject {
                        url,
                        what,
                        why: if regs.is_empty() {
                            "none".into()
                        } else {
                            format!("another app's ({}), not {client_id}", found.join(", "))
                        },
                    });
                }
                out.extend(regs.into_iter().map(|r| (format!("graph:{path}"), r)));
            }
            404 if what == "servicePrincipal" => {}
            404 => {
                return Err(GraphReadError::NoApplication {
                    id: client_id.to_string(),
                    code: error().0,
                });
            }
            401 => {
                let (code, message) = error();
                return Err(GraphReadError::Unauthorized { code, message });
            }
            403 => {
                return Err(GraphReadError::Forbidden {
                    what,
                    code: error().0,
                });
            }
            status @ 300..=399 => {
                return Err(GraphReadError::Redirected {
                    url,
                    status,
                    to: a
                        .location
                        .as_deref()
                        .map_or_else(|| "nowhere (no Location)".into(), said),
                });
            }
            status => {
                return Err(GraphReadError::Failed {
                    url,
                    status,
                    message: error().1,
                });
            }
        }
    }
    Ok(out)
}
