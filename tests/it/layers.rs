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

/// `text` without its test-only items: each `#[cfg(test)]` item is left out up to where its
/// braces close (or its `;`), wherever it stands, so that code after a test helper in the middle
/// of a file is still read.
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut depth = 0i32;
        let mut opened = false;
        for item in lines.by_ref() {
            depth += item.matches('{').count() as i32 - item.matches('}').count() as i32;
            opened |= item.contains('{');
            if (opened && depth <= 0) || (!opened && item.trim_end().ends_with(';')) {
                break;
            }
        }
    }
    out
}

/// The top-level modules a file names through `crate::` (tests excluded: they may join layers).
fn imports(text: &str) -> BTreeSet<String> {
    let code: String = without_tests(text)
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
const LEAVES: [&str; 8] = [
    "entra",
    "signals",
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
            let code = without_tests(&text);
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

/// The module path of a file (`src/report/sink.rs` -> `report::sink`, `src/report/mod.rs` ->
/// `report`, `src/lib.rs` -> ``).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file as its imports see it: no comments, no tests, no re-exports (a `pub use`
/// is a door of the module, not a need of its code) and no `mod` lines.
fn code_of(text: &str) -> String {
    without_tests(text)
        .lines()
        .map(str::trim_start)
        .filter(|l| {
            !l.starts_with("//") && !l.starts_with("pub use") && !l.starts_with("pub(crate) use")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a piece of code names from `crate::` or `super::`, groups expanded
/// (`use super::{a, b::c}` -> `super::a`, `super::b::c`), as absolute module paths.
fn paths_named(code: &str, here: &[String]) -> Vec<Vec<String>> {
    fn segment(s: &str) -> &str {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        &s[..end]
    }
    /// `rest` follows `prefix::`: the paths it names.
    fn expand(prefix: Vec<String>, rest: &str, out: &mut Vec<Vec<String>>) {
        let mut path = prefix;
        let mut rest = rest;
        loop {
            if let Some(group) = rest.strip_prefix('{') {
                // The group up to its matching brace, split at depth 0.
                let (mut depth, mut start) = (0, 0);
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            expand(path.clone(), group[start..i].trim(), out);
                            return;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            expand(path.clone(), group[start..i].trim(), out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            let name = segment(rest);
            if name.is_empty() || name == "self" {
                out.push(path);
                return;
            }
            if name == "super" {
                path.pop();
            } else {
                path.push(name.to_owned());
            }
            rest = &rest[name.len()..];
            match rest.strip_prefix("::") {
                Some(r) => rest = r.trim_start(),
                None => {
                    out.push(path);
                    return;
                }
            }
        }
    }
    let mut out = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", here[..here.len().saturating_sub(1)].to_vec()),
    ] {
        for (i, _) in code.match_indices(prefix) {
            // Not the tail of a longer path (`a::super::`, `x_crate::`).
            let before = code[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            expand(base.clone(), &code[i + prefix.len()..], &mut out);
        }
    }
    out
}

/// The import circles among the files of `src/` (a file imports the deepest file module that a
/// path it names reaches), each as its files.
fn file_circles(src: &Path) -> Vec<Vec<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut files = Vec::new();
    sources(src, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| {
            let shown = f.strip_prefix(src).unwrap().display().to_string();
            (module_path(src, f), shown)
        })
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let here = module_path(src, f);
        let from = modules[&here].clone();
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        for path in paths_named(&code, &here) {
            let target = (0..=path.len())
                .rev()
                .map(|n| &path[..n])
                .find(|p| modules.contains_key(*p))
                .map(|p| modules[p].clone());
            if let Some(to) = target.filter(|t| *t != from) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // Tarjan's strongly connected components; a component of more than one file is a circle.
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        circles: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w.as_str()) {
                    self.visit(w);
                    let lw = self.low[w.as_str()];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w.as_str()) {
                    let iw = self.index[w.as_str()];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut circle = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    circle.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if circle.len() > 1 {
                    circle.sort();
                    self.circles.push(circle);
                }
            }
        }
    }
    let mut walk = Walk {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.circles
}

/// No two files of `src/` import each other, directly or round a longer circle, inside a module
/// or across modules (issue 19: "no import circle").
#[test]
fn no_file_import_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let circles = file_circles(&src);
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

/// The circle finder sees a circle through a group and `super::`, and a re-export is no edge.
#[test]
fn the_circle_finder_sees_groups_and_super() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("m")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod m;\n").unwrap();
    std::fs::write(src.join("m/mod.rs"), "mod a;\nmod b;\npub use a::A;\n").unwrap();
    std::fs::write(src.join("m/a.rs"), "use super::{b::B, X};\npub struct A;\n").unwrap();
    std::fs::create_dir(src.join("m/c")).unwrap();
    std::fs::write(src.join("m/c/mod.rs"), "mod d;\n").unwrap();
    std::fs::write(src.join("m/c/d.rs"), "use super::super::a::A;\n").unwrap();
    std::fs::write(
        src.join("m/b.rs"),
        "pub struct B;\nfn f() { let _ = crate::m::c::d::D; }\n",
    )
    .unwrap();
    assert_eq!(
        file_circles(src),
        [["m/a.rs", "m/b.rs", "m/c/d.rs"].map(String::from).to_vec()]
    );
    std::fs::write(src.join("m/b.rs"), "pub struct B;\n").unwrap();
    assert!(file_circles(src).is_empty());
}

/// A test-only item in the middle of a file hides nothing after it.
#[test]
fn code_after_a_test_helper_is_read() {
    let text = "use crate::a::A;\n#[cfg(test)]\nmod helper {\n    use crate::t::T;\n}\nuse crate::b::B;\n#[cfg(test)]\nuse crate::u::U;\nfn f() { crate::c::C; }\n";
    let seen = imports(text);
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["a", "b", "c"].map(String::from)
    );
}
