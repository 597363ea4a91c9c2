//! `oauth-preflight emulate` as a user's CI runs it: the ready line, serving, SIGTERM, exit 0;
//! bad flags are exit 2 with one clear line.

mod common;

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
