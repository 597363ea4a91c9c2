//! After the redirect: the code redeemed, the ID token verified, the access token read, Graph
//! `/me` called; and, for `probe` without a person, the secret tried by client credentials.
//! Each answer becomes evidence; an answer that cannot be read (an HTML page or a 5xx where
//! JSON was due) ends the flow with [`FlowError::Incomplete`].

use super::authorize::Request;
use super::discovery::{self, Discovered};
use super::evidence::{Access, ClientCredentials, GraphMe, IdClaims, IdToken, Refusal, Step};
use super::{Evidence, FlowConfig, FlowError, tokens};
use crate::entra::GraphError;
use crate::entra::aadsts::{self, Blame, ErrorBody};
use crate::https;

/// `probe` without a person: the secret, through a client-credentials grant on a tenant
/// authority (the `--tenant` GUID or domain, else the registration's publisher domain).
pub(super) async fn probe_secret(cfg: &FlowConfig, ev: &mut Evidence) -> Result<(), FlowError> {
    // `common`, `organizations` and `consumers` name no one tenant of the app's service principal.
    let tenant = if cfg.tenant.is_alias() {
        cfg.probe_tenant.clone()
    } else {
        Some(cfg.tenant.to_string())
    };
    let Some(tenant) = tenant else {
        ev.client_credentials = Some(ClientCredentials::NoTenant);
        return Ok(());
    };
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        cfg.authority.as_str().trim_end_matches('/')
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.secret.expose()),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let a = cfg.http.send(cfg.http.post(&url).form(&form), &url).await?;
    let body = readable(&a, &url)?;
    ev.client_credentials = Some(match body {
        Answer::Tokens(_) if a.status == 200 => ClientCredentials::Accepted(tenant),
        other => {
            ClientCredentials::Refused(other.refusal(Step::ClientCredentials(tenant), a.status))
        }
    });
    Ok(())
}

/// A refusal about this sign-in's code, not the app (the catalog's [`Blame::SignIn`]): already
/// redeemed, expired (after 10 minutes: a slow paste-back), altered, another tenant's, or a PKCE
/// verifier of another attempt. It says nothing about the secret.
fn blames_the_sign_in(e: &ErrorBody) -> bool {
    e.code()
        .and_then(aadsts::lookup)
        .is_some_and(|a| a.blame == Blame::SignIn)
}

/// A token endpoint's answer that can be read.
enum Answer {
    Tokens(TokenResponse),
    Error(ErrorBody),
}

impl Answer {
    fn refusal(self, at: Step, status: u16) -> Refusal {
        let body = match self {
            Self::Error(b) => b,
            Self::Tokens(_) => ErrorBody::default(),
        };
        Refusal {
            at,
            code: body.code(),
            message: if body.error_description.is_empty() {
                format!("HTTP {status}")
            } else {
                body.message().to_owned()
            },
            error: body.error,
            status: Some(status),
        }
    }
}

/// The fields of a token response we read.
#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

/// A token endpoint answer as JSON tokens or a JSON error; anything else cannot be diagnosed.
fn readable(a: &https::Answer, url: &str) -> Result<Answer, FlowError> {
    if a.status < 500 {
        if a.status == 200
            && let Ok(t) = serde_json::from_slice::<TokenResponse>(&a.body)
        {
            return Ok(Answer::Tokens(t));
        }
        if let Some(e) = ErrorBody::parse(&a.body) {
            return Ok(Answer::Error(e));
        }
        if a.status == 200 && a.json().is_some() {
            return Err(FlowError::Incomplete(format!(
                "the token endpoint {url} answered HTTP 200 without an access_token"
            )));
        }
    }
    Err(FlowError::Incomplete(format!(
        "the token endpoint {url} answered HTTP {}{}: {}",
        a.status,
        if a.content_type.contains("html") {
            " with an HTML page"
        } else {
            ""
        },
        a.first_line()
    )))
}

/// Redeems a code and keeps nothing but whether the token endpoint accepted it.
pub(super) async fn redeem_only(
    cfg: &FlowConfig,
    d: &Discovered,
    req: &Request,
    code: &str,
    redirect_uri: &str,
) -> Result<Result<(), Refusal>, FlowError> {
    let (status, answer) = redeem(cfg, d, req, code, redirect_uri).await?;
    Ok(match answer {
        Answer::Tokens(_) if status == 200 => Ok(()),
        other => Err(other.refusal(Step::TokenEndpoint, status)),
    })
}

/// The code grant: the token endpoint's readable answer and its status.
async fn redeem(
    cfg: &FlowConfig,
    d: &Discovered,
    req: &Request,
    code: &str,
    redirect_uri: &str,
) -> Result<(u16, Answer), FlowError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.secret.expose()),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", req.verifier.secret().as_str()),
    ];
    let a = cfg
        .http
        .send(
            cfg.http.post(&d.token_endpoint).form(&form),
            &d.token_endpoint,
        )
        .await?;
    Ok((a.status, readable(&a, &d.token_endpoint)?))
}

