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
