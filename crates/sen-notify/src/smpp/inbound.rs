//! Receiving SMS: citizens text `TRACUU <dossier code>` to the province's
//! short code and Sen answers by SMS.
//!
//! [`Inbound`] keeps one session with the SMSC, bound as a transceiver
//! ([`BindMode::Transceiver`], the default) or as a receiver
//! ([`BindMode::Receiver`]), for as long as it runs:
//!
//! - every `deliver_sm` is answered at once with `deliver_sm_resp`; a
//!   mobile-originated text is decoded ([`text::decode`]: UCS-2, Latin-1, or
//!   `data_coding` 0 read as [`InboundOptions::default_alphabet`] says),
//!   reassembled if it is one segment of a concatenated message (user data
//!   header element 0x00 or 0x08, or the `sar_*` optional parameters), and
//!   handed to the handler, `handler(from, text)`, in a task of its own;
//!   delivery receipts and other notifications (`esm_class` message type
//!   bits set, 0x04 among them) are acknowledged and otherwise ignored;
//! - when the handler returns `Some(reply)`, the reply goes to `from` (the
//!   `deliver_sm`'s `source_addr`, with its TON and NPI), encoded and split
//!   exactly as [`SmppChannel`] does (UCS-2 for Vietnamese, concatenated when
//!   longer than one message), from [`SmppConfig::source_addr`];
//! - the SMSC's `enquire_link` is answered, and the client sends its own
//!   when nothing has been read for [`SmppConfig::keepalive`]; an SMSC
//!   `unbind` is answered and the session ends;
//! - a session that cannot be opened, is refused, or is lost (I/O error,
//!   time-out, unbind) is opened again after a back-off that doubles from
//!   [`InboundOptions::reconnect_min`] to [`InboundOptions::reconnect_max`]
//!   (with some jitter) and starts again from the minimum once a bind
//!   succeeds. Nothing but the shutdown signal ends [`Inbound::run`].
//!
//! # Where replies go
//!
//! With a transceiver bind, replies go out as `submit_sm` on the same
//! session that received the question, one PDU at a time: a single bind
//! per service, and the SMSC sees the answer on the bind its question was
//! routed to, as short-code services are usually provisioned. Replies wait in
//! a bounded queue while the session is down and are sent once it is back; a
//! segment left unanswered by a lost session or refused with a transient
//! status is tried again, up to [`InboundOptions::reply_attempts`] times.
//! With a receiver bind (or with [`Inbound::reply_via`] in either mode),
//! replies go through a [`Channel`]: by default an [`SmppChannel`]
//! (transmitter) built from the same [`SmppConfig`].
//!
//! # Flow control and shutdown
//!
//! At most [`InboundOptions::max_concurrent_handlers`] handler calls run at
//! once (a call lasts until its reply is queued for the session or, through
//! a channel, sent). A `deliver_sm` that would start
//! one more is refused with `ESME_RX_T_APPN` (temporary application error),
//! so the SMSC delivers it again later; the segment is not kept. When the
//! shutdown signal fires, new messages are refused the same way while the
//! handlers in progress finish and their replies go out (for at most
//! [`InboundOptions::shutdown_grace`]); then the client unbinds.
//!
//! Delivery to the handler is at most once per `deliver_sm` acknowledged: a
//! message is acknowledged before the handler runs, so that a slow handler
//! never makes the SMSC time out and deliver it again.

use super::pdu::{self, command, status, tag, DeliverSm, Pdu};
use super::reassembly::{Added, Part, Reassembler};
use super::text::{self, Concat, DefaultAlphabet};
use super::{masked, next_sequence, SmppChannel, SmppConfig};
use crate::message::{Channel, ChannelKind, ConfigError, Outgoing, SendError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep, sleep_until, timeout, Instant};
use unicode_normalization::UnicodeNormalization;

/// `command_id` of `alert_notification`, which has no response.
const ALERT_NOTIFICATION: u32 = 0x0000_0102;

/// The `esm_class` bits that give the message type: all zero for a
/// mobile-originated message; 0x04 for an SMSC delivery receipt, 0x08 for an
/// SME delivery acknowledgement, 0x10 for a user acknowledgement, 0x20 for an
/// intermediate delivery notification.
const ESM_CLASS_MESSAGE_TYPE: u8 = 0x3C;

/// How the session binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BindMode {
    /// `bind_transceiver`: one session receives the messages and sends the
    /// replies.
    #[default]
    Transceiver,
    /// `bind_receiver`: the session only receives; replies go through a
    /// [`Channel`] (see [`Inbound::reply_via`]).
    Receiver,
}

/// Settings of [`Inbound`] beyond the shared [`SmppConfig`].
#[derive(Debug, Clone)]
pub struct InboundOptions {
    /// Transceiver (default) or receiver.
    pub bind_mode: BindMode,
    /// `address_range` of the bind (at most 40 characters): the addresses
    /// whose messages this ESME wants, often the short code. Empty (the
    /// default) leaves the routing to the SMSC's configuration.
    pub address_range: String,
    /// How a text with `data_coding` 0 is read.
    pub default_alphabet: DefaultAlphabet,
    /// The first wait before opening a session again (1 s).
    pub reconnect_min: Duration,
    /// The longest wait before opening a session again (60 s).
    pub reconnect_max: Duration,
    /// How long the segments of a concatenated message are kept waiting for
    /// the rest (3 minutes).
    pub reassembly_timeout: Duration,
    /// How many incomplete concatenated messages are kept at most (64); the
    /// oldest is dropped to make room.
    pub max_pending_messages: usize,
    /// Concatenated messages with more segments are ignored (16; a query is
    /// a line, and this bounds the memory one message can claim).
    pub max_segments: u8,
    /// How many handler calls may run at once (16).
    pub max_concurrent_handlers: usize,
    /// How many replies may wait for the transceiver session (256).
    pub max_queued_replies: usize,
    /// How many times a reply segment (or, through a channel, a reply) is
    /// tried before it is given up (3).
    pub reply_attempts: u32,
    /// How long [`Inbound::run`] waits, once told to stop, for handlers in
    /// progress and their replies (10 s).
    pub shutdown_grace: Duration,
}

