//! The service principal (enterprise app): read by lint (alone or beside its application), and
//! followed by the emulator (disabled: AADSTS7000112; assignment required: AADSTS50105), so that
//! lint and run agree on `sp.enabled` and `sp.assignment`.

mod common;

use common::{AT, app, check, code, emulator, finding, fixture, run, stdout};
use oauth_preflight::checks::Status;

/// Regression: `az ad sp show` output was read as a legacy manifest (it has `replyUrls`), so
/// `secret.present` and `scopes.user-read` failed for a service principal.
#[test]
fn az_ad_sp_show_is_read_as_a_service_principal() {
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "json",
        &fixture("sp-only.json"),
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let r = &v["reports"][0];
    assert_eq!(r["target"]["shape"], "graph-service-principal");
    let ids: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["app.exists", "sp.enabled", "sp.assignment"]);
    // Beside its application (another file), it joins it: one target with every check.
    let both = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "json",
        &fixture("good-multitenant.json"),
        &fixture("sp-only.json"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&both)).unwrap();
    assert_eq!(v["reports"].as_array().unwrap().len(), 1);
    assert_eq!(v["reports"][0]["checks"].as_array().unwrap().len(), 10);
}

#[test]
fn lint_judges_the_enterprise_app() {
    for (file, id, status) in [
        ("sp-disabled.json", "sp.enabled", "fail"),
        ("sp-assignment-required.json", "sp.assignment", "warn"),
    ] {
        let out = run(&["lint", "--at", AT, "--format", "json", &fixture(file)]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let c = v["reports"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone();
        assert_eq!(c["status"], status, "{file}: {c}");
        assert!(
            c["fix"]
                .as_str()
                .unwrap()
                .contains("Enterprise applications"),
            "{c}"
        );
    }
}

/// The emulator follows `x-emulator.servicePrincipal`; run reports the code on the check lint
/// names, and the worse verdict stands with the registration's evidence beside it.
#[tokio::test]
async fn run_fails_the_enterprise_app_checks_with_the_aadsts_code() {
    let disabled = app("sp-disabled.json");
    let required = app("sp-assignment-required.json");
    let e = emulator(vec![disabled.clone(), required.clone()], &[]).await;
    for (reg, id, code) in [
        (&disabled, "sp.enabled", "AADSTS7000112"),
        (&required, "sp.assignment", "AADSTS50105"),
    ] {
        let mut cfg = e.flow(reg);
        cfg.app = Some(reg.clone());
        let out = check(&cfg).await;
        let f = finding(&out.report.checks, id);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.title.starts_with(code), "{}", f.title);
        assert!(
            f.evidence.contains("registration: "),
            "both pieces of evidence: {}",
            f.evidence
        );
        // Without the registration, the live evidence alone says the same.
        let out = check(&e.flow(reg)).await;
        assert_eq!(finding(&out.report.checks, id).status, Status::Fail);
    }
    // A user of another tenant is not bound by the home tenant's assignment.
    let mut cfg = e.flow(&required);
    cfg.flow.login_hint = Some("bob@fabrikam.example".into());
    let out = check(&cfg).await;
    assert_eq!(
        finding(&out.report.checks, "sp.assignment").status,
        Status::Pass
    );
    // And the disabled app's secret is refused at the token endpoint too (client credentials).
    let (status, body) = e
        .token(
            oauth_preflight::emulator::CONTOSO.id,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", disabled.app_id.as_deref().unwrap()),
                ("client_secret", &common::secret(&disabled)),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error_codes"][0], 7000112);
}

#[test]
fn explain_names_the_enterprise_app_checks() {
    for (code_, id) in [("7000112", "sp.enabled"), ("50105", "sp.assignment")] {
        let out = run(&["explain", "--format", "json", code_]);
        let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(v["check"], id);
    }
}
