//! The `explain` command: what an AADSTS code means for ngrok's sign-in, for bare codes or a
//! pasted error text. The meaning, where Entra answers it, and the check that owns it come from
//! the catalog (`entra::aadsts`) through the same owner rule live judging uses
//! ([`checks::code_owner`]); a redirect URI or a scope the pasted text quotes is named in the
//! fix, so the user is told to register *their* URI, not ngrok's.

use crate::checks::{self, CheckId};
use crate::entra::{self, aadsts, aadsts::Aadsts};
use crate::error::Error;
use crate::exit::Exit;
use crate::flow::evidence::RedirectRole;
use crate::report::Format;
use std::io::Write;

/// `explain`: every code in the arguments (bare codes, or a pasted error text), human text or
/// JSON (one object per line, one line per code).
pub fn run(what: &[String], format: Format) -> Result<Exit, Error> {
    if !matches!(format, Format::Human | Format::Json) {
        return Err(Error::Usage(format!(
            "explain prints human or json, not {}",
            format.as_str()
        )));
    }
    let text = what.join(" ");
    let codes = aadsts::find_codes(&text);
    if codes.is_empty() {
        return Err(Error::Usage(format!(
            "no AADSTS code in {:?}: give a code like 50011 or AADSTS50011",
            text.chars().take(60).collect::<String>()
        )));
    }
    let named = Named::in_text(&text);
    let mut out = String::new();
    for (i, &code) in codes.iter().enumerate() {
        let explained = aadsts::lookup(code).map(|a| Explained::new(a, &named));
        if format == Format::Json {
            out.push_str(&json(code, explained.as_ref()).to_string());
            out.push('\n');
        } else {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&human(code, explained.as_ref()));
        }
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // `| head` closed the pipe: the reader has what it wanted.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::from(crate::report::OutputError::Write {
                path: "standard output".into(),
                source: e,
            }))
        }
        _ => Ok(Exit::Ok),
    }
}

/// What a pasted error text names beside its codes.
#[derive(Debug, Default, PartialEq, Eq)]
struct Named {
    /// The redirect URI Entra quoted (AADSTS50011), or a pasted authorize URL's `redirect_uri`.
    redirect_uri: Option<String>,
    /// The scope Entra quoted (AADSTS70011, 28000), or a Graph permission named in the text.
    scope: Option<String>,
}

impl Named {
    fn in_text(text: &str) -> Self {
        Self {
            redirect_uri: redirect_uri_in(text),
            scope: scope_in(text),
        }
    }
}

/// The redirect URI an error text quotes: "The redirect URI '…' specified in the request does
/// not match…" (AADSTS50011; older texts say reply URL or reply address), else the
/// `redirect_uri` parameter of a pasted authorize URL, decoded.
fn redirect_uri_in(text: &str) -> Option<String> {
    // ASCII lowercasing keeps byte offsets: indexes into `lower` are indexes into `text`.
    let lower = text.to_ascii_lowercase();
    for marker in ["redirect uri '", "reply url '", "reply address '"] {
        if let Some(i) = lower.find(marker) {
            let rest = &text[i + marker.len()..];
            if let Some(uri) = rest.split('\'').next().map(str::trim)
                && !uri.is_empty()
                && rest.contains('\'')
            {
                return Some(uri.to_owned());
            }
        }
    }
    let i = lower.find("redirect_uri=")?;
    let raw = text[i + "redirect_uri=".len()..]
        .split(|c: char| c == '&' || c.is_whitespace())
        .next()?;
    let pair = format!("u={raw}");
    let (_, uri) = form_urlencoded::parse(pair.as_bytes()).next()?;
    (!uri.is_empty()).then(|| uri.into_owned())
}

/// The scope an error text names: "The scope 'X' does not exist", "The scope X is not valid"
/// (AADSTS70011, 28000), else the first Microsoft Graph permission named anywhere in it
/// ("… requests Directory.Read.All, which …").
fn scope_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("scope ") {
        let start = from + i + "scope ".len();
        from = start;
        let rest = &text[start..];
        let found = match rest.strip_prefix('\'') {
            Some(quoted) => quoted.split_once('\'').map(|(s, _)| s),
            None => ["is not valid", "does not exist", "is not configured"]
                .iter()
                .filter_map(|end| lower[start..].find(end))
                .min()
                .map(|end| &rest[..end]),
        };
        // A sentence or more in between is not a scope list.
        if let Some(s) = found.map(str::trim)
            && !s.is_empty()
            && s.len() <= 400
            && !s.contains(". ")
            && !s.contains(['\r', '\n'])
        {
            return Some(s.to_owned());
        }
    }
    text.split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ',' | ';' | '(' | ')'))
        .map(|w| w.trim_end_matches(['.', ':']))
        .find(|w| w.contains('.') && entra::graph_scope_by_name(w).is_some())
        .map(str::to_owned)
}

