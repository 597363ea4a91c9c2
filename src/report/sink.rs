//! Every format written as the targets come (issue 18, item 5): a [`Sink`] gets one report at a
//! time, writes it (or spools it to a temporary file, for a format whose head holds the
//! totals), and keeps only a [`Tally`](super::Tally). 200,000 apps cost one report's memory, not 700 MB of
//! report text.

use super::{Report, SCHEMA};
use std::io::{self, BufWriter, Seek, Write};

/// One report format, written target by target.
pub trait Sink {
    /// Writes one target, before the next one is judged.
    fn target(&mut self, report: &Report) -> io::Result<()>;
    /// Writes what comes after the last target (with a spooling format, the head, then the
    /// spooled targets), and flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// The targets of a format whose head holds the totals (JUnit, Markdown, HTML): in memory up to
/// 1 MiB, past it in an unnamed temporary file (gone when dropped), copied after the head.
pub(super) struct Spool {
    file: BufWriter<tempfile::SpooledTempFile>,
    /// Bytes still kept; past them, writes are dropped (a reader that shows no more).
    room: usize,
}

impl Spool {
    pub(super) fn new() -> Self {
        Self::at_most(usize::MAX)
    }

    /// A spool that keeps the first `room` bytes written to it.
    pub(super) fn at_most(room: usize) -> Self {
        Self {
            file: BufWriter::new(tempfile::spooled_tempfile(1 << 20)),
            room,
        }
    }

    /// Copies what was kept to `out`.
    pub(super) fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.file.flush().map_err(spooling)?;
        let file = self.file.get_mut();
        file.rewind().map_err(spooling)?;
        let mut chunk = vec![0; 64 << 10];
        loop {
            match io::Read::read(file, &mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => out.write_all(&chunk[..n])?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(spooling(e)),
            }
        }
    }
}

/// A failure of the spool's temporary file, not of the report's own output: the machine's
/// (exit 3), told apart from a write to the output (exit 2) by [`is_spooling`].
#[derive(Debug, thiserror::Error)]
#[error("a temporary file under $TMPDIR (or /tmp) could not hold the report: {0}")]
struct Spooling(io::Error);

fn spooling(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), Spooling(e))
}

/// `e` is a failure of a spool's temporary file.
pub(super) fn is_spooling(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Spooling>())
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let keep = buf.len().min(self.room);
        if keep > 0 {
            self.file.write_all(&buf[..keep]).map_err(spooling)?;
            self.room -= keep;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(spooling)
    }
}

/// `oauth-preflight/report/v1` (DESIGN.md §5), written element by element: the bytes of
/// `serde_json::to_writer` of the whole document, one report at a time.
pub(super) struct Json<'a> {
    out: Box<dyn Write + 'a>,
    started: bool,
}

impl<'a> Json<'a> {
    pub(super) fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            started: false,
        }
    }

    /// The document up to the `reports` array's first element: once, when the first target is
    /// written (or at the end, when there is none).
    fn start(&mut self) -> io::Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.out.write_all(b"{\"schema\":")?;
        serde_json::to_writer(&mut self.out, SCHEMA)?;
        self.out.write_all(b",\"tool\":{\"name\":")?;
        serde_json::to_writer(&mut self.out, env!("CARGO_PKG_NAME"))?;
        self.out.write_all(b",\"version\":")?;
        serde_json::to_writer(&mut self.out, env!("CARGO_PKG_VERSION"))?;
        self.out.write_all(b"},\"generated_at\":")?;
        serde_json::to_writer(&mut self.out, &at)?;
        self.out.write_all(b",\"reports\":[")
    }
}

impl Sink for Json<'_> {
    fn target(&mut self, report: &Report) -> io::Result<()> {
        if self.started {
            self.out.write_all(b",")?;
        } else {
            self.start()?;
        }
        serde_json::to_writer(&mut self.out, report)?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.start()?;
        self.out.write_all(b"]}\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckId, Finding};
    use crate::report::{Format, Mode, RenderOptions, Target, render};

    fn reports() -> Vec<Report> {
        let t = |id: &str, name: &str| Target {
            client_id: Some(id.into()),
            display_name: Some(name.into()),
            source: Some("x.json".into()),
            ..Target::default()
        };
        vec![
            Report::new(
                Mode::Lint,
                t("00000001-1111-4000-8000-000000000001", "a \"quoted\"\nname"),
                vec![
                    Finding::pass(CheckId::AppExists, "ok", "ok"),
                    Finding::fail(CheckId::RedirectNgrok, "no", "none", "add it"),
                ],
            ),
            Report::new(Mode::Lint, t("x", "é"), vec![]).with_error("stopped"),
        ]
    }

    /// The JSON written element by element is the whole document's serialisation.
    #[test]
    fn json_element_by_element_is_the_document() {
        #[derive(serde::Serialize)]
        struct Tool {
            name: &'static str,
            version: &'static str,
        }
        #[derive(serde::Serialize)]
        struct Document<'a> {
            schema: &'static str,
            tool: Tool,
            generated_at: &'a str,
            reports: &'a [Report],
        }
        for reports in [reports(), Vec::new()] {
            let mut streamed = Vec::new();
            render(
                &reports,
                RenderOptions {
                    format: Format::Json,
                    ..RenderOptions::default()
                },
                &mut streamed,
            )
            .unwrap();
            let streamed = String::from_utf8(streamed).unwrap();
            let at: serde_json::Value = serde_json::from_str(&streamed).unwrap();
            let whole = serde_json::to_string(&Document {
                schema: SCHEMA,
                tool: Tool {
                    name: env!("CARGO_PKG_NAME"),
                    version: env!("CARGO_PKG_VERSION"),
                },
                generated_at: at["generated_at"].as_str().unwrap(),
                reports: &reports,
            })
            .unwrap();
            assert_eq!(streamed, format!("{whole}\n"));
        }
    }

    #[test]
    fn a_spool_gives_back_what_it_took_past_memory() {
        let mut spool = Spool::new();
        let chunk = vec![b'x'; 300 << 10];
        for _ in 0..5 {
            spool.write_all(&chunk).unwrap();
        }
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(out.len(), 5 * chunk.len());
        assert!(out.iter().all(|b| *b == b'x'));
        let mut short = Spool::at_most(5);
        short.write_all(b"abc").unwrap();
        short.write_all(b"defgh").unwrap();
        let mut out = Vec::new();
        short.copy_to(&mut out).unwrap();
        assert_eq!(out, b"abcde");
    }
}
