//! The emulator's protocol, endpoint by endpoint and error by error, over real HTTPS on
//! loopback. Behaviour follows ENTRA.md; each test names the Entra behaviour it pins.

use crate::common;

use common::{LOCAL, aadsts, app, client_id, emulator, jwt_part, param, redirect_params, secret};
use oauth_preflight::emulator::{CONSUMERS, CONTOSO, FABRIKAM};

fn good() -> oauth_preflight::registration::Registration {
    app("good-multitenant.json")
}

#[tokio::test]
async fn discovery_documents_follow_entra() {
    let e = emulator(vec![good()], &[]).await;
    let base = e.emu.authority().to_owned();
    let common: serde_json::Value = e
        .get("/common/v2.0/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        common["issuer"],
        format!("{base}/{{tenantid}}/v2.0"),
        "templated issuer on /common"
    );
    let keys: Vec<&String> = common.as_object().unwrap().keys().collect();
    assert_eq!(
        keys[..3],
        [
            "token_endpoint",
            "token_endpoint_auth_methods_supported",
            "jwks_uri"
        ]
    );
    assert!(common.get("code_challenge_methods_supported").is_none());
    let orgs: serde_json::Value = e
        .get("/organizations/v2.0/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(orgs["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    let by_domain: serde_json::Value = e
        .get("/contoso.example/v2.0/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        by_domain["issuer"],
        format!("{base}/{}/v2.0", CONTOSO.id),
        "a domain resolves to the GUID"
    );
    assert_eq!(
        by_domain["token_endpoint"],
        format!("{base}/{}/oauth2/v2.0/token", CONTOSO.id)
    );
    assert_eq!(by_domain["tenant_region_scope"], "WW");
    let consumers: serde_json::Value = e
        .get("/consumers/v2.0/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(consumers["issuer"], format!("{base}/{}/v2.0", CONSUMERS.id));
    let r = e.get("/common/v2.0/.well-known/openid-configuration").await;
    assert_eq!(r.headers()["cache-control"], "max-age=86400, private");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let unknown = e
        .get("/nowhere.example/v2.0/.well-known/openid-configuration")
        .await;
    assert_eq!(unknown.status(), 400);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error_codes"][0], 90002);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.bind(|| insta::assert_json_snapshot!("discovery-common", common));
}

#[tokio::test]
async fn jwks_keys_carry_their_issuer() {
    let e = emulator(vec![good()], &[]).await;
    let base = e.emu.authority().to_owned();
    let jwks = |path: &'static str| {
        let e = &e;
        async move {
            e.get(path).await.json::<serde_json::Value>().await.unwrap()["keys"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let common = jwks("/common/discovery/v2.0/keys").await;
    let orgs = jwks("/organizations/discovery/v2.0/keys").await;
    let consumers = jwks("/consumers/discovery/v2.0/keys").await;
    assert_eq!((common.len(), orgs.len(), consumers.len()), (3, 2, 1));
    for k in &orgs {
        assert_eq!(k["issuer"], format!("{base}/{{tenantid}}/v2.0"));
        assert_eq!(k["kid"], k["x5t"]);
        assert_eq!(k["kty"], "RSA");
        assert!(k["x5c"][0].as_str().unwrap().len() > 500);
    }
    assert_eq!(
        consumers[0]["issuer"],
        format!("{base}/{}/v2.0", CONSUMERS.id)
    );
}

#[tokio::test]
async fn instance_discovery_points_at_the_emulator() {
    let e = emulator(vec![good()], &[]).await;
    let auth = e.url("/contoso.example/oauth2/v2.0/authorize");
    let v: serde_json::Value = e
        .http
        .get(e.url("/common/discovery/instance"))
        .query(&[
            ("api-version", "1.1"),
            ("authorization_endpoint", auth.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["tenant_discovery_endpoint"],
        e.url("/contoso.example/v2.0/.well-known/openid-configuration")
    );
}

/// A page: 200, HTML, no Location, carrying the AADSTS code.
async fn assert_page(r: reqwest::Response, code: u32) {
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none());
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = r.text().await.unwrap();
    assert_eq!(aadsts(&text), Some(code), "{text}");
}

/// A redirect to the client with `error`, the AADSTS code and the state.
fn assert_error_redirect(r: &reqwest::Response, error: &str, code: u32) {
    assert_eq!(r.status(), 302);
    let q = redirect_params(r);
    assert_eq!(param(&q, "error").as_deref(), Some(error), "{q:?}");
    let desc = param(&q, "error_description").unwrap();
    assert_eq!(aadsts(&desc), Some(code), "{desc}");
    assert!(desc.contains("\r\nTrace ID: ") && desc.contains("\r\nCorrelation ID: "));
    assert_eq!(
        param(&q, "error_uri").unwrap(),
        format!("https://login.microsoftonline.com/error?code={code}")
    );
    assert_eq!(param(&q, "state").as_deref(), Some("st4te"));
    assert!(param(&q, "code").is_none());
}

/// Parameters that replace (or, empty, remove) the defaults of [`params`].
type Extra<'a> = &'a [(&'a str, &'a str)];

fn params<'a>(client: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", LOCAL),
        ("scope", "openid profile email User.Read"),
        ("state", "st4te"),
    ];
    for (k, v) in extra {
        p.retain(|(pk, _)| pk != k);
        if !v.is_empty() {
            p.push((k, v));
        }
    }
    p
}

#[tokio::test]
async fn authorize_errors_before_the_redirect_uri_is_trusted_are_pages() {
    let single = app("single-tenant.json");
    let e = emulator(vec![good(), single.clone()], &[]).await;
    let (id, single_id) = (client_id(&good()), client_id(&single));
    let unknown = "5ca1ab1e-0000-4000-8000-000000000000";
    let cases: [(&str, &str, Extra, u32); 5] = [
        ("common", unknown, &[], 700016),
        (
            "common",
            &id,
            &[("redirect_uri", "https://evil.example/cb")],
            50011,
        ),
        ("common", &id, &[("client_id", "")], 900144),
        ("nowhere.example", &id, &[], 90002),
        // A single-tenant app does not exist in another tenant.
        (FABRIKAM.id, &single_id, &[], 700016),
    ];
    for (tenant, client, extra, code) in cases {
        assert_page(e.authorize(tenant, &params(client, extra)).await, code).await;
    }
    // The port of a localhost redirect is ignored, as Entra does.
    let r = e
        .authorize(
            "common",
            &params(
                &id,
                &[("redirect_uri", "http://localhost:1234/oauth2/callback")],
            ),
        )
        .await;
    assert_eq!(r.status(), 302);
}

#[tokio::test]
async fn authorize_errors_after_it_are_redirected_with_state() {
    let single = app("single-tenant.json");
    let e = emulator(vec![good(), single.clone()], &[]).await;
    let (id, single_id) = (client_id(&good()), client_id(&single));
    let pkce_short: &[(&str, &str)] = &[
        ("code_challenge", "short"),
        ("code_challenge_method", "S256"),
    ];
    let cases: [(&str, &str, Extra, &str, u32); 7] = [
        ("common", &single_id, &[], "invalid_request", 50194),
        ("organizations", &single_id, &[], "invalid_request", 50194),
        ("consumers", &id, &[], "invalid_request", 9002332),
        (
            "common",
            &id,
            &[("response_type", "")],
            "invalid_request",
            900144,
        ),
        (
            "common",
            &id,
            &[("response_type", "token")],
            "unsupported_response_type",
            700054,
        ),
        ("common", &id, pkce_short, "invalid_request", 501491),
        (
            "common",
            &id,
            &[("scope", "openid api://other-api/read")],
            "invalid_scope",
            70011,
        ),
    ];
    for (tenant, client, extra, error, code) in cases {
        let r = e.authorize(tenant, &params(client, extra)).await;
        assert_error_redirect(&r, error, code);
    }
    // The single-tenant app works on its own tenant's authority.
    let q = e.authorize_ok(CONTOSO.id, &single_id, &[]).await;
    assert!(param(&q, "code").is_some());
}

#[tokio::test]
async fn sign_in_follows_the_users_tenant_and_account_type() {
    let personal = app("good-personal-accounts.json");
    let e = emulator(vec![good(), personal.clone()], &[]).await;
    let (id, personal_id) = (client_id(&good()), client_id(&personal));
    let hint = |upn| [("login_hint", upn)];
    let refused = [
        // bob is in fabrikam: on contoso's authority he is refused (guest needed).
        ("contoso.example", &id, "bob@fabrikam.example", 50020),
        // A personal account on an org-only app gets no code.
        ("common", &id, "carol@outlook.example", 500200),
        (
            "organizations",
            &personal_id,
            "carol@outlook.example",
            500200,
        ),
        ("common", &id, "nobody@contoso.example", 50034),
    ];
    for (tenant, client, upn, code) in refused {
        assert_page(e.authorize(tenant, &params(client, &hint(upn))).await, code).await;
    }
    // bob on /common, carol on /consumers for an app that allows her.
    for (tenant, client, upn) in [
        ("common", &id, "bob@fabrikam.example"),
        ("consumers", &personal_id, "carol@outlook.example"),
    ] {
        let q = e.authorize_ok(tenant, client, &hint(upn)).await;
        assert!(param(&q, "code").is_some(), "{upn} on {tenant}: {q:?}");
    }
}

#[tokio::test]
async fn admin_only_scopes_need_a_tenant_wide_grant() {
    let mut consented = app("admin-consent-scope.json");
    let plain = app("admin-consent-scope.json");
    consented.app_id = Some("0000000f-1111-4000-8000-0000000000ff".into());
    consented.emulator.admin_consented = vec!["Directory.Read.All".into()];
    let e = emulator(vec![plain.clone(), consented.clone()], &[]).await;
    let scope = [("scope", "openid User.Read Directory.Read.All")];
    assert_page(
        e.authorize("common", &params(&client_id(&plain), &scope))
            .await,
        90094,
    )
    .await;
    assert!(
        param(
            &e.authorize_ok("common", &client_id(&consented), &scope)
                .await,
            "code"
        )
        .is_some()
    );
    // `.default` asks for every configured permission, the admin-only one included.
    assert_page(
        e.authorize(
            "common",
            &params(
                &client_id(&plain),
                &[("scope", "https://graph.microsoft.com/.default")],
            ),
        )
        .await,
        90094,
    )
    .await;
}

#[tokio::test]
async fn response_modes_fragment_and_form_post() {
    let e = emulator(vec![good()], &[]).await;
    let id = client_id(&good());
    let r = e
        .authorize("common", &params(&id, &[("response_mode", "fragment")]))
        .await;
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc.starts_with(&format!("{LOCAL}#code=")), "{loc}");
    let r = e
        .authorize("common", &params(&id, &[("response_mode", "form_post")]))
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("action=\"{LOCAL}\"")) && page.contains("name=\"code\""));
}

