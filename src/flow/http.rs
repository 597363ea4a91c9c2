//! The HTTP client of the live flow: rustls (ring) with Mozilla's roots plus `--ca-cert`, no
//! redirects followed (SSRF, and so the tool sees Entra's redirects), bounded answers, and
//! transport failures sorted into one-line reasons.

use super::FlowError;
use bytes::Bytes;
use std::time::Duration;

/// Answers larger than this are cut off: nothing Entra or Graph sends comes close.
const MAX_BODY: usize = 4 << 20;

/// An HTTP answer, read whole.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) content_type: String,
    pub(crate) body: Bytes,
}

impl Answer {
    /// The body as text (lossy).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, if it is JSON.
    pub(crate) fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first meaningful line of the body, for error messages (markup stripped, 160 chars).
    pub(crate) fn first_line(&self) -> String {
        let text = self.text();
        let title = text
            .find("<title>")
            .and_then(|i| text[i + 7..].split("</title>").next())
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let line = title.unwrap_or_else(|| {
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("(empty body)")
        });
        line.chars().take(160).collect()
    }
}

/// Builds the client. `ca_pem` is an extra trust root (the emulator's CA).
pub fn client(ca_pem: Option<&[u8]>, timeout: Duration) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("oauth-preflight/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| format!("--ca-cert is not a PEM certificate: {e}"))?;
        if certs.is_empty() {
            return Err("--ca-cert holds no PEM certificate".into());
        }
        for cert in certs {
            b = b.add_root_certificate(cert);
        }
    }
    b.build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Describes a transport error in one line: unreachable, TLS, or timed out.
pub(crate) fn transport_error(url: &str, e: &reqwest::Error) -> FlowError {
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        chain.push(' ');
        source = s.source();
    }
    let lower = chain.to_ascii_lowercase();
    let host = reqwest::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_owned());
    if e.is_timeout() {
        FlowError::Incomplete(format!("{host} did not answer in time"))
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        let why = [
            "unknown issuer",
            "expired",
            "not valid for name",
            "bad certificate",
        ]
        .into_iter()
        .find(|w| lower.contains(&w.replace(' ', "")) || lower.contains(w))
        .unwrap_or("the handshake failed");
        FlowError::Incomplete(format!(
            "TLS failure talking to {host}: {why} (pass --ca-cert for a private CA)"
        ))
    } else {
        FlowError::Incomplete(format!("cannot reach {host}: {}", last_cause(e)))
    }
}

fn last_cause(e: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

/// Sends a request and reads the answer (bounded).
pub(crate) async fn send(req: reqwest::RequestBuilder, url: &str) -> Result<Answer, FlowError> {
    let mut resp = req.send().await.map_err(|e| transport_error(url, &e))?;
    let status = resp.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header(reqwest::header::LOCATION);
    let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(url, &e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(FlowError::Incomplete(format!(
                "{url} answered with more than {} MiB",
                MAX_BODY >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        location,
        content_type,
        body: Bytes::from(body),
    })
}
