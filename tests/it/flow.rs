//! `run` end to end against the emulator, in process: every fixture, every fault, the agreement
//! of lint and run, personal accounts, state checking, and the authorize page that must end in
//! findings instead of a wait.

use crate::common;

use common::{Recorder, app, check, configured_scopes, emulator, finding, statuses};
use oauth_preflight::checks::{self, LintOptions, Status};
use oauth_preflight::flow::browser::Opener;
use oauth_preflight::flow::{self, FlowError};
use oauth_preflight::report::{self, Format, RenderOptions, Report};

fn all_registrations() -> Vec<(String, oauth_preflight::registration::Registration)> {
    oauth_preflight::fixtures::BUNDLED
        .iter()
        .flat_map(|(name, text)| {
            oauth_preflight::registration::parse_bytes(text.as_bytes())
                .unwrap()
                .into_iter()
                .enumerate()
                .map(move |(i, r)| {
                    (
                        format!(
                            "{}{}",
                            name.trim_end_matches(".json"),
                            if i > 0 {
                                format!("-{i}")
                            } else {
                                String::new()
                            }
                        ),
                        r,
                    )
                })
        })
        .collect()
}

fn human(r: Report) -> String {
    let mut out = Vec::new();
    report::render(
        &[r],
        RenderOptions {
            format: Format::Human,
            verbose: true,
            ..Default::default()
        },
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

/// Every live check passed; the ids judged from the registration or the policy alone (no --app,
/// no --ngrok-policy here), and the second tenant's sign-in (one account here), are listed, as
/// skips that say how to judge them where nothing live judged them.
fn all_pass_but_registration_checks(findings: &[checks::Finding]) {
    for f in findings {
        let registration_only = matches!(
            f.id.as_str(),
            "tenancy.token-version"
                | "secret.present"
                | "implicit.disabled"
                | "sp.enabled"
                | "sp.assignment"
                | "ngrok.policy"
                | "ngrok.access"
                | "tenancy.other-tenant"
        );
        if registration_only && f.status == Status::Skip {
            assert!(
                ["--app", "--ngrok-policy", "--accounts"]
                    .iter()
                    .any(|flag| f.title.contains(flag)),
                "{f:?}"
            );
        } else {
            assert_eq!(f.status, Status::Pass, "{f:?}");
        }
    }
    assert_eq!(findings.len(), checks::CheckId::ALL.len());
}

#[tokio::test]
async fn every_fixture_through_run_snapshots() {
    let regs = all_registrations();
    let e = emulator(regs.iter().map(|(_, r)| r.clone()).collect(), &[]).await;
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(r"localhost:\d+", "localhost:[port]");
    let _guard = settings.bind_to_scope();
    for (name, reg) in &regs {
        let mut cfg = e.flow(reg);
        cfg.flow.scopes = configured_scopes(reg);
        cfg.app = Some(reg.clone());
        let out = check(&cfg).await;
        insta::assert_snapshot!(format!("run-{name}"), human(out.report));
    }
}

/// For every check id that both evaluate, lint and run never contradict each other: no pass
/// against fail (a warning is compatible with either: "works in some tenants").
#[tokio::test]
async fn lint_and_run_agree() {
    let regs = all_registrations();
    let e = emulator(regs.iter().map(|(_, r)| r.clone()).collect(), &[]).await;
    let opts = LintOptions {
        now: chrono::Utc::now(),
        secret_min_days: 30,
    };
    let mut compared = 0;
    for (name, reg) in &regs {
        // Both sides go through the same judges: lint with the registration only, run with the
        // live evidence only (no --app), so each verdict rests on its own evidence.
        let lint = statuses(&checks::judge(&checks::Inputs::lint(reg, opts)));
        let mut cfg = e.flow(reg);
        cfg.flow.scopes = configured_scopes(reg);
        let run = statuses(&check(&cfg).await.report.checks);
        for (id, l) in &lint {
            let Some(r) = run.get(id) else { continue };
            if r == "skip" {
                continue;
            }
            compared += 1;
            assert!(
                !(l == "pass" && r == "fail" || l == "fail" && r == "pass"),
                "{name}: {id} is {l} in lint but {r} in run"
            );
        }
    }
    assert!(compared >= 40, "compared {compared} verdicts");
}

#[tokio::test]
async fn broken_registrations_fail_their_live_checks() {
    let cases: &[(&str, &str)] = &[
        ("single-tenant.json", "tenancy.multitenant"),
        ("personal-only.json", "tenancy.signed-in"),
        ("redirect-spa.json", "redirect.local"),
        ("redirect-mobile-desktop.json", "redirect.local"),
        ("no-secret.json", "secret.valid"),
        ("expired-secret.json", "secret.valid"),
        ("admin-consent-scope.json", "scopes.admin-consent"),
    ];
    let regs: Vec<_> = cases.iter().map(|(f, _)| app(f)).collect();
    let e = emulator(regs.clone(), &[]).await;
    for ((file, id), reg) in cases.iter().zip(&regs) {
        let mut cfg = e.flow(reg);
        cfg.flow.scopes = configured_scopes(reg);
        let out = check(&cfg).await;
        let f = finding(&out.report.checks, id);
        assert_eq!(f.status, Status::Fail, "{file}: {f:?}");
        assert!(f.fix.is_some());
    }
}

#[tokio::test]
async fn secret_id_instead_of_value_is_named() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.secret = oauth_preflight::entra::SecretValue::new(
        reg.password_credentials[0].key_id.clone().unwrap(),
    );
    let out = check(&cfg).await;
    let f = finding(&out.report.checks, "secret.valid");
    assert_eq!(f.status, Status::Fail);
    assert!(
        f.title.contains("Secret ID, not the secret's Value"),
        "{}",
        f.title
    );
}

#[tokio::test]
async fn every_fault_fails_its_check_and_key_rotation_passes() {
    let reg = app("good-multitenant.json");
    for (fault, id) in [
        ("id-token-bad-signature", "id-token.valid"),
        ("id-token-alg-none", "id-token.valid"),
        ("id-token-wrong-aud", "id-token.valid"),
        ("id-token-wrong-iss", "id-token.valid"),
        ("id-token-expired", "id-token.valid"),
        ("id-token-nonce-mismatch", "id-token.valid"),
        ("id-token-no-kid", "id-token.valid"),
    ] {
        let e = emulator(vec![reg.clone()], &[fault]).await;
        let out = check(&e.flow(&reg)).await;
        let f = finding(&out.report.checks, id);
        assert_eq!(f.status, Status::Fail, "{fault}: {f:?}");
        let others: Vec<_> = out
            .report
            .checks
            .iter()
            .filter(|f| f.status == Status::Fail && f.id.as_str() != id)
            .collect();
        assert!(others.is_empty(), "{fault} fails only {id}: {others:?}");
    }
    // Graph down (503): graph.me could not be checked, which is not a failure of the app: the
    // run is incomplete (exit 3), graph.me a skip that says why, everything before it judged.
    let e = emulator(vec![reg.clone()], &["graph-down"]).await;
    let out = check(&e.flow(&reg)).await;
    assert!(
        matches!(&out.error, Some(FlowError::Incomplete(m)) if m.contains("HTTP 503")),
        "{:?}",
        out.error
    );
    let f = finding(&out.report.checks, "graph.me");
    assert_eq!(f.status, Status::Skip, "{f:?}");
    assert!(f.title.contains("HTTP 503"), "{}", f.title);
    assert_eq!(
        finding(&out.report.checks, "id-token.valid").status,
        Status::Pass
    );
    assert!(
        out.report
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("HTTP 503")
    );
    let e = emulator(vec![reg.clone()], &["key-rotation"]).await;
    let out = check(&e.flow(&reg)).await;
    let f = finding(&out.report.checks, "id-token.valid");
    assert_eq!(f.status, Status::Pass, "{f:?}");
    assert!(f.evidence.contains("refetching the JWKS"));

    let e = emulator(vec![reg.clone()], &["token-endpoint-html-500"]).await;
    match check(&e.flow(&reg)).await.error {
        Some(FlowError::Incomplete(m)) => assert!(
            m.contains("HTTP 500 with an HTML page: Service unavailable"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    let e = emulator(vec![reg.clone()], &["slow-token-endpoint=3"]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.http = e.client(std::time::Duration::from_secs(1));
    match check(&cfg).await.error {
        Some(FlowError::Incomplete(m)) => assert!(m.contains("did not answer in time"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_personal_account_with_an_opaque_token_passes_user_read() {
    let reg = app("good-personal-accounts.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.login_hint = Some("carol@outlook.example".into());
    let out = check(&cfg).await;
    all_pass_but_registration_checks(&out.report.checks);
    assert!(
        finding(&out.report.checks, "access-token.audience")
            .title
            .contains("opaque")
    );
    assert!(
        finding(&out.report.checks, "tenancy.signed-in")
            .title
            .contains("personal Microsoft account")
    );
}

#[tokio::test]
async fn a_user_without_mail_is_a_warning_naming_the_upn() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.login_hint = Some("bob@fabrikam.example".into());
    let out = check(&cfg).await;
    let f = finding(&out.report.checks, "graph.me");
    assert_eq!(f.status, Status::Warn);
    assert!(f.title.contains("bob@fabrikam.example"));
}

#[tokio::test]
async fn an_error_page_at_authorize_ends_in_findings_not_a_wait() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.client_id = "5ca1ab1e-0000-4000-8000-000000000000".parse().unwrap();
    cfg.flow.opener = Opener::PrintOnly;
    cfg.flow.wait = std::time::Duration::from_secs(300);
    let start = std::time::Instant::now();
    let out = check(&cfg).await;
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(
        finding(&out.report.checks, "app.exists").status,
        Status::Fail
    );
    // An unregistered redirect path: AADSTS50011 on a page, the local redirect check fails.
    let mut cfg = e.flow(&reg);
    cfg.flow.redirect_uri = reqwest::Url::parse("http://localhost:0/not-registered").unwrap();
    cfg.flow.opener = Opener::PrintOnly;
    let out = check(&cfg).await;
    let f = finding(&out.report.checks, "redirect.local");
    assert_eq!(f.status, Status::Fail);
    assert!(f.title.contains("AADSTS50011"));
}

/// A console that plays browser: a wrong-state request and a favicon first, then the real one.
struct HostileThenReal {
    http: reqwest::Client,
    seen: std::sync::Arc<std::sync::Mutex<Vec<u16>>>,
}

impl flow::Console for HostileThenReal {
    fn say(&mut self, line: &str) {
        let Some(url) = line.split_whitespace().find(|w| w.starts_with("https://")) else {
            return;
        };
        let (http, url, seen) = (self.http.clone(), url.to_owned(), self.seen.clone());
        tokio::spawn(async move {
            let r = http.get(&url).send().await.unwrap();
            let loc = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
            let mut forged = loc.clone();
            let pairs: Vec<(String, String)> = loc
                .query_pairs()
                .into_owned()
                .map(|(k, v)| {
                    if k == "state" {
                        (k, "forged".into())
                    } else {
                        (k, v)
                    }
                })
                .collect();
            forged.query_pairs_mut().clear().extend_pairs(pairs);
            let mut favicon = loc.clone();
            favicon.set_path("/favicon.ico");
            favicon.set_query(None);
            for u in [forged, favicon, loc] {
                let status = http.get(u).send().await.unwrap().status().as_u16();
                seen.lock().unwrap().push(status);
            }
        });
    }
    fn read_line(&mut self) -> Option<String> {
        None
    }
}

#[tokio::test]
async fn the_callback_refuses_a_wrong_state_and_ignores_other_paths() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.opener = Opener::PrintOnly;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut console = HostileThenReal {
        http: e.http.clone(),
        seen: seen.clone(),
    };
    let out = oauth_preflight::live::check(&cfg, &mut console).await;
    // The genuine answer waits for the verdict (DESIGN.md §9.3): it lands once the checks ran.
    for _ in 0..100 {
        if seen.lock().unwrap().len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(*seen.lock().unwrap(), [400, 404, 200]);
    all_pass_but_registration_checks(&out.report.checks);
}

#[tokio::test]
async fn paste_back_mode_uses_the_production_redirect_uri() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.redirect_uri = reqwest::Url::parse("https://idp.ngrok.com/oauth2/callback").unwrap();
    cfg.flow.opener = Opener::PrintOnly;
    // Sign in "in the browser": the authorize URL redirects to idp.ngrok.com with the code.
    let mut console = Recorder::default();
    let probe = oauth_preflight::live::check(&cfg, &mut console).await.error;
    assert!(
        matches!(probe, Some(FlowError::Incomplete(ref m)) if m.contains("no address was pasted")),
        "{probe:?}"
    );
    let url = console
        .said
        .iter()
        .flat_map(|l| l.split_whitespace())
        .find(|w| w.starts_with("https://127"))
        .unwrap()
        .to_owned();
    let r = e.http.get(&url).send().await.unwrap();
    let landed = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(landed.starts_with("https://idp.ngrok.com/oauth2/callback?code="));
    // The pasted address belongs to the first attempt: another state, refused.
    let mut console = Recorder {
        paste: Some(landed),
        ..Default::default()
    };
    assert!(
        matches!(oauth_preflight::live::check(&cfg, &mut console).await.error, Some(FlowError::Usage(ref m)) if m.contains("another state"))
    );
}

#[tokio::test]
async fn graph_named_by_url_gives_a_url_audience_that_passes() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut cfg = e.flow(&reg);
    cfg.flow.scopes = vec![
        "openid".into(),
        "profile".into(),
        "https://graph.microsoft.com/User.Read".into(),
    ];
    let out = check(&cfg).await;
    let f = finding(&out.report.checks, "access-token.audience");
    assert_eq!(f.status, Status::Pass);
    assert!(
        f.evidence.contains("\"https://graph.microsoft.com\""),
        "{}",
        f.evidence
    );
    assert_eq!(finding(&out.report.checks, "graph.me").status, Status::Pass);
}

/// The token endpoint is the better witness: a stale export whose hints no longer match does not
/// overrule a secret the endpoint accepted.
#[tokio::test]
async fn an_accepted_secret_is_not_overruled_by_stale_hints() {
    let reg = app("good-multitenant.json");
    let e = emulator(vec![reg.clone()], &[]).await;
    let mut stale = reg.clone();
    stale.password_credentials[0].hint = Some("zzz".into());
    let mut cfg = e.flow(&reg);
    cfg.app = Some(stale);
    let out = check(&cfg).await;
    assert_eq!(
        finding(&out.report.checks, "secret.valid").status,
        Status::Pass
    );
}
