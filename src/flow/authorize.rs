//! The authorization request: its secrets (state, nonce, PKCE), its URL, the probe that turns
//! Entra's error pages into findings instead of a wait, and the wait for the browser's redirect
//! (one-shot callback, or paste-back).

use super::discovery::Discovered;
use super::evidence::Authorize;
use super::{Console, FlowConfig, FlowError, browser, callback};
use crate::entra::aadsts;
use crate::https;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge};
use std::time::{Duration, Instant};

/// The query parameters of a URL.
pub(super) fn query_of(url: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

pub(super) fn get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// Requests `url` without following redirects: straight back to `redirect` (with the query it
/// carries), an error page with its AADSTS code, or a sign-in page.
pub(super) async fn probe_authorize(
    http: &https::Client,
    url: &str,
    redirect: &str,
) -> Result<(Authorize, Option<Vec<(String, String)>>), FlowError> {
    let a = http
        .send(http.get(url).header("accept", "text/html"), url)
        .await?;
    if let Some(loc) = a
        .location
        .as_deref()
        .filter(|_| (300..400).contains(&a.status))
    {
        if loc.starts_with(redirect) {
            return Ok((Authorize::Back, Some(query_of(loc))));
        }
        return Ok((Authorize::SignIn, None));
    }
    let text = a.text();
    if let Some(code) = aadsts::find_code(&text) {
        let line = text
            .find(&format!("AADSTS{code}"))
            .map(|i| {
                // Error pages carry the message in markup, or in a script's JSON string.
                let line = text[i..].split(['<', '\n']).next().unwrap_or_default();
                line.trim()
                    .trim_end_matches(['"', '}', ';', ','])
                    .trim()
                    .to_owned()
            })
            .unwrap_or_default();
        return Ok((Authorize::Page { code, line }, None));
    }
    if a.status >= 400 {
        return Err(FlowError::Incomplete(format!(
            "the authorize endpoint answered HTTP {}: {}",
            a.status,
            a.first_line()
        )));
    }
    Ok((Authorize::SignIn, None))
}

/// One authorization request: its secrets and its URL.
pub(super) struct Request {
    pub(super) state: CsrfToken,
    pub(super) nonce: Nonce,
    pub(super) verifier: openidconnect::PkceCodeVerifier,
    challenge: PkceCodeChallenge,
}

impl Request {
    pub(super) fn new() -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        Self {
            state: CsrfToken::new_random(),
            nonce: Nonce::new_random(),
            verifier,
            challenge,
        }
    }

    pub(super) fn url(&self, d: &Discovered, cfg: &FlowConfig, redirect_uri: &str) -> String {
        let mut params = vec![
            ("client_id", cfg.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", redirect_uri),
            ("response_mode", "query"),
            ("state", self.state.secret()),
            ("nonce", self.nonce.secret()),
            ("code_challenge", self.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        let scope = cfg.scopes.join(" ");
        params.push(("scope", &scope));
        if let Some(h) = &cfg.login_hint {
            params.push(("login_hint", h));
        }
        if cfg.select_account || (cfg.login_hint.is_none() && cfg.mode == crate::mode::Mode::Run) {
            // Let the person pick the account to test, rather than the browser's signed-in one
            // (every further sign-in of --accounts: DESIGN.md §8.4).
            params.push(("prompt", "select_account"));
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}{query}", d.authorization_endpoint)
    }
}

/// Opens the browser (or asks for the pasted address) and waits for the redirect.
pub(super) async fn wait_for_browser(
    cfg: &FlowConfig,
    console: &mut dyn Console,
    url: &str,
    server: &mut Option<callback::Callback>,
) -> Result<Option<Vec<(String, String)>>, FlowError> {
    // Listen for Ctrl-C before anyone can press it: it ends the wait cleanly (exit 3).
    let mut interrupt = crate::signals::Stop::register();
    console.say(&format!("Open this address to sign in:\n\n  {url}\n"));
    let launched = match browser::open(&cfg.opener, url) {
        Ok(l) => Some(l),
        Err(why) => {
            console.say(&format!(
                "(could not open a browser: {why}; open the address yourself)"
            ));
            None
        }
    };
    let Some(cb) = server.as_mut() else {
        // Paste-back: the redirect lands on a page we do not serve (idp.ngrok.com shows an
        // error there, expected: the code is unused).
        console.say(&format!(
            "After signing in, the browser lands on {}; ngrok shows an error there, which is expected.\nPaste the whole address from the address bar here and press Enter:",
            cfg.redirect_uri
        ));
        let line = console
            .read_line()
            .ok_or_else(|| FlowError::Incomplete("no address was pasted".into()))?;
        if let Some(l) = launched {
            l.finish(Duration::ZERO);
        }
        return pasted(&line, &cfg.redirect_uri).map(Some);
    };
    let deadline = Instant::now() + cfg.wait;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let shot = loop {
        tokio::select! {
            shot = cb.shot() => break shot,
            _ = tokio::time::sleep_until(deadline.into()) => {
                if let Some(l) = launched { l.finish(Duration::ZERO); }
                return Err(FlowError::Incomplete(format!(
                    "no sign-in came back within {} s (--timeout); was the address opened?", cfg.wait.as_secs())));
            }
            () = interrupt.recv() => {
                if let Some(l) = launched { l.finish(Duration::ZERO); }
                return Err(FlowError::Incomplete("interrupted".into()));
            }
            _ = tick.tick() => if console.interactive() {
                console.waiting(deadline.saturating_duration_since(Instant::now()));
            },
        }
    };
    // The browser's page waits for the verdict: the browser gets its grace once the tab has it
    // (`callback::Tab`), not now.
    cb.launched = launched;
    Ok(shot)
}

/// The longest address a person may paste back (the code makes it about 2 KB).
pub const MAX_PASTE: usize = 64 << 10;

/// The query of the pasted address, which must be the redirect URI's: same scheme, host, port
/// and path. Nothing of the paste is echoed in an error: it may hold the code.
fn pasted(line: &str, redirect: &reqwest::Url) -> Result<Vec<(String, String)>, FlowError> {
    let refuse = |why: &str| {
        FlowError::Usage(format!(
            "the pasted text {why}: paste the whole address from the browser's address bar"
        ))
    };
    if line.len() > MAX_PASTE {
        return Err(refuse(&format!("is longer than {} KiB", MAX_PASTE >> 10)));
    }
    let Ok(url) = reqwest::Url::parse(line.trim()) else {
        return Err(refuse("is not an address"));
    };
    let same = url.scheme() == redirect.scheme()
        && url.host_str() == redirect.host_str()
        && url.port_or_known_default() == redirect.port_or_known_default()
        && url.path() == redirect.path();
    if !same {
        return Err(refuse(&format!(
            "is not an address on the redirect URI {redirect}"
        )));
    }
    let q = query_of(url.as_str());
    if q.is_empty() {
        return Err(refuse("carries no code and no error"));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ngrok() -> reqwest::Url {
        reqwest::Url::parse("https://idp.ngrok.com/oauth2/callback").unwrap()
    }

    #[test]
    fn a_paste_must_be_the_redirect_uri_and_is_never_echoed() {
        let q = pasted(
            "https://idp.ngrok.com/oauth2/callback?code=abc&state=s\n",
            &ngrok(),
        )
        .unwrap();
        assert_eq!(get(&q, "code"), Some("abc"));
        for bad in [
            "code=0.AAAA-secretcode",
            "https://evil.example/oauth2/callback?code=0.AAAA-secretcode&state=s",
            "https://idp.ngrok.com/other?code=0.AAAA-secretcode&state=s",
            "https://idp.ngrok.com/oauth2/callback",
        ] {
            let e = pasted(bad, &ngrok()).unwrap_err().to_string();
            assert!(!e.contains("0.AAAA"), "{e}");
        }
    }

    proptest! {
        #[test]
        fn any_paste_is_an_answer_or_a_one_line_refusal(text in ".{0,300}") {
            match pasted(&text, &ngrok()) {
                Ok(q) => prop_assert!(!q.is_empty()),
                Err(e) => {
                    let e = e.to_string();
                    prop_assert!(!e.contains('\n'));
                    let t = text.trim();
                    let harmless = t.len() < 8 || ngrok().as_str().contains(t) || "the pasted text".contains(t);
                    prop_assert!(harmless || !e.contains(t), "{e}");
                }
            }
        }
    }
}