#[tokio::test]
async fn code_redeems_once_for_tokens_of_entras_shape() {
    let reg = good();
    let e = emulator(vec![reg.clone()], &[]).await;
    let (id, sec) = (client_id(&reg), secret(&reg));
    let code = e.code("common", &id, &[]).await;
    let (status, body) = e.redeem("common", &id, &sec, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["scope"],
        "User.Read profile openid email offline_access"
    );
    let exp = body["expires_in"].as_i64().unwrap();
    assert!((3600..5400).contains(&exp));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("1.A"));
    let id_token = body["id_token"].as_str().unwrap();
    let (h, c) = (jwt_part(id_token, 0), jwt_part(id_token, 1));
    assert_eq!(
        h.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["typ", "alg", "kid"],
        "v2: kid, no x5t"
    );
    assert_eq!(c["aud"], id);
    assert_eq!(
        c["iss"],
        format!("{}/{}/v2.0", e.emu.authority(), CONTOSO.id)
    );
    assert_eq!(
        (c["tid"].as_str(), c["nonce"].as_str(), c["ver"].as_str()),
        (Some(CONTOSO.id), Some("n0nce"), Some("2.0"))
    );
    assert_eq!(c["email"], "alice@contoso.example");
    let at = body["access_token"].as_str().unwrap();
    let (ah, ac) = (jwt_part(at, 0), jwt_part(at, 1));
    assert!(ah["nonce"].is_string(), "Graph tokens carry a nonce header");
    assert_eq!(ac["aud"], "00000003-0000-0000-c000-000000000000");
    assert_eq!(
        ac["iss"],
        format!("https://sts.windows.net/{}/", CONTOSO.id)
    );
    assert_eq!(
        (ac["ver"].as_str(), ac["scp"].as_str()),
        (Some("1.0"), Some("User.Read profile openid email"))
    );
    // Redacted snapshot of the shapes: claim names and fixed values.
    let mut settings = insta::Settings::clone_current();
    for k in ["iat", "nbf", "exp", "aio", "rh", "sid", "uti"] {
        settings.add_redaction(&format!(".id_token.{k}"), "[random]");
        settings.add_redaction(&format!(".access_token.{k}"), "[random]");
    }
    settings.add_redaction(".access_header.nonce", "[random]");
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    let shape = serde_json::json!({
        "response_fields": body.as_object().unwrap().keys().collect::<Vec<_>>(),
        "id_header": h, "id_token": c, "access_header": ah, "access_token": ac,
    });
    settings.bind(|| insta::assert_json_snapshot!("token-shapes", shape));
    // Single use.
    let (status, again) = e.redeem("common", &id, &sec, &code).await;
    assert_eq!(
        (
            status,
            again["error"].as_str(),
            again["error_codes"][0].as_u64()
        ),
        (400, Some("invalid_grant"), Some(54005))
    );
    assert_eq!(
        again.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "error",
            "error_description",
            "error_codes",
            "timestamp",
            "trace_id",
            "correlation_id",
            "error_uri"
        ]
    );
}

