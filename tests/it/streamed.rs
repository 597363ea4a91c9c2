//! Reports written target by target (issue 18, item 5): every format of several targets, byte
//! for byte (the snapshots were taken from the whole-report renderers the streaming ones
//! replaced; one difference is accepted: the human format's id column is as wide as the longest
//! id of its own target, as the widest of all is known only at the end, which changes the
//! padding of a target whose checks differ, e.g. a service principal alone), with a baseline and
//! `--strict`, GitHub's annotation limit, the step summary, and each `--report` file equal to
//! its format on standard output.

use crate::common;

use common::{AT, code, fixture, run, stderr, stdout};
use std::path::{Path, PathBuf};

const FORMATS: [&str; 6] = ["human", "json", "junit", "github", "markdown", "html"];

/// Byte-exact, but for what changes from run to run and from build to build.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({filters => vec![
        (r"(?s)<style>.*?</style>", "<style>[style]</style>"),
        (r"oauth-preflight \d+\.\d+\.\d+[^ <]*", "oauth-preflight [version]"),
        (r#""version":"[^"]*""#, r#""version":"[version]""#),
        (r"generated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "generated [time]"),
        (r#""generated_at":"[^"]*""#, r#""generated_at":"[time]""#),
    ]}, {
        insta::assert_snapshot!(name, text);
    });
}

/// Targets of every shape: a tenant list, a service principal alone, a good app named by an
/// ngrok action, and an action naming no app (a target of its own, among many apps). The files
/// made here are in `dir`, shown as `[dir]` ([`shown`]).
fn several(dir: &Path) -> Vec<String> {
    let policy = dir.join("policy.yml");
    std::fs::write(
        &policy,
        r#"on_http_request:
  - actions:
      - type: oauth
        config: { provider: microsoft, client_id: "00000001-1111-4000-8000-000000000001", client_secret: "Q1x8Q~ngrok.preflight-test-secret-value-01", scopes: [openid, profile, email, User.Read] }
  - actions:
      - type: oauth
        config: { provider: microsoft }
"#,
    )
    .unwrap();
    let sp = dir.join("sp-alone.json");
    let text = std::fs::read_to_string(common::root().join(fixture("sp-only.json"))).unwrap();
    std::fs::write(&sp, text.replace("00000001-1111", "00000099-1111")).unwrap();
    vec![
        "--ngrok-policy".into(),
        policy.to_str().unwrap().into(),
        fixture("tenant-list.json"),
        sp.to_str().unwrap().into(),
        fixture("good-multitenant.json"),
    ]
}

/// `out`'s standard output, with `dir` shown as `[dir]`.
fn shown(out: &std::process::Output, dir: &Path) -> String {
    stdout(out).replace(dir.to_str().unwrap(), "[dir]")
}

fn lint(format: &str, extra: &[String]) -> std::process::Output {
    lint_at(AT, format, extra)
}

/// `lint` as if now were `at`.
fn lint_at(at: &str, format: &str, extra: &[String]) -> std::process::Output {
    let mut args = vec!["lint", "--at", at, "--format", format];
    args.extend(extra.iter().map(String::as_str));
    run(&args)
}

#[test]
fn every_format_of_several_targets_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let files = several(dir.path());
    let human = lint("human", &files);
    assert_eq!(code(&human), 1, "{}", stderr(&human));
    for format in FORMATS {
        let out = lint(format, &files);
        assert_eq!(code(&out), code(&human), "{format}: the same verdict");
        snapshot(&format!("several.{format}"), &shown(&out, dir.path()));
    }
}

/// An earlier JSON report of `files` (two months before [`AT`]), in `dir`.
fn baseline(dir: &Path, files: &[String]) -> PathBuf {
    let path = dir.join("baseline.json");
    let mut args = vec!["--output".to_owned(), path.to_str().unwrap().to_owned()];
    args.extend(files.iter().cloned());
    let out = lint_at("2026-10-01T00:00:00Z", "json", &args);
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    path
}

