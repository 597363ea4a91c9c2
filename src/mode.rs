//! Which command judges: `lint` (the registration only), `run` (a person signs in) or `probe`
//! (no person: CI). A leaf, shared by the flow, the checks and the reports.

use serde::Serialize;

/// The command that produced evidence and a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Lint,
    Run,
    Probe,
}

impl Mode {
    /// The lowercase name used in every report format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lint => "lint",
            Self::Run => "run",
            Self::Probe => "probe",
        }
    }
}
