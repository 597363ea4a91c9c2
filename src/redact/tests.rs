use super::*;

const ID: &str = "00000001-1111-4000-8000-000000000001";

fn redactor(secret: &str) -> Redactor {
    let mut r = Redactor::default();
    r.add(secret);
    r.add_basic(ID, secret);
    r
}

#[test]
fn every_form_of_a_secret_is_removed() {
    let secret = "Q1x8Q~a/b+c d";
    let r = redactor(secret);
    let basic = STANDARD.encode(format!("{ID}:{secret}"));
    for form in [
        secret.to_owned(),
        "Q1x8Q%7Ea%2Fb%2Bc+d".to_owned(),
        "Q1x8Q%7ea%2fb%2bc%20d".to_owned(),
        "Q1x8Q~a%2Fb%2Bc%20d".to_owned(),
        "Q1x8Q~a\\/b+c d".to_owned(),
        basic,
    ] {
        let text = format!("client_secret={form}&code=x");
        let cleaned = r.clean(&text);
        assert_eq!(cleaned, "client_secret=[redacted]&code=x", "{form}");
    }
    assert_eq!(r.clean("nothing here"), "nothing here");
    assert!(!format!("{r:?}").contains("Q1x"));
}

/// Issue 18: the forms an `error_description` echoed the secret in, verbatim in the report.
#[test]
fn a_secret_echoed_in_part_or_encoded_is_removed() {
    let secret = "Q1x8Q~Zk3pW.r9_Tq-M2vLs8aBcDe~fGhJ0kLmN";
    let r = redactor(secret);
    let sep = |s: &str, by: &str| s.chars().map(String::from).collect::<Vec<_>>().join(by);
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let forms = [
        secret[3..].to_owned(),
        secret[6..].to_owned(),
        secret[10..19].to_owned(),
        secret.to_uppercase(),
        secret.to_lowercase(),
        secret.chars().rev().collect(),
        hex.clone(),
        hex.to_uppercase(),
        sep(&hex, " "),
        sep(secret, " "),
        sep(secret, "\u{ad}"),
        sep(secret, "\u{200b}"),
        secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
        secret
            .chars()
            .map(|c| format!("&#x{:X};", c as u32))
            .collect(),
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        STANDARD.encode(&secret[5..]),
        URL_SAFE_NO_PAD.encode(&secret[7..]),
    ];
    for form in forms {
        let cleaned = r.clean(&format!(
            "AADSTS7000215: Invalid client secret. Received: '{form}'. Trace ID: 1"
        ));
        assert_eq!(
            cleaned, "AADSTS7000215: Invalid client secret. Received: '[redacted]'. Trace ID: 1",
            "{form}"
        );
    }
    // Base64 of a part that does not end on a quantum: at most its last characters stay.
    let part = STANDARD.encode(&secret[4..21]);
    let cleaned = r.clean(&format!("got {part} end"));
    assert!(
        cleaned.starts_with("got [redacted]") && cleaned.len() < 24,
        "{cleaned}"
    );
}

/// Issue 18: a bearer token echoed without its JWT header, encoded, or with an invisible
/// character slipped in.
#[test]
fn any_part_of_a_token_is_removed() {
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJzY3AiOiJBcHBsaWNhdGlvbi5SZWFkLkFsbCJ9.c2lnbmF0dXJlLWJ5dGVzLW9mLXRoZS10b2tlbg";
    let mut r = Redactor::default();
    r.add(token);
    let (_, tail) = token.split_once('.').unwrap();
    let hex: String = token.bytes().map(|b| format!("{b:02X}")).collect();
    for form in [
        tail.to_owned(),
        tail.rsplit_once('.').unwrap().1.to_owned(),
        STANDARD.encode(token),
        URL_SAFE_NO_PAD.encode(tail),
        hex,
        token.chars().rev().collect(),
        token.chars().map(|c| format!("&#{};", c as u32)).collect(),
        format!("{}\u{ad}{}", &token[..20], &token[20..]),
        format!("{}\u{200b}{}", &token[..50], &token[50..]),
    ] {
        assert_eq!(
            r.clean(&format!("Token: {form}")),
            "Token: [redacted]",
            "{form}"
        );
    }
}

#[test]
fn a_credential_cut_off_at_the_end_is_removed_too() {
    let r = redactor("Q1x8Q~ngrok.preflight-test-secret-value-01");
    assert_eq!(
        r.clean("bad request: client_secret=Q1x8Q%7Engrok.prefl"),
        "bad request: client_secret=[redacted]"
    );
    assert_eq!(
        r.clean("ends with Q1x8"),
        "ends with Q1x8",
        "too short to tell"
    );
}

#[test]
fn a_credential_cut_short_inside_a_text_is_removed() {
    let r = redactor("Q1x8Q~ngrok.preflight-test-secret-value-01");
    assert_eq!(
        r.clean("live: HTTP 500: client_secret=Q1x8Q%7Engrok.preflight-te; registration: x"),
        "live: HTTP 500: client_secret=[redacted]; registration: x"
    );
}

#[test]
fn ordinary_text_and_short_values_are_left_alone() {
    let r = redactor("Q1x8Q~Zk3pW.r9_Tq-M2vLs8aBcDe~fGhJ0kLmN");
    let text = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID &amp; &#x41;.";
    assert_eq!(r.clean(text), text);
    let mut r = Redactor::default();
    r.add("ab");
    assert_eq!(r.clean("ab cd"), "ab cd");
    r.add("abcdef");
    assert_eq!(r.clean("x ABCDEF y"), "x [redacted] y");
}
