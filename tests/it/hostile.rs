//! A hostile or broken identity platform: a token endpoint that echoes the request (as an HTML
//! error page or inside a JSON `error_description`, whole, in part or encoded), and a discovery
//! document that names endpoints the secret must not go to. No credential of the flow (the
//! secret in any encoding, the code, the PKCE verifier) may reach a report, in any format, even
//! with `-v`, nor the error line; none is sent where discovery alone says.

use crate::common;

use base64::Engine;
use common::Recorder;
use common::stand_in::{self, Resp, StandIn};
use oauth_preflight::checks::Status;
use oauth_preflight::entra::SecretValue;
use oauth_preflight::flow::FlowConfig;
use oauth_preflight::live::LiveConfig;
use oauth_preflight::mode::Mode;
use oauth_preflight::report::{self, Format, RenderOptions};
use std::sync::{Arc, Mutex};

/// How the token endpoint echoes what it received.
#[derive(Clone)]
enum Echo {
    /// HTTP 500, an HTML page whose first line is the request body.
    HtmlPage,
    /// HTTP 401, Entra's JSON error quoting the request body in `error_description`.
    JsonError,
    /// HTTP 401, Entra's JSON error quoting this text in `error_description`.
    Quote(String),
}

const CODE: &str = "0.AAAA-echoed-authorization-code-9f8e7d";

const KEYS: &str = r#"{"keys":[{"kty":"RSA","use":"sig","kid":"k1","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}]}"#;

