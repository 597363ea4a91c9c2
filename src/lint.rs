//! The `lint` command: registration files in, one report per app out, every check of `lint`'s
//! catalog judged by the same functions `run` uses.

use crate::checks::{self, Inputs};
use crate::config::{GraphSource, LintConfig};
use crate::entra::{ClientId, is_guid};
use crate::error::Error;
use crate::ngrok::OAuthAction;
use crate::registration::{self, LoadError, MAX_INPUT_BYTES, Registration};
use crate::report::{Mode, Report, Target};
use std::io::Read;
use std::path::Path;

/// The registration of `source.client_id` and its service principal, read from Microsoft Graph
/// (the reading and its errors are `registration::graph`'s; this only runs it).
fn from_graph(source: &GraphSource) -> Result<Vec<(String, Registration)>, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    Ok(runtime.block_on(registration::graph::fetch(
        &source.http,
        &source.graph,
        &source.token,
        &source.client_id,
    ))?)
}

/// The registrations of one file to lint, and the name it is shown by. A name that is not
/// UTF-8 (a directory's entry) is read by the system's name for it and shown lossily.
fn load(file: &Path) -> Result<(String, Vec<Registration>), Error> {
    let shown = file.to_string_lossy().into_owned();
    if let Some(path) = file.to_str() {
        return Ok((shown, registration::load_path(path)?));
    }
    let io = |message: String| LoadError::Io {
        source_name: shown.clone(),
        message,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| io(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(io(format!("larger than {} MiB", MAX_INPUT_BYTES >> 20)).into());
    }
    let regs = registration::parse_bytes(&bytes).map_err(|error| LoadError::Parse {
        source_name: shown.clone(),
        error,
    })?;
    Ok((shown, regs))
}

/// Lints every app of every file (a directory: its `*.json` files), in order: [`lint_each`],
/// the reports collected.
pub fn lint_files(cfg: &LintConfig) -> Result<Vec<Report>, Error> {
    let mut reports = Vec::new();
    lint_each(cfg, |r| {
        reports.push(r);
        Ok(())
    })?;
    Ok(reports)
}

/// Lints every app of every file (a directory: its `*.json` files), in order, and hands each
/// report to `each` as soon as it is judged (issue 18, item 5: 200,000 apps are never 200,000
/// reports in memory). Every file is read before the first app is judged: one that cannot be
/// read stops the run before any report. With a policy, the app it names is judged with it too
/// (`ngrok.policy`, and `secret.valid` for its literal secret).
pub fn lint_each(
    cfg: &LintConfig,
    mut each: impl FnMut(Report) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut loaded = Vec::new();
    for file in &cfg.files {
        let (shown, regs) = load(file)?;
        loaded.extend(regs.into_iter().map(|reg| (shown.clone(), reg)));
    }
    if let Some(source) = &cfg.from_graph {
        loaded.extend(from_graph(source)?);
    }
    let loaded = registration::join_service_principals(loaded);
    // Each Microsoft auth action is judged with the app it names; one that names none of the
    // linted apps (another app, ngrok's managed app, an expression) is a policy mistake, judged
    // with the one app linted, or alone among many: a finding with a report, never dropped
    // (DESIGN.md §9.1).
    let names = |p: &OAuthAction, reg: &Registration| {
        let app = reg.app_id.as_deref().and_then(|a| ClientId::parse(a).ok());
        matches!((p.client_id.as_deref(), app), (Some(id), Some(app)) if app.is(id.trim()))
    };
    let unmatched: Vec<&OAuthAction> = cfg
        .policy
        .iter()
        .filter(|p| !loaded.iter().any(|(_, reg)| names(p, reg)))
        .collect();
    let lone_app = loaded.len() == 1;
    for (file, reg) in &loaded {
        let target = Target {
            client_id: reg.app_id.clone(),
            display_name: reg.display_name.clone(),
            source: Some(if file == "-" {
                "<stdin>".into()
            } else {
                file.clone()
            }),
            shape: Some(reg.shape.as_str()),
            address: reg.address.clone(),
            ..Target::default()
        };
        // Each Microsoft auth action naming this app is a target of its own.
        let mut named: Vec<&OAuthAction> = cfg.policy.iter().filter(|p| names(p, reg)).collect();
        if lone_app {
            named.extend(&unmatched);
        }
        if named.is_empty() {
            let findings = checks::judge(&Inputs::lint(reg, cfg.opts));
            each(Report::new(Mode::Lint, target, findings))?;
            continue;
        }
        for p in named {
            let mut inputs = Inputs::lint(reg, cfg.opts);
            inputs.policy = Some(p);
            inputs.secret = p.client_secret.as_ref();
            inputs.identities = &cfg.identities;
            inputs.denied_identities = &cfg.denied_identities;
            let mut target = target.clone();
            target.ngrok = Some(crate::report::NgrokTarget::of(p));
            each(Report::new(Mode::Lint, target, checks::judge(&inputs)))?;
        }
    }
    if !lone_app && !unmatched.is_empty() {
        // The appIds an action naming none of them is judged against (ngrok.policy says so).
        let linted: Vec<String> = loaded
            .iter()
            .filter_map(|(_, r)| r.app_id.clone())
            .collect();
        // Among many apps, an action naming none of them is a target of its own: the policy's
        // checks, judged without a registration.
        for p in unmatched {
            let mut inputs = Inputs::lint_policy(p, cfg.opts, &linted);
            inputs.secret = p.client_secret.as_ref();
            inputs.identities = &cfg.identities;
            inputs.denied_identities = &cfg.denied_identities;
            let target = Target {
                client_id: p.client_id.clone().filter(|id| is_guid(id)),
                source: Some(p.place.source.clone()),
                ngrok: Some(crate::report::NgrokTarget::of(p)),
                ..Target::default()
            };
            let findings = checks::judge(&inputs);
            each(Report::new(Mode::Lint, target, findings))?;
        }
    }
    Ok(())
}
