//! Reports for CI (DESIGN.md §8.3) through the real binary: GitHub annotations and their limit,
//! the step summary, several reports from one run, and baselines.

use crate::common;

use common::{AT, code, fixture, run, stderr, stdout};

#[test]
fn github_shows_ten_annotations_of_a_type_and_counts_the_rest() {
    let apps = common::failing_apps(7, false); // 28 failing checks
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "github",
        apps.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), 10, "{text}");
    assert!(
        errors[9].contains("19 more failing checks"),
        "{}",
        errors[9]
    );
    assert!(errors[0].starts_with("::error file="), "{}", errors[0]);
    assert!(
        errors[0].contains(",title=tenancy.multitenant::"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains(". Fix: "), "{}", errors[0]);
    let notices: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("::notice "))
        .collect();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].contains("7 target(s): 28 pass, 0 warn, 28 fail, 0 skip"),
        "{}",
        notices[0]
    );
    // Every line is a workflow command: nothing else reaches the log.
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
}

#[test]
fn the_step_summary_is_appended_whatever_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let summary_path = summary.to_str().unwrap();
    let out = common::cli(
        &[
            "lint",
            "--at",
            AT,
            "--format",
            "json",
            &fixture("redirect-trailing-slash.json"),
        ],
        &[("GITHUB_STEP_SUMMARY", summary_path)],
        None,
    );
    assert_eq!(code(&out), 1);
    assert!(
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).is_ok(),
        "stdout stays JSON"
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n## oauth-preflight"),
        "{text}"
    );
    assert!(text.contains("| `redirect.ngrok` | ❌ fail |"), "{text}");
    assert!(
        text.contains("https://idp.ngrok.com/oauth2/callback exactly"),
        "the fix: {text}"
    );
}

#[test]
fn several_reports_from_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let junit = dir.path().join("r.xml");
    let md = dir.path().join("r.md");
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--report",
        &format!("json={}", json.display()),
        "--report",
        &format!("junit={}", junit.display()),
        "--report",
        &format!("markdown={}", md.display()),
        &fixture("good-multitenant.json"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("PASS redirect.ngrok"),
        "stdout keeps --format (human)"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["reports"][0]["summary"]["pass"], 8);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuites")
    );
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("No failing or warning check.")
    );
    for bad in ["junit", "xml=out.xml", "json="] {
        let out = run(&["lint", "--report", bad, &fixture("good-multitenant.json")]);
        assert_eq!(code(&out), 2, "{bad}");
        assert!(stderr(&out).contains("--report"), "{}", stderr(&out));
    }
}

/// The same app (one appId) in a good and a broken version.
fn good_and_broken() -> (tempfile::NamedTempFile, tempfile::NamedTempFile) {
    let good = std::fs::read_to_string(fixture("good-multitenant.json")).unwrap();
    let broken = good.replacen(
        "\"https://idp.ngrok.com/oauth2/callback\"",
        "\"https://idp.ngrok.com/oauth2/callback/\"",
        1,
    );
    assert_ne!(good, broken);
    let (g, b) = (
        tempfile::NamedTempFile::new().unwrap(),
        tempfile::NamedTempFile::new().unwrap(),
    );
    std::fs::write(g.path(), good).unwrap();
    std::fs::write(b.path(), broken).unwrap();
    (g, b)
}

fn json_report(app: &std::path::Path, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "json",
        "--output",
        path.to_str().unwrap(),
        app.to_str().unwrap(),
    ]);
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    path
}

fn baseline_of(app: &std::path::Path, baseline: &std::path::Path) -> (i32, serde_json::Value) {
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "json",
        "--baseline",
        baseline.to_str().unwrap(),
        app.to_str().unwrap(),
    ]);
    (code(&out), serde_json::from_str(&stdout(&out)).unwrap())
}

