//! Where reports go (`--format`, `--output`) and the exit code they make. The output file is
//! checked, and created, before any network or browser step (DESIGN.md §8.1): a person must not
//! sign in only to lose the report to a missing directory.

use super::{Format, RenderOptions, Report, render};
use crate::checks::Status;
use crate::exit::{Error, Exit};
use std::io::{IsTerminal, Write};

/// The validated output flags.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub format: Format,
    /// `--output FILE`; standard output when absent.
    pub path: Option<String>,
    pub verbose: bool,
    pub strict: bool,
}

impl Output {
    fn error(&self, source: std::io::Error) -> Error {
        Error::Output {
            path: self
                .path
                .clone()
                .unwrap_or_else(|| "standard output".into()),
            source,
        }
    }

    /// Creates (truncates) the output file now, so that a path that cannot be written fails
    /// before the flow: a missing directory, a directory, a read-only place. A character device
    /// (e.g. `/dev/full`) gets one newline as a test write.
    pub fn prepare(&self) -> Result<(), Error> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let meta = std::fs::metadata(path).ok();
        if meta.as_ref().is_some_and(std::fs::Metadata::is_dir) {
            return Err(self.error(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        let device = meta.as_ref().is_some_and(is_char_device);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(!device)
            .open(path)
            .map_err(|e| self.error(e))?;
        if device {
            f.write_all(b"\n")
                .and_then(|()| f.flush())
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Writes the reports in `--format`, to `--output` or standard output.
    pub fn write(&self, reports: &[Report]) -> Result<(), Error> {
        let mut opts = RenderOptions {
            format: self.format,
            color: false,
            verbose: self.verbose,
            strict: self.strict,
        };
        match &self.path {
            Some(path) => std::fs::File::create(path)
                .and_then(|f| {
                    let mut w = std::io::BufWriter::new(f);
                    render(reports, opts, &mut w)?;
                    w.flush()
                })
                .map_err(|e| self.error(e)),
            None => {
                let stdout = std::io::stdout();
                opts.color = self.format == Format::Human
                    && stdout.is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                let mut w = std::io::BufWriter::new(stdout.lock());
                match render(reports, opts, &mut w).and_then(|()| w.flush()) {
                    // `| head` closed the pipe: the reader has what it wanted.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    other => other.map_err(|e| self.error(e)),
                }
            }
        }
    }
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
    if worst == Status::Fail || (strict && worst == Status::Warn) {
        Exit::CheckFailed
    } else {
        Exit::Ok
    }
}
