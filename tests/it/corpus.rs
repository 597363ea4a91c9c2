//! The corpus (issue 14): fixtures modelled on public material nobody here wrote, ngrok's
//! documentation and operator examples (`fixtures/corpus/ngrok`) and Microsoft Graph's documented
//! answers, the portal's manifests and Teams Toolkit's (`fixtures/corpus/graph`). Each file's
//! `INDEX.json` entry says what it was modelled on and what its documentation implies; the
//! tables below are those implications as verdicts, every file read, none "unrecognised".
//!
//! The ngrok files are linted against a good app with the corpus' client id, with one identity
//! that must get in (`alice@contoso.example`) and one that must be stopped
//! (`mallory@evil.example`): a policy with no rule lets mallory in, so `access=...,fail`.

use crate::common;

use common::{AT, cli, code, stderr, stdout};
use std::collections::BTreeSet;

/// The client id the ngrok corpus names.
const CORPUS_APP: &str = "6f1c3a52-8d4e-4b7a-9c21-0e5d4f3a2b10";

/// (file, exit, per target "action phase policy=STATUS access=ALICE,MALLORY", or the exit-2 text).
type NgrokRow = (&'static str, i32, &'static [&'static str], &'static str);

const NGROK: &[NgrokRow] = &[
    (
        "docs-agent-config-v2-legacy-policy-inbound.yml",
        1,
        &[
            "oauth inbound policy=warn access=pass,fail",
            "oauth on_http_request policy=warn access=pass,fail",
        ],
        "",
    ),
    (
        "docs-agent-config-v2-oauth-allow.yml",
        1,
        &["oauth on_http_request policy=fail access=pass,pass"],
        "",
    ),
    (
        "docs-agent-config-v2-oauth.yml",
        1,
        &["oauth on_http_request policy=warn access=pass,fail"],
        "",
    ),
    (
        "docs-agent-config-v3-no-version.yml",
        1,
        &["oauth on_http_request policy=fail access=pass,pass"],
        "",
    ),
    (
        "docs-agent-config-v3-oauth.yml",
        1,
        &["oauth on_http_request policy=pass access=pass,fail"],
        "",
    ),
    (
        "docs-api-edge-route-oauth-module.json",
        0,
        &["oauth on_http_request policy=warn access=pass,pass"],
        "",
    ),
    (
        "docs-api-endpoint-yaml-string.json",
        1,
        &["oauth on_http_request policy=pass access=pass,fail"],
        "",
    ),
    (
        "docs-api-endpoint.json",
        0,
        &["oauth on_http_request policy=warn access=pass,pass"],
        "",
    ),
    (
        "docs-conditional-access-custom-response.json",
        1,
        &["oauth on_http_request policy=fail access=pass,pass"],
        "",
    ),
    (
        "docs-ephemeral-bypass-before-oauth.yml",
        1,
        &["oauth on_http_request policy=fail access=pass,pass"],
        "",
    ),
    (
        "docs-google-custom-oauth.yml",
        2,
        &[],
        "no Microsoft oauth action: found provider: google",
    ),
    (
        "docs-k8s-legacy-group-top-level-policy.yaml",
        2,
        &[],
        "no Microsoft oauth action: no traffic policy in it (on_http_",
    ),
    (
        "docs-k8s-ngrokmoduleset-oauth-oidc.yaml",
        1,
        &[
            "oauth on_http_request policy=warn access=pass,pass",
            "openid-connect on_http_request policy=warn access=pass,fail",
        ],
        "",
    ),
    (
        "docs-k8s-ngroktrafficpolicy-flat-rule.yaml",
        1,
        &["oauth on_http_request policy=fail access=pass,pass"],
        "",
    ),
    (
        "docs-microsoft-guide-access-control.yml",
        1,
        &["oauth on_http_request policy=warn access=fail,pass"],
        "",
    ),
    (
        "docs-microsoft-oauth-policy.yml",
        1,
        &["oauth on_http_request policy=warn access=pass,fail"],
        "",
    ),
    (
        "docs-migration-oauth-set-vars.yml",
        0,
        &["oauth on_http_request policy=pass access=skip,skip"],
        "",
    ),
    (
        "docs-migration-oidc-type-alias.yml",
        1,
        &["openid-connect on_http_request policy=pass access=pass,fail"],
        "",
    ),
    (
        "docs-oauth-user-agent-malformed-rule.yml",
        2,
        &[],
        "not a traffic policy: invalid type: map, expected a string",
    ),
    (
        "docs-oidc-action.yml",
        1,
        &["openid-connect on_http_request policy=pass access=pass,fail"],
        "",
    ),
    (
        "docs-oidc-issuer-trailing-slash.yml",
        1,
        &["openid-connect on_http_request policy=pass access=pass,fail"],
        "",
    ),
    (
        "docs-oidc-route-by-identity.yml",
        1,
        &["openid-connect on_http_request policy=fail access=skip,skip"],
        "",
    ),
    (
        "docs-on-tcp-connect-only.yml",
        2,
        &[],
        "no Microsoft oauth action: no auth action (type: oauth or op",
    ),
    (
        "docs-path-scoped-oauth-placeholder.yml",
        1,
        &["oauth on_http_request policy=fail access=skip,skip"],
        "",
    ),
    (
        "docs-restrict-by-domain-deny.yml",
        1,
        &["oauth on_http_request policy=fail access=pass,pass"],
        "",
    ),
    (
        "docs-restrict-by-email-only-rule.yml",
        2,
        &[],
        "no Microsoft oauth action: no auth action (type: oauth or op",
    ),
    (
        "docs-salesforce-flat-oidc.yml",
        1,
        &[
            "openid-connect no phase (actions at the top of the policy) policy=fail access=pass,fail",
        ],
        "",
    ),
    (
        "docs-session-controls-logout-redirect.yml",
        1,
        &["oauth on_http_request policy=pass access=pass,fail"],
        "",
    ),
    (
        "docs-share-localhost-inverted-deny.yml",
        1,
        &["oauth on_http_request policy=fail access=pass,fail"],
        "",
    ),
    (
        "mistake-oauth-on-http-response.yml",
        1,
        &["oauth on_http_response policy=fail access=pass,fail"],
        "",
    ),
    (
        "operator-agentendpoint-inline-and-targetref.yaml",
        1,
        &[
            "oauth on_http_request policy=pass access=pass,fail",
            "oauth on_http_request policy=fail access=pass,fail",
        ],
        "",
    ),
    (
        "operator-agentendpoint-oauth.yaml",
        1,
        &["oauth on_http_request policy=warn access=pass,fail"],
        "",
    ),
    (
        "operator-agentendpoint-oidc.yaml",
        1,
        &["openid-connect on_http_request policy=pass access=pass,fail"],
        "",
    ),
    (
        "operator-cloudendpoint-oauth.yaml",
        1,
        &["oauth on_http_request policy=warn access=pass,fail"],
        "",
    ),
    (
        "operator-ngroktrafficpolicy-ingress-oauth.yaml",
        0,
        &["oauth on_http_request policy=pass access=pass,pass"],
        "",
    ),
    (
        "operator-policy-mixed-phases.json",
        1,
        &["oauth on_http_request policy=fail access=pass,fail"],
        "",
    ),
    (
        "operator-translated-cloudendpoint-oauth.yaml",
        0,
        &["oauth on_http_request policy=pass access=skip,pass"],
        "",
    ),
];

/// (file, exit, per target "id=status ..." in report order).
type GraphRow = (&'static str, i32, &'static [&'static str]);

const GRAPH: &[GraphRow] = &[
    (
        "application-disabled-by-microsoft.json",
        1,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=pass implicit.disabled=pass sp.enabled=fail",
        ],
    ),
    (
        "application-get-documented.json",
        1,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=fail scopes.user-read=fail scopes.admin-consent=pass secret.present=fail implicit.disabled=pass",
        ],
    ),
    (
        "application-get-full.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=pass implicit.disabled=pass",
        ],
    ),
    (
        "application-list-full-items.json",
        1,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=pass implicit.disabled=pass",
            "app.exists=pass tenancy.multitenant=fail tenancy.token-version=pass redirect.ngrok=fail scopes.user-read=fail scopes.admin-consent=pass secret.present=fail implicit.disabled=pass",
        ],
    ),
    (
        "application-list.json",
        1,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=skip scopes.user-read=skip scopes.admin-consent=skip secret.present=skip implicit.disabled=skip",
            "app.exists=pass tenancy.multitenant=fail tenancy.token-version=pass redirect.ngrok=skip scopes.user-read=skip scopes.admin-consent=skip secret.present=skip implicit.disabled=skip",
        ],
    ),
    (
        "application-post-created.json",
        1,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=fail scopes.user-read=fail scopes.admin-consent=pass secret.present=fail implicit.disabled=pass",
        ],
    ),
    (
        "legacy-manifest-aad-graph.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=pass implicit.disabled=pass",
        ],
    ),
    (
        "legacy-manifest-app-registrations-legacy.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=skip implicit.disabled=skip",
        ],
    ),
    (
        "manifest-microsoft-graph-doc-literal.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=pass implicit.disabled=pass",
        ],
    ),
    (
        "manifest-microsoft-graph.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=pass implicit.disabled=pass",
        ],
    ),
    (
        "select-appid-disabledbymicrosoftstatus-notdisabled.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=skip tenancy.token-version=skip redirect.ngrok=skip scopes.user-read=skip scopes.admin-consent=skip secret.present=skip implicit.disabled=skip",
        ],
    ),
    (
        "select-appid-displayname-web.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=skip tenancy.token-version=skip redirect.ngrok=pass scopes.user-read=skip scopes.admin-consent=skip secret.present=skip implicit.disabled=pass",
        ],
    ),
    (
        "select-appid-passwordcredentials.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=skip tenancy.token-version=skip redirect.ngrok=skip scopes.user-read=skip scopes.admin-consent=skip secret.present=pass implicit.disabled=skip",
        ],
    ),
    (
        "select-appid-signinaudience.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=skip scopes.user-read=skip scopes.admin-consent=skip secret.present=skip implicit.disabled=skip",
        ],
    ),
    (
        "select-id-appid-displayname-requiredresourceaccess.json",
        0,
        &[
            "app.exists=pass tenancy.multitenant=skip tenancy.token-version=skip redirect.ngrok=skip scopes.user-read=pass scopes.admin-consent=pass secret.present=skip implicit.disabled=skip",
        ],
    ),
    (
        "select-list-appid-signinaudience.json",
        1,
        &[
            "app.exists=pass tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=skip scopes.user-read=skip scopes.admin-consent=skip secret.present=skip implicit.disabled=skip",
            "app.exists=pass tenancy.multitenant=fail tenancy.token-version=pass redirect.ngrok=skip scopes.user-read=skip scopes.admin-consent=skip secret.present=skip implicit.disabled=skip",
        ],
    ),
    (
        "serviceprincipal-get.json",
        0,
        &["app.exists=pass sp.enabled=pass sp.assignment=warn"],
    ),
    (
        "serviceprincipal-list.json",
        1,
        &[
            "app.exists=pass sp.enabled=pass sp.assignment=pass",
            "app.exists=pass sp.enabled=fail sp.assignment=warn",
        ],
    ),
    (
        "teams-toolkit-aad-manifest-graph-format.json",
        0,
        &[
            "app.exists=skip tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=skip implicit.disabled=pass",
        ],
    ),
    (
        "teams-toolkit-aad-manifest.json",
        0,
        &[
            "app.exists=skip tenancy.multitenant=pass tenancy.token-version=pass redirect.ngrok=pass scopes.user-read=pass scopes.admin-consent=pass secret.present=skip implicit.disabled=skip",
        ],
    ),
];

