//! The SMPP 3.4 wire format: the 16-byte header and the bodies of the PDUs an
//! ESME needs: binds, `submit_sm` out and `deliver_sm` in, with the optional
//! parameters (TLVs) that follow a `deliver_sm`.
//!
//! Every PDU is `command_length`, `command_id`, `command_status` and
//! `sequence_number` (big-endian `u32`s, the length including the header)
//! followed by a body of integers and NUL-terminated C-octet strings.

use std::fmt;

/// `command_id` values (SMPP 3.4 §5.1.2.1).
pub mod command {
    /// Response to a PDU that could not be understood.
    pub const GENERIC_NACK: u32 = 0x8000_0000;
    /// Bind as a transmitter (send only).
    pub const BIND_TRANSMITTER: u32 = 0x0000_0002;
    /// Response to [`BIND_TRANSMITTER`].
    pub const BIND_TRANSMITTER_RESP: u32 = 0x8000_0002;
    /// Bind as a receiver (`deliver_sm` only).
    pub const BIND_RECEIVER: u32 = 0x0000_0001;
    /// Response to [`BIND_RECEIVER`].
    pub const BIND_RECEIVER_RESP: u32 = 0x8000_0001;
    /// Bind as a transceiver (both directions on one session).
    pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
    /// Response to [`BIND_TRANSCEIVER`].
    pub const BIND_TRANSCEIVER_RESP: u32 = 0x8000_0009;
    /// Submit one short message.
    pub const SUBMIT_SM: u32 = 0x0000_0004;
    /// Response to [`SUBMIT_SM`].
    pub const SUBMIT_SM_RESP: u32 = 0x8000_0004;
    /// A message delivered to the ESME: a mobile-originated SMS or a delivery
    /// receipt (not expected on a transmitter bind).
    pub const DELIVER_SM: u32 = 0x0000_0005;
    /// Response to [`DELIVER_SM`].
    pub const DELIVER_SM_RESP: u32 = 0x8000_0005;
    /// End the session.
    pub const UNBIND: u32 = 0x0000_0006;
    /// Response to [`UNBIND`].
    pub const UNBIND_RESP: u32 = 0x8000_0006;
    /// Keep-alive probe.
    pub const ENQUIRE_LINK: u32 = 0x0000_0015;
    /// Response to [`ENQUIRE_LINK`].
    pub const ENQUIRE_LINK_RESP: u32 = 0x8000_0015;
    /// The bit that marks a response.
    pub const RESPONSE_BIT: u32 = 0x8000_0000;
}

/// `command_status` values used here (SMPP 3.4 §5.1.3).
pub mod status {
    /// No error.
    pub const ESME_ROK: u32 = 0x0000_0000;
    /// Message length is invalid.
    pub const ESME_RINVMSGLEN: u32 = 0x0000_0001;
    /// Command length is invalid.
    pub const ESME_RINVCMDLEN: u32 = 0x0000_0002;
    /// Invalid command ID.
    pub const ESME_RINVCMDID: u32 = 0x0000_0003;
    /// Incorrect bind status for the given command.
    pub const ESME_RINVBNDSTS: u32 = 0x0000_0004;
    /// ESME already in bound state.
    pub const ESME_RALYBND: u32 = 0x0000_0005;
    /// System error.
    pub const ESME_RSYSERR: u32 = 0x0000_0008;
    /// Invalid source address.
    pub const ESME_RINVSRCADR: u32 = 0x0000_000A;
    /// Invalid destination address.
    pub const ESME_RINVDSTADR: u32 = 0x0000_000B;
    /// Bind failed.
    pub const ESME_RBINDFAIL: u32 = 0x0000_000D;
    /// Invalid password.
    pub const ESME_RINVPASWD: u32 = 0x0000_000E;
    /// Invalid system id.
    pub const ESME_RINVSYSID: u32 = 0x0000_000F;
    /// Message queue full.
    pub const ESME_RMSGQFUL: u32 = 0x0000_0014;
    /// Invalid esm_class field data.
    pub const ESME_RINVESMCLASS: u32 = 0x0000_0043;
    /// submit_sm or submit_multi failed.
    pub const ESME_RSUBMITFAIL: u32 = 0x0000_0045;
    /// Invalid destination address TON.
    pub const ESME_RINVDSTTON: u32 = 0x0000_0050;
    /// Invalid destination address NPI.
    pub const ESME_RINVDSTNPI: u32 = 0x0000_0051;
    /// Throttling error: the ESME exceeded its allowed message rate.
    pub const ESME_RTHROTTLED: u32 = 0x0000_0058;
    /// Invalid scheduled delivery time.
    pub const ESME_RINVSCHED: u32 = 0x0000_0061;
    /// Invalid validity period.
    pub const ESME_RINVEXPIRY: u32 = 0x0000_0062;
    /// ESME receiver temporary application error.
    pub const ESME_RX_T_APPN: u32 = 0x0000_0064;
    /// ESME receiver permanent application error.
    pub const ESME_RX_P_APPN: u32 = 0x0000_0065;
    /// ESME receiver reject message error.
    pub const ESME_RX_R_APPN: u32 = 0x0000_0066;
    /// Unknown error.
    pub const ESME_RUNKNOWNERR: u32 = 0x0000_00FF;

