//! E-mail over SMTP with `lettre`.
//!
//! Each message is a `text/plain; charset=utf-8` e-mail; `lettre` encodes the
//! Vietnamese subject as an RFC 2047 encoded word and picks quoted-printable
//! or base64 for the body. The `Message-ID` is derived from the outbox
//! idempotency key ([`message_id_for`]), so a message sent twice (after a
//! lost acknowledgement) carries the same identifier and a receiver can tell.
//! `Auto-Submitted: auto-generated` (RFC 3834) keeps auto-responders quiet.
//!
//! One SMTP connection per message; no connection pool. Only plain SMTP is
//! implemented today; [`SmtpSecurity`] is the place for STARTTLS and
//! implicit TLS when they are added (they need a TLS feature of `lettre`).

use crate::message::{Channel, ConfigError, Outgoing, SendError};
use async_trait::async_trait;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How the connection to the SMTP server is protected.
///
/// Marked non-exhaustive: STARTTLS and implicit TLS are to be added here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SmtpSecurity {
    /// No encryption: for a relay on the same host or a trusted network.
    #[default]
    Plain,
}

/// Configuration of the SMTP sender.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The SMTP server (relay).
    pub host: String,
    /// Its port (25 for a relay, 587 for submission).
    pub port: u16,
    /// Connection protection.
    pub security: SmtpSecurity,
    /// The `From` mailbox, e.g. `Sở Tư pháp <no-reply@stp.example.gov.vn>`.
    pub from: String,
    /// The name given in `EHLO`: this host's fully qualified name.
    pub helo_name: String,
    /// The domain of generated `Message-ID`s; the `From` address's domain
    /// when `None`.
    pub message_id_domain: Option<String>,
    /// Time allowed for the connection and for each SMTP command.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// Plain SMTP to `host:port`, sending as `from`, `EHLO localhost`,
    /// `Message-ID`s in the `From` domain, 30 s time-out.
    pub fn new(host: impl Into<String>, port: u16, from: impl Into<String>) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port,
            security: SmtpSecurity::Plain,
            from: from.into(),
            helo_name: "localhost".into(),
            message_id_domain: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// The `Message-ID` (with its angle brackets) of the message with this
/// idempotency key: `<` + 32 hex digits of SHA-256 of the key + `@domain>`.
pub fn message_id_for(idempotency_key: &str, domain: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"sen-outbox-message-id\0");
    h.update(idempotency_key.as_bytes());
    let digest = hex::encode(h.finalize());
    format!("<{}@{}>", &digest[..32], domain)
}

/// `Auto-Submitted: auto-generated` (RFC 3834).
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// E-mail delivery over SMTP; see the [module documentation](self).
#[derive(Debug)]
pub struct SmtpChannel {
    config: SmtpConfig,
    from: Mailbox,
    message_id_domain: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpChannel {
    /// A channel with this configuration; fails if `from` is not a mailbox.
    /// Nothing is connected until the first message.
    pub fn new(config: SmtpConfig) -> Result<SmtpChannel, ConfigError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| ConfigError(format!("SMTP from {:?}: {e}", config.from)))?;
        if config.host.is_empty() {
            return Err(ConfigError("SMTP host is empty".into()));
        }
        if config.helo_name.is_empty() {
            return Err(ConfigError("SMTP helo_name is empty".into()));
        }
        let message_id_domain = config
            .message_id_domain
            .clone()
            .unwrap_or_else(|| from.email.domain().to_string());
        let transport = match config.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
            }
        }
        .port(config.port)
        .timeout(Some(config.timeout))
        .hello_name(ClientId::Domain(config.helo_name.clone()))
        .build();
        Ok(SmtpChannel {
            config,
            from,
            message_id_domain,
            transport,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    /// The e-mail for an outbox message, as it will be sent. Fails
    /// (permanently) if the recipient is not an e-mail address.
    pub fn message(&self, msg: &Outgoing) -> Result<Message, SendError> {
        let to: Address = msg.recipient.trim().parse().map_err(|e| {
            SendError::Permanent(format!("{:?} is not an e-mail address: {e}", msg.recipient))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(msg.subject.clone())
            .message_id(Some(message_id_for(
                &msg.idempotency_key,
                &self.message_id_domain,
            )))
            .header(AutoSubmitted)
            .header(ContentType::TEXT_PLAIN)
            .body(msg.body.clone())
            .map_err(|e| SendError::Permanent(format!("cannot build the e-mail: {e}")))
    }
}

/// Transient unless the server answered with a 5xx code.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        SendError::Permanent(format!("SMTP server refused the message: {e}"))
    } else {
        SendError::Transient(format!("SMTP: {e}"))
    }
}

#[async_trait]
impl Channel for SmtpChannel {
    async fn send(&self, msg: &Outgoing) -> Result<(), SendError> {
        let email = self.message(msg)?;
        let response = self.transport.send(email).await.map_err(classify)?;
        tracing::debug!(id = %msg.id, response = ?response.message().collect::<Vec<_>>(), "e-mail accepted");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChannelKind;

    fn outgoing(recipient: &str) -> Outgoing {
        Outgoing {
            id: uuid::Uuid::nil(),
            channel: ChannelKind::Email,
            recipient: recipient.into(),
            subject: "Thông báo tiếp nhận hồ sơ".into(),
            body: "Kính gửi ông/bà,\nHồ sơ đã được tiếp nhận.".into(),
            idempotency_key: "k1".into(),
            attempts: 0,
        }
    }

    #[test]
    fn message_ids_follow_the_key() {
        let a = message_id_for("otp:1", "example.gov.vn");
        assert_eq!(a, message_id_for("otp:1", "example.gov.vn"));
        assert_ne!(a, message_id_for("otp:2", "example.gov.vn"));
        assert!(a.starts_with('<') && a.ends_with("@example.gov.vn>"));
        assert_eq!(a.len(), 1 + 32 + 1 + "example.gov.vn".len() + 1);
    }

    #[test]
    fn the_built_message_carries_key_derived_id_and_utf8() {
        let ch = SmtpChannel::new(SmtpConfig::new(
            "127.0.0.1",
            25,
            "Sở Tư pháp <no-reply@stp.example.gov.vn>",
        ))
        .unwrap();
        let raw = String::from_utf8(ch.message(&outgoing("dan@example.vn")).unwrap().formatted())
            .unwrap();
        let id = message_id_for("k1", "stp.example.gov.vn");
        assert!(raw.contains(&format!("Message-ID: {id}\r\n")), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8\r\n"),
            "{raw}"
        );
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(raw.is_ascii(), "the wire form is 7-bit clean");
    }

    #[test]
    fn bad_addresses() {
        assert!(SmtpChannel::new(SmtpConfig::new("127.0.0.1", 25, "not a mailbox")).is_err());
        let ch =
            SmtpChannel::new(SmtpConfig::new("127.0.0.1", 25, "no-reply@example.gov.vn")).unwrap();
        for r in ["", "dan", "dan@", "@example.vn", "a b@example.vn"] {
            assert!(
                ch.message(&outgoing(r)).unwrap_err().is_permanent(),
                "{r:?}"
            );
        }
    }
}
