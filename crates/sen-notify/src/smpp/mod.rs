//! SMS over SMPP 3.4: an ESME on a plain TCP connection.
//!
//! [`SmppChannel`] keeps one bound session (`bind_transmitter`) and reuses
//! it; requests are sent one at a time (a window of one), each waiting for
//! its response. A session that has been idle for [`SmppConfig::keepalive`]
//! is probed with `enquire_link` before use and replaced if the probe fails,
//! so a connection the SMSC dropped in the meantime costs no message. While
//! waiting for a response the client answers the SMSC's own `enquire_link`
//! and `unbind`, and refuses anything else a transmitter should not receive.
//! Any I/O error, time-out, `generic_nack` or unexpected response drops the
//! session; the next send binds afresh.
//!
//! [`Inbound`] is the receiving side: a session bound as a transceiver (or
//! a receiver) that takes mobile-originated messages (`deliver_sm`),
//! reassembles concatenated ones, hands each text to an async handler and
//! sends the handler's answer back to the sender; see [`inbound`].
//!
//! The codec is in [`pdu`]; text encoding, decoding and concatenation in
//! [`text`].

pub mod inbound;
pub mod pdu;
mod reassembly;
pub mod text;

pub use inbound::{parse_tracking_query, BindMode, Inbound, InboundOptions};

use crate::message::{Channel, ConfigError, Outgoing, SendError};
use async_trait::async_trait;
use pdu::{command, status, Bind, Pdu, SubmitSm};
use std::fmt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio::time::timeout;

/// How recipient numbers are written in `destination_addr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberFormat {
    /// `84912345678` with TON 1 (international) and NPI 1 (E.164). A
    /// Vietnamese national number `0912345678` gets the country code 84.
    #[default]
    International,
    /// `0912345678` with TON 2 (national) and NPI 1; only Vietnamese
    /// numbers are accepted.
    National,
}

/// Configuration of the SMPP client, shared by [`SmppChannel`] (sending)
/// and [`Inbound`] (receiving and replying).
#[derive(Clone)]
pub struct SmppConfig {
    /// The SMSC's host name or address.
    pub host: String,
    /// The SMSC's port (2775 is usual).
    pub port: u16,
    /// `system_id` for the bind (at most 15 characters).
    pub system_id: String,
    /// `password` for the bind (at most 8 characters).
    pub password: String,
    /// `system_type` for the bind (at most 12; often empty).
    pub system_type: String,
    /// The sender shown on the handset: a number or a registered brand name
    /// (at most 20 characters; 11 for an alphanumeric sender on most
    /// networks). For [`Inbound`]'s replies this is usually the short code
    /// citizens write to.
    pub source_addr: String,
    /// TON of `source_addr` (5 = alphanumeric, 1 = international).
    pub source_addr_ton: u8,
    /// NPI of `source_addr` (0 = unknown, 1 = E.164).
    pub source_addr_npi: u8,
    /// How recipients are written.
    pub number_format: NumberFormat,
    /// Send texts made only of characters that the GSM default alphabet,
    /// ASCII and ISO-8859-1 agree on with `data_coding` 0 (160 characters a
    /// message) instead of UCS-2 (70). Vietnamese with diacritics always goes
    /// as UCS-2.
    pub allow_default_alphabet: bool,
    /// Time allowed for the TCP connection.
    pub connect_timeout: Duration,
    /// Time allowed for each response (`bind`, `submit_sm`, `enquire_link`,
    /// `unbind`).
    pub response_timeout: Duration,
    /// A session idle at least this long is probed with `enquire_link`
    /// before it is used again. Zero probes before every message.
    /// [`Inbound`] sends `enquire_link` whenever nothing has been read from
    /// the SMSC for this long (at least one second).
    pub keepalive: Duration,
}