    /// The name of a status code, if it is one SMPP 3.4 defines.
    pub fn name(code: u32) -> Option<&'static str> {
        Some(match code {
            0x00 => "ESME_ROK",
            0x01 => "ESME_RINVMSGLEN",
            0x02 => "ESME_RINVCMDLEN",
            0x03 => "ESME_RINVCMDID",
            0x04 => "ESME_RINVBNDSTS",
            0x05 => "ESME_RALYBND",
            0x06 => "ESME_RINVPRTFLG",
            0x07 => "ESME_RINVREGDLVFLG",
            0x08 => "ESME_RSYSERR",
            0x0A => "ESME_RINVSRCADR",
            0x0B => "ESME_RINVDSTADR",
            0x0C => "ESME_RINVMSGID",
            0x0D => "ESME_RBINDFAIL",
            0x0E => "ESME_RINVPASWD",
            0x0F => "ESME_RINVSYSID",
            0x11 => "ESME_RCANCELFAIL",
            0x13 => "ESME_RREPLACEFAIL",
            0x14 => "ESME_RMSGQFUL",
            0x15 => "ESME_RINVSERTYP",
            0x33 => "ESME_RINVNUMDESTS",
            0x34 => "ESME_RINVDLNAME",
            0x40 => "ESME_RINVDESTFLAG",
            0x42 => "ESME_RINVSUBREP",
            0x43 => "ESME_RINVESMCLASS",
            0x44 => "ESME_RCNTSUBDL",
            0x45 => "ESME_RSUBMITFAIL",
            0x48 => "ESME_RINVSRCTON",
            0x49 => "ESME_RINVSRCNPI",
            0x50 => "ESME_RINVDSTTON",
            0x51 => "ESME_RINVDSTNPI",
            0x53 => "ESME_RINVSYSTYP",
            0x54 => "ESME_RINVREPFLAG",
            0x55 => "ESME_RINVNUMMSGS",
            0x58 => "ESME_RTHROTTLED",
            0x61 => "ESME_RINVSCHED",
            0x62 => "ESME_RINVEXPIRY",
            0x63 => "ESME_RINVDFTMSGID",
            0x64 => "ESME_RX_T_APPN",
            0x65 => "ESME_RX_P_APPN",
            0x66 => "ESME_RX_R_APPN",
            0x67 => "ESME_RQUERYFAIL",
            0xC0 => "ESME_RINVOPTPARSTREAM",
            0xC1 => "ESME_ROPTPARNOTALLWD",
            0xC2 => "ESME_RINVPARLEN",
            0xC3 => "ESME_RMISSINGOPTPARAM",
            0xC4 => "ESME_RINVOPTPARAMVAL",
            0xFE => "ESME_RDELIVERYFAILURE",
            0xFF => "ESME_RUNKNOWNERR",
            _ => return None,
        })
    }

    /// Whether a `submit_sm` refused with this status will fail again however
    /// often it is retried: the destination or the message itself is wrong.
    ///
    /// Everything else is treated as transient: throttling, a full queue,
    /// system errors, and also unknown or vendor-specific codes, so that a
    /// message is never dropped on a code we cannot interpret (the queue is
    /// expected to give up after a bounded number of attempts).
    pub fn is_permanent(code: u32) -> bool {
        matches!(
            code,
            ESME_RINVMSGLEN
                | ESME_RINVDSTADR
                | ESME_RINVDSTTON
                | ESME_RINVDSTNPI
                | ESME_RINVESMCLASS
                | ESME_RINVSCHED
                | ESME_RINVEXPIRY
                | ESME_RX_P_APPN
                | ESME_RX_R_APPN
        )
    }

    /// `0x00000058 (ESME_RTHROTTLED)`, for error messages.
    pub fn describe(code: u32) -> String {
        match name(code) {
            Some(n) => format!("0x{code:08X} ({n})"),
            None => format!("0x{code:08X}"),
        }
    }
}

