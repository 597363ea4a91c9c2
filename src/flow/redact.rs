//! Credentials out of server texts. A token endpoint (or a proxy in front of it) may echo the
//! request in an error page or an `error_description`; the secret then travels raw,
//! form-encoded (`Q1x8Q%7E…`: Entra secret values contain `~`), percent-encoded in either letter
//! case, JSON-escaped, or as base64 of `client_id:secret` (HTTP Basic, RFC 6749 §2.3.1). Every
//! form of every credential the flow handles (the secret, the code, the PKCE verifier, the
//! tokens) is removed from every text before it reaches a finding or an error.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Shorter values are not redacted: they would cut through ordinary words.
const MIN_LEN: usize = 4;

/// What to strip from server texts. Its `Debug` shows no value.
#[derive(Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.needles.len())
    }
}

/// `value` percent-encoded: everything but RFC 3986's unreserved characters, in this hex case.
fn percent(value: &str, upper: bool, keep_tilde: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
        if unreserved || (keep_tilde && b == b'~') {
            out.push(char::from(b));
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// Where `text` ends with the first 8 or more characters of `needle` (a cut-off credential).
fn cut_tail(text: &str, needle: &str) -> Option<usize> {
    const MIN_PREFIX: usize = 8;
    (MIN_PREFIX..needle.len())
        .rev()
        .filter(|&k| needle.is_char_boundary(k) && k <= text.len())
        .find(|&k| text.ends_with(&needle[..k]))
        .map(|k| text.len() - k)
}

/// `text` with every run of 12 or more leading characters of `needle` replaced.
fn cut_prefixes(text: &str, needle: &str) -> String {
    const MIN_PREFIX: usize = 12;
    if needle.len() < MIN_PREFIX || !needle.is_char_boundary(MIN_PREFIX) {
        return text.to_owned();
    }
    let head = &needle[..MIN_PREFIX];
    if !text.contains(head) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(head) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let matched = tail
            .bytes()
            .zip(needle.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let mut end = matched;
        while !tail.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str("[redacted]");
        rest = &tail[end.max(1)..];
    }
    out.push_str(rest);
    out
}

impl Redactor {
    /// Adds a credential in every form it travels in.
    pub fn add(&mut self, value: &str) {
        if value.len() < MIN_LEN {
            return;
        }
        let json = serde_json::to_string(value).unwrap_or_default();
        let json = json.trim_matches('"').to_owned();
        let forms = [
            value.to_owned(),
            form_urlencoded::byte_serialize(value.as_bytes()).collect(),
            percent(value, true, false),
            percent(value, false, false),
            percent(value, true, true),
            json.replace('/', "\\/"),
            json,
        ];
        for f in forms {
            if !f.is_empty() && !self.needles.contains(&f) {
                self.needles.push(f);
            }
        }
        // Longest first, so a form is never half-replaced by a shorter one inside it.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// Adds the HTTP Basic forms of a client's credentials: base64 of `id:secret`, raw and with
    /// both parts form-encoded first (RFC 6749 §2.3.1).
    pub fn add_basic(&mut self, client_id: &str, secret: &str) {
        if secret.len() < MIN_LEN {
            return;
        }
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        for pair in [
            format!("{client_id}:{secret}"),
            format!("{}:{}", enc(client_id), enc(secret)),
        ] {
            self.add(&STANDARD.encode(pair));
        }
    }

    /// Takes in what another redactor strips (a further sign-in's code and tokens).
    pub fn extend(&mut self, other: &Self) {
        for n in &other.needles {
            if !self.needles.contains(n) {
                self.needles.push(n.clone());
            }
        }
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// `text` with every form of every credential replaced by `[redacted]`, and a credential's
    /// beginning at the very end too (server texts are cut at 160 characters for messages).
    pub fn clean(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), "[redacted]");
            }
        }
        for n in &self.needles {
            if let Some(cut) = cut_tail(&out, n) {
                out.truncate(cut);
                out.push_str("[redacted]");
            }
        }
        // A credential cut short inside a text (a message cut, then quoted): its first 12 or
        // more characters, wherever they stand, go too.
        for n in &self.needles {
            out = cut_prefixes(&out, n);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_secret_is_removed() {
        let secret = "Q1x8Q~a/b+c d";
        let mut r = Redactor::default();
        r.add(secret);
        r.add_basic("00000001-1111-4000-8000-000000000001", secret);
        let basic = STANDARD.encode(format!("00000001-1111-4000-8000-000000000001:{secret}"));
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

    #[test]
    fn a_credential_cut_off_at_the_end_is_removed_too() {
        let mut r = Redactor::default();
        r.add("Q1x8Q~ngrok.preflight-test-secret-value-01");
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
        let mut r = Redactor::default();
        r.add("Q1x8Q~ngrok.preflight-test-secret-value-01");
        assert_eq!(
            r.clean("live: HTTP 500: client_secret=Q1x8Q%7Engrok.preflight-te; registration: x"),
            "live: HTTP 500: client_secret=[redacted]; registration: x"
        );
    }

    #[test]
    fn short_values_are_left_alone() {
        let mut r = Redactor::default();
        r.add("ab");
        assert_eq!(r.clean("ab cd"), "ab cd");
    }
}