#[tokio::test]
async fn client_authentication_follows_the_secret_and_the_redirect_platform() {
    let good = good();
    let expired = app("expired-secret.json");
    let spa = app("redirect-spa.json");
    let mobile = app("redirect-mobile-desktop.json");
    let none = app("no-secret.json");
    let e = emulator(
        vec![
            good.clone(),
            expired.clone(),
            spa.clone(),
            mobile.clone(),
            none.clone(),
        ],
        &[],
    )
    .await;
    let code_for = |reg: &oauth_preflight::registration::Registration| {
        let id = client_id(reg);
        let e = &e;
        async move { e.code("common", &id, &[]).await }
    };
    let err = |v: &serde_json::Value| {
        (
            v["error"].as_str().unwrap().to_owned(),
            v["error_codes"][0].as_u64().unwrap(),
        )
    };
    let id = client_id(&good);
    let key_id = good.password_credentials[0].key_id.clone().unwrap();
    // (app, secret sent, HTTP status, error, AADSTS code)
    let cases = [
        (
            &good,
            "wrong-secret".to_owned(),
            401,
            "invalid_client",
            7000215,
        ),
        // The Secret ID pasted instead of the Value.
        (&good, key_id, 401, "invalid_client", 7000215),
        // The right value of an expired secret.
        (&expired, secret(&expired), 401, "invalid_client", 7000222),
        // A Mobile-and-desktop redirect: the secret must not be sent.
        (&mobile, secret(&mobile), 401, "invalid_client", 700025),
        // An SPA redirect redeemed server-side.
        (&spa, secret(&spa), 400, "invalid_request", 9002327),
        // An app with no secret at all.
        (&none, "anything".to_owned(), 401, "invalid_client", 7000215),
    ];
    for (reg, sent, status, error, code) in cases {
        let (s, v) = e
            .redeem("common", &client_id(reg), &sent, &code_for(reg).await)
            .await;
        assert_eq!(
            (s, err(&v)),
            (status, (error.to_owned(), code)),
            "{:?}",
            reg.display_name
        );
    }
    // No secret at all.
    let code = code_for(&good).await;
    let (s, v) = e
        .token(
            "common",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("code", &code),
                ("redirect_uri", LOCAL),
            ],
        )
        .await;
    assert_eq!((s, err(&v).1), (401, 7000218));
    // client_secret_basic works as well as client_secret_post.
    let code = code_for(&good).await;
    let r = e
        .http
        .post(e.url("/common/oauth2/v2.0/token"))
        .basic_auth(&id, Some(secret(&good)))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", LOCAL),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn code_binding_pkce_and_parameters() {
    let reg = good();
    let e = emulator(vec![reg.clone()], &[]).await;
    let (id, sec) = (client_id(&reg), secret(&reg));
    let verifier = "x".repeat(50);
    let challenge = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            verifier.as_bytes(),
        ))
    };
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let redeem = |code: String, verifier: &'static str, redirect: &'static str| {
        let (e, id, sec) = (&e, id.clone(), sec.clone());
        async move {
            e.token(
                "common",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &id),
                    ("client_secret", &sec),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier),
                ],
            )
            .await
        }
    };
    let (s, v) = redeem(
        e.code("common", &id, &pkce).await,
        "wrong-verifier-wrong-verifier-wrong-verifier-xx",
        LOCAL,
    )
    .await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(501481)));
    let v50: &'static str = Box::leak(verifier.into_boxed_str());
    let (s, _) = redeem(e.code("common", &id, &pkce).await, v50, LOCAL).await;
    assert_eq!(s, 200);
    let (s, v) = redeem(
        e.code("common", &id, &[]).await,
        "",
        "http://localhost:8765/other",
    )
    .await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(50011)));
    // A code issued on /common for a contoso user, redeemed on fabrikam's authority.
    let code = e.code("common", &id, &[]).await;
    let (s, v) = e.redeem(FABRIKAM.id, &id, &sec, &code).await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(700005)));
    let (s, v) = e.redeem("common", &id, &sec, "1.Anot-a-code").await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(70000)));
    let (s, v) = e.token("common", &[("client_id", &id)]).await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(900144)));
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("'grant_type'")
    );
    let (s, v) = e
        .token("common", &[("grant_type", "password"), ("client_id", &id)])
        .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (s, v) = e
        .token(
            "common",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "5ca1ab1e-0000-4000-8000-000000000000"),
            ],
        )
        .await;
    assert_eq!(
        (s, v["error"].as_str(), v["error_codes"][0].as_u64()),
        (400, Some("unauthorized_client"), Some(700016))
    );
    let r = e.get("/common/oauth2/v2.0/token").await;
    assert_eq!(r.status(), 400);
    assert_eq!(aadsts(&r.text().await.unwrap()), Some(900561));
}