/// The length of the PDU header.
pub const HEADER_LEN: usize = 16;

/// Largest PDU accepted from a peer. SMPP PDUs are small (a `submit_sm` is at
/// most a few hundred bytes); this bounds the memory a broken peer can claim.
pub const MAX_PDU_LEN: usize = 64 * 1024;

/// The largest `short_message` (SMPP 3.4 §5.2.21).
pub const MAX_SHORT_MESSAGE: usize = 254;

/// A PDU that could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PduError {
    /// `command_length` is below the header size or above [`MAX_PDU_LEN`].
    #[error("invalid command_length {0}")]
    BadLength(u32),
    /// The body ended in the middle of a field.
    #[error("PDU body truncated in field {0}")]
    Truncated(&'static str),
    /// A C-octet string has no terminating NUL within its maximum size.
    #[error("field {0} is not a NUL-terminated string of at most {1} octets")]
    BadCString(&'static str, usize),
    /// A value does not fit its field.
    #[error("field {field} is too long ({len} octets, at most {max})")]
    TooLong {
        /// The field's SMPP name.
        field: &'static str,
        /// The offending length.
        len: usize,
        /// The most the field can hold.
        max: usize,
    },
    /// A string field contains a NUL octet, which would end it early.
    #[error("field {0} contains a NUL octet")]
    EmbeddedNul(&'static str),
}

/// One PDU: header fields and the undecoded body.
#[derive(Clone, PartialEq, Eq)]
pub struct Pdu {
    /// `command_id`, one of [`command`].
    pub command_id: u32,
    /// `command_status`: zero in requests, the outcome in responses.
    pub command_status: u32,
    /// `sequence_number`, which pairs a response with its request.
    pub sequence_number: u32,
    /// The body after the 16-byte header.
    pub body: Vec<u8>,
}

impl fmt::Debug for Pdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pdu")
            .field("command_id", &format_args!("0x{:08X}", self.command_id))
            .field(
                "command_status",
                &format_args!("0x{:08X}", self.command_status),
            )
            .field("sequence_number", &self.sequence_number)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Pdu {
    /// A PDU with status zero.
    pub fn new(command_id: u32, sequence_number: u32, body: Vec<u8>) -> Pdu {
        Pdu {
            command_id,
            command_status: status::ESME_ROK,
            sequence_number,
            body,
        }
    }

    /// True if this is a response (`generic_nack` included).
    pub fn is_response(&self) -> bool {
        self.command_id & command::RESPONSE_BIT != 0
    }

    /// The PDU on the wire, `command_length` first.
    pub fn encode(&self) -> Vec<u8> {
        let len = HEADER_LEN + self.body.len();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&self.command_id.to_be_bytes());
        out.extend_from_slice(&self.command_status.to_be_bytes());
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// Checks a `command_length` read from the wire.
    pub fn check_length(command_length: u32) -> Result<usize, PduError> {
        let len = command_length as usize;
        if !(HEADER_LEN..=MAX_PDU_LEN).contains(&len) {
            return Err(PduError::BadLength(command_length));
        }
        Ok(len)
    }

    /// Decodes one whole PDU (exactly `command_length` octets).
    pub fn decode(frame: &[u8]) -> Result<Pdu, PduError> {
        if frame.len() < HEADER_LEN {
            return Err(PduError::Truncated("header"));
        }
        let word =
            |i: usize| u32::from_be_bytes([frame[i], frame[i + 1], frame[i + 2], frame[i + 3]]);
        let len = Pdu::check_length(word(0))?;
        if len != frame.len() {
            return Err(PduError::BadLength(word(0)));
        }
        Ok(Pdu {
            command_id: word(4),
            command_status: word(8),
            sequence_number: word(12),
            body: frame[HEADER_LEN..].to_vec(),
        })
    }
}

/// Appends a C-octet string of at most `max` octets including its NUL.
pub fn put_cstr(
    out: &mut Vec<u8>,
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), PduError> {
    let bytes = value.as_bytes();
    if bytes.contains(&0) {
        return Err(PduError::EmbeddedNul(field));
    }
    if bytes.len() + 1 > max {
        return Err(PduError::TooLong {
            field,
            len: bytes.len(),
            max: max - 1,
        });
    }
    out.extend_from_slice(bytes);
    out.push(0);
    Ok(())
}

/// Reads fields from a PDU body.
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads `data` from the start.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// True when every octet has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// What is left.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.min(self.data.len())..]
    }

    /// One octet.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, PduError> {
        let b = *self.data.get(self.pos).ok_or(PduError::Truncated(field))?;
        self.pos += 1;
        Ok(b)
    }

    /// `n` octets.
    pub fn bytes(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], PduError> {
        let end = self.pos.checked_add(n).ok_or(PduError::Truncated(field))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or(PduError::Truncated(field))?;
        self.pos = end;
        Ok(s)
    }

    /// A C-octet string of at most `max` octets including its NUL, decoded
    /// lossily as UTF-8 (SMPP strings are ASCII).
    pub fn cstr(&mut self, field: &'static str, max: usize) -> Result<String, PduError> {
        let rest = self.rest();
        let nul = rest
            .iter()
            .take(max)
            .position(|&b| b == 0)
            .ok_or(PduError::BadCString(field, max))?;
        let s = String::from_utf8_lossy(&rest[..nul]).into_owned();
        self.pos += nul + 1;
        Ok(s)
    }
}