/// Serves discovery (with `fields` set over Entra's), an authorize that comes straight back
/// with a code, and an echoing token endpoint, over https. Returns the stand-in and the bodies
/// its token endpoint received.
async fn serve_with(
    echo: Echo,
    fields: Vec<(&'static str, String)>,
) -> (StandIn, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let stand_in = stand_in::serve(move |b, req| match req.path.as_str() {
        "/common/v2.0/.well-known/openid-configuration" => {
            let mut doc = serde_json::json!({
                "issuer": format!("{b}/{{tenantid}}/v2.0"),
                "authorization_endpoint": format!("{b}/common/oauth2/v2.0/authorize"),
                "token_endpoint": format!("{b}/common/oauth2/v2.0/token"),
                "jwks_uri": format!("{b}/common/discovery/v2.0/keys"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
            });
            for (k, v) in &fields {
                doc[*k] = v.clone().into();
            }
            Resp::json(200, doc)
        }
        "/common/discovery/v2.0/keys" => Resp::new(200, "application/json", KEYS),
        "/common/oauth2/v2.0/authorize" => Resp::redirect(format!(
            "{}?code={CODE}&state={}",
            req.param("redirect_uri"),
            req.param("state")
        )),
        p if p.ends_with("/oauth2/v2.0/token") => {
            let body = req.body;
            s.lock().unwrap().push(body.clone());
            let quoted = match &echo {
                Echo::HtmlPage => {
                    return Resp::new(
                        500,
                        "text/html",
                        format!("Bad request: {body}\n<html><body>{body}</body></html>"),
                    );
                }
                Echo::JsonError => {
                    format!("{body} ({})", serde_json::to_string(&body).unwrap())
                }
                Echo::Quote(text) => text.clone(),
            };
            Resp::json(
                401,
                serde_json::json!({
                    "error": "invalid_client",
                    "error_description": format!("AADSTS7000215: Invalid client secret provided. Received: {quoted}"),
                    "error_codes": [7000215],
                }),
            )
        }
        _ => Resp::new(404, "text/plain", "not found"),
    })
    .await;
    (stand_in, seen)
}

async fn serve(echo: Echo) -> (StandIn, Arc<Mutex<Vec<String>>>) {
    serve_with(echo, Vec::new()).await
}

/// Entra secret values contain `~`; this one also has characters JSON and forms escape.
const SECRET: &str = "Q1x8Q~echo/secret+value\"with~tilde";

fn config_with(s: &StandIn, secret: &str) -> LiveConfig {
    let mut f = FlowConfig::new(
        "00000001-1111-4000-8000-000000000001".parse().unwrap(),
        SecretValue::new(secret),
        reqwest::Url::parse(&s.base).unwrap(),
        reqwest::Url::parse(&s.base).unwrap(),
        s.client(),
    );
    f.mode = Mode::Probe;
    LiveConfig::new(f)
}

fn config(s: &StandIn) -> LiveConfig {
    config_with(s, SECRET)
}

/// Every form a value could be echoed in.
fn forms(value: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let json = serde_json::to_string(value).unwrap();
    vec![
        value.to_owned(),
        form.clone(),
        form.replace("%7E", "%7e"),
        json.trim_matches('"').to_owned(),
    ]
}

/// The report in every format, with `-v`, and the error line.
fn everything(out: &oauth_preflight::live::Outcome) -> String {
    let mut texts = Vec::new();
    for format in [
        Format::Human,
        Format::Json,
        Format::Junit,
        Format::Github,
        Format::Markdown,
    ] {
        let mut buf = Vec::new();
        let opts = RenderOptions {
            format,
            verbose: true,
            ..Default::default()
        };
        report::render(std::slice::from_ref(&out.report), opts, &mut buf).unwrap();
        texts.push(String::from_utf8(buf).unwrap());
    }
    if let Some(e) = &out.error {
        texts.push(e.to_string());
    }
    texts.join("\n")
}

#[tokio::test]
async fn an_echoing_token_endpoint_leaks_no_credential_in_any_format() {
    for echo in [Echo::HtmlPage, Echo::JsonError] {
        let (s, seen) = serve(echo.clone()).await;
        let out = oauth_preflight::live::check(&config(&s), &mut Recorder::default()).await;
        let bodies = seen.lock().unwrap().clone();
        assert!(!bodies.is_empty(), "the token endpoint was reached");
        // What the flow sent: the secret, the code, the verifier (as the server got them).
        let mut credentials = forms(SECRET);
        for body in &bodies {
            for (k, v) in form_urlencoded::parse(body.as_bytes()) {
                if matches!(&*k, "client_secret" | "code" | "code_verifier") {
                    credentials.extend(forms(&v));
                }
            }
            assert!(
                body.contains("Q1x8Q%7Eecho"),
                "the secret travels form-encoded: {body}"
            );
        }
        let all = everything(&out);
        assert!(
            all.contains("[redacted]"),
            "the echo was seen and cleaned: {all}"
        );
        for c in &credentials {
            assert!(!all.contains(c.as_str()), "{c:?} leaked:\n{all}");
        }
        match echo {
            Echo::HtmlPage => assert!(out.error.is_some()),
            _ => {
                let f = common::finding(&out.report.checks, "secret.valid");
                assert_eq!(f.status, Status::Fail);
                assert!(f.title.starts_with("AADSTS7000215"), "{}", f.title);
            }
        }
    }
}

/// Issue 18: an `error_description` echoing the secret cut, upper-cased, reversed, hex,
/// space-separated, as HTML references or base64 was printed verbatim. Any run of 8 or more of
/// its characters, in any of those forms, is redacted now.
#[tokio::test]
async fn a_secret_echoed_in_part_or_encoded_is_redacted() {
    let secret = "Q1x8Q~Zk3pW.r9_Tq-M2vLs8aBcDe~fGhJ0kLmN";
    let b64 = base64::engine::general_purpose::STANDARD;
    let spaced = |by: &str| {
        secret
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(by)
    };
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let echoes = [
        secret[3..].to_owned(),
        secret[6..].to_owned(),
        secret.to_uppercase(),
        secret.chars().rev().collect(),
        hex.clone(),
        hex.to_uppercase(),
        spaced(" "),
        spaced("\u{ad}"),
        spaced("\u{200b}"),
        secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
        secret
            .chars()
            .map(|c| format!("&#x{:x};", c as u32))
            .collect(),
        b64.encode(secret),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        b64.encode(&secret[6..]),
    ];
    for echo in echoes {
        let (s, seen) = serve(Echo::Quote(echo.clone())).await;
        let out =
            oauth_preflight::live::check(&config_with(&s, secret), &mut Recorder::default()).await;
        assert!(
            !seen.lock().unwrap().is_empty(),
            "the token endpoint was reached"
        );
        let f = common::finding(&out.report.checks, "secret.valid");
        assert_eq!(f.status, Status::Fail, "{echo}");
        let said = format!("{} {}", f.title, f.evidence);
        assert!(said.contains("Received: [redacted]"), "{echo}: {said}");
        let all = everything(&out);
        let chars: Vec<char> = echo.chars().collect();
        for run in chars.windows(8) {
            let run: String = run.iter().collect();
            assert!(!all.contains(&run), "{run:?} of {echo:?} is shown:\n{all}");
        }
    }
}

/// Discovery with `field` set to `value` (`--graph`: the flow's Graph instead): the flow is
/// run, and nothing may have reached the token endpoint. Returns `discovery.valid`'s evidence.
async fn endpoint_case(field: &'static str, value: String) -> String {
    let fields = if field == "--graph" {
        Vec::new()
    } else {
        vec![(field, value.clone())]
    };
    let (s, seen) = serve_with(Echo::JsonError, fields).await;
    let mut cfg = config(&s);
    if field == "--graph" {
        cfg.flow.graph = reqwest::Url::parse(&value).unwrap();
    }
    let out = oauth_preflight::live::check(&cfg, &mut Recorder::default()).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "the token endpoint was reached"
    );
    let f = common::finding(&out.report.checks, "discovery.valid");
    assert_eq!(f.status, Status::Fail, "{}: {}", f.title, f.evidence);
    assert_ne!(
        common::finding(&out.report.checks, "secret.valid").status,
        Status::Pass
    );
    f.evidence.clone()
}

/// Issue 18: `--authority` is https, but a discovery document that named
/// `token_endpoint: http://127.0.0.1:PORT/token` had the client secret sent there in clear
/// text. Every endpoint that gets a credential or a token (token, JWKS, userinfo, Graph) and
/// the sign-in page must be https on the authority's origin or a Microsoft host.
#[tokio::test]
async fn discovery_cannot_send_the_secret_elsewhere() {
    let sink = stand_in::sink().await;
    let other_seen = Arc::new(Mutex::new(0usize));
    let o = other_seen.clone();
    let other = stand_in::serve(move |_, _| {
        *o.lock().unwrap() += 1;
        Resp::new(200, "application/json", KEYS)
    })
    .await;
    let plain = format!("http://{}", sink.addr);
    let elsewhere = &other.base;
    let cases = [
        (
            "token_endpoint",
            format!("{plain}/common/oauth2/v2.0/token"),
            "not https",
        ),
        (
            "token_endpoint",
            format!("{elsewhere}/common/oauth2/v2.0/token"),
            "neither on",
        ),
        (
            "token_endpoint",
            "https://login.microsoftonline.com.evil.example/t".into(),
            "neither on",
        ),
        ("jwks_uri", format!("{plain}/keys"), "not https"),
        ("jwks_uri", format!("{elsewhere}/keys"), "neither on"),
        (
            "userinfo_endpoint",
            format!("{plain}/oidc/userinfo"),
            "not https",
        ),
        (
            "authorization_endpoint",
            format!("{plain}/authorize"),
            "not https",
        ),
        ("--graph", format!("{elsewhere}/graph"), "neither on"),
    ];
    for (field, value, why) in cases {
        let evidence = endpoint_case(field, value).await;
        assert!(evidence.contains(field), "{field}: {evidence}");
        assert!(evidence.contains(why), "{field}: {why}: {evidence}");
        assert!(evidence.contains("nothing was sent"), "{evidence}");
    }
    assert_eq!(
        sink.seen(),
        (0, 0),
        "the plain-HTTP listener got a connection"
    );
    assert_eq!(
        *other_seen.lock().unwrap(),
        0,
        "the other host got a request"
    );
}

/// Regression: the human report printed raw escape sequences taken from `displayName`.
#[test]
fn escape_sequences_in_a_registration_do_not_reach_the_terminal() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        r#"{"appId":"00000001-1111-4000-8000-000000000001","displayName":"evil\u001b]0;owned\u0007\u001b[2J\u009b31m","signInAudience":"AzureADMultipleOrgs"}"#,
    )
    .unwrap();
    let out = common::cli(&["lint", file.path().to_str().unwrap()], &[], None);
    let text = common::stdout(&out);
    assert!(text.contains("evil"), "{text}");
    assert!(
        !text
            .chars()
            .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{9b}'),
        "{text:?}"
    );
    assert!(text.contains("\\u{1b}]0;owned"), "shown, not sent: {text}");
}