/// A catalog code as `explain` shows it, after what the pasted text named.
struct Explained {
    entry: &'static Aadsts,
    /// The check that owns it (for a bare redirect code: as ngrok sees it).
    owner: Option<CheckId>,
    /// The redirect URI in play, when the code is about one and the text quoted it.
    redirect_uri: Option<String>,
    /// The scope the text named, when the code is about scopes.
    scope: Option<String>,
    causes: String,
    fix: String,
}

impl Explained {
    fn new(entry: &'static Aadsts, named: &Named) -> Self {
        let about_redirect = checks::code_owner(entry, RedirectRole::Ngrok)
            != checks::code_owner(entry, RedirectRole::Local);
        let redirect_uri = named.redirect_uri.clone().filter(|_| about_redirect);
        let role = redirect_uri
            .as_deref()
            .map_or(RedirectRole::Ngrok, RedirectRole::of);
        let owner = checks::code_owner(entry, role);
        let scope = named
            .scope
            .clone()
            .filter(|_| owner.is_some_and(|id| id.as_str().starts_with("scopes.")));
        let (causes, fix) = match (&redirect_uri, &scope) {
            (Some(uri), _) => (
                entry.causes.replace(entra::NGROK_CALLBACK, uri),
                checks::redirect_fix(entry, uri),
            ),
            (None, Some(scope)) => (
                entry.causes.to_owned(),
                format!("For the scope '{scope}' named in the text: {}", entry.fix),
            ),
            (None, None) => (entry.causes.to_owned(), entry.fix.to_owned()),
        };
        Self {
            entry,
            owner,
            redirect_uri,
            scope,
            causes,
            fix,
        }
    }

    /// `redirect.local`, when the code is about the redirect URI and the text did not say which
    /// one: ngrok's view is shown, the local callback's check named beside it.
    fn local_owner(&self) -> Option<CheckId> {
        let local = checks::code_owner(self.entry, RedirectRole::Local);
        (self.redirect_uri.is_none() && local != self.owner)
            .then_some(local)
            .flatten()
    }

    fn check(&self) -> &'static str {
        self.owner.map_or(self.entry.check, CheckId::as_str)
    }
}

fn json(code: u32, e: Option<&Explained>) -> serde_json::Value {
    let Some(e) = e else {
        return serde_json::json!({"code": code, "known": false, "lookup": aadsts::lookup_url(code)});
    };
    let mut v = serde_json::json!({"code": code, "known": true, "meaning": e.entry.meaning,
        "check": e.check(), "check_requirement": e.owner.map(CheckId::requirement),
        "kind": e.entry.kind.as_str(), "causes": e.causes, "fix": e.fix,
        "docs": e.owner.map(CheckId::docs), "lookup": aadsts::lookup_url(code)});
    let extra = [
        (
            "local_check",
            e.local_owner().map(|id| id.as_str().to_owned()),
        ),
        ("redirect_uri", e.redirect_uri.clone()),
        ("scope", e.scope.clone()),
    ];
    for (key, value) in extra {
        if let Some(value) = value {
            v[key] = value.into();
        }
    }
    v
}