/// The body of `bind_transmitter` (SMPP 3.4 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Identifies the ESME (at most 15 characters).
    pub system_id: String,
    /// The password (at most 8 characters).
    pub password: String,
    /// The type of ESME (at most 12 characters, often empty).
    pub system_type: String,
    /// Always `0x34` here.
    pub interface_version: u8,
    /// Type of number of the ESME address range.
    pub addr_ton: u8,
    /// Numbering plan of the ESME address range.
    pub addr_npi: u8,
    /// The ESME address range (at most 40 characters, usually empty).
    pub address_range: String,
}

impl Bind {
    /// Encodes the body; fails if a field is too long.
    pub fn encode(&self) -> Result<Vec<u8>, PduError> {
        let mut b = Vec::with_capacity(48);
        put_cstr(&mut b, "system_id", &self.system_id, 16)?;
        put_cstr(&mut b, "password", &self.password, 9)?;
        put_cstr(&mut b, "system_type", &self.system_type, 13)?;
        b.push(self.interface_version);
        b.push(self.addr_ton);
        b.push(self.addr_npi);
        put_cstr(&mut b, "address_range", &self.address_range, 41)?;
        Ok(b)
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Bind, PduError> {
        let mut r = Reader::new(body);
        Ok(Bind {
            system_id: r.cstr("system_id", 16)?,
            password: r.cstr("password", 9)?,
            system_type: r.cstr("system_type", 13)?,
            interface_version: r.u8("interface_version")?,
            addr_ton: r.u8("addr_ton")?,
            addr_npi: r.u8("addr_npi")?,
            address_range: r.cstr("address_range", 41)?,
        })
    }
}

/// The `system_id` in a `bind_*_resp` (absent when the bind was refused,
/// which some SMSCs signal with an empty body).
pub fn decode_bind_resp(body: &[u8]) -> Result<Option<String>, PduError> {
    if body.is_empty() {
        return Ok(None);
    }
    Reader::new(body).cstr("system_id", 16).map(Some)
}

/// The `message_id` in a `submit_sm_resp` (absent when the body is empty,
/// as SMPP 3.4 prescribes for a refusal).
pub fn decode_submit_sm_resp(body: &[u8]) -> Result<Option<String>, PduError> {
    if body.is_empty() {
        return Ok(None);
    }
    Reader::new(body).cstr("message_id", 65).map(Some)
}

/// Optional parameter tags (SMPP 3.4 §5.3.2) read from a `deliver_sm`.
pub mod tag {
    /// The SMSC message id a delivery receipt is about.
    pub const RECEIPTED_MESSAGE_ID: u16 = 0x001E;
    /// Reference shared by the segments of a concatenated message (`u16`).
    pub const SAR_MSG_REF_NUM: u16 = 0x020C;
    /// Number of segments of a concatenated message (`u8`).
    pub const SAR_TOTAL_SEGMENTS: u16 = 0x020E;
    /// This segment's number, from 1 (`u8`).
    pub const SAR_SEGMENT_SEQNUM: u16 = 0x020F;
    /// The message text, used instead of `short_message` (up to 64 KiB).
    pub const MESSAGE_PAYLOAD: u16 = 0x0424;
    /// The final state of the message a delivery receipt is about (`u8`).
    pub const MESSAGE_STATE: u16 = 0x0427;
}

/// One optional parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    /// The parameter tag, one of [`tag`] or another.
    pub tag: u16,
    /// The value, without tag and length.
    pub value: Vec<u8>,
}

