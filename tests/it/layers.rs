//! The import rules of DESIGN.md §2, held against the code: no module imports one above it.
//! Reads `crate::` paths in `src/` (uses and inline paths alike), so a new arrow that runs back
//! up fails here, not in a reviewer's head.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module of a file (`src/flow/mod.rs` -> `flow`, `src/app.rs` -> `app`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The top-level modules a file names through `crate::` (tests excluded: they may join layers).
fn imports(text: &str) -> BTreeSet<String> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or(text)
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let code = code.as_str();
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
        // `use crate::{a, b::c}`
        if rest.starts_with('{') {
            let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
            for part in group.split(',') {
                let head: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !head.is_empty() {
                    out.insert(head);
                }
            }
        }
    }
    out
}

/// Modules that import nothing of ours: everything may import them. `entra` holds the platform's
/// knowledge and its protocol values as types (client ids, tenants, secrets), which every layer
/// below `config` handles; `exit` the exit codes; `https` the one HTTPS client; `redact` the
/// credential scrubber; `mode` the run/probe/lint switch.
const LEAVES: [&str; 7] = [
    "entra",
    "exit",
    "https",
    "redact",
    "mode",
    "same_file",
    "manpage",
];

/// The entry points, above every layer: the library root, the binary, and `app`, which
/// dispatches the commands.
const ROOTS: [&str; 3] = ["lib", "main", "app"];

/// What each module must never import (DESIGN.md §2: cli -> config -> (registration | ngrok
/// | flow) -> evidence -> checks -> findings -> report; commands import exit, never app nor
/// each other; the emulator never sees flow or checks; flow never sees checks or emulator).
const FORBIDDEN: &[(&str, &[&str])] = &[
    // The commands' error: below the commands and config, above every layer whose error it
    // carries.
    (
        "error",
        &[
            "app", "config", "cli", "lint", "live", "emulate", "explain", "checks",
        ],
    ),
    (
        "registration",
        &[
            "app", "config", "cli", "lint", "live", "emulate", "explain", "checks", "flow",
            "report", "emulator", "ngrok", "error", "exit",
        ],
    ),
    (
        "fixtures",
        &[
            "app", "config", "cli", "lint", "live", "emulate", "explain", "checks", "flow",
            "report", "emulator", "ngrok", "error", "exit",
        ],
    ),
    (
        "ngrok",
        &[
            "app", "config", "cli", "lint", "live", "emulate", "explain", "checks", "flow",
            "report", "emulator", "error", "exit",
        ],
    ),
    (
        "flow",
        &[
            "app", "config", "cli", "lint", "live", "emulate", "explain", "checks", "report",
            "emulator", "ngrok", "error", "exit",
        ],
    ),
    (
        "checks",
        &[
            "app", "config", "cli", "lint", "live", "emulate", "explain", "report", "emulator",
            "error", "exit",
        ],
    ),
    (
        "report",
        &[
            "app", "config", "lint", "live", "emulate", "explain", "emulator", "flow", "error",
        ],
    ),
    (
        "emulator",
        &[
            "app", "config", "cli", "lint", "live", "emulate", "explain", "checks", "flow",
            "report", "ngrok", "error", "exit",
        ],
    ),
    (
        "cli",
        &["app", "config", "lint", "live", "emulate", "explain"],
    ),
    ("config", &["app", "lint", "live", "emulate", "explain"]),
    ("lint", &["app", "live", "emulate", "explain"]),
    ("live", &["app", "lint", "emulate", "explain"]),
    ("emulate", &["app", "lint", "live", "explain"]),
    ("explain", &["app", "lint", "live", "emulate"]),
];

/// The modules among `names` that `module` must not import: for a leaf, any but itself.
fn breaks<'a>(module: &str, names: &'a BTreeSet<String>) -> Vec<&'a str> {
    let row = FORBIDDEN
        .iter()
        .find(|(m, _)| *m == module)
        .map_or(&[][..], |(_, bad)| *bad);
    names
        .iter()
        .map(String::as_str)
        .filter(|n| (LEAVES.contains(&module) && *n != module) || row.contains(n))
        .collect()
}

