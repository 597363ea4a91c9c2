//! The service principal (enterprise app): read by lint (alone or beside its application), and
//! followed by the emulator (disabled: AADSTS7000112; assignment required: AADSTS50105), so that
//! lint and run agree on `sp.enabled` and `sp.assignment`.

use crate::common;

use common::{AT, app, check, code, emulator, finding, fixture, run, stdout};
use oauth_preflight::checks::Status;

/// Regression: `az ad sp show` output was read as a legacy manifest (it has `replyUrls`), so
/// `secret.present` and `scopes.user-read` failed for a service principal.
#[test]
fn az_ad_sp_show_is_read_as_a_service_principal() {
    let out = common::lint_json(&["sp-only.json"]);
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
    let both = common::lint_json(&["good-multitenant.json", "sp-only.json"]);
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
        let c = common::check_of(&v["reports"][0], id).clone();
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
    // (He got a code, which is no AADSTS50105; one user alone shows little: a skip, not a pass.)
    let f = finding(&out.report.checks, "sp.assignment");
    assert_eq!(f.status, Status::Skip, "{f:?}");
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

/// An app allowed to read the directory: Application.Read.All as an application permission an
/// administrator granted (`x-emulator.adminConsented`).
fn reader() -> oauth_preflight::registration::Registration {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("good-multitenant.json")).unwrap())
            .unwrap();
    v["appId"] = "0000001f-1111-4000-8000-00000000001f".into();
    v["displayName"] = "directory reader".into();
    v["requiredResourceAccess"][0]["resourceAccess"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "type": "Role"}));
    v["x-emulator"]["adminConsented"] = serde_json::json!(["Application.Read.All"]);
    oauth_preflight::registration::parse_bytes(v.to_string().as_bytes())
        .unwrap()
        .remove(0)
}

fn app_token(bg: &common::Background, reg: &oauth_preflight::registration::Registration) -> String {
    let (status, body) = bg.rt.block_on(bg.emu.token(
        oauth_preflight::emulator::CONTOSO.id,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", reg.app_id.as_deref().unwrap()),
            ("client_secret", &common::secret(reg)),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    ));
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn checks_of(out: &std::process::Output) -> Vec<(String, String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    assert_eq!(v["reports"].as_array().unwrap().len(), 1, "{v}");
    v["reports"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (s("id"), s("status"), s("title"), s("evidence"))
        })
        .collect()
}

/// `lint --from-graph` reads the application and its service principal the way Graph serves
/// them, to a token holding Application.Read.All, and gives the report of the same files.
#[test]
fn a_lint_from_graph_equals_the_lint_of_the_files() {
    let good = app("good-multitenant.json");
    let reader = reader();
    let bg = common::background(vec![good.clone(), reader.clone()], &[]);
    let token = app_token(&bg, &reader);
    let graph = bg.emu.emu.graph();
    let ca = bg.ca.path().to_str().unwrap().to_owned();
    let lint_graph = |token: &str| {
        common::cli(
            &[
                "lint",
                "--at",
                AT,
                "--format",
                "json",
                "--from-graph",
                "--client-id",
                good.app_id.as_deref().unwrap(),
                "--graph",
                &graph,
                "--ca-cert",
                &ca,
            ],
            &[("OAUTH_PREFLIGHT_GRAPH_TOKEN", token)],
            None,
        )
    };
    let from_graph = lint_graph(&token);
    assert_eq!(code(&from_graph), 0, "{}", common::stderr(&from_graph));
    let from_files = common::lint_json(&["good-multitenant.json", "sp-only.json"]);
    assert_eq!(checks_of(&from_graph), checks_of(&from_files));
    assert!(
        !stdout(&from_graph).contains(&token),
        "the token is never printed"
    );

    // A token without Application.Read.All: 403, which names the permission (exit 3).
    let weak = app_token(&bg, &good);
    let out = lint_graph(&weak);
    assert_eq!(code(&out), 3);
    let err = common::stderr(&out);
    assert!(
        err.contains("403") && err.contains("Application.Read.All"),
        "{err}"
    );
    // No token at all, or a broken one.
    let out = lint_graph("not-a-token");
    assert_eq!(code(&out), 3);
    assert!(
        common::stderr(&out).contains("401"),
        "{}",
        common::stderr(&out)
    );
    // An app the tenant does not have: 404, exit 2.
    let out = common::cli(
        &[
            "lint",
            "--from-graph",
            "--client-id",
            "0000dead-1111-4000-8000-000000000000",
            "--graph",
            &graph,
            "--ca-cert",
            &ca,
        ],
        &[("OAUTH_PREFLIGHT_GRAPH_TOKEN", &token)],
        None,
    );
    assert_eq!(code(&out), 2, "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("no application with appId"),
        "{}",
        common::stderr(&out)
    );
}

