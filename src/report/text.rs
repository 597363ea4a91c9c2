//! Untrusted text made inert where it is printed. Registration fields (`displayName`), file
//! names, policy fields and servers' texts may hold control characters: on a terminal they
//! start escape sequences that rewrite the screen or the title; in a CI log a line break lets
//! them start a line of their own, which GitHub Actions runs as a workflow command (`::add-mask::`,
//! `::error::`, `::stop-commands::`), from stdout and stderr alike (NGROK.md §6.1).

use std::borrow::Cow;

/// `text` with every control character for which `escape` holds shown as `\u{..}`.
fn shown(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` on one line and safe for a terminal: every control character (C0 with CR, LF and
/// TAB, DEL, C1) is shown as `\u{..}`, never sent raw.
pub fn one_line(text: &str) -> Cow<'_, str> {
    shown(text, char::is_control)
}

/// As [`one_line`], but CR and LF are left for the caller, whose format escapes them its own
/// way (GitHub's `%0D`/`%0A`, a space in a Markdown cell).
pub(super) fn controls_but_breaks(text: &str) -> Cow<'_, str> {
    shown(text, |c| c.is_control() && c != '\r' && c != '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        assert_eq!(one_line("plain"), "plain");
        assert_eq!(
            one_line("app\u{1b}]0;pwned\u{7}\u{9b}2J\r\n"),
            "app\\u{1b}]0;pwned\\u{7}\\u{9b}2J\\u{d}\\u{a}"
        );
        assert_eq!(
            controls_but_breaks("a\0b\u{1}\u{8}\u{b}\u{1b}\u{7}\r\nc"),
            "a\\u{0}b\\u{1}\\u{8}\\u{b}\\u{1b}\\u{7}\r\nc"
        );
    }
}
