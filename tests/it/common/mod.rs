//! Shared helpers for the integration tests: run the real binary, find fixtures.

pub(crate) mod action;
pub(crate) mod child;
pub(crate) mod stand_in;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// "Now" for every snapshot: time-dependent checks are evaluated as of this instant.
pub(crate) const AT: &str = "2026-12-01T00:00:00Z";

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The finding `id` of one JSON report (`reports[k]`); a missing id fails the test.
pub(crate) fn check_of<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks in {report}"))
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

/// The command ended with exit `want` and said `needle` on standard error.
#[track_caller]
pub(crate) fn assert_exit(out: &Output, want: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(code(out), want, "{err}");
    assert!(err.contains(needle), "{needle:?} not in: {err}");
}

pub(crate) fn fixture(name: &str) -> String {
    format!("fixtures/apps/{name}")
}

/// Every fixture app file name, sorted.
pub(crate) fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("fixtures/apps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Runs the binary from the crate root, no colour, no inherited client secret.
pub(crate) fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

/// `lint --at AT --format json` of the fixture apps `names`.
pub(crate) fn lint_json(names: &[&str]) -> Output {
    let files: Vec<String> = names.iter().map(|n| fixture(n)).collect();
    let mut args = vec!["lint", "--at", AT, "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    run(&args)
}

pub(crate) fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    cli(args, &[], stdin)
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

pub(crate) fn code(o: &Output) -> i32 {
    o.status.code().expect("exited with a code, not a signal")
}

/// Every secret value any fixture carries (`x-emulator.secrets[].value`).
pub(crate) fn fixture_secret_values() -> Vec<String> {
    let mut out = Vec::new();
    for name in fixture_names() {
        let text = std::fs::read_to_string(root().join("fixtures/apps").join(name)).unwrap();
        collect_secrets(&serde_json::from_str(&text).unwrap(), &mut out);
    }
    assert!(out.len() >= 10, "fixtures carry secrets to hunt for");
    out
}

fn collect_secrets(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(secrets) = m.get("x-emulator").and_then(|x| x.get("secrets")) {
                for s in secrets.as_array().unwrap() {
                    out.push(s["value"].as_str().unwrap().to_owned());
                }
            }
            m.values().for_each(|v| collect_secrets(v, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_secrets(v, out)),
        _ => {}
    }
}

// ---- the emulator, in process, and an HTTP client that trusts its CA ----

use oauth_preflight::emulator::{Emulator, EmulatorConfig, Faults};
use oauth_preflight::registration::Registration;

/// The first registration of a bundled fixture file.
pub(crate) fn app(file: &str) -> Registration {
    oauth_preflight::fixtures::bundled(file)
        .unwrap_or_else(|| panic!("no fixture {file}"))
        .remove(0)
}

pub(crate) fn client_id(reg: &Registration) -> String {
    reg.app_id.clone().unwrap()
}

/// The first secret value of a registration's `x-emulator` block.
pub(crate) fn secret(reg: &Registration) -> String {
    reg.emulator.secrets[0].1.expose().to_owned()
}

pub(crate) struct Emu {
    pub(crate) emu: Emulator,
    pub(crate) http: reqwest::Client,
}

pub(crate) fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub(crate) async fn emulator(apps: Vec<Registration>, faults: &[&str]) -> Emu {
    let mut config = EmulatorConfig::new(apps);
    config.faults = Faults::parse(faults).unwrap();
    emulator_with(config).await
}

pub(crate) async fn emulator_with(config: EmulatorConfig) -> Emu {
    install_crypto();
    let emu = Emulator::start(config).await.expect("emulator starts");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(emu.ca_pem().as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    Emu { emu, http }
}

pub(crate) const LOCAL: &str = "http://localhost:8765/oauth2/callback";

impl Emu {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.authority())
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// GET /{tenant}/oauth2/v2.0/authorize with these query parameters; redirects not followed.
    pub(crate) async fn authorize(
        &self,
        tenant: &str,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/{tenant}/oauth2/v2.0/authorize")))
            .query(params)
            .send()
            .await
            .unwrap()
    }

    /// A standard code request for `client`; returns the redirect's query parameters.
    pub(crate) async fn authorize_ok(
        &self,
        tenant: &str,
        client: &str,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut params = vec![
            ("client_id", client),
            ("response_type", "code"),
            ("redirect_uri", LOCAL),
            ("scope", "openid profile email User.Read offline_access"),
            ("state", "st4te"),
            ("nonce", "n0nce"),
        ];
        for (k, v) in extra {
            params.retain(|(pk, _)| pk != k);
            params.push((k, v));
        }
        let r = self.authorize(tenant, &params).await;
        assert_eq!(
            r.status(),
            302,
            "expected a redirect: {}",
            r.text().await.unwrap()
        );
        redirect_params(&r)
    }

    pub(crate) async fn code(&self, tenant: &str, client: &str, extra: &[(&str, &str)]) -> String {
        let q = self.authorize_ok(tenant, client, extra).await;
        param(&q, "code").unwrap_or_else(|| panic!("no code in {q:?}"))
    }

    /// POST a form to /{tenant}/oauth2/v2.0/token.
    pub(crate) async fn token(
        &self,
        tenant: &str,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(self.url(&format!("/{tenant}/oauth2/v2.0/token")))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
        )
    }

    /// Redeems a code for a Web app with its secret.
    pub(crate) async fn redeem(
        &self,
        tenant: &str,
        client: &str,
        secret: &str,
        code: &str,
    ) -> (u16, serde_json::Value) {
        self.token(
            tenant,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", client),
                ("client_secret", secret),
                ("code", code),
                ("redirect_uri", LOCAL),
            ],
        )
        .await
    }

    pub(crate) async fn me(&self, token: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(self.url("/graph/v1.0/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

/// The query (or fragment) parameters of a redirect response.
pub(crate) fn redirect_params(r: &reqwest::Response) -> Vec<(String, String)> {
    let loc = r.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(loc).unwrap();
    let raw = url
        .query()
        .or(url.fragment())
        .unwrap_or_default()
        .to_owned();
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

pub(crate) fn param(q: &[(String, String)], name: &str) -> Option<String> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// The claims (or header, part 0) of a JWT, without verifying it.
pub(crate) fn jwt_part(token: &str, part: usize) -> serde_json::Value {
    use base64::Engine;
    let seg = token.split('.').nth(part).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(seg)
            .unwrap(),
    )
    .unwrap()
}

/// The AADSTS code an error body or page carries.
pub(crate) fn aadsts(text: &str) -> Option<u32> {
    let i = text.find("AADSTS")?;
    text[i + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

// ---- the live flow against the in-process emulator ----

use oauth_preflight::flow::FlowConfig;
use oauth_preflight::flow::browser::Opener;
use oauth_preflight::live::{LiveConfig, Outcome};

/// The scopes a registration is configured for: OpenID Connect plus its delegated Graph scopes.
pub(crate) fn configured_scopes(reg: &Registration) -> Vec<String> {
    let mut scopes: Vec<String> = ["openid", "profile", "email"].map(String::from).to_vec();
    for p in &reg.permissions {
        if p.resource_app_id == oauth_preflight::entra::GRAPH_APP_ID
            && p.kind == oauth_preflight::registration::AccessKind::Scope
            && let Some(s) = oauth_preflight::entra::graph_scope_by_id(&p.id)
            && !scopes.iter().any(|x| x == s.name)
        {
            scopes.push(s.name.to_owned());
        }
    }
    scopes
}

impl Emu {
    /// The flow's HTTP client for this emulator (its CA trusted), with this timeout.
    pub(crate) fn client(&self, timeout: std::time::Duration) -> oauth_preflight::https::Client {
        oauth_preflight::https::client(Some(self.emu.ca_pem().as_bytes()), timeout).unwrap()
    }

    /// A run against this emulator on /common, browsing with an in-process user agent.
    pub(crate) fn flow(&self, reg: &Registration) -> LiveConfig {
        let secret = reg
            .emulator
            .secrets
            .first()
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                // Random-looking, as Entra's are: a run of 8 of a credential's characters is
                // redacted wherever it appears, so words in it would be cut out of reports.
                oauth_preflight::entra::SecretValue::new("Q0x8Q~nS3cR7.zK4_pW9-mT2vL6yH5")
            });
        let mut flow = FlowConfig::new(
            client_id(reg).parse().unwrap(),
            secret,
            reqwest::Url::parse(self.emu.authority()).unwrap(),
            reqwest::Url::parse(&self.emu.graph()).unwrap(),
            self.client(std::time::Duration::from_secs(10)),
        );
        flow.redirect_uri = reqwest::Url::parse("http://localhost:0/oauth2/callback").unwrap();
        flow.wait = std::time::Duration::from_secs(10);
        flow.opener = Opener::Agent(self.client(std::time::Duration::from_secs(10)));
        let mut cfg = LiveConfig::new(flow);
        cfg.lint.now = chrono::DateTime::parse_from_rfc3339(AT).unwrap().to_utc();
        cfg
    }
}

/// Runs `cfg` with a console that says nothing and pastes nothing.
pub(crate) async fn check(cfg: &LiveConfig) -> Outcome {
    oauth_preflight::live::check(cfg, &mut Recorder::default()).await
}

/// A console that records what it was told and answers paste-back from a script.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) said: Vec<String>,
    pub(crate) paste: Option<String>,
}

impl oauth_preflight::flow::Console for Recorder {
    fn say(&mut self, line: &str) {
        self.said.push(line.to_owned());
    }
    fn read_line(&mut self) -> Option<String> {
        self.paste.take()
    }
}

/// `id -> status` of a report's findings.
pub(crate) fn statuses(
    findings: &[oauth_preflight::checks::Finding],
) -> std::collections::BTreeMap<String, String> {
    findings
        .iter()
        .map(|f| (f.id.as_str().to_owned(), f.status.as_str().to_owned()))
        .collect()
}

pub(crate) fn finding<'a>(
    findings: &'a [oauth_preflight::checks::Finding],
    id: &str,
) -> &'a oauth_preflight::checks::Finding {
    findings
        .iter()
        .find(|f| f.id.as_str() == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

/// Runs the binary with extra environment variables and optional stdin.
pub(crate) fn cli(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-preflight"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("OAUTH_PREFLIGHT_CLIENT_SECRET")
        .env_remove("OAUTH_PREFLIGHT_EMULATOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("BROWSER")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn oauth-preflight");
    if let Some(bytes) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    child.wait_with_output().unwrap()
}

/// An emulator on its own runtime, for tests that drive the binary synchronously.
pub(crate) struct Background {
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) emu: Emu,
    pub(crate) ca: tempfile::NamedTempFile,
}

pub(crate) fn background(apps: Vec<Registration>, faults: &[&str]) -> Background {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(emulator(apps, faults));
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), emu.emu.ca_pem()).unwrap();
    Background { rt, emu, ca }
}

