//! The sending side: peers by OrganId, one mTLS POST per message, and the
//! outbox channel.

use crate::server::InboundReply;
use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::http::uri::{Authority, Scheme};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use sen_notify::{Channel, ConfigError, Outgoing, SendError};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The most of a peer's answer that is read (the acknowledgement is short).
const MAX_REPLY_BYTES: usize = 1024 * 1024;
/// The most of a peer's answer quoted in an error message.
const MAX_QUOTED_CHARS: usize = 500;

/// The prefix that matches any OrganId no other prefix matches.
pub const DEFAULT_PREFIX: &str = "*";

/// One peer: the OrganIds it receives for and where its endpoint is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The OrganId prefix, e.g. `H98`, or [`DEFAULT_PREFIX`].
    pub prefix: String,
    /// The base URL as configured, without a trailing slash, e.g.
    /// `https://lgsp.h98.example.vn:8443` or `https://10.0.0.5/exchange`.
    pub base_url: String,
    /// `{base_url}/edxml`.
    endpoint: Uri,
    /// The host name or IP address the server certificate must name.
    host: String,
    port: u16,
}

impl Peer {
    /// The URL messages are POSTed to: `{base_url}/edxml`.
    pub fn endpoint(&self) -> String {
        self.endpoint.to_string()
    }

    fn matches(&self, organ_id: &str) -> bool {
        self.prefix == DEFAULT_PREFIX
            || organ_id == self.prefix
            || (organ_id.starts_with(&self.prefix)
                && organ_id.as_bytes().get(self.prefix.len()) == Some(&b'.'))
    }
}

/// Where to send a message for a given destination OrganId.
///
/// Each entry is `(organ_id_prefix, base_url)`. An OrganId goes to the peer
/// with the **longest** prefix that matches it group by group: `H98`
/// matches `H98` and `H98.03.01` but not `H980`; `H98.03` wins over `H98`
/// for `H98.03.01`. The prefix `*` ([`DEFAULT_PREFIX`]) matches everything
/// else (e.g. a national hub that relays). URLs must be `https://`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Peers {
    peers: Vec<Peer>,
}

impl Peers {
    /// Validates the list: non-empty prefixes without blanks, no prefix
    /// twice, and absolute `https://host[:port][/path]` URLs without query.
    pub fn new<P, U>(entries: impl IntoIterator<Item = (P, U)>) -> Result<Peers, ConfigError>
    where
        P: Into<String>,
        U: AsRef<str>,
    {
        let mut peers: Vec<Peer> = Vec::new();
        for (prefix, url) in entries {
            let prefix: String = prefix.into();
            let prefix = prefix.trim().to_string();
            if prefix.is_empty() || prefix.contains(char::is_whitespace) || prefix.ends_with('.') {
                return Err(ConfigError(format!(
                    "exchange peer prefix {prefix:?} is invalid (expected an OrganId prefix such as \"H98\", or \"*\")"
                )));
            }
            if peers.iter().any(|p| p.prefix == prefix) {
                return Err(ConfigError(format!(
                    "exchange peer prefix {prefix:?} is configured twice"
                )));
            }
            peers.push(parse_peer(prefix, url.as_ref())?);
        }
        // Longest prefix first; the default last.
        peers.sort_by(|a, b| {
            (b.prefix != DEFAULT_PREFIX, b.prefix.len())
                .cmp(&(a.prefix != DEFAULT_PREFIX, a.prefix.len()))
        });
        Ok(Peers { peers })
    }

    /// The peer for a destination OrganId, if any.
    pub fn route(&self, organ_id: &str) -> Option<&Peer> {
        let organ_id = organ_id.trim();
        self.peers.iter().find(|p| p.matches(organ_id))
    }

    /// The configured peers, longest prefix first.
    pub fn iter(&self) -> impl Iterator<Item = &Peer> {
        self.peers.iter()
    }

    /// True when no peer is configured.
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }
}

