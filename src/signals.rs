//! The signals that end a wait cleanly: Ctrl-C (SIGINT), SIGTERM (`kill`, a CI runner's cancel)
//! and SIGHUP (the terminal or the SSH session closed). Registered as soon as a [`Stop`] is
//! made, so that one sent a moment later (on reading the ready line, at the sign-in prompt) is
//! caught rather than killing the process with its files and report unwritten. A leaf: `run`'s
//! wait for the browser and `emulate`'s serving both use it.

/// The three signals, registered; [`Stop::recv`] waits for the first.
pub struct Stop {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl Stop {
    /// Registers the handlers (inside a tokio runtime). One that cannot be registered is never
    /// received.
    pub fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
                hangup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for the first of the signals.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            () = next(&mut self.interrupt) => {}
            () = next(&mut self.terminate) => {}
            () = next(&mut self.hangup) => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(unix)]
async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
