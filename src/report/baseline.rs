//! `--baseline FILE`: each check compared with the same check of the same target in an earlier
//! JSON report: `unchanged`, `regressed`, `fixed` or `new` (DESIGN.md §8.3). Only a regression
//! (worse than before, or new and failing) fails the run, so CI can adopt the tool on an app
//! that is not clean yet and still stop anything from getting worse.

use super::OutputError as Error;
use super::Report;
use crate::checks::{Baseline, Status};
use serde::Deserialize;
use std::collections::HashMap;

/// An earlier report, as a compact index: the status of each (mode, target key, finding key),
/// by a 64-bit hash of the three. A 100 MB baseline of 200,000 apps is read as a stream (one
/// report at a time, nothing kept but the index): about 16 bytes per check, where a parsed JSON
/// tree took 3.6 GB (issue 18).
#[derive(Debug, Default)]
pub struct Earlier {
    statuses: HashMap<u64, Status>,
}

/// The index key of a check of a target in a mode.
fn slot(mode: &str, target: &str, check: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // A fixed-key hasher: the same key in every process (no DoS concern: the file is the user's).
    let mut h =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    for part in [mode, target, check] {
        h.write(part.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// How bad a status is; pass and skip alike (nothing failed).
fn rank(s: Status, strict: bool) -> u8 {
    match s {
        _ if s.fails(strict) => 2,
        Status::Warn => 1,
        _ => 0,
    }
}

/// What identifies a target across runs: its client id (else its display name), and the file it
/// came from where lint read one (the same app may be in two files).
fn key(client_id: Option<&str>, display_name: Option<&str>, source: Option<&str>) -> String {
    let id = client_id
        .map(str::to_ascii_lowercase)
        .or_else(|| display_name.map(str::to_owned))
        .unwrap_or_default();
    match source {
        Some(s) => format!("{id}|{s}"),
        None => id,
    }
}

/// The parts of a JSON report (DESIGN.md §5) a baseline reads; the rest is skipped unread.
#[derive(Deserialize)]
struct Doc {
    schema: String,
    #[serde(default)]
    reports: Index,
}

#[derive(Deserialize)]
struct OldReport {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    target: OldTarget,
    #[serde(default)]
    checks: Vec<OldCheck>,
}

#[derive(Default, Deserialize)]
struct OldTarget {
    client_id: Option<String>,
    display_name: Option<String>,
    source: Option<String>,
}

#[derive(Deserialize)]
struct OldCheck {
    id: String,
    status: Status,
    identity: Option<String>,
}

/// The index, filled as the `reports` array is read, one report at a time.
#[derive(Default)]
struct Index(HashMap<u64, Status>);

impl<'de> Deserialize<'de> for Index {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Reports;
        impl<'de> serde::de::Visitor<'de> for Reports {
            type Value = Index;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of reports")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Index, A::Error> {
                let mut index = HashMap::new();
                while let Some(r) = seq.next_element::<OldReport>()? {
                    let (client, name) = (
                        r.target.client_id.as_deref(),
                        r.target.display_name.as_deref(),
                    );
                    let k = key(client, name, r.target.source.as_deref());
                    let any_file = key(client, name, None);
                    for c in r.checks {
                        // One finding per identity for some checks: the identity is in the key.
                        let id = match &c.identity {
                            Some(who) => format!("{} {who}", c.id),
                            None => c.id,
                        };
                        index.insert(slot(&r.mode, &k, &id), c.status);
                        // Also by the app alone, for a report whose file moved (the first wins).
                        index
                            .entry(slot(&r.mode, &any_file, &id))
                            .or_insert(c.status);
                    }
                }
                Ok(Index(index))
            }
        }
        d.deserialize_seq(Reports)
    }
}

impl Earlier {
    /// Reads an earlier `oauth-preflight/report/v1` JSON report, as a stream.
    pub fn load(path: &str) -> Result<Self, Error> {
        let bad = |why: String| Error::Baseline {
            path: path.to_owned(),
            why,
        };
        let file = crate::registration::read_capped(path, crate::registration::MAX_INPUT_BYTES)
            .map_err(|e| match e {
                crate::registration::Capped::TooLarge => bad("larger than 256 MiB".into()),
                crate::registration::Capped::Io(e) => bad(e.to_string()),
            })?;
        let doc: Doc = serde_json::from_slice(&file).map_err(|e| {
            bad(format!(
                "not an oauth-preflight JSON report ({})",
                super::one_line(&e.to_string())
            ))
        })?;
        if doc.schema != super::SCHEMA {
            return Err(bad(format!(
                "not an oauth-preflight JSON report (schema {:?}, expected {:?})",
                super::one_line(&doc.schema),
                super::SCHEMA
            )));
        }
        Ok(Self {
            statuses: doc.reports.0,
        })
    }

    /// Marks every check of `reports` against the earlier report.
    pub fn compare(&self, reports: &mut [Report], strict: bool) {
        for r in reports.iter_mut() {
            let mode = r.mode.as_str().to_owned();
            let (client, name) = (
                r.target.client_id.as_deref(),
                r.target.display_name.as_deref(),
            );
            let k = key(client, name, r.target.source.as_deref());
            let any_file = key(client, name, None);
            for f in &mut r.checks {
                let id = f.key();
                let before = self
                    .statuses
                    .get(&slot(&mode, &k, &id))
                    .or_else(|| self.statuses.get(&slot(&mode, &any_file, &id)));
                f.baseline = Some(match before {
                    None => Baseline::New,
                    Some(&b) if rank(f.status, strict) > rank(b, strict) => Baseline::Regressed,
                    // Not judged now where it was before: no evidence of a fix, and coverage
                    // lost (shown as a regression; it fails nothing, as it does not fail).
                    Some(&b) if f.status == Status::Skip && b != Status::Skip => {
                        Baseline::Regressed
                    }
                    Some(&b) if rank(f.status, strict) < rank(b, strict) => Baseline::Fixed,
                    Some(_) => Baseline::Unchanged,
                });
            }
        }
    }
}
