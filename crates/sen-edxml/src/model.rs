//! The message model: plain structs, one per edXML element group.
//!
//! Dates are calendar dates (`NaiveDate`); timestamps are Vietnam wall-clock
//! times (UTC+07:00, `NaiveDateTime`), as the national exchange writes them.
//! Optional elements are `Option`/empty `Vec`; a `None` is not written.

use chrono::{NaiveDate, NaiveDateTime};

/// An agency (the sender `From`, a recipient `To`, the `From` of a status).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Organization {
    /// Its identifier code (mã định danh, Quyết định 20/2020/QĐ-TTg), e.g. `000.00.12.H12`.
    pub organ_id: String,
    /// The agency in charge of it (cơ quan chủ quản).
    pub organization_in_charge: Option<String>,
    /// Its name.
    pub organ_name: String,
    /// Its address.
    pub organ_add: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
}

/// The document's number and symbol (số, ký hiệu), e.g. `05` and `QĐ-UBND`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Code {
    pub code_number: String,
    pub code_notation: String,
}

/// Where and when the document was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromulgationInfo {
    pub place: Option<String>,
    pub promulgation_date: NaiveDate,
}

/// The document type: its code and name (e.g. `1`, `Công văn`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocumentType {
    pub type_code: String,
    pub type_name: String,
}

/// Who signed the document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignerInfo {
    /// Signing competence (thẩm quyền ký: e.g. `TM.`, `KT.`, `TL.`).
    pub competence: Option<String>,
    pub position: Option<String>,
    pub full_name: String,
}

/// Further document details.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OtherInfo {
    /// Urgency (độ khẩn) as the exchange numbers it; 0 = normal.
    pub priority: Option<u8>,
    /// Sphere of promulgation (phạm vi ban hành).
    pub sphere_of_promulgation: Option<String>,
    /// Typist's notation (ký hiệu người đánh máy).
    pub typer_notation: Option<String>,
    /// Number of copies issued.
    pub promulgation_amount: Option<u32>,
    /// Number of pages.
    pub page_amount: Option<u32>,
    /// Titles of the appendixes.
    pub appendixes: Vec<String>,
}

/// The document a message answers (in a document message) or reports on
/// (in a status message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFor {
    pub organ_id: String,
    /// Number and symbol of that document, as one string (`05/QĐ-UBND`).
    pub code: String,
    pub promulgation_date: NaiveDate,
    /// Its `DocumentId`.
    pub document_id: String,
}

/// The header of a document message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    pub from: Organization,
    /// Recipients: at least one, no identifier twice.
    pub to: Vec<Organization>,
    pub code: Code,
    pub promulgation_info: PromulgationInfo,
    pub document_type: DocumentType,
    /// Summary (trích yếu), at most 500 characters.
    pub subject: String,
    /// Content, at most 500 characters.
    pub content: Option<String>,
    pub signer_info: SignerInfo,
    /// Date by which the recipients must act.
    pub due_date: Option<NaiveDate>,
    /// Where the document goes (nơi nhận), as written on it.
    pub to_places: Vec<String>,
    pub other_info: OtherInfo,
    /// Documents this one answers.
    pub response_for: Vec<ResponseFor>,
    /// Steering type (loại chỉ đạo) as the exchange numbers it.
    pub steering_type: Option<u8>,
    /// Identifier of the message, chosen by the sender and unique for it
    /// (Sen uses `OrganId,yyyy/mm/dd,uuid`).
    pub document_id: String,
}

/// One hop of the message: who handled it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    pub organ_id: String,
    /// Vietnam time.
    pub timestamp: NaiveDateTime,
}

/// A file carried in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Identifier within the message (unique in it).
    pub content_id: String,
    /// File name, at most 200 characters.
    pub attachment_name: String,
    pub description: Option<String>,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// The file's bytes (written base64-encoded, with their size and SHA-256).
    pub content: Vec<u8>,
}

/// A document sent from one agency to others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentMessage {
    pub header: MessageHeader,
    pub trace: Vec<TraceHeader>,
    pub attachments: Vec<Attachment>,
}

/// The processing status of a received document (mã trạng thái).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// 01: arrived.
    Arrived,
    /// 02: refused.
    Refused,
    /// 03: accepted.
    Accepted,
    /// 04: being assigned.
    BeingAssigned,
    /// 05: assigned, in progress.
    InProgress,
    /// 06: done.
    Done,
    /// 13: recall (the sender withdraws the document).
    Recall,
    /// 15: recall or update accepted.
    RecallAccepted,
    /// 16: recall or update refused.
    RecallRefused,
}

impl StatusCode {
    /// All codes, in numeric order.
    pub const ALL: [StatusCode; 9] = [
        StatusCode::Arrived,
        StatusCode::Refused,
        StatusCode::Accepted,
        StatusCode::BeingAssigned,
        StatusCode::InProgress,
        StatusCode::Done,
        StatusCode::Recall,
        StatusCode::RecallAccepted,
        StatusCode::RecallRefused,
    ];

    /// The two-digit code written in `StatusCode`.
    pub fn code(self) -> &'static str {
        match self {
            StatusCode::Arrived => "01",
            StatusCode::Refused => "02",
            StatusCode::Accepted => "03",
            StatusCode::BeingAssigned => "04",
            StatusCode::InProgress => "05",
            StatusCode::Done => "06",
            StatusCode::Recall => "13",
            StatusCode::RecallAccepted => "15",
            StatusCode::RecallRefused => "16",
        }
    }

    /// The status written as `code`, if it is one of the known codes.
    pub fn from_code(code: &str) -> Option<StatusCode> {
        StatusCode::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            StatusCode::Arrived => "Đã đến",
            StatusCode::Refused => "Từ chối tiếp nhận",
            StatusCode::Accepted => "Đã tiếp nhận",
            StatusCode::BeingAssigned => "Đang phân công",
            StatusCode::InProgress => "Đã phân công, đang xử lý",
            StatusCode::Done => "Đã hoàn thành",
            StatusCode::Recall => "Thu hồi",
            StatusCode::RecallAccepted => "Đồng ý thu hồi/cập nhật",
            StatusCode::RecallRefused => "Từ chối thu hồi/cập nhật",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            StatusCode::Arrived => "Arrived",
            StatusCode::Refused => "Refused",
            StatusCode::Accepted => "Accepted",
            StatusCode::BeingAssigned => "Being assigned",
            StatusCode::InProgress => "Assigned, in progress",
            StatusCode::Done => "Done",
            StatusCode::Recall => "Recall",
            StatusCode::RecallAccepted => "Recall/update accepted",
            StatusCode::RecallRefused => "Recall/update refused",
        }
    }
}

/// The officer who changed the status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffInfo {
    pub department: Option<String>,
    pub staff: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
}

/// A status report on a document received earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub response_for: ResponseFor,
    /// The agency reporting.
    pub from: Organization,
    pub status_code: StatusCode,
    /// Reason or note, at most 500 characters.
    pub description: Option<String>,
    /// Vietnam time of the status change.
    pub timestamp: NaiveDateTime,
    pub staff_info: Option<StaffInfo>,
}

/// Either kind of edXML message.
#[allow(clippy::large_enum_variant)] // a few per request; boxing buys nothing
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Document(DocumentMessage),
    Status(StatusMessage),
}

impl From<DocumentMessage> for Message {
    fn from(m: DocumentMessage) -> Self {
        Message::Document(m)
    }
}

impl From<StatusMessage> for Message {
    fn from(m: StatusMessage) -> Self {
        Message::Status(m)
    }
}
