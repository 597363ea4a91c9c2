//! Credentials out of server texts. A token endpoint, Graph (or a proxy in front of them) may
//! echo the request in an error page or an `error_description`, whole or in part, and in any
//! encoding: raw, upper-cased, reversed, form- or percent-encoded, JSON-escaped, hex, base64 or
//! base64url (of the credential alone, of a part of it, or of `client_id:secret`, HTTP Basic,
//! RFC 6749 §2.3.1), as HTML character references, or with spaces, soft hyphens or zero-width
//! characters between its characters. Every credential the flow handles (the secret, the code,
//! the PKCE verifier, the tokens) is removed from every text before it reaches a finding or an
//! error.
//!
//! The rule: any run of [`RUN`] or more characters of any of those forms, wherever it starts
//! and case-insensitively, is replaced by `[redacted]`. A text is read twice, once as written
//! and once with HTML character references decoded, in both cases with the separators above
//! left out and letters folded to lower case; each run of [`RUN`] characters of that reading
//! is looked up among the runs of the credentials' forms, read the same way.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::collections::HashSet;

/// A run of a credential this long, in any of its forms, is redacted wherever it stands.
const RUN: usize = 8;
/// Hex takes two digits per byte: a run of [`RUN`] bytes of a credential.
const HEX_RUN: usize = 2 * RUN;
/// Shorter values are not redacted: they would cut through ordinary words. Values between this
/// and [`RUN`] are redacted only whole.
const MIN_LEN: usize = 4;

/// What to strip from server texts. Its `Debug` shows no value.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every run of [`RUN`] characters of every form of every credential, as [`view`] reads it.
    runs: HashSet<[char; RUN]>,
    /// Every run of [`HEX_RUN`] digits of every credential in hex.
    hex_runs: HashSet<[char; HEX_RUN]>,
    /// Credentials shorter than [`RUN`] characters (but not than [`MIN_LEN`]), whole.
    short: Vec<Vec<char>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Redactor({} runs, {} short)",
            self.runs.len() + self.hex_runs.len(),
            self.short.len()
        )
    }
}

/// One character of a text as read for matching, and the bytes of the text it stands for.
#[derive(Clone, Copy)]
struct Unit {
    c: char,
    start: usize,
    end: usize,
}

/// Characters that may be slipped between a credential's characters and are not read:
/// whitespace, the soft hyphen, and the zero-width characters.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{ad}' | '\u{180e}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
        )
}

/// `c` in lower case, where that is one character.
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The HTML character reference at the start of `s` (`&#65;`, `&#x41;`, `&amp;`…): the
/// character and the reference's length in bytes.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let name = s.get(1..end)?;
    let c = if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(n)?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            "shy" => '\u{ad}',
            "sol" => '/',
            "plus" => '+',
            "equals" => '=',
            "num" => '#',
            "percnt" => '%',
            "lowbar" => '_',
            "period" => '.',
            "colon" => ':',
            "semi" => ';',
            "excl" => '!',
            "quest" => '?',
            "tilde" => '\u{2dc}',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// `text` as read for matching: separators left out, letters folded, and with `decode` HTML
/// character references read as the character they stand for.
fn view(text: &str, decode: bool) -> Vec<Unit> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let (c, len) = match (decode && c == '&').then(|| entity(&text[i..])).flatten() {
            Some(e) => e,
            None => (c, c.len_utf8()),
        };
        if !is_separator(c) {
            out.push(Unit {
                c: fold(c),
                start: i,
                end: i + len,
            });
        }
        i += len;
    }
    out
}

/// Every run of `N` characters of `chars`.
fn runs<const N: usize>(chars: &[char]) -> impl Iterator<Item = [char; N]> + '_ {
    chars.windows(N).filter_map(|w| w.try_into().ok())
}

/// Marks in `covered` every run of `chars` that `set` holds.
fn cover<const N: usize>(set: &HashSet<[char; N]>, chars: &[char], covered: &mut [bool]) {
    for (at, run) in runs::<N>(chars).enumerate() {
        if set.contains(&run) {
            covered[at..at + N].fill(true);
        }
    }
}

