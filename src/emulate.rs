//! The `emulate` command: start the emulator, print the ready line, serve until SIGINT, SIGTERM
//! or SIGHUP; then remove what it wrote for itself (the CA of a private temporary directory, the
//! ready file).

use crate::emulator::{Emulator, EmulatorConfig};
use crate::error::Error;
use crate::exit::Exit;
use std::io::Write;

/// Runs `emulate` to completion; the CA goes to `ca_out` (else a file of a private temporary
/// directory), the ready line to standard output and, when asked, to `ready_file` (whole:
/// written aside, then renamed).
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
        .map_err(Error::Runtime)?;
    let secretless = secretless_apps(&config.apps);
    runtime.block_on(async {
        let emulator = Emulator::start(config).await?;
        // Said before the ready line, so that a refused secret is not a surprise.
        for line in &secretless {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
        // Registered before the ready line tells anyone the emulator is there.
        let mut stop = crate::signals::Stop::register();
        // Without --ca-out the CA goes to a directory made for this run (mode 0700, a name no
        // one can guess), created new there: a file or link planted in /tmp is never followed.
        // The directory goes when this block ends, whatever ends it.
        let (ca_path, _private) = match ca_out {
            Some(p) => {
                std::fs::write(p, emulator.ca_pem()).map_err(|e| ca_error(p, &e))?;
                (p.to_owned(), None)
            }
            None => {
                let dir = private_dir().map_err(|e| ca_error("a temporary directory", &e))?;
                let p = dir.path().join("ca.pem");
                let shown = p.to_string_lossy().into_owned();
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&p)
                    .and_then(|mut f| f.write_all(emulator.ca_pem().as_bytes()))
                    .map_err(|e| ca_error(&shown, &e))?;
                (shown, Some(dir))
            }
        };
        // Standard output names the CA as given; the ready file absolutely, so that it is found
        // from any directory the file is read in.
        let line = emulator.ready_line(&ca_path).to_string();
        if let Some(path) = ready_file {
            let absolute = std::fs::canonicalize(&ca_path)
                .map_or_else(|_| ca_path.clone(), |p| p.to_string_lossy().into_owned());
            let file_line = emulator.ready_line(&absolute).to_string();
            write_whole(path, format!("{file_line}\n").as_bytes())
                .map_err(|e| Error::Usage(format!("--ready-file {path}: {e}")))?;
        }
        {
            let mut out = std::io::stdout().lock();
            // A closed stdout must not stop the server: the reader may have what it needed.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }
        stop.recv().await;
        emulator.shutdown().await;
        if let Some(path) = ready_file {
            let _ = std::fs::remove_file(path);
        }
        Ok(Exit::Ok)
    })
}

fn ca_error(place: &str, e: &std::io::Error) -> Error {
    Error::Usage(format!("cannot write the CA certificate to {place}: {e}"))
}

/// A new directory under the system's temporary directory, for this process only.
fn private_dir() -> std::io::Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix("oauth-preflight-emulator-");
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    b.tempdir()
}

/// Writes `path` whole: to a new file beside it, then renamed over it. The file aside is
/// removed when anything fails.
fn write_whole(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut b = tempfile::Builder::new();
    b.prefix(".oauth-preflight-ready-");
    // As a file made by `write` would be (the umask applies): readers may be other users.
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = b.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
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
                crate::report::one_line(reg.label()),
                reg.app_id.as_deref().unwrap_or("no appId")
            ))
        })
        .collect()
}
