//! The error type of every command and the documented exit codes (DESIGN.md §3). A leaf: every
//! command imports it, it imports nothing of ours but the loader's error.

use crate::registration::LoadError;
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
    /// Could not complete: authority unreachable, TLS failure, a 5xx or an HTML page where JSON
    /// was due, timed out, interrupted.
    Incomplete = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        Self::from(e as u8)
    }
}

/// Why a command could not produce a (complete) report. Messages are one line and never hold
/// a secret.
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
