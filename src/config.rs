//! Raw flags turned once into validated configuration, for every command (STYLE.md §2, ripgrep's
//! low and high args): parsed URLs and instants, the tenant, the client id as a GUID, the secret
//! from its source, the CA-trusting HTTP client, the output. Nothing below reads clap structs.

use crate::checks::{self, LintOptions};
use crate::cli::{EmulateArgs, EndpointArgs, GlobalArgs, LintArgs, ProbeArgs, RunArgs, TargetArgs};
use crate::emulator::{EmulatorConfig, Faults};
use crate::entra::{ClientId, SecretValue, Tenant};
use crate::error::Error;
use crate::flow::browser::Opener;
use crate::flow::{self, FlowConfig};
use crate::https;
use crate::mode::Mode;
use crate::ngrok::{self, OAuthAction};
use crate::registration::{self, Capped, Registration, read_capped};
use crate::report::{Earlier, Format, Output};
use crate::same_file::{Named, refuse_clashes};
use chrono::{DateTime, Utc};
use reqwest::Url;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

/// `--format`, `--output`, `--report`, `--baseline`, `--strict`, `-v`, and the GitHub step
/// summary file (`GITHUB_STEP_SUMMARY`, set by GitHub Actions for each step).
pub fn output(g: &GlobalArgs) -> Result<Output, Error> {
    let mut reports = Vec::new();
    for spec in &g.report {
        let (name, path) = spec.split_once('=').ok_or_else(|| {
            usage(format!(
                "--report {spec:?}: write FORMAT=PATH, e.g. junit=preflight.xml"
            ))
        })?;
        let format = Format::parse(name).ok_or_else(|| {
            usage(format!(
                "--report {spec:?}: {name:?} is not a format (human, json, junit, github, markdown, html)"
            ))
        })?;
        if path.is_empty() {
            return Err(usage(format!("--report {spec:?}: the path is empty")));
        }
        reports.push((format, path.to_owned()));
    }
    let baseline = g.baseline.as_deref().map(Earlier::load).transpose()?;
    Ok(Output {
        format: g.format.unwrap_or_default(),
        path: g.output.clone(),
        reports,
        verbose: g.verbose,
        strict: g.strict,
        baseline,
        inputs: g
            .baseline
            .iter()
            .map(|p| Named::new("--baseline", p))
            .collect(),
        step_summary: std::env::var("GITHUB_STEP_SUMMARY")
            .ok()
            .filter(|p| !p.is_empty()),
        // <https://no-color.org>: set and not empty.
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    })
}

/// `--at`, else now.
pub fn instant(at: Option<&str>) -> Result<DateTime<Utc>, Error> {
    let Some(at) = at else {
        return Ok(Utc::now());
    };
    DateTime::parse_from_rfc3339(at)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            usage(format!(
                "--at {at:?} is not an RFC 3339 instant ({e}), e.g. 2027-01-31T00:00:00Z"
            ))
        })
}

/// The validated `lint` flags.
#[derive(Debug)]
pub struct LintConfig {
    /// Each file as given, each directory's `*.json` files in name order; `-` is standard input.
    /// A directory's names need not be UTF-8.
    pub files: Vec<PathBuf>,
    pub opts: LintOptions,
    /// `--ngrok-policy`: every Microsoft auth action of it (each judged with the app it names).
    pub policy: Vec<OAuthAction>,
    /// `--from-graph`: where and how to read the registration.
    pub from_graph: Option<GraphSource>,
    /// `--identity EMAIL`: who `ngrok.access` evaluates the policy's rules for.
    pub identities: Vec<String>,
    /// `--denied-identity EMAIL`: who the policy's rules must stop.
    pub denied_identities: Vec<String>,
    /// Every file the flags name to read: no report may overwrite one.
    pub inputs: Vec<Named>,
}

/// Microsoft Graph as the source of a registration (`lint --from-graph`).
#[derive(Debug)]
pub struct GraphSource {
    pub client_id: ClientId,
    /// `https://graph.microsoft.com` (no trailing slash).
    pub graph: Url,
    pub token: SecretValue,
    /// Its time-out is [`GRAPH_TIMEOUT`].
    pub http: https::Client,
}

