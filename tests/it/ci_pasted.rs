//! Issue 17, "CI as pasted" (DESIGN.md §9.2): each test pins one way the CI path failed a user
//! who copied it as documented.

use crate::common;

use common::{background, cli, code, stderr, stdout};

/// A registration made exactly as ngrok's guide says (only ngrok's Web redirect URI, no local
/// callback) passed lint but failed `probe` with `redirect.local` AADSTS50011: probe asked for
/// `run`'s local callback. probe follows no redirect, so it now sends ngrok's.
#[test]
fn a_registration_made_as_ngroks_guide_says_passes_probe() {
    let reg = common::app("guide-exact.json");
    let bg = background(vec![reg.clone()], &[]);
    let secret = common::secret(&reg);
    let target = bg.target();
    let mut args = vec![
        "probe",
        "--client-id",
        reg.app_id.as_deref().unwrap(),
        "--tenant",
        "contoso.example",
        "--app",
        "fixtures/apps/guide-exact.json",
        "--format",
        "json",
    ];
    args.extend(target.iter().map(String::as_str));
    let out = cli(&args, &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &secret)], None);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let report = &v["reports"][0];
    assert_eq!(report["summary"]["fail"], 0, "{report}");
    let local = common::check_of(report, "redirect.local");
    assert_eq!(local["status"], "skip", "{local}");
    assert!(
        local["title"]
            .as_str()
            .unwrap()
            .contains("needs no local callback"),
        "{local}"
    );
    for id in ["redirect.ngrok", "secret.valid", "graph.me"] {
        assert_eq!(common::check_of(report, id)["status"], "pass", "{id}");
    }

    // A loopback redirect asked for explicitly is still judged, and fails for this app.
    args.extend(["--redirect-uri", common::LOCAL]);
    let out = cli(&args, &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &secret)], None);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let local = common::check_of(&v["reports"][0], "redirect.local");
    assert_eq!(local["status"], "fail", "{local}");
}

