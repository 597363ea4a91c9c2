//! Never a panic: thousands of corrupted registration files through the parser, and garbage
//! requests through the emulator, with a fixed-seed generator so a failure reproduces.

use crate::common;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NASTY: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"null",
    b"-1e999",
    b"\xff",
    b"\\u0000",
    b"true",
    b"\"\\ud800\"",
];

#[test]
fn corrupted_registrations_parse_or_fail_cleanly() {
    let mut rng = Rng(0x005E_ED0F_0A07);
    let mut errors = 0;
    for (name, text) in oauth_preflight::fixtures::BUNDLED {
        for _ in 0..300 {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len() + 1);
                match rng.below(3) {
                    0 => {
                        bytes.truncate(at);
                    }
                    1 => {
                        let nasty = NASTY[rng.below(NASTY.len())];
                        bytes.splice(at..at, nasty.iter().copied());
                    }
                    _ => {
                        let end = (at + rng.below(40)).min(bytes.len());
                        bytes.drain(at..end);
                    }
                }
            }
            match oauth_preflight::registration::parse_bytes(&bytes) {
                Ok(regs) => {
                    // Whatever parsed is checkable without a panic.
                    let opts = oauth_preflight::checks::LintOptions {
                        now: chrono::Utc::now(),
                        secret_min_days: 30,
                    };
                    for r in &regs {
                        assert!(
                            !oauth_preflight::checks::judge(
                                &oauth_preflight::checks::Inputs::lint(r, opts)
                            )
                            .is_empty(),
                            "{name}"
                        );
                    }
                }
                Err(e) => {
                    errors += 1;
                    assert!(!e.to_string().contains('\n'), "{name}: one line: {e}");
                }
            }
        }
    }
    assert!(
        errors > 1000,
        "the corruptions mostly break the JSON ({errors})"
    );
}

#[tokio::test]
async fn garbage_requests_get_answers_below_500() {
    let e = common::emulator(vec![common::app("good-multitenant.json")], &[]).await;
    let mut rng = Rng(0x0BAD_5EED);
    let paths = [
        "/common/oauth2/v2.0/token",
        "/common/oauth2/v2.0/authorize",
        "/graph/v1.0/me",
        "/x/v2.0/.well-known/openid-configuration",
        "/common/discovery/v2.0/keys",
        "/%ff%fe/oauth2/v2.0/token",
        "/common/oauth2/v2.0/logout",
    ];
    let words = [
        "grant_type",
        "code",
        "client_id",
        "client_secret",
        "redirect_uri",
        "scope",
        "%",
        "&",
        "=",
        "refresh_token",
        "1.A",
        "EwB",
        "Bearer",
        "\u{0}",
        "https://idp.ngrok.com/oauth2/callback",
        "00000001-1111-4000-8000-000000000001",
        "code_challenge",
        "response_type",
    ];
    for _ in 0..400 {
        let path = paths[rng.below(paths.len())];
        let body: String = (0..rng.below(12))
            .map(|_| words[rng.below(words.len())])
            .collect::<Vec<_>>()
            .join(["=", "&", ""][rng.below(3)]);
        let req = match rng.below(3) {
            0 => e.http.get(e.url(path)).query(&[("q", body.as_str())]),
            1 => e
                .http
                .post(e.url(path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone()),
            _ => {
                let token: String = body.chars().filter(|c| !c.is_control()).collect();
                e.http
                    .post(e.url(path))
                    .header("authorization", format!("Bearer {token}"))
                    .body(body.clone())
            }
        };
        let r = req
            .send()
            .await
            .expect("an answer, not a closed connection");
        assert!(r.status().as_u16() < 500, "{path} {body:?}: {}", r.status());
    }
}
