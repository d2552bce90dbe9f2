//! `sen serve`'s part of the inter-agency exchange: the mutual-TLS
//! endpoint's handler (verified, registered by `App::receive_exchange`) and
//! the outbox channel that delivers our messages to the peers.

use crate::config::ExchangeConfig;
use anyhow::Context;
use sen_app::{App, AppError};
use std::sync::Arc;
use std::time::Duration;

/// Hands each delivered message to the application and answers the peer:
/// 200 when taken (also for a repeat), 422 when it can never be taken
/// (invalid, untrusted signature, not for us), 503 when it should be sent
/// again later.
pub struct AppInbound {
    pub app: App,
}

#[async_trait::async_trait]
impl sen_exchange::Inbound for AppInbound {
    async fn receive(
        &self,
        body: Vec<u8>,
        peer: sen_exchange::PeerInfo,
    ) -> sen_exchange::InboundReply {
        match self.app.receive_exchange(&body).await {
            Ok(receipt) => {
                tracing::info!(
                    peer = peer.subject_cn.as_deref().unwrap_or("?"),
                    kind = receipt.kind,
                    message = %receipt.message_id,
                    duplicate = receipt.duplicate,
                    "exchange message received"
                );
                sen_exchange::InboundReply::new(
                    200,
                    serde_json::json!({ "received": receipt }).to_string(),
                )
            }
            Err(e) => {
                let (status, vi, en) = match &e {
                    AppError::Invalid(i) => (422, i.message_vi.clone(), i.message_en.clone()),
                    AppError::NotFound { .. } => (422, e.to_string(), e.to_string()),
                    other => (
                        503,
                        "Chưa nhận được, xin gửi lại sau".to_string(),
                        other.to_string(),
                    ),
                };
                tracing::warn!(peer = peer.subject_cn.as_deref().unwrap_or("?"), status, error = %e, "exchange message refused");
                sen_exchange::InboundReply::new(
                    status,
                    serde_json::json!({ "error": { "message": vi, "message_en": en } }).to_string(),
                )
            }
        }
    }
}

/// The exchange keys (signature of the messages) from the configured files.
pub fn keys(ex: &ExchangeConfig) -> anyhow::Result<Arc<sen_app::exchange::ExchangeKeys>> {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).with_context(|| format!("exchange: cannot read {}", p.display()))
    };
    Ok(Arc::new(sen_app::exchange::ExchangeKeys::from_pem(
        &read(&ex.key)?,
        &read(&ex.cert)?,
        &read(&ex.ca)?,
    )?))
}

/// Starts the mutual-TLS endpoint and returns the outbox channel to peers.
pub async fn start(
    app: &App,
    ex: &ExchangeConfig,
) -> anyhow::Result<Arc<sen_exchange::ExchangeChannel>> {
    let files = sen_exchange::TlsFiles::new(&ex.cert, &ex.key, &ex.ca);
    let server = files.server_config()?;
    let listener = tokio::net::TcpListener::bind(ex.listen)
        .await
        .with_context(|| format!("exchange: cannot listen on {}", ex.listen))?;
    let addr = listener.local_addr()?;
    println!("Liên thông văn bản (edXML, TLS hai chiều) / document exchange (edXML, mutual TLS) on https://{addr}/edxml");
    tracing::info!(%addr, peers = ex.peers.len(), "exchange endpoint");
    let inbound = Arc::new(AppInbound { app: app.clone() });
    tokio::spawn(sen_exchange::serve(
        listener,
        server,
        inbound,
        std::future::pending::<()>(),
    ));
    let peers = sen_exchange::Peers::new(ex.peers.iter().map(|(p, u)| (p.clone(), u.clone())))
        .map_err(|e| anyhow::anyhow!("exchange peers: {e}"))?;
    Ok(Arc::new(sen_exchange::ExchangeChannel::new(
        files.client_config()?,
        peers,
        Duration::from_secs(60),
    )))
}
