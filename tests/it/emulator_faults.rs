//! Fault injection and hostile traffic: every `--fault` deforms what it names, and garbage on
//! the wire ends in a 4xx or a closed connection while the server keeps serving.

use crate::common;

use common::{LOCAL, aadsts, app, client_id, emulator, jwt_part, secret};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn id_token_with(faults: &[&str]) -> (common::Emu, serde_json::Value) {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], faults).await;
    let code = e.code("common", &client_id(&reg), &[]).await;
    let (s, body) = e
        .redeem("common", &client_id(&reg), &secret(&reg), &code)
        .await;
    assert_eq!(s, 200, "{body}");
    (e, body)
}

fn id_token(body: &serde_json::Value) -> &str {
    body["id_token"].as_str().unwrap()
}

#[tokio::test]
async fn id_token_faults_deform_exactly_what_they_name() {
    let (_e, clean) = id_token_with(&[]).await;
    let clean_claims = jwt_part(id_token(&clean), 1);

    let (_e, b) = id_token_with(&["id-token-wrong-aud"]).await;
    let c = jwt_part(id_token(&b), 1);
    assert_ne!(c["aud"], clean_claims["aud"]);
    assert_eq!(c["tid"], clean_claims["tid"]);

    let (e, b) = id_token_with(&["id-token-wrong-iss"]).await;
    let c = jwt_part(id_token(&b), 1);
    assert_eq!(c["tid"], clean_claims["tid"]);
    assert!(
        !c["iss"]
            .as_str()
            .unwrap()
            .contains(c["tid"].as_str().unwrap())
    );
    assert!(c["iss"].as_str().unwrap().starts_with(e.emu.authority()));

    let (_e, b) = id_token_with(&["id-token-expired"]).await;
    let c = jwt_part(id_token(&b), 1);
    assert!(c["exp"].as_i64().unwrap() < chrono::Utc::now().timestamp() - 3000);

    let (_e, b) = id_token_with(&["id-token-nonce-mismatch"]).await;
    assert_ne!(jwt_part(id_token(&b), 1)["nonce"], "n0nce");

    let (_e, b) = id_token_with(&["id-token-no-kid"]).await;
    let h = jwt_part(id_token(&b), 0);
    assert!(h.get("kid").is_none() && h["alg"] == "RS256");

    let (_e, b) = id_token_with(&["id-token-alg-none"]).await;
    assert_eq!(jwt_part(id_token(&b), 0)["alg"], "none");
    assert!(id_token(&b).ends_with('.'), "no signature");

    let (_e, b) = id_token_with(&["id-token-bad-signature"]).await;
    let (bad, good) = (id_token(&b), id_token(&clean));
    assert_eq!(bad.split('.').count(), 3);
    assert_eq!(
        bad.split('.').nth(2).unwrap().len(),
        good.split('.').nth(2).unwrap().len()
    );
}

#[tokio::test]
async fn key_rotation_publishes_the_new_key_on_the_next_fetch() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &["key-rotation"]).await;
    let kids = |v: serde_json::Value| -> Vec<String> {
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = kids(
        e.get("/common/discovery/v2.0/keys")
            .await
            .json()
            .await
            .unwrap(),
    );
    let code = e.code("common", &client_id(&reg), &[]).await;
    let (_, body) = e
        .redeem("common", &client_id(&reg), &secret(&reg), &code)
        .await;
    let kid = jwt_part(body["id_token"].as_str().unwrap(), 0)["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !before.contains(&kid),
        "signed with a key the first fetch did not list"
    );
    let after = kids(
        e.get("/common/discovery/v2.0/keys")
            .await
            .json()
            .await
            .unwrap(),
    );
    assert!(after.contains(&kid), "listed from the next fetch on");
    assert_eq!(after.len(), before.len() + 1);
}

#[tokio::test]
async fn graph_down_and_token_endpoint_html_500() {
    let reg = app("good-multitenant.json");
    let e = emulator(
        vec![reg.clone()],
        &["graph-down", "token-endpoint-html-500"],
    )
    .await;
    let r = e.get("/graph/v1.0/me").await;
    assert_eq!(r.status(), 503);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "serviceNotAvailable");
    let r = e
        .http
        .post(e.url("/common/oauth2/v2.0/token"))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().starts_with("<!DOCTYPE html>"));
}

#[tokio::test]
async fn slow_token_endpoint_delays_only_the_token_endpoint() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &["slow-token-endpoint=0.3"]).await;
    let start = Instant::now();
    let code = e.code("common", &client_id(&reg), &[]).await;
    let authorize_took = start.elapsed();
    let (s, _) = e
        .redeem("common", &client_id(&reg), &secret(&reg), &code)
        .await;
    assert_eq!(s, 200);
    assert!(start.elapsed() - authorize_took >= Duration::from_millis(300));
}

#[tokio::test]
async fn hostile_requests_get_4xx_and_the_server_keeps_serving() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    // A body over 1 MiB.
    let r = e
        .http
        .post(e.url("/common/oauth2/v2.0/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; (1 << 20) + 16])
        .send()
        .await
        .expect("the whole body fits the socket buffers, so the answer is read");
    assert_eq!(r.status(), 413);
    // Garbage forms, JSON bodies, wrong methods, unknown paths.
    let r = e
        .http
        .post(e.url("/common/oauth2/v2.0/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%&&&==\u{0}\u{ff}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(aadsts(&r.text().await.unwrap()), Some(900144));
    let r = e
        .http
        .post(e.url("/common/oauth2/v2.0/token"))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        e.http
            .delete(e.url("/common/v2.0/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    // Graph answers a method its routes do not take as Graph does: 405, Request_BadRequest.
    for path in [
        "/graph/v1.0/me",
        "/graph/v1.0/applications(appId='00000001-1111-4000-8000-000000000001')",
    ] {
        let r = e.http.delete(e.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 405, "{path}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "Request_BadRequest", "{path}");
    }
    assert_eq!(e.get("/nothing/here").await.status(), 404);
    assert_eq!(e.get("/graph/v1.0/users").await.status(), 400);
    // Request heads over 64 KiB are refused (4xx or closed), never buffered without bound.
    let long = format!(
        "/common/oauth2/v2.0/authorize?client_id={}&redirect_uri={LOCAL}&scope={}",
        client_id(&reg),
        "x".repeat(100_000)
    );
    match e.http.get(e.url(&long)).send().await {
        Ok(r) => assert!(r.status().is_client_error(), "{}", r.status()),
        Err(err) => assert!(!err.is_timeout(), "{err}"),
    }
    // Plain HTTP on the TLS port, and a TLS client that says nothing: closed, not hung.
    let addr = e.emu.addr();
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), plain.read(&mut buf))
        .await
        .expect("closed promptly");
    assert!(
        matches!(n, Ok(0) | Err(_)) || buf[0] == 0x15,
        "TLS alert or close"
    );
    let _idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Still serving.
    let r = e.get("/common/v2.0/.well-known/openid-configuration").await;
    assert_eq!(r.status(), 200);
}
