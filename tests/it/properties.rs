//! Property tests of the parsers of untrusted text: registration JSON, policy YAML, AADSTS text
//! and error bodies, and the redaction of credentials. Beside the fixed-seed corruption tests
//! of `robustness.rs`: any input gives an answer or a one-line error, never a panic; what must
//! hold for every input holds.

use oauth_preflight::entra::aadsts::{self, ErrorBody};
use oauth_preflight::redact::Redactor;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// JSON values of any shape, a few levels deep, with the field names registrations use.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("2030-01-01T00:00:00Z")),
        Just(serde_json::Value::from(
            "00000001-1111-4000-8000-000000000001"
        )),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![
            Just("appId".to_owned()),
            Just("signInAudience".to_owned()),
            Just("web".to_owned()),
            Just("redirectUris".to_owned()),
            Just("passwordCredentials".to_owned()),
            Just("endDateTime".to_owned()),
            Just("requiredResourceAccess".to_owned()),
            Just("resourceAccess".to_owned()),
            Just("replyUrlsWithType".to_owned()),
            Just("value".to_owned()),
            Just("x-emulator".to_owned()),
            "[a-zA-Z]{1,12}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn registration_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        match oauth_preflight::registration::parse_bytes(&bytes) {
            Ok(regs) => prop_assert!(!regs.is_empty()),
            Err(e) => prop_assert!(!e.to_string().contains('\n'), "{e}"),
        }
    }

    #[test]
    fn registration_json_of_any_shape_is_judged_or_refused_in_one_line(v in json_value()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        match oauth_preflight::registration::parse_bytes(&bytes) {
            Ok(regs) => {
                let opts = oauth_preflight::checks::LintOptions { now: chrono::Utc::now(), secret_min_days: 30 };
                for r in &regs {
                    let f = oauth_preflight::checks::judge(&oauth_preflight::checks::Inputs::lint(r, opts));
                    prop_assert_eq!(f.len(), oauth_preflight::checks::LINT_IDS.len());
                }
            }
            Err(e) => prop_assert!(!e.to_string().contains('\n'), "{e}"),
        }
    }

    #[test]
    fn policy_text_never_panics(text in "(on_http_request|inbound|actions|type|oauth|config|provider|microsoft|client_id|scopes|[-:\\[\\]{}'\" \n#a-z0-9]){0,300}") {
        if let Err(e) = oauth_preflight::ngrok::parse(&text) {
            prop_assert!(!e.to_string().contains('\n'), "{e}");
        }
    }

    #[test]
    fn deep_policies_are_refused_whatever_their_brackets(depth in 65usize..5000, open in prop_oneof![Just("["), Just("{a: ")]) {
        let text = format!("on_http_request: {}", open.repeat(depth));
        prop_assert!(oauth_preflight::ngrok::parse(&text).is_err());
    }

    #[test]
    fn an_aadsts_code_is_found_wherever_it_is(prefix in "[^0-9A-Za-z]{0,40}", code in 10_000u32..10_000_000, suffix in "[^0-9]{0,40}") {
        let text = format!("{prefix}AADSTS{code}{suffix}");
        prop_assert_eq!(aadsts::find_code(&text), Some(code));
    }

    #[test]
    fn aadsts_text_never_panics(text in ".{0,200}") {
        let _ = aadsts::find_code(&text);
        let _ = aadsts::first_line(&text);
        let _ = ErrorBody::parse(text.as_bytes());
    }

    #[test]
    fn error_bodies_give_their_code(code in 10_000u32..10_000_000, line in "[a-zA-Z ,.]{0,60}") {
        let body = serde_json::json!({"error": "invalid_grant", "error_description": format!("AADSTS{code}: {line}\r\nTrace ID: x"), "error_codes": [code]});
        let parsed = ErrorBody::parse(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(parsed.code(), Some(code));
        prop_assert!(!parsed.message().contains("Trace ID"));
    }

    #[test]
    fn no_form_of_a_credential_survives_redaction(secret in "[!-~]{6,48}", before in "[a-z =&:]{0,20}", after in "[a-z =&:]{0,20}") {
        let mut r = Redactor::default();
        r.add(&secret);
        r.add_basic("00000001-1111-4000-8000-000000000001", &secret);
        let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let json = serde_json::to_string(&secret).unwrap();
        for shown in [secret.clone(), form, json.trim_matches('"').to_owned()] {
            let cleaned = r.clean(&format!("{before}{shown}{after}"));
            prop_assert!(!cleaned.contains(&secret), "{cleaned}");
            prop_assert!(cleaned.contains("[redacted]"), "{cleaned}");
        }
    }
}