/// Decodes the optional parameters that end a PDU body.
pub fn decode_tlvs(mut data: &[u8]) -> Result<Vec<Tlv>, PduError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        if data.len() < 4 {
            return Err(PduError::Truncated("optional parameter header"));
        }
        let tag = u16::from_be_bytes([data[0], data[1]]);
        let len = u16::from_be_bytes([data[2], data[3]]) as usize;
        let value = data
            .get(4..4 + len)
            .ok_or(PduError::Truncated("optional parameter value"))?;
        out.push(Tlv {
            tag,
            value: value.to_vec(),
        });
        data = &data[4 + len..];
    }
    Ok(out)
}

/// Appends one optional parameter.
pub fn put_tlv(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    out.extend_from_slice(&tag.to_be_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
}

/// The body of `submit_sm` (SMPP 3.4 §4.4.1), without optional parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubmitSm {
    /// SMS application service (at most 5 characters; empty for the default).
    pub service_type: String,
    /// Type of number of the sender (5 = alphanumeric).
    pub source_addr_ton: u8,
    /// Numbering plan of the sender.
    pub source_addr_npi: u8,
    /// The sender: a number or an alphanumeric brand name (at most 20).
    pub source_addr: String,
    /// Type of number of the recipient (1 = international).
    pub dest_addr_ton: u8,
    /// Numbering plan of the recipient (1 = ISDN/E.164).
    pub dest_addr_npi: u8,
    /// The recipient's number (at most 20 characters).
    pub destination_addr: String,
    /// Message mode and type; `0x40` says `short_message` starts with a user
    /// data header.
    pub esm_class: u8,
    /// Protocol identifier (0).
    pub protocol_id: u8,
    /// Priority (0 = normal).
    pub priority_flag: u8,
    /// Empty for immediate delivery.
    pub schedule_delivery_time: String,
    /// Empty for the SMSC's default validity.
    pub validity_period: String,
    /// Delivery receipt request (0 = none).
    pub registered_delivery: u8,
    /// Replace-if-present (0).
    pub replace_if_present_flag: u8,
    /// Text encoding: 0 = SMSC default alphabet, 8 = UCS-2.
    pub data_coding: u8,
    /// Canned message id (0 = none).
    pub sm_default_msg_id: u8,
    /// The user data (with its header when `esm_class` has `0x40`); at most
    /// [`MAX_SHORT_MESSAGE`] octets.
    pub short_message: Vec<u8>,
}

impl SubmitSm {
    /// Encodes the body; fails if a field is too long.
    pub fn encode(&self) -> Result<Vec<u8>, PduError> {
        if self.short_message.len() > MAX_SHORT_MESSAGE {
            return Err(PduError::TooLong {
                field: "short_message",
                len: self.short_message.len(),
                max: MAX_SHORT_MESSAGE,
            });
        }
        let mut b = Vec::with_capacity(64 + self.short_message.len());
        put_cstr(&mut b, "service_type", &self.service_type, 6)?;
        b.push(self.source_addr_ton);
        b.push(self.source_addr_npi);
        put_cstr(&mut b, "source_addr", &self.source_addr, 21)?;
        b.push(self.dest_addr_ton);
        b.push(self.dest_addr_npi);
        put_cstr(&mut b, "destination_addr", &self.destination_addr, 21)?;
        b.push(self.esm_class);
        b.push(self.protocol_id);
        b.push(self.priority_flag);
        put_cstr(
            &mut b,
            "schedule_delivery_time",
            &self.schedule_delivery_time,
            17,
        )?;
        put_cstr(&mut b, "validity_period", &self.validity_period, 17)?;
        b.push(self.registered_delivery);
        b.push(self.replace_if_present_flag);
        b.push(self.data_coding);
        b.push(self.sm_default_msg_id);
        b.push(self.short_message.len() as u8);
        b.extend_from_slice(&self.short_message);
        Ok(b)
    }

