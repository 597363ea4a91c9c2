//! Command-line definitions (clap derive): the raw flags, one struct per subcommand.
//! They are validated once into typed configuration; nothing downstream reads them (STYLE.md §2).

use crate::report::Format;
use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

/// Where `--client-secret-env` looks by default.
pub const SECRET_ENV: &str = "OAUTH_PREFLIGHT_CLIENT_SECRET";
/// Where `--graph-token-env` looks by default.
pub const GRAPH_TOKEN_ENV: &str = "OAUTH_PREFLIGHT_GRAPH_TOKEN";

/// Will this Microsoft Entra app registration work as the custom OAuth app behind ngrok?
#[derive(Debug, Parser)]
#[command(name = "oauth-preflight", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The report flags. Given before the subcommand (`oauth-preflight --format json lint …`) or
/// after it (`oauth-preflight lint --format json …`); offered only by the commands that write
/// reports (not `emulate`, where they would do nothing).
#[derive(Debug, Default, Args)]
pub struct GlobalArgs {
    /// Report format [default: human].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output. The file is created before any
    /// network or browser step, and written even when a run cannot complete (exit 3).
    #[arg(long, value_name = "FILE")]
    pub output: Option<String>,
    /// Also write the report in FORMAT to PATH (repeatable), e.g. junit=preflight.xml.
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<String>,
    /// An earlier JSON report: each check is marked unchanged, regressed, fixed or new, and only
    /// a regression (worse than before, or new and failing) fails the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<String>,
    /// Warnings fail too (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Show evidence under passing checks too.
    #[arg(short, long)]
    pub verbose: bool,
}

impl GlobalArgs {
    /// These flags given after the subcommand, over the ones given before it.
    pub fn over(&self, before: &Self) -> Self {
        Self {
            format: self.format.or(before.format),
            output: self.output.clone().or_else(|| before.output.clone()),
            report: before.report.iter().chain(&self.report).cloned().collect(),
            baseline: self.baseline.clone().or_else(|| before.baseline.clone()),
            strict: self.strict || before.strict,
            verbose: self.verbose || before.verbose,
        }
    }

    /// Any of them given (for the commands that take none).
    pub fn any(&self) -> bool {
        self.format.is_some()
            || self.output.is_some()
            || !self.report.is_empty()
            || self.baseline.is_some()
            || self.strict
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Static checks of registration JSON: `az ad app show`, `az ad app list`, Graph
    /// `/applications`, or the portal manifest.
    Lint(LintArgs),
    /// A local Microsoft identity platform (discovery, authorize, token, JWKS, Graph /me) for
    /// your registrations, on loopback HTTPS, until SIGINT, SIGTERM or SIGHUP.
    Emulate(EmulateArgs),
    /// A real authorization-code flow (PKCE, state, nonce) against the app, with a one-shot local
    /// callback standing in for idp.ngrok.com; then every token and Graph check.
    Run(RunArgs),
    /// The non-interactive part of `run`, for CI: discovery, the authorize answer, the secret
    /// (client credentials on a tenant authority) and, where no sign-in page stops it, the tokens.
    Probe(ProbeArgs),
    /// The whole flow against the embedded emulator: a good app and broken ones, no account,
    /// no network.
    Demo(DemoArgs),
    /// What an AADSTS error code means in an ngrok setup, and the fix.
    Explain(ExplainArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Manpage,
}

/// `completions` flags.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `lint` flags.
#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub out: GlobalArgs,
    /// Registration JSON files (`-` reads standard input): one app, an array, or {"value":[...]};
    /// a directory: its *.json files.
    #[arg(required_unless_present = "from_graph", value_name = "FILE|-")]
    pub files: Vec<String>,
    /// Read the registration of --client-id, and its service principal, from Microsoft Graph
    /// (GET /v1.0/applications(appId='…'), /v1.0/servicePrincipals(appId='…')).
    #[arg(long, requires = "client_id")]
    pub from_graph: bool,
    /// With --from-graph: the app's Application (client) ID.
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,
    /// With --from-graph: environment variable holding a Graph bearer token with
    /// Application.Read.All (e.g. from `az account get-access-token --resource-type ms-graph`).
    #[arg(
        long,
        value_name = "VAR",
        default_value = GRAPH_TOKEN_ENV
    )]
    pub graph_token_env: String,
    /// Where Microsoft Graph is (with --from-graph), and what to trust there.
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    /// Evaluate time-dependent checks as of this RFC 3339 instant ("will it still pass on
    /// deploy day?"), e.g. 2027-01-31T00:00:00Z.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Warn when the newest client secret expires within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = crate::checks::DEFAULT_SECRET_MIN_DAYS)]
    pub secret_min_days: u32,
    /// ngrok Traffic Policy (a policy file, an agent config, Kubernetes manifests or the ngrok
    /// API's endpoint JSON): check its Microsoft oauth action against the app it names (client
    /// id, provider, scopes, and its secret against the app's secret hints).
    #[arg(long, value_name = "FILE")]
    pub ngrok_policy: Option<String>,
    /// With --ngrok-policy: the endpoint (name or URL) whose policy to read.
    #[arg(long, value_name = "NAME|URL", requires = "ngrok_policy")]
    pub endpoint: Option<String>,
    /// With --ngrok-policy: an email ngrok would see after sign-in (repeatable); ngrok.access
    /// evaluates the policy's rules for each.
    #[arg(long, value_name = "EMAIL", requires = "ngrok_policy")]
    pub identity: Vec<String>,
    /// With --ngrok-policy: an email the policy's rules must stop (repeatable); ngrok.access
    /// passes when they stop it and fails when they let it through.
    #[arg(long, value_name = "EMAIL", requires = "ngrok_policy")]
    pub denied_identity: Vec<String>,
}

