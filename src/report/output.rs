//! Where reports go (`--format`, `--output`, `--report`, the GitHub step summary) and the exit
//! code they make (with `--baseline`, regressions only). The output file is
//! checked, and created, before any network or browser step (DESIGN.md §8.1): a person must not
//! sign in only to lose the report to a missing directory. No output may be an input or another
//! output, and each is opened once: the handle made before the flow is the one written. Every
//! output is written target by target ([`Stream`]), all at once, as each app is judged: no
//! report is kept after it is written (issue 18, item 5).

use super::markdown::Markdown;
use super::{Earlier, Format, RenderOptions, Report, Sink, Tally};
use crate::exit::Exit;
use crate::same_file::{Named, refuse_clashes};
use std::io::{BufWriter, IsTerminal, Write};

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

/// Why a report could not be written, or may not be: each is the user's to change (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write the report to {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// An output that is an input or another output (compared as files).
    #[error("{0}")]
    Clash(String),
    /// A `--baseline` that cannot be read.
    #[error("--baseline {path}: {why}")]
    Baseline { path: String, why: String },
    /// The temporary file that holds a JUnit, Markdown or HTML report's targets until its
    /// totals are known failed: the machine's problem, not the user's (exit 3).
    #[error("cannot write the report to {path}: {source}")]
    Spool {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

type Error = OutputError;

fn output_error(path: &str, source: std::io::Error) -> Error {
    let path = path.to_owned();
    if super::sink::is_spooling(&source) {
        Error::Spool { path, source }
    } else {
        Error::Write { path, source }
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
    /// stay open until [`Output::stream`] writes them: closing a FIFO would end its reader.
    pub fn prepare(&self, inputs: &[Named]) -> Result<Prepared, Error> {
        let all: Vec<Named> = inputs.iter().chain(&self.inputs).cloned().collect();
        refuse_clashes(&self.named(), &all).map_err(Error::Clash)?;
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

    /// Starts writing the reports of this run: `--format` to `--output` or standard output,
    /// each `--report`, and the step summary, each target as it comes ([`Stream::target`]).
    /// Nothing is written before the first target (or [`Stream::finish`]): an input error found
    /// before it leaves every output empty.
    pub fn stream(&self, prepared: Prepared) -> Stream<'_> {
        let files = self
            .files()
            .zip(prepared.files)
            .map(|((format, path), file)| {
                let out = Box::new(BufWriter::new(file));
                (path.to_owned(), super::sink(self.options(format), out))
            })
            .collect();
        let stdout = self.path.is_none().then(|| {
            let stdout = std::io::stdout();
            let mut opts = self.options(self.format);
            opts.color = self.format == Format::Human && stdout.is_terminal() && !self.no_color;
            super::sink(opts, Box::new(BufWriter::new(stdout.lock())))
        });
        // The targets past what GitHub shows are not kept either.
        let summary = self.step_summary.as_ref().map(|path| {
            let markdown = Markdown::new(self.strict, Capped::default()).at_most(MAX_SUMMARY + 1);
            (path.clone(), markdown)
        });
        Stream {
            output: self,
            files,
            stdout,
            summary,
            tally: Tally::new(self.strict),
        }
    }

    /// Compares with the baseline, then writes every report: [`Output::stream`] of `reports`
    /// (`run` and `probe` have one). The exit code of what was written, as [`Stream::finish`]
    /// gives it.
    pub fn deliver(&self, reports: &mut [Report], prepared: Prepared) -> Result<Exit, Error> {
        let mut stream = self.stream(prepared);
        for r in reports {
            stream.target(r)?;
        }
        stream.finish()
    }
}

/// The reports of one run being written: each target is compared with the baseline, written to
/// every output and counted, then dropped by the caller; only the counts stay.
#[must_use = "the reports end with Stream::finish"]
pub struct Stream<'a> {
    output: &'a Output,
    /// `--output` then each `--report`, by path.
    files: Vec<(String, Box<dyn Sink>)>,
    /// Standard output, while it is open: `| head` may close it, and the rest is still written.
    stdout: Option<Box<dyn Sink>>,
    /// `GITHUB_STEP_SUMMARY`: its path, and the Markdown summary (as much as GitHub shows).
    summary: Option<(String, Markdown<Capped>)>,
    tally: Tally,
}

impl Stream<'_> {
    /// Compares `report` with the baseline and writes it to every output.
    pub fn target(&mut self, report: &mut Report) -> Result<(), Error> {
        if let Some(b) = &self.output.baseline {
            b.compare(std::slice::from_mut(report), self.output.strict);
        }
        self.tally.add(report);
        self.each(|sink| sink.target(report))?;
        if let Some((path, markdown)) = &mut self.summary
            && let Err(e) = markdown.target(report)
        {
            summary_warning(path, &e);
            self.summary = None;
        }
        Ok(())
    }

    /// Ends every output (a format whose head holds totals writes it now with the targets
    /// spooled), appends the step summary, and gives the exit code of the targets written.
    /// A step summary that cannot be written is a warning on standard error: the verdict
    /// stands.
    pub fn finish(mut self) -> Result<Exit, Error> {
        self.each(|sink| sink.finish())?;
        if let Some((path, mut markdown)) = self.summary.take()
            && let Err(e) = markdown
                .finish()
                .and_then(|()| append(&path, markdown.into_inner()))
        {
            summary_warning(&path, &e);
        }
        Ok(self.tally.verdict(self.output.baseline.is_some()))
    }

    /// `write` on every report file (the first that fails is the error) and on standard output
    /// (a closed pipe ends it there, and only there).
    fn each(
        &mut self,
        mut write: impl FnMut(&mut dyn Sink) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        for (path, sink) in &mut self.files {
            write(sink.as_mut()).map_err(|e| output_error(path, e))?;
        }
        if let Some(sink) = &mut self.stdout {
            match write(sink.as_mut()) {
                // `| head` closed the pipe: the reader has what it wanted.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => self.stdout = None,
                other => other.map_err(|e| output_error("standard output", e))?,
            }
        }
        Ok(())
    }
}

fn summary_warning(path: &str, e: &std::io::Error) {
    let _ = writeln!(
        std::io::stderr(),
        "warning: cannot append the step summary to {path} (GITHUB_STEP_SUMMARY): {e}; the verdict stands"
    );
}

/// The step summary's text: its first [`MAX_SUMMARY`] bytes, and one more to know there were
/// more (GitHub shows no more).
#[derive(Debug, Default)]
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = (MAX_SUMMARY + 1).saturating_sub(self.0.len());
        self.0.extend_from_slice(&buf[..buf.len().min(room)]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends the Markdown summary to the step summary file, cut where GitHub stops reading.
fn append(path: &str, Capped(mut text): Capped) -> std::io::Result<()> {
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
