//! SMS text encoding and concatenation, and the decoding of received texts.
//!
//! Vietnamese needs UCS-2 (`data_coding` 8): 70 UTF-16 code units fit in one
//! message (140 octets). A longer text is split into segments of at most 67
//! units, each led by a 6-octet user data header (UDH) — IEI `0x00`
//! (concatenated short messages, 8-bit reference), reference, total, index —
//! and sent with `esm_class` `0x40` (UDHI). Characters outside the Basic
//! Multilingual Plane travel as UTF-16 surrogate pairs, as handsets expect;
//! a pair is never split between segments, nor is a base letter separated
//! from a combining mark that follows it.
//!
//! A text made only of characters that are the same in ASCII, ISO-8859-1 and
//! the GSM 03.38 default alphabet (letters without diacritics, digits, space,
//! line breaks and common punctuation; not `@ $ _ [ ] { } \ ^ ~ | \``) can
//! instead go with `data_coding` 0, one octet per character, 160 to a message
//! and 153 to a segment.
//!
//! The text is put in Unicode normalisation form C first, so that a
//! decomposed `ệ` (e + two combining marks) costs one unit, not three.
//!
//! Received texts (`deliver_sm`) are decoded by [`decode`] — UCS-2, Latin-1,
//! and `data_coding` 0 as the GSM default alphabet or ASCII/Latin-1 (see
//! [`DefaultAlphabet`]) — after [`split_udh`] has taken off a user data
//! header and read its concatenation element, if any.

use sha2::{Digest, Sha256};
use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// `data_coding` for the SMSC default alphabet.
pub const DATA_CODING_DEFAULT: u8 = 0x00;
/// `data_coding` for UCS-2 (UTF-16 big-endian).
pub const DATA_CODING_UCS2: u8 = 0x08;
/// `esm_class` bit saying the user data starts with a header.
pub const ESM_CLASS_UDHI: u8 = 0x40;
/// UCS-2 code units in a message on its own.
pub const UCS2_SINGLE: usize = 70;
/// UCS-2 code units in one segment of a concatenated message.
pub const UCS2_SEGMENT: usize = 67;
/// Default-alphabet characters in a message on its own.
pub const DEFAULT_SINGLE: usize = 160;
/// Default-alphabet characters in one segment of a concatenated message.
pub const DEFAULT_SEGMENT: usize = 153;
/// The most segments a concatenated message can have (the total is one
/// octet).
pub const MAX_SEGMENTS: usize = 255;

/// `data_coding` for IA5 (ASCII).
pub const DATA_CODING_IA5: u8 = 0x01;
/// `data_coding` for ISO-8859-1.
pub const DATA_CODING_LATIN1: u8 = 0x03;

/// A text that cannot be sent as an SMS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing to send.
    #[error("the SMS text is empty")]
    Empty,
    /// More than [`MAX_SEGMENTS`] segments would be needed.
    #[error("the SMS text needs {segments} segments; at most 255 are possible")]
    TooLong {
        /// How many segments it would take.
        segments: usize,
    },
}

/// A text ready for `submit_sm`: one entry in `parts` per PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedSms {
    /// [`DATA_CODING_UCS2`] or [`DATA_CODING_DEFAULT`].
    pub data_coding: u8,
    /// 0 for a single message, [`ESM_CLASS_UDHI`] for segments.
    pub esm_class: u8,
    /// Each part's `short_message`: the UDH (for segments) and the encoded
    /// text.
    pub parts: Vec<Vec<u8>>,
}

/// True if every character of `text` is encoded alike in ASCII, ISO-8859-1
/// and the GSM 03.38 default alphabet, so `data_coding` 0 with one octet per
/// character is unambiguous whatever the SMSC assumes.
pub fn is_default_alphabet_safe(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '\n'
                    | '\r'
                    | '!'
                    | '"'
                    | '#'
                    | '%'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | '-'
                    | '.'
                    | '/'
                    | ':'
                    | ';'
                    | '<'
                    | '='
                    | '>'
                    | '?'
            )
    })
}

