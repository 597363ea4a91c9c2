//! Hostile input, continued: the files and processes around a run as they really are. Each test
//! is named after the bug it pins; everything stays on loopback.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const GOOD: &str = "good-multitenant.json";
const GOOD_ID: &str = "00000001-1111-4000-8000-000000000001";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
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
