//! The documented exit codes (DESIGN.md §3). A leaf: it imports nothing of ours, so that any
//! layer that decides a verdict (the report) may name them.

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