/// The runner's unescaping of a workflow command's message (NGROK.md §6.2): `%25` last.
fn unescape_data(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

/// `--format github` and the Markdown summary said "remove the misplaced or mistyped entries
/// named above" and named nothing: they carried the title and the fix, not the evidence.
#[test]
fn github_annotations_and_the_markdown_summary_carry_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    // A near miss whose evidence holds what must be escaped: `%`, `|`, a line break.
    let odd = dir.path().join("odd.json");
    std::fs::write(
        &odd,
        serde_json::json!({
            "appId": "0000001b-1111-4000-8000-00000000001b",
            "displayName": "odd",
            "signInAudience": "AzureADMultipleOrgs",
            "web": {"redirectUris": ["https://idp.ngrok.com/oauth2/callback/|100%\nx"],
                    "implicitGrantSettings": {}},
            "requiredResourceAccess": [],
            "passwordCredentials": [],
        })
        .to_string(),
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    for file in [
        common::fixture("redirect-trailing-slash.json"),
        odd.to_str().unwrap().to_owned(),
    ] {
        let json = common::run(&["lint", "--at", common::AT, "--format", "json", &file]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
        let failing: Vec<&serde_json::Value> = v["reports"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .collect();
        assert!(!failing.is_empty());
        let out = cli(
            &["lint", "--at", common::AT, "--format", "github", &file],
            &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
            None,
        );
        assert_eq!(code(&out), 1);
        let text = stdout(&out);
        let markdown = std::fs::read_to_string(&summary).unwrap();
        for c in failing {
            let id = c["id"].as_str().unwrap();
            let evidence = c["evidence"].as_str().unwrap().trim_end_matches('.');
            let line = text
                .lines()
                .find(|l| l.contains(&format!("title={id}::")))
                .unwrap_or_else(|| panic!("no annotation for {id}: {text}"));
            let message = unescape_data(line.split_once("::").unwrap().1);
            let message = message.split_once("::").unwrap().1;
            let at = message
                .find(&format!("Evidence: {evidence}"))
                .unwrap_or_else(|| panic!("{id}: {evidence:?} not in {message:?}"));
            if let Some(fix) = message.find(". Fix: ") {
                assert!(at < fix, "the evidence comes before the fix: {message}");
            }
            // The row of the check carries the evidence, escaped as Markdown needs (the exact
            // escaping is report::markdown's, tested there and through a GFM renderer): every
            // word of it, in order.
            let words: Vec<&str> = evidence
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 3)
                .collect();
            let carries = |row: &str| {
                let mut rest = row;
                words.iter().all(|w| match rest.find(w) {
                    Some(at) => {
                        rest = &rest[at + w.len()..];
                        true
                    }
                    None => false,
                })
            };
            assert!(
                markdown
                    .lines()
                    .any(|l| l.starts_with('|') && l.contains(id) && carries(l)),
                "{id}: {evidence:?} not in {markdown}"
            );
        }
        assert!(
            markdown.contains("| check | status | finding | evidence | fix |"),
            "{markdown}"
        );
    }
}

/// `--baseline` printed "1 fail" and exited 0, and no line said why: the failure was
/// unchanged since the baseline. Now the last line says so (human, markdown, the notice).
#[test]
fn a_baseline_that_holds_every_failure_says_so_last() {
    let dir = tempfile::tempdir().unwrap();
    let good =
        std::fs::read_to_string(common::root().join(common::fixture("good-multitenant.json")))
            .unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        good.replacen(
            "\"https://idp.ngrok.com/oauth2/callback\"",
            "\"https://idp.ngrok.com/oauth2/callback/\"",
            1,
        ),
    )
    .unwrap();
    let (broken, base) = (
        broken.to_str().unwrap().to_owned(),
        dir.path().join("base.json").to_str().unwrap().to_owned(),
    );
    let first = common::run(&[
        "lint",
        "--at",
        common::AT,
        "--report",
        &format!("json={base}"),
        &broken,
    ]);
    assert_eq!(code(&first), 1);
    let said = "1 failing check unchanged since the baseline (redirect.ngrok)";
    for format in ["human", "markdown", "github"] {
        let out = common::run(&[
            "lint",
            "--at",
            common::AT,
            "--baseline",
            &base,
            "--format",
            format,
            &broken,
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
        assert!(last.contains(said), "{format}: {text}");
    }
    // Without the baseline, or with a regression, no such line.
    let plain = common::run(&["lint", "--at", common::AT, &broken]);
    assert!(!stdout(&plain).contains("unchanged since the baseline"));
    let good_file = common::fixture("good-multitenant.json");
    let good_base = dir.path().join("good.json").to_str().unwrap().to_owned();
    common::run(&[
        "lint",
        "--at",
        common::AT,
        "--report",
        &format!("json={good_base}"),
        &good_file,
    ]);
    let regressed = common::run(&[
        "lint",
        "--at",
        common::AT,
        "--baseline",
        &good_base,
        &broken,
    ]);
    assert_eq!(code(&regressed), 1);
    assert!(!stdout(&regressed).contains("unchanged since the baseline"));
}

/// `emulate` started with `args` (and `env`), once its ready file is written; killed on drop.
struct Emulate {
    child: std::process::Child,
    ready: std::path::PathBuf,
}

impl Emulate {
    fn start(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let ready = dir.join("ready.json");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-preflight"));
        cmd.arg("emulate")
            .args(["--ready-file", ready.to_str().unwrap()])
            .args(args)
            .current_dir(common::root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        for _ in 0..400 {
            if ready.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        assert!(ready.exists(), "emulate did not get ready");
        Self { child, ready }
    }

    /// Stops it (SIGTERM) and returns what it said on standard error.
    fn stop(mut self) -> String {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let mut err = String::new();
        use std::io::Read;
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let _ = self.child.wait();
        err
    }
}

/// `emulate --app` on `az ad app show` output (no `x-emulator`) refused every secret with
/// AADSTS7000215 and said nothing. It now says at start which apps no secret can get through,
/// and `--app-secret CLIENT_ID=ENVVAR` gives it the Value, bound to the secret its hint names.
#[test]
fn the_emulator_takes_a_real_exports_secret_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mut export: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join(common::fixture("guide-exact.json"))).unwrap(),
    )
    .unwrap();
    export.as_object_mut().unwrap().remove("x-emulator");
    let file = dir.path().join("export.json");
    std::fs::write(&file, export.to_string()).unwrap();
    let file = file.to_str().unwrap();
    let reg = common::app("guide-exact.json");
    let (id, secret) = (reg.app_id.clone().unwrap(), common::secret(&reg));
    let probe = |ready: &std::path::Path, value: &str| {
        cli(
            &["probe", "--client-id", &id, "--format", "json"],
            &[
                ("OAUTH_PREFLIGHT_CLIENT_SECRET", value),
                ("OAUTH_PREFLIGHT_EMULATOR", ready.to_str().unwrap()),
            ],
            None,
        )
    };
    let secret_valid = |out: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
        common::check_of(&v["reports"][0], "secret.valid").clone()
    };

    // Without a Value: said at start, and the secret is refused.
    let emu = Emulate::start(dir.path(), &["--app", file], &[]);
    let out = probe(&emu.ready, &secret);
    assert_eq!(code(&out), 1);
    assert!(
        secret_valid(&out)["title"]
            .as_str()
            .unwrap()
            .contains("7000215")
    );
    let said = emu.stop();
    assert!(
        said.contains(&format!(
            "no secret is accepted for ngrok login (as ngrok's guide says) ({id})"
        )) && said.contains(&format!("--app-secret {id}=ENVVAR")),
        "{said}"
    );

    // With it: accepted, and the Value is shown nowhere.
    let emu = Emulate::start(
        dir.path(),
        &["--app", file, "--app-secret", &format!("{id}=GUIDE_SECRET")],
        &[("GUIDE_SECRET", &secret)],
    );
    let good = probe(&emu.ready, &secret);
    assert_eq!(code(&good), 0, "{}{}", stdout(&good), stderr(&good));
    assert_eq!(secret_valid(&good)["status"], "pass");
    let wrong = probe(&emu.ready, "G7u8Q~another-value-of-the-same-length-xx");
    assert_eq!(code(&wrong), 1);
    let said = emu.stop();
    assert!(!said.contains("no secret is accepted"), "{said}");
    assert!(!said.contains(&secret));

    // Bound to the newest secret its hint names: an expired one is refused as expired.
    let mut expired = export.clone();
    expired["passwordCredentials"][0]["endDateTime"] = "2025-01-01T00:00:00Z".into();
    std::fs::write(dir.path().join("expired.json"), expired.to_string()).unwrap();
    let emu = Emulate::start(
        dir.path(),
        &[
            "--app",
            dir.path().join("expired.json").to_str().unwrap(),
            "--app-secret",
            &format!("{id}=GUIDE_SECRET"),
        ],
        &[("GUIDE_SECRET", &secret)],
    );
    let out = probe(&emu.ready, &secret);
    assert_eq!(code(&out), 1);
    assert!(
        secret_valid(&out)["title"]
            .as_str()
            .unwrap()
            .contains("7000222")
    );
    assert!(emu.stop().contains("expired"));

    // Mistakes are usage errors that name the variable, never a value.
    for (spec, env, says) in [
        (
            format!("{id}=UNSET_VAR_FOR_TEST"),
            vec![],
            "UNSET_VAR_FOR_TEST is not set",
        ),
        (
            "not-a-guid=GUIDE_SECRET".to_owned(),
            vec![("GUIDE_SECRET", secret.as_str())],
            "not a GUID",
        ),
        (id.clone(), vec![], "CLIENT_ID=ENVVAR"),
        (
            "00000000-1111-4000-8000-000000000000=GUIDE_SECRET".to_owned(),
            vec![("GUIDE_SECRET", secret.as_str())],
            "no app served has that appId",
        ),
    ] {
        let out = cli(
            &["emulate", "--app", file, "--app-secret", &spec],
            &env,
            None,
        );
        common::assert_exit(&out, 2, says);
        assert!(!stderr(&out).contains(&secret));
    }
}

/// The README's completion and man page lines failed on a fresh account (the directories did
/// not exist). They run here as written, in an empty home (zsh's `$fpath` aside).
#[test]
fn the_readmes_completion_lines_work_on_a_fresh_account() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .find(|b| b.contains("completions bash"))
        .and_then(|b| b.split("```").next())
        .unwrap();
    let script: Vec<&str> = block.lines().filter(|l| !l.contains("fpath")).collect();
    let home = tempfile::tempdir().unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_oauth-preflight"))
        .parent()
        .unwrap();
    let out = std::process::Command::new("bash")
        .args([
            "-e",
            "-c",
            &script.join("\n").replace("&& man oauth-preflight", ""),
        ])
        .env("HOME", home.path())
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        ".local/share/bash-completion/completions/oauth-preflight",
        ".config/fish/completions/oauth-preflight.fish",
        ".local/share/man/man1/oauth-preflight.1",
    ] {
        let text = std::fs::read_to_string(home.path().join(file)).unwrap();
        assert!(text.contains("lint"), "{file}");
    }
}

