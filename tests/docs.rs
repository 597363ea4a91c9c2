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

#[test]
fn readme_shows_the_two_commands_and_exit_codes() {
    let readme = readme();
    assert!(readme.contains("cargo test"));
    for code in ["| 0 |", "| 1 |", "| 2 |", "| 3 |"] {
        assert!(readme.contains(code), "{code}");
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
