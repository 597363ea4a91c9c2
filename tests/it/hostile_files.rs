//! Hostile input, continued: the files and processes around a run as they really are. A report
//! path that is an input or another report, a FIFO, a link planted in /tmp, a file name that is
//! not UTF-8, an unwritable step summary, a closed terminal (SIGHUP), a Graph that redirects or
//! stalls. Each test is named after the bug it pins; everything stays on loopback.

use crate::common;

use common::{cli, code, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const GOOD: &str = "good-multitenant.json";
const GOOD_ID: &str = "00000001-1111-4000-8000-000000000001";

/// A copy of `from` (relative to the crate root) at `dir/name`.
fn copy(from: &str, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(common::root().join(from), &to).unwrap();
    to
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Regression (issue 18, item 10): `lint --output app.json app.json` emptied the input, then
/// said it was empty; `--output` naming the policy replaced it and exited 0; two `--report`s on
/// one path overwrote each other. Any output that is an input or another output, however
/// spelled, is refused (exit 2, one line) before anything is written.
#[test]
fn a_report_never_overwrites_an_input_or_another_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let app = copy(&common::fixture(GOOD), d, "app.json");
    let policy = copy("fixtures/policies/traffic-policy.yml", d, "policy.yml");
    let apps = d.join("apps");
    std::fs::create_dir(&apps).unwrap();
    let in_dir = copy(&common::fixture(GOOD), &apps, "in-dir.json");
    std::fs::create_dir(d.join("sub")).unwrap();
    let respelled = d.join("sub/../app.json");
    let baseline = d.join("baseline.json");
    let out = cli(
        &[
            "lint",
            "--format",
            "json",
            "--output",
            s(&baseline),
            s(&app),
        ],
        &[],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let secret = d.join("secret.txt");
    std::fs::write(&secret, "Q1x8Q~hostile-files-test-secret-value-01\n").unwrap();
    let ca = copy("src/emulator/keys/org-1.crt.pem", d, "ca.pem");
    let ready = d.join("ready.json");
    std::fs::write(
        &ready,
        format!(
            r#"{{"authority":"https://127.0.0.1:9","graph":"https://127.0.0.1:9/graph","ca_cert":{:?}}}"#,
            s(&ca)
        ),
    )
    .unwrap();
    let probe = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["probe", "--client-id", GOOD_ID].map(String::from).to_vec();
        v.extend(extra.iter().map(|a| (*a).to_owned()));
        v
    };
    let junit_app = format!("junit={}", s(&app));
    let json_x = format!("json={}", s(&d.join("x.json")));
    let junit_x = format!("junit={}", s(&d.join("sub/../x.json")));
    let cases: Vec<(Vec<String>, &Path)> = vec![
        (strs(&["lint", "--output", s(&app), s(&app)]), &app),
        (strs(&["lint", "--report", &junit_app, s(&app)]), &app),
        (strs(&["lint", "--output", s(&respelled), s(&app)]), &app),
        (
            strs(&[
                "lint",
                "--ngrok-policy",
                s(&policy),
                "--output",
                s(&policy),
                s(&app),
            ]),
            &policy,
        ),
        (strs(&["lint", "--output", s(&in_dir), s(&apps)]), &in_dir),
        (
            strs(&[
                "lint",
                "--baseline",
                s(&baseline),
                "--output",
                s(&baseline),
                s(&app),
            ]),
            &baseline,
        ),
        (probe(&["--app", s(&app), "--output", s(&app)]), &app),
        (
            probe(&["--client-secret-file", s(&secret), "--output", s(&secret)]),
            &secret,
        ),
        (probe(&["--ca-cert", s(&ca), "--output", s(&ca)]), &ca),
        (
            probe(&["--emulator", s(&ready), "--output", s(&ready)]),
            &ready,
        ),
        (
            probe(&[
                "--emulator",
                s(&ready),
                "--report",
                &format!("junit={}", s(&ca)),
            ]),
            &ca,
        ),
        // (An unwritable ready file ends emulate where it once wrote the CA over its --app.)
        (
            strs(&[
                "emulate",
                "--app",
                s(&app),
                "--ca-out",
                s(&app),
                "--ready-file",
                s(&d.join("missing/ready.json")),
            ]),
            &app,
        ),
    ];
    for (args, victim) in cases {
        let before = std::fs::read(victim).unwrap();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = cli(
            &argv,
            &[("OAUTH_PREFLIGHT_CLIENT_SECRET", "Q1x8Q~hostile-files-env")],
            None,
        );
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(err.contains("refusing"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert_eq!(std::fs::read(victim).unwrap(), before, "{args:?} wrote it");
    }
    // Two reports on one file: refused before either is made.
    let out = cli(
        &["lint", "--report", &json_x, "--report", &junit_x, s(&app)],
        &[],
        None,
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("the same file"), "{}", stderr(&out));
    assert!(!d.join("x.json").exists());
    // Distinct paths, and character devices, still work.
    let out = cli(
        &[
            "lint",
            "--report",
            &json_x,
            "--output",
            "/dev/null",
            "--report",
            "junit=/dev/null",
            s(&app),
        ],
        &[],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|a| (*a).to_owned()).collect()
}

/// Waits up to 10 s for `child` to end.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("did not stop within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Regression (issue 18, item 11): without `--ca-out`, `emulate` wrote the predictable
/// `/tmp/oauth-preflight-emulator-<pid>-ca.pem` and followed a link planted there. The CA goes
/// to a new directory of its own (mode 0700), removed when the emulator stops.
#[cfg(unix)]
#[test]
fn emulate_writes_its_ca_in_a_private_directory_and_follows_no_planted_link() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    // The shell plants the link at the name its own pid gives, then becomes the emulator.
    let mut child = Command::new("sh")
        .args([
            "-c",
            r#"ln -s "$1" "$TMPDIR/oauth-preflight-emulator-$$-ca.pem" && exec "$0" emulate"#,
            env!("CARGO_BIN_EXE_oauth-preflight"),
            s(&victim),
        ])
        .env("TMPDIR", tmp.path())
        .current_dir(common::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let kill = |signal: &str, child: &Child| {
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap()
    };
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| {
        kill("-KILL", &child);
        panic!("{e}: {line:?}")
    });
    let ca = PathBuf::from(ready["ca_cert"].as_str().unwrap());
    let pem = std::fs::read_to_string(&ca).unwrap();
    let private = ca.parent().unwrap().to_owned();
    let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
    assert!(kill("-TERM", &child).success());
    assert_eq!(wait(&mut child).code(), Some(0));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(private.starts_with(tmp.path()), "{}", ca.display());
    assert_eq!(mode, 0o700, "{}", private.display());
    assert!(
        !private.exists(),
        "the private directory outlived the emulator"
    );
}

/// Regression (issue 18, item 11): when the ready file could not be written, `emulate` left its
/// temporary CA in /tmp (and a `ready.json.tmp-<pid>` beside a ready file that is a directory).
#[test]
fn a_ready_file_that_cannot_be_written_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let place = tempfile::tempdir().unwrap();
    let taken = place.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    for ready in [place.path().join("missing/ready.json"), taken] {
        let out = Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
            .args(["emulate", "--ready-file", s(&ready)])
            .env("TMPDIR", tmp.path())
            .current_dir(common::root())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("--ready-file"), "{err}");
        let left = |d: &Path| -> Vec<String> {
            std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            left(tmp.path()),
            Vec::<String>::new(),
            "{}",
            ready.display()
        );
        assert_eq!(left(place.path()), ["taken"], "{}", ready.display());
    }
}

