//! Validation problems, each with a path to the element and a message in
//! Vietnamese and English.

use std::fmt;

/// What is wrong with one element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A required element or value is missing or blank.
    Missing,
    /// The value is longer than allowed (in characters).
    TooLong { max: usize, actual: usize },
    /// The value (or element) appears twice where it must be unique.
    Duplicate,
    /// Not a date written `YYYY/MM/DD`, or not a real date.
    InvalidDate,
    /// Not a time written `YYYY/MM/DD HH:MM:SS`, or not a real time.
    InvalidTimestamp,
    /// Not a whole number in range.
    InvalidNumber,
    /// The status code is not one of 01–06, 13, 15, 16.
    UnknownStatusCode(String),
    /// The attachment content is not valid base64.
    InvalidBase64,
    /// The declared size differs from the decoded content's.
    SizeMismatch { declared: u64, actual: u64 },
    /// The declared SHA-256 differs from the decoded content's.
    DigestMismatch,
    /// The value contains characters XML cannot carry (control characters).
    InvalidCharacters,
    /// The value does not have the expected form.
    InvalidFormat {
        expected_vi: &'static str,
        expected_en: &'static str,
    },
    /// The message declares a version of the format this library does not read.
    UnsupportedVersion(String),
    /// The document is not an edXML message of this format.
    NotEdxml,
    /// Content where none is expected (text in a group element, an element
    /// inside a value, a second element where one is allowed).
    Unexpected,
}

/// One validation problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: element names from the message's main part, e.g.
    /// `MessageHeader/To[2]/OrganId` (indexes count from 1).
    pub path: String,
    pub kind: ProblemKind,
}

impl Problem {
    pub(crate) fn new(path: impl Into<String>, kind: ProblemKind) -> Problem {
        Problem {
            path: path.into(),
            kind,
        }
    }

    /// The problem in Vietnamese.
    pub fn message_vi(&self) -> String {
        let p = &self.path;
        match &self.kind {
            ProblemKind::Missing => format!("{p}: thiếu thông tin bắt buộc"),
            ProblemKind::TooLong { max, actual } => {
                format!("{p}: dài {actual} ký tự, vượt quá giới hạn {max} ký tự")
            }
            ProblemKind::Duplicate => format!("{p}: bị trùng lặp"),
            ProblemKind::InvalidDate => {
                format!("{p}: ngày không hợp lệ (định dạng YYYY/MM/DD)")
            }
            ProblemKind::InvalidTimestamp => {
                format!("{p}: thời điểm không hợp lệ (định dạng YYYY/MM/DD HH:MM:SS)")
            }
            ProblemKind::InvalidNumber => format!("{p}: không phải số nguyên hợp lệ"),
            ProblemKind::UnknownStatusCode(c) => {
                format!("{p}: mã trạng thái \"{c}\" không được hỗ trợ")
            }
            ProblemKind::InvalidBase64 => {
                format!("{p}: nội dung tệp đính kèm không phải base64 hợp lệ")
            }
            ProblemKind::SizeMismatch { declared, actual } => format!(
                "{p}: kích thước khai báo {declared} byte khác kích thước thực {actual} byte"
            ),
            ProblemKind::DigestMismatch => {
                format!("{p}: mã băm SHA-256 khai báo không khớp với nội dung")
            }
            ProblemKind::InvalidCharacters => {
                format!("{p}: chứa ký tự điều khiển không được phép")
            }
            ProblemKind::InvalidFormat { expected_vi, .. } => {
                format!("{p}: sai định dạng, cần {expected_vi}")
            }
            ProblemKind::UnsupportedVersion(v) => {
                format!("{p}: phiên bản \"{v}\" không được hỗ trợ")
            }
            ProblemKind::NotEdxml => format!("{p}: không phải thông điệp edXML"),
            ProblemKind::Unexpected => format!("{p}: nội dung không mong đợi"),
        }
    }

    /// The problem in English.
    pub fn message_en(&self) -> String {
        let p = &self.path;
        match &self.kind {
            ProblemKind::Missing => format!("{p}: required value is missing"),
            ProblemKind::TooLong { max, actual } => {
                format!("{p}: {actual} characters, more than the limit of {max}")
            }
            ProblemKind::Duplicate => format!("{p}: duplicated"),
            ProblemKind::InvalidDate => format!("{p}: invalid date (format YYYY/MM/DD)"),
            ProblemKind::InvalidTimestamp => {
                format!("{p}: invalid time (format YYYY/MM/DD HH:MM:SS)")
            }
            ProblemKind::InvalidNumber => format!("{p}: not a valid whole number"),
            ProblemKind::UnknownStatusCode(c) => format!("{p}: unknown status code \"{c}\""),
            ProblemKind::InvalidBase64 => format!("{p}: attachment content is not valid base64"),
            ProblemKind::SizeMismatch { declared, actual } => format!(
                "{p}: declared size {declared} bytes differs from the actual {actual} bytes"
            ),
            ProblemKind::DigestMismatch => {
                format!("{p}: declared SHA-256 does not match the content")
            }
            ProblemKind::InvalidCharacters => {
                format!("{p}: contains control characters that are not allowed")
            }
            ProblemKind::InvalidFormat { expected_en, .. } => {
                format!("{p}: wrong format, expected {expected_en}")
            }
            ProblemKind::UnsupportedVersion(v) => format!("{p}: unsupported version \"{v}\""),
            ProblemKind::NotEdxml => format!("{p}: not an edXML message"),
            ProblemKind::Unexpected => format!("{p}: unexpected content"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message_vi(), self.message_en())
    }
}

/// Several problems, shown one per line.
pub(crate) fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
