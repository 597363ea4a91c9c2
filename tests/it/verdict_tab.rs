//! `run`'s browser tab shows the verdict (DESIGN.md §9.3): the callback's answer waits for the
//! checks, then shows the failing and warning checks with their fix, or "all N checks pass";
//! one self-contained page, every text escaped, served with
//! `Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'`. On time-out the page
//! says the verdict is in the terminal. Driven through the real binary, a real HTTP user agent
//! and the emulator.

use crate::common;

use common::background;
use std::process::Command;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";
const HOSTILE: &str = "<img src=x onerror=alert(1)></style><script>alert(2)</script>&amp;";

/// A fixture app with a hostile `displayName`, in a file and as the emulator's registration.
fn hostile_app(
    file: &str,
    dir: &std::path::Path,
) -> (oauth_preflight::registration::Registration, String) {
    let text = std::fs::read_to_string(common::root().join(common::fixture(file))).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["displayName"] = HOSTILE.into();
    let path = dir.join(file);
    std::fs::write(&path, v.to_string()).unwrap();
    let reg = oauth_preflight::registration::parse_bytes(v.to_string().as_bytes())
        .unwrap()
        .remove(0);
    (reg, path.to_str().unwrap().to_owned())
}

/// `run --no-browser` of `reg` against `bg`'s emulator, with `extra` flags; the child and the
/// authorize URL it printed.
fn spawn_run(
    reg: &oauth_preflight::registration::Registration,
    bg: &common::Background,
    extra: &[&str],
) -> (std::process::Child, String) {
    let mut args: Vec<String> = ["run", "--no-browser", "--client-id"]
        .map(String::from)
        .to_vec();
    args.push(reg.app_id.clone().unwrap());
    args.extend(["--redirect-uri", "http://localhost:0/oauth2/callback"].map(String::from));
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    args.extend(bg.target());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-preflight"));
    cmd.args(&args)
        .env("OAUTH_PREFLIGHT_CLIENT_SECRET", common::secret(reg))
        .env("NO_COLOR", "1");
    common::child::spawn_for_url(cmd)
}

/// What every page of the tab must be: self-contained, the hostile name inert.
#[track_caller]
fn safe(headers: &reqwest::header::HeaderMap, page: &str) {
    assert_eq!(headers["content-security-policy"], CSP);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let lower = page.to_ascii_lowercase();
    for bad in ["<script", "<img", "<link", "<iframe", " src=\"", "url("] {
        assert!(!lower.contains(bad), "{bad} in {page}");
    }
    assert_eq!(page.matches("</style>").count(), 1, "{page}");
}

#[test]
fn a_good_app_shows_all_checks_pass_and_its_name_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, file) = hostile_app("good-multitenant.json", dir.path());
    let bg = background(vec![reg.clone()], &[]);
    let (child, url) = spawn_run(&reg, &bg, &["--app", &file, "--timeout", "60"]);
    let (headers, page) = bg.rt.block_on(common::child::browse(&bg.emu.http, &url));
    safe(&headers, &page);
    assert!(
        page.contains(r#"<h1 class="ok">All "#) && page.contains(" checks pass</h1>"),
        "{page}"
    );
    assert!(
        page.contains(
            "&lt;img src=x onerror=alert(1)&gt;&lt;/style&gt;&lt;script&gt;alert(2)&lt;/script&gt;&amp;amp;"
        ),
        "{page}"
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_broken_app_names_each_failing_check_and_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, file) = hostile_app("expired-secret.json", dir.path());
    let bg = background(vec![reg.clone()], &[]);
    let (child, url) = spawn_run(
        &reg,
        &bg,
        &["--app", &file, "--timeout", "60", "--format", "json"],
    );
    let (headers, page) = bg.rt.block_on(common::child::browse(&bg.emu.http, &url));
    safe(&headers, &page);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failing: Vec<&serde_json::Value> = report["reports"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(failing.len() >= 2, "{report}");
    assert!(page.contains(r#"<h1 class="bad">"#), "{page}");
    for c in failing {
        let id = c["id"].as_str().unwrap();
        assert!(page.contains(&format!("<code>{id}</code>")), "{id}: {page}");
        // The fix: its first words, escaped as the page writes them.
        let fix = c["fix"]
            .as_str()
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        let head: String = fix.chars().take(40).collect();
        assert!(page.contains(&head), "{id}: {head:?} not in {page}");
    }
    assert!(
        page.contains("az ad app credential reset --id 00000011-1111-4000-8000-000000000011 --append --display-name ngrok"),
        "{page}"
    );
}

#[test]
fn a_hostile_error_description_stays_text_in_the_verdict() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &[]);
    let (child, url) = spawn_run(&reg, &bg, &["--timeout", "60"]);
    let back = common::child::declined(
        &url,
        &format!("AADSTS65004: User declined to consent. {HOSTILE}"),
    );
    let (headers, page) = bg
        .rt
        .block_on(common::child::browse(&bg.emu.http, back.as_str()));
    safe(&headers, &page);
    assert!(
        page.contains("&lt;script&gt;alert(2)&lt;/script&gt;"),
        "{page}"
    );
    assert!(
        page.contains(r#"<h1 class="bad">1 check fails</h1>"#),
        "{page}"
    );
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(1));
}

/// The checks outlast `--timeout`: the tab is answered anyway, pointing at the terminal.
#[test]
fn on_time_out_the_tab_says_the_verdict_is_in_the_terminal() {
    let reg = common::app("good-multitenant.json");
    let bg = background(vec![reg.clone()], &["slow-token-endpoint=6"]);
    let (child, url) = spawn_run(&reg, &bg, &["--timeout", "3"]);
    let started = std::time::Instant::now();
    let (headers, page) = bg.rt.block_on(common::child::browse(&bg.emu.http, &url));
    safe(&headers, &page);
    assert!(started.elapsed() < std::time::Duration::from_secs(6));
    assert!(
        page.contains("did not finish within 3 s (--timeout): the verdict is in the terminal"),
        "{page}"
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "the run itself completes");
}
