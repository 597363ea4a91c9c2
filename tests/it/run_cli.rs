//! `run`, `probe`, `demo` and `explain` through the real binary: exit codes, paste-back from
//! stdin, a loopback callback reached by a real HTTP user agent, and secrets that never show.

use crate::common;

use common::{background, cli, code, fixture_names, fixture_secret_values, stderr, stdout};
use std::io::Write;
use std::process::Command;

/// Starts the binary with `args` and the secret in its environment, returns it with the
/// authorize URL it printed on stderr.
fn spawn_for_url(args: &[&str], secret: &str) -> (std::process::Child, String) {
    spawn_cmd_for_url(
        Command::new(env!("CARGO_BIN_EXE_oauth-preflight")),
        args,
        secret,
    )
}

/// [`common::child::spawn_for_url`] of `cmd` (the binary, or a shell that execs it).
fn spawn_cmd_for_url(
    mut cmd: Command,
    args: &[&str],
    secret: &str,
) -> (std::process::Child, String) {
    cmd.args(args).env("OAUTH_PREFLIGHT_CLIENT_SECRET", secret);
    common::child::spawn_for_url(cmd)
}

/// Follows the authorize URL's redirects, as a browser would, to the last page.
async fn follow(http: &reqwest::Client, url: String) -> String {
    common::child::browse(http, &url).await.1
}

/// The local callback server's address, from the authorize URL's `redirect_uri`.
fn callback_addr(authorize: &str) -> String {
    let redirect = reqwest::Url::parse(authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| reqwest::Url::parse(&v).unwrap())
        .unwrap();
    format!("127.0.0.1:{}", redirect.port().unwrap())
}

/// A minute to sign in, on a one-shot callback server at any free port.
const LOCAL: [&str; 4] = [
    "--timeout",
    "60",
    "--redirect-uri",
    "http://localhost:0/oauth2/callback",
];

/// `run --no-browser` for `reg` against the emulator, then `extra`.
fn run_args(
    reg: &oauth_preflight::registration::Registration,
    bg: &common::Background,
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        "--no-browser",
        "--client-id",
        reg.app_id.as_deref().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    args.extend(bg.target());
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn probe_runs_the_whole_flow_against_the_emulator() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let secret = common::secret(&reg);
    let target = bg.target();
    let mut args = vec![
        "probe",
        "--client-id",
        reg.app_id.as_deref().unwrap(),
        "--format",
        "json",
    ];
    args.extend(strs(&target));
    let out = cli(&args, &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &secret)], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["reports"][0]["mode"], "probe");
    assert_eq!(v["reports"][0]["summary"]["fail"], 0);
    assert_eq!(v["reports"][0]["summary"]["pass"], 13);
    // What needs --app or --ngrok-policy is listed, not dropped; and redirect.local, as probe
    // uses ngrok's redirect URI (DESIGN.md §9.2).
    assert_eq!(v["reports"][0]["summary"]["skip"], 8);
    let checks = v["reports"][0]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), oauth_preflight::checks::CheckId::ALL.len());
    let ngrok = checks.iter().find(|c| c["id"] == "redirect.ngrok").unwrap();
    assert_eq!(ngrok["status"], "pass", "{ngrok}");
    let local = checks.iter().find(|c| c["id"] == "redirect.local").unwrap();
    assert_eq!(local["status"], "skip", "{local}");
}

#[test]
fn run_with_a_real_http_user_agent_and_the_loopback_callback() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let args = run_args(
        &reg,
        &bg,
        &[
            "--redirect-uri",
            "http://localhost:0/oauth2/callback",
            "--app",
            "fixtures/apps/good-multitenant.json",
        ],
    );
    let args = strs(&args);
    let (child, url) = spawn_for_url(&args, &common::secret(&reg));
    let page = bg.rt.block_on(follow(&bg.emu.http, url));
    // The tab waits for the verdict (DESIGN.md §9.3).
    assert!(
        page.contains(r#"<h1 class="ok">All "#) && page.contains(" checks pass"),
        "{page}"
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains("PASS graph.me")
            && report.contains("ngrok would see alice@contoso.example"),
        "{report}"
    );
    assert!(
        report.contains("PASS redirect.ngrok"),
        "the registration's static checks joined"
    );
}

