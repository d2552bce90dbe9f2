//! Real protocol peers on loopback for the delivery tests:
//!
//! - [`Smsc`]: an SMSC from the `smpp34` crate (its server half), an SMPP
//!   implementation independent of sen-notify's own codec. It accepts
//!   transmitter, receiver and transceiver binds, records every `submit_sm`,
//!   and delivers mobile-originated messages and receipts ([`Mo`]) to a
//!   bound receiver or transceiver with `deliver_sm`. It runs on a runtime
//!   and thread of its own, so that [`Smsc::stop`] can end it like a process
//!   that goes away: the port closes and every session's connection with
//!   it;
//! - [`SmtpSink`]: Python's `aiosmtpd` in a subprocess
//!   (`tests/peers/smtp_sink.py`), which decodes each message with Python's
//!   e-mail parser and writes it as a JSON line.
//!
//! Each peer listens on a port chosen up front, so a test can have a peer
//! that is down (its port held by a socket that does not listen: a
//! connection is refused) and start it later.

#![allow(dead_code)]

use async_trait::async_trait;
use sen_notify::{Outgoing, Queue, QueueError};
use smpp34::server::ESME;
use smpp34::{
    bind_receiver, bind_receiver_resp, bind_transceiver, bind_transceiver_resp, bind_transmitter,
    bind_transmitter_resp, submit_sm, submit_sm_resp, unbind, unbind_resp,
    SmppConnectionInformation, SmppError, SmppServer, SmppServerListener, TlvTag,
};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

/// Generous limit for anything a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A loopback port held for a peer that is not running yet: a socket bound
/// to it but not listening, so that connecting to it is refused (the peer
/// is down) and no other socket, of this test run or another process, can
/// take it meanwhile. Dropped just before the peer binds the port itself.
pub struct HeldPort {
    pub port: u16,
    _socket: tokio::net::TcpSocket,
}

impl HeldPort {
    pub fn new() -> HeldPort {
        HeldPort::at(0).expect("a free loopback port")
    }

    /// Holds `port` again (after its peer has stopped), or gives `None`
    /// when it cannot be had (another socket, or connections of the
    /// stopped peer still in TIME_WAIT).
    pub fn at(port: u16) -> Option<HeldPort> {
        // Without SO_REUSEADDR: no other socket may share the port.
        let socket = tokio::net::TcpSocket::new_v4().ok()?;
        socket
            .bind(std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .ok()?;
        let port = socket.local_addr().ok()?.port();
        Some(HeldPort {
            port,
            _socket: socket,
        })
    }
}

/// Polls `cond` every 20 ms until it holds; panics after [`PATIENCE`].
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------- SMPP

/// One `submit_sm` as the SMSC decoded it.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub system_id: String,
    pub source_addr_ton: u8,
    pub source_addr_npi: u8,
    pub source_addr: String,
    pub dest_addr_ton: u8,
    pub dest_addr_npi: u8,
    pub destination_addr: String,
    pub esm_class: u8,
    pub data_coding: u8,
    pub short_message: Vec<u8>,
}

/// A bound session: its system_id, its handle, and the order it bound in.
type BoundEsme = (String, Arc<ESME>, usize);

#[derive(Default)]
pub struct SmscState {
    system_id: String,
    password: String,
    pub submits: Mutex<Vec<Submitted>>,
    /// Successful binds (of any kind).
    pub binds: AtomicUsize,
    /// Successful `bind_transceiver`s (also counted in `binds`).
    pub transceiver_binds: AtomicUsize,
    /// Successful `bind_receiver`s (also counted in `binds`).
    pub receiver_binds: AtomicUsize,
    /// Refused binds.
    pub refused_binds: AtomicUsize,
    /// `unbind`s received from the ESME.
    pub unbinds: AtomicUsize,
    /// Sessions ended, for whatever reason.
    pub sessions_ended: AtomicUsize,
    /// Destination → status with which its `submit_sm` is refused.
    pub refuse: Mutex<HashMap<String, SmppError>>,
    /// Bound sessions by session id.
    esmes: Mutex<HashMap<String, BoundEsme>>,
    esmes_bound: AtomicUsize,
    sessions: Mutex<HashMap<String, String>>,
    /// Sessions the SMSC has sent `unbind` on: like a real SMSC, it takes no
    /// more messages there.
    unbinding: Mutex<std::collections::HashSet<String>>,
}