impl fmt::Debug for SmppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmppConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .field("source_addr", &self.source_addr)
            .field("source_addr_ton", &self.source_addr_ton)
            .field("source_addr_npi", &self.source_addr_npi)
            .field("number_format", &self.number_format)
            .field("allow_default_alphabet", &self.allow_default_alphabet)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("keepalive", &self.keepalive)
            .finish()
    }
}

impl SmppConfig {
    /// A configuration with the given SMSC and credentials, sender `Sen`
    /// (alphanumeric), international numbers, the default alphabet allowed,
    /// 10 s to connect, 20 s for a response and a 15 s keep-alive.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        system_id: impl Into<String>,
        password: impl Into<String>,
    ) -> SmppConfig {
        SmppConfig {
            host: host.into(),
            port,
            system_id: system_id.into(),
            password: password.into(),
            system_type: String::new(),
            source_addr: "Sen".into(),
            source_addr_ton: 5,
            source_addr_npi: 0,
            number_format: NumberFormat::International,
            allow_default_alphabet: true,
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(20),
            keepalive: Duration::from_secs(15),
        }
    }

    fn bind(&self) -> Bind {
        Bind {
            system_id: self.system_id.clone(),
            password: self.password.clone(),
            system_type: self.system_type.clone(),
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
        }
    }

    /// Checks what can be checked before connecting: the bind fields, the
    /// host and the sender.
    fn validate(&self) -> Result<(), ConfigError> {
        self.bind()
            .encode()
            .map_err(|e| ConfigError(format!("SMPP bind: {e}")))?;
        if self.host.is_empty() {
            return Err(ConfigError("SMPP host is empty".into()));
        }
        let probe = SubmitSm {
            source_addr: self.source_addr.clone(),
            ..SubmitSm::default()
        };
        probe
            .encode()
            .map_err(|e| ConfigError(format!("SMPP sender: {e}")))?;
        Ok(())
    }

    /// The `submit_sm` bodies that send `text` to `destination` (address,
    /// TON, NPI): one per segment, concatenated with `reference`.
    fn submit_bodies(
        &self,
        destination: (&str, u8, u8),
        text: &str,
        reference: u8,
    ) -> Result<Vec<Vec<u8>>, SendError> {
        let (dest, ton, npi) = destination;
        let sms = text::encode(text, reference, self.allow_default_alphabet)
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        sms.parts
            .into_iter()
            .map(|part| {
                SubmitSm {
                    source_addr_ton: self.source_addr_ton,
                    source_addr_npi: self.source_addr_npi,
                    source_addr: self.source_addr.clone(),
                    dest_addr_ton: ton,
                    dest_addr_npi: npi,
                    destination_addr: dest.to_string(),
                    esm_class: sms.esm_class,
                    data_coding: sms.data_coding,
                    short_message: part,
                    ..SubmitSm::default()
                }
                .encode()
                .map_err(|e| SendError::Permanent(e.to_string()))
            })
            .collect()
    }
}

/// Normalises a recipient to `(destination_addr, ton, npi)`.
///
/// Spaces, dots, dashes and parentheses are ignored. Accepted forms:
/// `0912345678` (Vietnamese national), `+84912345678`, `0084912345678`,
/// `84912345678`, and, with [`NumberFormat::International`], any other
/// `+`-prefixed E.164 number.
pub fn normalize_recipient(raw: &str, format: NumberFormat) -> Result<(String, u8, u8), String> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let bad = || format!("{raw:?} is not a phone number");
    let (plus, digits) = match cleaned.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // E.164 without any prefix
    let international: String = if plus {
        digits.to_string()
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("84{rest}")
    } else if digits.starts_with("84") {
        digits.to_string()
    } else {
        return Err(bad());
    };
    if !(8..=15).contains(&international.len()) || international.starts_with('0') {
        return Err(bad());
    }
    match format {
        NumberFormat::International => Ok((international, 1, 1)),
        NumberFormat::National => match international.strip_prefix("84") {
            Some(national) if (8..=10).contains(&national.len()) => {
                Ok((format!("0{national}"), 2, 1))
            }
            _ => Err(format!("{raw:?} is not a Vietnamese number")),
        },
    }
}

