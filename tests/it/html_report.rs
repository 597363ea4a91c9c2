//! `--format html` and `--report html=PATH` (DESIGN.md §9.3): one self-contained page per run
//! for the Entra administrator; snapshots (style, version and time redacted), and hostile text
//! that stays text.

use crate::common;

use common::{AT, code, fixture, stdout};

/// `lint --format html` of `files` (exit 0 or 1), its page.
fn html(files: &[&str]) -> String {
    let mut args = vec!["lint", "--at", AT, "--format", "html"];
    args.extend(files);
    let out = common::run(&args);
    assert!(code(&out) <= 1, "{}", common::stderr(&out));
    stdout(&out)
}

/// The page without what changes from build to build and run to run.
fn snapshot(name: &str, page: &str) {
    insta::with_settings!({filters => vec![
        (r"(?s)<style>.*?</style>", "<style>[style]</style>"),
        (r"oauth-preflight \d+\.\d+\.\d+[^ <]*", "oauth-preflight [version]"),
        (r"generated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "generated [time]"),
    ]}, {
        insta::assert_snapshot!(name, page);
    });
}

/// Self-contained: no script, nothing loaded from elsewhere, the policy that forbids both.
#[track_caller]
fn self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    for bad in [
        "<script", "<img", "<link", "<iframe", "<object", "<embed", " src=\"", "url(", "@import",
    ] {
        assert!(!lower.contains(bad), "{bad} in {page}");
    }
    assert!(page.contains(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">"#
    ));
    assert!(
        page.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    assert!(page.contains("@media print") && page.contains("@page"));
}

#[test]
fn a_passing_app() {
    let page = html(&[&fixture("good-multitenant.json")]);
    self_contained(&page);
    assert!(
        page.contains("<details><summary>8 passed</summary>"),
        "{page}"
    );
    snapshot("good-multitenant.html", &page);
}

#[test]
fn a_failing_app_shows_its_failures_first_with_the_command() {
    let page = html(&[&fixture("redirect-trailing-slash.json")]);
    self_contained(&page);
    let fail = page
        .find("<h3>Failing (1)</h3>")
        .expect("a Failing section");
    let passed = page.find("passed</summary>").unwrap();
    assert!(fail < passed);
    assert!(page.contains(
        "<dt>Command</dt><dd><pre><code>az ad app update --id 00000006-1111-4000-8000-000000000006 --web-redirect-uris &#39;https://idp.ngrok.com/oauth2/callback/&#39;"
    ), "{page}");
    snapshot("redirect-trailing-slash.html", &page);
}

#[test]
fn a_tenant_list() {
    let page = html(&[&fixture("tenant-list.json")]);
    self_contained(&page);
    assert_eq!(page.matches("<section class=\"target").count(), 3);
    snapshot("tenant-list.html", &page);
}

#[test]
fn report_html_writes_the_same_page_beside_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    let spec = format!("html={}", path.display());
    let out = common::run(&[
        "lint",
        "--at",
        AT,
        "--report",
        &spec,
        &fixture("single-tenant.json"),
    ]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("FAIL tenancy.multitenant"));
    let page = std::fs::read_to_string(&path).unwrap();
    self_contained(&page);
    assert!(
        page.contains("--sign-in-audience AzureADMultipleOrgs"),
        "{page}"
    );
}

#[test]
fn a_hostile_display_name_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.json");
    let name = "<img src=x onerror=alert(1)></style><script>alert(2)</script>";
    std::fs::write(
        &file,
        serde_json::json!({
            "appId": "00000001-1111-4000-8000-000000000001",
            "displayName": name,
            "signInAudience": "AzureADMyOrg",
            "web": {"redirectUris": ["https://x.example/\"><img src=y>"]},
        })
        .to_string(),
    )
    .unwrap();
    let page = html(&[file.to_str().unwrap()]);
    self_contained(&page);
    assert_eq!(page.matches("</style>").count(), 1, "{page}");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;&lt;/style&gt;&lt;script&gt;"),
        "{page}"
    );
}