    /// Decodes a body (optional parameters after `short_message` are
    /// ignored).
    pub fn decode(body: &[u8]) -> Result<SubmitSm, PduError> {
        SubmitSm::read(&mut Reader::new(body))
    }

    /// Reads the mandatory fields, leaving `r` after `short_message`.
    fn read(r: &mut Reader<'_>) -> Result<SubmitSm, PduError> {
        let mut s = SubmitSm {
            service_type: r.cstr("service_type", 6)?,
            source_addr_ton: r.u8("source_addr_ton")?,
            source_addr_npi: r.u8("source_addr_npi")?,
            source_addr: r.cstr("source_addr", 21)?,
            dest_addr_ton: r.u8("dest_addr_ton")?,
            dest_addr_npi: r.u8("dest_addr_npi")?,
            destination_addr: r.cstr("destination_addr", 21)?,
            esm_class: r.u8("esm_class")?,
            protocol_id: r.u8("protocol_id")?,
            priority_flag: r.u8("priority_flag")?,
            schedule_delivery_time: r.cstr("schedule_delivery_time", 17)?,
            validity_period: r.cstr("validity_period", 17)?,
            registered_delivery: r.u8("registered_delivery")?,
            replace_if_present_flag: r.u8("replace_if_present_flag")?,
            data_coding: r.u8("data_coding")?,
            sm_default_msg_id: r.u8("sm_default_msg_id")?,
            short_message: Vec::new(),
        };
        let len = r.u8("sm_length")? as usize;
        s.short_message = r.bytes("short_message", len)?.to_vec();
        Ok(s)
    }
}

/// The body of `deliver_sm` (SMPP 3.4 §4.6.1): the same mandatory fields as
/// `submit_sm` (`source_addr` is the sender, `destination_addr` the short
/// code it wrote to), then optional parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeliverSm {
    /// The mandatory fields.
    pub sm: SubmitSm,
    /// The optional parameters, in the order received.
    pub tlvs: Vec<Tlv>,
}

impl DeliverSm {
    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<DeliverSm, PduError> {
        let mut r = Reader::new(body);
        let sm = SubmitSm::read(&mut r)?;
        let tlvs = decode_tlvs(r.rest())?;
        Ok(DeliverSm { sm, tlvs })
    }

    /// Encodes a body (for tests and tools; an ESME only decodes them).
    pub fn encode(&self) -> Result<Vec<u8>, PduError> {
        let mut b = self.sm.encode()?;
        for t in &self.tlvs {
            if t.value.len() > usize::from(u16::MAX) {
                return Err(PduError::TooLong {
                    field: "optional parameter",
                    len: t.value.len(),
                    max: usize::from(u16::MAX),
                });
            }
            put_tlv(&mut b, t.tag, &t.value);
        }
        Ok(b)
    }

