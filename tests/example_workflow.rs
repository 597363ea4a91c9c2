//! `examples/github-actions.yml`, the workflow users copy, runs as written: each step that calls
//! oauth-preflight is run by bash, with the step's own environment (repository variables and
//! secrets filled in), against the emulator (`OAUTH_PREFLIGHT_EMULATOR`, the one line that
//! differs from GitHub), with a step summary file as GitHub gives. CI also checks the file with
//! actionlint (`.ci/run`).

mod common;

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

#[test]
fn the_example_workflow_runs_as_written_against_the_emulator() {
    let reg = common::app("good-multitenant.json");
    let bg = common::background(vec![reg.clone()], &[]);
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("entra")).unwrap();
    std::fs::copy(
        common::fixture("good-multitenant.json"),
        work.path().join("entra/app.json"),
    )
    .unwrap();
    let ready = work.path().join("ready.json");
    std::fs::write(
        &ready,
        serde_json::json!({
            "authority": bg.emu.emu.authority(),
            "graph": bg.emu.emu.graph(),
            "ca_cert": bg.ca.path(),
        })
        .to_string(),
    )
    .unwrap();
    let summary = work.path().join("summary.md");
    let vars: BTreeMap<&str, String> = [
        ("vars.ENTRA_CLIENT_ID", reg.app_id.clone().unwrap()),
        ("vars.ENTRA_TENANT", "contoso.example".to_owned()),
        ("secrets.ENTRA_CLIENT_SECRET", common::secret(&reg)),
    ]
    .into_iter()
    .collect();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_oauth-preflight"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let wf = workflow();
    let steps = wf["jobs"]["preflight"]["steps"].as_sequence().unwrap();
    let mut ran = 0;
    for step in steps {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        if !run.starts_with("oauth-preflight ") {
            continue; // the install step: the test runs the binary it built
        }
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["-e", "-c", run])
            .current_dir(work.path())
            .env("PATH", &path)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("OAUTH_PREFLIGHT_EMULATOR", &ready)
            .env_remove("OAUTH_PREFLIGHT_CLIENT_SECRET");
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                cmd.env(k.as_str().unwrap(), fill(v.as_str().unwrap(), &vars));
            }
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let name = step["name"].as_str().unwrap_or(run);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.lines().all(|l| l.starts_with("::")),
            "{name}: only workflow commands: {stdout}"
        );
        assert!(
            stdout.contains("::notice title=oauth-preflight::1 target(s):"),
            "{name}: {stdout}"
        );
        assert!(!stdout.contains(&common::secret(&reg)));
        ran += 1;
    }
    assert_eq!(ran, 2, "lint and probe");
    // What the last step uploads is there.
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .unwrap();
    for file in upload["with"]["path"]
        .as_str()
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let text = std::fs::read_to_string(work.path().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!text.is_empty(), "{file}");
    }
    let probe: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("probe.json")).unwrap())
            .unwrap();
    assert_eq!(probe["reports"][0]["mode"], "probe");
    assert_eq!(probe["reports"][0]["summary"]["fail"], 0);
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        summary.matches("## oauth-preflight").count(),
        2,
        "{summary}"
    );
}
