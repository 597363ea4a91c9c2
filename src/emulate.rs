//! The `emulate` command: start the emulator, print the ready line, serve until SIGINT/SIGTERM.

use crate::emulator::{Emulator, EmulatorConfig, EmulatorError};
use crate::exit::{Error, Exit};
use std::io::Write;

/// Maps a start failure to our error (and so to an exit code).
pub fn start_error(e: EmulatorError) -> Error {
    match e {
        EmulatorError::Listen(..) => Error::Incomplete(e.to_string()),
        _ => Error::Usage(e.to_string()),
    }
}

/// Runs `emulate` to completion; the CA goes to `ca_out` (else a temporary file), the ready
/// line to standard output and, when asked, to `ready_file` (whole: written aside, then renamed).
pub fn run(
    config: EmulatorConfig,
    ca_out: Option<&str>,
    ready_file: Option<&str>,
) -> Result<Exit, Error> {
    // A worker per core: RS256 signing is CPU-bound and uses them all (see token_endpoint.rs). The workers
    // that block_in_place hands off are capped at the core count too: more threads than cores
    // only contend (measured: 2.7k vs 3.0k tokens/s on 2 cores).
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .max_blocking_threads(cores)
        .enable_all()
        .build()
        .map_err(|e| Error::Incomplete(format!("cannot start the async runtime: {e}")))?;
    let secretless = secretless_apps(&config.apps);
    runtime.block_on(async {
        let emulator = Emulator::start(config).await.map_err(start_error)?;
        // Said before the ready line, so that a refused secret is not a surprise.
        for line in &secretless {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
        let (ca_path, temporary) = match ca_out {
            Some(p) => (p.to_owned(), false),
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
        // Standard output names the CA as given; the ready file absolutely, so that it is found
        // from any directory the file is read in.
        let line = emulator.ready_line(&ca_path).to_string();
        if let Some(path) = ready_file {
            let absolute = std::fs::canonicalize(&ca_path)
                .map_or_else(|_| ca_path.clone(), |p| p.to_string_lossy().into_owned());
            let file_line = emulator.ready_line(&absolute).to_string();
            let tmp = format!("{path}.tmp-{}", std::process::id());
            std::fs::write(&tmp, format!("{file_line}\n"))
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| Error::Usage(format!("--ready-file {path}: {e}")))?;
        }
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
        if let Some(path) = ready_file {
            let _ = std::fs::remove_file(path);
        }
        Ok(Exit::Ok)
    })
}

/// Which apps no secret can get through, and why (a real export carries no Value), one line
/// each.
fn secretless_apps(apps: &[crate::registration::Registration]) -> Vec<String> {
    let now = chrono::Utc::now();
    apps.iter()
        // An enterprise app alone: no application, no secrets.
        .filter(|reg| reg.shape != crate::registration::Shape::ServicePrincipal)
        .filter_map(|reg| {
            let why = crate::emulator::app_secret::none_acceptable(reg, now)?;
            Some(format!(
                "emulate: no secret is accepted for {} ({}): {why}",
                printable(reg.label()),
                reg.app_id.as_deref().unwrap_or("no appId")
            ))
        })
        .collect()
}

/// `text` with control characters shown as `\u{..}`: a display name must not drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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