fn parse_peer(prefix: String, url: &str) -> Result<Peer, ConfigError> {
    let bad = |why: &str| ConfigError(format!("exchange peer {prefix}: URL {url:?} {why}"));
    let base_url = url.trim().trim_end_matches('/').to_string();
    let uri: Uri = base_url
        .parse()
        .map_err(|e| bad(&format!("is invalid: {e}")))?;
    if uri.scheme() != Some(&Scheme::HTTPS) {
        return Err(bad("must start with https://"));
    }
    if uri.query().is_some() {
        return Err(bad("must not have a query"));
    }
    let authority: &Authority = uri.authority().ok_or_else(|| bad("has no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("must not contain a user name"));
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    ServerName::try_from(host.clone())
        .map_err(|_| bad("has a host that is not a DNS name or IP address"))?;
    let port = authority.port_u16().unwrap_or(443);
    let path = uri.path().trim_end_matches('/');
    let endpoint: Uri = format!("https://{authority}{path}/edxml")
        .parse()
        .map_err(|e| bad(&format!("is invalid: {e}")))?;
    Ok(Peer {
        prefix,
        base_url,
        endpoint,
        host,
        port,
    })
}

/// Posts edXML messages to peers over mutual TLS.
#[derive(Clone)]
pub struct ExchangeClient {
    tls: TlsConnector,
    peers: Arc<Peers>,
    timeout: Duration,
}

impl std::fmt::Debug for ExchangeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeClient")
            .field("peers", &self.peers)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A readable description of an error and its causes, with `TLS` in front
/// when rustls is among them (a refused certificate often surfaces only
/// when the first response is read).
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let (text, tls) = chain(e);
    if tls {
        format!("TLS: {text}")
    } else {
        text
    }
}

/// The error and its causes, and whether rustls is among them.
fn chain(e: &(dyn std::error::Error + 'static)) -> (String, bool) {
    let mut parts = vec![e.to_string()];
    let mut tls = false;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<rustls::Error>().is_some() {
            tls = true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            {
                tls = true;
            }
        }
        cur = err.source();
        if let Some(next) = cur {
            let s = next.to_string();
            if !parts.contains(&s) {
                parts.push(s);
            }
        }
    }
    (parts.join(": "), tls)
}

fn quote(body: &str) -> String {
    let t = body.trim();
    if t.chars().count() > MAX_QUOTED_CHARS {
        let cut: String = t.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{cut}…")
    } else {
        t.to_string()
    }
}

impl ExchangeClient {
    /// A client presenting the certificate of `tls` (from
    /// [`crate::TlsFiles::client_config`]) to `peers`; `timeout` bounds one
    /// whole delivery (connect, handshake, upload, answer).
    pub fn new(tls: Arc<ClientConfig>, peers: Peers, timeout: Duration) -> ExchangeClient {
        ExchangeClient {
            tls: TlsConnector::from(tls),
            peers: Arc::new(peers),
            timeout,
        }
    }

    /// The peers this client sends to.
    pub fn peers(&self) -> &Peers {
        &self.peers
    }

    /// POSTs `body` (`application/xml`) to the peer of `organ_id`.
    ///
    /// A 2xx answer is returned. Otherwise: no peer for `organ_id`, or a 4xx
    /// answer other than 408 and 429 → [`SendError::Permanent`] (quoting the
    /// peer's message); a connection that cannot be made, a TLS failure
    /// (the message contains `TLS`), the time-out, 408, 429, 5xx or any other
    /// status → [`SendError::Transient`].
    pub async fn post(
        &self,
        organ_id: &str,
        body: impl Into<Bytes>,
    ) -> Result<InboundReply, SendError> {
        let peer = self.peers.route(organ_id).ok_or_else(|| {
            SendError::Permanent(format!(
                "no exchange peer is configured for OrganId {:?}",
                organ_id.trim()
            ))
        })?;
        let body = body.into();
        let len = body.len();
        let started = std::time::Instant::now();
        let result = match tokio::time::timeout(self.timeout, self.exchange(peer, body)).await {
            Ok(r) => r,
            Err(_) => Err(SendError::Transient(format!(
                "{}: no answer within {:?}",
                peer.endpoint, self.timeout
            ))),
        };
        match &result {
            Ok(reply) => {
                tracing::info!(organ_id, url = %peer.endpoint, bytes = len, status = reply.status,
                elapsed_ms = started.elapsed().as_millis() as u64, "edXML message delivered")
            }
            Err(e) => tracing::warn!(organ_id, url = %peer.endpoint, bytes = len, error = %e,
                "edXML message not delivered"),
        }
        result
    }

    async fn exchange(&self, peer: &Peer, body: Bytes) -> Result<InboundReply, SendError> {
        let url = &peer.endpoint;
        let tcp = TcpStream::connect((peer.host.as_str(), peer.port))
            .await
            .map_err(|e| SendError::Transient(format!("{url}: cannot connect: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(peer.host.clone())
            .map_err(|e| SendError::Permanent(format!("{url}: invalid host name: {e}")))?;
        let tls = self.tls.connect(name, tcp).await.map_err(|e| {
            SendError::Transient(format!("{url}: TLS handshake failed: {}", chain(&e).0))
        })?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(tls))
                .await
                .map_err(|e| SendError::Transient(format!("{url}: {}", describe(&e))))?;
        let authority = url
            .authority()
            .map(|a| a.as_str())
            .unwrap_or(peer.host.as_str());
        let request = Request::post(url.path())
            .header(hyper::header::HOST, authority)
            .header(
                hyper::header::CONTENT_TYPE,
                "application/xml; charset=utf-8",
            )
            .header(
                hyper::header::USER_AGENT,
                concat!("sen-exchange/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(body))
            .map_err(|e| SendError::Permanent(format!("{url}: cannot build the request: {e}")))?;
        let exchange = async move {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| SendError::Transient(format!("{url}: {}", describe(&e))))?;
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), MAX_REPLY_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    SendError::Transient(format!("{url}: reading the answer: {}", describe(&*e)))
                })?
                .to_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            // `sender` is dropped here: one request per connection.
            Ok::<_, SendError>(InboundReply { status, body: text })
        };
        // Drive the connection here rather than in a task of its own, so that
        // its error (e.g. the TLS alert of a peer that refuses our
        // certificate, which TLS 1.3 sends after the client's handshake is
        // done) is the one reported, not "connection was not ready".
        tokio::pin!(exchange);
        let mut conn = Box::pin(conn);
        let outcome = tokio::select! {
            r = &mut exchange => {
                // Let the connection close cleanly in the background.
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                });
                r
            }
            c = &mut conn => match (exchange.await, c) {
                (Ok(reply), _) => Ok(reply),
                (Err(_), Err(e)) => Err(SendError::Transient(format!("{url}: {}", describe(&e)))),
                (Err(e), Ok(())) => Err(e),
            },
        };
        let reply = outcome?;
        match reply.status {
            200..=299 => Ok(reply),
            408 | 429 => Err(SendError::Transient(format!(
                "{url}: HTTP {}: {}",
                reply.status,
                quote(&reply.body)
            ))),
            400..=499 => Err(SendError::Permanent(format!(
                "{url}: HTTP {}: {}",
                reply.status,
                quote(&reply.body)
            ))),
            _ => Err(SendError::Transient(format!(
                "{url}: HTTP {}: {}",
                reply.status,
                quote(&reply.body)
            ))),
        }
    }
}

