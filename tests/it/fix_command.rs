//! The fix as a command (DESIGN.md §9.3): JSON `fix_command` where a fix can be typed, absent
//! otherwise; a redirect fix keeps every registered URI (a bare `--web-redirect-uris` replaces
//! the list); every value from the file is quoted for a POSIX shell; no secret in any command.

use crate::common;

use common::{AT, code, fixture, fixture_names, fixture_secret_values, stdout};
use oauth_preflight::registration::{Platform, Registration};
use serde_json::Value;

/// `lint --format json` of `files`, the reports.
fn lint(files: &[String]) -> Vec<Value> {
    let mut args = vec!["lint", "--at", AT, "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let out = common::run(&args);
    assert!(code(&out) <= 1, "{}", common::stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["reports"].as_array().unwrap().clone()
}

/// The redirect URIs a command leaves registered, per platform, as `az` would set them: the
/// words after `--web-redirect-uris`, or the `az rest` body's lists.
fn uris_after(command: &str) -> Vec<(String, String)> {
    let words = shell_words::split(command).unwrap();
    match &words[..3] {
        [az, ad, app] if az == "az" && ad == "ad" && app == "app" => {
            let at = words
                .iter()
                .position(|w| w == "--web-redirect-uris")
                .unwrap();
            words[at + 1..]
                .iter()
                .take_while(|w| !w.starts_with("--"))
                .map(|u| ("web".to_owned(), u.clone()))
                .collect()
        }
        [az, rest, _] if az == "az" && rest == "rest" => {
            let at = words.iter().position(|w| w == "--body").unwrap();
            let body: Value = serde_json::from_str(&words[at + 1]).unwrap();
            let mut out = Vec::new();
            for (platform, v) in body.as_object().unwrap() {
                for u in v["redirectUris"].as_array().unwrap() {
                    out.push((platform.clone(), u.as_str().unwrap().to_owned()));
                }
            }
            out
        }
        other => panic!("not a redirect command: {other:?}"),
    }
}

fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Web => "web",
        Platform::Spa => "spa",
        Platform::PublicClient => "publicClient",
    }
}

/// Every URI of `reg` is still registered after `command` (on Web, or where it was), and
/// ngrok's callback is on Web.
#[track_caller]
fn keeps_everything(reg: &Registration, command: &str) {
    let after = uris_after(command);
    let rewritten: Vec<&str> = after.iter().map(|(p, _)| p.as_str()).collect();
    for r in &reg.redirect_uris {
        let platform = platform_name(r.platform);
        // A platform the command does not name keeps its list untouched.
        let kept = !rewritten.contains(&platform) || after.iter().any(|(_, u)| u == &r.uri);
        assert!(kept, "{} ({platform}) dropped by: {command}", r.uri);
    }
    assert!(
        after
            .iter()
            .any(|(p, u)| p == "web" && u == oauth_preflight::entra::NGROK_CALLBACK),
        "{command}"
    );
}

#[test]
fn redirect_commands_keep_every_registered_uri() {
    let mut seen = 0;
    for name in fixture_names() {
        let regs = oauth_preflight::fixtures::bundled(&name).unwrap();
        for report in lint(&[fixture(&name)]) {
            let command = report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == "redirect.ngrok")
                .and_then(|c| c["fix_command"].as_str());
            let Some(command) = command else {
                continue;
            };
            let reg = regs
                .iter()
                .find(|r| r.app_id.as_deref() == report["target"]["client_id"].as_str())
                .unwrap();
            keeps_everything(reg, command);
            seen += 1;
        }
    }
    assert!(seen >= 6, "{seen} redirect commands");
}

#[test]
fn hostile_uris_are_quoted_and_kept_letter_for_letter() {
    let dir = tempfile::tempdir().unwrap();
    let uris = [
        "https://a.example/it's?x=$(touch /tmp/owned)",
        "https://b.example/`id`;rm -rf ~ #",
        "https://c.example/\"q\"\\ && echo",
        "https://idp.ngrok.com/oauth2/callback/",
    ];
    let file = dir.path().join("app.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "appId": "00000001-1111-4000-8000-000000000001",
            "displayName": "x'; rm -rf ~ #",
            "signInAudience": "AzureADMultipleOrgs",
            "web": {"redirectUris": uris},
        })
        .to_string(),
    )
    .unwrap();
    let reports = lint(&[file.to_str().unwrap().to_owned()]);
    let command = common::check_of(&reports[0], "redirect.ngrok")["fix_command"]
        .as_str()
        .unwrap()
        .to_owned();
    let after: Vec<String> = uris_after(&command).into_iter().map(|(_, u)| u).collect();
    let mut want: Vec<String> = uris.iter().map(|u| (*u).to_owned()).collect();
    want.push(oauth_preflight::entra::NGROK_CALLBACK.to_owned());
    assert_eq!(after, want, "{command}");
    // Outside single quotes there is nothing but the command's own words.
    assert!(command.starts_with(
        "az ad app update --id 00000001-1111-4000-8000-000000000001 --web-redirect-uris '"
    ));
}

#[test]
fn fix_command_is_absent_where_nothing_can_be_typed_and_never_holds_a_secret() {
    let files: Vec<String> = fixture_names().iter().map(|n| fixture(n)).collect();
    let secrets = fixture_secret_values();
    let mut commands = Vec::new();
    for report in lint(&files) {
        for check in report["checks"].as_array().unwrap() {
            let command = check.get("fix_command");
            if check["status"] == "pass" || check["status"] == "skip" {
                assert!(command.is_none(), "{check}");
            }
            if let Some(c) = command.and_then(Value::as_str) {
                assert!(c.starts_with("az "), "{c}");
                assert!(shell_words::split(c).is_ok(), "{c}");
                for s in &secrets {
                    assert!(!c.contains(s.as_str()), "{c}");
                }
                commands.push(c.to_owned());
            }
        }
    }
    for want in [
        "--sign-in-audience AzureADMultipleOrgs",
        "az ad app permission add --id 0000000c-1111-4000-8000-00000000000c --api 00000003-0000-0000-c000-000000000000 --api-permissions e1fe6dd8-ba31-4d61-89e7-88639da4683d=Scope",
        "az ad app credential reset --id 00000011-1111-4000-8000-000000000011 --append --display-name ngrok",
        "--enable-id-token-issuance false --enable-access-token-issuance false",
        "az ad sp update --id ",
        "az rest --method PATCH",
    ] {
        assert!(
            commands.iter().any(|c| c.contains(want)),
            "no command with {want:?}: {commands:#?}"
        );
    }
}