/// `lint`.
pub fn lint(args: &LintArgs) -> Result<LintConfig, Error> {
    let files = expand(&args.files)?;
    let mut inputs: Vec<Named> = files
        .iter()
        .filter(|f| f.as_os_str() != "-")
        .map(|f| Named::new("the file to lint", f))
        .collect();
    inputs.extend(named_inputs(&[("--ngrok-policy", &args.ngrok_policy)]));
    Ok(LintConfig {
        files,
        opts: LintOptions {
            now: instant(args.at.as_deref())?,
            secret_min_days: i64::from(args.secret_min_days),
        },
        policy: match args.ngrok_policy.as_deref() {
            Some(p) => {
                not_a_directory(p)?;
                ngrok::load_all(p, args.endpoint.as_deref())?
            }
            None => Vec::new(),
        },
        from_graph: args
            .from_graph
            .then(|| graph_source(args, &mut inputs))
            .transpose()?,
        identities: args.identity.clone(),
        denied_identities: args.denied_identity.clone(),
        inputs,
    })
}

/// The files of these flags that are given.
fn named_inputs(flags: &[(&str, &Option<String>)]) -> Vec<Named> {
    flags
        .iter()
        .filter_map(|(flag, path)| path.as_ref().map(|p| Named::new(*flag, p)))
        .collect()
}

/// The files to lint: each file as given, each directory's `*.json` files in name order (read
/// by their names as the system has them: a name need not be UTF-8).
fn expand(args: &[String]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for arg in args {
        if arg == "-" || !std::path::Path::new(arg).is_dir() {
            files.push(PathBuf::from(arg));
            continue;
        }
        let entries = std::fs::read_dir(arg)
            .map_err(|e| usage(format!("{arg}: cannot read the directory: {e}")))?;
        let mut json: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.extension()
                        .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            })
            .collect();
        if json.is_empty() {
            return Err(usage(format!("{arg}: a directory with no *.json file")));
        }
        json.sort();
        files.extend(json);
    }
    Ok(files)
}

fn graph_source(args: &LintArgs, inputs: &mut Vec<Named>) -> Result<GraphSource, Error> {
    let id = parse_client_id(args.client_id.as_deref().unwrap_or_default())?;
    let token = match std::env::var(&args.graph_token_env) {
        Ok(t) if !t.trim().is_empty() => SecretValue::new(t.trim()),
        _ => {
            return Err(usage(format!(
                "--from-graph needs a Graph token in {}: export {}=$(az account get-access-token --resource-type ms-graph --query accessToken -o tsv)",
                args.graph_token_env, args.graph_token_env
            )));
        }
    };
    let ends = endpoints(&args.endpoints, inputs)?;
    Ok(GraphSource {
        client_id: id,
        graph: parse_url("--graph", &ends.graph)?,
        token,
        http: https::client(ends.ca_pem.as_deref(), GRAPH_TIMEOUT)?,
    })
}

/// Graph, the trust root and the emulator's authority, from `--graph`, `--ca-cert` and
/// `--emulator` (whose ready line gives all three): resolved once for every command.
struct Endpoints {
    /// The emulator's authority, when `--emulator` names one.
    authority: Option<String>,
    graph: String,
    /// The extra trust root's PEM (`--ca-cert`, or the emulator's CA).
    ca_pem: Option<Vec<u8>>,
}

/// Resolves `args`, adding the files they name to `inputs` (no report may overwrite them).
fn endpoints(args: &EndpointArgs, inputs: &mut Vec<Named>) -> Result<Endpoints, Error> {
    inputs.extend(named_inputs(&[
        ("--ca-cert", &args.ca_cert),
        ("--emulator", &args.emulator),
    ]));
    let emulator = args.emulator.as_deref().map(ready_line).transpose()?;
    if let Some(e) = &emulator {
        inputs.push(Named::new("the CA of --emulator", &e.ca_cert));
    }
    let ca_cert = emulator
        .as_ref()
        .map(|e| e.ca_cert.clone())
        .or_else(|| args.ca_cert.clone());
    Ok(Endpoints {
        authority: emulator.as_ref().map(|e| e.authority.clone()),
        graph: emulator
            .as_ref()
            .map_or_else(|| args.graph.clone(), |e| e.graph.clone()),
        ca_pem: ca_cert.as_deref().map(read_ca).transpose()?,
    })
}

/// How long `lint --from-graph` waits for each Graph answer.
pub const GRAPH_TIMEOUT: Duration = Duration::from_secs(30);