/// The outbox channel `edxml` ([`sen_notify::ChannelKind::Exchange`]):
/// `recipient` is the destination OrganId, `body` the signed edXML text.
#[derive(Debug, Clone)]
pub struct ExchangeChannel {
    client: ExchangeClient,
}

impl ExchangeChannel {
    /// A channel over a new [`ExchangeClient`].
    pub fn new(tls: Arc<ClientConfig>, peers: Peers, timeout: Duration) -> ExchangeChannel {
        ExchangeChannel {
            client: ExchangeClient::new(tls, peers, timeout),
        }
    }

    /// A channel over an existing client.
    pub fn from_client(client: ExchangeClient) -> ExchangeChannel {
        ExchangeChannel { client }
    }

    /// The client underneath.
    pub fn client(&self) -> &ExchangeClient {
        &self.client
    }
}

#[async_trait]
impl Channel for ExchangeChannel {
    async fn send(&self, msg: &Outgoing) -> Result<(), SendError> {
        self.client
            .post(&msg.recipient, Bytes::copy_from_slice(msg.body.as_bytes()))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers() -> Peers {
        Peers::new([
            ("H98", "https://h98.example.vn:8443/"),
            ("H98.03", "https://10.0.0.5/exchange"),
            ("*", "https://hub.example.vn"),
            ("G01", "https://[::1]:9000"),
        ])
        .unwrap()
    }

    #[test]
    fn longest_prefix_wins_group_by_group() {
        let p = peers();
        let at = |id: &str| p.route(id).map(|p| p.prefix.as_str());
        assert_eq!(at("H98"), Some("H98"));
        assert_eq!(at("H98.01"), Some("H98"));
        assert_eq!(at("H98.03"), Some("H98.03"));
        assert_eq!(at(" H98.03.07 "), Some("H98.03"));
        assert_eq!(at("H98.030"), Some("H98"));
        assert_eq!(at("H980"), Some("*"));
        assert_eq!(at("G01.1"), Some("G01"));
        let no_default = Peers::new([("H98", "https://a")]).unwrap();
        assert!(no_default.route("H99.01").is_none());
        assert!(no_default.route("H980").is_none());
    }

    #[test]
    fn endpoints_and_hosts() {
        let p = peers();
        let h98 = p.route("H98").unwrap();
        assert_eq!(h98.endpoint(), "https://h98.example.vn:8443/edxml");
        assert_eq!(h98.base_url, "https://h98.example.vn:8443");
        assert_eq!((h98.host.as_str(), h98.port), ("h98.example.vn", 8443));
        let h9803 = p.route("H98.03").unwrap();
        assert_eq!(h9803.endpoint(), "https://10.0.0.5/exchange/edxml");
        assert_eq!((h9803.host.as_str(), h9803.port), ("10.0.0.5", 443));
        let g = p.route("G01").unwrap();
        assert_eq!((g.host.as_str(), g.port), ("::1", 9000));
    }

    #[test]
    fn bad_configuration_is_refused() {
        for (prefix, url, want) in [
            ("H98", "http://a.example", "https://"),
            ("H98", "https://a.example/?x=1", "query"),
            ("H98", "a.example", "https://"),
            ("H98", "https://user@a.example", "user name"),
            ("", "https://a.example", "prefix"),
            ("H98.", "https://a.example", "prefix"),
            ("H 98", "https://a.example", "prefix"),
        ] {
            let e = Peers::new([(prefix, url)]).unwrap_err().to_string();
            assert!(e.contains(want), "{prefix} {url}: {e}");
        }
        let e = Peers::new([("H98", "https://a"), ("H98", "https://b")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");
    }
}