fn marks(v: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    v["reports"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["baseline"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_baseline_fails_only_on_regressions() {
    let dir = tempfile::tempdir().unwrap();
    let (good, broken) = good_and_broken();
    let good_report = json_report(good.path(), dir.path(), "good.json");
    let broken_report = json_report(broken.path(), dir.path(), "broken.json");

    // The same report: all unchanged, exit 0.
    let (exit, v) = baseline_of(good.path(), &good_report);
    assert_eq!(exit, 0);
    assert!(
        marks(&v).values().all(|m| m == "unchanged"),
        "{:?}",
        marks(&v)
    );
    // A check that fails now and passed before: regressed, exit 1.
    let (exit, v) = baseline_of(broken.path(), &good_report);
    assert_eq!(exit, 1);
    assert_eq!(marks(&v)["redirect.ngrok"], "regressed");
    assert_eq!(marks(&v).values().filter(|m| *m == "regressed").count(), 1);
    // Repaired: fixed, exit 0.
    let (exit, v) = baseline_of(good.path(), &broken_report);
    assert_eq!(exit, 0);
    assert_eq!(marks(&v)["redirect.ngrok"], "fixed");
    // Still failing as before: unchanged, exit 0 (adopt the tool on an app not clean yet).
    let (exit, v) = baseline_of(broken.path(), &broken_report);
    assert_eq!(exit, 0);
    assert_eq!(marks(&v)["redirect.ngrok"], "unchanged");
    // Humans see the regression first.
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--baseline",
        good_report.to_str().unwrap(),
        broken.path().to_str().unwrap(),
    ]);
    let text = stdout(&out);
    let second = text.lines().nth(1).unwrap();
    assert!(
        second.contains("regressed since the baseline: redirect.ngrok"),
        "{text}"
    );
    // A new app's failing check is new and fails; a baseline that is not a report is exit 2.
    let other = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "json",
        "--baseline",
        good_report.to_str().unwrap(),
        &fixture("single-tenant.json"),
    ]);
    assert_eq!(code(&other), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&other)).unwrap();
    assert!(marks(&v).values().all(|m| m == "new"));
    let not_a_report = run(&[
        "lint",
        "--baseline",
        &fixture("good-multitenant.json"),
        &fixture("good-multitenant.json"),
    ]);
    common::assert_exit(&not_a_report, 2, "not an oauth-preflight JSON report");
}

#[test]
fn completions_and_the_man_page_cover_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        for word in ["lint", "probe", "emulate", "ngrok-policy", "baseline"] {
            assert!(text.contains(word), "{shell} lacks {word}");
        }
    }
    assert_eq!(code(&run(&["completions", "tcsh"])), 2);
    let man = run(&["manpage"]);
    assert_eq!(code(&man), 0);
    let text = stdout(&man);
    assert!(
        text.contains(".TH oauth-preflight 1"),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(text.contains("explain"), "subcommands are listed");
}

#[test]
fn explain_takes_every_code_and_refuses_report_formats() {
    let out = run(&["explain", "50011", "AADSTS7000215"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.contains("AADSTS50011:") && text.contains("AADSTS7000215:"),
        "{text}"
    );
    // Every code in a pasted text, each once, in order.
    let pasted = "Sorry, but we're having trouble signing you in. AADSTS50105: Your administrator has configured ... then AADSTS53003: blocked; AADSTS50105 again";
    let out = run(&["explain", "--format", "json", pasted]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["code"].as_u64(), lines[1]["code"].as_u64()),
        (Some(50105), Some(53003))
    );
    assert!(lines.iter().all(|l| l["known"] == true));
    for c in ["50105", "53003", "50158", "9002325", "901002", "500200"] {
        let out = run(&["explain", "--format", "json", c]);
        let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(v["known"], true, "{c} is in the catalog");
    }
    for format in ["junit", "github", "markdown"] {
        let out = run(&["explain", "--format", format, "50011"]);
        assert_eq!(code(&out), 2, "{format}");
        assert!(stderr(&out).contains("human, json"), "{}", stderr(&out));
        // Given before the command, as a report flag, it is refused too.
        let out = run(&["--format", format, "explain", "50011"]);
        assert_eq!(code(&out), 2, "{format}");
        assert!(stderr(&out).contains("human or json"), "{}", stderr(&out));
    }
}

#[test]
fn explain_is_quiet_on_a_closed_pipe() {
    let codes: Vec<String> = (100_000..101_500).map(|c| c.to_string()).collect();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#""$0" "$@" | head -c 10 > /dev/null"#)
        .arg(env!("CARGO_BIN_EXE_oauth-preflight"))
        .arg("explain")
        .args(&codes)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.is_empty(), "{err}");
}

/// A step summary over GitHub's 1 MiB is cut, at a character's boundary: the file stays UTF-8
/// whatever the display names are made of.
#[test]
fn a_long_step_summary_is_cut_at_a_character() {
    let dir = tempfile::tempdir().unwrap();
    let mut app: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join(fixture("single-tenant.json"))).unwrap(),
    )
    .unwrap();
    // 3-byte characters everywhere a name is shown, so a byte cut lands inside one.
    let apps: Vec<serde_json::Value> = (0..3_000)
        .map(|i| {
            app["appId"] = format!("{i:08x}-1111-4000-8000-000000000001").into();
            app["displayName"] = format!("{}{i}", "€".repeat(40)).into();
            app.clone()
        })
        .collect();
    let list = dir.path().join("apps.json");
    std::fs::write(&list, serde_json::to_string(&apps).unwrap()).unwrap();
    let summary = dir.path().join("summary.md");
    let out = common::cli(
        &[
            "lint",
            "--at",
            AT,
            "--format",
            "json",
            list.to_str().unwrap(),
        ],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let bytes = std::fs::read(&summary).unwrap();
    assert!(bytes.len() < 1_100 * 1024, "{} bytes", bytes.len());
    let text = String::from_utf8(bytes).expect("the summary is UTF-8");
    assert!(text.ends_with("see the JSON report)\n"), "not cut");
}