/// Regression: a trailing NUL or a second JSON document said "inconsistent parse".
#[test]
fn a_second_document_or_a_stray_byte_is_named() {
    for bytes in [
        &b"{\"appId\":\"00000001-1111-4000-8000-000000000001\"}\0"[..],
        &b"{\"appId\":\"a\"}\n{\"appId\":\"b\"}\n"[..],
    ] {
        let out = common::cli(&["lint", "-"], &[], Some(bytes));
        assert_eq!(common::code(&out), 2);
        let err = common::stderr(&out);
        assert!(err.contains("something follows it"), "{err}");
        assert!(!err.contains("inconsistent"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// Regression: character devices report size 0, so no cap applied; every input is read
/// through a bounded reader now: exit 2 and one line, at once.
#[test]
fn endless_inputs_are_refused_not_read_to_the_end() {
    if !std::path::Path::new("/dev/zero").exists() {
        return;
    }
    let reg = common::fixture("good-multitenant.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["lint", "/dev/zero"],
        vec!["lint", "--ngrok-policy", "/dev/zero", &reg],
        vec![
            "probe",
            "--client-id",
            "00000001-1111-4000-8000-000000000001",
            "--client-secret-file",
            "/dev/zero",
        ],
        vec![
            "probe",
            "--client-id",
            "00000001-1111-4000-8000-000000000001",
            "--app",
            "/dev/zero",
        ],
        vec![
            "probe",
            "--client-id",
            "00000001-1111-4000-8000-000000000001",
            "--ca-cert",
            "/dev/zero",
        ],
        vec!["emulate", "--app", "/dev/zero"],
    ];
    for args in cases {
        // Under a 512 MiB address-space limit, an unbounded read dies instead of passing.
        let mut sh = vec![
            "-c",
            r#"ulimit -v 524288 && exec "$0" "$@""#,
            env!("CARGO_BIN_EXE_oauth-preflight"),
        ];
        sh.extend(args.iter().copied());
        let out = std::process::Command::new("sh")
            .args(&sh)
            .current_dir(common::root())
            .env("OAUTH_PREFLIGHT_CLIENT_SECRET", "Q1x8Q~x-not-used-here")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

/// Regression: paste-back from `< /dev/zero` aborted (a 2 GiB allocation).
#[test]
fn an_endless_paste_is_refused() {
    if !std::path::Path::new("/dev/zero").exists() {
        return;
    }
    let reg = common::app("good-multitenant.json");
    let bg = common::background(vec![reg.clone()], &[]);
    let mut args = vec![
        "run".to_owned(),
        "--no-browser".into(),
        "--client-id".into(),
        "00000001-1111-4000-8000-000000000001".into(),
        "--redirect-uri".into(),
        "https://idp.ngrok.com/oauth2/callback".into(),
    ];
    args.extend(bg.target());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
        .args(&args)
        .current_dir(common::root())
        .env("OAUTH_PREFLIGHT_CLIENT_SECRET", common::secret(&reg))
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("longer than 64 KiB"), "{err}");
}

/// Regression: the emulator never timed out a stalled request body (headers promising 100,000
/// bytes, then nothing), so one client could hold its connections for ever.
#[tokio::test]
async fn the_emulator_gives_up_a_stalled_body() {
    use rustls_pki_types::pem::PemObject;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let e = common::emulator(vec![common::app("good-multitenant.json")], &[]).await;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(e.emu.ca_pem().as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(e.emu.addr()).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(
        b"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ngrant_type=",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tls.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the connection was still held after 30 s");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}

/// Regression: `lint --ngrok-policy` on 100,000 nested flow sequences took 28 s (the YAML
/// parser's time grows with the square of the depth). Refused before parsing: exit 2, one line.
#[test]
fn a_deeply_nested_policy_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "seqs.yml",
            format!("on_http_request: {}", "[".repeat(100_000)),
        ),
        (
            "maps.yml",
            format!("on_http_request: {}", "{a: ".repeat(100_000)),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = common::cli(
            &[
                "lint",
                "--ngrok-policy",
                path.to_str().unwrap(),
                &common::fixture("good-multitenant.json"),
            ],
            &[],
            None,
        );
        assert_eq!(common::code(&out), 2, "{}", common::stderr(&out));
        let err = common::stderr(&out);
        assert!(err.contains("nested more than 64 levels"), "{err}");
        assert_eq!(err.lines().count(), 1);
    }
}
