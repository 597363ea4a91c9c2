//! Interoperability with a client nobody here wrote: the `openidconnect` crate runs a full
//! code flow (strict discovery, PKCE, nonce, ID-token verification) against the emulator on a
//! tenant authority, and rejects every hostile ID-token fault. After the ID token it asks
//! userinfo, validating its `sub` against the ID token's as the library (and OIDC Core 5.3.2)
//! requires, and redeems the refresh token twice: Entra issues a new one each time.

use crate::common;

use common::{LOCAL, app, client_id, emulator, param, redirect_params, secret};
use oauth_preflight::emulator::CONTOSO;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

/// Runs the flow; `Ok(email)` when openidconnect accepted the ID token.
async fn flow(faults: &[&str], auth: AuthType) -> Result<Option<String>, String> {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], faults).await;
    let issuer = IssuerUrl::new(format!("{}/{}/v2.0", e.emu.authority(), CONTOSO.id)).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &e.http)
        .await
        .map_err(|err| format!("discovery: {err}"))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id(&reg)),
        Some(ClientSecret::new(secret(&reg))),
    )
    .set_redirect_uri(RedirectUrl::new(LOCAL.into()).unwrap())
    .set_auth_type(auth);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("User.Read".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let r = e.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let q = redirect_params(&r);
    assert_eq!(param(&q, "state").as_deref(), Some(csrf.secret().as_str()));
    let code = param(&q, "code").unwrap();
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&e.http)
        .await
        .map_err(|err| format!("exchange: {err}"))?;
    let id_token = token.id_token().ok_or("no id token")?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .map_err(|err| format!("id token: {err}"))?;
    // Userinfo: openidconnect refuses a `sub` other than the ID token's.
    let info: openidconnect::core::CoreUserInfoClaims = client
        .user_info(token.access_token().clone(), Some(claims.subject().clone()))
        .map_err(|err| format!("userinfo endpoint: {err}"))?
        .request_async(&e.http)
        .await
        .map_err(|err| format!("userinfo: {err}"))?;
    assert_eq!(info.subject(), claims.subject());
    assert_eq!(
        info.email().map(|m| m.as_str()),
        Some("alice@contoso.example"),
        "email was granted"
    );
    // Refresh twice: two different refresh tokens, each redeemable.
    let first = token.refresh_token().ok_or("no refresh token")?.clone();
    let second = client
        .exchange_refresh_token(&first)
        .map_err(|err| format!("refresh: {err}"))?
        .request_async(&e.http)
        .await
        .map_err(|err| format!("refresh: {err}"))?;
    let second_rt = second
        .refresh_token()
        .ok_or("no second refresh token")?
        .clone();
    let third = client
        .exchange_refresh_token(&second_rt)
        .map_err(|err| format!("refresh: {err}"))?
        .request_async(&e.http)
        .await
        .map_err(|err| format!("refresh: {err}"))?;
    let third_rt = third.refresh_token().ok_or("no third refresh token")?;
    assert_ne!(
        first.secret(),
        second_rt.secret(),
        "a new refresh token each time"
    );
    assert_ne!(
        second_rt.secret(),
        third_rt.secret(),
        "a new refresh token each time"
    );
    Ok(claims.email().map(|m| m.as_str().to_owned()))
}

#[tokio::test]
async fn openidconnect_completes_a_code_flow_with_basic_and_post_client_auth() {
    assert_eq!(
        flow(&[], AuthType::BasicAuth).await.unwrap().as_deref(),
        Some("alice@contoso.example")
    );
    assert_eq!(
        flow(&[], AuthType::RequestBody).await.unwrap().as_deref(),
        Some("alice@contoso.example")
    );
}

#[tokio::test]
async fn openidconnect_rejects_every_hostile_id_token() {
    for fault in [
        "id-token-bad-signature",
        "id-token-alg-none",
        "id-token-wrong-aud",
        "id-token-wrong-iss",
        "id-token-expired",
        "id-token-nonce-mismatch",
    ] {
        let err = flow(&[fault], AuthType::BasicAuth).await.expect_err(fault);
        assert!(err.starts_with("id token:"), "{fault}: {err}");
    }
}
