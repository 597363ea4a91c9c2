//! The error of every command: each layer's own typed error, carried whole (`#[from]`), and the
//! one place where a kind of error becomes an exit code ([`Error::exit`], DESIGN.md §3). It sits
//! just below the commands and `config`, which import it; no layer below them does.

use crate::emulator::EmulatorError;
use crate::exit::Exit;
use crate::flow::FlowError;
use crate::https::ClientError;
use crate::ngrok::PolicyError;
use crate::registration::LoadError;
use crate::registration::graph::GraphReadError;
use crate::report::OutputError;

/// Why a command could not produce a (complete) report. Messages are one line and never hold
/// a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A registration file that cannot be read or parsed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// An `--ngrok-policy` file that cannot be read or holds no auth action to check.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The HTTPS client could not be built (`--ca-cert`).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// `lint --from-graph`.
    #[error(transparent)]
    Graph(#[from] GraphReadError),
    /// The live flow stopped.
    #[error(transparent)]
    Flow(#[from] FlowError),
    /// The emulator could not start.
    #[error(transparent)]
    Emulator(#[from] EmulatorError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A flag or argument the user must change.
    #[error("{0}")]
    Usage(String),
    /// Something outside the user's input failed.
    #[error("{0}")]
    Incomplete(String),
    /// A report that cannot be written, or may not be (`--output`, `--report`, `--baseline`).
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl Error {
    /// The exit code this error maps to: 2 where the user's input must change, 3 where the run
    /// could not complete. The only place that decides it.
    pub fn exit(&self) -> Exit {
        let input = match self {
            Self::Load(_) | Self::Policy(_) | Self::Usage(_) => true,
            // A report's temporary file is the machine's; the rest of output is the user's.
            Self::Output(e) => !matches!(e, OutputError::Spool { .. }),
            Self::Client(e) => matches!(e, ClientError::NotPem(_) | ClientError::NoCertificate),
            Self::Graph(e) => matches!(e, GraphReadError::NoApplication { .. }),
            Self::Flow(e) => matches!(e, FlowError::Usage(_)),
            // An app or a user the flags named is the user's; the port, the CA, the keys and
            // the system's randomness are not.
            Self::Emulator(e) => matches!(e, EmulatorError::App(..) | EmulatorError::User(..)),
            Self::Runtime(_) | Self::Incomplete(_) => false,
        };
        if input { Exit::Input } else { Exit::Incomplete }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::https::HttpError;

    /// Each kind of error has one exit code, whichever command meets it.
    #[test]
    fn each_kind_has_one_exit_code() {
        let io = || std::io::Error::other("x");
        let cases: Vec<(Error, Exit)> = vec![
            (ClientError::NotPem("x".into()).into(), Exit::Input),
            (ClientError::NoCertificate.into(), Exit::Input),
            (ClientError::Build("x".into()).into(), Exit::Incomplete),
            (
                GraphReadError::NoApplication {
                    id: "x".into(),
                    code: "Request_ResourceNotFound".into(),
                }
                .into(),
                Exit::Input,
            ),
            (
                GraphReadError::Unauthorized {
                    code: "x".into(),
                    message: "x".into(),
                }
                .into(),
                Exit::Incomplete,
            ),
            (
                GraphReadError::Transport {
                    url: "x".into(),
                    source: HttpError::TooLarge { url: "x".into() },
                }
                .into(),
                Exit::Incomplete,
            ),
            (
                FlowError::from(HttpError::TimedOut {
                    host: "x".into(),
                    secs: 1,
                })
                .into(),
                Exit::Incomplete,
            ),
            (FlowError::Incomplete("x".into()).into(), Exit::Incomplete),
            (FlowError::Usage("x".into()).into(), Exit::Input),
            (
                EmulatorError::Listen("127.0.0.1:1".parse().unwrap(), io()).into(),
                Exit::Incomplete,
            ),
            (EmulatorError::Random.into(), Exit::Incomplete),
            (
                EmulatorError::Keys(crate::emulator::KeyError::Generate("x".into())).into(),
                Exit::Incomplete,
            ),
            (
                EmulatorError::User("x".into(), "y".into()).into(),
                Exit::Input,
            ),
            (
                OutputError::Spool {
                    path: "x".into(),
                    source: io(),
                }
                .into(),
                Exit::Incomplete,
            ),
            (
                GraphReadError::Forbidden {
                    what: "application",
                    code: "x".into(),
                }
                .into(),
                Exit::Incomplete,
            ),
            (
                GraphReadError::Redirected {
                    url: "x".into(),
                    status: 301,
                    to: "y".into(),
                }
                .into(),
                Exit::Incomplete,
            ),
            (
                GraphReadError::Failed {
                    url: "x".into(),
                    status: 500,
                    message: "y".into(),
                }
                .into(),
                Exit::Incomplete,
            ),
            (
                GraphReadError::NotAnObject {
                    url: "x".into(),
                    what: "application",
                    why: "y".into(),
                }
                .into(),
                Exit::Incomplete,
            ),
            (
                EmulatorError::App("x".into(), "y".into()).into(),
                Exit::Input,
            ),
            (PolicyError::TooLarge("x".into()).into(), Exit::Input),
            (Error::Runtime(io()), Exit::Incomplete),
            (OutputError::Clash("x".into()).into(), Exit::Input),
            (
                OutputError::Write {
                    path: "x".into(),
                    source: io(),
                }
                .into(),
                Exit::Input,
            ),
            (Error::Usage("x".into()), Exit::Input),
            (Error::Incomplete("x".into()), Exit::Incomplete),
        ];
        for (e, want) in cases {
            assert_eq!(e.exit(), want, "{e:?}");
        }
    }

    /// The time-out says how long, both ways people search for it.
    #[test]
    fn a_time_out_says_how_long() {
        let e: Error = FlowError::from(HttpError::TimedOut {
            host: "https://login.example".into(),
            secs: 30,
        })
        .into();
        assert_eq!(
            e.to_string(),
            "https://login.example did not answer in time (timed out after 30 s)"
        );
    }
}