/// Regression (issue 18, item 12): `lint DIR` failed the whole run ("no such file") on a file
/// whose name is not UTF-8: it is read, and its name shown lossily.
#[cfg(target_os = "linux")]
#[test]
fn lint_reads_a_directory_entry_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.json");
    std::fs::copy(
        common::root().join(common::fixture(GOOD)),
        dir.path().join(name),
    )
    .unwrap();
    copy(&common::fixture("single-tenant.json"), dir.path(), "b.json");
    let out = cli(&["lint", "--format", "json", s(dir.path())], &[], None);
    assert_eq!(code(&out), 1, "single-tenant fails: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let sources: Vec<&str> = v["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["target"]["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(sources[0].ends_with("/b.json"), "{sources:?}");
    assert!(sources[1].ends_with("/caf\u{FFFD}.json"), "{sources:?}");
    assert_eq!(v["reports"][1]["target"]["client_id"], GOOD_ID);
}

/// Kills the child on drop, so a failed assertion leaves no process behind.
struct Reaped(Option<Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Regression (issue 18, item 13): `--output FIFO` was created and closed before the flow (the
/// check that the path can be written), which gave the reader end-of-file and an empty report;
/// the real write then blocked for ever. The handle made before the flow is the one written.
#[cfg(unix)]
#[test]
fn a_fifo_output_gets_the_report_not_an_early_end_of_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // The reader, as a CI step would have it: open, read to end-of-file.
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text));
        let _ = tx.send(text);
    });
    let reg = common::app(GOOD);
    let bg = common::background(vec![reg.clone()], &[]);
    let target = bg.target();
    let mut args = vec![
        "probe",
        "--client-id",
        GOOD_ID,
        "--format",
        "json",
        "--output",
        s(&fifo),
    ];
    args.extend(target.iter().map(String::as_str));
    let mut child = Reaped(Some(
        Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
            .args(&args)
            .current_dir(common::root())
            .env("OAUTH_PREFLIGHT_CLIENT_SECRET", common::secret(&reg))
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    ));
    let text = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the reader got nothing within 60 s");
    assert!(
        !text.is_empty(),
        "the reader got end-of-file before the report"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["reports"][0]["mode"], "probe");
    let status = wait(child.0.as_mut().unwrap());
    child.0 = None;
    assert_eq!(status.code(), Some(0));
}