impl Background {
    /// Writes the ready line `emulate --ready-file` would write for this emulator to `path`
    /// (what `--emulator` and `OAUTH_PREFLIGHT_EMULATOR` read).
    pub(crate) fn ready_file(&self, path: &Path) {
        let line = serde_json::json!({
            "authority": self.emu.emu.authority(),
            "graph": self.emu.emu.graph(),
            "ca_cert": self.ca.path(),
        });
        std::fs::write(path, line.to_string()).unwrap();
    }

    /// `--authority`, `--graph` and `--ca-cert` for this emulator.
    pub(crate) fn target(&self) -> Vec<String> {
        vec![
            "--authority".into(),
            self.emu.emu.authority().to_owned(),
            "--graph".into(),
            self.emu.emu.graph(),
            "--ca-cert".into(),
            self.ca.path().to_str().unwrap().to_owned(),
        ]
    }
}

/// A file of `n` apps that fail 4 checks each (single tenant, no redirect, no User.Read, no
/// secret), and, with `implicit_id_tokens`, warn once more (implicit.disabled).
pub(crate) fn failing_apps(n: usize, implicit_id_tokens: bool) -> tempfile::NamedTempFile {
    let implicit = if implicit_id_tokens {
        serde_json::json!({"enableIdTokenIssuance": true})
    } else {
        serde_json::json!({})
    };
    let apps: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "appId": format!("0000{i:04}-1111-4000-8000-000000000099"),
                "displayName": format!("broken {i}"),
                "signInAudience": "AzureADMyOrg",
                "web": {"redirectUris": [], "implicitGrantSettings": implicit},
                "requiredResourceAccess": [],
                "passwordCredentials": [],
            })
        })
        .collect();
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), serde_json::to_string(&apps).unwrap()).unwrap();
    f
}
