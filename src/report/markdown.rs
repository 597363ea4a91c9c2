//! A GitHub-flavoured Markdown summary: per target, the failing and warning checks with their
//! fix, then the totals. `--format markdown` prints it; with `GITHUB_STEP_SUMMARY` naming a file
//! it is appended there whatever the format (DESIGN.md §8.3).

use super::{Report, total};
use crate::checks::Status;
use std::io::{self, Write};

/// Text for a Markdown table cell: no line breaks, no `|`, no HTML tag.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace(['\r', '\n'], " ")
        .replace('<', "&lt;")
}

fn icon(s: Status) -> &'static str {
    match s {
        Status::Fail => "❌ fail",
        Status::Warn => "⚠️ warn",
        Status::Pass => "✅ pass",
        Status::Skip => "⏭️ skip",
    }
}

pub(super) fn render(reports: &[Report], out: &mut dyn Write) -> io::Result<()> {
    let s = total(reports);
    writeln!(out, "## oauth-preflight\n")?;
    writeln!(
        out,
        "{} target(s): **{} fail**, {} warn, {} pass, {} skip\n",
        reports.len(),
        s.fail,
        s.warn,
        s.pass,
        s.skip
    )?;
    for r in reports {
        let place = match (&r.target.source, &r.target.address) {
            (Some(src), Some(address)) => Some(format!("{src}, {address}")),
            (Some(src), None) => Some(src.clone()),
            (None, address) => address.clone(),
        };
        let head = match place {
            Some(at) => format!("{} `{}` ({})", r.mode.as_str(), cell(&r.label()), cell(&at)),
            None => format!("{} `{}`", r.mode.as_str(), cell(&r.label())),
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
            writeln!(out, "No failing or warning check.\n")?;
            continue;
        }
        writeln!(out, "| check | status | finding | fix |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for f in attention {
            let mark = if f.baseline_regressed() {
                " (regressed)"
            } else {
                ""
            };
            writeln!(
                out,
                "| `{}` | {}{mark} | {} | {} |",
                f.id,
                icon(f.status),
                cell(&f.title),
                cell(f.fix.as_deref().unwrap_or(""))
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_hold_one_line_of_text() {
        assert_eq!(cell("a|b\nc<script>"), "a\\|b c&lt;script>");
    }
}