/// A phone number for the logs: its first and last three characters.
pub(crate) fn masked(addr: &str) -> String {
    let chars: Vec<char> = addr.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}…{tail}")
}

/// The sequence number after `s`: 1 to 0x7FFFFFFF, then 1 again.
fn next_sequence(s: u32) -> u32 {
    if s >= 0x7FFF_FFFF {
        1
    } else {
        s + 1
    }
}

/// One bound SMPP session.
struct Session {
    stream: TcpStream,
    next_sequence: u32,
    last_used: Instant,
}

impl Session {
    /// Connects and binds as a transmitter.
    async fn open(config: &SmppConfig) -> Result<Session, String> {
        let addr = format!("{}:{}", config.host, config.port);
        let stream = match timeout(config.connect_timeout, TcpStream::connect(&addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(format!("cannot connect to SMSC {addr}: {e}")),
            Err(_) => return Err(format!("connecting to SMSC {addr} timed out")),
        };
        let _ = stream.set_nodelay(true);
        let mut session = Session {
            stream,
            next_sequence: 1,
            last_used: Instant::now(),
        };
        let body = config.bind().encode().map_err(|e| e.to_string())?;
        let resp = session
            .request(command::BIND_TRANSMITTER, body, config.response_timeout)
            .await
            .map_err(|e| format!("bind_transmitter to {addr}: {e}"))?;
        if resp.command_status != status::ESME_ROK {
            return Err(format!(
                "SMSC {addr} refused bind_transmitter as {:?}: {}",
                config.system_id,
                status::describe(resp.command_status)
            ));
        }
        if resp.command_id != command::BIND_TRANSMITTER_RESP {
            return Err(format!(
                "SMSC {addr} answered bind_transmitter with {resp:?}"
            ));
        }
        let smsc =
            pdu::decode_bind_resp(&resp.body).map_err(|e| format!("bind_transmitter_resp: {e}"))?;
        tracing::info!(smsc = %addr, smsc_system_id = smsc.as_deref().unwrap_or(""), "SMPP session bound");
        Ok(session)
    }

    fn sequence(&mut self) -> u32 {
        let s = self.next_sequence;
        self.next_sequence = next_sequence(s);
        s
    }

    async fn write(&mut self, pdu: &Pdu) -> Result<(), String> {
        self.stream
            .write_all(&pdu.encode())
            .await
            .map_err(|e| format!("write to SMSC failed: {e}"))
    }

    async fn read(&mut self) -> Result<Pdu, String> {
        let mut len = [0u8; 4];
        self.stream
            .read_exact(&mut len)
            .await
            .map_err(|e| format!("SMSC connection lost: {e}"))?;
        let n = Pdu::check_length(u32::from_be_bytes(len)).map_err(|e| e.to_string())?;
        let mut frame = vec![0u8; n];
        frame[..4].copy_from_slice(&len);
        self.stream
            .read_exact(&mut frame[4..])
            .await
            .map_err(|e| format!("SMSC connection lost: {e}"))?;
        Pdu::decode(&frame).map_err(|e| e.to_string())
    }

    /// Sends a request and returns its response (which may be a
    /// `generic_nack`), answering the SMSC's own requests meanwhile. An `Err`
    /// means the session is unusable.
    async fn request(
        &mut self,
        command_id: u32,
        body: Vec<u8>,
        limit: Duration,
    ) -> Result<Pdu, String> {
        let seq = self.sequence();
        let fut = async {
            self.write(&Pdu::new(command_id, seq, body)).await?;
            loop {
                let pdu = self.read().await?;
                if pdu.is_response() {
                    if pdu.sequence_number == seq {
                        if pdu.command_id == command_id | command::RESPONSE_BIT {
                            return Ok(pdu);
                        }
                        if pdu.command_id == command::GENERIC_NACK {
                            return Ok(pdu);
                        }
                        return Err(format!(
                            "unexpected response {pdu:?} to command 0x{command_id:08X}"
                        ));
                    }
                    if pdu.command_id == command::GENERIC_NACK && pdu.sequence_number == 0 {
                        return Err(format!(
                            "SMSC could not parse a PDU: generic_nack {}",
                            status::describe(pdu.command_status)
                        ));
                    }
                    tracing::warn!(?pdu, expected = seq, "ignoring a stray SMPP response");
                    continue;
                }
                match pdu.command_id {
                    command::ENQUIRE_LINK => {
                        self.write(&Pdu::new(
                            command::ENQUIRE_LINK_RESP,
                            pdu.sequence_number,
                            vec![],
                        ))
                        .await?;
                    }
                    command::UNBIND => {
                        let _ = self
                            .write(&Pdu::new(command::UNBIND_RESP, pdu.sequence_number, vec![]))
                            .await;
                        return Err("SMSC ended the session (unbind)".to_string());
                    }
                    command::DELIVER_SM => {
                        let mut resp = Pdu::new(
                            command::DELIVER_SM_RESP,
                            pdu.sequence_number,
                            b"\0".to_vec(),
                        );
                        resp.command_status = status::ESME_RINVBNDSTS;
                        self.write(&resp).await?;
                    }
                    _ => {
                        let mut nack = Pdu::new(command::GENERIC_NACK, pdu.sequence_number, vec![]);
                        nack.command_status = status::ESME_RINVCMDID;
                        self.write(&nack).await?;
                    }
                }
            }
        };
        match timeout(limit, fut).await {
            Ok(r) => r,
            Err(_) => Err(format!("no response from SMSC within {limit:?}")),
        }
    }

    /// Whether the session still answers `enquire_link`.
    async fn probe(&mut self, limit: Duration) -> Result<(), String> {
        let resp = self.request(command::ENQUIRE_LINK, vec![], limit).await?;
        if resp.command_id != command::ENQUIRE_LINK_RESP || resp.command_status != status::ESME_ROK
        {
            return Err(format!(
                "enquire_link answered by {resp:?} ({})",
                status::describe(resp.command_status)
            ));
        }
        Ok(())
    }

    /// Unbinds politely and closes the connection.
    async fn close(mut self, limit: Duration) {
        match self.request(command::UNBIND, vec![], limit).await {
            Ok(_) => tracing::info!("SMPP session unbound"),
            Err(e) => tracing::debug!(error = %e, "SMPP unbind failed"),
        }
        let _ = self.stream.shutdown().await;
    }
}

/// SMS delivery over SMPP 3.4; see the [module documentation](self).
pub struct SmppChannel {
    config: SmppConfig,
    session: Mutex<Option<Session>>,
}

impl fmt::Debug for SmppChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmppChannel")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SmppChannel {
    /// A channel with this configuration; fails if the bind fields or the
    /// sender do not fit their SMPP fields. Nothing is connected until the
    /// first message.
    pub fn new(config: SmppConfig) -> Result<SmppChannel, ConfigError> {
        config.validate()?;
        Ok(SmppChannel {
            config,
            session: Mutex::new(None),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &SmppConfig {
        &self.config
    }

    /// The `submit_sm` bodies for a message: one per segment.
    fn submits(&self, msg: &Outgoing) -> Result<Vec<Vec<u8>>, SendError> {
        let c = &self.config;
        let (dest, ton, npi) =
            normalize_recipient(&msg.recipient, c.number_format).map_err(SendError::Permanent)?;
        c.submit_bodies(
            (&dest, ton, npi),
            &msg.body,
            text::concat_reference(&msg.idempotency_key),
        )
    }
}

/// Sends every segment on `session`. On error, also says whether the
/// session must be dropped.
async fn submit_all(
    session: &mut Session,
    bodies: Vec<Vec<u8>>,
    limit: Duration,
) -> Result<Vec<String>, (SendError, bool)> {
    let total = bodies.len();
    let mut ids = Vec::with_capacity(total);
    for (i, body) in bodies.into_iter().enumerate() {
        let part = if total > 1 {
            format!(" (segment {} of {total})", i + 1)
        } else {
            String::new()
        };
        let resp = session
            .request(command::SUBMIT_SM, body, limit)
            .await
            .map_err(|e| (SendError::Transient(format!("submit_sm{part}: {e}")), true))?;
        session.last_used = Instant::now();
        let code = resp.command_status;
        if resp.command_id == command::GENERIC_NACK {
            // The SMSC could not take our PDU as a submit_sm at all: judge by
            // its status, and start a fresh session in case we disagree on
            // more than this one PDU.
            let text = format!(
                "SMSC answered submit_sm{part} with generic_nack {}",
                status::describe(code)
            );
            let err = if status::is_permanent(code) {
                SendError::Permanent(text)
            } else {
                SendError::Transient(text)
            };
            return Err((err, true));
        }
        if code != status::ESME_ROK {
            let text = format!("SMSC refused submit_sm{part}: {}", status::describe(code));
            let err = if status::is_permanent(code) {
                SendError::Permanent(text)
            } else {
                SendError::Transient(text)
            };
            return Err((err, code == status::ESME_RINVBNDSTS));
        }
        let id = pdu::decode_submit_sm_resp(&resp.body).map_err(|e| {
            (
                SendError::Transient(format!("submit_sm_resp{part}: {e}")),
                true,
            )
        })?;
        ids.push(id.unwrap_or_default());
    }
    Ok(ids)
}

#[async_trait]
impl Channel for SmppChannel {
    async fn send(&self, msg: &Outgoing) -> Result<(), SendError> {
        let bodies = self.submits(msg)?;
        let c = &self.config;
        let mut guard = self.session.lock().await;
        // The session is taken out while in use and put back only when it is
        // known to be in a clean state: if this future is dropped half-way
        // (a caller's time-out), the connection is closed, never reused with
        // half a PDU on it.
        let mut reusable = guard.take();
        if let Some(session) = reusable.as_mut() {
            if session.last_used.elapsed() >= c.keepalive {
                if let Err(e) = session.probe(c.response_timeout).await {
                    tracing::info!(error = %e, "SMPP session lost; binding again");
                    reusable = None;
                }
            }
        }
        let mut session = match reusable {
            Some(s) => s,
            None => Session::open(c).await.map_err(SendError::Transient)?,
        };
        match submit_all(&mut session, bodies, c.response_timeout).await {
            Ok(ids) => {
                *guard = Some(session);
                tracing::debug!(id = %msg.id, smsc_message_ids = ?ids, "SMS submitted");
                Ok(())
            }
            Err((err, drop_session)) => {
                if !drop_session {
                    *guard = Some(session);
                }
                Err(err)
            }
        }
    }

    async fn close(&self) {
        let session = self.session.lock().await.take();
        if let Some(session) = session {
            let limit = self.config.response_timeout.min(Duration::from_secs(5));
            session.close(limit).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients() {
        let intl = NumberFormat::International;
        for raw in [
            "0912345678",
            "+84912345678",
            "0084912345678",
            "84912345678",
            "091 234 5678",
            "+84 (91) 234-5678",
        ] {
            assert_eq!(
                normalize_recipient(raw, intl),
                Ok(("84912345678".into(), 1, 1)),
                "{raw}"
            );
            assert_eq!(
                normalize_recipient(raw, NumberFormat::National),
                Ok(("0912345678".into(), 2, 1)),
                "{raw}"
            );
        }
        assert_eq!(
            normalize_recipient("+33612345678", intl),
            Ok(("33612345678".into(), 1, 1))
        );
        assert!(normalize_recipient("+33612345678", NumberFormat::National).is_err());
        for raw in [
            "",
            "+",
            "abc",
            "09123x5678",
            "912345678",
            "0",
            "00",
            "+0912345678",
            "0912345678901234567",
        ] {
            assert!(normalize_recipient(raw, intl).is_err(), "{raw}");
        }
    }

    #[test]
    fn config_is_checked_and_password_hidden() {
        let c = SmppConfig::new("127.0.0.1", 2775, "sen", "secret");
        assert!(!format!("{c:?}").contains("secret"));
        assert!(SmppChannel::new(c.clone()).is_ok());
        let mut bad = c.clone();
        bad.password = "123456789".into();
        assert!(SmppChannel::new(bad).is_err());
        let mut bad = c.clone();
        bad.system_id = "x".repeat(16);
        assert!(SmppChannel::new(bad).is_err());
        let mut bad = c;
        bad.source_addr = "x".repeat(21);
        assert!(SmppChannel::new(bad).is_err());
    }

    use crate::ChannelKind;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    // The scripted SMSC below writes and checks PDUs as literal bytes, laid
    // out by hand from the SMPP 3.4 specification, not with `pdu`.

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
        c.read_exact(&mut h).await.unwrap();
        let w = |i: usize| u32::from_be_bytes(h[i..i + 4].try_into().unwrap());
        let mut body = vec![0u8; w(0) as usize - 16];
        c.read_exact(&mut body).await.unwrap();
        (w(4), w(8), w(12), body)
    }

    async fn expect_eof(c: &mut TcpStream) {
        let mut b = [0u8; 1];
        let n = tokio::time::timeout(Duration::from_secs(30), c.read(&mut b))
            .await
            .unwrap();
        assert!(
            matches!(n, Ok(0) | Err(_)),
            "the client should have closed the connection"
        );
    }

    async fn accept_and_bind(l: &TcpListener) -> TcpStream {
        let (mut c, _) = l.accept().await.unwrap();
        let (cmd, status, seq, body) = read(&mut c).await;
        assert_eq!((cmd, status), (0x0000_0002, 0));
        assert_eq!(body, b"sen\0pw\0\0\x34\0\0\0");
        c.write_all(&frame(0x8000_0002, 0, seq, b"SMSC\0"))
            .await
            .unwrap();
        c
    }

    async fn read_submit(c: &mut TcpStream) -> u32 {
        let (cmd, status, seq, body) = read(c).await;
        assert_eq!((cmd, status), (0x0000_0004, 0));
        // ... destination 84912345678, data_coding 0, sm_length 2, "hi"
        assert!(
            body.ends_with(b"84912345678\0\0\0\0\0\0\0\0\0\0\x02hi"),
            "{body:?}"
        );
        seq
    }

    fn msg(n: u32) -> Outgoing {
        Outgoing {
            id: uuid::Uuid::from_u128(n.into()),
            channel: ChannelKind::Sms,
            recipient: "0912345678".into(),
            subject: String::new(),
            body: "hi".into(),
            idempotency_key: format!("k{n}"),
            attempts: 0,
        }
    }

    #[tokio::test]
    async fn answers_the_smsc_and_handles_nacks() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let smsc = tokio::spawn(async move {
            // 1: the SMSC's own requests while the client waits, a stray
            // response, then the real one.
            let mut c = accept_and_bind(&l).await;
            let s = read_submit(&mut c).await;
            c.write_all(&frame(0x0000_0015, 0, 77, b"")).await.unwrap();
            assert_eq!(
                read(&mut c).await,
                (0x8000_0015, 0, 77, vec![]),
                "enquire_link_resp"
            );
            c.write_all(&frame(0x0000_0009, 0, 78, b"x\0y\0\0\x34\0\0\0"))
                .await
                .unwrap();
            assert_eq!(
                read(&mut c).await,
                (0x8000_0000, 3, 78, vec![]),
                "generic_nack ESME_RINVCMDID"
            );
            c.write_all(&frame(0x8000_0004, 0, s.wrapping_add(1000), b"stray\0"))
                .await
                .unwrap();
            c.write_all(&frame(0x8000_0004, 0, s, b"id-1\0"))
                .await
                .unwrap();
            // 2: a generic_nack (throttled) to submit_sm: transient, and the
            // client starts afresh.
            let s = read_submit(&mut c).await;
            c.write_all(&frame(0x8000_0000, 0x58, s, b""))
                .await
                .unwrap();
            expect_eof(&mut c).await;
            // 3: the SMSC unbinds while the client waits.
            let mut c = accept_and_bind(&l).await;
            read_submit(&mut c).await;
            c.write_all(&frame(0x0000_0006, 0, 5, b"")).await.unwrap();
            assert_eq!(
                read(&mut c).await,
                (0x8000_0006, 0, 5, vec![]),
                "unbind_resp"
            );
            expect_eof(&mut c).await;
            // 4: a generic_nack with a permanent status.
            let mut c = accept_and_bind(&l).await;
            let s = read_submit(&mut c).await;
            c.write_all(&frame(0x8000_0000, 0x0B, s, b""))
                .await
                .unwrap();
            expect_eof(&mut c).await;
            // 5: a refusal in submit_sm_resp keeps the session; then the
            // client probes with enquire_link (keepalive zero) and finally
            // unbinds on close.
            let mut c = accept_and_bind(&l).await;
            let s = read_submit(&mut c).await;
            c.write_all(&frame(0x8000_0004, 0x14, s, b""))
                .await
                .unwrap();
            let (cmd, status, seq, body) = read(&mut c).await;
            assert_eq!(
                (cmd, status, body),
                (0x0000_0015, 0, vec![]),
                "enquire_link"
            );
            c.write_all(&frame(0x8000_0015, 0, seq, b"")).await.unwrap();
            let s = read_submit(&mut c).await;
            assert_eq!(s, seq + 1, "sequence numbers increase");
            c.write_all(&frame(0x8000_0004, 0, s, b"id-5\0"))
                .await
                .unwrap();
            let (cmd, status, seq, body) = read(&mut c).await;
            assert_eq!((cmd, status, body), (0x0000_0006, 0, vec![]), "unbind");
            c.write_all(&frame(0x8000_0006, 0, seq, b"")).await.unwrap();
            expect_eof(&mut c).await;
        });

        let mut config = SmppConfig::new("127.0.0.1", port, "sen", "pw");
        config.keepalive = Duration::from_secs(3600);
        let ch = SmppChannel::new(config.clone()).unwrap();
        assert_eq!(ch.send(&msg(1)).await, Ok(()));
        let e = ch.send(&msg(2)).await.unwrap_err();
        assert!(
            !e.is_permanent() && e.message().contains("generic_nack 0x00000058"),
            "{e}"
        );
        let e = ch.send(&msg(3)).await.unwrap_err();
        assert!(!e.is_permanent() && e.message().contains("unbind"), "{e}");
        let e = ch.send(&msg(4)).await.unwrap_err();
        assert!(
            e.is_permanent() && e.message().contains("ESME_RINVDSTADR"),
            "{e}"
        );
        drop(ch);
        config.keepalive = Duration::ZERO;
        let ch = SmppChannel::new(config).unwrap();
        let e = ch.send(&msg(5)).await.unwrap_err();
        assert!(
            !e.is_permanent() && e.message().contains("ESME_RMSGQFUL"),
            "{e}"
        );
        assert_eq!(ch.send(&msg(6)).await, Ok(()));
        ch.close().await;
        tokio::time::timeout(Duration::from_secs(60), smsc)
            .await
            .unwrap()
            .unwrap();
    }

    #[test]
    fn sequence_numbers_wrap_to_one() {
        assert_eq!(next_sequence(1), 2);
        assert_eq!(next_sequence(0x7FFF_FFFE), 0x7FFF_FFFF);
        assert_eq!(next_sequence(0x7FFF_FFFF), 1);
        assert_eq!(next_sequence(u32::MAX), 1);
    }
}
