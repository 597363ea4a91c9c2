//! The human report: a line per check, evidence and fix under the ones that need attention.

use super::sink::Sink;
use super::{RenderOptions, Report, Tally};
use crate::checks::Status;
use std::io::{self, Write};

struct Paint {
    on: bool,
}

impl Paint {
    fn status(&self, s: Status) -> String {
        let (code, text) = match s {
            Status::Pass => ("32", "PASS"),
            Status::Warn => ("33", "WARN"),
            Status::Fail => ("31;1", "FAIL"),
            Status::Skip => ("2", "SKIP"),
        };
        self.wrap(code, text)
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// `text` safe for a terminal (see [`super::text`]).
fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    super::text::one_line(text)
}

/// The human report, written target by target; the totals of several at the end.
pub(super) struct Human<'a> {
    out: Box<dyn Write + 'a>,
    paint: Paint,
    verbose: bool,
    tally: Tally,
}

impl<'a> Human<'a> {
    pub(super) fn new(opts: RenderOptions, out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            paint: Paint { on: opts.color },
            verbose: opts.verbose,
            tally: Tally::new(opts.strict),
        }
    }
}

impl Sink for Human<'_> {
    fn target(&mut self, report: &Report) -> io::Result<()> {
        self.tally.add(report);
        write_target(&mut self.out, &self.paint, self.verbose, report)
    }

    fn finish(&mut self) -> io::Result<()> {
        let t = &self.tally;
        if t.targets > 1 {
            let s = t.summary;
            writeln!(
                self.out,
                "{} apps, {} failing: {} pass, {} warn, {} fail, {} skip",
                t.targets, t.failing_targets, s.pass, s.warn, s.fail, s.skip
            )?;
        }
        if let Some(line) = t.all_failing_unchanged() {
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }
}

/// One target: its head, a line per check (ids in a column as wide as its longest), the
/// evidence and fix of those that need attention, its counts.
fn write_target(
    out: &mut dyn Write,
    paint: &Paint,
    verbose: bool,
    report: &Report,
) -> io::Result<()> {
    let width = report
        .checks
        .iter()
        .map(|f| f.id.as_str().len())
        .max()
        .unwrap_or(0);
    writeln!(out, "{}", paint.wrap("1", &clean(&head(report))))?;
    // With --baseline, what got worse comes first.
    let regressed: Vec<&str> = report
        .checks
        .iter()
        .filter(|f| f.baseline_regressed())
        .map(|f| f.id.as_str())
        .collect();
    if !regressed.is_empty() {
        writeln!(
            out,
            "  {} {}",
            paint.wrap("31;1", "regressed since the baseline:"),
            regressed.join(", ")
        )?;
    }
    for f in &report.checks {
        let change = match f.baseline {
            Some(b) if b != crate::checks::Baseline::Unchanged => format!(" [{}]", b.as_str()),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {} {:width$}  {}{change}",
            paint.status(f.status),
            f.id.as_str(),
            clean(&f.title)
        )?;
        if f.status >= Status::Warn || (verbose && f.status == Status::Pass) {
            writeln!(out, "         evidence: {}", clean(&f.evidence))?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "         fix: {}", clean(fix))?;
            if let Some(cmd) = &f.fix_command {
                writeln!(out, "         command: {}", clean(cmd))?;
            }
            writeln!(out, "         docs: {}", f.docs)?;
        }
    }
    if let Some(e) = &report.error {
        writeln!(
            out,
            "  {} {}",
            paint.wrap("31;1", "could not complete:"),
            clean(&e.message)
        )?;
    }
    let s = report.summary;
    writeln!(
        out,
        "  {} pass, {} warn, {} fail, {} skip\n",
        s.pass, s.warn, s.fail, s.skip
    )?;
    Ok(())
}

/// A target's first line: the mode, the app, where it was read and checked.
fn head(report: &Report) -> String {
    let mut head = format!("{} {}", report.mode.as_str(), report.label());
    if let Some(src) = &report.target.source {
        head.push_str(&format!(" [{src}]"));
    }
    if let Some(address) = report
        .target
        .address
        .as_ref()
        .filter(|a| **a != report.label())
    {
        head.push_str(&format!(" at {address}"));
    }
    if let Some(authority) = &report.target.authority {
        head.push_str(&format!(" via {authority}"));
    }
    if let Some(n) = &report.target.ngrok {
        let at = n.endpoint.as_deref().unwrap_or(&n.source);
        head.push_str(&format!(" with ngrok {} ({at}, rule {})", n.action, n.rule));
    }
    head
}
