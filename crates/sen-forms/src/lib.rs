//! The one-stop-shop forms of Thông tư 03/2025/TT-VPCP, Phụ lục I, rendered
//! as PDF:
//!
//! | Mẫu | Type | Title |
//! |-----|------|-------|
//! | 01 | [`Receipt`] | Giấy tiếp nhận hồ sơ và hẹn trả kết quả |
//! | 02 | [`SupplementRequest`] | Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ |
//! | 03 | [`Refusal`] | Phiếu từ chối tiếp nhận giải quyết hồ sơ |
//! | 04 | [`Apology`] | Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết |
//! | 05 | [`StopNotice`] | Thông báo dừng giải quyết hồ sơ |
//! | 06 | [`ControlSlip`] | Phiếu kiểm soát quá trình giải quyết hồ sơ |
//! | 07 | [`Register`] | Sổ theo dõi hồ sơ (landscape) |
//!
//! Layout follows Nghị định 30/2020/NĐ-CP: A4, margins 20/20/30/15 mm, the
//! agency at top left and the national name and motto at top right, the
//! title in bold capitals, 13-point body text justified, page numbers from
//! the second page on.
//!
//! The text is set in Liberation Serif (metric-compatible with Times New
//! Roman), compiled into the binary (`fonts/`, SIL Open Font License 1.1)
//! and embedded in each PDF as a subset TrueType CID font with a ToUnicode
//! map, so the text can be searched and copied. Input text is normalised to
//! NFC; characters the font lacks print as "?".
//!
//! Rendering is pure and deterministic: the same form gives the same bytes.

mod font;
mod forms;
mod layout;
mod pdf;
mod report;

pub use report::{Report, ReportSection};

use chrono::{NaiveDate, NaiveDateTime};

/// Why a form could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// A required field is empty or inconsistent.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The data does not fit in a QR code.
    #[error("QR code: {0}")]
    Qr(String),
    /// The embedded font could not be read or subset (a bug).
    #[error("font: {0}")]
    Font(String),
}

/// The agency that issues the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    /// The superior agency ("Ủy ban nhân dân tỉnh Hòa Bình"), printed above
    /// the agency's own name.
    pub parent: Option<String>,
    /// The agency or unit ("Sở Tư pháp"); printed in capitals in the header
    /// and as written in sentences.
    pub name: String,
    /// The place in the date line ("Hòa Bình, ngày 05 tháng 3 năm 2026").
    pub place: String,
}

/// The person or organisation that filed the dossier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applicant {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// Who signs: e.g. authority "KT. GIÁM ĐỐC", title "PHÓ GIÁM ĐỐC".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    pub authority: Option<String>,
    pub title: String,
    pub name: String,
}

/// One paper of the dossier and how many originals and copies were filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub originals: u32,
    pub copies: u32,
}

/// An administrative document of Nghị định 30/2020 (Phụ lục I): a decision,
/// a plan, a report, an official letter. Drafts print "DỰ THẢO" and leave
/// the number and date blank, as on paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialDocument {
    pub agency: Agency,
    /// "05/QĐ-UBND" once issued; the symbol alone ("/QĐ-UBND") on a draft.
    pub number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    /// The type's name ("Quyết định"), printed as the title; `None` for an
    /// official letter (công văn), whose subject goes under the number.
    pub type_name: Option<String>,
    /// Trích yếu.
    pub subject: String,
    /// For letters: "Kính gửi" addressees.
    pub addressees: Vec<String>,
    /// The text; a line break starts a new paragraph.
    pub body: String,
    /// "Nơi nhận" list.
    pub recipients: Vec<String>,
    pub signer: Signer,
    pub draft: bool,
}

/// Where the signer's blank is on a rendered document: page index (from 0)
/// and rectangle in PDF points `[x1, y1, x2, y2]` from the bottom-left
/// corner. A visible digital signature goes there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignaturePlace {
    pub page: usize,
    pub rect: [f32; 4],
}

/// Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub agency: Agency,
    /// The document number, if the agency numbers receipts.
    pub number: Option<String>,
    pub dossier_code: String,
    pub applicant: Applicant,
    /// The procedure applied for ("Nội dung yêu cầu giải quyết").
    pub procedure: String,
    pub components: Vec<Component>,
    /// Number of sets (bộ) of the dossier.
    pub sets: u32,
    /// The legal processing time, e.g. "10 ngày làm việc".
    pub processing_time: Option<String>,
    pub received_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    /// How the result is returned ("Trực tiếp tại Bộ phận Một cửa", "Qua dịch vụ bưu chính"...).
    pub result_delivery: String,
    pub officer_name: String,
    /// Where the applicant can follow the dossier; printed and encoded as a QR code.
    pub lookup_url: String,
}

/// One thing the applicant must supplement (Mẫu 02).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplementItem {
    /// What is missing or must be corrected.
    pub what: String,
    /// Why.
    pub why: String,
    /// How to supplement it.
    pub how: String,
}

/// Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplementRequest {
    pub agency: Agency,
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub dossier_code: String,
    pub applicant: Applicant,
    pub procedure: String,
    pub received_at: NaiveDateTime,
    pub items: Vec<SupplementItem>,
    /// Whom to ask ("Bộ phận Một cửa, điện thoại 0218 3852 123").
    pub contact: Option<String>,
    pub signer: Signer,
}

/// Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub agency: Agency,
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub dossier_code: String,
    pub applicant: Applicant,
    pub procedure: String,
    pub received_at: NaiveDateTime,
    /// The reason; a line break starts a new paragraph.
    pub reason: String,
    pub signer: Signer,
}

/// Mẫu 04: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (the
/// apology for a late result, with the new date).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apology {
    pub agency: Agency,
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub dossier_code: String,
    pub applicant: Applicant,
    pub procedure: String,
    pub received_at: NaiveDateTime,
    /// The due time promised on the receipt.
    pub original_due: NaiveDateTime,
    pub reason: String,
    /// The new due time; must be after the original one.
    pub new_due: NaiveDateTime,
    pub signer: Signer,
}

/// Mẫu 05: Thông báo dừng giải quyết hồ sơ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopNotice {
    pub agency: Agency,
    pub number: Option<String>,
    pub issued_on: NaiveDate,
    pub dossier_code: String,
    pub applicant: Applicant,
    pub procedure: String,
    pub received_at: NaiveDateTime,
    pub reason: String,
    /// What the applicant may do next.
    pub guidance: Option<String>,
    pub signer: Signer,
}

/// Whether a step finished before, on or after its deadline (Mẫu 06).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeliness {
    Early,
    OnTime,
    Late,
}

impl Timeliness {
    /// "Trước hạn", "Đúng hạn", "Quá hạn".
    pub fn label(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
        }
    }
}

/// One hand-off of the dossier between steps (Mẫu 06).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handoff {
    /// The step or unit that hands over ("Bộ phận Một cửa").
    pub from_step: String,
    pub from_officer: String,
    /// The step or unit that receives ("Phòng Hành chính tư pháp").
    pub to_step: String,
    pub to_officer: String,
    /// When; printed "14 giờ 05 phút, ngày 05 tháng 3 năm 2026".
    pub at: NaiveDateTime,
    /// How the handing-over step did against its deadline.
    pub result: Option<Timeliness>,
    pub note: Option<String>,
}

/// Mẫu 06: Phiếu kiểm soát quá trình giải quyết hồ sơ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlSlip {
    pub agency: Agency,
    pub dossier_code: String,
    pub applicant_name: String,
    pub procedure: String,
    pub received_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    /// The agency or unit in charge of the dossier.
    pub lead_unit: String,
    pub coordinating_units: Vec<String>,
    pub handoffs: Vec<Handoff>,
    pub signer: Option<Signer>,
}

/// One dossier in the register (Mẫu 07).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterEntry {
    pub dossier_code: String,
    pub procedure: String,
    pub sets: u32,
    pub applicant_name: String,
    /// Address and phone number.
    pub applicant_contact: String,
    pub handling_unit: String,
    pub received_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    /// Sent to the handling agency.
    pub transferred_on: Option<NaiveDate>,
    /// Result received back from the handling agency.
    pub result_received_on: Option<NaiveDate>,
    /// Result returned to the applicant.
    pub returned_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// Mẫu 07: Sổ theo dõi hồ sơ, on landscape pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    pub agency: Agency,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// "Quyển số".
    pub book: Option<String>,
    pub entries: Vec<RegisterEntry>,
    pub signer: Option<Signer>,
}

/// Any of the seven forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    Receipt(Receipt),
    SupplementRequest(SupplementRequest),
    Refusal(Refusal),
    Apology(Apology),
    StopNotice(StopNotice),
    ControlSlip(ControlSlip),
    Register(Register),
}

impl Form {
    /// The form's number in Phụ lục I of Thông tư 03/2025/TT-VPCP ("01"…"07").
    pub fn number(&self) -> &'static str {
        match self {
            Form::Receipt(_) => "01",
            Form::SupplementRequest(_) => "02",
            Form::Refusal(_) => "03",
            Form::Apology(_) => "04",
            Form::StopNotice(_) => "05",
            Form::ControlSlip(_) => "06",
            Form::Register(_) => "07",
        }
    }

    /// The title printed on the form.
    pub fn title(&self) -> &'static str {
        match self {
            Form::Receipt(_) => forms::TITLE_01,
            Form::SupplementRequest(_) => forms::TITLE_02,
            Form::Refusal(_) => forms::TITLE_03,
            Form::Apology(_) => forms::TITLE_04,
            Form::StopNotice(_) => forms::TITLE_05,
            Form::ControlSlip(_) => forms::TITLE_06,
            Form::Register(_) => forms::TITLE_07,
        }
    }
}

pub use forms::{TITLE_01, TITLE_02, TITLE_03, TITLE_04, TITLE_05, TITLE_06, TITLE_07};

/// Renders a form as a PDF file.
pub fn render(form: &Form) -> Result<Vec<u8>, FormError> {
    match form {
        Form::Receipt(f) => f.render(),
        Form::SupplementRequest(f) => f.render(),
        Form::Refusal(f) => f.render(),
        Form::Apology(f) => f.render(),
        Form::StopNotice(f) => f.render(),
        Form::ControlSlip(f) => f.render(),
        Form::Register(f) => f.render(),
    }
}