/// The files of a corpus directory, and its INDEX.json's, which must agree.
fn files(dir: &str) -> BTreeSet<String> {
    let root = common::root().join(dir);
    let on_disk: BTreeSet<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "INDEX.json")
        .collect();
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("INDEX.json")).unwrap()).unwrap();
    let indexed: BTreeSet<String> = index
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(
                e["modelled_on"].as_str().is_some_and(|m| !m.is_empty())
                    && e["documentation_implies"].as_str().is_some(),
                "{e}"
            );
            e["file"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(on_disk, indexed, "{dir}: INDEX.json lists every file");
    on_disk
}

#[test]
fn ngrok_corpus_is_read_and_judged_as_its_documentation_implies() {
    let listed: BTreeSet<String> = NGROK.iter().map(|r| r.0.to_owned()).collect();
    assert_eq!(
        files("fixtures/corpus/ngrok"),
        listed,
        "every corpus file has a row"
    );
    let mut app: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixture("good-multitenant.json")).unwrap(),
    )
    .unwrap();
    app["appId"] = serde_json::Value::from(CORPUS_APP);
    let app_file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(app_file.path(), app.to_string()).unwrap();
    for (file, exit, targets, error) in NGROK {
        let path = format!("fixtures/corpus/ngrok/{file}");
        let out = cli(
            &[
                "lint",
                "--at",
                AT,
                "--format",
                "json",
                "--ngrok-policy",
                &path,
                "--identity",
                "alice@contoso.example",
                "--denied-identity",
                "mallory@evil.example",
                app_file.path().to_str().unwrap(),
            ],
            &[],
            None,
        );
        assert_eq!(code(&out), *exit, "{file}: {}", stderr(&out));
        if *exit == 2 {
            assert!(stderr(&out).contains(error), "{file}: {}", stderr(&out));
            assert!(!stderr(&out).contains("unrecognised"), "{file}");
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let got: Vec<String> = v["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let t = &r["target"]["ngrok"];
                let of = |id: &str| -> Vec<String> {
                    r["checks"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|c| c["id"] == id)
                        .map(|c| c["status"].as_str().unwrap().to_owned())
                        .collect()
                };
                format!(
                    "{} {} policy={} access={}",
                    t["action"].as_str().unwrap(),
                    t["phase"].as_str().unwrap(),
                    of("ngrok.policy").join(","),
                    of("ngrok.access").join(",")
                )
            })
            .collect();
        assert_eq!(got, *targets, "{file}");
    }
}