/// Only the commands and config name the commands' error type.
#[test]
fn only_commands_and_config_import_the_commands_error() {
    let error = imports("use crate::error::Error;");
    for m in LEAVES.iter().chain(&[
        "registration",
        "fixtures",
        "ngrok",
        "flow",
        "checks",
        "emulator",
        "report",
    ]) {
        assert_eq!(breaks(m, &error), ["error"], "{m} may import crate::error");
    }
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let commands = ["app", "lint", "live", "emulate", "explain"];
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        let names = imports(&text);
        for b in breaks(&module, &names) {
            violations.push(format!("{} imports crate::{b}", file.display()));
        }
        assert!(
            !commands.contains(&module.as_str()) || !names.contains("app") || module == "app",
            "{}: a command imports app",
            file.display()
        );
    }
    // The emulator's handlers import its response helpers, never its router.
    for file in files.iter().filter(|f| f.starts_with(src.join("emulator"))) {
        let name = file.file_name().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(file).unwrap();
        if name != "routes.rs"
            && name != "server.rs"
            && name != "mod.rs"
            && text.contains("super::routes")
        {
            violations.push(format!("{} imports the router", file.display()));
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Inside `registration`, the loader only dispatches a document to its parser: the parsers
/// (apps, Terraform, ARM) take what they share from `parse` and `build`, and no file but
/// `mod.rs` names `load`, so no circle runs back through it.
#[test]
fn registration_parsers_never_import_the_loader() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/registration");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    let names_load = |code: &str| {
        code.match_indices("load").any(|(i, _)| {
            let before = &code[..i];
            let after = code[i + 4..].chars().next();
            let word_end = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            word_end && (before.ends_with("::") || before.ends_with('{') || before.ends_with(", "))
        })
    };
    let back: Vec<String> = files
        .iter()
        .filter(|f| **f != dir.join("mod.rs") && **f != dir.join("load.rs"))
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            let code: Vec<&str> = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            names_load(&code.join("\n"))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        back.is_empty(),
        "these import registration::load: {back:#?}"
    );
    assert!(names_load("use super::load::{ParseError, build};"));
    assert!(names_load("use super::super::{load, raw};"));
    assert!(!names_load("use super::{Registration, load_path};"));
}

/// A new top-level module has a place in the layers before it lands: a leaf, a root, or a
/// row of what it must never import. Without one, nothing above would hold it.
#[test]
fn every_module_has_a_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let unruled: Vec<&String> = modules
        .iter()
        .filter(|m| {
            !LEAVES.contains(&m.as_str())
                && !ROOTS.contains(&m.as_str())
                && !FORBIDDEN.iter().any(|(r, _)| r == m)
        })
        .collect();
    assert!(
        unruled.is_empty(),
        "add to LEAVES, ROOTS or FORBIDDEN in tests/it/layers.rs: {unruled:?}"
    );
    // And every rule names a module that exists (a rename does not leave a rule on nothing).
    for m in LEAVES
        .iter()
        .chain(&ROOTS)
        .chain(FORBIDDEN.iter().map(|(m, _)| m))
    {
        assert!(
            modules.contains(*m),
            "a rule for {m}, which is not a module of src/"
        );
    }
}

/// A leaf may import no module of ours, whatever its name: one added later (a deny-list would
/// not know it) is caught too; a leaf's own paths are not. Other modules answer to their row.
#[test]
fn a_leaf_that_imports_anything_of_ours_is_caught() {
    let code =
        "use crate::entra::ids::Guid;\nfn f() { crate::http::get(); crate::mode::Mode::Lint; }";
    assert_eq!(breaks("entra", &imports(code)), ["http", "mode"]);
    assert!(breaks("entra", &imports("use crate::entra::Guid;")).is_empty());
    let code = "use crate::{flow::evidence::Asked, entra::Tenant, http};";
    assert_eq!(breaks("registration", &imports(code)), ["flow"]);
}

#[test]
fn the_reader_sees_uses_and_groups() {
    let names = imports(
        "//! see crate::config\nuse crate::{checks::Finding, flow};\nfn f() { crate::report::x(); }\n#[cfg(test)]\nuse crate::app;",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["checks", "flow", "report"]
    );
}
