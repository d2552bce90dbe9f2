//! Delivery of Sen's outbox.
//!
//! The outbox (`sen-store`) holds messages written in the same transaction as
//! the change that causes them. This crate is the other half: it takes due
//! messages from a [`Queue`], hands each to the [`Channel`] for its
//! [`ChannelKind`] and records the outcome.
//!
//! - [`smpp`] — SMS over SMPP 3.4: a small hand-written client (bind as
//!   transmitter, `submit_sm`, `enquire_link`, `unbind`, `generic_nack`) and
//!   the SMS text encoding: UCS-2 (`data_coding` 8) for Vietnamese, with
//!   concatenation by a user data header when the text is longer than one
//!   message. [`Inbound`] is the receiving side: a transceiver (or receiver)
//!   session that hands each text citizens send to the short code
//!   (`TRACUU <dossier code>`) to an async handler and sends its answer
//!   back.
//! - [`smtp`] — e-mail over SMTP with `lettre`: UTF-8 subject and body, and a
//!   `Message-ID` derived from the idempotency key, so that a receiver can
//!   recognise a message sent twice.
//! - [`dispatch`] — the storage-agnostic delivery loop: [`Dispatcher`] runs
//!   one pass ([`Dispatcher::run_once`]) or polls until shut down
//!   ([`Dispatcher::run`]). The queue decides the retry schedule; a channel
//!   only says whether a failure is [`SendError::Transient`] (try again) or
//!   [`SendError::Permanent`] (do not).
//!
//! Delivery is at least once: a message whose send succeeded but whose
//! acknowledgement was lost (the connection broke after the peer accepted it)
//! is sent again. The e-mail `Message-ID` and the SMS concatenation reference
//! are both derived from the idempotency key, so a repeat is recognisable.

#![warn(missing_docs)]

pub mod dispatch;
mod message;
pub mod smpp;
pub mod smtp;

pub use dispatch::{Dispatcher, PassReport, Queue, QueueError};
pub use message::{Channel, ChannelKind, ConfigError, Outgoing, SendError, UnknownChannel};
pub use smpp::{Inbound, SmppChannel, SmppConfig};
pub use smtp::{SmtpChannel, SmtpConfig, SmtpSecurity};
