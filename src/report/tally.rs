//! What is kept of the targets already written (issue 18, item 5): counts, and the few check ids
//! the baseline line names, never the reports. A report's totals (a header, a footer) and the
//! exit code are read from here, so a run of 200,000 apps holds one report at a time.

use super::{Report, Summary};
use crate::checks::{Baseline, CheckId, Status};
use crate::exit::Exit;

/// The counts over the targets written so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Warnings count as failures (`--strict`).
    strict: bool,
    /// Targets written.
    pub(super) targets: usize,
    /// Targets with a failing check (`fail` only, as the human report counts them).
    pub(super) failing_targets: usize,
    /// Checks per status.
    pub(super) summary: Summary,
    /// Targets whose run could not complete.
    pub(super) stopped: usize,
    /// Checks that fail the run: failures, and warnings with `--strict`.
    pub(super) failures: usize,
    /// The worst status of any check.
    worst: Option<Status>,
    /// A check was compared with a baseline.
    compared: bool,
    /// A failing check regressed, or is new, since the baseline.
    regressed: bool,
    /// A failing check is anything but unchanged since the baseline.
    changed: bool,
    /// The ids of the failing checks, each once, in the order met (at most the catalog).
    failing_ids: Vec<CheckId>,
}

impl Tally {
    /// Nothing counted yet; `strict` as `--strict`.
    pub fn new(strict: bool) -> Self {
        Self {
            strict,
            ..Self::default()
        }
    }

    /// Counts one target.
    pub fn add(&mut self, report: &Report) {
        self.targets += 1;
        self.failing_targets += usize::from(report.summary.fail > 0);
        self.stopped += usize::from(report.error.is_some());
        self.summary.merge(report.summary);
        for f in &report.checks {
            self.worst = self.worst.max(Some(f.status));
            self.compared |= f.baseline.is_some();
            if !f.status.fails(self.strict) {
                continue;
            }
            self.failures += 1;
            self.regressed |= matches!(f.baseline, Some(Baseline::Regressed | Baseline::New));
            self.changed |= f.baseline != Some(Baseline::Unchanged);
            if !self.failing_ids.contains(&f.id) {
                self.failing_ids.push(f.id);
            }
        }
    }

    /// The exit code: 1 when a check failed (or warned, with `--strict`); against a baseline,
    /// only when one regressed or is new.
    pub fn verdict(&self, against_baseline: bool) -> Exit {
        let failed = if against_baseline {
            self.regressed
        } else {
            self.worst.is_some_and(|s| s.fails(self.strict))
        };
        if failed { Exit::CheckFailed } else { Exit::Ok }
    }

    /// With a baseline where every failing check (warnings too with `--strict`) is unchanged
    /// since it: the line that says why a run with failing checks exits 0 (DESIGN.md §9.2).
    /// `None` without a baseline, with nothing failing, or with a regression (the exit is 1).
    pub fn all_failing_unchanged(&self) -> Option<String> {
        if !self.compared || self.failures == 0 || self.changed {
            return None;
        }
        let n = self.failures;
        let s = if n == 1 { "" } else { "s" };
        let ids: Vec<&str> = self.failing_ids.iter().map(|id| id.as_str()).collect();
        Some(format!(
            "{n} failing check{s} unchanged since the baseline ({}): only a regression fails the run, so it exits 0",
            ids.join(", ")
        ))
    }
}
