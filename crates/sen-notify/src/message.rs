//! The message to deliver, the channel abstraction and its errors.

use async_trait::async_trait;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The kind of channel a message goes out on; the outbox's `channel` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChannelKind {
    /// A text message to a mobile number (`sms`).
    Sms,
    /// An e-mail (`email`).
    Email,
    /// A signed edXML message to another agency over the inter-agency
    /// exchange (`edxml`); the recipient is the destination's OrganId.
    Exchange,
}

impl ChannelKind {
    /// The name stored in the outbox: `sms`, `email` or `edxml`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Sms => "sms",
            ChannelKind::Email => "email",
            ChannelKind::Exchange => "edxml",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel name that is not `sms`, `email` or `edxml`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel {0:?} (expected \"sms\", \"email\" or \"edxml\")")]
pub struct UnknownChannel(pub String);

impl FromStr for ChannelKind {
    type Err = UnknownChannel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sms" => Ok(ChannelKind::Sms),
            "email" => Ok(ChannelKind::Email),
            "edxml" => Ok(ChannelKind::Exchange),
            other => Err(UnknownChannel(other.to_string())),
        }
    }
}

/// One message to deliver, as claimed from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox row's key; handed back to [`crate::Queue::mark_sent`] and
    /// [`crate::Queue::mark_failed`].
    pub id: Uuid,
    /// Which channel delivers it.
    pub channel: ChannelKind,
    /// A mobile number (`0912345678`, `+84912345678` or `84912345678`) for
    /// SMS, an e-mail address for e-mail.
    pub recipient: String,
    /// The e-mail subject; not sent by SMS.
    pub subject: String,
    /// The text (UTF-8, usually Vietnamese).
    pub body: String,
    /// The outbox's unique key for this message. The e-mail `Message-ID` and
    /// the SMS concatenation reference are derived from it, so a message sent
    /// again is recognisable as the same one.
    pub idempotency_key: String,
    /// How many delivery attempts were made before this one.
    pub attempts: i64,
}

/// Why a message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the peer was unreachable or timed out, it
    /// answered with a temporary failure (SMTP 4xx, SMPP throttling or a full
    /// queue), or our own configuration was refused (a bind with a wrong
    /// password fails every message alike until an operator fixes it).
    #[error("transient: {0}")]
    Transient(String),
    /// Will never succeed as it is: the peer refused this message for good
    /// (SMTP 5xx, an invalid destination address) or the message itself is
    /// unusable (a malformed recipient, a text too long to send).
    #[error("permanent: {0}")]
    Permanent(String),
}

impl SendError {
    /// True for [`SendError::Permanent`].
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }

    /// The description without the transient/permanent prefix.
    pub fn message(&self) -> &str {
        match self {
            SendError::Transient(m) | SendError::Permanent(m) => m,
        }
    }
}

/// A channel's configuration is unusable (caught when the channel is built,
/// not when a message is sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid notification configuration: {0}")]
pub struct ConfigError(pub String);

/// Something that delivers messages: SMS over SMPP, e-mail over SMTP.
#[async_trait]
pub trait Channel: Send + Sync {
    /// Delivers one message, or says why not and whether to try again.
    async fn send(&self, msg: &Outgoing) -> Result<(), SendError>;

    /// Ends any session the channel keeps open (SMPP `unbind`). Called by
    /// [`crate::Dispatcher::run`] when it stops; the default does nothing.
    /// A channel stays usable after `close`: the next send opens a new
    /// session.
    async fn close(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_round_trip() {
        for kind in [ChannelKind::Sms, ChannelKind::Email, ChannelKind::Exchange] {
            assert_eq!(kind.as_str().parse::<ChannelKind>(), Ok(kind));
        }
        assert_eq!(ChannelKind::Exchange.to_string(), "edxml");
        let e = "fax".parse::<ChannelKind>().unwrap_err().to_string();
        assert!(e.contains("\"edxml\""), "{e}");
    }
}
