//! A small stand-in for the GitHub Actions runner, enough to run `action.yml` (a composite
//! action) the way the runner does: inputs (defaults, then `with:`) reach the steps only through
//! the `${{ }}` expressions of their `env:`; each `run:` is written to a file and run as
//! `shell: bash` runs it (`bash --noprofile --norc -eo pipefail {0}`) with `GITHUB_ACTION_PATH`
//! (the repository root), `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY`
//! and `RUNNER_TEMP`; a failing step stops the action; `::add-mask::` lines are taken as the
//! runner takes them (registered, not shown); the action's outputs are evaluated last.
//!
//! Two things differ, and only these: `actions/cache` is skipped (no cache service here), and
//! the install step runs with a `cargo` on PATH whose `install --locked --path P --root R` puts
//! the binary this test run built at `R/bin/oauth-preflight` instead of compiling it again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the steps and the action's outputs can read.
#[derive(Default)]
struct Context {
    inputs: BTreeMap<String, String>,
    steps: BTreeMap<String, BTreeMap<String, String>>,
}

/// One run of the action.
#[derive(Debug)]
pub(crate) struct ActionRun {
    /// Every step that ran succeeded.
    pub(crate) ok: bool,
    /// The exit code of the step that failed.
    pub(crate) failed_code: Option<i32>,
    pub(crate) outputs: BTreeMap<String, String>,
    /// Standard output as the log shows it: workflow commands kept, `::add-mask::` taken.
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// The values `::add-mask::` registered.
    pub(crate) masks: Vec<String>,
}

/// The job a test runs actions in: its workspace, `RUNNER_TEMP`, environment and PATH.
pub(crate) struct Runner {
    pub(crate) workspace: PathBuf,
    pub(crate) temp: PathBuf,
    pub(crate) summary: PathBuf,
    /// The job's environment (and what steps add through `GITHUB_ENV`).
    pub(crate) env: BTreeMap<String, String>,
    /// What steps added through `GITHUB_PATH`, first first.
    pub(crate) path: Vec<String>,
    steps_run: usize,
}

/// The runner's unescaping of workflow command data (`%25` last).
pub(crate) fn unescape_data(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

/// `name=value` lines and `name<<DELIM` blocks, as the runner reads `GITHUB_OUTPUT`/`GITHUB_ENV`.
fn read_pairs(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_owned(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            out.push((name.to_owned(), value.to_owned()));
        } else if !line.is_empty() {
            panic!("{}: not a name=value line: {line:?}", path.display());
        }
    }
    out
}

/// The fake `cargo` of the install step (see the module's documentation).
const FAKE_CARGO: &str = r#"#!/usr/bin/env bash
set -eu
if [ "$#" -ne 6 ] || [ "$1 $2 $3 $5" != "install --locked --path --root" ]; then
  echo "test cargo: not the install the action should run: $*" >&2
  exit 99
fi
if [ "$4" != "$GITHUB_ACTION_PATH" ]; then
  echo "test cargo: --path $4 is not the action's checkout $GITHUB_ACTION_PATH" >&2
  exit 99
fi
mkdir -p "$6/bin"
ln -sf "$OAUTH_PREFLIGHT_TEST_BINARY" "$6/bin/oauth-preflight"
"#;

impl Runner {
    /// A job with a fresh workspace and `RUNNER_TEMP`, both under `root`.
    pub(crate) fn new(root: &Path) -> Self {
        let (workspace, temp) = (root.join("workspace"), root.join("runner-temp"));
        for d in [&workspace, &temp, &root.join("tools")] {
            std::fs::create_dir_all(d).unwrap();
        }
        let cargo = root.join("tools/cargo");
        std::fs::write(&cargo, FAKE_CARGO).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Self {
            summary: root.join("step-summary.md"),
            workspace,
            temp,
            env: BTreeMap::new(),
            path: Vec::new(),
            steps_run: 0,
        }
    }

    fn tools(&self) -> PathBuf {
        self.temp.parent().unwrap().join("tools")
    }