/// `emulate` flags.
#[derive(Debug, Args)]
pub struct EmulateArgs {
    /// Registration JSON to serve (repeatable); without it, the bundled fixture apps.
    #[arg(long = "app", value_name = "FILE")]
    pub apps: Vec<String>,
    /// A client secret Value for an app whose JSON has none (a real export: no x-emulator), read
    /// from the environment variable ENVVAR (repeatable). It is bound to the app's newest
    /// passwordCredentials entry whose hint starts it, so an expired one is refused as Entra
    /// refuses it (AADSTS7000222).
    #[arg(long, value_name = "CLIENT_ID=ENVVAR")]
    pub app_secret: Vec<String>,
    /// Address to listen on (loopback only); port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Write the emulator's CA certificate (PEM) here; clients must trust it.
    #[arg(long, value_name = "FILE")]
    pub ca_out: Option<String>,
    /// The user who signs in when a request has no login_hint (default alice@contoso.example).
    #[arg(long, value_name = "UPN")]
    pub user: Option<String>,
    // The help lists every fault the emulator has (`Fault::ALL`), so that none is left out.
    #[arg(long = "fault", value_name = "NAME", help = fault_help(false), long_help = fault_help(true))]
    pub faults: Vec<String>,
    /// Sign with freshly generated RSA keys instead of the embedded test keys.
    #[arg(long)]
    pub generate_keys: bool,
    /// Also write the ready line to this file (written whole, once ready), for
    /// `--emulator FILE` of run and probe.
    #[arg(long, value_name = "PATH")]
    pub ready_file: Option<String>,
    /// Log one line per request on standard error: method, path, status, AADSTS code (never a
    /// secret, code or token).
    #[arg(short, long)]
    pub verbose: bool,
}

/// `--fault`'s help from the emulator's own list: the names (`long`: one per line, with what
/// each does).
fn fault_help(long: bool) -> String {
    use crate::emulator::Fault;
    let name = |f: Fault| match f {
        Fault::SlowTokenEndpoint => format!("{}[=SECS]", f.name()),
        _ => f.name().to_owned(),
    };
    if long {
        let mut text = "Inject a fault (repeatable):\n".to_owned();
        for f in Fault::ALL {
            text.push_str(&format!("\n- {}: {}", name(*f), f.doc()));
        }
        text
    } else {
        let names: Vec<String> = Fault::ALL.iter().map(|f| name(*f)).collect();
        format!("Inject a fault (repeatable): {}", names.join(", "))
    }
}

/// Microsoft Graph, the trust root, and the emulator's ready line: declared once for every
/// command that talks to Graph (`lint --from-graph`, `run`, `probe`).
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// Microsoft Graph base URL (lint: with --from-graph).
    #[arg(
        long,
        value_name = "URL",
        default_value = crate::entra::GRAPH_URL
    )]
    pub graph: String,
    /// Extra trust root (PEM), e.g. the emulator's CA.
    #[arg(long, value_name = "PEM")]
    pub ca_cert: Option<String>,
    /// The ready line of `oauth-preflight emulate --ready-file FILE`: its authority, Graph and CA
    /// instead of --authority, --graph and --ca-cert.
    #[arg(long, value_name = "READY.json", env = "OAUTH_PREFLIGHT_EMULATOR", conflicts_with_all = ["graph", "ca_cert"])]
    pub emulator: Option<String>,
}