    /// The value of the first optional parameter with this tag.
    pub fn tlv(&self, tag: u16) -> Option<&[u8]> {
        self.tlvs
            .iter()
            .find(|t| t.tag == tag)
            .map(|t| t.value.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_submit() -> SubmitSm {
        SubmitSm {
            source_addr_ton: 5,
            source_addr: "SEN".into(),
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: "84912345678".into(),
            esm_class: 0x40,
            data_coding: 8,
            short_message: vec![0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 0x00, 0x41],
            ..SubmitSm::default()
        }
    }

    #[test]
    fn header_round_trip_and_layout() {
        let pdu = Pdu {
            command_id: command::SUBMIT_SM_RESP,
            command_status: status::ESME_RTHROTTLED,
            sequence_number: 0x0102_0304,
            body: b"abc\0".to_vec(),
        };
        let wire = pdu.encode();
        assert_eq!(
            &wire[..16],
            &[0, 0, 0, 20, 0x80, 0, 0, 4, 0, 0, 0, 0x58, 1, 2, 3, 4]
        );
        assert_eq!(Pdu::decode(&wire).unwrap(), pdu);
        assert!(pdu.is_response());
        assert!(!Pdu::new(command::ENQUIRE_LINK, 1, vec![]).is_response());
    }

    #[test]
    fn enquire_link_is_a_bare_header() {
        let wire = Pdu::new(command::ENQUIRE_LINK, 7, vec![]).encode();
        assert_eq!(wire, [0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 7]);
    }

    #[test]
    fn generic_nack_is_a_response() {
        let wire = [0, 0, 0, 16, 0x80, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 9];
        let pdu = Pdu::decode(&wire).unwrap();
        assert_eq!(pdu.command_id, command::GENERIC_NACK);
        assert_eq!(pdu.command_status, status::ESME_RINVCMDID);
        assert_eq!(pdu.sequence_number, 9);
        assert!(pdu.is_response());
    }

    #[test]
    fn lengths_are_checked() {
        assert_eq!(Pdu::check_length(15), Err(PduError::BadLength(15)));
        assert_eq!(Pdu::check_length(16), Ok(16));
        assert_eq!(Pdu::check_length(MAX_PDU_LEN as u32), Ok(MAX_PDU_LEN));
        assert!(Pdu::check_length(MAX_PDU_LEN as u32 + 1).is_err());
        assert!(Pdu::check_length(u32::MAX).is_err());
        // command_length disagreeing with the frame
        let mut wire = Pdu::new(command::UNBIND, 1, vec![]).encode();
        wire.push(0);
        assert!(Pdu::decode(&wire).is_err());
        assert_eq!(Pdu::decode(&wire[..10]), Err(PduError::Truncated("header")));
    }

    #[test]
    fn bind_transmitter_layout() {
        let bind = Bind {
            system_id: "sen".into(),
            password: "pw".into(),
            system_type: "".into(),
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: "".into(),
        };
        let body = bind.encode().unwrap();
        assert_eq!(body, b"sen\0pw\0\0\x34\0\0\0");
        assert_eq!(Bind::decode(&body).unwrap(), bind);
    }

    #[test]
    fn bind_field_limits() {
        let mut bind = Bind {
            system_id: "a".repeat(15),
            password: "p".repeat(8),
            system_type: "t".repeat(12),
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
        };
        assert!(bind.encode().is_ok());
        bind.system_id.push('a');
        assert!(matches!(
            bind.encode(),
            Err(PduError::TooLong {
                field: "system_id",
                ..
            })
        ));
        bind.system_id.pop();
        bind.password.push('p');
        assert!(matches!(
            bind.encode(),
            Err(PduError::TooLong {
                field: "password",
                ..
            })
        ));
        bind.password = "a\0b".into();
        assert_eq!(bind.encode(), Err(PduError::EmbeddedNul("password")));
    }

    #[test]
    fn submit_sm_round_trip_and_layout() {
        let s = sample_submit();
        let body = s.encode().unwrap();
        let mut expected = Vec::new();
        expected.extend_from_slice(b"\0"); // service_type
        expected.extend_from_slice(&[5, 0]);
        expected.extend_from_slice(b"SEN\0");
        expected.extend_from_slice(&[1, 1]);
        expected.extend_from_slice(b"84912345678\0");
        expected.extend_from_slice(&[0x40, 0, 0]);
        expected.extend_from_slice(b"\0\0"); // schedule, validity
        expected.extend_from_slice(&[0, 0, 8, 0, 8]); // ..., sm_length
        expected.extend_from_slice(&s.short_message);
        assert_eq!(body, expected);
        assert_eq!(SubmitSm::decode(&body).unwrap(), s);
    }

    #[test]
    fn submit_sm_limits() {
        let mut s = sample_submit();
        s.short_message = vec![0x41; MAX_SHORT_MESSAGE];
        assert!(s.encode().is_ok());
        s.short_message.push(0x41);
        assert!(matches!(
            s.encode(),
            Err(PduError::TooLong {
                field: "short_message",
                ..
            })
        ));
        let mut s = sample_submit();
        s.destination_addr = "1".repeat(21);
        assert!(matches!(
            s.encode(),
            Err(PduError::TooLong {
                field: "destination_addr",
                ..
            })
        ));
    }

    #[test]
    fn deliver_sm_with_optional_parameters() {
        let mut body = Vec::new();
        // service_type; source TON, NPI, address; destination TON, NPI, address
        body.extend_from_slice(b"\0\x01\x0184912345678\0\x00\x008077\0");
        // esm_class, protocol_id, priority_flag, schedule_delivery_time,
        // validity_period, registered_delivery, replace_if_present_flag,
        // data_coding, sm_default_msg_id, sm_length, "Aạ" in UCS-2
        body.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 8, 0, 4, 0x00, 0x41, 0x1E, 0xA1]);
        // sar_msg_ref_num 0x1234, sar_total_segments 2, sar_segment_seqnum 1
        body.extend_from_slice(&[0x02, 0x0C, 0, 2, 0x12, 0x34]);
        body.extend_from_slice(&[0x02, 0x0E, 0, 1, 2, 0x02, 0x0F, 0, 1, 1]);
        let d = DeliverSm::decode(&body).unwrap();
        assert_eq!(
            (
                d.sm.source_addr.as_str(),
                d.sm.source_addr_ton,
                d.sm.source_addr_npi
            ),
            ("84912345678", 1, 1)
        );
        assert_eq!(d.sm.destination_addr, "8077");
        assert_eq!(d.sm.data_coding, 8);
        assert_eq!(d.sm.short_message, [0x00, 0x41, 0x1E, 0xA1]);
        assert_eq!(d.tlvs.len(), 3);
        assert_eq!(d.tlv(tag::SAR_MSG_REF_NUM), Some(&[0x12, 0x34][..]));
        assert_eq!(d.tlv(tag::SAR_TOTAL_SEGMENTS), Some(&[2][..]));
        assert_eq!(d.tlv(tag::SAR_SEGMENT_SEQNUM), Some(&[1][..]));
        assert_eq!(d.tlv(tag::MESSAGE_PAYLOAD), None);
        assert_eq!(d.encode().unwrap(), body);
        for cut in [body.len() - 1, body.len() - 4, body.len() - 8] {
            assert!(DeliverSm::decode(&body[..cut]).is_err(), "cut at {cut}");
        }
        // no optional parameters at all
        let d = DeliverSm::decode(&body[..body.len() - 16]).unwrap();
        assert!(d.tlvs.is_empty());
    }

