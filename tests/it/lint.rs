//! `lint` end to end through the real binary: snapshots of every fixture in every format,
//! exit codes, bad input, and secrets that must never be printed.

use crate::common;

use common::{
    AT, code, fixture, fixture_names, fixture_secret_values, run, run_with_stdin, stderr, stdout,
};
use std::io::Write;

#[test]
fn every_fixture_human_and_json_snapshots() {
    let names = fixture_names();
    assert!(
        names.len() >= 15,
        "at least 15 fixtures, found {}",
        names.len()
    );
    for name in names {
        let path = fixture(&name);
        let stem = name.trim_end_matches(".json");
        let human = run(&["lint", "--at", AT, &path]);
        insta::assert_snapshot!(format!("{stem}.human"), stdout(&human));
        let json = run(&["lint", "--at", AT, "--format", "json", &path]);
        assert_eq!(
            code(&json),
            code(&human),
            "{name}: same verdict in every format"
        );
        let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
        // The exit code is the verdict: 1 exactly when a check failed.
        let failed = value["reports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["summary"]["fail"].as_u64().unwrap() > 0);
        assert_eq!(
            code(&human),
            i32::from(failed),
            "{name}: {}",
            stderr(&human)
        );
        assert_eq!(value["tool"]["name"], "oauth-preflight");
        assert_eq!(value["tool"]["version"], env!("CARGO_PKG_VERSION"));
        let at = value["generated_at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
        insta::assert_json_snapshot!(format!("{stem}.json"), value, {
            ".generated_at" => "[generated_at]",
            ".tool.version" => "[version]",
        });
    }
}

/// The CI formats of a passing and a failing app, and of a tenant list (several apps).
#[test]
fn github_and_markdown_snapshots() {
    for name in [
        "good-multitenant.json",
        "redirect-trailing-slash.json",
        "tenant-list.json",
    ] {
        let stem = name.trim_end_matches(".json");
        for format in ["github", "markdown"] {
            let out = run(&["lint", "--at", AT, "--format", format, &fixture(name)]);
            let human = run(&["lint", "--at", AT, &fixture(name)]);
            assert_eq!(code(&out), code(&human), "{name} {format}: same verdict");
            insta::assert_snapshot!(format!("{stem}.{format}"), stdout(&out));
        }
    }
}

#[test]
fn junit_report_of_a_tenant_list() {
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "junit",
        &fixture("tenant-list.json"),
    ]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("tenant-list.junit", stdout(&out));
}

/// The expected verdict of each fixture that exists to show one misconfiguration.
#[test]
fn each_misconfiguration_fails_or_warns_its_own_check() {
    let cases: &[(&str, &str, &str)] = &[
        ("good-multitenant.json", "", ""),
        ("good-personal-accounts.json", "", ""),
        ("legacy-manifest.json", "", ""),
        ("single-tenant.json", "tenancy.multitenant", "fail"),
        ("personal-only.json", "tenancy.multitenant", "fail"),
        ("personal-v1-tokens.json", "tenancy.token-version", "fail"),
        ("redirect-trailing-slash.json", "redirect.ngrok", "fail"),
        ("redirect-http.json", "redirect.ngrok", "fail"),
        ("redirect-path-case.json", "redirect.ngrok", "fail"),
        ("redirect-other-host.json", "redirect.ngrok", "fail"),
        ("redirect-spa.json", "redirect.ngrok", "fail"),
        ("redirect-mobile-desktop.json", "redirect.ngrok", "fail"),
        ("no-user-read.json", "scopes.user-read", "fail"),
        ("user-read-app-role.json", "scopes.user-read", "fail"),
        ("user-read-all.json", "scopes.admin-consent", "warn"),
        ("admin-consent-scope.json", "scopes.admin-consent", "warn"),
        ("no-secret.json", "secret.present", "fail"),
        ("expired-secret.json", "secret.present", "fail"),
        ("expiring-secret.json", "secret.present", "warn"),
        ("implicit-on.json", "implicit.disabled", "warn"),
    ];
    for (name, id, status) in cases {
        let out = run(&["lint", "--at", AT, "--format", "json", &fixture(name)]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let checks = v["reports"][0]["checks"].as_array().unwrap();
        let not_pass: Vec<(String, String)> = checks
            .iter()
            .filter(|c| c["status"] != "pass")
            .map(|c| {
                (
                    c["id"].as_str().unwrap().into(),
                    c["status"].as_str().unwrap().into(),
                )
            })
            .collect();
        if id.is_empty() {
            assert!(not_pass.is_empty(), "{name}: {not_pass:?}");
            assert_eq!(code(&out), 0, "{name}");
        } else {
            assert_eq!(
                not_pass,
                vec![(id.to_string(), status.to_string())],
                "{name}"
            );
            assert_eq!(code(&out), if *status == "fail" { 1 } else { 0 }, "{name}");
        }
    }
}

#[test]
fn user_read_all_passes_user_read_as_a_superset() {
    let out = common::lint_json(&["user-read-all.json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let user_read = common::check_of(&v["reports"][0], "scopes.user-read");
    assert_eq!(user_read["status"], "pass");
    assert!(user_read["title"].as_str().unwrap().contains("superset"));
}

#[test]
fn strict_turns_warnings_into_exit_1() {
    let f = fixture("implicit-on.json");
    assert_eq!(code(&run(&["lint", "--at", AT, &f])), 0);
    assert_eq!(code(&run(&["lint", "--at", AT, "--strict", &f])), 1);
    let junit = run(&["lint", "--at", AT, "--strict", "--format", "junit", &f]);
    assert!(stdout(&junit).contains(r#"<failure message="implicit grant is on"#));
}

#[test]
fn at_moves_the_clock_for_secret_expiry() {
    let f = fixture("good-multitenant.json");
    assert_eq!(code(&run(&["lint", "--at", "2026-12-01T00:00:00Z", &f])), 0);
    let soon = run(&["lint", "--at", "2028-05-20T00:00:00Z", &f]);
    assert_eq!(code(&soon), 0);
    assert!(
        stdout(&soon).contains("WARN secret.present"),
        "{}",
        stdout(&soon)
    );
    let after = run(&["lint", "--at", "2028-06-02T00:00:00+02:00", &f]);
    assert_eq!(code(&after), 1);
    assert!(stdout(&after).contains("every client secret has expired"));
    let days = run(&[
        "lint",
        "--at",
        "2028-05-20T00:00:00Z",
        "--secret-min-days",
        "5",
        &f,
    ]);
    assert!(stdout(&days).contains("PASS secret.present"));
    let bad = run(&["lint", "--at", "next tuesday", &f]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("--at"));
}

#[test]
fn many_files_and_stdin_make_one_report() {
    let good = std::fs::read(common::root().join(fixture("good-multitenant.json"))).unwrap();
    let out = run_with_stdin(
        &[
            "lint",
            "--at",
            AT,
            "--format",
            "json",
            "-",
            &fixture("graph-list.json"),
        ],
        Some(&good),
    );
    assert_eq!(code(&out), 0, "warnings only: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["schema"], "oauth-preflight/report/v1");
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[0]["target"]["source"], "<stdin>");
    assert_eq!(reports[1]["target"]["shape"], "graph-application");
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "junit",
        "--output",
        path.to_str().unwrap(),
        &fixture("single-tenant.json"),
    ]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).is_empty());
    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(xml.contains(r#"<testcase classname="oauth-preflight.lint.00000003-1111-4000-8000-000000000003" name="tenancy.multitenant"><failure"#));
    let unwritable = run(&[
        "lint",
        "--output",
        "/nonexistent-dir/r.json",
        &fixture("single-tenant.json"),
    ]);
    assert_eq!(code(&unwritable), 2);
    assert!(stderr(&unwritable).contains("/nonexistent-dir/r.json"));
}

#[test]
fn secrets_never_appear_in_any_output() {
    let secrets = fixture_secret_values();
    for format in ["human", "json", "junit"] {
        for name in fixture_names() {
            let out = run(&[
                "lint",
                "-v",
                "--at",
                AT,
                "--format",
                format,
                &fixture(&name),
            ]);
            let all = format!("{}{}", stdout(&out), stderr(&out));
            for s in &secrets {
                assert!(
                    !all.contains(s.as_str()),
                    "{name} {format} printed a secret"
                );
            }
        }
    }
}

/// One clear line on stderr, exit 2, never a panic, and the file named.
fn assert_input_error(args: &[&str], stdin: Option<&[u8]>, names: &str, says: &str) {
    let out = run_with_stdin(args, stdin);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{args:?}: {err}");
    assert!(stdout(&out).is_empty(), "{args:?}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(names), "{args:?}: names {names}: {err}");
    assert!(err.contains(says), "{args:?}: says {says}: {err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_input_is_exit_2_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let empty = write("empty.json", b"");
    assert_input_error(&["lint", &empty], None, "empty.json", "empty");
    let html = write(
        "page.json",
        b"<!DOCTYPE html><html><body>Sign in</body></html>",
    );
    assert_input_error(&["lint", &html], None, "page.json", "not JSON");
    let truncated = write(
        "truncated.json",
        br#"{"appId": "00000001-1111-4000-8000-000000000001", "web": {"redirectUris": ["#,
    );
    assert_input_error(
        &["lint", &truncated],
        None,
        "truncated.json",
        "ends before it is complete (a truncated file?)",
    );
    assert!(
        !stderr(&run(&["lint", &truncated])).contains("$.?"),
        "no path serde never reached"
    );
    let other = write(
        "policy.json",
        br#"{"on_http_request": [{"actions": [{"type": "oauth"}]}]}"#,
    );
    assert_input_error(
        &["lint", &other],
        None,
        "policy.json",
        "not an app registration at $",
    );
    let wrong_type = write(
        "types.json",
        br#"{"appId": "x", "web": {"redirectUris": "https://idp.ngrok.com/oauth2/callback"}}"#,
    );
    assert_input_error(
        &["lint", &wrong_type],
        None,
        "types.json",
        "$.web.redirectUris",
    );
    let bad_date = write(
        "date.json",
        br#"[{"appId":"x"},{"appId":"y","passwordCredentials":[{"endDateTime":"tomorrow"}]}]"#,
    );
    assert_input_error(
        &["lint", &bad_date],
        None,
        "date.json",
        "bad date at $[1].passwordCredentials[0].endDateTime: \"tomorrow\" is not an RFC 3339 date",
    );
    let nested = write("deep.json", "[".repeat(100_000).as_bytes());
    assert_input_error(&["lint", &nested], None, "deep.json", "recursion limit");
    assert_input_error(
        &["lint", "fixtures/apps/does-not-exist.json"],
        None,
        "does-not-exist.json",
        "no such file",
    );
    // A directory: its *.json files (fixtures/ has none at its top, only apps/).
    assert_input_error(&["lint", "fixtures"], None, "fixtures", "no *.json file");
    assert_input_error(&["lint", "-"], Some(b"not json"), "<stdin>", "not JSON");
    assert_input_error(
        &["lint", "-"],
        Some(b"[]"),
        "<stdin>",
        "no app registrations",
    );
}

#[test]
fn a_100_mb_file_is_refused_quickly_and_a_huge_one_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    // 100 MB of JSON that is not registrations: the parser stops at the first element.
    let big = dir.path().join("numbers.json");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    f.write_all(b"[").unwrap();
    let chunk = "1234567,".repeat(1 << 17);
    for _ in 0..100 {
        f.write_all(chunk.as_bytes()).unwrap();
    }
    f.write_all(b"1]").unwrap();
    drop(f);
    assert!(std::fs::metadata(&big).unwrap().len() > 100_000_000);
    assert_input_error(
        &["lint", big.to_str().unwrap()],
        None,
        "numbers.json",
        "$[0]",
    );
    // Over the limit: refused from its size alone (a sparse file, nothing written to disk).
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    assert_input_error(
        &["lint", huge.to_str().unwrap()],
        None,
        "huge.json",
        "larger than 256 MiB",
    );
}

#[test]
fn usage_errors_are_exit_2() {
    let out = run(&["lint"]);
    assert_eq!(code(&out), 2);
    // --emulator gives the authority, Graph and CA (one EndpointArgs for every command): it
    // cannot be combined with any of them.
    for (flag, value) in [
        ("--authority", "https://login.example"),
        ("--graph", "https://graph.example"),
        ("--ca-cert", "ca.pem"),
    ] {
        let out = run(&[
            "probe",
            "--client-id",
            "00000001-1111-4000-8000-000000000001",
            "--emulator",
            "ready.json",
            flag,
            value,
        ]);
        common::assert_exit(&out, 2, "--emulator");
    }
    let out = run(&[
        "lint",
        "--format",
        "yaml",
        &fixture("good-multitenant.json"),
    ]);
    assert_eq!(code(&out), 2);
    let out = run(&["frobnicate"]);
    assert_eq!(code(&out), 2);
}

/// Colour on a terminal, none when piped, none with NO_COLOR (DESIGN.md §3). The terminal is a
/// real pseudo-terminal (`script`), so the test can fail both ways.
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let piped = run(&["lint", "--at", AT, &fixture("single-tenant.json")]);
    assert!(!stdout(&piped).contains('\x1b'));
    let bin = env!("CARGO_BIN_EXE_oauth-preflight");
    let on_tty = |no_color: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.args([
            "-qec",
            &format!(
                "{bin} lint --at {AT} {}",
                common::root().join(fixture("single-tenant.json")).display()
            ),
            "/dev/null",
        ])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd
            .output()
            .expect("script(1) runs the command on a pseudo-terminal");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_tty(false);
    assert!(coloured.contains("FAIL"), "{coloured}");
    assert!(
        coloured.contains('\x1b'),
        "a terminal gets colour: {coloured:?}"
    );
    let plain = on_tty(true);
    assert!(plain.contains("FAIL"), "{plain}");
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
}

#[test]
fn an_ngrok_policy_is_checked_against_the_app_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let reg = common::app("good-multitenant.json");
    let policy = |secret: &str| {
        let p = dir.path().join("policy.yml");
        std::fs::write(
            &p,
            format!(
                "on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: microsoft\n          client_id: {}\n          client_secret: '{secret}'\n",
                reg.app_id.as_deref().unwrap()
            ),
        )
        .unwrap();
        p.to_str().unwrap().to_owned()
    };
    let files = [
        fixture("good-multitenant.json"),
        fixture("single-tenant.json"),
    ];
    let good = policy(&common::secret(&reg));
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "json",
        "--ngrok-policy",
        &good,
        &files[0],
        &files[1],
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids = |r: &serde_json::Value| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_owned(),
                    c["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let first = ids(&v["reports"][0]);
    assert!(
        first.contains(&("ngrok.policy".into(), "pass".into())),
        "{first:?}"
    );
    // The policy's secret matches a live secret's 3-character hint: it was not tried, so it is
    // not a pass (DESIGN.md §8.1).
    assert!(
        first.contains(&("secret.valid".into(), "skip".into())),
        "{first:?}"
    );
    assert!(
        !ids(&v["reports"][1])
            .iter()
            .any(|(id, _)| id == "ngrok.policy"),
        "only the app it names"
    );
    let key_id = reg.password_credentials[0].key_id.clone().unwrap();
    let pasted_id = policy(&key_id);
    let out = run(&["lint", "--at", AT, "--ngrok-policy", &pasted_id, &files[0]]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("FAIL secret.valid"),
        "{}",
        stdout(&out)
    );
    // A policy naming another app is a configuration mistake: a finding, the report written
    // (DESIGN.md §9.1), not a usage error.
    let other = run(&[
        "lint",
        "--format",
        "json",
        "--ngrok-policy",
        &good,
        &files[1],
    ]);
    assert_eq!(code(&other), 1, "{}", stderr(&other));
    let v: serde_json::Value = serde_json::from_str(&stdout(&other)).unwrap();
    let f = common::check_of(&v["reports"][0], "ngrok.policy");
    assert_eq!(f["status"], "fail", "{f}");
    assert!(f["title"].as_str().unwrap().contains("another app"), "{f}");
}

/// Regression: progress and errors went through eprintln!, which panics when stderr is closed.
#[test]
fn a_closed_stderr_is_not_a_panic() {
    // A pipe whose reading end is gone before the child starts: every write to it fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
        .args(["lint", "fixtures/apps/does-not-exist.json"])
        .current_dir(common::root())
        .stdout(std::process::Stdio::null())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2), "exit 2, not a panic's 101");
}

/// `lint DIR` lints the `*.json` files in it, in name order.
#[test]
fn a_directory_is_its_json_files() {
    let out = run(&["lint", "--at", AT, "--format", "json", "fixtures/apps"]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let sources: Vec<&str> = v["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["target"]["source"].as_str().unwrap())
        .collect();
    // sp-only.json is the good app's service principal: read together, it joins its application.
    let mut files: Vec<String> = fixture_names()
        .into_iter()
        .filter(|n| n != "sp-only.json")
        .map(|n| format!("fixtures/apps/{n}"))
        .collect();
    files.sort();
    let mut seen: Vec<&str> = sources.clone();
    seen.dedup();
    assert_eq!(seen, files);
    let good = v["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"]["source"] == "fixtures/apps/good-multitenant.json")
        .unwrap();
    let ids: Vec<&str> = good["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"sp.enabled") && ids.contains(&"sp.assignment"),
        "{ids:?}"
    );
}
