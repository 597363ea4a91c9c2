//! The binary as a child that prints an authorize URL and waits for the sign-in, and a user
//! agent that follows redirects as a browser does: what `run_cli` and `verdict_tab` share.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `cmd` (the binary, or a shell that execs it, its arguments and environment already
/// set) in the repository with piped standard streams; returns it with the authorize URL it
/// printed on stderr. Stderr keeps being read, as a terminal would.
#[allow(clippy::zombie_processes)] // the caller waits for the child it is handed
pub(crate) fn spawn_for_url(mut cmd: Command) -> (Child, String) {
    let mut child = cmd
        .current_dir(super::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "no URL printed");
        if let Some(u) = line
            .split_whitespace()
            .find(|w| w.starts_with("https://127.0.0.1"))
        {
            std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
            return (child, u.to_owned());
        }
    }
}

/// Follows `url`'s redirects as a browser would; the last answer's headers and page.
pub(crate) async fn browse(
    http: &reqwest::Client,
    url: &str,
) -> (reqwest::header::HeaderMap, String) {
    let mut next = url.to_owned();
    loop {
        let r = http.get(&next).send().await.unwrap();
        match r.headers().get("location") {
            Some(l) => next = l.to_str().unwrap().to_owned(),
            None => {
                let headers = r.headers().clone();
                return (headers, r.text().await.unwrap());
            }
        }
    }
}

/// Where Entra would send the browser back after the person declined: the authorize URL's
/// `redirect_uri` with its `state`, `error=access_denied` and `description`.
pub(crate) fn declined(authorize: &str, description: &str) -> reqwest::Url {
    let url = reqwest::Url::parse(authorize).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .unwrap()
            .1
            .into_owned()
    };
    let mut back = reqwest::Url::parse(&get("redirect_uri")).unwrap();
    back.query_pairs_mut()
        .append_pair("state", &get("state"))
        .append_pair("error", "access_denied")
        .append_pair("error_description", description);
    back
}
