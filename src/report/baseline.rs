//! `--baseline FILE`: each check compared with the same check of the same target in an earlier
//! JSON report: `unchanged`, `regressed`, `fixed` or `new` (DESIGN.md §8.3). Only a regression
//! (worse than before, or new and failing) fails the run, so CI can adopt the tool on an app
//! that is not clean yet and still stop anything from getting worse.

use super::Report;
use crate::checks::{Baseline, Status};
use crate::exit::{Error, Exit};
use std::collections::HashMap;

/// An earlier report: status by (mode, target key, check id).
#[derive(Debug, Default)]
pub struct Earlier {
    statuses: HashMap<(String, String, String), Status>,
}

/// How bad a status is; pass and skip alike (nothing failed).
fn rank(s: Status, strict: bool) -> u8 {
    match s {
        Status::Fail => 2,
        Status::Warn if strict => 2,
        Status::Warn => 1,
        Status::Pass | Status::Skip => 0,
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

fn status_of(s: &str) -> Option<Status> {
    match s {
        "pass" => Some(Status::Pass),
        "warn" => Some(Status::Warn),
        "fail" => Some(Status::Fail),
        "skip" => Some(Status::Skip),
        _ => None,
    }
}

impl Earlier {
    /// Reads an earlier `oauth-preflight/report/v1` JSON report.
    pub fn load(path: &str) -> Result<Self, Error> {
        let bad = |why: String| Error::Usage(format!("--baseline {path}: {why}"));
        let bytes = crate::registration::read_capped(path, crate::registration::MAX_INPUT_BYTES)
            .map_err(|e| match e {
                crate::registration::Capped::TooLarge => bad("larger than 256 MiB".into()),
                crate::registration::Capped::Io(e) => bad(e.to_string()),
            })?;
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a JSON report: {e}")))?;
        if v["schema"] != super::SCHEMA {
            return Err(bad(format!(
                "not an oauth-preflight JSON report (schema {}, expected {:?})",
                v["schema"],
                super::SCHEMA
            )));
        }
        let mut statuses = HashMap::new();
        for r in v["reports"].as_array().into_iter().flatten() {
            let mode = r["mode"].as_str().unwrap_or_default().to_owned();
            let (client, name) = (
                r["target"]["client_id"].as_str(),
                r["target"]["display_name"].as_str(),
            );
            let k = key(client, name, r["target"]["source"].as_str());
            let any_file = key(client, name, None);
            for c in r["checks"].as_array().into_iter().flatten() {
                if let (Some(id), Some(s)) =
                    (c["id"].as_str(), c["status"].as_str().and_then(status_of))
                {
                    // One finding per identity for some checks: the identity is part of the key.
                    let id = match c["identity"].as_str() {
                        Some(who) => format!("{id} {who}"),
                        None => id.to_owned(),
                    };
                    let id = id.as_str();
                    statuses.insert((mode.clone(), k.clone(), id.to_owned()), s);
                    // Also by the app alone, for a report whose file moved (the first wins).
                    statuses
                        .entry((mode.clone(), any_file.clone(), id.to_owned()))
                        .or_insert(s);
                }
            }
        }
        Ok(Self { statuses })
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
                    .get(&(mode.clone(), k.clone(), id.clone()))
                    .or_else(|| self.statuses.get(&(mode.clone(), any_file.clone(), id)));
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

/// With a baseline, only regressions fail: a check failing now (or warning, with `--strict`)
/// that was not failing before, or that is new.
pub(super) fn verdict(reports: &[Report], strict: bool) -> Exit {
    let failing = |s: Status| rank(s, strict) == 2;
    let regressed = reports.iter().flat_map(|r| &r.checks).any(|f| {
        failing(f.status) && matches!(f.baseline, Some(Baseline::Regressed | Baseline::New))
    });
    if regressed {
        Exit::CheckFailed
    } else {
        Exit::Ok
    }
}

/// With a baseline where every failing check (warnings too with `--strict`) is unchanged since
/// it: the line that says why a run with failing checks exits 0 (DESIGN.md §9.2). `None`
/// without a baseline, with nothing failing, or with a regression (the exit is 1).
pub(super) fn all_failing_unchanged(reports: &[Report], strict: bool) -> Option<String> {
    let checks = || reports.iter().flat_map(|r| &r.checks);
    if checks().all(|f| f.baseline.is_none()) {
        return None;
    }
    let failing: Vec<_> = checks().filter(|f| rank(f.status, strict) == 2).collect();
    if failing.is_empty()
        || failing
            .iter()
            .any(|f| f.baseline != Some(Baseline::Unchanged))
    {
        return None;
    }
    let mut ids: Vec<&str> = Vec::new();
    for f in &failing {
        if !ids.contains(&f.id.as_str()) {
            ids.push(f.id.as_str());
        }
    }
    let n = failing.len();
    let s = if n == 1 { "" } else { "s" };
    Some(format!(
        "{n} failing check{s} unchanged since the baseline ({}): only a regression fails the run, so it exits 0",
        ids.join(", ")
    ))
}
