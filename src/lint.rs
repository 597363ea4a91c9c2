//! The `lint` command: registration files in, one report per app out, every check of `lint`'s
//! catalog judged by the same functions `run` uses.

use crate::checks::{self, Inputs};
use crate::config::{GraphSource, LintConfig};
use crate::exit::Error;
use crate::ngrok::OAuthAction;
use crate::registration::{self, LoadError, MAX_INPUT_BYTES, Registration, is_guid};
use crate::report::{Mode, Report, Target};
use std::io::Read;
use std::path::Path;

/// Graph answers larger than this are refused.
const MAX_GRAPH_ANSWER: usize = 4 << 20;

/// The registration of `source.client_id` and its service principal, read from Microsoft Graph.
/// A 401 or 403 says what the token lacks (exit 3); no application is exit 2.
fn from_graph(source: &GraphSource) -> Result<Vec<(String, Registration)>, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Incomplete(format!("cannot start the async runtime: {e}")))?;
    let base = source.graph.as_str().trim_end_matches('/');
    let id = &source.client_id;
    let mut redactor = crate::flow::Redactor::default();
    redactor.add(source.token.expose());
    let mut out = Vec::new();
    for (what, path) in [
        ("application", format!("applications(appId='{id}')")),
        (
            "servicePrincipal",
            format!("servicePrincipals(appId='{id}')"),
        ),
    ] {
        let url = format!("{base}/v1.0/{path}");
        // Say what happened: a time-out is not a "decoding" error.
        let failed = |e: reqwest::Error| {
            Error::Incomplete(if e.is_timeout() {
                format!(
                    "cannot read {url}: timed out after {} s",
                    source.timeout.as_secs()
                )
            } else {
                format!("cannot read {url}: {}", e.without_url())
            })
        };
        let (status, location, body) = runtime.block_on(async {
            let mut r = source
                .http
                .get(&url)
                .bearer_auth(source.token.expose())
                .send()
                .await
                .map_err(failed)?;
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            // Bounded: an application object is a few KB.
            let mut body = Vec::new();
            while let Some(chunk) = r.chunk().await.map_err(failed)? {
                if body.len() + chunk.len() > MAX_GRAPH_ANSWER {
                    return Err(Error::Incomplete(format!(
                        "{url} answered with more than 4 MiB"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok::<_, Error>((status, location, body))
        })?;
        // What the server said, cleaned of the token we sent (a proxy or a fake Graph may echo
        // it) and cut to one short line.
        let said =
            |text: &str| -> String { redactor.clean(&text.chars().take(160).collect::<String>()) };
        let graph_error = || {
            let e = crate::entra::GraphError::parse(&body).unwrap_or_default();
            crate::entra::GraphError {
                code: said(&e.code),
                message: said(&e.message),
            }
        };
        match status {
            200 => {
                let regs = registration::parse_bytes(&body).map_err(|e| {
                    Error::Incomplete(format!(
                        "Graph answered {url} with something else than an {what}: {}",
                        said(&e.to_string())
                    ))
                })?;
                out.extend(regs.into_iter().map(|r| (format!("graph:{path}"), r)));
            }
            404 if what == "servicePrincipal" => {}
            404 => {
                return Err(Error::Usage(format!(
                    "no application with appId {id} in the token's tenant: Graph answered 404 ({}). An application object lives only in the app's home tenant",
                    graph_error().code
                )));
            }
            401 => {
                return Err(Error::Incomplete(format!(
                    "Graph refused the token (HTTP 401 {}: {}): get one that holds Application.Read.All, e.g. az account get-access-token --resource-type ms-graph",
                    graph_error().code,
                    graph_error().message
                )));
            }
            403 => {
                return Err(Error::Incomplete(format!(
                    "Graph refused to read the {what} (HTTP 403 {}): the token needs Application.Read.All (an application permission granted by an administrator, or delegated)",
                    graph_error().code
                )));
            }
            // Redirects are not followed (the token would go along).
            s @ 300..=399 => {
                return Err(Error::Incomplete(format!(
                    "Graph answered {url} with HTTP {s}: redirected to {}, not followed",
                    location
                        .as_deref()
                        .map_or_else(|| "nowhere (no Location)".into(), said)
                )));
            }
            s => {
                return Err(Error::Incomplete(format!(
                    "Graph answered {url} with HTTP {s}: {}",
                    graph_error().message
                )));
            }
        }
    }
    Ok(out)
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
        matches!((p.client_id.as_deref(), reg.app_id.as_deref()),
            (Some(id), Some(app)) if id.trim().eq_ignore_ascii_case(app))
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