/// A CA bundle (`--ca-cert`, or the emulator's), read through a bounded reader.
fn read_ca(path: &str) -> Result<Vec<u8>, Error> {
    read_capped(path, MAX_CA_BYTES).map_err(|e| match e {
        Capped::TooLarge => usage(format!(
            "--ca-cert {path}: larger than 1 MiB, which no CA bundle is"
        )),
        Capped::Io(e) => usage(format!("--ca-cert {path}: {e}")),
    })
}

fn policy(path: Option<&str>, endpoint: Option<&str>) -> Result<Option<OAuthAction>, Error> {
    path.map(|p| {
        not_a_directory(p)?;
        Ok(ngrok::load(p, endpoint)?)
    })
    .transpose()
}

/// `--ngrok-policy` names one file: a directory is said as such, not as an OS error.
fn not_a_directory(path: &str) -> Result<(), Error> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(usage(format!(
            "--ngrok-policy {path}: is a directory; a file is expected (a Traffic Policy, an ngrok agent config, Kubernetes manifests or the ngrok API's endpoint JSON)"
        )));
    }
    Ok(())
}

/// `run`.
pub fn run(args: &RunArgs) -> Result<LiveConfig, Error> {
    let opener = Opener::from_flags(
        args.browser.as_deref(),
        args.no_browser,
        std::env::var("BROWSER").ok(),
    )
    .map_err(Error::Usage)?;
    if args.timeout == 0 {
        return Err(usage("--timeout must be at least 1 second"));
    }
    let mut cfg = live(&args.target, Mode::Run)?;
    cfg.flow.opener = opener;
    cfg.flow.wait = Duration::from_secs(args.timeout);
    Ok(cfg)
}

/// `probe`.
pub fn probe(args: &ProbeArgs) -> Result<LiveConfig, Error> {
    live(&args.target, Mode::Probe)
}

fn parse_url(flag: &str, value: &str) -> Result<Url, Error> {
    let u = Url::parse(value.trim_end_matches('/'))
        .map_err(|e| usage(format!("{flag} {value:?} is not a URL: {e}")))?;
    if u.scheme() != "https" {
        return Err(usage(format!("{flag} {value:?} must be https")));
    }
    Ok(u)
}

/// The secret: `--client-secret-file` (its first line, as its help says), else the policy's
/// literal `client_secret`, else the environment variable.
fn read_secret(args: &TargetArgs, policy: Option<&OAuthAction>) -> Result<SecretValue, Error> {
    if let Some(path) = &args.client_secret_file {
        return first_line_secret(path, &read_first_line(path)?);
    }
    if let Some(s) = policy.and_then(|p| p.client_secret.clone()) {
        return Ok(s);
    }
    match std::env::var(&args.client_secret_env) {
        Ok(v) if !v.is_empty() => Ok(SecretValue::new(v)),
        _ => Err(usage(format!(
            "no client secret: set {} to the secret's Value, or pass --client-secret-file (never a flag: it would land in shell history)",
            args.client_secret_env
        ))),
    }
}

/// A secret Value is 40 characters; its line may not be longer than this.
const MAX_SECRET_LINE: usize = 4096;
/// A CA bundle of a few certificates.
const MAX_CA_BYTES: u64 = 1 << 20;

/// The first line of `path`, read through a bounded reader: the rest of the file is not read.
fn read_first_line(path: &str) -> Result<String, Error> {
    use std::io::{BufRead, Read};
    let f = std::fs::File::open(path)
        .map_err(|e| usage(format!("--client-secret-file {path}: {e}")))?;
    let mut line = Vec::new();
    std::io::BufReader::new(f)
        .take(MAX_SECRET_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| usage(format!("--client-secret-file {path}: {e}")))?;
    if line.len() > MAX_SECRET_LINE && !line.ends_with(b"\n") {
        return Err(usage(format!(
            "--client-secret-file {path}: its first line is longer than {MAX_SECRET_LINE} bytes, which no secret Value is"
        )));
    }
    String::from_utf8(line)
        .map_err(|_| usage(format!("--client-secret-file {path}: not UTF-8 text")))
}

/// The first line of a secret file, without its line ending or surrounding blanks. Lines after
/// it are ignored (a note or a second secret does not join the first).
fn first_line_secret(path: &str, text: &str) -> Result<SecretValue, Error> {
    let first = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .next()
        .unwrap_or_default()
        .trim();
    if first.is_empty() {
        return Err(usage(format!(
            "--client-secret-file {path}: its first line is empty; put the secret's Value on it"
        )));
    }
    Ok(SecretValue::new(first))
}