#[tokio::test]
async fn codes_expire_after_ten_minutes() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let reg = good();
    let offset = Arc::new(AtomicI64::new(0));
    let o = Arc::clone(&offset);
    let mut config = oauth_preflight::emulator::EmulatorConfig::new(vec![reg.clone()]);
    config.clock =
        Arc::new(move || chrono::Utc::now() + chrono::Duration::seconds(o.load(Ordering::SeqCst)));
    let e = common::emulator_with(config).await;
    let code = e.code("common", &client_id(&reg), &[]).await;
    offset.store(601, Ordering::SeqCst);
    let (s, v) = e
        .redeem("common", &client_id(&reg), &secret(&reg), &code)
        .await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(70008)));
}

#[tokio::test]
async fn refresh_tokens_and_consent_at_the_token_endpoint() {
    let reg = good();
    let e = emulator(vec![reg.clone()], &[]).await;
    let (id, sec) = (client_id(&reg), secret(&reg));
    let (_, body) = e
        .redeem("common", &id, &sec, &e.code("common", &id, &[]).await)
        .await;
    let rt = body["refresh_token"].as_str().unwrap();
    let (s, v) = e
        .token(
            "common",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &id),
                ("client_secret", &sec),
                ("refresh_token", rt),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["access_token"].is_string() && v["id_token"].is_string());
    let (s, v) = e
        .token(
            "common",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &id),
                ("client_secret", &sec),
                ("refresh_token", rt),
                ("scope", "User.Read.All"),
            ],
        )
        .await;
    assert_eq!(
        (s, v["error_codes"][0].as_u64(), v["suberror"].as_str()),
        (400, Some(65001), Some("consent_required"))
    );
    let (s, v) = e
        .token(
            "common",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &id),
                ("client_secret", &sec),
                ("refresh_token", "1.Aforged"),
            ],
        )
        .await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(70000)));
}

