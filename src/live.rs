//! The `run`, `probe` and `demo` commands: validated configuration in, reports out.
//! The flow gathers evidence, the checks judge it, the report is written even when the flow
//! could not complete (exit 3), with the error in it.

use crate::checks;
use crate::emulator::{Emulator, EmulatorConfig};
use crate::error::Error;
use crate::exit::Exit;
use crate::flow::browser::Opener;
use crate::flow::{self, Console, FlowConfig, FlowError};
use crate::report::{self, Output, Report, Target};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::Duration;

/// The terminal: progress on stderr, paste-back from stdin, a spinner on a TTY.
struct Terminal {
    tty: bool,
    frame: usize,
}

impl Console for Terminal {
    fn say(&mut self, line: &str) {
        // A closed stderr must not end the flow (eprintln! would panic).
        let clear = if self.tty { "\r\x1b[2K" } else { "" };
        let _ = writeln!(std::io::stderr(), "{clear}{line}");
    }

    fn read_line(&mut self) -> Option<String> {
        // Bounded: `< /dev/zero` must not grow without end (the flow refuses what is too long).
        let mut line = Vec::new();
        match std::io::stdin()
            .lock()
            .take(flow::MAX_PASTE as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(String::from_utf8_lossy(&line).into_owned()),
        }
    }

    fn interactive(&self) -> bool {
        self.tty
    }

    fn waiting(&mut self, left: Duration) {
        const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        self.frame = (self.frame + 1) % FRAMES.len();
        let s = left.as_secs();
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r\x1b[2K{} waiting for the sign-in to come back: {}:{:02} left (Ctrl-C stops)",
            FRAMES[self.frame],
            s / 60,
            s % 60
        );
        let _ = err.flush();
    }
}

/// A console that says nothing (demo).
struct Quiet;