/// `value` percent-encoded: everything but RFC 3986's unreserved characters.
fn percent(value: &str, keep_tilde: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
        if unreserved || (keep_tilde && b == b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The forms a credential travels or is echoed in. Upper and lower case need no form of their
/// own (matching folds case), nor do HTML references and separators (matching reads through
/// them). Base64 is given from each of the first three characters, so that the base64 of any
/// part of the credential is a part of one of them.
fn forms(value: &str) -> Vec<String> {
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    let mut forms = vec![
        value.to_owned(),
        value.chars().rev().collect(),
        form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        percent(value, false),
        percent(value, true),
        json.replace('/', "\\/"),
        json,
    ];
    for (at, _) in value.char_indices().take(3) {
        let part = &value.as_bytes()[at..];
        forms.push(STANDARD.encode(part));
        forms.push(URL_SAFE_NO_PAD.encode(part));
    }
    forms
}

impl Redactor {
    /// Adds a credential in every form it may be echoed in.
    pub fn add(&mut self, value: &str) {
        if value.chars().count() < MIN_LEN {
            return;
        }
        for form in forms(value) {
            self.add_form(&form);
        }
        let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
        let hex: Vec<char> = hex.chars().collect();
        self.hex_runs.extend(runs::<HEX_RUN>(&hex));
    }

    /// Adds one form as it is (no further encoding of it).
    fn add_form(&mut self, form: &str) {
        for decode in [false, true] {
            let chars: Vec<char> = view(form, decode).iter().map(|u| u.c).collect();
            if chars.len() >= RUN {
                self.runs.extend(runs::<RUN>(&chars));
            } else if chars.len() >= MIN_LEN && !self.short.contains(&chars) {
                self.short.push(chars);
            }
        }
    }

    /// Adds the HTTP Basic forms of a client's credentials: base64 of `id:secret`, raw and with
    /// both parts form-encoded first (RFC 6749 §2.3.1).
    pub fn add_basic(&mut self, client_id: &str, secret: &str) {
        if secret.chars().count() < MIN_LEN {
            return;
        }
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        for pair in [
            format!("{client_id}:{secret}"),
            format!("{}:{}", enc(client_id), enc(secret)),
        ] {
            self.add_form(&STANDARD.encode(&pair));
            self.add_form(&URL_SAFE_NO_PAD.encode(&pair));
        }
    }

    /// Takes in what another redactor strips (a further sign-in's code and tokens).
    pub fn extend(&mut self, other: &Self) {
        self.runs.extend(other.runs.iter().copied());
        self.hex_runs.extend(other.hex_runs.iter().copied());
        for s in &other.short {
            if !self.short.contains(s) {
                self.short.push(s.clone());
            }
        }
    }

    /// The byte ranges of `text` that hold a credential, as read with or without `decode`.
    fn found(&self, text: &str, decode: bool, ranges: &mut Vec<(usize, usize)>) {
        let units = view(text, decode);
        let chars: Vec<char> = units.iter().map(|u| u.c).collect();
        let mut covered = vec![false; units.len()];
        cover(&self.runs, &chars, &mut covered);
        cover(&self.hex_runs, &chars, &mut covered);
        for s in &self.short {
            for (at, run) in chars.windows(s.len()).enumerate() {
                if run == s.as_slice() {
                    covered[at..at + s.len()].fill(true);
                }
            }
        }
        let mut at = 0;
        while at < units.len() {
            if !covered[at] {
                at += 1;
                continue;
            }
            let first = at;
            while at < units.len() && covered[at] {
                at += 1;
            }
            ranges.push((units[first].start, units[at - 1].end));
        }
    }

    /// `text` with every run of 8 or more characters of any form of any credential replaced by
    /// `[redacted]`.
    pub fn clean(&self, text: &str) -> String {
        let mut ranges = Vec::new();
        self.found(text, false, &mut ranges);
        self.found(text, true, &mut ranges);
        if ranges.is_empty() {
            return text.to_owned();
        }
        ranges.sort_unstable();
        let mut out = String::with_capacity(text.len());
        // The end of the last range replaced: overlapping and touching ranges are one.
        let mut done: Option<usize> = None;
        for (start, end) in ranges {
            match done {
                Some(d) if start <= d => done = Some(d.max(end)),
                _ => {
                    out.push_str(&text[done.unwrap_or(0)..start]);
                    out.push_str("[redacted]");
                    done = Some(end);
                }
            }
        }
        out.push_str(&text[done.unwrap_or(0)..]);
        out
    }
}

#[cfg(test)]
mod tests;