/// Regression (issue 18, item 14): a `GITHUB_STEP_SUMMARY` that cannot be written turned the
/// verdict (0 or 1) into exit 2. It is a one-line warning now; the verdict stands.
#[test]
fn an_unwritable_step_summary_warns_and_keeps_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("missing/summary.md");
    for (fixture, want) in [(GOOD, 0), ("single-tenant.json", 1)] {
        let out = cli(
            &["lint", &common::fixture(fixture)],
            &[("GITHUB_STEP_SUMMARY", s(&summary))],
            None,
        );
        let err = stderr(&out);
        assert_eq!(code(&out), want, "{fixture}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("warning: ") && err.contains("GITHUB_STEP_SUMMARY"),
            "{err}"
        );
        assert!(!stdout(&out).is_empty(), "the report is still printed");
    }
}

/// Regression (issue 18, item 15): SIGHUP (the terminal or SSH session closed) killed `run`
/// while it waited for the sign-in and left a 0-byte `--output`. It is handled like SIGTERM:
/// exit 3, the report written.
#[cfg(unix)]
#[test]
fn sighup_while_waiting_writes_the_report_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let reg = common::app(GOOD);
    let bg = common::background(vec![reg.clone()], &[]);
    let target = bg.target();
    let mut args = vec![
        "run",
        "--no-browser",
        "--client-id",
        GOOD_ID,
        "--timeout",
        "60",
        "--redirect-uri",
        "http://localhost:0/oauth2/callback",
        "--format",
        "json",
        "--output",
        s(&report),
    ];
    args.extend(target.iter().map(String::as_str));
    let mut child = Reaped(Some(
        Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
            .args(&args)
            .current_dir(common::root())
            .env("OAUTH_PREFLIGHT_CLIENT_SECRET", common::secret(&reg))
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    let c = child.0.as_mut().unwrap();
    // Waiting: the authorize URL is on stderr.
    let mut err = BufReader::new(c.stderr.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "no URL printed");
        if line.contains("https://127.0.0.1") {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let sent = Command::new("kill")
        .args(["-HUP", &c.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = wait(c);
    child.0 = None;
    assert_eq!(status.code(), Some(3), "{status:?}");
    let text = std::fs::read_to_string(&report).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("a whole JSON report");
    let r = &v["reports"][0];
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("interrupted"),
        "{r}"
    );
    assert_eq!(common::check_of(r, "discovery.valid")["status"], "pass");
    assert_eq!(common::check_of(r, "id-token.valid")["status"], "skip");
}

/// A loopback "Graph" that answers each connection with `head`, then holds it open.
fn graph_answering(head: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { return };
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf);
            let _ = tcp.write_all(head.as_bytes());
            held.push(tcp);
        }
    });
    base
}

fn lint_from(graph: &str) -> String {
    use oauth_preflight::config::{GraphSource, LintConfig};
    // The process's TLS provider, whichever test runs first.
    common::install_crypto();
    let timeout = Duration::from_secs(1);
    let cfg = LintConfig {
        files: Vec::new(),
        opts: oauth_preflight::checks::LintOptions {
            now: chrono::Utc::now(),
            secret_min_days: 30,
        },
        policy: Vec::new(),
        from_graph: Some(GraphSource {
            client_id: GOOD_ID.parse().unwrap(),
            graph: reqwest::Url::parse(graph).unwrap(),
            token: oauth_preflight::entra::SecretValue::new("eyJ0eXAi.graph-token.sig"),
            http: oauth_preflight::https::client(None, timeout).unwrap(),
        }),
        identities: Vec::new(),
        denied_identities: Vec::new(),
        inputs: Vec::new(),
    };
    oauth_preflight::lint::lint_files(&cfg)
        .expect_err("Graph did not answer")
        .to_string()
}

/// Regression (issue 18, item 16): `lint --from-graph` answered with a redirect said "with HTTP
/// 301: " and nothing more; a stalled answer said "error decoding response body". Each says
/// what happened now.
#[test]
fn a_graph_redirect_or_time_out_says_what_happened() {
    let moved = graph_answering(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://graph.example.net/v1.0/elsewhere\r\nContent-Length: 0\r\n\r\n",
    );
    let e = lint_from(&moved);
    assert!(
        e.contains(
            "HTTP 301: redirected to https://graph.example.net/v1.0/elsewhere, not followed"
        ),
        "{e}"
    );
    let stalled_body = graph_answering(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"appId\":",
    );
    let stalled_head = graph_answering("");
    for base in [stalled_body, stalled_head] {
        let e = lint_from(&base);
        assert!(e.contains("timed out after 1 s"), "{e}");
        assert!(!e.contains("decoding"), "{e}");
    }
}

/// Regression (review of issue 19): a Graph (or a proxy) answering with another app's object
/// had that app linted under the id asked for: a verdict on the wrong app. Now it is exit 3
/// naming both ids, whether the other app comes alone or in a list.
#[test]
fn a_graph_answer_about_another_app_is_refused() {
    const OTHER: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 109\r\n\r\n{\"appId\":\"99999999-1111-4000-8000-000000000009\",\"displayName\":\"other\",\"signInAudience\":\"AzureADMultipleOrgs\"}";
    let e = lint_from(&graph_answering(OTHER));
    assert!(
        e.contains("another app's (99999999-1111-4000-8000-000000000009), not 00000001-1111-4000-8000-000000000001"),
        "{e}"
    );
}
