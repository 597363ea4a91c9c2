//! Hostile or canned stand-ins for Entra and Graph on loopback: an https server with a
//! throw-away CA (the flow sends credentials only over https), answering with a closure; and a
//! plain TCP listener that only counts what reaches it.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A request as the handler sees it.
pub(crate) struct Req {
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: String,
}

impl Req {
    /// A query parameter.
    pub(crate) fn param(&self, name: &str) -> String {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }
}

/// The answer: status, content type, body, and a `Location` where there is one.
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
    pub(crate) location: Option<String>,
}

impl Resp {
    pub(crate) fn json(status: u16, v: serde_json::Value) -> Self {
        Self::new(status, "application/json", v.to_string())
    }

    pub(crate) fn new(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            location: None,
        }
    }

    pub(crate) fn redirect(to: String) -> Self {
        Self {
            location: Some(to),
            ..Self::new(302, "text/html", "")
        }
    }
}

/// A running stand-in.
pub(crate) struct StandIn {
    /// `https://127.0.0.1:PORT`.
    pub(crate) base: String,
    pub(crate) ca_pem: String,
    /// The CA in a file, for `--ca-cert`.
    pub(crate) ca_file: tempfile::NamedTempFile,
}

impl StandIn {
    /// The flow's HTTP client, trusting this stand-in's CA.
    pub(crate) fn client(&self) -> oauth_preflight::https::Client {
        oauth_preflight::https::client(
            Some(self.ca_pem.as_bytes()),
            std::time::Duration::from_secs(5),
        )
        .unwrap()
    }

    pub(crate) fn ca_path(&self) -> String {
        self.ca_file.path().to_str().unwrap().to_owned()
    }
}

/// A fresh CA and a leaf for 127.0.0.1 signed by it: the TLS acceptor and the CA's PEM.
fn tls() -> (tokio_rustls::TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    (
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_cert.pem(),
    )
}

/// Serves `handler` over https on loopback; it is given the base URL and the request.
pub(crate) async fn serve<F>(handler: F) -> StandIn
where
    F: Fn(&str, Req) -> Resp + Send + Sync + 'static,
{
    super::install_crypto();
    let (acceptor, ca_pem) = tls();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let handler = Arc::new(handler);
    let b = base.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, handler, b) = (acceptor.clone(), handler.clone(), b.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (handler, b) = (handler.clone(), b.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let req = Req {
                            path: parts.uri.path().to_owned(),
                            query: parts.uri.query().unwrap_or_default().to_owned(),
                            headers: parts.headers,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        };
                        let resp = handler(&b, req);
                        let mut r = hyper::Response::new(Full::new(Bytes::from(resp.body)));
                        *r.status_mut() = hyper::StatusCode::from_u16(resp.status).unwrap();
                        r.headers_mut()
                            .insert("content-type", resp.content_type.parse().unwrap());
                        if let Some(l) = resp.location {
                            r.headers_mut().insert("location", l.parse().unwrap());
                        }
                        Ok::<_, Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    let ca_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca_file.path(), &ca_pem).unwrap();
    StandIn {
        base,
        ca_pem,
        ca_file,
    }
}

/// A stand-in on a runtime of its own, for tests that run the binary.
pub(crate) fn background<F>(handler: F) -> (tokio::runtime::Runtime, StandIn)
where
    F: Fn(&str, Req) -> Resp + Send + Sync + 'static,
{
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = rt.block_on(serve(handler));
    (rt, s)
}

/// A plain TCP listener that answers nothing and counts the connections and bytes it gets.
pub(crate) struct Sink {
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
    pub(crate) connections: Arc<AtomicUsize>,
    pub(crate) bytes: Arc<AtomicUsize>,
}

impl Sink {
    /// (connections, bytes) so far.
    pub(crate) fn seen(&self) -> (usize, usize) {
        (
            self.connections.load(Ordering::SeqCst),
            self.bytes.load(Ordering::SeqCst),
        )
    }
}

pub(crate) async fn sink() -> Sink {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let connections = Arc::new(AtomicUsize::new(0));
    let bytes = Arc::new(AtomicUsize::new(0));
    let (c, b) = (connections.clone(), bytes.clone());
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let b = b.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = tcp.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    b.fetch_add(n, Ordering::SeqCst);
                }
            });
        }
    });
    Sink {
        addr,
        connections,
        bytes,
    }
}