/// Redeems the code and gathers what the tokens and Graph say.
pub(super) async fn exchange(
    cfg: &FlowConfig,
    ev: &mut Evidence,
    d: &Discovered,
    req: &Request,
    code: &str,
    redirect_uri: &str,
) -> Result<(), FlowError> {
    let (status, answer) = redeem(cfg, d, req, code, redirect_uri).await?;
    let tokens = match answer {
        Answer::Tokens(t) if status == 200 => t,
        Answer::Error(e) if blames_the_sign_in(&e) => {
            // The code itself (expired, used, PKCE), not the app: this run cannot judge more.
            return Err(FlowError::Incomplete(format!(
                "the token endpoint refused this sign-in's code ({}): sign in again",
                e.message()
            )));
        }
        other => {
            ev.refusal = Some(other.refusal(Step::TokenEndpoint, status));
            ev.stop("the token endpoint refused the code");
            return Ok(());
        }
    };
    ev.redeemed = true;
    for t in [
        Some(&tokens.access_token),
        tokens.id_token.as_ref(),
        tokens.refresh_token.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        ev.redactor.add(t);
    }
    ev.id_token = Some(id_token(cfg, d, req, tokens.id_token.as_deref()).await?);
    let at = tokens::inspect_access_token(&tokens.access_token);
    ev.access = Some(Access {
        granted: tokens.scope,
        aud: at.aud,
        scp: at.scp,
        is_jwt: at.is_jwt,
    });
    ev.graph_me = Some(graph_me(cfg, &tokens.access_token).await?);
    Ok(())
}

/// Verifies the ID token, refetching the JWKS once for an unknown `kid` (key rotation).
async fn id_token(
    cfg: &FlowConfig,
    d: &Discovered,
    req: &Request,
    raw: Option<&str>,
) -> Result<IdToken, FlowError> {
    let Some(raw) = raw else {
        return Ok(IdToken::Absent);
    };
    let nonce = req.nonce.secret();
    let verify = |jwks, jwks_raw| {
        tokens::verify_id_token(
            raw,
            d,
            jwks,
            jwks_raw,
            cfg.client_id.as_str(),
            &cfg.secret,
            nonce,
        )
    };
    let mut verdict = verify(&d.jwks, &d.jwks_raw);
    let mut rotated = false;
    if matches!(&verdict, Err(r) if r.unknown_kid)
        && let Ok((jwks, raw_jwks)) = discovery::fetch_jwks(&cfg.http, &d.jwks_uri).await?
    {
        verdict = verify(&jwks, &raw_jwks);
        rotated = true;
    }
    Ok(match verdict {
        Ok(claims) => {
            let text = |k: &str| claims[k].as_str().map(str::to_owned);
            IdToken::Valid(IdClaims {
                kid: tokens::jwt_part(raw, 0)
                    .and_then(|h| h["kid"].as_str().map(str::to_owned))
                    .unwrap_or_default(),
                iss: text("iss").unwrap_or_default(),
                tid: text("tid").unwrap_or_default(),
                preferred_username: text("preferred_username"),
                email: text("email"),
                rotated,
                templated: d.templated,
            })
        }
        Err(r) => IdToken::Invalid(r.reason),
    })
}

/// Graph `/me` with the access token. A 5xx or an unreachable Graph means the check could not
/// be made: the flow is incomplete (exit 3), not the configuration wrong.
async fn graph_me(cfg: &FlowConfig, access: &str) -> Result<GraphMe, FlowError> {
    let url = format!("{}/v1.0/me", cfg.graph.as_str().trim_end_matches('/'));
    let a = cfg
        .http
        .send(cfg.http.get(&url).bearer_auth(access), &url)
        .await?;
    if a.status >= 500 {
        return Err(FlowError::Incomplete(format!(
            "Graph {url} answered HTTP {}: {}; graph.me could not be checked",
            a.status,
            a.first_line()
        )));
    }
    if a.status != 200 {
        let e = GraphError::parse(&a.body).unwrap_or_else(|| GraphError {
            code: "(no error code)".into(),
            message: "not JSON".into(),
        });
        return Ok(GraphMe::Refused {
            status: a.status,
            code: e.code,
            message: e.message,
        });
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Me {
        id: Option<String>,
        display_name: Option<String>,
        mail: Option<String>,
        user_principal_name: Option<String>,
    }
    let me: Me = serde_json::from_slice(&a.body).map_err(|e| {
        FlowError::Incomplete(format!("Graph {url} answered HTTP 200 without a user: {e}"))
    })?;
    Ok(GraphMe::Found {
        id: me.id,
        display_name: me.display_name,
        mail: me.mail,
        upn: me.user_principal_name,
    })
}