#[test]
fn paste_back_mode_works_from_stdin() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let args = run_args(
        &reg,
        &bg,
        &["--redirect-uri", "https://idp.ngrok.com/oauth2/callback"],
    );
    let args = strs(&args);
    let (mut child, url) = spawn_for_url(&args, &common::secret(&reg));
    // The browser lands on idp.ngrok.com (ngrok shows an error there): paste its address.
    let landed = bg.rt.block_on(async {
        let r = bg.emu.http.get(&url).send().await.unwrap();
        r.headers()["location"].to_str().unwrap().to_owned()
    });
    assert!(landed.starts_with("https://idp.ngrok.com/oauth2/callback?code="));
    writeln!(child.stdin.take().unwrap(), "{landed}").unwrap();
    let out = child.wait_with_output().unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    let line = report
        .lines()
        .find(|l| l.contains("redirect.ngrok"))
        .unwrap();
    assert!(
        line.contains("PASS") && line.contains("accepts the redirect URI"),
        "{report}"
    );
}

#[test]
fn nobody_signing_in_times_out_with_exit_3() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let args = run_args(
        &reg,
        &bg,
        &[
            "--timeout",
            "1",
            "--redirect-uri",
            "http://localhost:0/oauth2/callback",
        ],
    );
    let args = strs(&args);
    let out = cli(
        &args,
        &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &common::secret(&reg))],
        None,
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("no sign-in came back within 1 s"));
}

#[test]
fn exit_codes_for_what_cannot_be_completed_or_is_malformed() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &["token-endpoint-html-500"]);
    let id = reg.app_id.clone().unwrap();
    let secret = common::secret(&reg);
    let env = [
        ("OAUTH_PREFLIGHT_CLIENT_SECRET", secret.as_str()),
        ("OAUTH_PREFLIGHT_GRAPH_TOKEN", "eyJ0eXAi.graph-token.sig"),
    ];
    let authority = bg.emu.emu.authority().to_owned();
    let ca = bg.ca.path().to_str().unwrap().to_owned();
    let (nothing, graph) = (format!("{authority}/nothing"), format!("{authority}/graph"));
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec![
                "probe",
                "--client-id",
                &id,
                "--authority",
                "https://127.0.0.1:1",
            ],
            3,
            "cannot reach https://127.0.0.1:1",
        ),
        (
            vec!["probe", "--client-id", &id, "--authority", &authority],
            3,
            "TLS failure",
        ),
        (
            vec![
                "probe",
                "--client-id",
                &id,
                "--authority",
                &nothing,
                "--ca-cert",
                &ca,
            ],
            3,
            "with an HTML page where JSON was due",
        ),
        (
            vec![
                "probe",
                "--client-id",
                &id,
                "--authority",
                &authority,
                "--ca-cert",
                &ca,
                "--graph",
                &graph,
            ],
            3,
            "HTTP 500 with an HTML page",
        ),
        (
            vec!["probe", "--client-id", "not-a-guid"],
            2,
            "is not a GUID",
        ),
        (
            vec!["probe", "--client-id", &id, "--tenant", "../../etc"],
            2,
            "--tenant",
        ),
        (
            vec![
                "probe",
                "--client-id",
                &id,
                "--authority",
                "http://login.example",
            ],
            2,
            "must be https",
        ),
        (
            vec!["run", "--client-id", &id, "--browser", "'unclosed"],
            2,
            "--browser",
        ),
        (
            vec!["probe", "--client-id", &id, "--ca-cert", "README.md"],
            2,
            "--ca-cert holds no PEM certificate",
        ),
        // The same client error is the same exit in every command (issue 19, item 4).
        (
            vec![
                "lint",
                "--from-graph",
                "--client-id",
                &id,
                "--ca-cert",
                "README.md",
            ],
            2,
            "--ca-cert holds no PEM certificate",
        ),
        // Entra's loopback exception is localhost and 127.0.0.1; [::1] is not supported.
        (
            vec![
                "probe",
                "--client-id",
                &id,
                "--redirect-uri",
                "http://[::1]:8765/cb",
            ],
            2,
            "http only on localhost",
        ),
    ];
    for (args, expected, says) in &cases {
        let out = cli(args, &env, None);
        assert_eq!(code(&out), *expected, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).trim().lines().count(),
            1,
            "{args:?}: one line: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains(&secret));
    }
    let no_secret = cli(&["probe", "--client-id", &id], &[], None);
    assert_eq!(code(&no_secret), 2);
    assert!(stderr(&no_secret).contains("no client secret: set OAUTH_PREFLIGHT_CLIENT_SECRET"));
}

