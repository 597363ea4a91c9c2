//! `oauth-preflight emulate` as a user's CI runs it: the ready line, serving, SIGTERM, exit 0;
//! bad flags are exit 2 with one clear line.

use crate::common;

use common::{code, run, stderr};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn emulate_prints_one_ready_line_serves_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
        .args([
            "emulate",
            "--listen",
            "127.0.0.1:0",
            "--ca-out",
            ca.to_str().unwrap(),
            "--fault",
            "graph-down",
        ])
        .args([
            "--app",
            "fixtures/apps/good-multitenant.json",
            "--app",
            "fixtures/apps/tenant-list.json",
        ])
        .current_dir(common::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
    let authority = ready["authority"].as_str().unwrap().to_owned();
    assert!(authority.starts_with("https://127.0.0.1:"));
    assert_eq!(ready["graph"], format!("{authority}/graph"));
    assert_eq!(ready["ca_cert"], ca.to_str().unwrap());
    assert_eq!(
        ready["tenants"]["consumers"]["id"],
        "9188040d-6c67-4c5b-b112-36a304b66dad"
    );
    assert_eq!(ready["tenants"]["contoso"]["domain"], "contoso.example");
    assert_eq!(ready["users"].as_array().unwrap().len(), 3);
    assert_eq!(ready["apps"].as_array().unwrap().len(), 4);
    assert_eq!(ready["faults"][0], "graph-down");
    // It serves, with the CA it wrote.
    let pem = std::fs::read(&ca).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        common::install_crypto();
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .no_proxy()
            .build()
            .unwrap();
        http.get(format!(
            "{authority}/common/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap()
        .status()
    });
    assert_eq!(status, 200);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn emulate_refuses_bad_flags_with_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["emulate", "--app", "fixtures/apps/missing.json"],
            "missing.json: no such file",
        ),
        (&["emulate", "--listen", "0.0.0.0:0"], "loopback only"),
        (&["emulate", "--listen", "not-an-address"], "--listen"),
        (
            &["emulate", "--fault", "meteor-strike"],
            "unknown fault \"meteor-strike\"",
        ),
        (
            &["emulate", "--user", "mallory@contoso.example"],
            "unknown user",
        ),
    ];
    for (args, says) in cases {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1);
    }
}

/// `emulate -v --ready-file F`, and `probe --emulator F`: the ready file stands for --authority,
/// --graph and --ca-cert; the log has a line per request and no secret, code or query.
#[test]
fn a_ready_file_drives_probe_and_the_log_names_requests_not_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    let emu = Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
        .args(["emulate", "-v", "--ready-file", ready.to_str().unwrap()])
        .args(["--app", "fixtures/apps/good-multitenant.json"])
        .current_dir(common::root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if ready.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let reg = common::app("good-multitenant.json");
    let secret = common::secret(&reg);
    let probe = |secret: &str| {
        common::cli(
            &[
                "probe",
                "--client-id",
                reg.app_id.as_deref().unwrap(),
                "--format",
                "json",
            ],
            &[
                ("OAUTH_PREFLIGHT_CLIENT_SECRET", secret),
                ("OAUTH_PREFLIGHT_EMULATOR", ready.to_str().unwrap()),
            ],
            None,
        )
    };
    let good = probe(&secret);
    assert_eq!(code(&good), 0, "{}", stderr(&good));
    let bad = probe("Q1x8Q~a-wrong-secret-value-for-the-log");
    assert_eq!(code(&bad), 1);
    // Explicit flags beside --emulator conflict.
    let both = run(&[
        "probe",
        "--client-id",
        "00000001-1111-4000-8000-000000000001",
        "--emulator",
        ready.to_str().unwrap(),
        "--authority",
        "https://login.example",
    ]);
    assert_eq!(code(&both), 2);
    let _ = Command::new("kill")
        .args(["-TERM", &emu.id().to_string()])
        .status();
    let out = emu.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!ready.exists(), "the ready file goes with the emulator");
    let log = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    // Two probes: discovery, keys, authorize, token (and Graph for the good secret).
    assert!(lines.len() >= 9, "{log}");
    for l in &lines {
        let parts: Vec<&str> = l.split(' ').collect();
        assert!(matches!(parts[0], "GET" | "POST"), "{l}");
        assert!(parts[1].starts_with('/') && !parts[1].contains('?'), "{l}");
        assert!(parts[2].parse::<u16>().is_ok(), "{l}");
    }
    assert!(
        log.contains("POST /common/oauth2/v2.0/token 401 AADSTS7000215"),
        "{log}"
    );
    assert!(log.contains("GET /graph/v1.0/me 200"), "{log}");
    assert!(
        !log.contains(&secret) && !log.contains("wrong-secret") && !log.contains("code="),
        "{log}"
    );
}

#[test]
fn report_flags_are_not_offered_by_emulate() {
    for args in [
        vec!["emulate", "--format", "json"],
        vec!["emulate", "--output", "x.json"],
        vec!["emulate", "--strict"],
        vec!["--format", "json", "emulate"],
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(!stderr(&out).trim().is_empty(), "{args:?}");
    }
    let help = common::stdout(&run(&["emulate", "--help"]));
    assert!(
        !help.contains("--format") && help.contains("--ready-file"),
        "{help}"
    );
    // Before or after the subcommand, the report flags still work elsewhere.
    for args in [
        vec![
            "--format",
            "json",
            "lint",
            "fixtures/apps/good-multitenant.json",
        ],
        vec![
            "lint",
            "--format",
            "json",
            "fixtures/apps/good-multitenant.json",
        ],
        vec![
            "lint",
            "fixtures/apps/good-multitenant.json",
            "--format",
            "json",
        ],
    ] {
        let out = run(&args);
        assert!(
            serde_json::from_str::<serde_json::Value>(&common::stdout(&out)).is_ok(),
            "{args:?}"
        );
    }
}
