//! Where reports go (`--format`, `--output`, `--report`, the GitHub step summary) and the exit
//! code they make (with `--baseline`, regressions only). The output file is
//! checked, and created, before any network or browser step (DESIGN.md §8.1): a person must not
//! sign in only to lose the report to a missing directory. No output may be an input or another
//! output, and each is opened once: the handle made before the flow is the one written.

use super::{Earlier, Format, RenderOptions, Report, render};
use crate::checks::Status;
use crate::error::Error;
use crate::exit::Exit;
use crate::same_file::{Named, refuse_clashes};
use std::io::{IsTerminal, Write};

/// The validated output flags.
#[derive(Debug, Default)]
pub struct Output {
    pub format: Format,
    /// `--output FILE`; standard output when absent.
    pub path: Option<String>,
    /// `--report FORMAT=PATH`: more reports of the same run.
    pub reports: Vec<(Format, String)>,
    pub verbose: bool,
    pub strict: bool,
    /// `--baseline FILE`, read.
    pub baseline: Option<Earlier>,
    /// The files these flags read (`--baseline`): no report may overwrite them.
    pub inputs: Vec<Named>,
    /// `GITHUB_STEP_SUMMARY`: a file the Markdown summary is appended to.
    pub step_summary: Option<String>,
    /// `NO_COLOR` is set: no colour even on a terminal.
    pub no_color: bool,
}

/// GitHub refuses a step summary over 1 MiB (NGROK.md §6.4); ours stays well under it.
const MAX_SUMMARY: usize = 1000 * 1024;

/// Cuts UTF-8 `text` to at most `max` bytes, at a character's first byte: it stays UTF-8.
fn cut_utf8(text: &mut Vec<u8>, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max;
    while end > 0 && text[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    text.truncate(end);
}

fn output_error(path: &str, source: std::io::Error) -> Error {
    Error::Output {
        path: path.to_owned(),
        source,
    }
}

impl Output {
    /// Every file a report goes to, with its format.
    fn files(&self) -> impl Iterator<Item = (Format, &str)> {
        self.path
            .as_deref()
            .map(|p| (self.format, p))
            .into_iter()
            .chain(self.reports.iter().map(|(f, p)| (*f, p.as_str())))
    }

    /// Every report file, named by its flag.
    fn named(&self) -> Vec<Named> {
        self.path
            .iter()
            .map(|p| Named::new("--output", p))
            .chain(
                self.reports
                    .iter()
                    .map(|(f, p)| Named::new(format!("--report {}=", f.as_str()), p)),
            )
            .collect()
    }

    /// Refuses a report file that is one of `inputs` (or of this output's own, the baseline) or
    /// another report file, then creates (truncates) every report file now, so that a path that
    /// cannot be written fails before the flow: a missing directory, a directory, a read-only
    /// place. A character device (e.g. `/dev/full`) gets one newline as a test write. The files
    /// stay open until [`Output::deliver`] writes them: closing a FIFO would end its reader.
    pub fn prepare(&self, inputs: &[Named]) -> Result<Prepared, Error> {
        let all: Vec<Named> = inputs.iter().chain(&self.inputs).cloned().collect();
        refuse_clashes(&self.named(), &all).map_err(Error::Usage)?;
        let files = self
            .files()
            .map(|(_, path)| prepare_file(path))
            .collect::<Result<_, _>>()?;
        Ok(Prepared { files })
    }

    fn options(&self, format: Format) -> RenderOptions {
        RenderOptions {
            format,
            color: false,
            verbose: self.verbose,
            strict: self.strict,
        }
    }

    /// Compares with the baseline, then writes every report: `--format` to `--output` or
    /// standard output, each `--report`, and the step summary.
    /// A step summary that cannot be written is a warning on standard error: the verdict
    /// stands.
    pub fn deliver(&self, reports: &mut [Report], prepared: Prepared) -> Result<(), Error> {
        if let Some(b) = &self.baseline {
            b.compare(reports, self.strict);
        }
        for ((format, path), file) in self.files().zip(prepared.files) {
            let mut w = std::io::BufWriter::new(file);
            render(reports, self.options(format), &mut w)
                .and_then(|()| w.flush())
                .map_err(|e| output_error(path, e))?;
        }
        if self.path.is_none() {
            let stdout = std::io::stdout();
            let mut opts = self.options(self.format);
            opts.color = self.format == Format::Human && stdout.is_terminal() && !self.no_color;
            let mut w = std::io::BufWriter::new(stdout.lock());
            match render(reports, opts, &mut w).and_then(|()| w.flush()) {
                // `| head` closed the pipe: the reader has what it wanted.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.map_err(|e| output_error("standard output", e))?,
            }
        }
        if let Some(path) = &self.step_summary
            && let Err(e) = self.summarize(reports, path)
        {
            let _ = writeln!(
                std::io::stderr(),
                "warning: cannot append the step summary to {path} (GITHUB_STEP_SUMMARY): {e}; the verdict stands"
            );
        }
        Ok(())
    }

    /// Appends the Markdown summary to the step summary file.
    fn summarize(&self, reports: &[Report], path: &str) -> std::io::Result<()> {
        let mut text = Vec::new();
        render(reports, self.options(Format::Markdown), &mut text)?;
        if text.len() > MAX_SUMMARY {
            cut_utf8(&mut text, MAX_SUMMARY);
            text.extend_from_slice(
                b"\n\n(cut at 1000 KiB: GitHub shows no more; see the JSON report)\n",
            );
        }
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)?
            .write_all(&text)
    }

    /// The exit code of these reports: a failing check (or a warning with `--strict`) is exit
    /// 1; with a baseline, only a regression is.
    pub fn verdict(&self, reports: &[Report]) -> Exit {
        if self.baseline.is_some() {
            super::baseline::verdict(reports, self.strict)
        } else {
            verdict(reports, self.strict)
        }
    }
}