    /// Evaluates the `${{ }}` expressions of `text`.
    fn expand(&self, text: &str, ctx: &Context) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("an unclosed expression") + start;
            let expr = rest[start + 3..end].trim();
            out.push_str(&self.value(expr, ctx));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn value(&self, expr: &str, ctx: &Context) -> String {
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => ctx
                .inputs
                .get(*name)
                .unwrap_or_else(|| panic!("inputs.{name} is not declared"))
                .clone(),
            ["steps", id, "outputs", name] => ctx
                .steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            ["env", name] => self.env.get(*name).cloned().unwrap_or_default(),
            ["github", "action_path"] => super::root().display().to_string(),
            ["github", "workspace"] => self.workspace.display().to_string(),
            ["runner", "temp"] => self.temp.display().to_string(),
            ["runner", "os"] => "Linux".into(),
            ["runner", "arch"] => "X64".into(),
            _ => panic!("an expression this runner does not know: {expr}"),
        }
    }

    /// Runs `action.yml` of the repository with these `with:` values.
    pub(crate) fn run_action(&mut self, with: &BTreeMap<String, String>) -> ActionRun {
        let text = std::fs::read_to_string(super::root().join("action.yml")).unwrap();
        let action: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(action["runs"]["using"], "composite");
        let declared = action["inputs"].as_mapping().unwrap();
        for key in with.keys() {
            assert!(
                declared.contains_key(key.as_str()),
                "with: {key} is not an input of action.yml"
            );
        }
        let mut ctx = Context::default();
        for (name, input) in declared {
            let name = name.as_str().unwrap().to_owned();
            let default = input["default"].as_str().unwrap_or_default().to_owned();
            let value = with.get(&name).cloned().unwrap_or(default);
            ctx.inputs.insert(name, value);
        }
        let mut run = ActionRun {
            ok: true,
            failed_code: None,
            outputs: BTreeMap::new(),
            stdout: String::new(),
            stderr: String::new(),
            masks: Vec::new(),
        };
        for step in action["runs"]["steps"].as_sequence().unwrap() {
            assert!(
                step["if"].is_null(),
                "a step condition this runner does not know"
            );
            if let Some(uses) = step["uses"].as_str() {
                assert!(uses.starts_with("actions/cache@"), "{uses}");
                continue; // no cache service here
            }
            let code = self.run_step(step, &mut ctx, &mut run);
            if code != 0 {
                run.ok = false;
                run.failed_code = Some(code);
                break;
            }
        }
        for (name, output) in action["outputs"].as_mapping().unwrap() {
            let value = self.expand(output["value"].as_str().unwrap(), &ctx);
            run.outputs.insert(name.as_str().unwrap().to_owned(), value);
        }
        run
    }

    /// One `run:` step; its exit code.
    fn run_step(
        &mut self,
        step: &serde_yaml_ng::Value,
        ctx: &mut Context,
        run: &mut ActionRun,
    ) -> i32 {
        assert_eq!(
            step["shell"], "bash",
            "composite run steps name their shell"
        );
        let script = step["run"].as_str().unwrap();
        assert!(
            !script.contains("${{"),
            "no expression in a run script (script injection): {script}"
        );
        self.steps_run += 1;
        let n = self.steps_run;
        let files = self.temp.parent().unwrap().join(format!("step-{n}"));
        std::fs::create_dir_all(&files).unwrap();
        let (script_file, output, env_file, path_file) = (
            files.join("script.sh"),
            files.join("output"),
            files.join("env"),
            files.join("path"),
        );
        std::fs::write(&script_file, script).unwrap();
        for f in [&output, &env_file, &path_file] {
            std::fs::write(f, "").unwrap();
        }
        let mut path: Vec<String> = self.path.iter().rev().cloned().collect();
        path.push(self.tools().display().to_string());
        path.push(std::env::var("PATH").unwrap_or_default());
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(&self.workspace)
            .env_remove("OAUTH_PREFLIGHT_CLIENT_SECRET")
            .env_remove("OAUTH_PREFLIGHT_EMULATOR")
            .env_remove("CARGO_TARGET_DIR")
            .env("NO_COLOR", "1")
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("GITHUB_ACTION_PATH", super::root())
            .env("RUNNER_TEMP", &self.temp)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_ENV", &env_file)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env(
                "OAUTH_PREFLIGHT_TEST_BINARY",
                env!("CARGO_BIN_EXE_oauth-preflight"),
            )
            .env("PATH", path.join(":"));
        cmd.envs(&self.env);
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                cmd.env(k.as_str().unwrap(), self.expand(v.as_str().unwrap(), ctx));
            }
        }
        let out = cmd.output().unwrap();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            match line.trim_start().strip_prefix("::add-mask::") {
                Some(value) => run.masks.push(unescape_data(value)),
                None => {
                    run.stdout.push_str(line);
                    run.stdout.push('\n');
                }
            }
        }
        run.stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        if let Some(id) = step["id"].as_str() {
            ctx.steps
                .insert(id.to_owned(), read_pairs(&output).into_iter().collect());
        }
        self.env.extend(read_pairs(&env_file));
        let added = std::fs::read_to_string(&path_file).unwrap();
        self.path.extend(added.lines().map(str::to_owned));
        out.status.code().unwrap_or(-1)
    }

    /// Every file the job left (workspace, `RUNNER_TEMP`, the runner's own files), but the
    /// binary's link.
    pub(crate) fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                let kind = e.file_type().unwrap();
                if kind.is_dir() {
                    walk(&p, out);
                } else if kind.is_file() {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.temp.parent().unwrap(), &mut out);
        out
    }
}
