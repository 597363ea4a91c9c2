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
    /// A local Microsoft identity platform (discovery, authorize, token, JWKS, Graph /me) for
    /// your registrations, on loopback HTTPS, until SIGINT or SIGTERM.
    Emulate(EmulateArgs),
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

/// `emulate` flags.
#[derive(Debug, Args)]
pub struct EmulateArgs {
    /// Registration JSON to serve (repeatable); without it, the bundled fixture apps.
    #[arg(long = "app", value_name = "FILE")]
    pub apps: Vec<String>,
    /// Address to listen on (loopback only); port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Write the emulator's CA certificate (PEM) here; clients must trust it.
    #[arg(long, value_name = "FILE")]
    pub ca_out: Option<String>,
    /// The user who signs in when a request has no login_hint (default alice@contoso.example).
    #[arg(long, value_name = "UPN")]
    pub user: Option<String>,
    /// Inject a fault (repeatable): id-token-bad-signature, id-token-alg-none, id-token-wrong-aud,
    /// id-token-wrong-iss, id-token-expired, id-token-nonce-mismatch, id-token-no-kid,
    /// key-rotation, graph-down, token-endpoint-html-500, slow-token-endpoint[=SECS].
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Sign with freshly generated RSA keys instead of the embedded test keys.
    #[arg(long)]
    pub generate_keys: bool,
}
