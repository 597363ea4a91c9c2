//! A GitHub-flavoured Markdown summary: per target, the failing and warning checks with their
//! evidence and fix, then the totals. `--format markdown` prints it; with `GITHUB_STEP_SUMMARY`
//! naming a file it is appended there whatever the format (DESIGN.md §8.3).
//!
//! Every text from a registration, a file name or a server is untrusted: a display name
//! `![i](https://evil.example/t.png)` must not render as an image, `[l](…)` as a link, nor a
//! backtick close a code span. Such text is escaped as GitHub-flavoured Markdown reads it
//! (<https://github.github.com/gfm/#backslash-escapes>), or put in a code span whose fence is
//! longer than any run of backticks in it (<https://github.github.com/gfm/#code-spans>).

use super::sink::{Sink, Spool};
use super::{Report, Tally};
use crate::checks::Status;
use std::io::{self, Write};

/// The characters that start Markdown inline syntax in the middle of a line: code spans,
/// emphasis, links and images (`[`, `]`; `!` before `[`), raw HTML and autolinks (`<`),
/// character references (`&`), table cells, GFM strikethrough, GitHub's math, and the
/// backslash itself. (`>`, `#`, `-`, `+` act only at a line's start, which text here never is.)
const ACTIVE: [char; 12] = ['\\', '`', '*', '_', '[', ']', '!', '<', '&', '|', '~', '$'];

/// Untrusted text for a line of Markdown (a table cell, a paragraph): one line, control
/// characters shown, every active character backslash-escaped (a `|` so escaped stays in its
/// cell: <https://github.github.com/gfm/#tables-extension->).
fn cell(s: &str) -> String {
    let line = s.replace(['\r', '\n'], " ");
    let mut out = String::with_capacity(line.len() + 8);
    for c in super::text::one_line(&line).chars() {
        if ACTIVE.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Untrusted text as a code span: one line, control characters shown, fenced by one backtick
/// more than its longest run of them, and padded where it starts or ends with one.
fn code(s: &str) -> String {
    let line = s.replace(['\r', '\n'], " ");
    let line = super::text::one_line(&line);
    let longest = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if line.starts_with('`') || line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{line}{pad}{fence}")
}

fn icon(s: Status) -> &'static str {
    match s {
        Status::Fail => "❌ fail",
        Status::Warn => "⚠️ warn",
        Status::Pass => "✅ pass",
        Status::Skip => "⏭️ skip",
    }
}

/// The Markdown summary: the totals come first, so the targets are spooled and copied after
/// them.
pub(super) struct Markdown<W> {
    out: W,
    targets: Spool,
    tally: Tally,
}

impl<W: Write> Markdown<W> {
    pub(super) fn new(strict: bool, out: W) -> Self {
        Self {
            out,
            targets: Spool::new(),
            tally: Tally::new(strict),
        }
    }

    /// Keeps only the first `n` bytes of the targets (the step summary: GitHub shows 1 MiB).
    pub(super) fn at_most(mut self, n: usize) -> Self {
        self.targets = Spool::at_most(n);
        self
    }

    /// Where it was written.
    pub(super) fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for Markdown<W> {
    fn target(&mut self, r: &Report) -> io::Result<()> {
        self.tally.add(r);
        section(&mut self.targets, r)
    }

    fn finish(&mut self) -> io::Result<()> {
        let t = &self.tally;
        let s = t.summary;
        writeln!(self.out, "## oauth-preflight\n")?;
        writeln!(
            self.out,
            "{} target(s): **{} fail**, {} warn, {} pass, {} skip\n",
            t.targets, s.fail, s.warn, s.pass, s.skip
        )?;
        self.targets.copy_to(&mut self.out)?;
        if let Some(line) = t.all_failing_unchanged() {
            writeln!(self.out, "**Baseline:** {line}.\n")?;
        }
        self.out.flush()
    }
}

/// One target: its counts, and a table of the checks that need attention.
fn section(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let place = match (&r.target.source, &r.target.address) {
        (Some(src), Some(address)) => Some(format!("{src}, {address}")),
        (Some(src), None) => Some(src.clone()),
        (None, address) => address.clone(),
    };
    let head = match place {
        Some(at) => format!("{} {} ({})", r.mode.as_str(), code(&r.label()), cell(&at)),
        None => format!("{} {}", r.mode.as_str(), code(&r.label())),
    };
    writeln!(
        out,
        "### {head}: {} fail, {} warn, {} pass, {} skip\n",
        r.summary.fail, r.summary.warn, r.summary.pass, r.summary.skip
    )?;
    if let Some(e) = &r.error {
        writeln!(out, "**Could not complete:** {}\n", cell(&e.message))?;
    }
    let attention: Vec<_> = r
        .checks
        .iter()
        .filter(|f| f.status >= Status::Warn || f.baseline_regressed())
        .collect();
    if attention.is_empty() {
        return writeln!(out, "No failing or warning check.\n");
    }
    writeln!(out, "| check | status | finding | evidence | fix |")?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    for f in attention {
        let mark = if f.baseline_regressed() {
            " (regressed)"
        } else {
            ""
        };
        writeln!(
            out,
            "| `{}` | {}{mark} | {} | {} | {} |",
            f.id,
            icon(f.status),
            cell(&f.title),
            cell(&f.evidence),
            fix_cell(f)
        )?;
    }
    writeln!(out)
}

/// The fix, and its command as a code span (a `|` in it escaped, as GFM splits cells at one
/// even inside a code span: <https://github.github.com/gfm/#example-200>).
fn fix_cell(f: &crate::checks::Finding) -> String {
    let fix = cell(f.fix.as_deref().unwrap_or(""));
    match &f.fix_command {
        Some(cmd) => format!("{fix}. Command: {}", code(cmd).replace('|', "\\|")),
        None => fix,
    }
}

#[cfg(test)]
mod tests {
    use super::{cell, code};

    #[test]
    fn cells_hold_one_line_of_text() {
        assert_eq!(cell("a|b\nc<script>"), "a\\|b c\\<script>");
        assert_eq!(cell("bel\u{7}nul\0"), "bel\\\\u{7}nul\\\\u{0}");
    }

    /// Issue 18: a display name rendered as an image or a link, or closed the code span.
    #[test]
    fn untrusted_text_renders_as_text() {
        let name = "x` ![i](https://evil.example/t.png) [l](https://evil.example) ``";
        let c = cell(name);
        assert_eq!(
            c,
            "x\\` \\!\\[i\\](https://evil.example/t.png) \\[l\\](https://evil.example) \\`\\`"
        );
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code("plain"), "`plain`");
    }
}
