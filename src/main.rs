//! The `oauth-preflight` binary: parse arguments, run, map errors to exit codes.

use clap::Parser;
use oauth_preflight::app;
use oauth_preflight::cli::Cli;
use oauth_preflight::exit::Exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    // One TLS crypto provider for the process (STYLE.md stack notes).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    match app::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            use std::io::Write;
            // One line, control characters shown: the message may quote file names, policy
            // fields and servers' texts, and CI runs workflow commands from stderr too.
            let message = err.to_string();
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                oauth_preflight::report::one_line(&message)
            );
            let exit: Exit = err.exit();
            exit.into()
        }
    }
}