/// The 8-bit concatenation reference for a message, derived from its
/// idempotency key so that a retry sends byte-identical segments.
pub fn concat_reference(idempotency_key: &str) -> u8 {
    let mut h = Sha256::new();
    h.update(b"sen-sms-concat-ref\0");
    h.update(idempotency_key.as_bytes());
    h.finalize()[0]
}

fn is_high_surrogate(u: u16) -> bool {
    (0xD800..=0xDBFF).contains(&u)
}

fn is_low_surrogate(u: u16) -> bool {
    (0xDC00..=0xDFFF).contains(&u)
}

/// Combining marks that may follow a base letter (the blocks Vietnamese and
/// other Latin-script text use in decomposed form).
fn is_combining_mark(u: u16) -> bool {
    matches!(u, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Splits a text of UTF-16 code units into message ranges: one range if it
/// fits in `single` units, otherwise ranges of at most `segment` units that
/// cut neither a surrogate pair nor before a combining mark (the latter only
/// when a better cut exists within the segment).
pub fn split_units(units: &[u16], single: usize, segment: usize) -> Vec<Range<usize>> {
    assert!(segment >= 2, "a segment must hold a surrogate pair");
    let len = units.len();
    if len <= single {
        return std::iter::once(0..len).collect();
    }
    let splits_pair = |e: usize| is_low_surrogate(units[e]) && is_high_surrogate(units[e - 1]);
    let mut out = Vec::with_capacity(len / segment + 1);
    let mut start = 0;
    while start < len {
        let hard = start + segment;
        let end = if hard >= len {
            len
        } else {
            let mut e = hard;
            while e > start && (splits_pair(e) || is_combining_mark(units[e])) {
                e -= 1;
            }
            if e == start {
                // Nothing but combining marks: cut anyway, just not a pair.
                e = hard;
                if splits_pair(e) {
                    e -= 1;
                }
            }
            e
        };
        out.push(start..end);
        start = end;
    }
    out
}

/// Encodes `text` for SMS: NFC, then the default alphabet if
/// `allow_default_alphabet` and the text is [safe](is_default_alphabet_safe)
/// for it, otherwise UCS-2; then splits it, adding a concatenation header
/// with `reference` to each segment.
pub fn encode(
    text: &str,
    reference: u8,
    allow_default_alphabet: bool,
) -> Result<EncodedSms, TextError> {
    let text: String = text.nfc().collect();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    let default = allow_default_alphabet && is_default_alphabet_safe(&text);
    let (units, single, segment, data_coding): (Vec<u16>, _, _, _) = if default {
        (
            text.bytes().map(u16::from).collect(),
            DEFAULT_SINGLE,
            DEFAULT_SEGMENT,
            DATA_CODING_DEFAULT,
        )
    } else {
        (
            text.encode_utf16().collect(),
            UCS2_SINGLE,
            UCS2_SEGMENT,
            DATA_CODING_UCS2,
        )
    };
    let ranges = split_units(&units, single, segment);
    if ranges.len() > MAX_SEGMENTS {
        return Err(TextError::TooLong {
            segments: ranges.len(),
        });
    }
    let put = |out: &mut Vec<u8>, us: &[u16]| {
        for &u in us {
            if default {
                out.push(u as u8);
            } else {
                out.extend_from_slice(&u.to_be_bytes());
            }
        }
    };
    let total = ranges.len();
    let parts = ranges
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut out = Vec::with_capacity(6 + 2 * r.len());
            if total > 1 {
                out.extend_from_slice(&[0x05, 0x00, 0x03, reference, total as u8, (i + 1) as u8]);
            }
            put(&mut out, &units[r.clone()]);
            out
        })
        .collect();
    Ok(EncodedSms {
        data_coding,
        esm_class: if total > 1 { ESM_CLASS_UDHI } else { 0 },
        parts,
    })
}

