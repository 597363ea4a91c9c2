//! Dispatch: flags validated once (`config`), the command run, an exit code out. `main` only
//! prints our errors. Commands never import each other nor this module.

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::Error;
use crate::exit::Exit;

/// Writes generated text to standard output; a closed pipe (`| head`) is not an error.
fn print(bytes: &[u8]) -> Result<Exit, Error> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::from(crate::report::OutputError::Write {
                path: "standard output".into(),
                source: e,
            }))
        }
        _ => Ok(Exit::Ok),
    }
}

/// The report flags of a command: after it, over the ones before it.
fn output(cli: &Cli, after: &GlobalArgs) -> Result<crate::report::Output, Error> {
    crate::config::output(&after.over(&cli.global))
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Exit, Error> {
    match &cli.command {
        Command::Lint(args) => {
            let out = output(&cli, &args.out)?;
            let cfg = crate::config::lint(args)?;
            let prepared = out.prepare(&cfg.inputs)?;
            // Each report is written as soon as it is judged, then dropped (issue 18).
            let mut stream = out.stream(prepared);
            crate::lint::lint_each(&cfg, |mut report| Ok(stream.target(&mut report)?))?;
            Ok(stream.finish()?)
        }
        Command::Emulate(args) => {
            if cli.global.any() {
                return Err(Error::Usage(
                    "--format, --output, --report, --baseline and --strict do nothing for emulate: it writes no report".into(),
                ));
            }
            let cfg = crate::config::emulate(args, cli.global.verbose)?;
            crate::emulate::run(cfg, args.ca_out.as_deref(), args.ready_file.as_deref())
        }
        Command::Run(args) => {
            crate::live::run(&crate::config::run(args)?, &output(&cli, &args.out)?)
        }
        Command::Probe(args) => {
            crate::live::run(&crate::config::probe(args)?, &output(&cli, &args.out)?)
        }
        Command::Demo(args) => crate::live::demo(&output(&cli, &args.out)?),
        Command::Explain(args) => crate::explain::run(
            &args.what,
            args.format.or(cli.global.format).unwrap_or_default(),
        ),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "oauth-preflight", &mut buf);
            print(&buf)
        }
        Command::Manpage => {
            let mut buf = Vec::new();
            crate::manpage::render(<Cli as clap::CommandFactory>::command(), &mut buf).map_err(
                |source| {
                    Error::from(crate::report::OutputError::Write {
                        path: "the man page".into(),
                        source,
                    })
                },
            )?;
            print(&buf)
        }
    }
}