/// `run` and `probe`: the flow, the registration and the policy.
fn live(args: &TargetArgs, mode: Mode) -> Result<LiveConfig, Error> {
    let policy = policy(args.ngrok_policy.as_deref(), args.endpoint.as_deref())?;
    let client_id = client_id(args, policy.as_ref())?;
    // An openid-connect action names its authority and tenant in issuer_url: where the flags are
    // left at their defaults, the run signs in there (as ngrok would).
    let issuer = policy
        .as_ref()
        .and_then(|p| p.issuer_url.as_deref())
        .and_then(|u| Url::parse(u).ok());
    let issuer_tenant = issuer.as_ref().and_then(|u| {
        u.path_segments()?
            .find(|s| !s.is_empty())
            .map(str::to_owned)
    });
    // `--tenant` left at its default (`common`) gives way to the issuer's tenant.
    let tenant = match &issuer_tenant {
        Some(t) if args.tenant == "common" => t,
        _ => &args.tenant,
    };
    let tenant = Tenant::parse(tenant).map_err(|_| {
        usage(format!(
            "--tenant {:?}: use common, organizations, consumers, a tenant GUID or a domain",
            args.tenant
        ))
    })?;
    if args.http_timeout == 0 {
        return Err(usage("--http-timeout must be at least 1 second"));
    }
    let (scopes, scopes_from_policy) = scopes(args, policy.as_ref())?;
    let mut inputs = named_inputs(&[
        ("--ngrok-policy", &args.ngrok_policy),
        ("--app", &args.app),
        ("--client-secret-file", &args.client_secret_file),
    ]);
    if args.endpoints.emulator.is_some() && args.authority != flow::config::DEFAULT_AUTHORITY {
        return Err(usage(
            "--emulator gives the authority: it cannot be used with --authority",
        ));
    }
    let ends = endpoints(&args.endpoints, &mut inputs)?;
    let issuer_authority = issuer
        .as_ref()
        .filter(|_| args.authority == flow::config::DEFAULT_AUTHORITY)
        .map(|u| u.origin().ascii_serialization());
    let (authority, graph) = match (&ends.authority, &issuer_authority) {
        (Some(e), _) => (e.as_str(), ends.graph.as_str()),
        (None, Some(a)) => (a.as_str(), ends.graph.as_str()),
        (None, None) => (args.authority.as_str(), ends.graph.as_str()),
    };
    let http = https::client(
        ends.ca_pem.as_deref(),
        Duration::from_secs(args.http_timeout),
    )?;
    let app = match &args.app {
        Some(f) => Some(registration_of(f, &client_id)?),
        None => None,
    };
    let mut flow = FlowConfig::new(
        client_id,
        read_secret(args, policy.as_ref())?,
        parse_url("--authority", authority)?,
        parse_url("--graph", graph)?,
        http,
    );
    flow.mode = mode;
    flow.scopes = scopes;
    // probe follows no redirect: ngrok's own URI is the one the registration must have, and no
    // local callback is needed (DESIGN.md §9.2); run receives the code on this machine.
    let default_redirect = if mode == Mode::Probe {
        crate::entra::NGROK_CALLBACK
    } else {
        flow::DEFAULT_REDIRECT
    };
    flow.redirect_uri = redirect_uri(args.redirect_uri.as_deref().unwrap_or(default_redirect))?;
    flow.tenant = tenant;
    flow.probe_tenant = app.as_ref().and_then(|a| a.publisher_domain.clone());
    let accounts = usize::from(args.accounts.unwrap_or(0))
        .max(args.login_hint.len())
        .max(1);
    if args
        .accounts
        .is_some_and(|n| usize::from(n) < args.login_hint.len())
    {
        return Err(usage(format!(
            "--accounts {} but {} --login-hint: one hint per sign-in at most",
            args.accounts.unwrap_or_default(),
            args.login_hint.len()
        )));
    }
    flow.login_hint = args.login_hint.first().cloned();
    flow.more_accounts = (1..accounts)
        .map(|i| args.login_hint.get(i).cloned())
        .collect();
    flow.wait = Duration::ZERO;
    Ok(LiveConfig {
        flow,
        app,
        policy,
        lint: LintOptions {
            now: instant(args.at.as_deref())?,
            secret_min_days: checks::DEFAULT_SECRET_MIN_DAYS.into(),
        },
        scopes_from_policy,
        inputs,
    })
}