/// A `$select` answer served back by Graph is the same `$select` answer: the fields it lacks
/// stay absent (skips naming them), not empty lists that would fail or pass (issue 14).
#[test]
fn a_lint_from_graph_of_a_select_answer_keeps_absent_fields_absent() {
    let file = "fixtures/corpus/graph/select-id-appid-displayname-requiredresourceaccess.json";
    let partial = oauth_preflight::registration::load_path(file)
        .unwrap()
        .remove(0);
    let reader = reader();
    let bg = common::background(vec![partial.clone(), reader.clone()], &[]);
    let token = app_token(&bg, &reader);
    let out = common::cli(
        &[
            "lint",
            "--at",
            AT,
            "--format",
            "json",
            "--from-graph",
            "--client-id",
            partial.app_id.as_deref().unwrap(),
            "--graph",
            &bg.emu.emu.graph(),
            "--ca-cert",
            bg.ca.path().to_str().unwrap(),
        ],
        &[("OAUTH_PREFLIGHT_GRAPH_TOKEN", &token)],
        None,
    );
    let from_file = common::cli(&["lint", "--at", AT, "--format", "json", file], &[], None);
    // Graph also serves the service principal: its own checks are beside the application's.
    let statuses = |o: &std::process::Output| -> Vec<(String, String)> {
        checks_of(o)
            .into_iter()
            .filter(|(id, ..)| !id.starts_with("sp."))
            .map(|(id, status, _, _)| (id, status))
            .collect()
    };
    assert_eq!(
        statuses(&out),
        statuses(&from_file),
        "{}",
        common::stderr(&out)
    );
    assert!(
        statuses(&out).contains(&("redirect.ngrok".into(), "skip".into())),
        "{:?}",
        statuses(&out)
    );
}

