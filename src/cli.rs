//! Command-line definitions (clap derive): the raw flags, one struct per subcommand.
//! They are validated once into typed configuration; nothing downstream reads them (STYLE.md §2).

use crate::report::Format;
use clap::{Args, Parser, Subcommand};

/// Will this Microsoft Entra app registration work as the custom OAuth app behind ngrok?
#[derive(Debug, Parser)]
#[command(name = "oauth-preflight", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Report format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, global = true, value_name = "FILE")]
    pub output: Option<String>,
    /// Warnings fail too (exit 1).
    #[arg(long, global = true)]
    pub strict: bool,
    /// Show evidence under passing checks too.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Static checks of registration JSON: `az ad app show`, `az ad app list`, Graph
    /// `/applications`, or the portal manifest.
    Lint(LintArgs),
}

/// `lint` flags.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Registration JSON files (`-` reads standard input): one app, an array, or {"value":[...]}.
    #[arg(required = true, value_name = "FILE|-")]
    pub files: Vec<String>,
    /// Evaluate time-dependent checks as of this RFC 3339 instant ("will it still pass on
    /// deploy day?"), e.g. 2027-01-31T00:00:00Z.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Warn when the newest client secret expires within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub secret_min_days: u32,
}
