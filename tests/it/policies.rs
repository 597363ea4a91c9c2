//! ngrok's side wherever it is configured (DESIGN.md §8.2): every fixture under
//! `fixtures/policies/` is linted against the app it names (snapshots), its place is named, and
//! `probe` with a policy in each shape completes against the emulator and agrees with lint on
//! `ngrok.policy`.

use crate::common;

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
    common::assert_exit(&out, 2, "no Microsoft oauth action: found provider: google");
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
    common::assert_exit(&out, 2, "no endpoint named \"nope\"");
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
        "oidc-tenant.yml",
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
            common::check_of(&v["reports"][0], "ngrok.policy")["status"]
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
    // A finding with the report written, not a usage error (DESIGN.md §9.1).
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("FAIL ngrok.policy") && stdout(&out).contains("managed"),
        "{}",
        stdout(&out)
    );
    let out = run(&["probe", "--ngrok-policy", &policy("managed-app.yml")]);
    common::assert_exit(&out, 2, "managed Microsoft app");
}

/// The most common "it still doesn't work": a domain rule after the sign-in. Lint evaluates it
/// for each --identity; probe for who signed in; both through the same judge.
#[test]
fn a_domain_deny_rule_stops_a_guest_and_lets_alice_in() {
    let access = |out: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
        common::check_of(&v["reports"][0], "ngrok.access").clone()
    };
    let deny = policy("domain-deny.yml");
    for (who, status) in [
        ("alice@contoso.example", "pass"),
        ("bob@fabrikam.example", "fail"),
    ] {
        let out = run(&[
            "lint",
            "--at",
            AT,
            "--format",
            "json",
            "--ngrok-policy",
            &deny,
            "--identity",
            who,
            &fixture("good-multitenant.json"),
        ]);
        let c = access(&out);
        assert_eq!(c["status"], status, "{who}: {c}");
        if status == "fail" {
            assert!(
                c["evidence"].as_str().unwrap().contains("contoso-only"),
                "{c}"
            );
            assert!(
                c["evidence"]
                    .as_str()
                    .unwrap()
                    .contains("endsWith('@contoso.example')"),
                "{c}"
            );
        }
    }
    let bg = common::background(vec![common::app("good-multitenant.json")], &[]);
    let target = bg.target();
    for (who, status) in [
        ("alice@contoso.example", "pass"),
        ("bob@fabrikam.example", "fail"),
    ] {
        let mut args = vec![
            "probe",
            "--format",
            "json",
            "--ngrok-policy",
            &deny,
            "--login-hint",
            who,
        ];
        args.extend(target.iter().map(String::as_str));
        let out = common::cli(&args, &[], None);
        assert_eq!(access(&out)["status"], status, "{who}: {}", stdout(&out));
    }
    // A rule on the request path cannot be decided here: a skip naming it.
    let out = run(&[
        "lint",
        "--format",
        "json",
        "--ngrok-policy",
        &policy("request-path-rule.yml"),
        "--identity",
        "bob@fabrikam.example",
        &fixture("good-multitenant.json"),
    ]);
    let c = access(&out);
    assert_eq!(c["status"], "skip");
    assert!(c["title"].as_str().unwrap().contains("req.url.path"), "{c}");
}