/// The emulator answers Graph's directory reads in Graph's shapes: an entity with its
/// `@odata.context`, a `$filter` list, and Graph's 404 and 403 error bodies.
#[test]
fn the_emulator_serves_applications_and_service_principals_as_graph_does() {
    let good = app("sp-assignment-required.json");
    let reader = reader();
    let bg = common::background(vec![good.clone(), reader.clone()], &[]);
    let token = app_token(&bg, &reader);
    let id = good.app_id.clone().unwrap();
    let get = |path: &str, token: &str| {
        bg.rt.block_on(async {
            let r = bg
                .emu
                .http
                .get(bg.emu.url(&format!("/graph/v1.0/{path}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        })
    };
    let (s, v) = get(&format!("applications(appId='{id}')"), &token);
    assert_eq!(s, 200, "{v}");
    assert!(
        v["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#applications/$entity")
    );
    assert_eq!(v["appId"], id.as_str());
    assert!(
        !v["passwordCredentials"].as_array().unwrap().is_empty(),
        "{v}"
    );
    assert!(
        v["passwordCredentials"][0]["secretText"].is_null(),
        "no secret value is served"
    );
    assert!(
        !v.to_string().contains(&common::secret(&good)),
        "the secret's value appears nowhere in the answer"
    );
    let (s, v) = get(&format!("applications?$filter=appId%20eq%20'{id}'"), &token);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    let (s, v) = get(&format!("servicePrincipals(appId='{id}')"), &token);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["appRoleAssignmentRequired"], true);
    assert_eq!(v["servicePrincipalType"], "Application");
    let (s, v) = get(
        "applications(appId='0000dead-1111-4000-8000-000000000000')",
        &token,
    );
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("Request_ResourceNotFound"))
    );
    let (s, v) = get(
        &format!("applications(appId='{id}')"),
        &app_token(&bg, &good),
    );
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
}

/// `--accounts 2`: a user of another tenant signs in after the first; `tenancy.other-tenant`
/// passes when bob of fabrikam gets through, and names the AADSTS code that stops him.
#[tokio::test]
async fn a_second_tenants_sign_in_is_judged() {
    let good = app("good-multitenant.json");
    let admin = app("admin-consent-scope.json");
    let e = emulator(vec![good.clone(), admin.clone()], &[]).await;
    let mut cfg = e.flow(&good);
    cfg.flow.login_hint = Some("alice@contoso.example".into());
    cfg.flow.more_accounts = vec![Some("bob@fabrikam.example".into())];
    let out = check(&cfg).await;
    let f = finding(&out.report.checks, "tenancy.other-tenant");
    assert_eq!(f.status, Status::Pass, "{f:?}");
    assert!(f.title.contains("bob@fabrikam.example"), "{}", f.title);
    // Only the home tenant's users: skip, saying so.
    cfg.flow.more_accounts = vec![Some("alice@contoso.example".into())];
    let f = finding(&check(&cfg).await.report.checks, "tenancy.other-tenant").clone();
    assert_eq!(f.status, Status::Skip, "{f:?}");
    assert!(f.title.contains("home tenant"), "{}", f.title);
    // An admin-only scope nobody consented to stops bob too: the code is named.
    let mut cfg = e.flow(&admin);
    cfg.flow.scopes = common::configured_scopes(&admin);
    cfg.flow.login_hint = Some("alice@contoso.example".into());
    cfg.flow.more_accounts = vec![Some("bob@fabrikam.example".into())];
    let f = finding(&check(&cfg).await.report.checks, "tenancy.other-tenant").clone();
    assert_eq!(f.status, Status::Fail, "{f:?}");
    assert!(
        f.title
            .contains("bob@fabrikam.example could not sign in: AADSTS90094"),
        "{}",
        f.title
    );
}

#[test]
fn probe_takes_several_accounts() {
    let reg = app("good-multitenant.json");
    let bg = common::background(vec![reg.clone()], &[]);
    let mut args = vec![
        "probe",
        "--client-id",
        reg.app_id.as_deref().unwrap(),
        "--format",
        "json",
        "--accounts",
        "2",
        "--login-hint",
        "alice@contoso.example",
        "--login-hint",
        "bob@fabrikam.example",
    ];
    let target = bg.target();
    args.extend(target.iter().map(String::as_str));
    let out = common::cli(
        &args,
        &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &common::secret(&reg))],
        None,
    );
    assert_eq!(code(&out), 0, "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = common::check_of(&v["reports"][0], "tenancy.other-tenant").clone();
    assert_eq!(f["status"], "pass", "{f}");
    // More hints than sign-ins is a usage error (with a secret, so that it is the one reported).
    let bad = common::cli(
        &[
            "probe",
            "--client-id",
            "00000001-1111-4000-8000-000000000001",
            "--accounts",
            "1",
            "--login-hint",
            "a@b.example",
            "--login-hint",
            "c@d.example",
        ],
        &[("OAUTH_PREFLIGHT_CLIENT_SECRET", "x")],
        None,
    );
    assert_eq!(code(&bad), 2);
    assert!(
        common::stderr(&bad).contains("--accounts 1 but 2 --login-hint"),
        "{}",
        common::stderr(&bad)
    );
}

/// A Graph (or a proxy before it) that quotes the bearer token in its 401 message: `lint
/// --from-graph` says 401 and never prints the token, whole or cut short.
#[test]
fn a_graph_that_echoes_the_token_does_not_get_it_printed() {
    let good = app("good-multitenant.json");
    let reader = reader();
    let bg = common::background(vec![good.clone(), reader.clone()], &["graph-echoes-token"]);
    let real = app_token(&bg, &reader);
    // The reader's token with its signature broken: Graph refuses it, and quotes it.
    let tampered = format!("{}AAAA", &real[..real.len() - 4]);
    let graph = bg.emu.emu.graph();
    let ca = bg.ca.path().to_str().unwrap().to_owned();
    for token in [tampered.as_str(), "broken-token-0123456789abcdef"] {
        let out = common::cli(
            &[
                "lint",
                "--from-graph",
                "--client-id",
                good.app_id.as_deref().unwrap(),
                "--graph",
                &graph,
                "--ca-cert",
                &ca,
            ],
            &[("OAUTH_PREFLIGHT_GRAPH_TOKEN", token)],
            None,
        );
        let err = common::stderr(&out);
        assert_eq!(code(&out), 3, "{err}");
        assert!(err.contains("401") && err.contains("[redacted]"), "{err}");
        assert!(
            !err.contains(&token[..12]),
            "the token's start is printed: {err}"
        );
        assert!(!stdout(&out).contains(&token[..12]));
    }
}
