//! SMS text encoding and concatenation.
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