/// The man page cited oauth-preflight-lint(1) and the like, which nothing produces. It is one
/// page now, with every command's flags, and cites none.
#[test]
fn the_man_page_cites_no_page_and_holds_every_command() {
    let out = common::run(&["manpage"]);
    assert_eq!(code(&out), 0);
    let man = stdout(&out);
    assert!(!man.contains("(1)"), "cites a page: {man}");
    for cmd in [
        "lint",
        "emulate",
        "run",
        "probe",
        "demo",
        "explain",
        "completions",
        "manpage",
    ] {
        assert!(
            man.contains(&format!(".SS \"oauth\\-preflight {cmd}\"")),
            "{cmd}"
        );
    }
    for flag in [
        "app\\-secret",
        "redirect\\-uri",
        "ngrok\\-policy",
        "baseline",
    ] {
        assert!(man.contains(&format!("\\-\\-{flag}")), "{flag}");
    }
    assert_eq!(man.matches(".ds Aq").count(), 2, "one preamble");
}

/// `explain --help` said "human or json" and listed five formats; `emulate --help` left out
/// `graph-echoes-token`; `--ngrok-policy DIR` said "Is a directory (os error 21)".
#[test]
fn help_lists_what_is_taken_and_a_directory_is_named_as_such() {
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let help = stdout(&common::run(&["explain", "--help"]));
    assert!(
        flat(&help).contains("[possible values: human, json]"),
        "{help}"
    );
    assert!(
        !help.contains("junit:") && !help.contains("github:"),
        "{help}"
    );

    for (short, long) in [("-h", false), ("--help", true)] {
        let help = stdout(&common::run(&["emulate", short]));
        for f in oauth_preflight::emulator::Fault::ALL {
            assert!(help.contains(f.name()), "{short} lacks {}", f.name());
            if long {
                assert!(flat(&help).contains(&f.doc()[..20]), "{}", f.name());
            }
        }
    }

    let app = common::fixture("good-multitenant.json");
    for args in [
        vec!["lint", "--ngrok-policy", "fixtures/policies", app.as_str()],
        vec![
            "probe",
            "--client-id",
            "00000001-1111-4000-8000-000000000001",
            "--ngrok-policy",
            "fixtures/policies",
        ],
    ] {
        let out = common::run(&args);
        common::assert_exit(
            &out,
            2,
            "--ngrok-policy fixtures/policies: is a directory; a file is expected",
        );
        assert!(!stderr(&out).contains("os error"), "{}", stderr(&out));
    }
}
