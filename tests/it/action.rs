//! `action.yml`, the composite GitHub Action (DESIGN.md §9.2), run step by step as the runner
//! runs it (`common::action`), against the emulator: outputs, reports, the step summary, the
//! masked secret, and inputs that try to be shell code.

use crate::common;

use common::action::{ActionRun, Runner};
use std::collections::BTreeMap;

fn with(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `app` as `az ad app show` gives it: the fixture without its `x-emulator` block.
fn export(app: &str, to: &std::path::Path) {
    let text = std::fs::read_to_string(common::root().join(common::fixture(app))).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("x-emulator");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    std::fs::write(to, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// A job with the emulator's ready line in its environment and `app`'s export committed as
/// `entra/app.json`.
fn job(dir: &std::path::Path, bg: &common::Background, app: &str) -> Runner {
    let mut runner = Runner::new(dir);
    std::fs::create_dir(runner.workspace.join("entra")).unwrap();
    export(app, &runner.workspace.join("entra/app.json"));
    let ready = dir.join("ready.json");
    bg.ready_file(&ready);
    runner.env.insert(
        "OAUTH_PREFLIGHT_EMULATOR".into(),
        ready.display().to_string(),
    );
    runner
}

/// The secret is in no output, no log line and no file the job left; `::add-mask::` was sent.
fn assert_secret_kept(runner: &Runner, runs: &[&ActionRun], secret: &str) {
    for run in runs {
        assert!(!run.stdout.contains(secret), "stdout: {}", run.stdout);
        assert!(!run.stderr.contains(secret), "stderr: {}", run.stderr);
        assert!(run.outputs.values().all(|v| !v.contains(secret)));
    }
    for file in runner.files() {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{} holds the secret",
            file.display()
        );
    }
}

fn json(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_action_probes_a_guide_exact_app_and_reports_everywhere() {
    let reg = common::app("guide-exact.json");
    let bg = common::background(vec![reg.clone()], &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut runner = job(dir.path(), &bg, "guide-exact.json");
    let secret = common::secret(&reg);
    let id = common::client_id(&reg);
    let run = runner.run_action(&with(&[
        ("command", "probe"),
        ("registration", "entra/app.json"),
        ("client-id", &id),
        ("tenant", "contoso.example"),
        ("client-secret", &secret),
    ]));
    assert!(run.ok, "{run:?}");
    assert_eq!(run.masks, [secret.as_str()], "the secret is masked first");
    assert_eq!(run.outputs["fail-count"], "0", "{run:?}");
    assert_eq!(run.outputs["warn-count"], "0", "{run:?}");
    let report = json(&run.outputs["report-json"]);
    assert_eq!(report["reports"][0]["mode"], "probe");
    assert_eq!(report["reports"][0]["summary"]["fail"], 0);
    assert_eq!(
        common::check_of(&report["reports"][0], "redirect.local")["status"],
        "skip"
    );
    assert!(run.outputs["report-json"].starts_with(runner.workspace.to_str().unwrap()));
    let junit = std::fs::read_to_string(&run.outputs["report-junit"]).unwrap();
    assert!(junit.contains("<testsuite"), "{junit}");
    // The log holds workflow commands only (format github), ending with the totals.
    assert!(
        run.stdout.lines().all(|l| l.starts_with("::")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("::notice title=oauth-preflight::1 target(s):")
    );
    let summary = std::fs::read_to_string(&runner.summary).unwrap();
    assert!(summary.contains("## oauth-preflight"), "{summary}");
    // Later steps of the job find the tool on PATH.
    assert!(
        runner
            .path
            .iter()
            .any(|p| p.ends_with("oauth-preflight/bin")),
        "{:?}",
        runner.path
    );
    assert_secret_kept(&runner, &[&run], &secret);
}

#[test]
fn lint_sets_the_counts_when_it_fails_and_a_baseline_holds_them() {
    let bg = common::background(Vec::new(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut runner = job(dir.path(), &bg, "redirect-trailing-slash.json");
    let lint = with(&[("command", "lint"), ("registration", "entra/app.json")]);
    let first = runner.run_action(&lint);
    assert!(!first.ok);
    assert_eq!(first.failed_code, Some(1), "{first:?}");
    assert_eq!(first.outputs["fail-count"], "1", "{first:?}");
    assert_eq!(first.outputs["warn-count"], "0");
    assert!(
        first.stdout.contains("title=redirect.ngrok::"),
        "{}",
        first.stdout
    );
    assert!(first.masks.is_empty(), "no secret, no mask");
    // The earlier report as the baseline: nothing regressed, the step passes and says why.
    let baseline = runner.temp.join("baseline.json");
    std::fs::copy(&first.outputs["report-json"], &baseline).unwrap();
    let mut again = lint.clone();
    again.insert("baseline".into(), baseline.display().to_string());
    let second = runner.run_action(&again);
    assert!(second.ok, "{second:?}");
    assert_eq!(second.outputs["fail-count"], "1");
    assert!(
        second
            .stdout
            .contains("unchanged since the baseline (redirect.ngrok)"),
        "{}",
        second.stdout
    );
    // Several apps: the counts are summed over them.
    export("tenant-list.json", &runner.workspace.join("entra/app.json"));
    let many = runner.run_action(&lint);
    let report = json(&many.outputs["report-json"]);
    let sum = |k: &str| -> u64 {
        report["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["summary"][k].as_u64().unwrap())
            .sum()
    };
    assert!(report["reports"].as_array().unwrap().len() > 1);
    assert_eq!(many.outputs["fail-count"], sum("fail").to_string());
    assert_eq!(many.outputs["warn-count"], sum("warn").to_string());
}

/// Inputs are data: a value written as shell code reaches the tool as a string, and runs nothing.
#[test]
fn inputs_that_look_like_shell_code_run_nothing() {
    let bg = common::background(Vec::new(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut runner = job(dir.path(), &bg, "good-multitenant.json");
    let pwned = runner.workspace.join("pwned");
    for (input, value) in [
        ("registration", "$(touch pwned)"),
        ("registration", "x\"; touch pwned; echo \""),
        ("registration", "`touch pwned`"),
        ("command", "lint; touch pwned"),
        ("format", "github $(touch pwned)"),
        ("tenant", "'; touch pwned; '"),
    ] {
        let mut w = with(&[("command", "lint"), ("registration", "entra/app.json")]);
        if input == "tenant" {
            w.insert("command".into(), "probe".into());
            w.insert(
                "client-id".into(),
                "00000001-1111-4000-8000-000000000001".into(),
            );
        }
        w.insert(input.into(), value.into());
        let run = runner.run_action(&w);
        assert!(!run.ok, "{input}={value}: {run:?}");
        assert_eq!(run.failed_code, Some(2), "{input}={value}: {run:?}");
        assert!(!pwned.exists(), "{input}={value} ran as shell code");
    }
    let bad = runner.run_action(&with(&[("command", "deploy")]));
    assert_eq!(bad.failed_code, Some(2));
    assert!(
        bad.stdout
            .contains("::error title=oauth-preflight::the command input is lint or probe")
    );
}
