//! The human report: a line per check, evidence and fix under the ones that need attention.

use super::{RenderOptions, Report, total};
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

pub(super) fn render(
    reports: &[Report],
    opts: RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let paint = Paint { on: opts.color };
    let width = reports
        .iter()
        .flat_map(|r| &r.checks)
        .map(|f| f.id.as_str().len())
        .max()
        .unwrap_or(0);
    for report in reports {
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
        writeln!(out, "{}", paint.wrap("1", &clean(&head)))?;
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
            if f.status >= Status::Warn || (opts.verbose && f.status == Status::Pass) {
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
    }
    if reports.len() > 1 {
        let s = total(reports);
        let failing = reports.iter().filter(|r| r.summary.fail > 0).count();
        writeln!(
            out,
            "{} apps, {failing} failing: {} pass, {} warn, {} fail, {} skip",
            reports.len(),
            s.pass,
            s.warn,
            s.fail,
            s.skip
        )?;
    }
    if let Some(line) = super::baseline::all_failing_unchanged(reports, opts.strict) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
