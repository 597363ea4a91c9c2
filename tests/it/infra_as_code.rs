//! `lint` of the registration as code (DESIGN.md §9.4): Terraform JSON (`terraform show -json`
//! of a plan or of state) and ARM templates compiled from Bicep, through the real binary. The
//! same checks and ids as for `az ad app show`: a plan and the app it creates agree, fixture for
//! fixture; a value only the apply or the deployment decides is a skip that says so.

use crate::common;

use common::{AT, code, run, stderr, stdout};
use serde_json::Value;
use std::io::Write;

fn lint_json(path: &str) -> (i32, Value) {
    let out = run(&["lint", "--at", AT, "--format", "json", path]);
    assert!(matches!(code(&out), 0 | 1), "{path}: {}", stderr(&out));
    (code(&out), serde_json::from_str(&stdout(&out)).unwrap())
}

fn statuses(report: &Value) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
                c["evidence"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A skip because the apply or the deployment decides the value.
fn undecided(evidence: &str) -> bool {
    evidence.contains("known after apply")
        || evidence.contains("template expression")
        || evidence.contains("when the template is deployed")
        || evidence.contains("Bicep does not create application passwords")
}

/// (code fixture, the `az ad app show` fixture of the app it makes)
const PAIRS: &[(&str, &str)] = &[
    ("terraform/good.plan.json", "good-multitenant.json"),
    (
        "terraform/split-resources.plan.json",
        "good-multitenant.json",
    ),
    ("terraform/child-module.plan.json", "good-multitenant.json"),
    ("terraform/child-module.state.json", "good-multitenant.json"),
    ("terraform/single-tenant.plan.json", "single-tenant.json"),
    (
        "terraform/redirect-missing.plan.json",
        "redirect-other-host.json",
    ),
    (
        "terraform/redirect-other-host.plan.json",
        "redirect-other-host.json",
    ),
    (
        "terraform/redirect-trailing-slash.plan.json",
        "redirect-trailing-slash.json",
    ),
    ("terraform/redirect-spa.plan.json", "redirect-spa.json"),
    ("terraform/no-user-read.plan.json", "no-user-read.json"),
    (
        "terraform/admin-consent-scope.plan.json",
        "admin-consent-scope.json",
    ),
    ("terraform/implicit-on.plan.json", "implicit-on.json"),
    ("terraform/expired-secret.state.json", "expired-secret.json"),
    ("terraform/no-secret.plan.json", "no-secret.json"),
    (
        "terraform/personal-v1-tokens.plan.json",
        "personal-v1-tokens.json",
    ),
    ("terraform/sp-disabled.plan.json", "sp-disabled.json"),
    (
        "terraform/sp-assignment-required.plan.json",
        "sp-assignment-required.json",
    ),
    ("bicep/good.json", "good-multitenant.json"),
    ("bicep/module.json", "good-multitenant.json"),
    ("bicep/single-tenant.json", "single-tenant.json"),
    ("bicep/redirect-other-host.json", "redirect-other-host.json"),
    (
        "bicep/redirect-trailing-slash.json",
        "redirect-trailing-slash.json",
    ),
    ("bicep/redirect-spa.json", "redirect-spa.json"),
    ("bicep/no-user-read.json", "no-user-read.json"),
    ("bicep/admin-consent-scope.json", "admin-consent-scope.json"),
    ("bicep/implicit-on.json", "implicit-on.json"),
    ("bicep/personal-v1-tokens.json", "personal-v1-tokens.json"),
    ("bicep/sp-disabled.json", "sp-disabled.json"),
    (
        "bicep/sp-assignment-required.json",
        "sp-assignment-required.json",
    ),
];

/// Every check of the app's report is in the code's report with the same verdict, or (for a
/// check the app passes) a skip naming what only the apply or the deployment decides. What
/// the app gets wrong, the code gets wrong the same way: never a skip.
#[test]
fn code_and_az_ad_app_show_agree_fixture_for_fixture() {
    for (code_fixture, app) in PAIRS {
        let (code_exit, code_json) = lint_json(&format!("fixtures/{code_fixture}"));
        let (app_exit, app_json) = lint_json(&format!("fixtures/apps/{app}"));
        assert_eq!(code_exit, app_exit, "{code_fixture} vs {app}: exit code");
        let code_report = &code_json["reports"][0];
        let app_report = &app_json["reports"][0];
        let code_checks = statuses(code_report);
        for (id, status, _) in statuses(app_report) {
            let (_, got, evidence) = code_checks
                .iter()
                .find(|(i, _, _)| *i == id)
                .unwrap_or_else(|| panic!("{code_fixture}: no {id}"));
            if status == "pass" && got == "skip" {
                assert!(
                    undecided(evidence),
                    "{code_fixture} {id}: a skip must say what decides it: {evidence}"
                );
                continue;
            }
            assert_eq!(got, &status, "{code_fixture} vs {app}: {id} ({evidence})");
        }
        // The code's own service principal checks, where the app fixture has none, judge it.
        for (id, status, evidence) in &code_checks {
            if status == "skip" {
                assert!(undecided(evidence), "{code_fixture} {id}: {evidence}");
            }
        }
        assert!(
            code_report["target"]["address"].is_string(),
            "{code_fixture}: the target names its resource"
        );
    }
}

#[test]
fn known_after_apply_is_a_skip_that_says_so() {
    let (_, v) = lint_json("fixtures/terraform/unknown-values.plan.json");
    let r = &v["reports"][0];
    for id in ["app.exists", "redirect.ngrok", "secret.present"] {
        let c = common::check_of(r, id);
        assert_eq!(c["status"], "skip", "{id}: {c}");
        assert!(
            c["evidence"]
                .as_str()
                .unwrap()
                .contains("known after apply"),
            "{id}: {c}"
        );
    }
    assert!(
        common::check_of(r, "redirect.ngrok")["evidence"]
            .as_str()
            .unwrap()
            .starts_with("web.redirect_uris is known after apply")
    );
    // What the plan does know is judged.
    assert_eq!(common::check_of(r, "tenancy.multitenant")["status"], "pass");
    assert_eq!(common::check_of(r, "implicit.disabled")["status"], "pass");
    assert_eq!(r["target"]["shape"], "terraform-azuread-application");
}

#[test]
fn unresolved_template_expressions_are_skips() {
    let (_, v) = lint_json("fixtures/bicep/unresolved-expressions.json");
    let r = &v["reports"][0];
    let redirect = common::check_of(r, "redirect.ngrok");
    assert_eq!(redirect["status"], "skip");
    assert!(
        redirect["evidence"]
            .as_str()
            .unwrap()
            .contains("[format('https://{0}/oauth2/callback', parameters('idpHost'))]"),
        "{redirect}"
    );
    for id in ["tenancy.multitenant", "tenancy.token-version"] {
        let c = common::check_of(r, id);
        assert_eq!(c["status"], "skip", "{c}");
        assert!(
            c["evidence"]
                .as_str()
                .unwrap()
                .contains("parameters('audience')")
        );
    }
    let secret = common::check_of(r, "secret.present");
    assert!(secret["evidence"].as_str().unwrap().contains("Bicep"));
    assert_eq!(r["target"]["address"], "ngrokApp");
    assert_eq!(r["target"]["shape"], "arm-template");
    // The service principal joined its application through `reference('ngrokApp')`.
    assert_eq!(v["reports"].as_array().unwrap().len(), 1);
    assert_eq!(common::check_of(r, "sp.enabled")["status"], "pass");
}

#[test]
fn child_modules_keep_their_full_address_and_join_through_outputs() {
    let (_, plan) = lint_json("fixtures/terraform/child-module.plan.json");
    let reports = plan["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "password and service principal joined");
    let r = &reports[0];
    assert_eq!(
        r["target"]["address"],
        "module.auth.azuread_application.this"
    );
    // The root's azuread_application_password reaches the app through module.auth's output.
    assert_eq!(common::check_of(r, "secret.present")["status"], "pass");
    assert_eq!(common::check_of(r, "sp.enabled")["status"], "pass");

    let (_, state) = lint_json("fixtures/terraform/child-module.state.json");
    let r = &state["reports"][0];
    assert_eq!(
        r["target"]["client_id"],
        "00000022-1111-4000-8000-000000000022"
    );
    assert_eq!(common::check_of(r, "app.exists")["status"], "pass");
    assert_eq!(common::check_of(r, "secret.present")["status"], "pass");
    assert_eq!(common::check_of(r, "sp.assignment")["status"], "pass");
}

#[test]
fn split_resources_join_their_registration() {
    let (_, v) = lint_json("fixtures/terraform/split-resources.plan.json");
    let r = &v["reports"][0];
    assert_eq!(
        r["target"]["shape"],
        "terraform-azuread-application-registration"
    );
    assert_eq!(
        r["target"]["address"],
        "azuread_application_registration.ngrok"
    );
    let out = run(&[
        "lint",
        "--at",
        AT,
        "-v",
        "fixtures/terraform/personal-v1-tokens.plan.json",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("requested_access_token_version = 1"),
        "the evidence names Terraform's attribute: {text}"
    );
}

/// Terraform writes sensitive values in clear in `terraform show -json` of state; the
/// password's `value` is never read, so no format can print it.
#[test]
fn terraform_secret_values_are_never_printed() {
    for file in [
        "fixtures/terraform/child-module.state.json",
        "fixtures/terraform/expired-secret.state.json",
    ] {
        let text = std::fs::read_to_string(common::root().join(file)).unwrap();
        assert!(
            text.contains("never-printed"),
            "{file} carries a value to hunt for"
        );
        for format in ["human", "json", "junit", "github", "markdown"] {
            let out = run(&["lint", "--at", AT, "-v", "--format", format, file]);
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(!all.contains("never-printed"), "{file} {format}: {all}");
            assert!(!all.contains("Tf8Q~"), "{file} {format}");
        }
    }
}

#[test]
fn every_format_names_the_resource() {
    let file = "fixtures/terraform/redirect-trailing-slash.plan.json";
    let github = stdout(&run(&["lint", "--at", AT, "--format", "github", file]));
    assert!(
        github.contains(&format!(
            "::error file={file},title=redirect.ngrok::azuread_application.ngrok: "
        )),
        "{github}"
    );
    let markdown = stdout(&run(&["lint", "--at", AT, "--format", "markdown", file]));
    assert!(
        // Markdown escapes `_` in untrusted text (report::markdown).
        markdown.contains(&format!("({file}, azuread\\_application.ngrok)")),
        "{markdown}"
    );
    let human = stdout(&run(&["lint", "--at", AT, file]));
    assert!(human.contains(" at azuread_application.ngrok"), "{human}");
    insta::assert_snapshot!("terraform-redirect-trailing-slash.human", human);
    insta::assert_snapshot!("terraform-redirect-trailing-slash.github", github);
    let (_, json) = lint_json("fixtures/bicep/module.json");
    insta::assert_json_snapshot!("bicep-module.json", json, {
        ".generated_at" => "[generated_at]",
        ".tool.version" => "[version]",
    });
}

fn temp_json(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

/// Exit 2 with one line on standard error that contains `needle`.
#[track_caller]
fn input_error(path: &str, needle: &str) {
    let out = run(&["lint", path]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

#[test]
fn a_plan_with_no_entra_application_is_exit_2_naming_what_was_found() {
    let plan = r#"{"format_version":"1.2","terraform_version":"1.9.8","planned_values":{"root_module":{"resources":[
        {"address":"azurerm_resource_group.rg","mode":"managed","type":"azurerm_resource_group","name":"rg","values":{"name":"rg"}},
        {"address":"azurerm_linux_web_app.a","mode":"managed","type":"azurerm_linux_web_app","name":"a","values":{}},
        {"address":"azurerm_linux_web_app.b","mode":"managed","type":"azurerm_linux_web_app","name":"b","values":{}}]}},
        "resource_changes":[]}"#;
    let f = temp_json(plan);
    input_error(
        f.path().to_str().unwrap(),
        "no Entra application (azuread_application, azuread_application_registration or azuread_service_principal): found azurerm_linux_web_app (2), azurerm_resource_group (1)",
    );
    let empty_state = temp_json(r#"{"format_version":"1.0"}"#);
    input_error(
        empty_state.path().to_str().unwrap(),
        "a Terraform state with no resources",
    );
    let arm = temp_json(
        r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0",
            "resources":[{"type":"Microsoft.Storage/storageAccounts","apiVersion":"2023-05-01","name":"st"}]}"#,
    );
    input_error(
        arm.path().to_str().unwrap(),
        "no Microsoft.Graph/applications or Microsoft.Graph/servicePrincipals: found Microsoft.Storage/storageAccounts (1)",
    );
}

#[test]
fn malformed_plans_are_one_line_exit_2() {
    let good =
        std::fs::read_to_string(common::root().join("fixtures/terraform/good.plan.json")).unwrap();
    let major = temp_json(&good.replacen(
        r#""format_version": "1.2""#,
        r#""format_version": "2.0""#,
        1,
    ));
    input_error(major.path().to_str().unwrap(), r#"format_version "2.0""#);
    let cut = temp_json(&good[..good.len() / 2]);
    input_error(cut.path().to_str().unwrap(), "truncated");
    let bad_date = temp_json(&good.replace("2028-06-01T00:00:00Z", "next June"));
    input_error(
        bad_date.path().to_str().unwrap(),
        "azuread_application.ngrok.password.end_date",
    );
}

/// 100,000 resources (a generated plan, one Entra app among them) read in bounded time: the
/// others are never materialised.
#[test]
fn a_plan_of_100000_resources_is_read_in_bounded_time() {
    let good =
        std::fs::read_to_string(common::root().join("fixtures/terraform/good.plan.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&good).unwrap();
    let resources = doc["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap();
    for i in 0..100_000 {
        resources.push(serde_json::json!({
            "address": format!("random_id.n[{i}]"), "mode": "managed", "type": "random_id", "name": "n",
            "index": i, "provider_name": "registry.terraform.io/hashicorp/random", "schema_version": 0,
            "values": {"byte_length": 8, "keepers": null, "prefix": null}, "sensitive_values": {}
        }));
    }
    let f = temp_json(&doc.to_string());
    let started = std::time::Instant::now();
    let out = run(&[
        "lint",
        "--at",
        AT,
        "--format",
        "json",
        f.path().to_str().unwrap(),
    ]);
    let took = started.elapsed();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["reports"].as_array().unwrap().len(), 1);
    assert!(took.as_secs() < 30, "took {took:?}");
}
