//! The `run`, `probe`, `demo` and `explain` commands: validated configuration in, reports out.

use crate::app::{Error, Exit};
use crate::cli::{ExplainArgs, GlobalArgs, ProbeArgs, RunArgs};
use crate::emulator::{Emulator, EmulatorConfig};
use crate::flow::browser::Opener;
use crate::flow::{self, Console, FlowConfig, FlowError, Mode};
use crate::report::{self, Report};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

impl From<FlowError> for Error {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Incomplete(m) => Self::Incomplete(m),
            FlowError::Usage(m) => Self::Usage(m),
        }
    }
}

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
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
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
        .map_err(|e| Error::Incomplete(format!("cannot start the async runtime: {e}")))
}

fn live(cfg: &FlowConfig, mode: report::Mode, g: &GlobalArgs) -> Result<Exit, Error> {
    let outcome = runtime()?.block_on(async {
        let mut console = Terminal {
            tty: std::io::stderr().is_terminal(),
            frame: 0,
        };
        flow::run(cfg, &mut console).await
    })?;
    let reports = vec![Report::new(mode, outcome.target, outcome.findings)];
    crate::app::emit(&reports, g)?;
    Ok(crate::app::verdict(&reports, g.strict))
}

/// `run`.
pub fn run(args: &RunArgs, g: &GlobalArgs) -> Result<Exit, Error> {
    let opener =
        Opener::from_flags(args.browser.as_deref(), args.no_browser).map_err(Error::Usage)?;
    if args.timeout == 0 {
        return Err(Error::Usage("--timeout must be at least 1 second".into()));
    }
    let cfg = FlowConfig::from_args(
        &args.target,
        Mode::Run,
        opener,
        Duration::from_secs(args.timeout),
    )?;
    live(&cfg, report::Mode::Run, g)
}

/// `probe`.
pub fn probe(args: &ProbeArgs, g: &GlobalArgs) -> Result<Exit, Error> {
    let cfg = FlowConfig::from_args(&args.target, Mode::Probe, Opener::PrintOnly, Duration::ZERO)?;
    live(&cfg, report::Mode::Probe, g)
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
        scopes: flow::config::DEFAULT_SCOPES,
    },
    Case {
        file: "single-tenant.json",
        scopes: flow::config::DEFAULT_SCOPES,
    },
    // ngrok's documented example policy requests openid, email and profile; this app does not
    // list User.Read either, so nothing grants it and Graph /me is refused.
    Case {
        file: "no-user-read.json",
        scopes: "openid profile email",
    },
    Case {
        file: "expired-secret.json",
        scopes: flow::config::DEFAULT_SCOPES,
    },
];

/// `demo`: the emulator in this process, the flow against it for each case.
pub fn demo(g: &GlobalArgs) -> Result<Exit, Error> {
    let reports = runtime()?.block_on(async {
        let emulator = Emulator::start(EmulatorConfig::new(crate::fixtures::bundled_apps()))
            .await
            .map_err(crate::emulate::start_error)?;
        let agent = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(emulator.ca_pem().as_bytes())
                    .map_err(|e| Error::Incomplete(e.to_string()))?,
            )
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| Error::Incomplete(e.to_string()))?;
        let _ = writeln!(
            std::io::stderr(),
            "demo: the Microsoft identity platform emulated at {}, a browser in this process, no account, no network\n",
            emulator.authority()
        );
        let mut reports = Vec::new();
        for case in &CASES {
            let reg = crate::fixtures::bundled(case.file)
                .and_then(|mut r| (!r.is_empty()).then(|| r.remove(0)))
                .ok_or_else(|| Error::Usage(format!("no bundled {}", case.file)))?;
            let secret = reg.emulator.secrets.first().map(|(_, v)| v.clone()).unwrap_or_else(|| crate::registration::SecretValue::new(""));
            let cfg = FlowConfig {
                mode: Mode::Run,
                client_id: reg.app_id.clone().unwrap_or_default(),
                secret,
                scopes: case.scopes.split(' ').map(str::to_owned).collect(),
                redirect_uri: reqwest::Url::parse("http://localhost:0/oauth2/callback").map_err(|e| Error::Usage(e.to_string()))?,
                authority: reqwest::Url::parse(emulator.authority()).map_err(|e| Error::Usage(e.to_string()))?,
                tenant: "common".into(),
                graph: reqwest::Url::parse(&emulator.graph()).map_err(|e| Error::Usage(e.to_string()))?,
                ca_pem: Some(emulator.ca_pem().as_bytes().to_vec()),
                policy: None,
                app: Some(reg),
                login_hint: None,
                http_timeout: Duration::from_secs(10),
                wait: Duration::from_secs(10),
                opener: Opener::Agent(agent.clone()),
                lint_at: chrono::Utc::now(),
            };
            let outcome = flow::run(&cfg, &mut Quiet).await?;
            reports.push(Report::new(report::Mode::Run, outcome.target, outcome.findings));
        }
        emulator.shutdown().await;
        Ok::<_, Error>(reports)
    })?;
    crate::app::emit(&reports, g)?;
    Ok(Exit::Ok)
}

/// `explain`.
pub fn explain(args: &ExplainArgs, g: &GlobalArgs) -> Result<Exit, Error> {
    use crate::entra::aadsts;
    let text = args.what.join(" ");
    let code = aadsts::find_code(&text).ok_or_else(|| {
        Error::Usage(format!(
            "no AADSTS code in {:?}: give a code like 50011 or AADSTS50011",
            text.chars().take(60).collect::<String>()
        ))
    })?;
    let entry = aadsts::lookup(code);
    let mut out = std::io::stdout().lock();
    let result = if g.format == report::Format::Json {
        let v = match entry {
            Some(e) => {
                serde_json::json!({"code": code, "known": true, "meaning": e.meaning, "check": e.check,
                "check_requirement": e.check.requirement(), "causes": e.causes, "fix": e.fix,
                "docs": e.check.docs(), "lookup": aadsts::lookup_url(code)})
            }
            None => {
                serde_json::json!({"code": code, "known": false, "lookup": aadsts::lookup_url(code)})
            }
        };
        writeln!(out, "{v}")
    } else {
        match entry {
            Some(e) => writeln!(
                out,
                "AADSTS{code}: {}\n\ncheck:   {} ({})\ncauses:  {}\nfix:     {}\ndocs:    {}\nlookup:  {}",
                e.meaning,
                e.check,
                e.check.requirement(),
                e.causes,
                e.fix,
                e.check.docs(),
                aadsts::lookup_url(code)
            ),
            None => writeln!(
                out,
                "AADSTS{code} is not in oauth-preflight's catalog of codes that break ngrok's sign-in.\nMicrosoft's lookup: {}",
                aadsts::lookup_url(code)
            ),
        }
    };
    result.map_err(|source| Error::Output {
        path: "standard output".into(),
        source,
    })?;
    Ok(Exit::Ok)
}
