//! GitHub Actions workflow commands (DESIGN.md §8.3): `::error` for each failing check,
//! `::warning` for each warning (with `file=` where lint read a file; the message carries the
//! title, the evidence and the fix), then one `::notice` with the totals. Values are escaped as
//! the runner unescapes them (`NGROK.md` §6.2): in messages `%`, CR, LF; in properties also `:`
//! and `,`; `%` first. Other control characters (NUL, BEL, ESC...) are shown as `\u{..}`, as in
//! the human report. GitHub shows 10 annotations of a type per step: the 10th says how many more
//! there are.

use super::{RenderOptions, Report, total};
use crate::checks::{Finding, Status};
use std::io::{self, Write};

/// Annotations GitHub shows per type and step.
pub(super) const LIMIT: usize = 10;

/// Escapes a message (`%`, CR, LF), `%` first; shows other control characters as `\u{..}`.
pub(super) fn escape_data(s: &str) -> String {
    super::text::controls_but_breaks(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as a message, and `:` and `,`.
pub(super) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

struct Annotation<'a> {
    report: &'a Report,
    finding: &'a Finding,
}

fn command(kind: &str, a: &Annotation<'_>, several: bool) -> String {
    let f = a.finding;
    let mut props = Vec::new();
    if let Some(file) = a
        .report
        .target
        .source
        .as_deref()
        // A file lint read: not standard input, not Graph.
        .filter(|s| *s != "<stdin>" && !s.starts_with("graph:"))
    {
        props.push(format!("file={}", escape_property(file)));
    }
    props.push(format!("title={}", escape_property(f.id.as_str())));
    let mut message = f.title.clone();
    if several {
        message = format!("{} ({message})", a.report.label());
    }
    // Terraform or ARM: the resource in the file.
    if let Some(address) = &a.report.target.address {
        message = format!("{address}: {message}");
    }
    // The evidence names what the fix refers to ("the entries named above").
    if !f.evidence.is_empty() {
        let evidence = f.evidence.trim_end_matches('.');
        message = format!("{}. Evidence: {evidence}", message.trim_end_matches('.'));
    }
    if let Some(fix) = &f.fix {
        message = format!("{}. Fix: {fix}", message.trim_end_matches('.'));
    }
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

fn emit(
    out: &mut dyn Write,
    kind: &str,
    list: &[Annotation<'_>],
    several: bool,
    what: &str,
    room: usize,
) -> io::Result<()> {
    if room == 0 {
        return Ok(());
    }
    for (i, a) in list.iter().enumerate() {
        if i == room - 1 && list.len() > room {
            let more = list.len() - i;
            writeln!(
                out,
                "::{kind} title=oauth-preflight::{more} more {what} (GitHub shows {LIMIT} annotations of a type per step): see the step summary or the report"
            )?;
            return Ok(());
        }
        writeln!(out, "{}", command(kind, a, several))?;
    }
    Ok(())
}

pub(super) fn render(
    reports: &[Report],
    opts: RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let several = reports.len() > 1;
    let pick = |s: Status| -> Vec<Annotation<'_>> {
        reports
            .iter()
            .flat_map(|r| {
                r.checks.iter().map(move |f| Annotation {
                    report: r,
                    finding: f,
                })
            })
            .filter(|a| a.finding.status == s)
            .collect()
    };
    let (fails, warns) = (pick(Status::Fail), pick(Status::Warn));
    // A run that could not complete comes first: past 10 errors GitHub shows no more.
    let mut stopped = 0;
    for r in reports {
        if let Some(e) = &r.error {
            stopped += 1;
            writeln!(
                out,
                "::error title=oauth-preflight::{}",
                escape_data(&format!("{}: could not complete: {}", r.label(), e.message))
            )?;
        }
    }
    let room = LIMIT.saturating_sub(stopped);
    emit(out, "error", &fails, several, "failing checks", room)?;
    emit(out, "warning", &warns, several, "warnings", LIMIT)?;
    let s = total(reports);
    let mut strict = if opts.strict {
        " (--strict: warnings fail)".to_owned()
    } else {
        String::new()
    };
    if let Some(line) = super::baseline::all_failing_unchanged(reports, opts.strict) {
        strict.push_str(&format!("; {line}"));
    }
    writeln!(
        out,
        "::notice title=oauth-preflight::{}",
        escape_data(&format!(
            "{} target(s): {} pass, {} warn, {} fail, {} skip{strict}",
            reports.len(),
            s.pass,
            s.warn,
            s.fail,
            s.skip
        ))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(
            escape_data("%0A"),
            "%250A",
            "% first, so an escape is not unescaped twice"
        );
        assert_eq!(escape_property("a:b,c%\nd"), "a%3Ab%2Cc%25%0Ad");
        assert_eq!(
            escape_data("a\0b\u{1}\u{8}\u{b}\u{1b}[2J\u{7}"),
            "a\\u{0}b\\u{1}\\u{8}\\u{b}\\u{1b}[2J\\u{7}"
        );
    }
}
