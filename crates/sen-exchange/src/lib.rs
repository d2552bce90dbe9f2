//! The inter-agency exchange transport: edXML messages between agencies over
//! HTTPS with mutual TLS.
//!
//! This crate moves bytes between Sen nodes (or any partner that speaks the
//! same small protocol); it knows nothing about the database or about edXML
//! itself. Building, signing and verifying messages is `sen-edxml`'s job,
//! queueing and deciding is the application's.
//!
//! # Protocol
//!
//! One message = one HTTP/1.1 request over TLS 1.2 or 1.3 (ALPN `http/1.1`):
//!
//! ```text
//! POST {base_url}/edxml
//! Content-Type: application/xml; charset=utf-8
//!
//! <edXML:edXML …>…signed edXML…</edXML:edXML>
//! ```
//!
//! The receiver answers 2xx when it has taken the message (the body is a
//! short XML or JSON acknowledgement), 4xx when the message is unacceptable
//! and resending it will not help (invalid, signature not verifiable; the
//! body says why, in Vietnamese and English), 5xx (or 408/429) when it
//! cannot take it now. Bodies are limited to [`MAX_BODY_BYTES`] (64 MiB;
//! 413 beyond), other content types get 415. `GET /healthz` answers 200.
//!
//! # Trust model
//!
//! Two independent layers:
//!
//! 1. **Transport (this crate).** Every agency on the exchange holds a
//!    certificate issued by a common CA (the province's, or the national
//!    exchange's); [`TlsFiles::ca_pem`] lists the trust anchors. The server
//!    *requires* a client certificate chaining to one of them: a client
//!    without one, or with one from another CA, fails the TLS handshake and
//!    never reaches HTTP. The client trusts only those anchors (never the
//!    public web PKI) for the server's certificate, whose subjectAltName must
//!    match the host in the peer's URL. The authenticated peer certificate
//!    and its subject CN are handed to the application as [`PeerInfo`].
//! 2. **Message (the application).** Each edXML message carries its own
//!    XML-DSig signature by the sending agency, which the application checks
//!    with `sen-edxml` (and may compare with [`PeerInfo`]) before accepting
//!    it. The TLS layer proves which node delivered the message; the
//!    signature proves which agency issued it, also after it is stored or
//!    relayed.
//!
//! Certificate revocation lists are not consulted yet; remove a peer by
//! revoking at the CA *and* removing it from [`Peers`] / reissuing the
//! trust store.
//!
//! # Configuration
//!
//! * [`TlsFiles`] — three PEM files: our certificate chain, our private key
//!   (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted) and the CA certificate(s).
//!   The one certificate is used both as server and as client certificate:
//!   give it the host names/IPs peers use (subjectAltName) and, if it has an
//!   extended key usage, both `serverAuth` and `clientAuth`.
//!   [`TlsFiles::server_config`] and [`TlsFiles::client_config`] build the
//!   rustls configurations (ring provider); errors ([`TlsError`]) name the
//!   field and file at fault and never contain key material.
//! * [`Peers`] — `(OrganId prefix, base URL)` pairs, e.g.
//!   `("H98", "https://lgsp.h98.example.vn:8443")`; a destination OrganId
//!   goes to the longest prefix that matches it group by group, `*` catches
//!   the rest.
//!
//! # Use
//!
//! ```no_run
//! # async fn demo(inbound: std::sync::Arc<dyn sen_exchange::Inbound>) -> Result<(), Box<dyn std::error::Error>> {
//! use sen_exchange::{serve, ExchangeChannel, Peers, TlsFiles};
//! use std::time::Duration;
//!
//! let files = TlsFiles::new("/etc/sen/exchange.crt", "/etc/sen/exchange.key", "/etc/sen/exchange-ca.crt");
//! // Receive:
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8443").await?;
//! tokio::spawn(serve(listener, files.server_config()?, inbound, std::future::pending::<()>()));
//! // Send (register on the dispatcher for `ChannelKind::Exchange`):
//! let peers = Peers::new([("H98", "https://lgsp.h98.example.vn:8443")])?;
//! let channel = ExchangeChannel::new(files.client_config()?, peers, Duration::from_secs(60));
//! # let _ = channel; Ok(()) }
//! ```
//!
//! [`ExchangeChannel`] implements [`sen_notify::Channel`] for the outbox
//! channel `edxml`: `recipient` is the destination OrganId, `body` the signed
//! XML. 2xx → sent; no peer for the OrganId or a 4xx (except 408/429) →
//! [`sen_notify::SendError::Permanent`]; unreachable, TLS failure, time-out,
//! 408/429/5xx → [`sen_notify::SendError::Transient`] (retried by the
//! queue). [`ExchangeClient::post`] does the same for direct use and returns
//! the peer's answer.

mod client;
mod server;
mod tls;

pub use client::{ExchangeChannel, ExchangeClient, Peer, Peers, DEFAULT_PREFIX};
pub use server::{serve, subject_common_name, Inbound, InboundReply, PeerInfo, MAX_BODY_BYTES};
pub use tls::{TlsError, TlsFiles};

/// The rustls configuration types, re-exported so callers need no direct
/// rustls dependency.
pub use rustls::{ClientConfig, ServerConfig};
