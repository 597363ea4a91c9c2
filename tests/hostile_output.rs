//! Hostile text on its way to a CI log or summary: a `displayName`, an `appId`, a file name, a
//! policy field, Graph's error, an HTML `<title>`, a Graph that quotes the bearer token. GitHub
//! runs a line of stdout or stderr that starts with `::` as a workflow command, renders the step
//! summary as Markdown, and terminals obey escape sequences: no untrusted text may start a
//! line, carry a control character, or render as anything but text; no token may be shown.

mod common;

use base64::Engine;
use common::stand_in::{self, Resp};
use common::{code, stderr, stdout};

const FORMATS: [&str; 5] = ["human", "json", "junit", "github", "markdown"];

/// Every line of `text` that GitHub would run as a workflow command is one of ours (GitHub
/// trims a line's start before it looks for `::`).
#[track_caller]
fn no_command_of_theirs(text: &str) {
    for line in text.lines() {
        let t = line.trim_start();
        if !t.starts_with("::") {
            continue;
        }
        let ours = ["::error ", "::warning ", "::notice "]
            .iter()
            .any(|p| t.starts_with(p))
            && (t.contains(" title=") || t.contains(" file="));
        assert!(ours, "a line starts a workflow command: {line:?}\n{text}");
    }
}

/// A minimal registration with these `appId` and `displayName`, in a file.
fn registration(dir: &std::path::Path, file: &str, app_id: &str, name: &str) -> String {
    let path = dir.join(file);
    let json = serde_json::json!({
        "appId": app_id,
        "displayName": name,
        "signInAudience": "AzureADMyOrg",
        "web": {"redirectUris": ["http://idp.ngrok.com/oauth2/callback"]},
    });
    std::fs::write(&path, json.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Hostile `displayName`, `appId` and file name in one registration file.
fn hostile_registration(dir: &std::path::Path) -> String {
    registration(
        dir,
        "evil\u{1b}]0;t\u{7}\n::warning::f.json",
        "0000\n::add-mask::appid",
        "x\n::add-mask::owned\r\n::error::owned\0nul\u{1}\u{8}\u{b}\u{1b}[2J\u{7}",
    )
}

/// Issue 18, item 7: JUnit printed to the log kept the line breaks of `displayName` and
/// `appId`: lines began with `::add-mask::`. No format lets them start a line.
#[test]
fn no_report_line_starts_with_a_registrations_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = hostile_registration(dir.path());
    for format in FORMATS {
        let out = common::cli(&["lint", "--format", format, &file], &[], None);
        assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("::add-mask::owned"),
            "{format}: the name is shown: {text}"
        );
        no_command_of_theirs(&text);
        if format == "junit" {
            assert!(text.contains("x&#10;::add-mask::owned&#13;&#10;"), "{text}");
            assert!(text.contains("0000&#10;::add-mask::appid"), "{text}");
        }
    }
}

/// Issue 18, item 3: `lint --from-graph` against a Graph that quotes the bearer token in its
/// 401 printed it as base64, base64url, hex, reversed, HTML references, without its JWT
/// header, or with a soft hyphen or a zero-width space slipped in.
#[test]
fn a_graph_that_echoes_the_token_encoded_does_not_get_it_printed() {
    const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJlLWJ5dGVzLW9mLXRoZS10b2tlbi12YWx1ZQ";
    fn form(i: usize, token: &str) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let tail = token.split_once('.').map_or(token, |(_, t)| t);
        match i {
            0 => b64.encode(token),
            1 => url.encode(token),
            2 => token.bytes().map(|b| format!("{b:02x}")).collect(),
            3 => token.chars().rev().collect(),
            4 => token.chars().map(|c| format!("&#{};", c as u32)).collect(),
            5 => tail.to_owned(),
            6 => format!("{}\u{ad}{}", &token[..10], &token[10..]),
            7 => format!("{}\u{200b}{}", &token[..40], &token[40..]),
            8 => url.encode(tail),
            _ => token.to_uppercase(),
        }
    }
    const FORMS: usize = 10;
    let (_rt, s) = stand_in::background(|_, req| {
        let token = req
            .headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_owned();
        // The form is chosen by the client id's last two digits.
        let i: usize = req
            .path
            .rsplit_once("-0000000000")
            .and_then(|(_, t)| t.get(..2))
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        Resp::json(
            401,
            serde_json::json!({"error": {
                "code": "InvalidAuthenticationToken",
                "message": format!("Token: {}", form(i, &token)),
            }}),
        )
    });
    let ca = s.ca_path();
    for i in 0..FORMS {
        let id = format!("00000001-1111-4000-8000-0000000000{i:02}");
        let out = common::cli(
            &[
                "lint",
                "--from-graph",
                "--client-id",
                &id,
                "--graph",
                &s.base,
                "--ca-cert",
                &ca,
            ],
            &[("OAUTH_PREFLIGHT_GRAPH_TOKEN", TOKEN)],
            None,
        );
        let err = stderr(&out);
        assert_eq!(code(&out), 3, "{err}");
        assert!(
            err.contains("401") && err.contains("[redacted]"),
            "{i}: {err}"
        );
        let shown = form(i, TOKEN);
        let chars: Vec<char> = shown.chars().collect();
        for run in chars.windows(8) {
            let run: String = run.iter().collect();
            assert!(!err.contains(&run), "form {i}: {run:?} is shown: {err}");
        }
    }
}