impl Console for Quiet {
    fn say(&mut self, _: &str) {}
    fn read_line(&mut self) -> Option<String> {
        None
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

pub use crate::config::LiveConfig;

/// What one live run produced: its report (written even when the run could not complete) and
/// the error that stopped it.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    pub error: Option<FlowError>,
}

/// Runs the flow of `cfg` and judges every check id of its mode (DESIGN.md §8.1). Where the
/// sign-in came back to the one-shot callback, the browser's tab, still waiting, shows the
/// verdict (DESIGN.md §9.3): the page is made here and passed into the flow's [`flow::Tab`],
/// so that `flow` never sees the checks (DESIGN.md §2).
pub async fn check(cfg: &LiveConfig, console: &mut dyn Console) -> Outcome {
    let (ev, tab) = flow::run_in_tab(&cfg.flow, console).await;
    let inputs = checks::Inputs {
        reg: cfg.app.as_ref(),
        policy: cfg.policy.as_ref(),
        secret: Some(&cfg.flow.secret),
        scopes_from_policy: cfg.scopes_from_policy,
        ..checks::Inputs::live(cfg.flow.mode, &ev, cfg.lint)
    };
    let mut findings = checks::judge(&inputs);
    // Servers' texts are quoted in findings and errors: none may carry a credential back, in
    // any encoding (the secret, the code, the PKCE verifier, the tokens).
    let redact = |text: &str| ev.redactor.clean(text);
    for f in &mut findings {
        for text in [
            Some(&mut f.title),
            Some(&mut f.evidence),
            f.fix.as_mut(),
            f.fix_command.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            *text = redact(text);
        }
    }
    let target = Target {
        client_id: Some(cfg.flow.client_id.to_string()),
        display_name: cfg.app.as_ref().and_then(|a| a.display_name.clone()),
        authority: Some(cfg.flow.authority.as_str().trim_end_matches('/').to_owned()),
        tenant: Some(cfg.flow.tenant.to_string()),
        source: None,
        shape: None,
        address: cfg.app.as_ref().and_then(|a| a.address.clone()),
        ngrok: cfg.policy.as_ref().map(report::NgrokTarget::of),
    };
    let mut report = Report::new(cfg.flow.mode, target, findings);
    let error = ev.error.as_ref().map(|e| match e {
        FlowError::Incomplete(m) => FlowError::Incomplete(redact(m)),
        FlowError::Usage(m) => FlowError::Usage(redact(m)),
        // Built from the URL we requested and the transport's cause: no server text.
        FlowError::Http(e) => FlowError::Incomplete(redact(&e.to_string())),
    });
    if let Some(e) = &error {
        report = report.with_error(e.to_string());
    }
    if let Some(tab) = tab {
        tab.show(report::verdict_page(&report)).await;
    }
    Outcome { report, error }
}

/// `run` or `probe`: the output checked first, the flow, the report written whatever happened.
pub fn run(cfg: &LiveConfig, out: &Output) -> Result<Exit, Error> {
    let prepared = out.prepare(&cfg.inputs)?;
    let outcome = runtime()?.block_on(async {
        let mut console = Terminal {
            tty: std::io::stderr().is_terminal(),
            frame: 0,
        };
        check(cfg, &mut console).await
    });
    let verdict = out.deliver(&mut [outcome.report], prepared)?;
    match outcome.error {
        Some(e) => Err(e.into()),
        None => Ok(verdict),
    }
}

/// One scenario of the demo.
struct Case {
    file: &'static str,
    scopes: &'static str,
}

/// The demo's scenarios: a good app, then broken ones as people really break them.
const CASES: [Case; 4] = [
    Case {
        file: "good-multitenant.json",
        scopes: flow::DEFAULT_SCOPES,
    },
    Case {
        file: "single-tenant.json",
        scopes: flow::DEFAULT_SCOPES,
    },
    // ngrok's documented example policy requests openid, email and profile; this app does not
    // list User.Read either, so nothing grants it and Graph /me is refused.
    Case {
        file: "no-user-read.json",
        scopes: "openid profile email",
    },
    Case {
        file: "expired-secret.json",
        scopes: flow::DEFAULT_SCOPES,
    },
];

/// `demo`: the emulator in this process, the flow against it for each case.
pub fn demo(out: &Output) -> Result<Exit, Error> {
    let prepared = out.prepare(&[])?;
    let mut reports = runtime()?.block_on(async {
        let emulator = Emulator::start(EmulatorConfig::new(crate::fixtures::bundled_apps()))
            .await?;
        let ca = emulator.ca_pem().as_bytes();
        let http = crate::https::client(Some(ca), Duration::from_secs(10))?;
        let _ = writeln!(
            std::io::stderr(),
            "demo: the Microsoft identity platform emulated at {}, a browser in this process, no account, no network\n",
            emulator.authority()
        );
        let url = |u: &str| reqwest::Url::parse(u).map_err(|e| Error::Incomplete(e.to_string()));
        let mut reports = Vec::new();
        for case in &CASES {
            let reg = crate::fixtures::bundled(case.file)
                .and_then(|mut r| (!r.is_empty()).then(|| r.remove(0)))
                .ok_or_else(|| Error::Usage(format!("no bundled {}", case.file)))?;
            let secret = reg
                .emulator
                .secrets
                .first()
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| crate::entra::SecretValue::new(""));
            let client_id = crate::entra::ClientId::parse(reg.app_id.as_deref().unwrap_or_default())
                .map_err(|e| Error::Usage(format!("bundled {}: its appId is {e}", case.file)))?;
            let mut flow = FlowConfig::new(
                client_id,
                secret,
                url(emulator.authority())?,
                url(&emulator.graph())?,
                http.clone(),
            );
            flow.scopes = case.scopes.split(' ').map(str::to_owned).collect();
            flow.redirect_uri = url("http://localhost:0/oauth2/callback")?;
            flow.wait = Duration::from_secs(10);
            flow.opener = Opener::Agent(http.clone());
            let mut cfg = LiveConfig::new(flow);
            cfg.app = Some(reg);
            let outcome = check(&cfg, &mut Quiet).await;
            if let Some(e) = outcome.error {
                return Err(e.into());
            }
            reports.push(outcome.report);
        }
        emulator.shutdown().await;
        Ok::<_, Error>(reports)
    })?;
    // The demo shows broken apps on purpose: it succeeds when every scenario ran.
    out.deliver(&mut reports, prepared)?;
    Ok(Exit::Ok)
}
