//! Dispatch: flags validated once (`config`), the command run, an exit code out. `main` only
//! prints our errors. Commands never import each other nor this module.

use crate::cli::{Cli, Command};
use crate::exit::{Error, Exit};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Exit, Error> {
    let out = crate::config::output(&cli.global)?;
    match &cli.command {
        Command::Lint(args) => {
            let cfg = crate::config::lint(args)?;
            let mut reports = crate::lint::lint_files(&cfg)?;
            out.prepare()?;
            out.deliver(&mut reports)?;
            Ok(out.verdict(&reports))
        }
        Command::Emulate(args) => {
            crate::emulate::run(crate::config::emulate(args)?, args.ca_out.as_deref())
        }
        Command::Run(args) => crate::live::run(&crate::config::run(args)?, &out),
        Command::Probe(args) => crate::live::run(&crate::config::probe(args)?, &out),
        Command::Demo(_) => crate::live::demo(&out),
        Command::Explain(args) => crate::live::explain(&args.what, out.format),
    }
}