/// What `--emulator READY.json` supplies.
#[derive(Debug, serde::Deserialize)]
struct Ready {
    authority: String,
    graph: String,
    ca_cert: String,
}

/// The ready line `emulate --ready-file` wrote. A relative `ca_cert` is taken from the ready
/// file's directory.
fn ready_line(path: &str) -> Result<Ready, Error> {
    let bad = |why: String| usage(format!("--emulator {path}: {why}"));
    let bytes = read_capped(path, 1 << 20).map_err(|e| match e {
        Capped::TooLarge => bad("larger than 1 MiB, which no ready line is".into()),
        Capped::Io(e) => bad(e.to_string()),
    })?;
    let mut ready: Ready = serde_json::from_slice(&bytes).map_err(|e| {
        bad(format!(
            "not the ready line of oauth-preflight emulate ({e})"
        ))
    })?;
    let ca = std::path::Path::new(&ready.ca_cert);
    if ca.is_relative()
        && let Some(dir) = std::path::Path::new(path).parent()
    {
        ready.ca_cert = dir.join(ca).to_string_lossy().into_owned();
    }
    Ok(ready)
}

/// `--client-id`, else the policy's literal `client_id`; a GUID.
fn client_id(args: &TargetArgs, policy: Option<&OAuthAction>) -> Result<ClientId, Error> {
    let from_policy = policy
        .and_then(|p| p.client_id.clone())
        .filter(|id| !ngrok::is_expression(id));
    let id = args.client_id.clone().or(from_policy).ok_or_else(|| {
        if policy.is_some_and(OAuthAction::is_managed_app) {
            usage("--ngrok-policy: its oauth action uses ngrok's managed Microsoft app (no client_id): pass --client-id to test an app of yours")
        } else {
            usage("--client-id is required (or an --ngrok-policy whose oauth action has a literal client_id)")
        }
    })?;
    parse_client_id(&id)
}

/// A `--client-id` (or the policy's `client_id` in its place): not a GUID is a usage error.
fn parse_client_id(id: &str) -> Result<ClientId, Error> {
    ClientId::parse(id).map_err(|_| {
        usage(format!(
            "--client-id {} is not a GUID: copy the 'Application (client) ID' from the app's Overview",
            registration::show_id(id)
        ))
    })
}

/// `--scopes`, else the policy's, else ngrok's needs; and whether they came from the policy.
fn scopes(args: &TargetArgs, policy: Option<&OAuthAction>) -> Result<(Vec<String>, bool), Error> {
    let from_policy = args.scopes.is_none() && policy.is_some_and(|p| p.scopes.is_some());
    let text = args
        .scopes
        .clone()
        .or_else(|| policy.and_then(|p| p.scopes.as_ref()).map(|s| s.join(" ")))
        .unwrap_or_else(|| flow::DEFAULT_SCOPES.to_owned());
    let scopes: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return Err(usage("--scopes is empty"));
    }
    Ok((scopes, from_policy))
}

/// https anywhere, http only on loopback (Entra's rule for redirect URIs).
fn redirect_uri(value: &str) -> Result<Url, Error> {
    let u = Url::parse(value)
        .map_err(|e| usage(format!("--redirect-uri {value:?} is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https")
        || (u.scheme() == "http" && !flow::config::is_loopback(&u))
    {
        return Err(usage(format!(
            "--redirect-uri {value}: Entra accepts https, or http only on localhost"
        )));
    }
    Ok(u)
}

/// The registration of `client_id` in `file` (`--app`).
fn registration_of(file: &str, client_id: &ClientId) -> Result<Registration, Error> {
    let mut regs = registration::load_path(file)?;
    let pos = regs
        .iter()
        .position(|r| r.app_id.as_deref().is_some_and(|a| client_id.is(a)));
    match pos {
        Some(i) => Ok(regs.swap_remove(i)),
        None => Err(usage(format!(
            "--app {file}: no registration with appId {client_id}"
        ))),
    }
}

/// `emulate`; `verbose` also from `-v` before the subcommand.
pub fn emulate(args: &EmulateArgs, verbose: bool) -> Result<EmulatorConfig, Error> {
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        usage(format!(
            "--listen {:?} is not an address like 127.0.0.1:0",
            args.listen
        ))
    })?;
    if !listen.ip().is_loopback() {
        return Err(usage(format!(
            "--listen {listen}: the emulator listens on loopback only (127.0.0.1 or [::1])"
        )));
    }
    let apps = if args.apps.is_empty() {
        crate::fixtures::bundled_apps()
    } else {
        let mut apps = Vec::new();
        for file in &args.apps {
            apps.extend(registration::load_path(file)?.into_iter().map(|r| ((), r)));
        }
        // An enterprise app read beside its application (in another file) joins it.
        registration::join_service_principals(apps)
            .into_iter()
            .map(|(_, r)| r)
            .collect()
    };
    // What emulate writes must not replace what it read, nor each other.
    let written = named_inputs(&[
        ("--ca-out", &args.ca_out),
        ("--ready-file", &args.ready_file),
    ]);
    let read: Vec<Named> = args.apps.iter().map(|a| Named::new("--app", a)).collect();
    refuse_clashes(&written, &read).map_err(Error::Usage)?;
    let mut apps = apps;
    for spec in &args.app_secret {
        app_secret(&mut apps, spec)?;
    }
    let faults = Faults::parse(&args.faults).map_err(|e| usage(format!("--fault: {e}")))?;
    let mut config = EmulatorConfig::new(apps);
    config.listen = listen;
    config.default_user.clone_from(&args.user);
    config.faults = faults;
    config.generate_keys = args.generate_keys;
    config.log_requests = args.verbose || verbose;
    Ok(config)
}