/// Against a baseline: regressions (a secret ending soon, a new failing app), unchanged checks,
/// `--strict`.
#[test]
fn every_format_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    // A secret that was far from its end two months ago and ends within 30 days now: regressed.
    let mut then = several(dir.path());
    then.push(fixture("expiring-secret.json"));
    let before = baseline(dir.path(), &then);
    let mut files = vec![
        "--baseline".to_owned(),
        before.to_str().unwrap().to_owned(),
        "--strict".to_owned(),
    ];
    files.extend(then);
    files.push(fixture("redirect-trailing-slash.json"));
    for format in FORMATS {
        let out = lint(format, &files);
        assert_eq!(code(&out), 1, "{format}: a regression fails");
        snapshot(&format!("baseline.{format}"), &shown(&out, dir.path()));
    }
}

/// Every failing check unchanged since the baseline: exit 0, and the line that says why.
#[test]
fn every_format_when_every_failure_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![fixture("tenant-list.json"), fixture("single-tenant.json")];
    let before = baseline(dir.path(), &files);
    let mut args = vec!["--baseline".to_owned(), before.to_str().unwrap().to_owned()];
    args.extend(files);
    for format in FORMATS {
        let out = lint(format, &args);
        assert_eq!(code(&out), 0, "{format}: nothing regressed");
        snapshot(&format!("unchanged.{format}"), &stdout(&out));
    }
}

/// Past 10 annotations of a type, the 10th says how many more there are; exactly 10 are all
/// shown.
#[test]
fn github_annotations_past_the_limit() {
    let many = common::failing_apps(12, true);
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "github",
        many.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out).replace(many.path().to_str().unwrap(), "[file]");
    snapshot("github-past-the-limit", &text);
    let ten = common::failing_apps(10, true);
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "github",
        ten.path().to_str().unwrap(),
    ]);
    let text = stdout(&out).replace(ten.path().to_str().unwrap(), "[file]");
    snapshot("github-ten-warnings", &text);
}

/// The step summary of several targets, with a baseline, appended whatever the format.
#[test]
fn the_step_summary_of_several_targets() {
    let dir = tempfile::tempdir().unwrap();
    let before = baseline(dir.path(), &several(dir.path()));
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let mut args = vec!["lint", "--at", AT, "--baseline", before.to_str().unwrap()];
    let files = several(dir.path());
    args.extend(files.iter().map(String::as_str));
    args.push("fixtures/apps/redirect-trailing-slash.json");
    let out = common::cli(
        &args,
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = std::fs::read_to_string(&summary).unwrap();
    snapshot(
        "step-summary",
        &text.replace(dir.path().to_str().unwrap(), "[dir]"),
    );
}

/// Each `--report FORMAT=PATH` of one run holds what `--format FORMAT` prints.
#[test]
fn every_report_file_is_its_format_on_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "--output".to_owned(),
        dir.path().join("out.txt").to_str().unwrap().to_owned(),
    ];
    for format in FORMATS {
        args.push("--report".into());
        args.push(format!(
            "{format}={}",
            dir.path().join(format!("r.{format}")).display()
        ));
    }
    let files = several(dir.path());
    args.extend(files.iter().cloned());
    let out = lint("github", &args);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    for format in FORMATS {
        let file = std::fs::read_to_string(dir.path().join(format!("r.{format}"))).unwrap();
        let printed = stdout(&lint(format, &files));
        assert_eq!(untimed(&file), untimed(&printed), "{format}");
    }
    let github = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert_eq!(github, stdout(&lint("github", &files)));
}

