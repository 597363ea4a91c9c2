//! The one HTTPS client of the tool (the live flow and `lint --from-graph` alike): rustls with
//! the process's crypto provider, Mozilla's roots plus `--ca-cert`, no redirect followed (a
//! bearer token or a secret would go along, and the flow must see Entra's redirects itself),
//! answers read with a bound, and transport failures sorted into typed, one-line reasons.
//! A leaf: it imports nothing of ours.

use bytes::Bytes;
use std::time::Duration;

/// Answers larger than this are cut off: nothing Entra or Graph sends comes close.
pub const MAX_BODY: usize = 4 << 20;

/// Why the client could not be built. A bad `--ca-cert` is the user's input (exit 2); the rest
/// is the machine's (exit 3): `error::Error::exit` decides.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("--ca-cert is not a PEM certificate: {0}")]
    NotPem(String),
    #[error("--ca-cert holds no PEM certificate")]
    NoCertificate,
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// Why a request got no (whole) answer. Every variant is a run that could not complete
/// (exit 3). Texts name the host or the URL we built and the transport's own cause, never a
/// header or a body we sent.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Said both ways, as people search for either.
    #[error("{host} did not answer in time (timed out after {secs} s)")]
    TimedOut { host: String, secs: u64 },
    #[error("TLS failure talking to {host}: {why} (pass --ca-cert for a private CA)")]
    Tls { host: String, why: &'static str },
    #[error("cannot reach {host}: {cause}")]
    Unreachable { host: String, cause: String },
    #[error("{url} answered with more than {} MiB", MAX_BODY >> 20)]
    TooLarge { url: String },
}

/// The client and the time-out it was built with (so that a time-out can say how long).
/// Dereferences to [`reqwest::Client`] to build requests.
#[derive(Debug, Clone)]
pub struct Client {
    inner: reqwest::Client,
    timeout: Duration,
}

impl std::ops::Deref for Client {
    type Target = reqwest::Client;
    fn deref(&self) -> &reqwest::Client {
        &self.inner
    }
}

/// An HTTP answer, read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub body: Bytes,
}

impl Answer {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first meaningful line of the body, for error messages (markup stripped, 160 chars).
    pub fn first_line(&self) -> String {
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

/// Builds the client. `ca_pem` is an extra trust root (the emulator's CA, `--ca-cert`).
pub fn client(ca_pem: Option<&[u8]>, timeout: Duration) -> Result<Client, ClientError> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("oauth-preflight/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| ClientError::NotPem(e.to_string()))?;
        if certs.is_empty() {
            return Err(ClientError::NoCertificate);
        }
        for cert in certs {
            b = b.add_root_certificate(cert);
        }
    }
    let inner = b.build().map_err(|e| ClientError::Build(e.to_string()))?;
    Ok(Client { inner, timeout })
}

impl Client {
    /// Sends a request built from this client and reads the answer, at most [`MAX_BODY`].
    /// `url` is the address requested, for messages.
    pub async fn send(&self, req: reqwest::RequestBuilder, url: &str) -> Result<Answer, HttpError> {
        let mut resp = req
            .send()
            .await
            .map_err(|e| self.transport_error(url, &e))?;
        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let location = header(reqwest::header::LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.transport_error(url, &e))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(HttpError::TooLarge { url: url.into() });
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

    /// Sorts a transport error into unreachable, TLS, or timed out (a stalled body is a
    /// time-out, not reqwest's "error decoding response body").
    fn transport_error(&self, url: &str, e: &reqwest::Error) -> HttpError {
        let mut chain = String::new();
        let mut source: Option<&dyn std::error::Error> = Some(e);
        let mut last = String::new();
        while let Some(s) = source {
            last = s.to_string();
            chain.push_str(&last);
            chain.push(' ');
            source = s.source();
        }
        let lower = chain.to_ascii_lowercase();
        let host = reqwest::Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| url.to_owned());
        if e.is_timeout() || lower.contains("timed out") {
            HttpError::TimedOut {
                host,
                secs: self.timeout.as_secs(),
            }
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
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
            HttpError::Tls { host, why }
        } else {
            HttpError::Unreachable { host, cause: last }
        }
    }
}
