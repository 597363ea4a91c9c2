//! JUnit XML: one `<testsuite>` per target, one `<testcase>` per check; `fail` is a `<failure>`,
//! `skip` a `<skipped>`, `warn` a `<failure>` only with `--strict` (else noted in `<system-out>`).
//! Written by hand: a dozen lines of escaping do not justify a dependency.

use super::sink::{Sink, Spool};
use super::{Report, Tally};
use crate::checks::Status;
use std::io::{self, Write};

/// Escapes text for XML attributes and content; drops characters XML 1.0 forbids. Line breaks
/// and tabs are written as character references: the report is often printed to a CI log, where
/// a line that starts with attacker text (`::add-mask::` from a `displayName`) would be run as a
/// workflow command; an XML reader gives the same text back.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: the `<testsuites>` element's counts are known at the end, so the suites are
/// spooled and copied after it.
pub(super) struct Junit<'a> {
    out: Box<dyn Write + 'a>,
    strict: bool,
    suites: Spool,
    tally: Tally,
}

impl<'a> Junit<'a> {
    pub(super) fn new(strict: bool, out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            strict,
            suites: Spool::new(),
            tally: Tally::new(strict),
        }
    }
}

impl Sink for Junit<'_> {
    fn target(&mut self, report: &Report) -> io::Result<()> {
        self.tally.add(report);
        suite(&mut self.suites, report, self.strict)
    }

    fn finish(&mut self) -> io::Result<()> {
        let t = &self.tally;
        let all = t.summary;
        writeln!(self.out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            self.out,
            r#"<testsuites name="oauth-preflight" tests="{}" failures="{}" errors="{}" skipped="{}">"#,
            all.pass + all.warn + all.fail + all.skip + t.stopped,
            t.failures,
            t.stopped,
            all.skip
        )?;
        self.suites.copy_to(&mut self.out)?;
        writeln!(self.out, "</testsuites>")?;
        self.out.flush()
    }
}

/// One `<testsuite>`: a target, a `<testcase>` per check.
fn suite(out: &mut dyn Write, r: &Report, strict: bool) -> io::Result<()> {
    let failing = |s: Status| s.fails(strict);
    let error = usize::from(r.error.is_some());
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{error}" skipped="{}">"#,
        esc(&format!("{} {}", r.mode.as_str(), r.label())),
        r.checks.len() + error,
        r.checks.iter().filter(|f| failing(f.status)).count(),
        r.summary.skip
    )?;
    let class = esc(&format!(
        "oauth-preflight.{}.{}",
        r.mode.as_str(),
        r.target.client_id.as_deref().unwrap_or("unknown")
    ));
    for f in &r.checks {
        write!(
            out,
            r#"    <testcase classname="{class}" name="{}">"#,
            esc(&f.key())
        )?;
        let body = match &f.fix {
            Some(fix) => format!(
                "{}\nevidence: {}\nfix: {fix}\ndocs: {}",
                f.title, f.evidence, f.docs
            ),
            None => format!("{}\nevidence: {}", f.title, f.evidence),
        };
        if failing(f.status) {
            write!(
                out,
                r#"<failure message="{}" type="{}">{}</failure>"#,
                esc(&f.title),
                f.status.as_str(),
                esc(&body)
            )?;
        } else if f.status == Status::Skip {
            write!(out, r#"<skipped message="{}"/>"#, esc(&f.evidence))?;
        } else {
            let tag = if f.status == Status::Warn {
                "warning: "
            } else {
                ""
            };
            write!(out, "<system-out>{tag}{}</system-out>", esc(&body))?;
        }
        writeln!(out, "</testcase>")?;
    }
    if let Some(e) = &r.error {
        // The run itself could not complete: an <error>, which CI shows apart from failures.
        writeln!(
            out,
            r#"    <testcase classname="{class}" name="run"><error message="{}" type="incomplete">{}</error></testcase>"#,
            esc(&e.message),
            esc(&e.message)
        )?;
    }
    writeln!(out, "  </testsuite>")
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(esc("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert_eq!(
            esc("x\n::add-mask::y\r\n\tz"),
            "x&#10;::add-mask::y&#13;&#10;&#9;z"
        );
    }
}
