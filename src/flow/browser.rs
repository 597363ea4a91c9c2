//! Opening the authorize URL: `--browser CMD` (split as a POSIX shell would, no shell runs; the
//! URL appended or put where `{url}` stands), else `$BROWSER`, else the system opener;
//! `--no-browser` only prints it. An in-process user agent serves `demo` and the tests.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How the authorize URL reaches a browser.
#[derive(Clone)]
pub enum Opener {
    /// Print the URL only.
    PrintOnly,
    /// This command's words; the URL is appended, or replaces `{url}`.
    Command(Vec<String>),
    /// `$BROWSER` (read once, in config), else `xdg-open` / `open` / `rundll32
    /// url.dll,FileProtocolHandler`.
    System { browser_env: Option<String> },
    /// An HTTP user agent in this process that follows redirects (demo, tests).
    Agent(crate::https::Client),
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PrintOnly => f.write_str("PrintOnly"),
            Self::Command(w) => f.debug_tuple("Command").field(w).finish(),
            Self::System { .. } => f.write_str("System"),
            Self::Agent(_) => f.write_str("Agent"),
        }
    }
}

impl Opener {
    /// From `--browser`, `--no-browser` and the `$BROWSER` the configuration read.
    pub fn from_flags(
        browser: Option<&str>,
        no_browser: bool,
        browser_env: Option<String>,
    ) -> Result<Self, String> {
        match (browser, no_browser) {
            (_, true) => Ok(Self::PrintOnly),
            (Some(cmd), false) => split(cmd).map(Self::Command),
            (None, false) => Ok(Self::System { browser_env }),
        }
    }
}

fn split(cmd: &str) -> Result<Vec<String>, String> {
    let words = shell_words::split(cmd).map_err(|e| format!("--browser {cmd:?}: {e}"))?;
    if words.is_empty() {
        return Err("--browser is empty".into());
    }
    Ok(words)
}

/// The command line for `url`: `{url}` replaced, else appended.
pub fn command_line(words: &[String], url: &str) -> Vec<String> {
    if words.iter().any(|w| w.contains("{url}")) {
        words.iter().map(|w| w.replace("{url}", url)).collect()
    } else {
        words
            .iter()
            .cloned()
            .chain(std::iter::once(url.to_owned()))
            .collect()
    }
}

/// The system's way to open `url` on `os` (as `std::env::consts::OS` names it): `$BROWSER`
/// (`browser`) where set, else `open` (macOS), `rundll32 url.dll,FileProtocolHandler`
/// (Windows), `xdg-open` (elsewhere). The whole argument vector, the URL one argument of it.
///
/// No shell runs, on Windows either: `cmd /C start "" URL` hands the URL to cmd.exe, which cuts
/// it at its first `&` (every authorize URL has several) and runs the rest as commands.
pub fn system_command(os: &str, browser: Option<&str>, url: &str) -> Result<Vec<String>, String> {
    if let Some(b) = browser.filter(|b| !b.trim().is_empty()) {
        return Ok(command_line(&split(b)?, url));
    }
    let words: &[&str] = match os {
        "macos" => &["open"],
        "windows" => &["rundll32", "url.dll,FileProtocolHandler"],
        _ => &["xdg-open"],
    };
    Ok(words
        .iter()
        .map(|w| (*w).to_owned())
        .chain(std::iter::once(url.to_owned()))
        .collect())
}

/// A browser started for one flow; reaped when the flow ends.
pub struct Launched {
    child: Option<Child>,
    agent: Option<tokio::task::JoinHandle<()>>,
}

impl Launched {
    /// Gives a command browser up to `grace` to finish (headless Chromium writes its
    /// screenshot after the page loads). A browser that stays open is the user's: it is left
    /// running, never killed.
    pub fn finish(mut self, grace: Duration) {
        if let Some(mut c) = self.child.take() {
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        if let Some(a) = self.agent.take() {
            a.abort();
        }
    }
}

/// Opens `url`. `Err` says why no browser could be started (the URL is printed anyway).
pub fn open(opener: &Opener, url: &str) -> Result<Launched, String> {
    let mut launched = Launched {
        child: None,
        agent: None,
    };
    let line = match opener {
        Opener::PrintOnly => return Ok(launched),
        Opener::Agent(client) => {
            let (client, url) = (client.clone(), url.to_owned());
            launched.agent = Some(tokio::spawn(async move {
                // Follow redirects by hand, as a browser would, up to ten hops.
                let mut next = url;
                for _ in 0..10 {
                    let Ok(r) = client.get(&next).send().await else {
                        return;
                    };
                    let Some(loc) = r
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                    else {
                        let _ = r.bytes().await;
                        return;
                    };
                    let Ok(u) = r.url().join(loc) else { return };
                    next = u.to_string();
                }
            }));
            return Ok(launched);
        }
        Opener::Command(words) => command_line(words, url),
        Opener::System { browser_env } => {
            system_command(std::env::consts::OS, browser_env.as_deref(), url)?
        }
    };
    let child = Command::new(&line[0])
        .args(&line[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", line[0]))?;
    launched.child = Some(child);
    Ok(launched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_a_shell_and_take_the_url() {
        let o = Opener::from_flags(
            Some("curl -sSL --cacert 'my ca.pem' -o /dev/null"),
            false,
            None,
        )
        .unwrap();
        let Opener::Command(w) = o else { panic!() };
        assert_eq!(
            command_line(&w, "https://x/?a=1&b=2").last().unwrap(),
            "https://x/?a=1&b=2"
        );
        assert_eq!(w[3], "my ca.pem");
        let w = split("firefox --new-window {url} --private").unwrap();
        assert_eq!(
            command_line(&w, "U"),
            ["firefox", "--new-window", "U", "--private"]
        );
        assert!(Opener::from_flags(Some("'unclosed"), false, None).is_err());
        assert!(matches!(
            Opener::from_flags(Some("x"), true, None),
            Ok(Opener::PrintOnly)
        ));
    }

    /// Regression: on Windows the URL went through `cmd /C start`, which ends a command at
    /// `&`: the browser got `...authorize?client_id=...` and cmd.exe ran `response_type=code`.
    #[test]
    fn the_system_opener_gets_the_whole_url_as_one_argument_and_no_shell() {
        let url = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&response_type=code&scope=openid%20User.Read";
        for (os, want) in [
            (
                "windows",
                &["rundll32", "url.dll,FileProtocolHandler", url][..],
            ),
            ("macos", &["open", url][..]),
            ("linux", &["xdg-open", url][..]),
            ("freebsd", &["xdg-open", url][..]),
        ] {
            let argv = system_command(os, None, url).unwrap();
            assert_eq!(argv, want, "{os}");
            assert!(
                !argv.iter().any(|w| w.eq_ignore_ascii_case("cmd")
                    || w.eq_ignore_ascii_case("cmd.exe")
                    || w.eq_ignore_ascii_case("start")),
                "{os}: {argv:?}"
            );
            // A blank $BROWSER is no browser.
            assert_eq!(system_command(os, Some("  "), url).unwrap(), want, "{os}");
        }
        assert_eq!(
            system_command("windows", Some("firefox -P work {url}"), url).unwrap(),
            ["firefox", "-P", "work", url]
        );
        assert_eq!(
            system_command("linux", Some("w3m"), url).unwrap(),
            ["w3m", url]
        );
        assert!(system_command("linux", Some("'unclosed"), url).is_err());
    }
}
