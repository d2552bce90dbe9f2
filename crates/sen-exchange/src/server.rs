//! The receiving side: an HTTPS endpoint that requires a client certificate.

use async_trait::async_trait;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::ServerConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The largest message body `POST /edxml` accepts: 64 MiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long open connections get to finish after shutdown is asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Who sent a message, as the TLS layer established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's (leaf) client certificate, DER. It chains to one of our
    /// trust anchors: the handshake checked that.
    pub certificate_der: Vec<u8>,
    /// The certificate's subject common name, if it has one.
    pub subject_cn: Option<String>,
    /// The TCP address the connection came from.
    pub remote_addr: SocketAddr,
}

/// What to answer to a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundReply {
    /// The HTTP status: 200 for an accepted message, 4xx for one that is
    /// invalid or unverifiable (the sender will not retry), 5xx when the
    /// message could not be taken now (the sender retries).
    pub status: u16,
    /// The body. Sent as `application/xml` if it starts with `<`, as
    /// `application/json` if it starts with `{` or `[`, as `text/plain`
    /// otherwise (all UTF-8).
    pub body: String,
}

impl InboundReply {
    /// A reply with this status and body.
    pub fn new(status: u16, body: impl Into<String>) -> InboundReply {
        InboundReply {
            status,
            body: body.into(),
        }
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// What the application does with a received message (verify the XML
/// signature, parse, store, acknowledge).
#[async_trait]
pub trait Inbound: Send + Sync {
    /// Handles one message body from an authenticated peer.
    async fn receive(&self, body: Vec<u8>, peer: PeerInfo) -> InboundReply;
}

/// The subject CN of a DER certificate, if it parses and has one.
pub fn subject_common_name(der: &[u8]) -> Option<String> {
    use x509_cert::der::asn1::{PrintableStringRef, TeletexStringRef, Utf8StringRef};
    use x509_cert::der::{Decode, Tag, Tagged};
    const CN: x509_cert::der::asn1::ObjectIdentifier =
        x509_cert::der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid != CN {
                continue;
            }
            let v = &atv.value;
            let s = match v.tag() {
                Tag::Utf8String => Utf8StringRef::try_from(v).ok().map(|s| s.to_string()),
                Tag::PrintableString => PrintableStringRef::try_from(v).ok().map(|s| s.to_string()),
                Tag::TeletexString => TeletexStringRef::try_from(v).ok().map(|s| s.to_string()),
                _ => None,
            };
            if s.is_some() {
                return s;
            }
        }
    }
    None
}

fn bilingual(status: StatusCode, vi: &str, en: &str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        format!("{vi}\n{en}\n"),
    )
        .into_response()
}

fn is_xml(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/xml" || essence == "text/xml"
}

async fn receive(
    State(inbound): State<Arc<dyn Inbound>>,
    Extension(peer): Extension<PeerInfo>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !is_xml(&headers) {
        return bilingual(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Thông điệp phải có Content-Type: application/xml.",
            "The message must have Content-Type: application/xml.",
        );
    }
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return bilingual(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Thông điệp vượt quá 64 MiB.",
                "The message exceeds 64 MiB.",
            );
        }
        Err(e) => {
            tracing::debug!(remote = %peer.remote_addr, error = %e, "exchange endpoint: body not read");
            return bilingual(
                e.status(),
                "Không đọc được nội dung thông điệp.",
                "The message body could not be read.",
            );
        }
    };
    let remote = peer.remote_addr;
    let cn = peer.subject_cn.clone();
    let len = body.len();
    let reply = inbound.receive(Vec::from(body), peer).await;
    tracing::info!(%remote, peer_cn = ?cn, bytes = len, status = reply.status, "edXML message received");
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let trimmed = reply.body.trim_start();
    let ct = if trimmed.starts_with('<') {
        "application/xml; charset=utf-8"
    } else if trimmed.starts_with('{') || trimmed.starts_with('[') {
        "application/json; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(ct))],
        reply.body,
    )
        .into_response()
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// The HTTP routes, without TLS: `POST /edxml` and `GET /healthz`. Requests
/// must carry a [`PeerInfo`] extension ([`serve`] adds it).
fn router(inbound: Arc<dyn Inbound>) -> Router {
    Router::new()
        .route(
            "/edxml",
            post(receive).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/healthz", get(healthz))
        .with_state(inbound)
}

/// Closes a connection whose handshake failed without resetting it: sends
/// FIN after the TLS alert, then reads and discards what the client still
/// sends (its request, under TLS 1.3) for a moment. Closing a socket with
/// unread data sends a TCP reset, which may make the client lose the alert
/// and report a bare "connection reset" instead of why it was refused.
async fn linger(mut tcp: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tcp.shutdown().await;
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(n) = tcp.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// Serves the exchange endpoint on `listener` until `shutdown` completes.
///
/// Every connection must complete a TLS handshake with `tls` (build it with
/// [`crate::TlsFiles::server_config`], which requires a client certificate
/// from our CA); then HTTP/1.1 requests are served:
///
/// * `POST /edxml` — `Content-Type: application/xml` (or `text/xml`), body at
///   most [`MAX_BODY_BYTES`] (413 beyond, 415 for another type): calls
///   [`Inbound::receive`] with the body and the [`PeerInfo`], and answers with
///   its [`InboundReply`];
/// * `GET /healthz` — 200 `ok`.
///
/// A failed handshake (no client certificate, one from another CA, a
/// plain-HTTP client) is logged at debug level and closes that connection
/// only; an accept error (e.g. out of file descriptors) is logged as a
/// warning and the loop goes on after a short pause. When `shutdown`
/// completes the loop stops accepting, lets open connections finish their
/// current request (at most 30 s) and returns.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    inbound: Arc<dyn Inbound>,
    shutdown: impl Future + Send,
) {
    let acceptor = TlsAcceptor::from(tls);
    let app = router(inbound);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "exchange endpoint listening");
    }
    tokio::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            _ = &mut shutdown => break,
            // Reap finished connection tasks so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "exchange endpoint: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let accept = acceptor.accept(tcp).into_fallible();
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
                Ok(Ok(s)) => s,
                Ok(Err((e, tcp))) => {
                    tracing::debug!(%remote, error = %e, "exchange endpoint: TLS handshake failed");
                    linger(tcp).await;
                    return;
                }
                Err(_) => {
                    tracing::debug!(%remote, "exchange endpoint: TLS handshake timed out");
                    return;
                }
            };
            let Some(cert) = tls.get_ref().1.peer_certificates().and_then(|c| c.first()) else {
                // Unreachable with a verifier that requires client auth.
                tracing::warn!(%remote, "exchange endpoint: no client certificate; closing");
                return;
            };
            let certificate_der = cert.as_ref().to_vec();
            let peer = PeerInfo {
                subject_cn: subject_common_name(&certificate_der),
                certificate_der,
                remote_addr: remote,
            };
            tracing::debug!(%remote, peer_cn = ?peer.subject_cn, "exchange endpoint: peer authenticated");
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(peer.clone());
                app.clone().oneshot(req.map(axum::body::Body::new))
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(tls), service);
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                    conn.as_mut().graceful_shutdown();
                    conn.as_mut().await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%remote, error = %e, "exchange endpoint: connection ended with an error");
            }
        });
    }
    tracing::info!("exchange endpoint stopping");
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            "exchange endpoint: connections still open after 30 s; closing them"
        );
        connections.abort_all();
    }
}