#[test]
fn secrets_never_appear_in_output_or_files_in_any_format() {
    let regs: Vec<_> = oauth_preflight::fixtures::bundled_apps();
    let bg = background(regs, &[]);
    let secrets = fixture_secret_values();
    let dir = tempfile::tempdir().unwrap();
    let target = bg.target();
    for name in fixture_names() {
        for reg in oauth_preflight::fixtures::bundled(&name).unwrap() {
            let id = reg.app_id.clone().unwrap();
            let secret = reg
                .emulator
                .secrets
                .first()
                .map_or_else(|| secrets[0].clone(), |(_, v)| v.expose().to_owned());
            {
                for format in ["human", "json", "junit"] {
                    let file = dir.path().join(format!("{id}.{format}"));
                    let mut args = vec![
                        "probe",
                        "-v",
                        "--client-id",
                        &id,
                        "--format",
                        format,
                        "--app",
                        &format!("fixtures/apps/{name}"),
                    ]
                    .into_iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>();
                    args.extend(target.iter().cloned());
                    let out = cli(
                        &strs(&args),
                        &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &secret)],
                        None,
                    );
                    args.extend(["--output".into(), file.to_str().unwrap().into()]);
                    let to_file = cli(
                        &strs(&args),
                        &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &secret)],
                        None,
                    );
                    assert_eq!(code(&to_file), code(&out), "{name} {format}");
                    let written =
                        std::fs::read_to_string(&file).expect("--output wrote the report");
                    let all = format!("{}{}{written}", stdout(&out), stderr(&out));
                    assert!(
                        matches!(code(&out), 0 | 1),
                        "{name} {format}: {}",
                        stderr(&out)
                    );
                    if format == "json" {
                        // The exit code is the verdict: 1 exactly when a check failed.
                        let v: serde_json::Value = serde_json::from_str(&written).unwrap();
                        let failed = v["reports"][0]["summary"]["fail"].as_u64().unwrap() > 0;
                        assert_eq!(code(&out), i32::from(failed), "{name}: {written}");
                    }
                    for s in &secrets {
                        assert!(
                            !all.contains(s.as_str()),
                            "{name} {format}: a secret was printed"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn ngrok_policy_supplies_client_id_secret_and_scopes() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yml");
    std::fs::write(
        &policy,
        format!(
            "on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: microsoft\n          client_id: '{}'\n          client_secret: '{}'\n          scopes: [openid, email, profile, User.Read]\n",
            reg.app_id.as_deref().unwrap(),
            common::secret(&reg)
        ),
    )
    .unwrap();
    let target = bg.target();
    let mut args = vec!["probe", "--ngrok-policy", policy.to_str().unwrap()];
    args.extend(strs(&target));
    let out = cli(&args, &[], None);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("PASS ngrok.policy"));
    assert!(!stdout(&out).contains(&common::secret(&reg)));
}

#[test]
fn demo_runs_a_good_and_broken_apps_and_exits_0() {
    let out = cli(&["demo"], &[], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("run ngrok login (good)"));
    assert!(text.contains("FAIL tenancy.multitenant     AADSTS50194"));
    assert!(text.contains("FAIL scopes.user-read"));
    assert!(text.contains("FAIL secret.valid            AADSTS7000222"));
    assert!(text.contains("4 apps, 3 failing"));
    let json = cli(&["demo", "--format", "json"], &[], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["reports"].as_array().unwrap().len(), 4);
    assert_eq!(v["reports"][0]["summary"]["fail"], 0);
}

#[test]
fn explain_names_meaning_check_and_fix() {
    for arg in [
        "50011",
        "AADSTS50011",
        "Sorry, but we're having trouble signing you in. AADSTS50011: The redirect URI",
    ] {
        let out = cli(&["explain", arg], &[], None);
        assert_eq!(code(&out), 0);
        let text = stdout(&out);
        assert!(text.starts_with("AADSTS50011: The redirect URI"), "{text}");
        assert!(text.contains("check:   redirect.ngrok"));
        assert!(text.contains("https://idp.ngrok.com/oauth2/callback"));
        assert!(text.contains("lookup:  https://login.microsoftonline.com/error?code=50011"));
    }
    let out = cli(&["explain", "AADSTS7000215"], &[], None);
    assert!(stdout(&out).contains("Secret ID"));
    let unknown = cli(&["explain", "AADSTS123456"], &[], None);
    assert_eq!(code(&unknown), 0);
    assert!(
        stdout(&unknown).contains("not in oauth-preflight's catalog")
            && stdout(&unknown).contains("error?code=123456")
    );
    let json = cli(&["explain", "--format", "json", "90094"], &[], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(
        (v["check"].as_str(), v["known"].as_bool()),
        (Some("scopes.admin-consent"), Some(true))
    );
    let none = cli(&["explain", "hello"], &[], None);
    assert_eq!(code(&none), 2);
}

/// Ctrl-C (SIGINT), and SIGTERM (a CI runner's cancel; it was unhandled: exit 143, no report),
/// end the wait cleanly: exit 3, and the report of what was judged before it.
#[test]
fn a_signal_while_waiting_is_a_clean_exit_3() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    for signal in ["-INT", "-TERM"] {
        let args = run_args(&reg, &bg, &LOCAL);
        let args = strs(&args);
        let (child, _url) = spawn_for_url(&args, &common::secret(&reg));
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{signal}");
        let report = String::from_utf8(out.stdout).unwrap();
        assert!(
            report.contains("could not complete: interrupted"),
            "{signal}: {report}"
        );
        assert!(report.contains("PASS discovery.valid"), "{report}");
        assert!(report.contains("SKIP id-token.valid"), "{report}");
    }
}

#[test]
fn a_busy_callback_port_is_exit_3_with_the_way_out() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect = format!(
        "http://localhost:{}/oauth2/callback",
        busy.local_addr().unwrap().port()
    );
    let args = run_args(&reg, &bg, &["--redirect-uri", &redirect]);
    let out = cli(
        &strs(&args),
        &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &common::secret(&reg))],
        None,
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("http://localhost:0/oauth2/callback, takes any free port"),
        "{}",
        stderr(&out)
    );
}

