//! The README documents what the code does: every check id, every exit code.

use oauth_preflight::checks::CheckId;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn readme_lists_every_check_with_its_requirement() {
    let readme = readme();
    for id in CheckId::ALL {
        let row = format!("| `{}` | {} |", id.as_str(), id.requirement());
        assert!(
            readme.contains(&row),
            "README lacks the row for {id}: {row}"
        );
    }
}

/// README's exit-code table says what each code means, and the binary exits with each code in
/// the case the table names (not only that "| 0 |" appears somewhere).
#[test]
fn readme_shows_the_two_commands_and_exit_codes() {
    let readme = readme();
    assert!(readme.contains("cargo run --release -- demo"));
    assert!(readme.contains("cargo test"));
    let table = &readme[readme.find("## Exit codes").expect("an exit code section")..];
    let row = |code: u8| -> String {
        table
            .lines()
            .find(|l| l.starts_with(&format!("| {code} |")))
            .unwrap_or_else(|| panic!("no row for exit {code}"))
            .to_owned()
    };
    let bin = env!("CARGO_BIN_EXE_oauth-preflight");
    let exit = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env(
                "OAUTH_PREFLIGHT_CLIENT_SECRET",
                "Q1x8Q~ngrok-preflight-docs-test-value-00001",
            )
            .output()
            .unwrap()
            .status
            .code()
    };
    let at = ["lint", "--at", "2026-12-01T00:00:00Z"];
    let cases: [(u8, Vec<&str>, &str); 4] = [
        (
            0,
            [&at[..], &["fixtures/apps/good-multitenant.json"]].concat(),
            "no check failed",
        ),
        (
            1,
            [&at[..], &["fixtures/apps/single-tenant.json"]].concat(),
            "check failed",
        ),
        (
            2,
            vec![
                "lint",
                "--format",
                "yaml",
                "fixtures/apps/good-multitenant.json",
            ],
            "usage",
        ),
        (
            3,
            vec![
                "probe",
                "--client-id",
                "00000001-1111-4000-8000-000000000001",
                "--authority",
                "https://127.0.0.1:1",
            ],
            "could not complete",
        ),
    ];
    for (code, args, meaning) in cases {
        assert!(row(code).contains(meaning), "exit {code}: {}", row(code));
        assert_eq!(exit(&args), Some(i32::from(code)), "{args:?}");
    }
}

/// README's "Against the emulator" block runs as pasted from a checkout: a `cargo` that has
/// nothing left to build, and `target/release/oauth-preflight` (here the binary under test).
#[test]
fn readme_against_the_emulator_block_runs_as_pasted() {
    let readme = readme();
    let start = readme
        .find("### Against the emulator")
        .expect("the section");
    let rest = &readme[start..];
    let block_start = rest.find("```sh\n").unwrap() + 6;
    let block = &rest[block_start..block_start + rest[block_start..].find("```").unwrap()];
    let work = tempfile::tempdir().unwrap();
    let fake = work.path().join("bin");
    std::fs::create_dir(&fake).unwrap();
    let cargo = fake.join("cargo");
    std::fs::write(&cargo, "#!/bin/sh\nexit 0\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir_all(work.path().join("target/release")).unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_oauth-preflight"),
            work.path().join("target/release/oauth-preflight"),
        )
        .unwrap();
    }
    let out = std::process::Command::new("bash")
        .args(["-c", block])
        .current_dir(work.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                fake.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env_remove("OAUTH_PREFLIGHT_EMULATOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("exit 0"), "{stdout}");
    assert!(stdout.contains("exit 1"), "{stdout}");
    assert!(
        stdout.contains("::error title=tenancy.multitenant::"),
        "{stdout}"
    );
    assert!(
        stdout.contains("GET /common/oauth2/v2.0/authorize 302"),
        "the log: {stdout}"
    );
}
