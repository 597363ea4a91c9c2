//! Which paths name the same file. A report must never overwrite what the command reads (the
//! registration, the policy, the baseline, the secret file...) nor another report: every output
//! is compared with every input and every other output before anything is written. A leaf.
//!
//! Files are compared as files, not as spellings: by device and inode where the file exists
//! (Unix: hard links, symbolic links and `./a/../x` all meet), else by the canonical path of
//! its directory and its name (a symbolic link that points nowhere yet is followed first).
//! Character devices (`/dev/null`, `/dev/stdout` on a terminal) hold nothing to lose: they never
//! clash.

use std::path::{Path, PathBuf};

/// A file a command reads or writes, and the flag that names it (e.g. `--ngrok-policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub flag: String,
    pub path: PathBuf,
}

impl Named {
    pub fn new(flag: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Self {
            flag: flag.into(),
            path: path.into(),
        }
    }

    /// `--output a.json`, `--report junit=a.xml`.
    fn shown(&self) -> String {
        let sep = if self.flag.ends_with('=') { "" } else { " " };
        format!("{}{sep}{}", self.flag, self.path.display())
    }
}

/// What identifies a file.
#[derive(Debug, PartialEq, Eq)]
enum Key {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

/// Symbolic links followed for a file that does not exist yet (the kernel's own limit is 40).
const MAX_LINKS: usize = 40;

/// The identity of the file at `path`; `None` for a character device, which never clashes.
fn key(path: &Path) -> Option<Key> {
    if let Ok(meta) = std::fs::metadata(path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{FileTypeExt, MetadataExt};
            if meta.file_type().is_char_device() {
                return None;
            }
            return Some(Key::Inode(meta.dev(), meta.ino()));
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            if let Ok(p) = std::fs::canonicalize(path) {
                return Some(Key::Path(p));
            }
        }
    }
    Some(Key::Path(not_yet(path)))
}

/// Where a file that does not exist would be created: dangling symbolic links followed, then
/// the directory made canonical.
fn not_yet(path: &Path) -> PathBuf {
    let mut p = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    for _ in 0..MAX_LINKS {
        match std::fs::read_link(&p) {
            Ok(target) => {
                let base = p.parent().map(Path::to_owned).unwrap_or_default();
                p = base.join(target);
            }
            Err(_) => break,
        }
    }
    match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir).map_or(p.clone(), |d| d.join(name)),
        _ => p,
    }
}

/// Refuses `outputs` where one is an input or another output: the message names both.
pub fn refuse_clashes(outputs: &[Named], inputs: &[Named]) -> Result<(), String> {
    let inputs: Vec<(&Named, Key)> = inputs
        .iter()
        .filter_map(|n| key(&n.path).map(|k| (n, k)))
        .collect();
    let mut seen: Vec<(&Named, Key)> = Vec::new();
    for out in outputs {
        let Some(k) = key(&out.path) else {
            continue;
        };
        if let Some((input, _)) = inputs.iter().find(|(_, i)| *i == k) {
            return Err(format!(
                "refusing {}: it is {}, which this command reads and writing would destroy; choose another path",
                out.shown(),
                input.shown()
            ));
        }
        if let Some((earlier, _)) = seen.iter().find(|(_, o)| *o == k) {
            return Err(format!(
                "refusing {}: it is {} too (the same file), and one would overwrite the other; give each its own path",
                out.shown(),
                earlier.shown()
            ));
        }
        seen.push((out, k));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_links_and_new_files_meet() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app.json");
        std::fs::write(&app, "{}").unwrap();
        let input = [Named::new("the file to lint", &app)];
        let other = dir.path().join("sub/../app.json");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let e = refuse_clashes(&[Named::new("--output", &other)], &input).unwrap_err();
        assert!(e.contains("the file to lint"), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&app, &link).unwrap();
            assert!(refuse_clashes(&[Named::new("--output", &link)], &input).is_err());
            let hard = dir.path().join("hard.json");
            std::fs::hard_link(&app, &hard).unwrap();
            assert!(refuse_clashes(&[Named::new("--output", &hard)], &input).is_err());
            // A link to a file not made yet, and that file, named directly.
            let dangling = dir.path().join("dangling.xml");
            std::os::unix::fs::symlink("new.xml", &dangling).unwrap();
            let e = refuse_clashes(
                &[
                    Named::new("--output", &dangling),
                    Named::new("--report junit=", dir.path().join("new.xml")),
                ],
                &input,
            )
            .unwrap_err();
            assert!(e.contains("same file"), "{e}");
            // Character devices hold nothing to lose.
            let null = [Named::new("--output", "/dev/null")];
            assert!(refuse_clashes(&null, &[Named::new("--app", "/dev/null")]).is_ok());
        }
        let new = dir.path().join("new.json");
        let e = refuse_clashes(
            &[
                Named::new("--output", &new),
                Named::new("--report json=", dir.path().join("sub/../new.json")),
            ],
            &input,
        )
        .unwrap_err();
        assert!(e.contains("same file"), "{e}");
        assert!(
            refuse_clashes(
                &[
                    Named::new("--output", &new),
                    Named::new("--report", dir.path().join("b.json"))
                ],
                &input
            )
            .is_ok()
        );
    }
}