/// Regression: the callback server spun on a failed accept when out of file descriptors, and
/// never closed idle or slow connections. Under `ulimit -n 256`, with 300 idle connections and a
/// slowloris held open, the genuine callback still gets through and the slow one is closed.
#[test]
fn junk_connections_cannot_keep_the_genuine_callback_out() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let args = run_args(&reg, &bg, &LOCAL);
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(r#"ulimit -n 256 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_oauth-preflight"));
    let (child, url) = spawn_cmd_for_url(sh, &strs(&args), &common::secret(&reg));
    let addr = callback_addr(&url);
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /oauth2/callback HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    let junk: Vec<_> = (0..300)
        .filter_map(|_| std::net::TcpStream::connect(&addr).ok())
        .collect();
    assert!(junk.len() > 200, "{} junk connections", junk.len());
    let page = bg.rt.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            follow(&bg.emu.http, url),
        )
        .await
    });
    let page = page.expect("the genuine callback was not served within 30 s");
    assert!(page.contains(" checks pass"), "{page}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop((junk, slow));
}

/// Regression: a slow client kept its connection to the callback for ever.
#[test]
fn a_slow_client_is_closed_after_the_header_timeout() {
    use std::io::Read;
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let args = run_args(&reg, &bg, &LOCAL);
    let args = strs(&args);
    let (mut child, url) = spawn_for_url(&args, &common::secret(&reg));
    let mut slow = std::net::TcpStream::connect(callback_addr(&url)).unwrap();
    slow.write_all(b"GET /oauth2/callback HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut buf = Vec::new();
    let read = slow.read_to_end(&mut buf);
    let _ = child.kill();
    let _ = child.wait();
    // Closed by the server (with a 408 or nothing), not left open until our read timed out.
    assert!(read.is_ok(), "still open after 30 s: {read:?}");
}

/// Regression: the browser page for a sign-in Microsoft refused was styled as a success.
#[test]
fn a_refused_sign_in_is_not_shown_as_a_success() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let args = run_args(&reg, &bg, &LOCAL);
    let args = strs(&args);
    let (child, url) = spawn_for_url(&args, &common::secret(&reg));
    let back = common::child::declined(&url, "AADSTS65004: User declined to consent.");
    let page = bg.rt.block_on(async {
        bg.emu
            .http
            .get(back.as_str())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    // The verdict names the refusal.
    assert!(page.contains("AADSTS65004"), "{page}");
    assert!(
        page.contains(r#"<h1 class="bad">1 check fails</h1>"#) && !page.contains(r#"class="ok""#),
        "{page}"
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}