fn human(code: u32, e: Option<&Explained>) -> String {
    let Some(e) = e else {
        return format!(
            "AADSTS{code} is not in oauth-preflight's catalog of codes that break ngrok's sign-in.\nMicrosoft's lookup: {}\n",
            aadsts::lookup_url(code)
        );
    };
    let mut check = format!(
        "{} ({})",
        e.check(),
        e.owner.map_or("", CheckId::requirement)
    );
    if let Some(uri) = &e.redirect_uri {
        check.push_str(&format!(", for the redirect URI {uri} in the text"));
    }
    if let Some(local) = e.local_owner() {
        check.push_str(&format!(
            "; {local} instead when the redirect URI is a local callback (as run's http://localhost one)"
        ));
    }
    format!(
        "AADSTS{code}: {}\n\ncheck:   {check}\nwhere:   {}\ncauses:  {}\nfix:     {}\ndocs:    {}\nlookup:  {}\n",
        e.entry.meaning,
        e.entry.kind.describe(),
        e.causes,
        e.fix,
        e.owner.map_or("", CheckId::docs),
        aadsts::lookup_url(code)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASTED_50011: &str = "AADSTS50011: The redirect URI 'http://localhost:8765/oauth2/callback' specified in the request does not match the redirect URIs configured for the application '0000000a-1111-4000-8000-00000000000a'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.";

    #[test]
    fn the_redirect_uri_and_scope_a_text_quotes_are_found() {
        assert_eq!(
            redirect_uri_in(PASTED_50011).as_deref(),
            Some("http://localhost:8765/oauth2/callback")
        );
        assert_eq!(
            redirect_uri_in("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&redirect_uri=https%3A%2F%2Fidp.ngrok.com%2Foauth2%2Fcallback&scope=openid").as_deref(),
            Some(entra::NGROK_CALLBACK)
        );
        assert_eq!(redirect_uri_in("AADSTS50011"), None);
        assert_eq!(
            scope_in("AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope 'offline_access Files.Read' does not exist.").as_deref(),
            Some("offline_access Files.Read")
        );
        assert_eq!(
            scope_in("AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope openid profile api://x/read is not valid. The scope format is invalid.").as_deref(),
            Some("openid profile api://x/read")
        );
        assert_eq!(
            scope_in("AADSTS90094: The grant requires admin permission. App 'x'(y) requests Directory.Read.All, which an administrator must consent to.").as_deref(),
            Some("Directory.Read.All")
        );
        assert_eq!(
            scope_in("AADSTS70011: The scope '' is not configured for this tenant."),
            None
        );
        assert_eq!(
            scope_in(
                "AADSTS65001: The user or administrator has not consented to use the application with ID 'x' named 'y'. Send an interactive authorization request for this user and resource."
            ),
            None
        );
    }

    /// `explain` of a pasted AADSTS50011 named ngrok's callback in its fix whatever URI the
    /// text quoted (the end-to-end test is in tests/it/verdicts.rs).
    #[test]
    fn the_fix_of_a_pasted_50011_names_the_quoted_uri() {
        let e = Explained::new(
            aadsts::lookup(50011).unwrap(),
            &Named::in_text(PASTED_50011),
        );
        assert_eq!(e.check(), "redirect.local");
        assert!(
            e.fix.contains("add http://localhost:8765/oauth2/callback"),
            "{}",
            e.fix
        );
        assert!(!e.fix.contains("add https://idp.ngrok.com"), "{}", e.fix);
        assert!(e.causes.contains("http://localhost:8765/oauth2/callback"));
        let v = json(50011, Some(&e));
        assert_eq!(v["redirect_uri"], "http://localhost:8765/oauth2/callback");
        assert!(v.get("local_check").is_none());
    }

    #[test]
    fn a_bare_redirect_code_is_redirect_ngrok_and_names_redirect_local() {
        let e = Explained::new(aadsts::lookup(9002327).unwrap(), &Named::default());
        assert_eq!(e.check(), "redirect.ngrok");
        assert_eq!(e.local_owner(), Some(CheckId::RedirectLocal));
        assert!(e.fix.contains(entra::NGROK_CALLBACK), "{}", e.fix);
        let v = json(9002327, Some(&e));
        assert_eq!(
            (&v["check"], &v["kind"], &v["local_check"]),
            (
                &"redirect.ngrok".into(),
                &"token_endpoint".into(),
                &"redirect.local".into()
            )
        );
        let text = human(9002327, Some(&e));
        assert!(text.contains("check:   redirect.ngrok ("), "{text}");
        assert!(text.contains("redirect.local instead"), "{text}");
        // A code that is not about the redirect URI has one owner and no local one.
        let secret = Explained::new(aadsts::lookup(7000215).unwrap(), &Named::default());
        assert_eq!(
            (secret.check(), secret.local_owner()),
            ("secret.valid", None)
        );
    }

    #[test]
    fn a_scope_in_the_text_is_named_in_the_fix_of_a_scope_code_only() {
        let named = Named::in_text(
            "AADSTS90094: The grant requires admin permission. App 'x'(y) requests User.Read.All, which an administrator must consent to.",
        );
        let e = Explained::new(aadsts::lookup(90094).unwrap(), &named);
        assert!(e.fix.contains("'User.Read.All'"), "{}", e.fix);
        assert_eq!(json(90094, Some(&e))["scope"], "User.Read.All");
        let other = Explained::new(aadsts::lookup(7000215).unwrap(), &named);
        assert!(!other.fix.contains("User.Read.All"));
    }
}
