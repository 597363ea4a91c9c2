//! The `emulate` command: start the emulator, print the ready line, serve until SIGINT/SIGTERM.

use crate::app::{Error, Exit};
use crate::cli::EmulateArgs;
use crate::emulator::{Emulator, EmulatorConfig, EmulatorError, Faults};
use crate::registration;
use std::io::Write;
use std::net::SocketAddr;

/// Validates the flags into an emulator configuration.
pub fn config(args: &EmulateArgs) -> Result<EmulatorConfig, Error> {
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        Error::Usage(format!(
            "--listen {:?} is not an address like 127.0.0.1:0",
            args.listen
        ))
    })?;
    if !listen.ip().is_loopback() {
        return Err(Error::Usage(format!(
            "--listen {listen}: the emulator listens on loopback only (127.0.0.1 or [::1])"
        )));
    }
    let apps = if args.apps.is_empty() {
        crate::fixtures::bundled_apps()
    } else {
        let mut apps = Vec::new();
        for file in &args.apps {
            apps.extend(registration::load_path(file)?);
        }
        apps
    };
    let faults = Faults::parse(&args.faults).map_err(|e| Error::Usage(format!("--fault: {e}")))?;
    let mut config = EmulatorConfig::new(apps);
    config.listen = listen;
    config.default_user = args.user.clone();
    config.faults = faults;
    config.generate_keys = args.generate_keys;
    Ok(config)
}

/// Maps a start failure to our error (and so to an exit code).
pub fn start_error(e: EmulatorError) -> Error {
    match e {
        EmulatorError::Listen(..) => Error::Incomplete(e.to_string()),
        _ => Error::Usage(e.to_string()),
    }
}

/// Runs `emulate` to completion.
pub fn run(args: &EmulateArgs) -> Result<Exit, Error> {
    let config = config(args)?;
    // A worker per core: RS256 signing is CPU-bound and uses them all (see token.rs). The workers
    // that block_in_place hands off are capped at the core count too: more threads than cores
    // only contend (measured: 2.7k vs 3.0k tokens/s on 2 cores).
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .max_blocking_threads(cores)
        .enable_all()
        .build()
        .map_err(|e| Error::Incomplete(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let emulator = Emulator::start(config).await.map_err(start_error)?;
        let (ca_path, temporary) = match &args.ca_out {
            Some(p) => (p.clone(), false),
            None => {
                let p = std::env::temp_dir().join(format!(
                    "oauth-preflight-emulator-{}-ca.pem",
                    std::process::id()
                ));
                (p.to_string_lossy().into_owned(), true)
            }
        };
        std::fs::write(&ca_path, emulator.ca_pem()).map_err(|e| {
            Error::Usage(format!("cannot write the CA certificate to {ca_path}: {e}"))
        })?;
        let line = emulator.ready_line(&ca_path).to_string();
        {
            let mut out = std::io::stdout().lock();
            // A closed stdout must not stop the server: the reader may have what it needed.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }
        wait_for_signal().await;
        emulator.shutdown().await;
        if temporary {
            let _ = std::fs::remove_file(&ca_path);
        }
        Ok(Exit::Ok)
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