#[tokio::test]
async fn client_credentials_need_a_tenant_and_dot_default() {
    let reg = app("graph-list.json"); // homed in fabrikam
    let e = emulator(vec![reg.clone()], &[]).await;
    let (id, sec) = (client_id(&reg), secret(&reg));
    let form = |scope: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", id.clone().leak() as &str),
            ("client_secret", sec.clone().leak() as &str),
            ("scope", scope),
        ]
    };
    let (s, v) = e
        .token(
            "fabrikam.example",
            &form("https://graph.microsoft.com/.default"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let claims = jwt_part(v["access_token"].as_str().unwrap(), 1);
    assert_eq!(
        (claims["idtyp"].as_str(), claims["tid"].as_str()),
        (Some("app"), Some(FABRIKAM.id))
    );
    assert!(v.get("id_token").is_none() && v.get("refresh_token").is_none());
    let (s, v) = e
        .token("common", &form("https://graph.microsoft.com/.default"))
        .await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(9001023)));
    let (s, v) = e.token("fabrikam.example", &form("User.Read")).await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (400, Some(1002012)));
    // An app of fabrikam has no service principal in contoso unless it is multitenant: it is.
    let (s, _) = e
        .token(
            "contoso.example",
            &form("https://graph.microsoft.com/.default"),
        )
        .await;
    assert_eq!(s, 200);
    // A wrong secret is refused before anything is signed.
    let (s, v) = e
        .token(
            "fabrikam.example",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "nope"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!((s, v["error_codes"][0].as_u64()), (401, Some(7000215)));
}

