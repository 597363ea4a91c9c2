//! Shared helpers for the integration tests: run the real binary, find fixtures.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// "Now" for every snapshot: time-dependent checks are evaluated as of this instant.
pub const AT: &str = "2026-12-01T00:00:00Z";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> String {
    format!("fixtures/apps/{name}")
}

/// Every fixture app file name, sorted.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("fixtures/apps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Runs the binary from the crate root, no colour, no inherited client secret.
pub fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-preflight"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("OAUTH_PREFLIGHT_CLIENT_SECRET")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn oauth-preflight");
    if let Some(bytes) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited with a code, not a signal")
}

/// Every secret value any fixture carries (`x-emulator.secrets[].value`).
pub fn fixture_secret_values() -> Vec<String> {
    let mut out = Vec::new();
    for name in fixture_names() {
        let text = std::fs::read_to_string(root().join("fixtures/apps").join(name)).unwrap();
        collect_secrets(&serde_json::from_str(&text).unwrap(), &mut out);
    }
    assert!(out.len() >= 10, "fixtures carry secrets to hunt for");
    out
}

fn collect_secrets(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(secrets) = m.get("x-emulator").and_then(|x| x.get("secrets")) {
                for s in secrets.as_array().unwrap() {
                    out.push(s["value"].as_str().unwrap().to_owned());
                }
            }
            m.values().for_each(|v| collect_secrets(v, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_secrets(v, out)),
        _ => {}
    }
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}
