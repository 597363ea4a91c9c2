//! Hostile text on its way to a CI log or summary: a `displayName`, an `appId`, a file name, a
//! policy field, Graph's error, an HTML `<title>`, a Graph that quotes the bearer token. GitHub
//! runs a line of stdout or stderr that starts with `::` as a workflow command, renders the step
//! summary as Markdown, and terminals obey escape sequences: no untrusted text may start a
//! line, carry a control character, or render as anything but text; no token may be shown.

use crate::common;

use base64::Engine;
use common::stand_in::{self, Resp};
use common::{code, stderr, stdout};
use std::process::Output;

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

/// The error went to stderr as one line with no control character.
#[track_caller]
fn one_line_error(out: &Output) {
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        !err.trim_end_matches('\n').chars().any(char::is_control),
        "{err:?}"
    );
    assert!(err.starts_with("error: "), "{err:?}");
    no_command_of_theirs(&err);
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

/// Issue 18, item 6: GitHub runs workflow commands from stderr too. A file name, a policy's
/// `provider` or `issuer_url`, Graph's error `code`/`message` and a 5xx page's `<title>` went
/// to stderr raw, line breaks and all.
#[test]
fn untrusted_text_on_stderr_stays_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let app = common::fixture("good-multitenant.json");
    let missing = d.join("missing\n::error::owned.json");
    let bad_dir = d.join("apps");
    std::fs::create_dir(&bad_dir).unwrap();
    std::fs::write(bad_dir.join("bad\n::add-mask::owned.json"), "{").unwrap();
    let provider = d.join("provider.yml");
    std::fs::write(
        &provider,
        "on_http_request:\n  - actions:\n      - type: oauth\n        config:\n          provider: \"google\\n::error::owned\\u001b[2J\"\n",
    )
    .unwrap();
    let issuer = d.join("issuer.yml");
    std::fs::write(
        &issuer,
        "on_http_request:\n  - actions:\n      - type: openid-connect\n        config:\n          issuer_url: \"https://evil.example/\\r\\n::error::owned\"\n          client_id: \"00000001-1111-4000-8000-000000000001\"\n",
    )
    .unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec!["lint".into(), missing.to_str().unwrap().into()],
        vec!["lint".into(), bad_dir.to_str().unwrap().into()],
        vec![
            "lint".into(),
            "--ngrok-policy".into(),
            provider.to_str().unwrap().into(),
            app.clone(),
        ],
        vec![
            "lint".into(),
            "--ngrok-policy".into(),
            issuer.to_str().unwrap().into(),
            app,
        ],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = common::cli(&args, &[], None);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        one_line_error(&out);
    }

    // Graph's error code and message, and an authority's 5xx page, in every format.
    let (_rt, s) = stand_in::background(|_, req| {
        if req.path.starts_with("/v1.0/") {
            return Resp::json(
                401,
                serde_json::json!({"error": {
                    "code": "Bad\n::error::owned",
                    "message": "m\r\n::add-mask::owned\u{1b}[2J\u{7}",
                }}),
            );
        }
        Resp::new(
            503,
            "text/html",
            "<html><head><title>Down\n::error::owned\u{7}</title></head><body>x</body></html>",
        )
    });
    let ca = s.ca_path();
    let id = "00000001-1111-4000-8000-000000000001";
    for format in FORMATS {
        let graph = common::cli(
            &[
                "lint",
                "--from-graph",
                "--client-id",
                id,
                "--graph",
                &s.base,
                "--ca-cert",
                &ca,
                "--format",
                format,
            ],
            &[("OAUTH_PREFLIGHT_GRAPH_TOKEN", "not-a-token")],
            None,
        );
        assert_eq!(code(&graph), 3, "{}", stderr(&graph));
        assert!(stderr(&graph).contains("401"), "{}", stderr(&graph));
        one_line_error(&graph);
        let probe = common::cli(
            &[
                "probe",
                "--client-id",
                id,
                "--authority",
                &s.base,
                "--ca-cert",
                &ca,
                "--format",
                format,
            ],
            &[("OAUTH_PREFLIGHT_CLIENT_SECRET", "Q1x8Q~not-used-here")],
            None,
        );
        assert_eq!(code(&probe), 3, "{}", stderr(&probe));
        assert!(stderr(&probe).contains("HTTP 503"), "{}", stderr(&probe));
        one_line_error(&probe);
        no_command_of_theirs(&stdout(&probe));
    }
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

/// Issue 18, item 9: NUL, \x01, \x08, \x0b, ESC and BEL reached `--format github` and
/// `--format markdown` raw; they are shown as `\u{..}`, as the human format does.
#[test]
fn no_format_sends_a_control_character() {
    let dir = tempfile::tempdir().unwrap();
    let file = hostile_registration(dir.path());
    for format in FORMATS {
        let out = common::cli(&["lint", "--format", format, &file], &[], None);
        assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{format}: {text:?}"
        );
        if format != "junit" && format != "json" {
            assert!(
                text.contains("\\u{1b}[2J"),
                "{format}: shown, not sent: {text}"
            );
        }
    }
}

/// Where a line of Markdown would render something else than text: an image, a link, raw
/// HTML, or a code span left open. Backslash escapes and code spans (a run of backticks closed
/// by a run of the same length) are read as GFM reads them.
fn markdown_danger(line: &str) -> Option<String> {
    let c: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '`' => {
                let run = c[i..].iter().take_while(|&&x| x == '`').count();
                let mut j = i + run;
                loop {
                    if j >= c.len() {
                        return Some(format!("a code span of {run} backtick(s) left open"));
                    }
                    let r = c[j..].iter().take_while(|&&x| x == '`').count();
                    if r == run {
                        break;
                    }
                    j += r.max(1);
                }
                i = j + run;
            }
            '!' if c.get(i + 1) == Some(&'[') => return Some("an image".into()),
            ']' if c.get(i + 1) == Some(&'(') => return Some("a link".into()),
            '[' | ']' => return Some("a bracket".into()),
            '<' => return Some("raw HTML or an autolink".into()),
            _ => i += 1,
        }
    }
    None
}

/// Issue 18, item 8: a display name `![i](https://evil.example/t.png)` rendered as an image in
/// the step summary, `[l](...)` as a link, and a backtick closed the code span.
#[test]
fn markdown_renders_a_hostile_display_name_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    for name in [
        "x` ![i](https://evil.example/t.png) [l](https://evil.example) ``",
        "`` <img src=x> *b* _i_ ~~s~~ $x$ | a \\` [r]: https://evil.example",
        "```",
    ] {
        let file = registration(
            dir.path(),
            "a.json",
            "00000001-1111-4000-8000-000000000001",
            name,
        );
        let out = common::cli(
            &["lint", "--format", "markdown", &file],
            &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
            None,
        );
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let md = stdout(&out);
        assert!(
            md.contains("lint ```") || md.contains("evil"),
            "the name is shown: {md}"
        );
        for line in md.lines() {
            assert_eq!(markdown_danger(line), None, "{line}\n{md}");
        }
    }
    let written = std::fs::read_to_string(&summary).unwrap();
    for line in written.lines() {
        assert_eq!(markdown_danger(line), None, "{line}");
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
