//! ngrok's side wherever it is configured (DESIGN.md §8.2): every fixture under
//! `fixtures/policies/` is linted against the app it names (snapshots), its place is named, and
//! `probe` with a policy in each shape completes against the emulator and agrees with lint on
//! `ngrok.policy`.

mod common;

use common::{AT, code, fixture, run, stderr, stdout};

fn policies() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(common::root().join("fixtures/policies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn policy(name: &str) -> String {
    format!("fixtures/policies/{name}")
}

#[test]
fn every_policy_fixture_is_linted_against_its_app() {
    let names = policies();
    assert!(names.len() >= 9, "{names:?}");
    for name in &names {
        let out = run(&[
            "lint",
            "--at",
            AT,
            "--ngrok-policy",
            &policy(name),
            &fixture("good-multitenant.json"),
        ]);
        let text = format!("exit {}\n{}{}", code(&out), stdout(&out), stderr(&out));
        insta::assert_snapshot!(format!("policy-{name}"), text);
    }
}

#[test]
fn each_shape_names_where_the_action_is() {
    for (name, place) in [
        (
            "traffic-policy.yml",
            "traffic-policy, on_http_request rule 0",
        ),
        (
            "traffic-policy.json",
            "traffic-policy, on_http_request rule 0",
        ),
        (
            "agent-config.yml",
            "agent-config endpoint \"app\", on_http_request rule 0",
        ),
        (
            "kubernetes.yml",
            "kubernetes endpoint \"entra-oauth\", on_http_request rule 0",
        ),
        (
            "ngrok-api-endpoints.json",
            "ngrok-api endpoint \"https://app.example.com\"",
        ),
    ] {
        let out = run(&[
            "lint",
            "--at",
            AT,
            "-v",
            "--ngrok-policy",
            &policy(name),
            &fixture("good-multitenant.json"),
        ]);
        assert_eq!(code(&out), 0, "{name}: {}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains(place), "{name}: {}", stdout(&out));
    }
    // --endpoint picks one: the Kubernetes CloudEndpoint "public" signs in with Google.
    let out = run(&[
        "lint",
        "--ngrok-policy",
        &policy("kubernetes.yml"),
        "--endpoint",
        "public",
        &fixture("good-multitenant.json"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no Microsoft oauth action: found provider: google"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "lint",
        "-v",
        "--ngrok-policy",
        &policy("kubernetes.yml"),
        "--endpoint",
        "https://app.example.com",
        &fixture("good-multitenant.json"),
    ]);
    assert!(
        stdout(&out).contains("kubernetes endpoint \"app\""),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "lint",
        "--ngrok-policy",
        &policy("agent-config.yml"),
        "--endpoint",
        "nope",
        &fixture("good-multitenant.json"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no endpoint named \"nope\""),
        "{}",
        stderr(&out)
    );
}

/// `probe` takes client id, secret and scopes from a policy in every shape; a secret kept in
/// ngrok's secrets (`${secrets.get(...)}`) comes from the environment instead.
#[test]
fn probe_reads_a_policy_in_every_shape_and_agrees_with_lint() {
    let reg = common::app("good-multitenant.json");
    let bg = common::background(vec![reg.clone()], &[]);
    let target = bg.target();
    for name in [
        "traffic-policy.yml",
        "traffic-policy.json",
        "agent-config.yml",
        "kubernetes.yml",
        "ngrok-api-endpoints.json",
        "scopes-without-user-read.yml",
    ] {
        let p = policy(name);
        let mut args = vec!["probe", "--format", "json", "--ngrok-policy", &p];
        args.extend(target.iter().map(String::as_str));
        let out = common::cli(
            &args,
            &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &common::secret(&reg))],
            None,
        );
        let v: serde_json::Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", stderr(&out)));
        let status = |v: &serde_json::Value| {
            v["reports"][0]["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == "ngrok.policy")
                .unwrap()["status"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let live = status(&v);
        let lint = run(&[
            "lint",
            "--at",
            AT,
            "--format",
            "json",
            "--ngrok-policy",
            &policy(name),
            &fixture("good-multitenant.json"),
        ]);
        let linted = status(&serde_json::from_str(&stdout(&lint)).unwrap());
        assert_eq!(live, linted, "{name}: one judge, one verdict");
        if name == "scopes-without-user-read.yml" {
            assert_eq!(code(&out), 1);
        } else {
            assert_eq!(
                (code(&out), live.as_str()),
                (0, "pass"),
                "{name}: {}",
                stdout(&out)
            );
        }
    }
}

#[test]
fn a_managed_app_policy_says_there_is_nothing_of_yours_to_check() {
    let out = run(&[
        "lint",
        "--ngrok-policy",
        &policy("managed-app.yml"),
        &fixture("good-multitenant.json"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("ngrok's managed Microsoft app"),
        "{}",
        stderr(&out)
    );
    let out = run(&["probe", "--ngrok-policy", &policy("managed-app.yml")]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("managed Microsoft app"),
        "{}",
        stderr(&out)
    );
}
