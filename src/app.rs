//! Dispatch: validated configuration in, an exit code out. `main` only prints our errors.

use crate::checks::{LintOptions, Status};
use crate::cli::{Cli, Command, GlobalArgs};
use crate::registration::LoadError;
use crate::report::{self, Format, RenderOptions, Report};
use chrono::{DateTime, Utc};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// The documented exit codes (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// No check failed (warnings allowed unless `--strict`).
    Ok = 0,
    /// At least one check failed: the configuration is wrong.
    CheckFailed = 1,
    /// Usage or input error: bad flag, unreadable or malformed file, invalid GUID.
    Input = 2,
    /// Could not complete: authority unreachable, TLS failure, timed out.
    Incomplete = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        Self::from(e as u8)
    }
}

/// Why a command could not produce a report. Messages are one line and never hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Incomplete(String),
    #[error("cannot write the report to {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The exit code this error maps to.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Load(_) | Self::Usage(_) | Self::Output { .. } => Exit::Input,
            Self::Incomplete(_) => Exit::Incomplete,
        }
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Exit, Error> {
    let reports = match &cli.command {
        Command::Lint(args) => {
            let now = match &args.at {
                Some(at) => parse_at(at)?,
                None => Utc::now(),
            };
            let opts = LintOptions {
                now,
                secret_min_days: i64::from(args.secret_min_days),
            };
            let policy = match &args.ngrok_policy {
                Some(p) => Some(crate::ngrok::load(p).map_err(|e| Error::Usage(e.to_string()))?),
                None => None,
            };
            crate::lint::lint_files(&args.files, &opts, policy.as_ref())?
        }
        Command::Emulate(args) => return crate::emulate::run(args),
        Command::Run(args) => return crate::live::run(args, &cli.global),
        Command::Probe(args) => return crate::live::probe(args, &cli.global),
        Command::Demo(_) => return crate::live::demo(&cli.global),
        Command::Explain(args) => return crate::live::explain(args, &cli.global),
    };
    emit(&reports, &cli.global)?;
    Ok(verdict(&reports, cli.global.strict))
}

/// Parses `--at`.
pub fn parse_at(at: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(at)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            Error::Usage(format!(
                "--at {at:?} is not an RFC 3339 instant ({e}), e.g. 2027-01-31T00:00:00Z"
            ))
        })
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

/// Writes the reports where `--output` says, in `--format`.
pub fn emit(reports: &[Report], g: &GlobalArgs) -> Result<(), Error> {
    let mut opts = RenderOptions {
        format: g.format,
        color: false,
        verbose: g.verbose,
        strict: g.strict,
    };
    match &g.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|f| {
                let mut w = std::io::BufWriter::new(f);
                report::render(reports, opts, &mut w)?;
                w.flush()
            })
            .map_err(|source| Error::Output {
                path: path.clone(),
                source,
            }),
        None => {
            let stdout = std::io::stdout();
            opts.color = g.format == Format::Human
                && stdout.is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let mut w = std::io::BufWriter::new(stdout.lock());
            match report::render(reports, opts, &mut w).and_then(|()| w.flush()) {
                // `| head` closed the pipe: the reader has what it wanted.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|source| Error::Output {
                    path: "standard output".into(),
                    source,
                }),
            }
        }
    }
}