struct Listener(Arc<SmscState>);

impl Listener {
    /// Checks the credentials of a bind of any kind and records it.
    fn bind(&self, system_id: &str, password: &str, version: u8, session_id: &str) -> bool {
        let s = &self.0;
        if system_id == s.system_id && password == s.password && version == 0x34 {
            s.binds.fetch_add(1, Ordering::SeqCst);
            s.sessions
                .lock()
                .unwrap()
                .insert(session_id.to_string(), system_id.to_string());
            true
        } else {
            s.refused_binds.fetch_add(1, Ordering::SeqCst);
            false
        }
    }
}

#[async_trait]
impl SmppServerListener for Listener {
    async fn on_bind_transmitter(
        &self,
        req: bind_transmitter,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> bind_transmitter_resp {
        if self.bind(
            &req.system_id,
            &req.password,
            req.interface_version,
            session_id,
        ) {
            req.accept("LoopbackSMSC".to_string(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_bind_transceiver(
        &self,
        req: bind_transceiver,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> bind_transceiver_resp {
        if self.bind(
            &req.system_id,
            &req.password,
            req.interface_version,
            session_id,
        ) {
            self.0.transceiver_binds.fetch_add(1, Ordering::SeqCst);
            req.accept("LoopbackSMSC".to_string(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_bind_receiver(
        &self,
        req: bind_receiver,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> bind_receiver_resp {
        if self.bind(
            &req.system_id,
            &req.password,
            req.interface_version,
            session_id,
        ) {
            self.0.receiver_binds.fetch_add(1, Ordering::SeqCst);
            req.accept("LoopbackSMSC".to_string(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_submit_sm(
        &self,
        req: submit_sm,
        _c: &SmppConnectionInformation,
        session_id: &String,
    ) -> submit_sm_resp {
        let s = &self.0;
        if s.unbinding.lock().unwrap().contains(session_id) {
            return req.reject(SmppError::ESME_RINVBNDSTS);
        }
        if let Some(status) = s.refuse.lock().unwrap().get(&req.destination_addr).cloned() {
            return req.reject(status);
        }
        let system_id = s
            .sessions
            .lock()
            .unwrap()
            .get(session_id)
            .cloned()
            .unwrap_or_default();
        let mut submits = s.submits.lock().unwrap();
        submits.push(Submitted {
            system_id,
            source_addr_ton: req.source_addr_ton,
            source_addr_npi: req.source_addr_npi,
            source_addr: req.source_addr.clone(),
            dest_addr_ton: req.dest_addr_ton,
            dest_addr_npi: req.dest_addr_npi,
            destination_addr: req.destination_addr.clone(),
            esm_class: req.esm_class,
            data_coding: req.data_coding,
            short_message: req.short_message.clone(),
        });
        let id = format!("msg-{}", submits.len());
        drop(submits);
        req.accept(id)
    }

    async fn on_unbind(
        &self,
        req: unbind,
        _c: &SmppConnectionInformation,
        _s: &String,
    ) -> unbind_resp {
        self.0.unbinds.fetch_add(1, Ordering::SeqCst);
        req.accept()
    }

    async fn on_esme_bound(&self, esme: ESME, session_id: &String) {
        let system_id = esme.system_id.clone();
        let n = self.0.esmes_bound.fetch_add(1, Ordering::SeqCst);
        self.0
            .esmes
            .lock()
            .unwrap()
            .insert(session_id.clone(), (system_id, Arc::new(esme), n));
    }

    async fn on_esme_unbound(&self, session_id: &String) {
        self.0.esmes.lock().unwrap().remove(session_id);
        self.0.sessions_ended.fetch_add(1, Ordering::SeqCst);
    }
}

/// SMSC timers, in milliseconds (`smpp34`'s own defaults unless a test
/// wants the SMSC to drop idle sessions quickly).
#[derive(Debug, Clone, Copy)]
pub struct SmscTimers {
    pub enquire_link: u64,
    pub inactivity: u64,
    pub response: u64,
}

impl Default for SmscTimers {
    fn default() -> Self {
        SmscTimers {
            enquire_link: 30_000,
            inactivity: 300_000,
            response: 30_000,
        }
    }
}

/// A loopback SMSC on a fixed port, started and stopped at will.
pub struct Smsc {
    pub port: u16,
    pub state: Arc<SmscState>,
    pub timers: SmscTimers,
    running: Option<Running>,
    /// The port, held while the SMSC is not running.
    held: Option<HeldPort>,
}

/// The SMSC's own thread and runtime.
struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Smsc {
    /// An SMSC (not yet listening) that accepts `system_id`/`password`.
    pub fn new(system_id: &str, password: &str) -> Smsc {
        let held = HeldPort::new();
        Smsc {
            port: held.port,
            held: Some(held),
            state: Arc::new(SmscState {
                system_id: system_id.into(),
                password: password.into(),
                ..SmscState::default()
            }),
            timers: SmscTimers::default(),
            running: None,
        }
    }

    /// Starts listening; returns once connections are accepted.
    pub async fn start(&mut self) {
        assert!(self.running.is_none(), "already started");
        // The port is let go only now, for the server to bind.
        drop(self.held.take());
        let t = self.timers;
        let port = self.port;
        let listener = Arc::new(Listener(self.state.clone()));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<bool>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut server = SmppServer::new_with_default_timers(
                    IpAddr::V4(Ipv4Addr::LOCALHOST),
                    port,
                    listener,
                    5_000,
                    t.enquire_link,
                    t.inactivity,
                    t.response,
                    1500,
                );
                server.start().await;
                let alive = server.is_alive();
                let _ = ready_tx.send(alive);
                if alive {
                    // A dropped sender (the Smsc dropped) stops it too.
                    let _ = stopped.await;
                    server.stop().await;
                }
            });
            // Dropping the runtime drops every session's tasks, and with
            // them the connections.
            drop(rt);
        });
        let alive = tokio::time::timeout(PATIENCE, ready_rx)
            .await
            .expect("the SMSC did not start in time")
            .unwrap_or(false);
        assert!(alive, "SMSC could not listen on port {}", self.port);
        self.running = Some(Running { stop, thread });
    }

    /// Started and listening.
    pub async fn started(system_id: &str, password: &str) -> Smsc {
        let mut s = Smsc::new(system_id, password);
        s.start().await;
        s
    }

    /// Stops the SMSC as if its process ended: nothing listens on the port
    /// any more and every session's connection is closed, without an
    /// `unbind`. Returns once that is done; [`Smsc::start`] starts it again
    /// on the same port, with the same state.
    pub async fn stop(&mut self) {
        let Some(running) = self.running.take() else {
            return;
        };
        let _ = running.stop.send(());
        tokio::task::spawn_blocking(move || running.thread.join())
            .await
            .unwrap()
            .expect("the SMSC thread panicked");
        // The sessions ended without telling the listener.
        self.state.esmes.lock().unwrap().clear();
        self.held = HeldPort::at(self.port);
    }

    /// Waits for a bound receiver or transceiver session and returns the
    /// one that bound last.
    async fn receiver(&self) -> Arc<ESME> {
        let mut found = None;
        wait_until("a receiver or transceiver bound to the SMSC", || {
            found = self
                .state
                .esmes
                .lock()
                .unwrap()
                .values()
                .filter(|(_, e, _)| e.can_receive)
                .max_by_key(|(_, _, n)| *n)
                .map(|(_, e, _)| e.clone());
            found.is_some()
        })
        .await;
        found.unwrap()
    }

    /// Delivers `mo` with `deliver_sm` to a bound receiver or transceiver
    /// (waiting for one to bind if need be) and returns the
    /// `command_status` of its `deliver_sm_resp`.
    pub async fn deliver(&self, mo: &Mo) -> Result<u32, SmppError> {
        let esme = self.receiver().await;
        let mut b = esme
            .deliver_sm()
            .source_addr_ton(mo.source_addr_ton)
            .source_addr_npi(mo.source_addr_npi)
            .source_addr(mo.source_addr.clone())
            .dest_addr_ton(mo.dest_addr_ton)
            .dest_addr_npi(mo.dest_addr_npi)
            .destination_addr(mo.destination_addr.clone())
            .esm_class(mo.esm_class)
            .data_coding(mo.data_coding)
            .short_message(mo.short_message.clone());
        for (tag, value) in &mo.tlvs {
            b = b.tlv(*tag, value.clone());
        }
        b.send().await.map(|r| r.command_status())
    }

    /// Successful `bind_transceiver`s.
    pub fn transceiver_binds(&self) -> usize {
        self.state.transceiver_binds.load(Ordering::SeqCst)
    }

    /// Successful `bind_receiver`s.
    pub fn receiver_binds(&self) -> usize {
        self.state.receiver_binds.load(Ordering::SeqCst)
    }

    /// Every `submit_sm` sent to `destination`.
    pub fn submits_to(&self, destination: &str) -> Vec<Submitted> {
        self.submits()
            .into_iter()
            .filter(|s| s.destination_addr == destination)
            .collect()
    }

    pub fn submits(&self) -> Vec<Submitted> {
        self.state.submits.lock().unwrap().clone()
    }

    pub fn binds(&self) -> usize {
        self.state.binds.load(Ordering::SeqCst)
    }

    pub fn refuse(&self, destination: &str, status: SmppError) {
        self.state
            .refuse
            .lock()
            .unwrap()
            .insert(destination.into(), status);
    }

    /// Has the SMSC end every bound session with an `unbind` of its own;
    /// each handle resolves to the ESME's answer.
    pub fn unbind_everyone(
        &self,
    ) -> Vec<tokio::task::JoinHandle<Result<smpp34::unbind_resp, SmppError>>> {
        let esmes: Vec<Arc<ESME>> = {
            let bound = self.state.esmes.lock().unwrap();
            self.state
                .unbinding
                .lock()
                .unwrap()
                .extend(bound.keys().cloned());
            bound.values().map(|(_, e, _)| e.clone()).collect()
        };
        assert!(!esmes.is_empty(), "no bound session");
        esmes
            .into_iter()
            // the ESME answers only when it next reads: don't wait here
            .map(|esme| tokio::spawn(async move { esme.send_unbind().await }))
            .collect()
    }
}

/// A message for the SMSC to deliver to a receiving ESME: a text a
/// subscriber sent to a short code, or a delivery receipt.
#[derive(Debug, Clone, Default)]
pub struct Mo {
    pub source_addr_ton: u8,
    pub source_addr_npi: u8,
    pub source_addr: String,
    pub dest_addr_ton: u8,
    pub dest_addr_npi: u8,
    pub destination_addr: String,
    pub esm_class: u8,
    pub data_coding: u8,
    pub short_message: Vec<u8>,
    pub tlvs: Vec<(TlvTag, Vec<u8>)>,
}

impl Mo {
    /// From an international number (TON 1, NPI 1) to a short code, no text
    /// yet.
    pub fn from_to(from: &str, short_code: &str) -> Mo {
        Mo {
            source_addr_ton: 1,
            source_addr_npi: 1,
            source_addr: from.into(),
            dest_addr_ton: 0,
            dest_addr_npi: 1,
            destination_addr: short_code.into(),
            ..Mo::default()
        }
    }

    /// `text` in UCS-2 (`data_coding` 8), as one message.
    pub fn ucs2(from: &str, short_code: &str, text: &str) -> Mo {
        Mo {
            data_coding: 8,
            short_message: ucs2(text),
            ..Mo::from_to(from, short_code)
        }
    }

    /// `octets` with `data_coding` 0 (the SMSC default alphabet, unpacked).
    pub fn default_alphabet(from: &str, short_code: &str, octets: &[u8]) -> Mo {
        Mo {
            data_coding: 0,
            short_message: octets.to_vec(),
            ..Mo::from_to(from, short_code)
        }
    }

    /// `text` in UCS-2, cut into segments of at most `per_segment` UTF-16
    /// units, each with a concatenation user data header: information
    /// element 0x00 (8-bit reference) or 0x08 (16-bit reference).
    pub fn ucs2_segments_udh(
        from: &str,
        short_code: &str,
        text: &str,
        per_segment: usize,
        reference: u16,
        sixteen_bit: bool,
    ) -> Vec<Mo> {
        let chunks = utf16_chunks(text, per_segment);
        let total = chunks.len() as u8;
        chunks
            .iter()
            .enumerate()
            .map(|(i, units)| {
                let mut sm = if sixteen_bit {
                    let r = reference.to_be_bytes();
                    vec![0x06, 0x08, 0x04, r[0], r[1], total, i as u8 + 1]
                } else {
                    vec![0x05, 0x00, 0x03, reference as u8, total, i as u8 + 1]
                };
                sm.extend(units.iter().flat_map(|u| u.to_be_bytes()));
                Mo {
                    esm_class: 0x40,
                    data_coding: 8,
                    short_message: sm,
                    ..Mo::from_to(from, short_code)
                }
            })
            .collect()
    }

    /// `text` in UCS-2, cut into segments tied together by the
    /// `sar_msg_ref_num`, `sar_total_segments` and `sar_segment_seqnum`
    /// optional parameters (no user data header).
    pub fn ucs2_segments_sar(
        from: &str,
        short_code: &str,
        text: &str,
        per_segment: usize,
        reference: u16,
    ) -> Vec<Mo> {
        let chunks = utf16_chunks(text, per_segment);
        let total = chunks.len() as u8;
        chunks
            .iter()
            .enumerate()
            .map(|(i, units)| Mo {
                data_coding: 8,
                short_message: units.iter().flat_map(|u| u.to_be_bytes()).collect(),
                tlvs: vec![
                    (TlvTag::SarMsgRefNum, reference.to_be_bytes().to_vec()),
                    (TlvTag::SarTotalSegments, vec![total]),
                    (TlvTag::SarSegmentSeqnum, vec![i as u8 + 1]),
                ],
                ..Mo::from_to(from, short_code)
            })
            .collect()
    }

    /// An SMSC delivery receipt (`esm_class` 0x04) for `message_id`, as
    /// SMPP 3.4 Appendix B lays it out, with the `receipted_message_id` and
    /// `message_state` optional parameters.
    pub fn receipt(from: &str, short_code: &str, message_id: &str) -> Mo {
        let text = format!(
            "id:{message_id} sub:001 dlvrd:001 submit date:2603021000 done date:2603021001 stat:DELIVRD err:000 text:Ho so H99.02"
        );
        let mut id = message_id.as_bytes().to_vec();
        id.push(0);
        Mo {
            esm_class: 0x04,
            data_coding: 0,
            short_message: text.into_bytes(),
            tlvs: vec![
                (TlvTag::ReceiptedMessageId, id),
                (TlvTag::MessageStateTlv, vec![2]),
            ],
            ..Mo::from_to(from, short_code)
        }
    }
}

/// `text` in UTF-16 big-endian.
pub fn ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn utf16_chunks(text: &str, per_segment: usize) -> Vec<Vec<u16>> {
    let units: Vec<u16> = text.encode_utf16().collect();
    units.chunks(per_segment).map(<[u16]>::to_vec).collect()
}

/// Decodes one `short_message` the way a handset would: the concatenation
/// header (if `esm_class` says there is one) and UCS-2 or default-alphabet
/// text. Returns (reference, total, index, text units).
pub fn decode_part(s: &Submitted) -> (Option<(u8, u8, u8)>, Vec<u16>) {
    let (udh, payload) = if s.esm_class & 0x40 != 0 {
        let len = s.short_message[0] as usize;
        let udh = &s.short_message[1..1 + len];
        // IEI 0x00, length 3: reference, total, index
        assert_eq!(
            &udh[..2],
            &[0x00, 0x03],
            "concatenation IE expected, got {udh:02X?}"
        );
        (Some((udh[2], udh[3], udh[4])), &s.short_message[1 + len..])
    } else {
        (None, &s.short_message[..])
    };
    let units = match s.data_coding {
        8 => {
            assert_eq!(payload.len() % 2, 0, "odd UCS-2 payload");
            payload
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect()
        }
        0 => payload.iter().map(|&b| u16::from(b)).collect(),
        other => panic!("unexpected data_coding {other}"),
    };
    (udh, units)
}

/// Reassembles the submitted parts for one destination into texts, checking
/// the concatenation headers; one text per message.
pub fn reassemble(parts: &[Submitted]) -> Vec<String> {
    let mut texts = Vec::new();
    let mut pending: HashMap<u8, Vec<Option<Vec<u16>>>> = HashMap::new();
    for p in parts {
        match decode_part(p) {
            (None, units) => texts.push(String::from_utf16(&units).expect("valid UTF-16")),
            (Some((reference, total, index)), units) => {
                assert!(index >= 1 && index <= total, "index {index} of {total}");
                let slot = pending
                    .entry(reference)
                    .or_insert_with(|| vec![None; total as usize]);
                assert_eq!(
                    slot.len(),
                    total as usize,
                    "total changed within reference {reference}"
                );
                assert!(
                    slot[index as usize - 1].is_none(),
                    "segment {index} received twice"
                );
                // every segment is valid UTF-16 on its own
                String::from_utf16(&units).expect("a segment splits a surrogate pair");
                slot[index as usize - 1] = Some(units);
                if slot.iter().all(Option::is_some) {
                    let all: Vec<u16> = pending
                        .remove(&reference)
                        .unwrap()
                        .into_iter()
                        .flatten()
                        .flatten()
                        .collect();
                    texts.push(String::from_utf16(&all).unwrap());
                }
            }
        }
    }
    assert!(
        pending.is_empty(),
        "incomplete concatenated messages: {:?}",
        pending.keys()
    );
    texts
}

// ---------------------------------------------------------------- SMTP

/// `aiosmtpd` in a subprocess, writing what it receives to a file.
pub struct SmtpSink {
    pub port: u16,
    out: PathBuf,
    child: Option<Child>,
    /// The port, held while the sink is not running.
    held: Option<HeldPort>,
}

fn python() -> String {
    std::env::var("SEN_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

impl SmtpSink {
    /// A sink that is not running yet (its port held: connections to it
    /// are refused).
    pub fn new() -> SmtpSink {
        static N: AtomicUsize = AtomicUsize::new(0);
        let out = std::env::temp_dir().join(format!(
            "sen-notify-smtp-{}-{}-{}.jsonl",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            Uuid::now_v7().simple()
        ));
        std::fs::write(&out, b"").unwrap();
        let held = HeldPort::new();
        SmtpSink {
            port: held.port,
            out,
            child: None,
            held: Some(held),
        }
    }

    /// Starts the server; returns once it accepts connections.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "already started");
        // Relative to this crate, so that other crates' tests can include this module.
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../sen-notify/tests/peers/smtp_sink.py"
        );
        // The port is let go only now, for the script to bind.
        drop(self.held.take());
        let mut child = Command::new(python())
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.out)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .expect("smtp_sink.py did not start in time")
            .unwrap();
        match line {
            Some(l) if l == format!("READY {}", self.port) => {}
            other => panic!(
                "smtp_sink.py failed to start (said {other:?}); it needs aiosmtpd: python3 -m pip install aiosmtpd==1.4.6"
            ),
        }
        self.child = Some(child);
    }

    pub async fn started() -> SmtpSink {
        let mut s = SmtpSink::new();
        s.start().await;
        s
    }

    /// Stops the server and waits for it to exit.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take()); // EOF on stdin: the script stops its controller
            if tokio::time::timeout(PATIENCE, child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
            self.held = HeldPort::at(self.port);
        }
    }

    /// Every message received so far, as decoded by Python.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_file(&self.out);
    }
}

// ---------------------------------------------------------------- queue

/// An outbox entry in memory.
#[derive(Debug, Clone)]
pub struct Entry {
    pub msg: Outgoing,
    /// `pending`, `sent` or `failed`.
    pub status: &'static str,
    pub attempts: i64,
    pub errors: Vec<String>,
}

/// The in-memory [`Queue`]: transient failures are due again at once (the
/// tests drive passes explicitly), permanent ones end the message.
#[derive(Default)]
pub struct MemQueue {
    entries: Mutex<Vec<Entry>>,
    claimed: Mutex<Vec<Uuid>>,
}

impl MemQueue {
    pub fn push(&self, msg: Outgoing) {
        self.entries.lock().unwrap().push(Entry {
            msg,
            status: "pending",
            attempts: 0,
            errors: Vec::new(),
        });
    }

    pub fn entry(&self, id: Uuid) -> Entry {
        self.entries
            .lock()
            .unwrap()
            .iter()
            .find(|e| e.msg.id == id)
            .cloned()
            .unwrap()
    }
}

#[async_trait]
impl Queue for MemQueue {
    async fn claim_due(&self, limit: usize) -> Result<Vec<Outgoing>, QueueError> {
        let entries = self.entries.lock().unwrap();
        let mut claimed = self.claimed.lock().unwrap();
        let out: Vec<Outgoing> = entries
            .iter()
            .filter(|e| e.status == "pending" && !claimed.contains(&e.msg.id))
            .take(limit)
            .map(|e| Outgoing {
                attempts: e.attempts,
                ..e.msg.clone()
            })
            .collect();
        claimed.extend(out.iter().map(|m| m.id));
        Ok(out)
    }

    async fn mark_sent(&self, id: Uuid) -> Result<(), QueueError> {
        let mut entries = self.entries.lock().unwrap();
        let e = entries
            .iter_mut()
            .find(|e| e.msg.id == id)
            .ok_or("unknown id")?;
        assert_eq!(e.status, "pending", "marked sent twice");
        e.status = "sent";
        e.attempts += 1;
        self.claimed.lock().unwrap().retain(|c| *c != id);
        Ok(())
    }

    async fn mark_failed(&self, id: Uuid, error: &str, permanent: bool) -> Result<(), QueueError> {
        let mut entries = self.entries.lock().unwrap();
        let e = entries
            .iter_mut()
            .find(|e| e.msg.id == id)
            .ok_or("unknown id")?;
        assert_eq!(e.status, "pending");
        e.attempts += 1;
        e.errors.push(error.to_string());
        if permanent {
            e.status = "failed";
        }
        self.claimed.lock().unwrap().retain(|c| *c != id);
        Ok(())
    }
}