/// Hostile policies get an answer: 10,000 rules, a 100 KB expression, a 2,000-operator chain.
#[test]
fn hostile_policies_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let head = std::fs::read_to_string(common::root().join("fixtures/policies/traffic-policy.yml"))
        .unwrap();
    let mut many = head.clone();
    for i in 0..10_000 {
        many.push_str(&format!("  - expressions: [\"actions.ngrok.oauth.identity.email == 'nobody{i}@x.example'\"]\n    actions: [{{type: deny}}]\n"));
    }
    let huge = format!(
        "{head}  - expressions: [\"{}true\"]\n    actions: [{{type: deny}}]\n",
        "!".repeat(100_000)
    );
    // 10,000 rules that stop other people: the first 1,000 let alice through, the rest are not
    // evaluated, so no pass (a rule past them could stop her). A 100 KB expression is refused
    // by the evaluator's bounds: a skip that says so, in a title of bounded size.
    // A chain as long as the size bound allows: a tree 2,000 levels deep, which overflowed the
    // evaluator's stack (abort, exit 134) before operators were bounded.
    let chain = format!(
        "{head}  - expressions: [\"{}1 == 2\"]\n    actions: [{{type: deny}}]\n",
        "1+".repeat(2_000)
    );
    for (name, text, expected) in [
        ("many.yml", many, "skip"),
        ("huge.yml", huge, "skip"),
        ("chain.yml", chain, "skip"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = run(&[
            "lint",
            "--format",
            "json",
            "--ngrok-policy",
            path.to_str().unwrap(),
            "--identity",
            "alice@contoso.example",
            &fixture("good-multitenant.json"),
        ]);
        assert_eq!(code(&out), 0, "{name}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let c = common::check_of(&v["reports"][0], "ngrok.access").clone();
        assert_eq!(c["status"], expected, "{name}: {c}");
        let title = c["title"].as_str().unwrap();
        assert!(title.len() < 1_000, "{name}: a {} byte title", title.len());
    }
}

/// openid-connect with an Entra issuer: a tenant's v2.0 issuer passes (run signs in there), the
/// multitenant ones fail with the reason (discovery publishes a templated issuer).
#[test]
fn openid_connect_issuers_are_judged() {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "--ngrok-policy",
        &policy("oidc-common.yml"),
        &fixture("good-multitenant.json"),
    ]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let c = common::check_of(&v["reports"][0], "ngrok.policy").clone();
    assert_eq!(c["status"], "fail");
    assert!(c["title"].as_str().unwrap().contains("{tenantid}"), "{c}");
    let out = run(&[
        "lint",
        "--ngrok-policy",
        &policy("oidc-tenant.yml"),
        &fixture("good-multitenant.json"),
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("openid-connect action uses this app"),
        "{}",
        stdout(&out)
    );
}

/// The JSON target names the ngrok action it was checked with (DESIGN.md §8.2).
#[test]
fn the_json_target_names_the_ngrok_action() {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "--ngrok-policy",
        &policy("agent-config.yml"),
        &fixture("good-multitenant.json"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["reports"][0]["target"]["ngrok"],
        serde_json::json!({"source": "fixtures/policies/agent-config.yml", "endpoint": "app", "action": "oauth", "rule": 0, "phase": "on_http_request"})
    );
}

/// Issue 18, item 4: CEL without limits. Nested `exists` 31 deep over `[0,0,0]` (646 bytes,
/// inside every shape limit) ran past 20 s, doubling with each level; nested `map` 8 deep over
/// 8 elements reached 720 MB and grew; `'a'.replace('a', <36 a>)` chained 7 times asked for
/// 1.9 GB and aborted (exit 134). Each is now a skip of ngrok.access naming the rule, at once.
#[test]
fn cel_without_limits_is_a_skip_not_a_hang_or_an_abort() {
    let mut exists = "true".to_owned();
    for i in 0..31 {
        exists = format!("[0,0,0].exists(v{i}, {exists})");
    }
    let mut maps = "v7".to_owned();
    for i in (0..8).rev() {
        maps = format!("[0,1,2,3,4,5,6,7].map(v{i}, {maps})");
    }
    let maps = format!("size({maps}) > 0");
    let mut grow = "'a'".to_owned();
    for _ in 0..7 {
        grow = format!("{grow}.replace('a', '{}')", "a".repeat(36));
    }
    let grow = format!("size({grow}) > 0");
    for expr in [exists, maps, grow] {
        let policy = tempfile::Builder::new().suffix(".yml").tempfile().unwrap();
        std::fs::write(
            policy.path(),
            format!(
                "on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: microsoft\n          client_id: '00000001-1111-4000-8000-000000000001'\n          client_secret: \"${{secrets.get('entra', 'secret')}}\"\n          scopes: [openid, email, profile, User.Read]\n  - name: hostile\n    expressions:\n      - \"{expr}\"\n    actions:\n      - type: deny\n"
            ),
        )
        .unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_oauth-preflight"))
            .args([
                "lint",
                "--at",
                AT,
                "--format",
                "json",
                "--ngrok-policy",
                policy.path().to_str().unwrap(),
                "--identity",
                "alice@contoso.example",
                &fixture("good-multitenant.json"),
            ])
            .current_dir(common::root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A hang detector, not a speed test: the run ends, or the test fails.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while child.try_wait().unwrap().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "still running: {}",
                &expr[..60]
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}: {}", &expr[..60], stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let f = common::check_of(&v["reports"][0], "ngrok.access");
        assert_eq!(f["status"], "skip", "{f}");
        assert!(f["title"].as_str().unwrap().contains("rule 1"), "{f}");
        // Refused by the cost estimate (the shape bounds let each of them through).
        assert!(f["title"].as_str().unwrap().contains("steps"), "{f}");
    }
}
