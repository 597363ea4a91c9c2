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

/// Every module of ours: what a leaf may not import.
const EVERY: &[&str] = &[
    "app",
    "config",
    "cli",
    "lint",
    "live",
    "emulate",
    "checks",
    "flow",
    "report",
    "emulator",
    "registration",
    "entra",
    "ngrok",
    "exit",
    "error",
    "https",
    "redact",
    "mode",
    "fixtures",
    "explain",
    "manpage",
    "same_file",
];

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // What each module must never import (DESIGN.md §2: cli -> config -> (registration | ngrok
    // | flow) -> evidence -> checks -> findings -> report; commands import exit, never app nor
    // each other; the emulator never sees flow or checks; flow never sees checks or emulator).
    let commands = ["app", "lint", "live", "emulate"];
    let forbidden: &[(&str, &[&str])] = &[
        // A leaf: imports nothing of ours.
        ("exit", EVERY),
        // A leaf: imports nothing of ours.
        ("https", EVERY),
        // A leaf: imports nothing of ours.
        ("redact", EVERY),
        // The commands' error: below the commands and config, above every layer whose error it
        // carries.
        (
            "error",
            &["app", "config", "cli", "lint", "live", "emulate", "checks"],
        ),
        // Leaves.
        ("mode", EVERY),
        ("entra", EVERY),
        (
            "registration",
            &[
                "app", "config", "cli", "lint", "live", "emulate", "checks", "flow", "report",
                "emulator", "ngrok", "error", "exit",
            ],
        ),
        (
            "ngrok",
            &[
                "app", "config", "cli", "lint", "live", "emulate", "checks", "flow", "report",
                "emulator", "error", "exit",
            ],
        ),
        (
            "flow",
            &[
                "app", "config", "cli", "lint", "live", "emulate", "checks", "report", "emulator",
                "ngrok", "error", "exit",
            ],
        ),
        (
            "checks",
            &[
                "app", "config", "cli", "lint", "live", "emulate", "report", "emulator", "error",
                "exit",
            ],
        ),
        (
            "report",
            &[
                "app", "config", "lint", "live", "emulate", "emulator", "flow",
            ],
        ),
        (
            "emulator",
            &[
                "app", "config", "cli", "lint", "live", "emulate", "checks", "flow", "report",
                "ngrok", "error", "exit",
            ],
        ),
        ("lint", &["app", "live", "emulate"]),
        ("live", &["app", "lint", "emulate"]),
        ("emulate", &["app", "lint", "live"]),
        ("config", &["app", "lint", "live", "emulate"]),
    ];
    let mut files = Vec::new();
    sources(&src, &mut files);
    // Only the commands and config name the commands' error type.
    for m in [
        "registration",
        "ngrok",
        "flow",
        "checks",
        "emulator",
        "entra",
        "mode",
        "https",
        "redact",
        "exit",
    ] {
        assert!(
            forbidden
                .iter()
                .any(|(name, bad)| *name == m && bad.contains(&"error")),
            "{m} may import crate::error"
        );
    }
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        let names = imports(&text);
        if let Some((_, bad)) = forbidden.iter().find(|(m, _)| *m == module) {
            for b in bad.iter().filter(|b| **b != module && names.contains(**b)) {
                violations.push(format!("{} imports crate::{b}", file.display()));
            }
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