/// How a received text with `data_coding` 0 ("SMSC default alphabet") is
/// read. SMPP leaves the alphabet to the SMSC: most deliver the GSM 03.38
/// default alphabet one septet per octet (unpacked), some ASCII or
/// ISO-8859-1. The three agree on letters without diacritics, digits, space,
/// line breaks and most punctuation, so a query like `TRACUU H99.02-260302-0001`
/// reads the same whichever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DefaultAlphabet {
    /// Guess per message: ISO-8859-1 if any octet is 0x80 or above (GSM
    /// septets never are); GSM if any octet is a control character other
    /// than line feed and carriage return (GSM uses them for `@ £ $ _ Δ …`
    /// and the escape to its extension table); otherwise ASCII.
    #[default]
    Auto,
    /// Always the GSM 03.38 default alphabet and its extension table,
    /// unpacked.
    Gsm,
    /// Always ISO-8859-1 (of which ASCII is the lower half).
    Latin1,
}

/// The GSM 03.38 default alphabet, septet to character.
const GSM_BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The GSM 03.38 extension table (after the escape septet 0x1B).
fn gsm_extension(septet: u8) -> Option<char> {
    Some(match septet {
        0x0A => '\u{0C}',
        0x14 => '^',
        0x28 => '{',
        0x29 => '}',
        0x2F => '\\',
        0x3C => '[',
        0x3D => '~',
        0x3E => ']',
        0x40 => '|',
        0x65 => '€',
        _ => return None,
    })
}