/// `text` with every RFC 3339 time of the second (`2026-05-01T10:20:30Z`) masked: the two runs
/// compared were not made in the same second.
fn untimed(text: &str) -> String {
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut bytes = text.as_bytes().to_vec();
    let mut i = 0;
    while i + shape.len() <= bytes.len() {
        let fits = bytes[i..i + shape.len()].iter().zip(shape).all(|(b, s)| {
            if *s == b'd' {
                b.is_ascii_digit()
            } else {
                b == s
            }
        });
        if fits {
            bytes[i..i + shape.len()].fill(b'T');
            i += shape.len();
        } else {
            i += 1;
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// A step summary past 1000 KiB is cut there, on a character's boundary, and says so; its
/// totals are those of every target.
#[test]
fn a_step_summary_past_what_github_shows_is_cut() {
    let apps = common::failing_apps(1500, true);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = common::cli(
        &[
            "lint",
            "--at",
            AT,
            "--output",
            "/dev/null",
            apps.path().to_str().unwrap(),
        ],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = std::fs::read_to_string(&summary).expect("UTF-8");
    let note = "\n\n(cut at 1000 KiB: GitHub shows no more; see the JSON report)\n";
    assert!(text.ends_with(note), "{}", &text[text.len() - 200..]);
    let kept = text.len() - note.len();
    assert!(kept <= 1000 * 1024 && kept > 1000 * 1024 - 4, "{kept}");
    assert!(
        text.starts_with(
            "## oauth-preflight\n\n1500 target(s): **6000 fail**, 1500 warn, 4500 pass, 0 skip\n"
        ),
        "{}",
        &text[..200]
    );
}

/// A writer that keeps what it is given, for the test to read while the run goes on.
#[derive(Clone, Default)]
struct Recorder(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Recorder {
    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

/// The validated configuration of `oauth-preflight lint ARGS...`.
fn lint_config(args: &[&str]) -> oauth_preflight::config::LintConfig {
    use clap::Parser;
    use oauth_preflight::cli::{Cli, Command};
    let cli = Cli::try_parse_from(["oauth-preflight", "lint"].iter().chain(args)).unwrap();
    let Command::Lint(lint) = &cli.command else {
        unreachable!("lint")
    };
    oauth_preflight::config::lint(lint).unwrap()
}

/// Regression (issue 18, item 5): `lint` judged every app into a report held in memory, then
/// made each format's whole text, before writing a byte: 200,000 apps of a `appId` alone took
/// 868 MB and wrote 723 MB of JSON from one string. Each target is now written (human, JSON)
/// as soon as it is judged, before the next app is judged, and only counts are kept.
#[test]
fn each_target_is_written_before_the_next_app_is_judged() {
    use oauth_preflight::report::{Format, RenderOptions};
    let root = common::root();
    let files = [
        root.join(fixture("tenant-list.json")),
        root.join(fixture("good-multitenant.json")),
    ];
    let files: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let cfg = lint_config(&[&["--at", AT], files.as_slice()].concat());
    for format in [Format::Human, Format::Json] {
        let written = Recorder::default();
        let opts = RenderOptions {
            format,
            ..RenderOptions::default()
        };
        let mut sink = oauth_preflight::report::sink(opts, Box::new(written.clone()));
        let mut judged = Vec::new();
        oauth_preflight::lint::lint_each(&cfg, |report| {
            let id = report.target.client_id.clone().unwrap();
            assert!(
                !written.text().contains(&id),
                "{format:?}: {id} written early"
            );
            sink.target(&report).unwrap();
            // Written now, while the apps after it are not judged yet.
            assert!(written.text().contains(&id), "{format:?}: {id} held back");
            judged.push(id);
            Ok(())
        })
        .unwrap();
        assert_eq!(judged.len(), 4, "{format:?}");
        let before_end = written.text();
        sink.finish().unwrap();
        let whole = written.text();
        assert!(
            whole.starts_with(&before_end),
            "{format:?}: the end only appends"
        );
    }
}

/// Regression (review of issue 18, item 5): JUnit, Markdown and HTML keep their targets in a
/// temporary file until the totals are known; a `$TMPDIR` that cannot hold them is the machine's
/// problem (exit 3, saying so), not a usage error (it was exit 2, "cannot write the report to
/// standard output: No such file or directory"). Human and JSON need no temporary file.
#[test]
fn a_temporary_directory_that_cannot_hold_the_report_is_exit_3() {
    // Past the spool's first MiB kept in memory.
    let many = common::failing_apps(3000, true);
    let file = many.path().to_str().unwrap();
    let env = [("TMPDIR", "/nonexistent/oauth-preflight-test")];
    for format in ["junit", "markdown", "html"] {
        let out = common::cli(&["lint", "--format", format, file], &env, None);
        assert_eq!(code(&out), 3, "{format}: {}", stderr(&out));
        assert!(stderr(&out).contains("temporary file"), "{}", stderr(&out));
    }
    for format in ["human", "json"] {
        let out = common::cli(&["lint", "--format", format, file], &env, None);
        assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
    }
}