impl Default for InboundOptions {
    fn default() -> Self {
        InboundOptions {
            bind_mode: BindMode::Transceiver,
            address_range: String::new(),
            default_alphabet: DefaultAlphabet::Auto,
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
            reassembly_timeout: Duration::from_secs(180),
            max_pending_messages: 64,
            max_segments: 16,
            max_concurrent_handlers: 16,
            max_queued_replies: 256,
            reply_attempts: 3,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

type HandlerFuture = Pin<Box<dyn Future<Output = Option<String>> + Send>>;
type Handler = Arc<dyn Fn(String, String) -> HandlerFuture + Send + Sync>;

/// The receiving side of SMPP; see the [module documentation](self).
pub struct Inbound {
    config: SmppConfig,
    options: InboundOptions,
    handler: Handler,
    reply_channel: Option<Arc<dyn Channel>>,
}

impl fmt::Debug for Inbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbound")
            .field("config", &self.config)
            .field("options", &self.options)
            .field("reply_via_channel", &self.reply_channel.is_some())
            .finish_non_exhaustive()
    }
}

impl Inbound {
    /// A receiver for this SMSC that calls `handler(from, text)` for every
    /// message; the handler's `Some(reply)` is sent back to `from`. `from`
    /// is the sender's address as the SMSC gives it (`84912345678` for an
    /// international number; [`super::normalize_recipient`] brings it to the
    /// form used elsewhere). Fails if the bind fields or the sender do not
    /// fit their SMPP fields; nothing is connected until [`Inbound::run`].
    pub fn new<F, Fut>(config: SmppConfig, handler: F) -> Result<Inbound, ConfigError>
    where
        F: Fn(String, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<String>> + Send + 'static,
    {
        config.validate()?;
        Ok(Inbound {
            config,
            options: InboundOptions::default(),
            handler: Arc::new(move |from, text| Box::pin(handler(from, text))),
            reply_channel: None,
        })
    }

    /// Replaces the options; fails if `address_range` does not fit.
    pub fn with_options(mut self, options: InboundOptions) -> Result<Inbound, ConfigError> {
        self.bind(&options)
            .encode()
            .map_err(|e| ConfigError(format!("SMPP bind: {e}")))?;
        self.options = options;
        Ok(self)
    }

    /// Sends replies through `channel` instead of the session (the recipient
    /// is `+` and the sender's number when its TON is international, the
    /// number as given otherwise).
    pub fn reply_via(mut self, channel: Arc<dyn Channel>) -> Inbound {
        self.reply_channel = Some(channel);
        self
    }

    /// The SMSC configuration in use.
    pub fn config(&self) -> &SmppConfig {
        &self.config
    }

    /// The options in use.
    pub fn options(&self) -> &InboundOptions {
        &self.options
    }

    fn bind(&self, options: &InboundOptions) -> pdu::Bind {
        let mut bind = self.config.bind();
        bind.address_range = options.address_range.clone();
        bind
    }

    /// Keeps a session with the SMSC and handles messages until `shutdown`
    /// completes; see the [module documentation](self).
    pub async fn run<S: Future>(self, shutdown: S) {
        let mut stop = Stop {
            fut: Box::pin(shutdown),
            done: false,
        };
        let o = self.options.clone();
        let (replies, reply_rx) = match (&self.reply_channel, o.bind_mode) {
            (Some(ch), _) => (Replies::Channel(ch.clone()), None),
            (None, BindMode::Transceiver) => {
                let (tx, rx) = mpsc::channel(o.max_queued_replies.max(1));
                (Replies::Session(tx), Some(rx))
            }
            (None, BindMode::Receiver) => match SmppChannel::new(self.config.clone()) {
                Ok(ch) => (Replies::Channel(Arc::new(ch)), None),
                Err(e) => {
                    tracing::error!(error = %e, "SMPP inbound cannot start");
                    return;
                }
            },
        };
        let max_handlers = o.max_concurrent_handlers.max(1);
        let bind = self.bind(&o);
        let shared = Arc::new(Shared {
            config: self.config,
            options: o.clone(),
            handler: self.handler,
            replies,
        });
        let mut st = State {
            shared,
            bind,
            reply_rx,
            current: None,
            reassembler: Reassembler::new(
                o.reassembly_timeout,
                o.max_pending_messages,
                o.max_segments,
            ),
            permits: Arc::new(Semaphore::new(max_handlers)),
            max_handlers,
        };
        let min_delay = o.reconnect_min.max(Duration::from_millis(10));
        let max_delay = o.reconnect_max.max(min_delay);
        let mut delay = min_delay;
        loop {
            let ended = st.session(&mut stop).await;
            if stop.done {
                // However the session ended (the SMSC may close the
                // connection before its unbind_resp is out), it is over.
                break;
            }
            match ended {
                Ended::Shutdown => break,
                Ended::Lost {
                    bound: true,
                    reason,
                } => {
                    delay = min_delay;
                    tracing::warn!(error = %reason, retry_in = ?delay, "SMPP inbound session lost");
                }
                Ended::Lost {
                    bound: false,
                    reason,
                } => {
                    tracing::warn!(error = %reason, retry_in = ?delay, "SMPP inbound session could not be opened");
                }
            }
            tokio::select! {
                _ = stop.wait() => break,
                _ = sleep(jitter(delay)) => {}
            }
            delay = (delay * 2).min(max_delay);
        }
        let waiting = st.current.is_some() as usize + st.reply_rx.as_ref().map_or(0, |r| r.len());
        if waiting > 0 {
            tracing::warn!(
                replies = waiting,
                "SMPP inbound stopped with replies unsent"
            );
        }
        tracing::info!("SMPP inbound stopped");
    }
}

/// Up to a fifth more than `d`, so that many clients do not reconnect in
/// step.
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    d + d.mul_f64(f64::from(nanos % 1000) / 5000.0)
}

/// A shutdown future that can be waited on repeatedly (and is never polled
/// again once it has completed).
struct Stop<S> {
    fut: Pin<Box<S>>,
    done: bool,
}

impl<S: Future> Stop<S> {
    async fn wait(&mut self) {
        if self.done {
            return std::future::pending().await;
        }
        self.fut.as_mut().await;
        self.done = true;
    }
}

/// What the handler tasks share.
struct Shared {
    config: SmppConfig,
    options: InboundOptions,
    handler: Handler,
    replies: Replies,
}

enum Replies {
    /// Queued for the transceiver session.
    Session(mpsc::Sender<ReplyJob>),
    /// Sent through a channel.
    Channel(Arc<dyn Channel>),
}

/// A reply on its way through the transceiver session.
struct ReplyJob {
    to: String,
    /// One `submit_sm` body per segment.
    bodies: Vec<Vec<u8>>,
    /// The next segment to send.
    next: usize,
    /// Failed attempts at the current segment.
    failures: u32,
    not_before: Instant,
}

impl Shared {
    /// Calls the handler and sends its reply; runs in a task of its own.
    async fn handle(&self, from: String, reply_to: (String, u8, u8), text: String) {
        let reply = match (self.handler)(from.clone(), text).await {
            Some(r) => r,
            None => {
                tracing::debug!(from = %masked(&from), "no reply to this SMS");
                return;
            }
        };
        let key = format!("sms-reply:{}", uuid::Uuid::now_v7());
        match &self.replies {
            Replies::Session(queue) => {
                let (addr, ton, npi) = reply_to;
                let bodies = match self.config.submit_bodies(
                    (&addr, ton, npi),
                    &reply,
                    text::concat_reference(&key),
                ) {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(to = %masked(&addr), error = %e, "cannot send this reply");
                        return;
                    }
                };
                let job = ReplyJob {
                    to: addr,
                    bodies,
                    next: 0,
                    failures: 0,
                    not_before: Instant::now(),
                };
                if queue.send(job).await.is_err() {
                    tracing::warn!(to = %masked(&from), "SMPP inbound stopped before the reply was sent");
                }
            }
            Replies::Channel(channel) => {
                let (addr, ton, _) = reply_to;
                let recipient = if ton == 1 && !addr.starts_with('+') {
                    format!("+{addr}")
                } else {
                    addr
                };
                let mut msg = Outgoing {
                    id: uuid::Uuid::now_v7(),
                    channel: ChannelKind::Sms,
                    recipient,
                    subject: String::new(),
                    body: reply,
                    idempotency_key: key,
                    attempts: 0,
                };
                let attempts = self.options.reply_attempts.max(1);
                let mut wait = self.options.reconnect_min.max(Duration::from_millis(10));
                loop {
                    match channel.send(&msg).await {
                        Ok(()) => {
                            tracing::info!(to = %masked(&msg.recipient), "SMS reply sent");
                            return;
                        }
                        Err(SendError::Transient(e)) if (msg.attempts as u32) + 1 < attempts => {
                            tracing::warn!(to = %masked(&msg.recipient), error = %e, "SMS reply failed; trying again");
                            msg.attempts += 1;
                            sleep(wait).await;
                            wait = (wait * 2).min(self.options.reconnect_max.max(wait));
                        }
                        Err(e) => {
                            tracing::error!(to = %masked(&msg.recipient), error = %e, "SMS reply given up");
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// How a session ended.
enum Ended {
    /// Told to stop.
    Shutdown,
    /// Could not be opened (`bound` false) or was lost after the bind.
    Lost { bound: bool, reason: String },
}

/// Reads whole PDUs; [`FrameReader::next`] is cancel-safe, so it can sit in
/// a `select!` next to other work.
struct FrameReader {
    half: OwnedReadHalf,
    buf: Vec<u8>,
}

impl FrameReader {
    async fn next(&mut self) -> Result<Pdu, String> {
        loop {
            if self.buf.len() >= 4 {
                let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
                let n = Pdu::check_length(len).map_err(|e| e.to_string())?;
                if self.buf.len() >= n {
                    let frame: Vec<u8> = self.buf.drain(..n).collect();
                    return Pdu::decode(&frame).map_err(|e| e.to_string());
                }
            }
            self.buf.reserve(4096);
            match self.half.read_buf(&mut self.buf).await {
                Ok(0) => return Err("the SMSC closed the connection".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("SMSC connection lost: {e}")),
            }
        }
    }
}

/// A TCP connection to the SMSC.
struct Conn {
    reader: FrameReader,
    writer: OwnedWriteHalf,
    next_sequence: u32,
    write_timeout: Duration,
}

impl Conn {
    fn sequence(&mut self) -> u32 {
        let s = self.next_sequence;
        self.next_sequence = next_sequence(s);
        s
    }

    async fn send(&mut self, pdu: &Pdu) -> Result<(), String> {
        match timeout(self.write_timeout, self.writer.write_all(&pdu.encode())).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("write to SMSC failed: {e}")),
            Err(_) => Err(format!(
                "write to SMSC blocked for {:?}",
                self.write_timeout
            )),
        }
    }

    /// Sends a request and returns its sequence number.
    async fn request(&mut self, command_id: u32, body: Vec<u8>) -> Result<u32, String> {
        let seq = self.sequence();
        self.send(&Pdu::new(command_id, seq, body)).await?;
        Ok(seq)
    }

    async fn respond(
        &mut self,
        command_id: u32,
        seq: u32,
        code: u32,
        body: Vec<u8>,
    ) -> Result<(), String> {
        let mut pdu = Pdu::new(command_id, seq, body);
        pdu.command_status = code;
        self.send(&pdu).await
    }

    async fn close(mut self) {
        let _ = self.writer.shutdown().await;
    }

    /// Connects and binds.
    async fn open(c: &SmppConfig, mode: BindMode, bind: &pdu::Bind) -> Result<Conn, String> {
        let addr = format!("{}:{}", c.host, c.port);
        let stream = match timeout(c.connect_timeout, TcpStream::connect(&addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(format!("cannot connect to SMSC {addr}: {e}")),
            Err(_) => return Err(format!("connecting to SMSC {addr} timed out")),
        };
        let _ = stream.set_nodelay(true);
        let (r, w) = stream.into_split();
        let mut conn = Conn {
            reader: FrameReader {
                half: r,
                buf: Vec::new(),
            },
            writer: w,
            next_sequence: 1,
            write_timeout: c.response_timeout,
        };
        let (cmd, resp_cmd, name) = match mode {
            BindMode::Transceiver => (
                command::BIND_TRANSCEIVER,
                command::BIND_TRANSCEIVER_RESP,
                "bind_transceiver",
            ),
            BindMode::Receiver => (
                command::BIND_RECEIVER,
                command::BIND_RECEIVER_RESP,
                "bind_receiver",
            ),
        };
        let body = bind.encode().map_err(|e| e.to_string())?;
        let seq = conn.request(cmd, body).await?;
        let wait = async {
            loop {
                let pdu = conn.reader.next().await?;
                if pdu.sequence_number == seq
                    && (pdu.command_id == resp_cmd || pdu.command_id == command::GENERIC_NACK)
                {
                    return Ok::<Pdu, String>(pdu);
                }
                if pdu.command_id == command::ENQUIRE_LINK {
                    conn.respond(command::ENQUIRE_LINK_RESP, pdu.sequence_number, 0, vec![])
                        .await?;
                } else {
                    tracing::warn!(?pdu, "ignoring a PDU received before the bind was answered");
                }
            }
        };
        let resp = match timeout(c.response_timeout, wait).await {
            Ok(r) => r.map_err(|e| format!("{name} to {addr}: {e}"))?,
            Err(_) => {
                return Err(format!(
                    "no answer to {name} from {addr} within {:?}",
                    c.response_timeout
                ))
            }
        };
        if resp.command_status != status::ESME_ROK || resp.command_id != resp_cmd {
            return Err(format!(
                "SMSC {addr} refused {name} as {:?}: {}",
                c.system_id,
                status::describe(resp.command_status)
            ));
        }
        let smsc = pdu::decode_bind_resp(&resp.body).unwrap_or(None);
        tracing::info!(smsc = %addr, smsc_system_id = smsc.as_deref().unwrap_or(""), mode = name, "SMPP inbound session bound");
        Ok(conn)
    }
}

/// The state that outlives a session.
struct State {
    shared: Arc<Shared>,
    bind: pdu::Bind,
    /// Replies for the transceiver session (`None` when they go through a
    /// channel).
    reply_rx: Option<mpsc::Receiver<ReplyJob>>,
    /// The reply being sent.
    current: Option<ReplyJob>,
    reassembler: Reassembler,
    permits: Arc<Semaphore>,
    max_handlers: usize,
}

impl State {
    fn options(&self) -> &InboundOptions {
        &self.shared.options
    }

    /// One session: open, serve until it ends.
    async fn session<S: Future>(&mut self, stop: &mut Stop<S>) -> Ended {
        let shared = self.shared.clone();
        let c = &shared.config;
        let opened = tokio::select! {
            _ = stop.wait() => return Ended::Shutdown,
            r = Conn::open(c, shared.options.bind_mode, &self.bind) => r,
        };
        let mut conn = match opened {
            Ok(conn) => conn,
            Err(reason) => {
                return Ended::Lost {
                    bound: false,
                    reason,
                }
            }
        };
        let mut submitting = None;
        let ended = self.serve(&mut conn, stop, &mut submitting).await;
        if submitting.is_some() {
            // The segment may or may not have gone out: try it again on the
            // next session (its concatenation reference is the same, so a
            // handset shows a repeat only once).
            self.retry_later("the session ended before the SMSC answered".into());
        }
        conn.close().await;
        ended
    }

    async fn serve<S: Future>(
        &mut self,
        conn: &mut Conn,
        stop: &mut Stop<S>,
        submitting: &mut Option<(u32, Instant)>,
    ) -> Ended {
        let shared = self.shared.clone();
        let c = &shared.config;
        let limit = c.response_timeout;
        let keepalive = c.keepalive.max(Duration::from_secs(1));
        let lost = |reason: String| Ended::Lost {
            bound: true,
            reason,
        };
        let mut last_read = Instant::now();
        let mut enquiring: Option<(u32, Instant)> = None;
        let mut unbinding: Option<(u32, Instant)> = None;
        let mut draining: Option<Instant> = if stop.done {
            Some(Instant::now())
        } else {
            None
        };
        loop {
            let now = Instant::now();
            if enquiring.is_some_and(|(_, d)| now >= d) {
                return lost(format!("no answer to enquire_link within {limit:?}"));
            }
            if submitting.is_some_and(|(_, d)| now >= d) {
                return lost(format!("no answer to submit_sm within {limit:?}"));
            }
            if unbinding.is_some_and(|(_, d)| now >= d) {
                return if draining.is_some() {
                    Ended::Shutdown
                } else {
                    lost(format!("no answer to unbind within {limit:?}"))
                };
            }
            self.reassembler.expire(now.into_std());
            if let Some(deadline) = draining {
                if unbinding.is_none() {
                    let idle = self.permits.available_permits() == self.max_handlers
                        && submitting.is_none()
                        && self.current.is_none()
                        && self.reply_rx.as_ref().is_none_or(|r| r.is_empty());
                    if idle || now >= deadline {
                        if !idle {
                            tracing::warn!(
                                "SMPP inbound stopping with handlers or replies unfinished"
                            );
                        }
                        match conn.request(command::UNBIND, vec![]).await {
                            Ok(seq) => unbinding = Some((seq, now + limit)),
                            Err(_) => return Ended::Shutdown,
                        }
                    }
                }
            }
            if enquiring.is_none() && unbinding.is_none() && now >= last_read + keepalive {
                match conn.request(command::ENQUIRE_LINK, vec![]).await {
                    Ok(seq) => enquiring = Some((seq, now + limit)),
                    Err(e) => return lost(e),
                }
            }
            let may_submit = self.reply_rx.is_some() && submitting.is_none() && unbinding.is_none();
            if may_submit {
                if self.current.is_none() {
                    if let Some(job) = self.reply_rx.as_mut().and_then(|rx| rx.try_recv().ok()) {
                        self.current = Some(job);
                    }
                }
                if let Some(job) = self.current.as_ref().filter(|j| j.not_before <= now) {
                    let body = job.bodies[job.next].clone();
                    match conn.request(command::SUBMIT_SM, body).await {
                        Ok(seq) => *submitting = Some((seq, now + limit)),
                        Err(e) => {
                            // Not sent: try again on the next session.
                            return lost(e);
                        }
                    }
                }
            }

            // The next moment something is due.
            let mut wake = now + Duration::from_secs(3600);
            let mut due = |t: Instant| wake = wake.min(t);
            if enquiring.is_none() {
                due(last_read + keepalive);
            }
            for (_, d) in [enquiring, *submitting, unbinding].into_iter().flatten() {
                due(d);
            }
            if let Some(t) = self.reassembler.next_expiry() {
                due(Instant::from_std(t));
            }
            if let Some(d) = draining {
                if unbinding.is_none() {
                    // Handlers that finish do not wake the loop: look again soon.
                    due(d.min(now + Duration::from_millis(50)));
                }
            }
            if submitting.is_none() && unbinding.is_none() {
                if let Some(job) = &self.current {
                    due(job.not_before);
                }
            }
            let want_job = may_submit && self.current.is_none() && submitting.is_none();

            tokio::select! {
                _ = stop.wait(), if draining.is_none() => {
                    tracing::info!("SMPP inbound stopping");
                    draining = Some(Instant::now() + self.options().shutdown_grace);
                }
                job = recv(&mut self.reply_rx), if want_job => {
                    self.current = job;
                }
                frame = conn.reader.next() => {
                    let pdu = match frame {
                        Ok(p) => p,
                        Err(e) => return lost(e),
                    };
                    last_read = Instant::now();
                    if pdu.is_response() {
                        let seq = pdu.sequence_number;
                        let id = pdu.command_id;
                        let nack = id == command::GENERIC_NACK;
                        if enquiring.is_some_and(|(s, _)| s == seq)
                            && (id == command::ENQUIRE_LINK_RESP || nack)
                        {
                            enquiring = None;
                        } else if submitting.is_some_and(|(s, _)| s == seq)
                            && (id == command::SUBMIT_SM_RESP || nack)
                        {
                            *submitting = None;
                            if let Err(e) = self.submitted(pdu.command_status, nack) {
                                return lost(e);
                            }
                        } else if unbinding.is_some_and(|(s, _)| s == seq)
                            && (id == command::UNBIND_RESP || nack)
                        {
                            tracing::info!("SMPP inbound session unbound");
                            return Ended::Shutdown;
                        } else if nack {
                            tracing::warn!(
                                sequence_number = seq,
                                status = %status::describe(pdu.command_status),
                                "the SMSC refused a PDU we sent (generic_nack)"
                            );
                        } else {
                            tracing::warn!(?pdu, "ignoring a stray SMPP response");
                        }
                        continue;
                    }
                    let seq = pdu.sequence_number;
                    let sent = match pdu.command_id {
                        command::ENQUIRE_LINK => {
                            conn.respond(command::ENQUIRE_LINK_RESP, seq, 0, vec![]).await
                        }
                        command::DELIVER_SM => {
                            let code = self.delivered(&pdu.body, draining.is_some());
                            conn.respond(command::DELIVER_SM_RESP, seq, code, b"\0".to_vec()).await
                        }
                        command::UNBIND => {
                            let _ = conn.respond(command::UNBIND_RESP, seq, 0, vec![]).await;
                            return if draining.is_some() {
                                Ended::Shutdown
                            } else {
                                lost("the SMSC ended the session (unbind)".into())
                            };
                        }
                        ALERT_NOTIFICATION => Ok(()),
                        _ => {
                            tracing::warn!(?pdu, "refusing an SMPP command a receiver does not handle");
                            conn.respond(command::GENERIC_NACK, seq, status::ESME_RINVCMDID, vec![]).await
                        }
                    };
                    if let Err(e) = sent {
                        return lost(e);
                    }
                }
                _ = sleep_until(wake) => {}
            }
        }
    }

    /// The outcome of the current reply's segment. An `Err` means the
    /// session must be dropped.
    fn submitted(&mut self, code: u32, nack: bool) -> Result<(), String> {
        let Some(job) = self.current.as_mut() else {
            return Ok(());
        };
        if code == status::ESME_ROK && !nack {
            job.next += 1;
            job.failures = 0;
            if job.next == job.bodies.len() {
                tracing::info!(to = %masked(&job.to), segments = job.bodies.len(), "SMS reply sent");
                self.current = None;
            }
            return Ok(());
        }
        let what = if nack {
            format!(
                "the SMSC answered submit_sm with generic_nack {}",
                status::describe(code)
            )
        } else {
            format!("the SMSC refused submit_sm: {}", status::describe(code))
        };
        if status::is_permanent(code) {
            tracing::error!(to = %masked(&job.to), error = %what, "SMS reply given up");
            self.current = None;
        } else {
            self.retry_later(what.clone());
        }
        if nack || code == status::ESME_RINVBNDSTS {
            return Err(what);
        }
        Ok(())
    }

    /// Counts a failed attempt at the current reply segment and schedules
    /// the next, or gives the reply up.
    fn retry_later(&mut self, why: String) {
        let attempts = self.options().reply_attempts.max(1);
        let base = self.options().reconnect_min.max(Duration::from_millis(10));
        let Some(job) = self.current.as_mut() else {
            return;
        };
        job.failures += 1;
        if job.failures >= attempts {
            tracing::error!(to = %masked(&job.to), error = %why, attempts = job.failures, "SMS reply given up");
            self.current = None;
        } else {
            tracing::warn!(to = %masked(&job.to), error = %why, "SMS reply segment failed; trying again");
            job.not_before = Instant::now() + base * 2u32.saturating_pow(job.failures - 1);
        }
    }

    /// Takes a `deliver_sm`; returns the status for its response.
    fn delivered(&mut self, body: &[u8], draining: bool) -> u32 {
        let d = match DeliverSm::decode(body) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "refusing an undecodable deliver_sm");
                return status::ESME_RX_P_APPN;
            }
        };
        let sm = &d.sm;
        if sm.esm_class & ESM_CLASS_MESSAGE_TYPE != 0 {
            let receipted = d.tlv(tag::RECEIPTED_MESSAGE_ID).map(|v| {
                String::from_utf8_lossy(v)
                    .trim_end_matches('\0')
                    .to_string()
            });
            tracing::debug!(
                esm_class = sm.esm_class,
                receipted_message_id = receipted.as_deref().unwrap_or(""),
                "ignoring a delivery receipt"
            );
            return status::ESME_ROK;
        }
        if draining {
            return status::ESME_RX_T_APPN;
        }
        let raw: &[u8] = if sm.short_message.is_empty() {
            d.tlv(tag::MESSAGE_PAYLOAD).unwrap_or(&[])
        } else {
            &sm.short_message
        };
        let (udh_concat, octets) = if sm.esm_class & text::ESM_CLASS_UDHI != 0 {
            match text::split_udh(raw) {
                Some(x) => x,
                None => {
                    tracing::warn!(from = %masked(&sm.source_addr), "refusing an SMS with a malformed user data header");
                    return status::ESME_RX_P_APPN;
                }
            }
        } else {
            (None, raw)
        };
        let concat = udh_concat.or_else(|| sar(&d)).filter(Concat::is_segment);
        let alphabet = self.options().default_alphabet;
        let from = &sm.source_addr;
        let to = &sm.destination_addr;
        let reply_to = (from.clone(), sm.source_addr_ton, sm.source_addr_npi);
        let Some(c) = concat else {
            let Some(text) = text::decode(sm.data_coding, octets, alphabet) else {
                tracing::info!(from = %masked(from), data_coding = sm.data_coding, "ignoring an SMS that is not text");
                return status::ESME_ROK;
            };
            return match self.permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    self.dispatch(from.clone(), reply_to, text, permit);
                    status::ESME_ROK
                }
                Err(_) => {
                    tracing::warn!(from = %masked(from), "busy: asking the SMSC to deliver this SMS later");
                    status::ESME_RX_T_APPN
                }
            };
        };
        if c.total > self.options().max_segments {
            tracing::warn!(from = %masked(from), segments = c.total, "ignoring an SMS of too many segments");
            return status::ESME_ROK;
        }
        let mut permit = None;
        if self.reassembler.completes(from, to, c) {
            match self.permits.clone().try_acquire_owned() {
                Ok(p) => permit = Some(p),
                Err(_) => {
                    tracing::warn!(from = %masked(from), "busy: asking the SMSC to deliver this segment later");
                    return status::ESME_RX_T_APPN;
                }
            }
        }
        let part = Part {
            data_coding: sm.data_coding,
            octets: octets.to_vec(),
        };
        match self
            .reassembler
            .add(from, to, c, part, std::time::Instant::now())
        {
            Added::Pending | Added::TooManySegments => status::ESME_ROK,
            Added::Complete(parts) => {
                // Taken above, since `completes` said this segment would
                // complete the message.
                let Some(permit) = permit else {
                    tracing::warn!(from = %masked(from), "busy: dropping a reassembled SMS");
                    return status::ESME_ROK;
                };
                match join(&parts, alphabet) {
                    Some(text) => self.dispatch(from.clone(), reply_to, text, permit),
                    None => {
                        tracing::info!(from = %masked(from), "ignoring an SMS that is not text")
                    }
                }
                status::ESME_ROK
            }
        }
    }