/// Where and as whom the live flow runs (`run` and `probe`).
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The app's Application (client) ID.
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,
    /// Authority tenant: common (as ngrok signs in), organizations, consumers, a GUID or a domain.
    #[arg(long, default_value = "common")]
    pub tenant: String,
    /// Environment variable holding the client secret's Value.
    #[arg(
        long,
        value_name = "VAR",
        default_value = SECRET_ENV
    )]
    pub client_secret_env: String,
    /// File holding the client secret's Value (first line).
    #[arg(long, value_name = "PATH")]
    pub client_secret_file: Option<String>,
    /// Scopes to request [default: "openid profile email User.Read", or the policy's].
    #[arg(long)]
    pub scopes: Option<String>,
    /// Redirect URI [default: run `http://localhost:8765/oauth2/callback`, probe
    /// `https://idp.ngrok.com/oauth2/callback`]. With run, a loopback one gets a one-shot local
    /// server (port 0: any free port) and ngrok's switches to paste-back mode; probe follows no
    /// redirect, so it needs no callback: ngrok's URI, as registered per ngrok's guide.
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// Identity platform base URL.
    #[arg(
        long,
        value_name = "URL",
        default_value = crate::flow::config::DEFAULT_AUTHORITY
    )]
    pub authority: String,
    /// Where Microsoft Graph is, and what to trust there.
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    /// ngrok Traffic Policy (a policy file, an agent config, Kubernetes manifests or the ngrok
    /// API's endpoint JSON): client id, secret and scopes from its Microsoft oauth action, which
    /// is judged too (ngrok.policy); a missing User.Read is then fixed in the policy's scopes.
    #[arg(long, value_name = "FILE")]
    pub ngrok_policy: Option<String>,
    /// With --ngrok-policy: the endpoint (name or URL) whose policy to read.
    #[arg(long, value_name = "NAME|URL", requires = "ngrok_policy")]
    pub endpoint: Option<String>,
    /// Registration JSON of the app: its evidence joins the live checks (both pieces of evidence
    /// kept, the worse verdict stands), and the checks only it can answer are judged.
    #[arg(long, value_name = "FILE")]
    pub app: Option<String>,
    /// Account to pre-fill at sign-in (login_hint); repeatable, one per sign-in (--accounts).
    #[arg(long, value_name = "UPN")]
    pub login_hint: Vec<String>,
    /// Sign in this many times (prompt=select_account each time): a user of another tenant than
    /// the first proves what ngrok's users meet (tenancy.other-tenant). Default: one per
    /// --login-hint, else 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=10))]
    pub accounts: Option<u8>,
    /// Seconds to wait for each HTTP answer.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub http_timeout: u64,
    /// Evaluate the joined static checks (--app) as of this RFC 3339 instant.
    #[arg(long, value_name = "RFC3339", requires = "app")]
    pub at: Option<String>,
}

/// `run` flags.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub out: GlobalArgs,
    /// Command that opens the authorize URL (split as a shell would, no shell runs; the URL is
    /// appended, or replaces {url}). Default: $BROWSER, else the system opener.
    #[arg(long, value_name = "CMD", conflicts_with = "no_browser")]
    pub browser: Option<String>,
    /// Only print the URL.
    #[arg(long)]
    pub no_browser: bool,
    /// Seconds to wait for the browser to come back.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
}

/// `probe` flags.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub out: GlobalArgs,
}

/// `demo` flags.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub out: GlobalArgs,
}

/// `explain` flags.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// AADSTS codes (50011, AADSTS50011) or a pasted error text: every code in it is explained.
    #[arg(required = true, value_name = "CODE|TEXT")]
    pub what: Vec<String>,
    /// Output format: human, or json (one JSON object per line, one line per code). The report
    /// formats (junit, github, markdown) do not apply.
    #[arg(
        long,
        value_name = "FORMAT",
        value_parser = clap::builder::PossibleValuesParser::new(["human", "json"])
            .map(|s| Format::parse(&s).unwrap_or_default())
    )]
    pub format: Option<Format>,
}