#[tokio::test]
async fn graph_me_answers_per_the_token() {
    let good = good();
    let no_read = app("no-user-read.json");
    let personal = app("good-personal-accounts.json");
    let e = emulator(vec![good.clone(), no_read.clone(), personal.clone()], &[]).await;
    let tokens = |reg: &oauth_preflight::registration::Registration,
                  tenant: &'static str,
                  extra: Vec<(&'static str, &'static str)>| {
        let (e, id, sec) = (&e, client_id(reg), secret(reg));
        async move {
            let code = e.code(tenant, &id, &extra).await;
            let (s, v) = e.redeem(tenant, &id, &sec, &code).await;
            assert_eq!(s, 200, "{v}");
            v
        }
    };
    let t = tokens(&good, "common", vec![]).await;
    let (s, me) = e.me(t["access_token"].as_str().unwrap()).await;
    assert_eq!(
        (s, me["mail"].as_str(), me["userPrincipalName"].as_str()),
        (
            200,
            Some("alice@contoso.example"),
            Some("alice@contoso.example")
        )
    );
    // The ID token is not for Graph.
    let (s, err) = e.me(t["id_token"].as_str().unwrap()).await;
    assert_eq!(
        (s, err["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("audience")
    );
    // A tampered token.
    let mut forged = t["access_token"].as_str().unwrap().to_owned();
    forged.insert(forged.len() / 2, 'x');
    assert_eq!(e.me(&forged).await.0, 401);
    assert_eq!(e.me("").await.0, 401);
    // Without User.Read: 403.
    let t = tokens(&no_read, "common", vec![("scope", "openid profile email")]).await;
    let (s, err) = e.me(t["access_token"].as_str().unwrap()).await;
    assert_eq!(
        (s, err["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    // A personal account's opaque token; bob has no mail.
    let t = tokens(
        &personal,
        "consumers",
        vec![("login_hint", "carol@outlook.example")],
    )
    .await;
    let at = t["access_token"].as_str().unwrap();
    assert!(
        at.starts_with("EwB") && !at.contains('.'),
        "opaque, not a JWT"
    );
    let (s, me) = e.me(at).await;
    assert_eq!(
        (s, me["userPrincipalName"].as_str()),
        (200, Some("carol@outlook.example"))
    );
    let t = tokens(
        &good,
        "common",
        vec![("login_hint", "bob@fabrikam.example")],
    )
    .await;
    let (s, me) = e.me(t["access_token"].as_str().unwrap()).await;
    assert_eq!((s, me["mail"].clone()), (200, serde_json::Value::Null));
}

#[tokio::test]
async fn app_only_tokens_cannot_call_me() {
    let reg = good();
    let e = emulator(vec![reg.clone()], &[]).await;
    let (s, v) = e
        .token(
            CONTOSO.id,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id(&reg)),
                ("client_secret", &secret(&reg)),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let (s, err) = e.me(v["access_token"].as_str().unwrap()).await;
    assert_eq!(
        (s, err["error"]["code"].as_str()),
        (400, Some("BadRequest"))
    );
}

#[tokio::test]
async fn generated_keys_sign_tokens_the_jwks_publishes() {
    let reg = good();
    let mut config = oauth_preflight::emulator::EmulatorConfig::new(vec![reg.clone()]);
    config.generate_keys = true;
    let e = common::emulator_with(config).await;
    let jwks: serde_json::Value = e
        .get("/common/discovery/v2.0/keys")
        .await
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    let embedded = emulator(vec![good()], &[]).await;
    let embedded_jwks: serde_json::Value = embedded
        .get("/common/discovery/v2.0/keys")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !kids.contains(&embedded_jwks["keys"][0]["kid"].as_str().unwrap()),
        "fresh keys, not the embedded ones"
    );
    let code = e.code("common", &client_id(&reg), &[]).await;
    let (s, body) = e
        .redeem("common", &client_id(&reg), &secret(&reg), &code)
        .await;
    assert_eq!(s, 200);
    let kid = jwt_part(body["id_token"].as_str().unwrap(), 0)["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(kids.contains(&kid.as_str()));
}

#[tokio::test]
async fn logout_redirects_to_post_logout_redirect_uri_or_says_signed_out() {
    let e = emulator(vec![good()], &[]).await;
    let r = e
        .http
        .get(e.url("/common/oauth2/v2.0/logout"))
        .query(&[("post_logout_redirect_uri", "http://localhost:8765/bye")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (302, "http://localhost:8765/bye")
    );
    let r = e.get("/common/oauth2/v2.0/logout").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("You signed out"));
}

#[tokio::test]
async fn the_default_user_signs_in_without_a_login_hint() {
    let reg = good();
    let mut config = oauth_preflight::emulator::EmulatorConfig::new(vec![reg.clone()]);
    config.default_user = Some("bob@fabrikam.example".into());
    let e = common::emulator_with(config).await;
    let code = e.code("common", &client_id(&reg), &[]).await;
    let (_, body) = e
        .redeem("common", &client_id(&reg), &secret(&reg), &code)
        .await;
    let claims = jwt_part(body["id_token"].as_str().unwrap(), 1);
    assert_eq!(
        (
            claims["preferred_username"].as_str(),
            claims["tid"].as_str()
        ),
        (Some("bob@fabrikam.example"), Some(FABRIKAM.id))
    );
}