    fn dispatch(
        &self,
        from: String,
        reply_to: (String, u8, u8),
        text: String,
        permit: OwnedSemaphorePermit,
    ) {
        tracing::info!(from = %masked(&from), chars = text.chars().count(), "SMS received");
        let shared = self.shared.clone();
        tokio::spawn(async move {
            let _permit = permit;
            shared.handle(from, reply_to, text).await;
        });
    }
}

/// The next job, or never if replies do not go through the session.
async fn recv(rx: &mut Option<mpsc::Receiver<ReplyJob>>) -> Option<ReplyJob> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Concatenation from the `sar_*` optional parameters, if all three are
/// there.
fn sar(d: &DeliverSm) -> Option<Concat> {
    let reference = match d.tlv(tag::SAR_MSG_REF_NUM)? {
        [a, b] => u16::from_be_bytes([*a, *b]),
        [a] => u16::from(*a),
        _ => return None,
    };
    let total = *d.tlv(tag::SAR_TOTAL_SEGMENTS)?.first()?;
    let index = *d.tlv(tag::SAR_SEGMENT_SEQNUM)?.first()?;
    Some(Concat::sar(reference, total, index))
}

/// The text of a reassembled message: decoded as a whole when every
/// segment has the same `data_coding` (so a surrogate pair or a GSM escape
/// cut between segments survives), segment by segment otherwise.
fn join(parts: &[Part], alphabet: DefaultAlphabet) -> Option<String> {
    let dc = parts.first()?.data_coding;
    if parts.iter().all(|p| p.data_coding == dc) {
        let octets: Vec<u8> = parts
            .iter()
            .flat_map(|p| p.octets.iter().copied())
            .collect();
        text::decode(dc, &octets, alphabet)
    } else {
        parts
            .iter()
            .map(|p| text::decode(p.data_coding, &p.octets, alphabet))
            .collect()
    }
}

/// The dossier code in a status query, upper-cased: `TRACUU <code>`, in any
/// case, with or without Vietnamese diacritics (`Tra cứu`, `tra cuu`,
/// `TRA-CUU`), with a colon or `#` before the code if the sender likes.
/// Anything after the code is ignored; a code is letters, digits, `.`, `-`,
/// `_` and `/`, with at least one digit. `None` if the text is not a query.
///
/// ```
/// use sen_notify::smpp::parse_tracking_query;
/// assert_eq!(parse_tracking_query("TRACUU H99.02-260302-0001").as_deref(), Some("H99.02-260302-0001"));
/// assert_eq!(parse_tracking_query("Tra cứu: h99.02-260302-0001.").as_deref(), Some("H99.02-260302-0001"));
/// assert_eq!(parse_tracking_query("Xin chào"), None);
/// ```
pub fn parse_tracking_query(text: &str) -> Option<String> {
    let folded: String = text
        .nfd()
        .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'D',
            c => c,
        })
        .collect::<String>()
        .to_uppercase();
    let rest = folded.trim_start().strip_prefix("TRA")?;
    let rest = rest.trim_start_matches([' ', '\t', '-', '_', '.']);
    let rest = rest.strip_prefix("CUU")?;
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '#' | ','));
    let code: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        .collect();
    let code = code.trim_end_matches(['.', '-', '_', '/']);
    if code.is_empty() || !code.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    // The scripted SMSCs below write and check PDUs as literal bytes, laid
    // out by hand from the SMPP 3.4 specification, not with `pdu`.

    const PATIENCE: Duration = Duration::from_secs(60);

    fn frame(cmd: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
        let mut v = ((16 + body.len()) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(&cmd.to_be_bytes());
        v.extend_from_slice(&status.to_be_bytes());
        v.extend_from_slice(&seq.to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    async fn read(c: &mut TcpStream) -> (u32, u32, u32, Vec<u8>) {
        let mut h = [0u8; 16];
        timeout(PATIENCE, c.read_exact(&mut h))
            .await
            .expect("the client said nothing")
            .unwrap();
        let w = |i: usize| u32::from_be_bytes(h[i..i + 4].try_into().unwrap());
        let mut body = vec![0u8; w(0) as usize - 16];
        c.read_exact(&mut body).await.unwrap();
        (w(4), w(8), w(12), body)
    }

    async fn write(c: &mut TcpStream, cmd: u32, status: u32, seq: u32, body: &[u8]) {
        c.write_all(&frame(cmd, status, seq, body)).await.unwrap();
    }

    async fn expect_eof(c: &mut TcpStream) {
        let mut b = [0u8; 1];
        let n = timeout(PATIENCE, c.read(&mut b)).await.unwrap();
        assert!(
            matches!(n, Ok(0) | Err(_)),
            "the client should have closed the connection"
        );
    }

    fn ucs2(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    /// A `deliver_sm` body from an international number to 8077.
    fn deliver(from: &str, esm_class: u8, data_coding: u8, sm: &[u8]) -> Vec<u8> {
        let mut b = b"\0\x01\x01".to_vec();
        b.extend_from_slice(from.as_bytes());
        b.extend_from_slice(b"\0\x00\x018077\0");
        b.extend_from_slice(&[esm_class, 0, 0]);
        b.extend_from_slice(b"\0\0");
        b.extend_from_slice(&[0, 0, data_coding, 0, sm.len() as u8]);
        b.extend_from_slice(sm);
        b
    }

    /// The `submit_sm` body of a single-segment UCS-2 reply from 8077.
    fn reply_submit(to: &str, text: &str) -> Vec<u8> {
        let sm = ucs2(text);
        let mut b = b"\0\x00\x018077\0\x01\x01".to_vec();
        b.extend_from_slice(to.as_bytes());
        b.extend_from_slice(b"\0\x00\x00\x00\0\0");
        b.extend_from_slice(&[0, 0, 8, 0, sm.len() as u8]);
        b.extend_from_slice(&sm);
        b
    }

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Outgoing>>);

    #[async_trait::async_trait]
    impl Channel for Recorder {
        async fn send(&self, msg: &Outgoing) -> Result<(), SendError> {
            self.0.lock().unwrap().push(msg.clone());
            Ok(())
        }
    }

    type Calls = Arc<Mutex<Vec<(String, String)>>>;

    fn config(port: u16) -> SmppConfig {
        let mut c = SmppConfig::new("127.0.0.1", port, "sen", "pw");
        c.source_addr = "8077".into();
        c.source_addr_ton = 0;
        c.source_addr_npi = 1;
        c
    }

    fn spawn(inbound: Inbound) -> (oneshot::Sender<()>, JoinHandle<()>) {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(inbound.run(async move {
            let _ = stopped.await;
        }));
        (stop, task)
    }

    use tokio::sync::oneshot;

    async fn wait_for(what: &str, cond: impl Fn() -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !cond() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn a_receiver_answers_every_pdu_and_refuses_when_busy() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut c = config(l.local_addr().unwrap().port());
        c.keepalive = Duration::from_secs(1);
        let calls = Calls::default();
        let gate = Arc::new(Semaphore::new(0));
        let (calls2, gate2) = (calls.clone(), gate.clone());
        let handler = move |from: String, text: String| {
            let (calls, gate) = (calls2.clone(), gate2.clone());
            async move {
                calls.lock().unwrap().push((from, text.clone()));
                let _open = gate.acquire().await.unwrap();
                Some(format!("Đã nhận: {text}"))
            }
        };
        let replies = Arc::new(Recorder::default());
        let inbound = Inbound::new(c, handler)
            .unwrap()
            .with_options(InboundOptions {
                bind_mode: BindMode::Receiver,
                address_range: "8077".into(),
                max_concurrent_handlers: 1,
                ..InboundOptions::default()
            })
            .unwrap()
            .reply_via(replies.clone());
        let (stop, task) = spawn(inbound);

        let (mut s, _) = l.accept().await.unwrap();
        let (cmd, status, seq, body) = read(&mut s).await;
        assert_eq!((cmd, status), (0x0000_0001, 0), "bind_receiver");
        assert_eq!(body, b"sen\0pw\0\0\x34\0\08077\0");
        write(&mut s, 0x8000_0001, 0, seq, b"SMSC\0").await;

        write(&mut s, 0x0000_0015, 0, 1, b"").await;
        assert_eq!(
            read(&mut s).await,
            (0x8000_0015, 0, 1, vec![]),
            "enquire_link_resp"
        );

        // A query in the default alphabet: acknowledged, handler called.
        let q = b"TRACUU H99.02-260302-0001";
        write(&mut s, 0x0000_0005, 0, 2, &deliver("84912345678", 0, 0, q)).await;
        assert_eq!(
            read(&mut s).await,
            (0x8000_0005, 0, 2, b"\0".to_vec()),
            "deliver_sm_resp"
        );
        wait_for("the handler", || calls.lock().unwrap().len() == 1).await;
        assert_eq!(
            calls.lock().unwrap()[0],
            (
                "84912345678".to_string(),
                "TRACUU H99.02-260302-0001".to_string()
            )
        );

        // The one handler is busy: the next message is refused for now.
        write(
            &mut s,
            0x0000_0005,
            0,
            3,
            &deliver("84912345678", 0, 8, &ucs2("Tra cứu")),
        )
        .await;
        assert_eq!(
            read(&mut s).await,
            (0x8000_0005, 0x64, 3, b"\0".to_vec()),
            "ESME_RX_T_APPN"
        );
        // A receipt needs no handler.
        let receipt = deliver("84912345678", 0x04, 0, b"id:1 stat:DELIVRD");
        write(&mut s, 0x0000_0005, 0, 4, &receipt).await;
        assert_eq!(read(&mut s).await, (0x8000_0005, 0, 4, b"\0".to_vec()));
        // A deliver_sm cut short is refused for good.
        write(&mut s, 0x0000_0005, 0, 5, &receipt[..10]).await;
        assert_eq!(
            read(&mut s).await,
            (0x8000_0005, 0x65, 5, b"\0".to_vec()),
            "ESME_RX_P_APPN"
        );
        // data_sm is not handled; alert_notification has no response.
        write(&mut s, 0x0000_0103, 0, 6, b"").await;
        assert_eq!(
            read(&mut s).await,
            (0x8000_0000, 3, 6, vec![]),
            "generic_nack"
        );
        write(&mut s, 0x0000_0102, 0, 7, b"\0\0\0\0\0\0").await;
        write(&mut s, 0x0000_0015, 0, 8, b"").await;
        assert_eq!(read(&mut s).await, (0x8000_0015, 0, 8, vec![]));
        // A generic_nack for something the client sent is tolerated.
        write(&mut s, 0x8000_0000, 3, 2, b"").await;

        // Idle for the keep-alive: the client probes the link.
        let (cmd, status, seq, body) = read(&mut s).await;
        assert_eq!(
            (cmd, status, body),
            (0x0000_0015, 0, vec![]),
            "enquire_link"
        );
        write(&mut s, 0x8000_0015, 0, seq, b"").await;

        // The handler finishes; its reply goes through the channel.
        gate.add_permits(10);
        wait_for("the reply", || replies.0.lock().unwrap().len() == 1).await;
        let r = replies.0.lock().unwrap()[0].clone();
        assert_eq!(r.recipient, "+84912345678");
        assert_eq!(r.body, "Đã nhận: TRACUU H99.02-260302-0001");
        // ... and the next message is taken.
        write(
            &mut s,
            0x0000_0005,
            0,
            9,
            &deliver("84912345678", 0, 8, &ucs2("Tra cứu")),
        )
        .await;
        assert_eq!(read(&mut s).await, (0x8000_0005, 0, 9, b"\0".to_vec()));
        wait_for("the second reply", || replies.0.lock().unwrap().len() == 2).await;

        // Shutdown: an unbind, then the connection is closed.
        stop.send(()).unwrap();
        let (cmd, _, seq, _) = read(&mut s).await;
        assert_eq!(cmd, 0x0000_0006, "unbind");
        write(&mut s, 0x8000_0006, 0, seq, b"").await;
        expect_eof(&mut s).await;
        timeout(PATIENCE, task).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn transceiver_replies_are_retried_and_given_up_as_the_status_says() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handler = |_from: String, text: String| async move { Some(format!("Đã nhận: {text}")) };
        let inbound = Inbound::new(config(l.local_addr().unwrap().port()), handler)
            .unwrap()
            .with_options(InboundOptions {
                reconnect_min: Duration::from_millis(50),
                reconnect_max: Duration::from_millis(200),
                reply_attempts: 3,
                ..InboundOptions::default()
            })
            .unwrap();
        let (stop, task) = spawn(inbound);
        let to = "84912345678";

        async fn bind(l: &TcpListener) -> TcpStream {
            let (mut s, _) = l.accept().await.unwrap();
            let (cmd, status, seq, body) = read(&mut s).await;
            assert_eq!((cmd, status), (0x0000_0009, 0), "bind_transceiver");
            assert_eq!(body, b"sen\0pw\0\0\x34\0\0\0");
            write(&mut s, 0x8000_0009, 0, seq, b"SMSC\0").await;
            s
        }
        let mut s = bind(&l).await;

        // Throttled: the same segment again, then accepted.
        write(&mut s, 0x0000_0005, 0, 1, &deliver(to, 0, 0, b"q1")).await;
        assert_eq!(read(&mut s).await, (0x8000_0005, 0, 1, b"\0".to_vec()));
        let (cmd, _, seq, body) = read(&mut s).await;
        assert_eq!(
            (cmd, body.clone()),
            (0x0000_0004, reply_submit(to, "Đã nhận: q1"))
        );
        write(&mut s, 0x8000_0004, 0x58, seq, b"").await;
        let (cmd, _, seq2, body2) = read(&mut s).await;
        assert_eq!((cmd, body2), (0x0000_0004, body));
        assert!(seq2 != seq);
        write(&mut s, 0x8000_0004, 0, seq2, b"id-1\0").await;

        // Refused for good: not tried again; the next reply follows.
        write(&mut s, 0x0000_0005, 0, 2, &deliver(to, 0, 0, b"q2")).await;
        assert_eq!(read(&mut s).await, (0x8000_0005, 0, 2, b"\0".to_vec()));
        let (cmd, _, seq, body) = read(&mut s).await;
        assert_eq!((cmd, body), (0x0000_0004, reply_submit(to, "Đã nhận: q2")));
        write(&mut s, 0x8000_0004, 0x0B, seq, b"").await;
        write(&mut s, 0x0000_0005, 0, 3, &deliver(to, 0, 0, b"q3")).await;
        assert_eq!(read(&mut s).await, (0x8000_0005, 0, 3, b"\0".to_vec()));
        let (cmd, _, _, body) = read(&mut s).await;
        assert_eq!(
            (cmd, body.clone()),
            (0x0000_0004, reply_submit(to, "Đã nhận: q3"))
        );

        // The connection drops before the answer: the segment goes out
        // again on the next session.
        drop(s);
        let mut s = bind(&l).await;
        let (cmd, _, seq, again) = read(&mut s).await;
        assert_eq!((cmd, again), (0x0000_0004, body));
        write(&mut s, 0x8000_0004, 0, seq, b"id-3\0").await;

        // Told to stop while a message is being delivered: further messages
        // are refused for now, then the client unbinds.
        stop.send(()).unwrap();
        let (cmd, _, seq, _) = read(&mut s).await;
        assert_eq!(cmd, 0x0000_0006, "unbind");
        write(&mut s, 0x0000_0005, 0, 4, &deliver(to, 0, 0, b"q4")).await;
        assert_eq!(read(&mut s).await, (0x8000_0005, 0x64, 4, b"\0".to_vec()));
        write(&mut s, 0x8000_0006, 0, seq, b"").await;
        expect_eof(&mut s).await;
        timeout(PATIENCE, task).await.unwrap().unwrap();
    }

    #[test]
    fn tracking_queries() {
        for text in [
            "TRACUU H99.02-260302-0001",
            "tracuu h99.02-260302-0001",
            "Tra cứu H99.02-260302-0001",
            "  TRA CỨU:H99.02-260302-0001. Cảm ơn",
            "Tra cu\u{031B}\u{0301}u H99.02-260302-0001", // decomposed
            "tra-cuu #H99.02-260302-0001",
            "TRACUUH99.02-260302-0001",
        ] {
            assert_eq!(
                parse_tracking_query(text).as_deref(),
                Some("H99.02-260302-0001"),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_tracking_query("tracuu 000.00.01.h12-260305-0001").as_deref(),
            Some("000.00.01.H12-260305-0001")
        );
        for text in [
            "",
            "TRACUU",
            "TRACUU ABC",
            "Tra cứu hồ sơ",
            "Xin chào",
            "TRA H99.02-1",
            "CUU H99",
        ] {
            assert_eq!(parse_tracking_query(text), None, "{text:?}");
        }
    }

    #[test]
    fn masked_numbers() {
        assert_eq!(masked("84912345678"), "849…678");
        assert_eq!(masked("8077"), "****");
    }
}