    #[test]
    fn truncated_bodies_are_errors() {
        let body = sample_submit().encode().unwrap();
        for cut in 0..body.len() {
            assert!(SubmitSm::decode(&body[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(
            Reader::new(b"abc").cstr("x", 16),
            Err(PduError::BadCString("x", 16))
        );
        assert_eq!(
            Reader::new(b"abcdef\0").cstr("x", 4),
            Err(PduError::BadCString("x", 4))
        );
    }

    #[test]
    fn responses() {
        assert_eq!(decode_submit_sm_resp(b"").unwrap(), None);
        assert_eq!(
            decode_submit_sm_resp(b"id-42\0").unwrap().as_deref(),
            Some("id-42")
        );
        assert!(decode_submit_sm_resp(b"no-nul").is_err());
        assert_eq!(
            decode_bind_resp(b"SMSC\0").unwrap().as_deref(),
            Some("SMSC")
        );
        assert_eq!(decode_bind_resp(b"").unwrap(), None);
    }

    #[test]
    fn status_classes() {
        for code in [
            status::ESME_RTHROTTLED,
            status::ESME_RMSGQFUL,
            status::ESME_RSYSERR,
            status::ESME_RX_T_APPN,
            status::ESME_RSUBMITFAIL,
            status::ESME_RINVBNDSTS,
            0x0000_0400, // vendor-specific
        ] {
            assert!(!status::is_permanent(code), "{}", status::describe(code));
        }
        for code in [
            status::ESME_RINVDSTADR,
            status::ESME_RINVMSGLEN,
            status::ESME_RINVDSTTON,
            status::ESME_RX_P_APPN,
            status::ESME_RX_R_APPN,
        ] {
            assert!(status::is_permanent(code), "{}", status::describe(code));
        }
        assert_eq!(status::describe(0x58), "0x00000058 (ESME_RTHROTTLED)");
        assert_eq!(status::describe(0x400), "0x00000400");
    }
}
