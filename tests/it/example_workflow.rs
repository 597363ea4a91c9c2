//! `examples/github-actions.yml`, the workflow users copy, runs as written: its steps in order,
//! with the runner's `if:` rules (a step without one runs only while the job succeeds), the
//! repository's variables and secrets filled in, each `uses: OWNER/oauth-preflight@…` step as
//! this repository's `action.yml` run by `common::action`, against the emulator (the job's
//! `OAUTH_PREFLIGHT_EMULATOR`, the one thing that differs from GitHub), and what the last step
//! uploads checked. CI also checks the file with actionlint (`.ci/run`).

use crate::common;

use common::action::{ActionRun, Runner};
use std::collections::BTreeMap;

fn workflow() -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(common::root().join("examples/github-actions.yml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// `${{ vars.X }}` and `${{ secrets.X }}` as a repository would set them for the emulator.
fn fill(value: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = value.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("${{{{ {k} }}}}"), v);
    }
    assert!(
        !out.contains("${{"),
        "an expression the test does not know: {value}"
    );
    out
}

/// What the job did.
struct Job {
    runner: Runner,
    /// Per step id: its run of the action.
    actions: BTreeMap<String, ActionRun>,
    /// The names of the steps that ran.
    ran: Vec<String>,
    uploaded: Vec<std::path::PathBuf>,
    ok: bool,
}

/// Runs the example's job for registration fixture `app`, committed as its real export would be
/// (no `x-emulator`), with the repository's variables and secrets set for it.
fn run_example(dir: &std::path::Path, app: &str) -> (Job, String) {
    let reg = common::app(app);
    let bg = common::background(vec![reg.clone()], &[]);
    let mut runner = Runner::new(dir);
    std::fs::create_dir(runner.workspace.join("entra")).unwrap();
    let mut export: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join(common::fixture(app))).unwrap(),
    )
    .unwrap();
    export.as_object_mut().unwrap().remove("x-emulator");
    std::fs::write(runner.workspace.join("entra/app.json"), export.to_string()).unwrap();
    let ready = dir.join("ready.json");
    bg.ready_file(&ready);
    runner.env.insert(
        "OAUTH_PREFLIGHT_EMULATOR".into(),
        ready.display().to_string(),
    );
    let secret = common::secret(&reg);
    let vars: BTreeMap<&str, String> = [
        ("vars.ENTRA_CLIENT_ID", common::client_id(&reg)),
        ("vars.ENTRA_TENANT", "contoso.example".to_owned()),
        ("secrets.ENTRA_CLIENT_SECRET", secret.clone()),
    ]
    .into_iter()
    .collect();

    let wf = workflow();
    let steps = wf["jobs"]["preflight"]["steps"].as_sequence().unwrap();
    let mut job = Job {
        runner,
        actions: BTreeMap::new(),
        ran: Vec::new(),
        uploaded: Vec::new(),
        ok: true,
    };
    for step in steps {
        let uses = step["uses"].as_str().expect("every step uses an action");
        let name = step["name"].as_str().unwrap_or(uses).to_owned();
        let runs = match step["if"].as_str() {
            None => job.ok,
            Some("always()") => true,
            Some(other) => panic!("{name}: a condition the test does not know: {other}"),
        };
        if !runs {
            continue;
        }
        job.ran.push(name.clone());
        assert!(step["run"].is_null() && step["env"].is_null(), "{name}");
        if uses.starts_with("actions/checkout@") {
            continue; // the workspace is laid out above
        }
        if uses.starts_with("actions/upload-artifact@") {
            let path = step["with"]["path"].as_str().unwrap().trim();
            let dir = job.runner.workspace.join(path);
            for e in std::fs::read_dir(&dir).unwrap() {
                job.uploaded.push(e.unwrap().path());
            }
            continue;
        }
        assert_eq!(
            uses, "OWNER/oauth-preflight@v1",
            "{name}: this repository's action, OWNER to be replaced"
        );
        let with: BTreeMap<String, String> = step["with"]
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap().to_owned(),
                    fill(v.as_str().unwrap(), &vars),
                )
            })
            .collect();
        let run = job.runner.run_action(&with);
        job.ok &= run.ok;
        job.actions
            .insert(step["id"].as_str().unwrap().to_owned(), run);
    }
    (job, secret)
}

