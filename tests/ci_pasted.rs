//! Issue 17, "CI as pasted" (DESIGN.md §9.2): each test pins one way the CI path failed a user
//! who copied it as documented.

mod common;

use common::{background, cli, code, stderr, stdout};

/// A registration made exactly as ngrok's guide says (only ngrok's Web redirect URI, no local
/// callback) passed lint but failed `probe` with `redirect.local` AADSTS50011: probe asked for
/// `run`'s local callback. probe follows no redirect, so it now sends ngrok's.
#[test]
fn a_registration_made_as_ngroks_guide_says_passes_probe() {
    let reg = common::app("guide-exact.json");
    let bg = background(vec![reg.clone()], &[]);
    let secret = common::secret(&reg);
    let target = bg.target();
    let mut args = vec![
        "probe",
        "--client-id",
        reg.app_id.as_deref().unwrap(),
        "--tenant",
        "contoso.example",
        "--app",
        "fixtures/apps/guide-exact.json",
        "--format",
        "json",
    ];
    args.extend(target.iter().map(String::as_str));
    let out = cli(&args, &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &secret)], None);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let report = &v["reports"][0];
    assert_eq!(report["summary"]["fail"], 0, "{report}");
    let local = common::check_of(report, "redirect.local");
    assert_eq!(local["status"], "skip", "{local}");
    assert!(
        local["title"]
            .as_str()
            .unwrap()
            .contains("needs no local callback"),
        "{local}"
    );
    for id in ["redirect.ngrok", "secret.valid", "graph.me"] {
        assert_eq!(common::check_of(report, id)["status"], "pass", "{id}");
    }

    // A loopback redirect asked for explicitly is still judged, and fails for this app.
    args.extend(["--redirect-uri", common::LOCAL]);
    let out = cli(&args, &[("OAUTH_PREFLIGHT_CLIENT_SECRET", &secret)], None);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let local = common::check_of(&v["reports"][0], "redirect.local");
    assert_eq!(local["status"], "fail", "{local}");
}