/// Decodes unpacked GSM 03.38 septets (one per octet). An escape followed by
/// a septet the extension table lacks gives that septet's basic character,
/// as the specification asks; an octet above 0x7F gives U+FFFD.
pub fn decode_gsm(octets: &[u8]) -> String {
    let mut out = String::with_capacity(octets.len());
    let mut it = octets.iter().copied();
    while let Some(b) = it.next() {
        match b {
            0x1B => match it.next() {
                Some(e) if e < 0x80 => out.push(gsm_extension(e).unwrap_or(GSM_BASIC[e as usize])),
                Some(_) => out.push(char::REPLACEMENT_CHARACTER),
                None => {}
            },
            b if b < 0x80 => out.push(GSM_BASIC[b as usize]),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
    out
}

/// Decodes ISO-8859-1 (every octet is the code point of the same value).
pub fn decode_latin1(octets: &[u8]) -> String {
    octets.iter().map(|&b| char::from(b)).collect()
}

/// Decodes UCS-2 / UTF-16 big-endian; unpaired surrogates and an odd last
/// octet give U+FFFD.
pub fn decode_ucs2(octets: &[u8]) -> String {
    let units: Vec<u16> = octets
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let mut s = String::from_utf16_lossy(&units);
    if octets.len() % 2 == 1 {
        s.push(char::REPLACEMENT_CHARACTER);
    }
    s
}

/// Decodes a received text (the user data after any header), or `None` for
/// an encoding that carries no text here: 8-bit binary data, compressed
/// text, and the national character sets SMPP also numbers (JIS, Cyrillic,
/// Hebrew, KS C 5601).
///
/// - 0: the default alphabet, read as `default` says;
/// - 1 (IA5) and 3: ISO-8859-1 (ASCII being its lower half);
/// - 8: UCS-2, read as UTF-16 so that pairs from newer handsets survive;
/// - 0x10–0x1F and 0xF0–0xFF: the GSM 03.38 data coding scheme groups some
///   SMSCs pass through (message class bits), with the GSM alphabet, 8-bit
///   data or UCS-2 as their alphabet bits say.
pub fn decode(data_coding: u8, octets: &[u8], default: DefaultAlphabet) -> Option<String> {
    let gsm = |o: &[u8]| decode_gsm(o);
    match data_coding {
        DATA_CODING_DEFAULT => Some(match default {
            DefaultAlphabet::Gsm => gsm(octets),
            DefaultAlphabet::Latin1 => decode_latin1(octets),
            DefaultAlphabet::Auto => {
                if octets.iter().any(|&b| b >= 0x80) {
                    decode_latin1(octets)
                } else if octets.iter().any(|&b| b < 0x20 && b != b'\n' && b != b'\r') {
                    gsm(octets)
                } else {
                    decode_latin1(octets)
                }
            }
        }),
        DATA_CODING_IA5 | DATA_CODING_LATIN1 => Some(decode_latin1(octets)),
        DATA_CODING_UCS2 => Some(decode_ucs2(octets)),
        0x10..=0x1F => match (data_coding >> 2) & 0x03 {
            0 => Some(gsm(octets)),
            2 => Some(decode_ucs2(octets)),
            _ => None,
        },
        0xF0..=0xFF if data_coding & 0x04 == 0 => Some(gsm(octets)),
        _ => None,
    }
}

/// The concatenation information of one segment: from the user data header
/// (information element 0x00 with an 8-bit reference or 0x08 with a 16-bit
/// one) or from the `sar_*` optional parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Concat {
    /// The reference shared by the segments of one message, tagged with
    /// where it came from so that references of different widths do not mix:
    /// `0x1_0000 | r` for an 8-bit UDH reference, `0x2_0000 | r` for a
    /// 16-bit one, `0x3_0000 | r` for `sar_msg_ref_num`.
    pub reference: u32,
    /// How many segments the message has.
    pub total: u8,
    /// This segment's number, from 1.
    pub index: u8,
}

impl Concat {
    /// From an 8-bit UDH reference.
    pub fn udh8(reference: u8, total: u8, index: u8) -> Concat {
        Concat {
            reference: 0x1_0000 | u32::from(reference),
            total,
            index,
        }
    }

    /// From a 16-bit UDH reference.
    pub fn udh16(reference: u16, total: u8, index: u8) -> Concat {
        Concat {
            reference: 0x2_0000 | u32::from(reference),
            total,
            index,
        }
    }

    /// From the `sar_*` optional parameters.
    pub fn sar(reference: u16, total: u8, index: u8) -> Concat {
        Concat {
            reference: 0x3_0000 | u32::from(reference),
            total,
            index,
        }
    }

    /// True if this describes a segment of a message in more than one part
    /// (`index` within `1..=total`, `total` at least 2).
    pub fn is_segment(&self) -> bool {
        self.total >= 2 && (1..=self.total).contains(&self.index)
    }
}

/// Splits `short_message` that starts with a user data header (`esm_class`
/// UDHI set) into the concatenation element, if there is one, and the text
/// after the header. `None` if the header's length runs past the message or
/// an element's length runs past the header.
pub fn split_udh(short_message: &[u8]) -> Option<(Option<Concat>, &[u8])> {
    let (&udhl, rest) = short_message.split_first()?;
    let udhl = usize::from(udhl);
    if rest.len() < udhl {
        return None;
    }
    let (mut header, text) = rest.split_at(udhl);
    let mut concat = None;
    while !header.is_empty() {
        if header.len() < 2 {
            return None;
        }
        let (iei, len) = (header[0], usize::from(header[1]));
        let data = header.get(2..2 + len)?;
        match (iei, data) {
            (0x00, &[r, total, index]) => concat = Some(Concat::udh8(r, total, index)),
            (0x08, &[r1, r2, total, index]) => {
                concat = Some(Concat::udh16(u16::from_be_bytes([r1, r2]), total, index))
            }
            _ => {}
        }
        header = &header[2 + len..];
    }
    Some((concat, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reassembles parts the way a handset does, checking every header.
    fn reassemble(sms: &EncodedSms, reference: u8) -> String {
        let total = sms.parts.len();
        let mut units: Vec<u16> = Vec::new();
        for (i, part) in sms.parts.iter().enumerate() {
            let max = if sms.data_coding == DATA_CODING_UCS2 {
                140
            } else {
                160
            };
            assert!(part.len() <= max, "part {i} has {} octets", part.len());
            let payload = if total > 1 {
                assert_eq!(sms.esm_class, ESM_CLASS_UDHI);
                assert_eq!(
                    &part[..6],
                    &[5, 0, 3, reference, total as u8, (i + 1) as u8]
                );
                &part[6..]
            } else {
                assert_eq!(sms.esm_class, 0);
                &part[..]
            };
            if sms.data_coding == DATA_CODING_UCS2 {
                assert_eq!(payload.len() % 2, 0);
                let seg: Vec<u16> = payload
                    .chunks(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                // each segment is valid UTF-16 on its own: no pair is split
                String::from_utf16(&seg)
                    .unwrap_or_else(|_| panic!("segment {i} splits a surrogate pair"));
                units.extend(seg);
            } else {
                units.extend(payload.iter().map(|&b| u16::from(b)));
            }
        }
        String::from_utf16(&units).unwrap()
    }

    fn vi(n: usize) -> String {
        // every character precomposed, outside ASCII
        "ếệườờữặẫịọụỳđ".chars().cycle().take(n).collect()
    }

    #[test]
    fn vietnamese_is_ucs2() {
        let text = "Hồ sơ của bạn đã được tiếp nhận.";
        let sms = encode(text, 1, true).unwrap();
        assert_eq!(sms.data_coding, DATA_CODING_UCS2);
        assert_eq!(sms.esm_class, 0);
        assert_eq!(sms.parts.len(), 1);
        assert_eq!(sms.parts[0][..4], [0x00, 0x48, 0x1E, 0xD3]); // "Hồ"
        assert_eq!(reassemble(&sms, 1), text);
    }

    #[test]
    fn ucs2_boundary_70_71() {
        for (n, parts) in [(1, 1), (69, 1), (70, 1), (71, 2), (134, 2), (135, 3)] {
            let text = vi(n);
            let sms = encode(&text, 9, true).unwrap();
            assert_eq!(sms.parts.len(), parts, "{n} characters");
            assert_eq!(reassemble(&sms, 9), text);
        }
        assert_eq!(encode(&vi(70), 0, true).unwrap().parts[0].len(), 140);
    }

    #[test]
    fn ucs2_segments_of_67() {
        for k in 2..=6 {
            for (n, parts) in [(67 * k - 1, k), (67 * k, k), (67 * k + 1, k + 1)] {
                let text = vi(n);
                let sms = encode(&text, 200, false).unwrap();
                assert_eq!(sms.parts.len(), parts, "{n} characters");
                for (i, p) in sms.parts.iter().enumerate() {
                    if i + 1 < parts {
                        assert_eq!(p.len(), 6 + 2 * 67, "full segment {i} of {n}");
                    }
                }
                assert_eq!(reassemble(&sms, 200), text);
            }
        }
    }

    #[test]
    fn two_hundred_vietnamese_characters_take_three_segments() {
        let text = vi(200);
        let sms = encode(&text, 7, true).unwrap();
        let lens: Vec<usize> = sms.parts.iter().map(|p| (p.len() - 6) / 2).collect();
        assert_eq!(lens, [67, 67, 66]);
        assert_eq!(reassemble(&sms, 7), text);
    }

    #[test]
    fn surrogate_pairs_are_never_split() {
        // an emoji (two units) at every offset around the first boundary
        for before in 60..75 {
            let text = format!("{}😀{}", vi(before), vi(80));
            let sms = encode(&text, 3, true).unwrap();
            assert_eq!(reassemble(&sms, 3), text, "emoji after {before}");
        }
        // the pair straddling 67/68 goes whole to the next segment
        let text = format!("{}😀{}", vi(66), vi(10));
        let sms = encode(&text, 3, true).unwrap();
        assert_eq!((sms.parts[0].len() - 6) / 2, 66);
        // nothing but pairs
        let text = "😀".repeat(100);
        let sms = encode(&text, 3, true).unwrap();
        assert_eq!(reassemble(&sms, 3), text);
        assert!(sms
            .parts
            .iter()
            .all(|p| (p.len() - 6) / 2 == 66 || p == sms.parts.last().unwrap()));
        // exactly 70 units of pairs is still one message
        let text = "😀".repeat(35);
        assert_eq!(encode(&text, 3, true).unwrap().parts.len(), 1);
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        // a letter and a mark that NFC cannot compose into one character
        let unit = "q\u{0301}";
        for before in 60..70 {
            let text = format!("{}{}{}", vi(before), unit.repeat(3), vi(70));
            let sms = encode(&text, 5, true).unwrap();
            for p in &sms.parts[1..] {
                let first = u16::from_be_bytes([p[6], p[7]]);
                assert!(
                    !is_combining_mark(first),
                    "segment starts with a mark ({before})"
                );
            }
            assert_eq!(reassemble(&sms, 5), text);
        }
        // only marks: still split, still complete
        let text = format!("q{}", "\u{0301}".repeat(200));
        let sms = encode(&text, 5, false).unwrap();
        assert_eq!(reassemble(&sms, 5), text);
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        let decomposed = "Ho\u{0302}\u{0300} so\u{031B}"; // "Hồ sơ" decomposed
        let sms = encode(decomposed, 0, true).unwrap();
        assert_eq!(reassemble(&sms, 0), "Hồ sơ");
        assert_eq!(sms.parts[0].len(), 2 * 5);
    }

    #[test]
    fn default_alphabet_when_safe_and_allowed() {
        let otp = "Ma xac thuc Sen cua ban la 123456, hieu luc 5 phut. Khong chia se ma nay. / Your Sen code is 123456, valid 5 minutes.";
        let sms = encode(otp, 0, true).unwrap();
        assert_eq!(sms.data_coding, DATA_CODING_DEFAULT);
        assert_eq!(sms.parts, vec![otp.as_bytes().to_vec()]);
        // not allowed: UCS-2, and then it needs two segments
        let sms = encode(otp, 0, false).unwrap();
        assert_eq!(sms.data_coding, DATA_CODING_UCS2);
        assert_eq!(sms.parts.len(), 2);
        assert_eq!(reassemble(&sms, 0), otp);
        // characters the alphabets disagree on force UCS-2
        for c in ['@', '$', '_', '[', '{', '\\', '^', '~', '|', '`', '\t', 'é'] {
            let t = format!("code {c} 1");
            assert!(!is_default_alphabet_safe(&t), "{c:?}");
            assert_eq!(encode(&t, 0, true).unwrap().data_coding, DATA_CODING_UCS2);
        }
    }

    #[test]
    fn default_alphabet_boundaries() {
        for (n, parts) in [
            (160, 1),
            (161, 2),
            (306, 2),
            (307, 3),
            (153 * 4, 4),
            (153 * 4 + 1, 5),
        ] {
            let text = "a".repeat(n);
            let sms = encode(&text, 1, true).unwrap();
            assert_eq!(sms.data_coding, DATA_CODING_DEFAULT);
            assert_eq!(sms.parts.len(), parts, "{n}");
            assert_eq!(reassemble(&sms, 1), text);
        }
    }

    #[test]
    fn limits() {
        assert_eq!(encode("", 0, true), Err(TextError::Empty));
        let max = vi(67 * 255);
        assert_eq!(encode(&max, 0, true).unwrap().parts.len(), 255);
        assert_eq!(
            encode(&vi(67 * 255 + 1), 0, true),
            Err(TextError::TooLong { segments: 256 })
        );
    }

    #[test]
    fn reference_is_stable_per_key() {
        assert_eq!(concat_reference("otp:1"), concat_reference("otp:1"));
        let distinct: std::collections::HashSet<u8> = (0..100)
            .map(|i| concat_reference(&format!("k{i}")))
            .collect();
        assert!(distinct.len() > 50);
    }
}

#[cfg(test)]
mod decoding_tests {
    use super::*;

    #[test]
    fn ucs2_vietnamese_and_pairs() {
        let text = "Tra cứu H99.02-260302-0001 😀";
        let octets: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(
            decode(8, &octets, DefaultAlphabet::Auto).as_deref(),
            Some(text)
        );
        // an odd octet and a lone surrogate are replaced, not fatal
        assert_eq!(decode_ucs2(&[0x00, 0x41, 0x00]), "A\u{FFFD}");
        assert_eq!(decode_ucs2(&[0xD8, 0x3D, 0x00, 0x41]), "\u{FFFD}A");
        // a UCS-2 data coding scheme with a message class
        assert_eq!(
            decode(0x18, &octets, DefaultAlphabet::Auto).as_deref(),
            Some(text)
        );
    }

    #[test]
    fn gsm_default_alphabet() {
        // "@£$ Tra_cuu" then the extension table: "{€}" and an unknown escape
        let octets = [
            0x00, 0x01, 0x02, 0x20, b'T', b'r', b'a', 0x11, b'c', b'u', b'u', 0x1B, 0x28, 0x1B,
            0x65, 0x1B, 0x29, 0x1B, b'A',
        ];
        assert_eq!(decode_gsm(&octets), "@£$ Tra_cuu{€}A");
        assert_eq!(
            decode(0, &octets, DefaultAlphabet::Auto).unwrap(),
            "@£$ Tra_cuu{€}A",
            "control octets mean GSM"
        );
        assert_eq!(
            decode(0xF0, &octets, DefaultAlphabet::Latin1).unwrap(),
            "@£$ Tra_cuu{€}A"
        );
        assert_eq!(decode_gsm(&[0x5B, 0x7D, 0x24, 0x40, 0x1B]), "Äñ¤¡");
        assert_eq!(decode_gsm(&[0x80]), "\u{FFFD}");
    }

    #[test]
    fn default_alphabet_guess() {
        let ascii = b"TRACUU H99.02-260302-0001";
        for d in [
            DefaultAlphabet::Auto,
            DefaultAlphabet::Gsm,
            DefaultAlphabet::Latin1,
        ] {
            assert_eq!(decode(0, ascii, d).unwrap(), "TRACUU H99.02-260302-0001");
        }
        // Latin-1 (é = 0xE9) is recognised by its high octets
        assert_eq!(
            decode(0, b"caf\xE9", DefaultAlphabet::Auto).unwrap(),
            "café"
        );
        assert_eq!(decode(3, b"caf\xE9", DefaultAlphabet::Gsm).unwrap(), "café");
        // printable ASCII stays ASCII unless told otherwise
        assert_eq!(decode(0, b"a@b$", DefaultAlphabet::Auto).unwrap(), "a@b$");
        assert_eq!(decode(0, b"a@b$", DefaultAlphabet::Gsm).unwrap(), "a¡b¤");
        assert_eq!(
            decode(0, b"a\r\nb", DefaultAlphabet::Auto).unwrap(),
            "a\r\nb"
        );
    }

    #[test]
    fn binary_and_unsupported_codings_are_not_text() {
        for dc in [2, 4, 5, 6, 7, 9, 0x0E, 0x14, 0x24, 0xF4, 0xF7] {
            assert_eq!(decode(dc, b"abc", DefaultAlphabet::Auto), None, "{dc:#04X}");
        }
    }

    #[test]
    fn user_data_headers() {
        // IEI 0x00: reference 0x2A, 3 parts, part 2
        let sm = [0x05, 0x00, 0x03, 0x2A, 0x03, 0x02, b'h', b'i'];
        assert_eq!(
            split_udh(&sm),
            Some((Some(Concat::udh8(0x2A, 3, 2)), &b"hi"[..]))
        );
        // IEI 0x08 after an unrelated element (0x0A, text formatting)
        let sm = [
            0x0B, 0x0A, 0x03, 0, 0, 0, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, b'x',
        ];
        assert_eq!(
            split_udh(&sm),
            Some((Some(Concat::udh16(0x1234, 2, 1)), &b"x"[..]))
        );
        // a header with no concatenation element
        assert_eq!(
            split_udh(&[0x02, 0x70, 0x00, b'y']),
            Some((None, &b"y"[..]))
        );
        // malformed: length past the end, element past the header
        assert_eq!(split_udh(&[0x06, 0x00, 0x03, 1, 2, 1]), None);
        assert_eq!(split_udh(&[0x03, 0x00, 0x03, 1, 2, 1]), None);
        assert_eq!(split_udh(&[]), None);
        // references of different widths never mix
        assert_ne!(Concat::udh8(5, 2, 1), Concat::udh16(5, 2, 1));
        assert_ne!(Concat::udh16(5, 2, 1), Concat::sar(5, 2, 1));
        assert!(Concat::udh8(1, 2, 2).is_segment());
        assert!(!Concat::udh8(1, 1, 1).is_segment());
        assert!(!Concat::udh8(1, 2, 0).is_segment());
        assert!(!Concat::udh8(1, 2, 3).is_segment());
    }
}