/// The report files, open since [`Output::prepare`], in the order of `--output` then `--report`.
#[derive(Debug)]
#[must_use = "the reports are written through these files"]
pub struct Prepared {
    files: Vec<std::fs::File>,
}

fn prepare_file(path: &str) -> Result<std::fs::File, Error> {
    let meta = std::fs::metadata(path).ok();
    if meta.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        return Err(output_error(
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
        ));
    }
    let device = meta.as_ref().is_some_and(is_char_device);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(!device)
        .open(path)
        .map_err(|e| output_error(path, e))?;
    if device {
        f.write_all(b"\n")
            .and_then(|()| f.flush())
            .map_err(|e| output_error(path, e))?;
    }
    Ok(f)
}

#[cfg(unix)]
fn is_char_device(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_char_device()
}

#[cfg(not(unix))]
fn is_char_device(_: &std::fs::Metadata) -> bool {
    false
}

/// Exit 1 when a check failed (or warned, with `--strict`).
pub fn verdict(reports: &[Report], strict: bool) -> Exit {
    let worst = reports
        .iter()
        .flat_map(|r| &r.checks)
        .map(|f| f.status)
        .max()
        .unwrap_or(Status::Pass);
    if worst.fails(strict) {
        Exit::CheckFailed
    } else {
        Exit::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::cut_utf8;

    #[test]
    fn a_cut_never_splits_a_character() {
        for max in 0..=7 {
            let mut text = "a€b€".as_bytes().to_vec(); // 1 + 3 + 1 + 3 bytes
            cut_utf8(&mut text, max);
            assert!(text.len() <= max, "{max}");
            let s = String::from_utf8(text).expect("UTF-8");
            assert!("a€b€".starts_with(&s), "{max}: {s}");
        }
        let mut text = "a€b€".as_bytes().to_vec();
        cut_utf8(&mut text, 5);
        assert_eq!(text, "a€b".as_bytes());
        let mut whole = b"abc".to_vec();
        cut_utf8(&mut whole, 10);
        assert_eq!(whole, b"abc");
    }
}