/// The example failed a correct app: probe asked for a local callback that ngrok's guide never
/// registers. An app made as the guide says passes every step, and every report is kept.
#[test]
fn the_example_workflow_passes_an_app_made_as_ngroks_guide_says() {
    let dir = tempfile::tempdir().unwrap();
    let (job, secret) = run_example(dir.path(), "guide-exact.json");
    assert!(job.ok, "{:?}", job.actions);
    assert_eq!(job.ran.len(), 4, "{:?}", job.ran);
    for id in ["lint", "probe"] {
        let run = &job.actions[id];
        assert_eq!(run.outputs["fail-count"], "0", "{id}: {run:?}");
        assert!(
            run.stdout.lines().all(|l| l.starts_with("::")),
            "{id}: only workflow commands: {}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("::notice title=oauth-preflight::1 target(s):"),
            "{id}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains("redirect.local::AADSTS50011"));
        assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));
    }
    assert_eq!(job.actions["probe"].masks, [secret.as_str()]);
    let probe: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&job.actions["probe"].outputs["report-json"]).unwrap(),
    )
    .unwrap();
    assert_eq!(probe["reports"][0]["mode"], "probe");
    assert_eq!(probe["reports"][0]["summary"]["fail"], 0);
    let mut uploaded: Vec<String> = job
        .uploaded
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    uploaded.sort();
    assert_eq!(
        uploaded,
        ["lint.json", "lint.xml", "probe.json", "probe.xml"]
    );
    for f in &job.uploaded {
        assert!(std::fs::metadata(f).unwrap().len() > 0, "{}", f.display());
    }
    let summary = std::fs::read_to_string(&job.runner.summary).unwrap();
    assert_eq!(
        summary.matches("## oauth-preflight").count(),
        2,
        "{summary}"
    );
    for file in job.runner.files() {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains(&secret), "{}", file.display());
    }
}

/// The probe step had no `if: always()`: a failing lint hid the sign-in's verdict. Now lint
/// fails the job and probe and the upload still run.
#[test]
fn a_failing_lint_does_not_hide_the_probe_nor_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (job, _) = run_example(dir.path(), "redirect-trailing-slash.json");
    assert!(!job.ok);
    assert_eq!(job.ran.len(), 4, "{:?}", job.ran);
    let lint = &job.actions["lint"];
    assert_eq!(lint.failed_code, Some(1));
    assert_eq!(lint.outputs["fail-count"], "1");
    // The annotation names what is wrong (the evidence), not only what to do.
    assert!(
        lint.stdout.contains("has a trailing slash"),
        "{}",
        lint.stdout
    );
    let probe = &job.actions["probe"];
    assert_eq!(probe.failed_code, Some(1), "{probe:?}");
    assert!(
        probe.stdout.contains("title=redirect.ngrok::"),
        "{}",
        probe.stdout
    );
    assert_eq!(job.uploaded.len(), 4);
}

/// Every step that reports runs `if: always()`, and the `with:` of the action steps are inputs
/// of action.yml (the runner only warns about an unknown one).
#[test]
fn the_example_reports_always_and_passes_only_known_inputs() {
    let wf = workflow();
    let steps = wf["jobs"]["preflight"]["steps"].as_sequence().unwrap();
    let action: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(common::root().join("action.yml")).unwrap(),
    )
    .unwrap();
    let first_action = steps
        .iter()
        .position(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/oauth-preflight@"))
        })
        .unwrap();
    for step in &steps[first_action + 1..] {
        assert_eq!(step["if"], "always()", "{step:?}");
    }
    for step in steps {
        if step["uses"]
            .as_str()
            .is_some_and(|u| u.contains("/oauth-preflight@"))
        {
            for key in step["with"].as_mapping().unwrap().keys() {
                assert!(
                    action["inputs"].as_mapping().unwrap().contains_key(key),
                    "{key:?}"
                );
            }
        }
    }
}
