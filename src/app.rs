//! Dispatch: flags validated once (`config`), the command run, an exit code out. `main` only
//! prints our errors. Commands never import each other nor this module.

use crate::cli::{Cli, Command};
use crate::exit::{Error, Exit};

/// Writes generated text to standard output; a closed pipe (`| head`) is not an error.
fn print(bytes: &[u8]) -> Result<Exit, Error> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output {
            path: "standard output".into(),
            source: e,
        }),
        _ => Ok(Exit::Ok),
    }
}

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
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "oauth-preflight", &mut buf);
            print(&buf)
        }
        Command::Manpage => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut buf)
                .map_err(|source| Error::Output {
                    path: "the man page".into(),
                    source,
                })?;
            print(&buf)
        }
    }
}