/// `--app-secret CLIENT_ID=ENVVAR`: the Value from the environment, given to that app. The
/// variable's name is shown in errors, never its value.
fn app_secret(apps: &mut [Registration], spec: &str) -> Result<(), Error> {
    let (id, var) = spec.split_once('=').ok_or_else(|| {
        usage(format!(
            "--app-secret {}: write CLIENT_ID=ENVVAR, the environment variable holding the secret's Value",
            registration::show_id(spec)
        ))
    })?;
    let client_id = ClientId::parse(id).map_err(|_| {
        usage(format!(
            "--app-secret: {} is not a GUID (the app's Application (client) ID)",
            registration::show_id(id)
        ))
    })?;
    let value = match std::env::var(var) {
        Ok(v) if !v.is_empty() => SecretValue::new(v),
        _ => {
            return Err(usage(format!(
                "--app-secret {id}={var}: {var} is not set (or empty): export {var}='<the secret Value>'"
            )));
        }
    };
    let reg = apps
        .iter_mut()
        .find(|r| r.app_id.as_deref().is_some_and(|a| client_id.is(a)))
        .ok_or_else(|| usage(format!("--app-secret {id}: no app served has that appId")))?;
    crate::emulator::app_secret::bind(reg, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_file_gives_its_first_line() {
        let s = first_line_secret(
            "f",
            "Q1x8Q~ngrok-preflight-unit-test-value-0001\r\nsecond line\n",
        )
        .unwrap();
        assert_eq!(s.expose(), "Q1x8Q~ngrok-preflight-unit-test-value-0001");
        let s = first_line_secret(
            "f",
            "\u{feff}  Q1x8Q~ngrok-preflight-unit-test-value-0001  \n",
        )
        .unwrap();
        assert_eq!(s.expose(), "Q1x8Q~ngrok-preflight-unit-test-value-0001");
        let e =
            first_line_secret("f", "\nQ1x8Q~ngrok-preflight-unit-test-value-0001\n").unwrap_err();
        assert!(e.to_string().contains("first line is empty"), "{e}");
    }
}

/// A validated `run` or `probe`: the flow, and what judges it besides the live evidence.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub flow: FlowConfig,
    /// `--app`: the registration, whose static checks join the live ones.
    pub app: Option<Registration>,
    /// `--ngrok-policy`: its `oauth` action.
    pub policy: Option<OAuthAction>,
    /// "Now" for the registration's checks (`--at`).
    pub lint: LintOptions,
    /// The requested scopes came from the policy (a missing scope is fixed there).
    pub scopes_from_policy: bool,
    /// Every file the flags name to read: no report may overwrite one.
    pub inputs: Vec<Named>,
}

impl LiveConfig {
    /// A flow with nothing else to judge it by.
    pub fn new(flow: FlowConfig) -> Self {
        Self {
            flow,
            app: None,
            policy: None,
            lint: LintOptions {
                now: Utc::now(),
                secret_min_days: checks::DEFAULT_SECRET_MIN_DAYS.into(),
            },
            scopes_from_policy: false,
            inputs: Vec::new(),
        }
    }
}
