//! The `oauth-preflight` binary: parse arguments, run, map errors to exit codes.

use clap::Parser;
use oauth_preflight::app::{self, Exit};
use oauth_preflight::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match app::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("error: {err}");
            let exit: Exit = err.exit();
            exit.into()
        }
    }
}