#[test]
fn graph_corpus_is_read_and_judged_as_its_documentation_implies() {
    let listed: BTreeSet<String> = GRAPH.iter().map(|r| r.0.to_owned()).collect();
    assert_eq!(
        files("fixtures/corpus/graph"),
        listed,
        "every corpus file has a row"
    );
    for (file, exit, targets) in GRAPH {
        let path = format!("fixtures/corpus/graph/{file}");
        let out = cli(&["lint", "--at", AT, "--format", "json", &path], &[], None);
        assert_eq!(code(&out), *exit, "{file}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let got: Vec<String> = v["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        format!(
                            "{}={}",
                            c["id"].as_str().unwrap(),
                            c["status"].as_str().unwrap()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(got, *targets, "{file}");
        // Absent is not empty: no evidence quotes an empty list the file does not hold.
        let index: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(common::root().join("fixtures/corpus/graph/INDEX.json"))
                .unwrap(),
        )
        .unwrap();
        let entry = index
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"] == *file)
            .unwrap();
        for absent in entry["fields_absent_that_matter"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str())
        {
            assert!(
                !stdout(&out).contains(&format!("{absent} = []"))
                    && !stdout(&out).contains(&format!("{absent} is empty")),
                "{file}: {absent} is absent, not empty: {}",
                stdout(&out)
            );
        }
    }
}
