//! GitHub Actions workflow commands (DESIGN.md §8.3): `::error` for each failing check,
//! `::warning` for each warning (with `file=` where lint read a file; the message carries the
//! title, the evidence and the fix), then one `::notice` with the totals. Values are escaped as
//! the runner unescapes them (`NGROK.md` §6.2): in messages `%`, CR, LF; in properties also `:`
//! and `,`; `%` first. Other control characters (NUL, BEL, ESC...) are shown as `\u{..}`, as in
//! the human report. GitHub shows 10 annotations of a type per step: the 10th says how many more
//! there are.

use super::sink::Sink;
use super::{Report, Tally};
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

/// A finding to annotate, with what its message names of its target.
struct Annotation {
    /// The file lint read, where it is one (not standard input, not Graph).
    file: Option<String>,
    label: String,
    address: Option<String>,
    finding: Finding,
}

impl Annotation {
    fn of(report: &Report, finding: &Finding) -> Self {
        Self {
            file: report
                .target
                .source
                .clone()
                .filter(|s| s != "<stdin>" && !s.starts_with("graph:")),
            label: report.label(),
            address: report.target.address.clone(),
            finding: finding.clone(),
        }
    }

    fn command(&self, kind: &str, several: bool) -> String {
        let f = &self.finding;
        let mut props = Vec::new();
        if let Some(file) = &self.file {
            props.push(format!("file={}", escape_property(file)));
        }
        props.push(format!("title={}", escape_property(f.id.as_str())));
        let mut message = f.title.clone();
        if several {
            message = format!("{} ({message})", self.label);
        }
        // Terraform or ARM: the resource in the file.
        if let Some(address) = &self.address {
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
}

/// The annotations of one type: GitHub shows 10, so only the first 10 are held (the message
/// names the target only when there are several, known at the end); the rest are counted.
#[derive(Default)]
struct Held {
    first: Vec<Annotation>,
    count: usize,
}

impl Held {
    fn add(&mut self, report: &Report, finding: &Finding) {
        if self.first.len() < LIMIT {
            self.first.push(Annotation::of(report, finding));
        }
        self.count += 1;
    }

    /// Writes at most `room` annotations; when there are more, the last line says how many.
    fn emit(
        &self,
        out: &mut dyn Write,
        kind: &str,
        several: bool,
        what: &str,
        room: usize,
    ) -> io::Result<()> {
        if room == 0 {
            return Ok(());
        }
        for (i, a) in self.first.iter().enumerate() {
            if i == room - 1 && self.count > room {
                let more = self.count - i;
                writeln!(
                    out,
                    "::{kind} title=oauth-preflight::{more} more {what} (GitHub shows {LIMIT} annotations of a type per step): see the step summary or the report"
                )?;
                return Ok(());
            }
            writeln!(out, "{}", a.command(kind, several))?;
        }
        Ok(())
    }
}

/// The workflow commands: a run that could not complete at once (those come first: past 10
/// errors GitHub shows no more), the failing checks then the warnings at the end.
pub(super) struct Github<'a> {
    out: Box<dyn Write + 'a>,
    strict: bool,
    fails: Held,
    warns: Held,
    tally: Tally,
}

impl<'a> Github<'a> {
    pub(super) fn new(strict: bool, out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            strict,
            fails: Held::default(),
            warns: Held::default(),
            tally: Tally::new(strict),
        }
    }
}

impl Sink for Github<'_> {
    fn target(&mut self, r: &Report) -> io::Result<()> {
        self.tally.add(r);
        if let Some(e) = &r.error {
            writeln!(
                self.out,
                "::error title=oauth-preflight::{}",
                escape_data(&format!("{}: could not complete: {}", r.label(), e.message))
            )?;
        }
        for f in &r.checks {
            match f.status {
                Status::Fail => self.fails.add(r, f),
                Status::Warn => self.warns.add(r, f),
                Status::Pass | Status::Skip => {}
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let t = &self.tally;
        let several = t.targets > 1;
        let room = LIMIT.saturating_sub(t.stopped);
        let out = &mut self.out;
        self.fails
            .emit(out, "error", several, "failing checks", room)?;
        self.warns
            .emit(out, "warning", several, "warnings", LIMIT)?;
        let s = t.summary;
        let mut strict = if self.strict {
            " (--strict: warnings fail)".to_owned()
        } else {
            String::new()
        };
        if let Some(line) = t.all_failing_unchanged() {
            strict.push_str(&format!("; {line}"));
        }
        writeln!(
            out,
            "::notice title=oauth-preflight::{}",
            escape_data(&format!(
                "{} target(s): {} pass, {} warn, {} fail, {} skip{strict}",
                t.targets, s.pass, s.warn, s.fail, s.skip
            ))
        )?;
        out.flush()
    }
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
