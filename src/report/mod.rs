//! Reports: findings grouped per target, rendered as human text, JSON (`oauth-preflight/report/v1`,
//! DESIGN.md §5), JUnit XML, GitHub workflow commands, Markdown or HTML (DESIGN.md §9.3), and
//! written where `--output` says, target by target ([`Sink`]: issue 18, item 5). The HTML
//! verdict page of `run`'s browser tab is made here too.

mod baseline;
mod formats;
mod github;
mod html;
mod human;
mod junit;
mod markdown;
mod output;
mod sink;
mod tally;
mod text;

pub use crate::mode::Mode;
pub use baseline::Earlier;
pub use formats::{render, sink};
pub use html::verdict_page;
pub use output::{Output, OutputError, Prepared, Stream};
pub use sink::Sink;
pub use tally::Tally;
pub use text::one_line;

use crate::checks::{Finding, Status};
use serde::Serialize;

/// The JSON schema id; bumped only for incompatible changes.
pub const SCHEMA: &str = "oauth-preflight/report/v1";

/// What was checked. `source`, `shape` and `address` extend the v1 schema compatibly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Target {
    pub client_id: Option<String>,
    pub display_name: Option<String>,
    pub authority: Option<String>,
    pub tenant: Option<String>,
    /// The file the registration came from (lint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The registration JSON shape detected (lint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<&'static str>,
    /// Where the app is declared as code (lint of Terraform or ARM JSON, DESIGN.md §9.4): the
    /// Terraform resource address, or the ARM symbolic name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The ngrok auth action checked with this target (`--ngrok-policy`, DESIGN.md §8.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngrok: Option<NgrokTarget>,
}

/// Where the ngrok auth action of a target is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NgrokTarget {
    /// The file read.
    pub source: String,
    /// The endpoint's name or URL, where the file has endpoints.
    pub endpoint: Option<String>,
    /// `oauth` or `openid-connect`.
    pub action: &'static str,
    /// The rule's index in its phase.
    pub rule: usize,
    /// The phase the action is in (`on_http_request`; elsewhere ngrok does not run it).
    pub phase: &'static str,
    /// Read from an agent configuration version 2 (`tunnels.<name>.oauth`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub legacy: bool,
}

impl NgrokTarget {
    /// The place of `action`.
    pub fn of(action: &crate::ngrok::OAuthAction) -> Self {
        Self {
            source: action.place.source.clone(),
            endpoint: action.place.endpoint.clone(),
            action: action.kind(),
            rule: action.place.rule,
            phase: action.place.phase,
            legacy: action.place.legacy,
        }
    }
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
}

impl Summary {
    fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Warn => self.warn += 1,
            Status::Fail => self.fail += 1,
            Status::Skip => self.skip += 1,
        }
    }

    fn merge(&mut self, other: Self) {
        self.pass += other.pass;
        self.warn += other.warn;
        self.fail += other.fail;
        self.skip += other.skip;
    }
}

/// The findings for one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub mode: Mode,
    pub target: Target,
    pub checks: Vec<Finding>,
    pub summary: Summary,
    /// Why the run could not be completed (exit 3): the checks not reached are `skip`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ReportError>,
}

/// The error that stopped a run, in the report (DESIGN.md §8.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportError {
    pub message: String,
}

impl Report {
    /// A report whose summary is counted from its findings.
    pub fn new(mode: Mode, target: Target, checks: Vec<Finding>) -> Self {
        let mut summary = Summary::default();
        for f in &checks {
            summary.add(f.status);
        }
        Self {
            mode,
            target,
            checks,
            summary,
            error: None,
        }
    }

    /// The report of a run stopped by `message`.
    pub fn with_error(mut self, message: impl Into<String>) -> Self {
        self.error = Some(ReportError {
            message: message.into(),
        });
        self
    }

    /// "Display name (client id)", or whichever is known, else where it is declared.
    pub fn label(&self) -> String {
        match (&self.target.display_name, &self.target.client_id) {
            (Some(n), Some(id)) => format!("{n} ({id})"),
            (Some(n), None) => n.clone(),
            (None, Some(id)) => id.clone(),
            (None, None) => self
                .target
                .address
                .clone()
                .unwrap_or_else(|| "(unnamed app)".into()),
        }
    }
}

/// Output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// One line per check, evidence and fix under the ones that need attention.
    #[default]
    Human,
    /// `oauth-preflight/report/v1`.
    Json,
    /// JUnit XML: one testsuite per target, one testcase per check.
    Junit,
    /// GitHub Actions workflow commands: an annotation per failing or warning check.
    Github,
    /// A GitHub-flavoured Markdown summary (what `GITHUB_STEP_SUMMARY` gets).
    Markdown,
    /// One self-contained HTML page (no script, no external asset): per target the failing
    /// checks first, with the portal path and the command; it prints and reads on a phone.
    Html,
}

impl Format {
    /// The name `--format` and `--report` take.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Json => "json",
            Self::Junit => "junit",
            Self::Github => "github",
            Self::Markdown => "markdown",
            Self::Html => "html",
        }
    }

    /// The format named `name` (`--report FORMAT=PATH`).
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Human,
            Self::Json,
            Self::Junit,
            Self::Github,
            Self::Markdown,
            Self::Html,
        ]
        .into_iter()
        .find(|f| f.as_str() == name)
    }
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub format: Format,
    /// ANSI colour (human format only).
    pub color: bool,
    /// Show evidence under passing checks too (`-v`).
    pub verbose: bool,
    /// Warnings count as failures (`--strict`): JUnit reports them as failures.
    pub strict: bool,
}
