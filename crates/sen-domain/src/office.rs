//! E-office (*quản lý văn bản và điều hành*), as pure rules: the document
//! types of Nghị định 30/2020 and their symbols, register books and their
//! yearly numbering, and the state machines of incoming and outgoing
//! documents.
//!
//! # Incoming documents (*văn bản đến*)
//!
//! ```text
//! arrived ─register─► registered ─assign─► assigned ─opinion─► in_progress ─complete─► done
//!    │                    │                  │ ▲ assign (re-assign)   │
//!    └─ refuse ─► refused  │                  └─┴──── complete ────────┘
//!                          └─ recall (by the sender, edXML status 13) ─► recalled   from every open status
//! ```
//!
//! A document that comes in electronically (edXML, or from another unit of
//! the same Sen) *arrives* and waits for the clerk, who registers it (it
//! then gets its incoming number) or refuses it (edXML status 02). A paper
//! document is registered directly.
//!
//! # Outgoing documents (*văn bản đi*)
//!
//! ```text
//! draft ─submit─► in_review ─approve─► approved ─issue─► issued ─recall─► recalled
//!   ▲ revise         │  ▲ forward (to the next reviewer)
//!   └── send_back ───┘──┘
//! ```
//!
//! A draft has versions (each `revise` adds one). `submit` and `forward`
//! name the account that must act next; only a holder of
//! [`Permission::DocumentApprove`] may `approve`, and the approver becomes
//! the signer. `issue` is the clerk's: it takes the next number of the
//! register in the same transaction ([`NumberSymbol`]), so numbers have no
//! gap and no duplicate within a register and a year.

use crate::access::Permission;
use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

// ---------------------------------------------------------------------------
// Document types (Phụ lục III, Nghị định 30/2020/NĐ-CP)
// ---------------------------------------------------------------------------

/// One document type: a stable code, its abbreviation in symbols (empty for
/// *công văn* and *thư công*, whose symbol names the drafting unit instead),
/// and its names.
#[derive(Debug, PartialEq, Eq)]
pub struct DocTypeInfo {
    pub code: &'static str,
    pub abbreviation: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
}

const fn t(
    code: &'static str,
    abbreviation: &'static str,
    name_vi: &'static str,
    name_en: &'static str,
) -> DocTypeInfo {
    DocTypeInfo {
        code,
        abbreviation,
        name_vi,
        name_en,
    }
}

/// The administrative document types and their abbreviations.
pub const DOC_TYPES: &[DocTypeInfo] = &[
    t("nghi_quyet", "NQ", "Nghị quyết", "Resolution"),
    t("quyet_dinh", "QĐ", "Quyết định", "Decision"),
    t("chi_thi", "CT", "Chỉ thị", "Directive"),
    t("quy_che", "QC", "Quy chế", "Rules"),
    t("quy_dinh", "QyĐ", "Quy định", "Regulation"),
    t("thong_cao", "TC", "Thông cáo", "Communiqué"),
    t("thong_bao", "TB", "Thông báo", "Notice"),
    t("huong_dan", "HD", "Hướng dẫn", "Guidance"),
    t("chuong_trinh", "CTr", "Chương trình", "Programme"),
    t("ke_hoach", "KH", "Kế hoạch", "Plan"),
    t("phuong_an", "PA", "Phương án", "Scheme"),
    t("de_an", "ĐA", "Đề án", "Proposal"),
    t("du_an", "DA", "Dự án", "Project"),
    t("bao_cao", "BC", "Báo cáo", "Report"),
    t("bien_ban", "BB", "Biên bản", "Minutes"),
    t("to_trinh", "TTr", "Tờ trình", "Submission"),
    t("hop_dong", "HĐ", "Hợp đồng", "Contract"),
    t("cong_van", "", "Công văn", "Official letter"),
    t("cong_dien", "CĐ", "Công điện", "Official telegram"),
    t(
        "ban_ghi_nho",
        "BGN",
        "Bản ghi nhớ",
        "Memorandum of understanding",
    ),
    t("ban_thoa_thuan", "BTT", "Bản thỏa thuận", "Agreement"),
    t("giay_uy_quyen", "GUQ", "Giấy ủy quyền", "Power of attorney"),
    t("giay_moi", "GM", "Giấy mời", "Invitation"),
    t(
        "giay_gioi_thieu",
        "GGT",
        "Giấy giới thiệu",
        "Letter of introduction",
    ),
    t("giay_nghi_phep", "GNP", "Giấy nghỉ phép", "Leave permit"),
    t("phieu_gui", "PG", "Phiếu gửi", "Dispatch slip"),
    t("phieu_chuyen", "PC", "Phiếu chuyển", "Transfer slip"),
    t("phieu_bao", "PB", "Phiếu báo", "Notification slip"),
    t("thu_cong", "", "Thư công", "Official personal letter"),
];

/// A document type from [`DOC_TYPES`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DocType(&'static DocTypeInfo);

impl DocType {
    pub fn parse(code: &str) -> Result<DocType, Invalid> {
        let code = code.trim();
        DOC_TYPES
            .iter()
            .find(|t| t.code == code || (!t.abbreviation.is_empty() && t.abbreviation == code))
            .map(DocType)
            .ok_or_else(|| {
                Invalid::new(
                    "doc_type",
                    format!("Loại văn bản «{code}» không có trong danh mục của Nghị định 30/2020"),
                    format!("document type «{code}» is not one of Decree 30/2020's types"),
                )
            })
    }

    pub fn all() -> impl Iterator<Item = DocType> {
        DOC_TYPES.iter().map(DocType)
    }

    pub fn code(self) -> &'static str {
        self.0.code
    }
    pub fn abbreviation(self) -> &'static str {
        self.0.abbreviation
    }
    pub fn name_vi(self) -> &'static str {
        self.0.name_vi
    }
    pub fn name_en(self) -> &'static str {
        self.0.name_en
    }
    /// *Công văn* and *thư công* carry no type abbreviation; their symbol
    /// names the issuing body and the drafting unit.
    pub fn is_letter(self) -> bool {
        self.0.abbreviation.is_empty()
    }
}

impl fmt::Debug for DocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code)
    }
}

impl fmt::Display for DocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name_vi)
    }
}

impl Serialize for DocType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.code)
    }
}

impl<'de> Deserialize<'de> for DocType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DocType::parse(&s).map_err(|e| serde::de::Error::custom(e.message_en))
    }
}

// ---------------------------------------------------------------------------
// Number and symbol (số, ký hiệu)
// ---------------------------------------------------------------------------

/// The number and symbol of an issued document, e.g. `05/QĐ-UBND` or
/// `123/UBND-VP`. Numbers start at 01 each year and are written with at
/// least two digits (Phụ lục I, Nghị định 30/2020).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberSymbol {
    pub number: i64,
    pub symbol: String,
}

impl NumberSymbol {
    /// `issuer` is the issuing body's abbreviation (`UBND`); `drafting_unit`
    /// the drafting unit's (`VP`), used by letters and optional otherwise.
    pub fn new(
        number: i64,
        doc_type: DocType,
        issuer: &str,
        drafting_unit: Option<&str>,
    ) -> Result<NumberSymbol, Invalid> {
        if number < 1 {
            return Err(Invalid::new(
                "number",
                "Số văn bản bắt đầu từ 01",
                "document numbers start at 01",
            ));
        }
        let issuer = crate::org::validate_abbreviation(issuer)?;
        let drafting = drafting_unit
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(crate::org::validate_abbreviation)
            .transpose()?;
        let symbol = match (doc_type.is_letter(), drafting) {
            (true, Some(d)) => format!("{issuer}-{d}"),
            (true, None) => issuer,
            (false, Some(d)) => format!("{}-{issuer}-{d}", doc_type.abbreviation()),
            (false, None) => format!("{}-{issuer}", doc_type.abbreviation()),
        };
        Ok(NumberSymbol { number, symbol })
    }

    /// `05`, `123`.
    pub fn number_text(&self) -> String {
        format!("{:02}", self.number)
    }
}

impl fmt::Display for NumberSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{}", self.number, self.symbol)
    }
}

/// The counter key of a register's sequence for a year: numbering restarts
/// on 1 January.
pub fn register_counter_key(register_id: &str, year: i32) -> String {
    format!("register:{register_id}:{year}")
}

// ---------------------------------------------------------------------------
// Registers (sổ đăng ký văn bản)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// *Văn bản đến*.
    Incoming,
    /// *Văn bản đi*.
    Outgoing,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        }
    }
    pub fn parse(s: &str) -> Result<Direction, Invalid> {
        match s {
            "incoming" => Ok(Direction::Incoming),
            "outgoing" => Ok(Direction::Outgoing),
            _ => Err(Invalid::new(
                "direction",
                format!("Chiều văn bản «{s}» không hợp lệ (đến/đi)"),
                format!("direction «{s}» is neither incoming nor outgoing"),
            )),
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Direction::Incoming => "Văn bản đến",
            Direction::Outgoing => "Văn bản đi",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Direction::Incoming => "Incoming",
            Direction::Outgoing => "Outgoing",
        }
    }
}

/// A register as the rules see it: which direction and which types it
/// covers (none listed = every type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterScope {
    pub direction: Direction,
    pub doc_types: Vec<DocType>,
}

/// The register a document goes into: among the unit's registers of that
/// direction, one that lists the type beats a general one. Returns the
/// index into `registers`.
pub fn pick_register(
    registers: &[RegisterScope],
    direction: Direction,
    doc_type: DocType,
) -> Option<usize> {
    let of_dir = || {
        registers
            .iter()
            .enumerate()
            .filter(|(_, r)| r.direction == direction)
    };
    of_dir()
        .find(|(_, r)| r.doc_types.contains(&doc_type))
        .or_else(|| of_dir().find(|(_, r)| r.doc_types.is_empty()))
        .map(|(i, _)| i)
}

/// A register's name: 1–200 characters.
pub fn validate_register_name(name: &str) -> Result<String, Invalid> {
    validate_text("name", name, 1, 200, "Tên sổ", "register name")
}

// ---------------------------------------------------------------------------
// Common fields
// ---------------------------------------------------------------------------

/// *Độ khẩn*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    Normal,
    Urgent,
    VeryUrgent,
    Immediate,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::Normal,
        Urgency::Urgent,
        Urgency::VeryUrgent,
        Urgency::Immediate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::VeryUrgent => "very_urgent",
            Urgency::Immediate => "immediate",
        }
    }
    pub fn parse(s: &str) -> Result<Urgency, Invalid> {
        Urgency::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "urgency",
                    format!("Độ khẩn «{s}» không hợp lệ"),
                    format!("urgency «{s}» is not valid"),
                )
            })
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Urgency::Normal => "Thường",
            Urgency::Urgent => "Khẩn",
            Urgency::VeryUrgent => "Thượng khẩn",
            Urgency::Immediate => "Hỏa tốc",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Urgency::Normal => "Normal",
            Urgency::Urgent => "Urgent",
            Urgency::VeryUrgent => "Very urgent",
            Urgency::Immediate => "Immediate",
        }
    }
    /// edXML's Priority: 0 normal … 3 immediate.
    pub fn priority(self) -> u8 {
        self as u8
    }
    pub fn from_priority(p: u8) -> Urgency {
        match p {
            1 => Urgency::Urgent,
            2 => Urgency::VeryUrgent,
            3.. => Urgency::Immediate,
            _ => Urgency::Normal,
        }
    }
}

fn validate_text(
    field: &'static str,
    s: &str,
    min: usize,
    max: usize,
    vi: &str,
    en: &str,
) -> Result<String, Invalid> {
    let s = s.trim();
    let n = s.chars().count();
    if n < min || n > max {
        return Err(Invalid::new(
            field,
            if min > 0 && n == 0 {
                format!("{vi} không được để trống")
            } else {
                format!("{vi} dài tối đa {max} ký tự (đang có {n})")
            },
            if min > 0 && n == 0 {
                format!("{en} must not be empty")
            } else {
                format!("{en} is at most {max} characters (got {n})")
            },
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Invalid::new(
            field,
            format!("{vi} chứa ký tự điều khiển"),
            format!("{en} contains control characters"),
        ));
    }
    Ok(s.to_string())
}

/// *Trích yếu*: 1–500 characters (edXML's limit).
pub fn validate_subject(s: &str) -> Result<String, Invalid> {
    validate_text("subject", s, 1, 500, "Trích yếu", "subject")
}

/// The body of a draft: up to 100 000 characters.
pub fn validate_body(s: &str) -> Result<String, Invalid> {
    validate_text("body", s, 1, 100_000, "Nội dung", "body")
}

/// A processing opinion or a reason: 1–2 000 characters.
pub fn validate_note(field: &'static str, s: &str) -> Result<String, Invalid> {
    validate_text(field, s, 1, 2_000, "Nội dung", "text")
}

/// A sender's name, a signer's name, a place: 1–300 characters.
pub fn validate_name(field: &'static str, s: &str) -> Result<String, Invalid> {
    validate_text(field, s, 1, 300, "Tên", "name")
}

/// The number/symbol written on an incoming document by its sender, e.g.
/// `12/QĐ-UBND` or `345/SXD-QLN`: 1–50 characters, digits first.
pub fn validate_original_number(s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.chars().count() <= 50
        && s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !s.chars().any(char::is_control);
    if ok {
        Ok(s.to_string())
    } else {
        Err(Invalid::new(
            "original_number",
            format!("Số, ký hiệu «{s}» không hợp lệ (ví dụ 12/QĐ-UBND)"),
            format!("number/symbol «{s}» is invalid (e.g. 12/QĐ-UBND)"),
        ))
    }
}

// ---------------------------------------------------------------------------
// Statuses and actions
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    // incoming
    Arrived,
    Refused,
    Registered,
    Assigned,
    InProgress,
    Done,
    // outgoing
    Draft,
    InReview,
    Approved,
    Issued,
    // both
    Recalled,
}

impl DocStatus {
    pub const ALL: [DocStatus; 11] = [
        DocStatus::Arrived,
        DocStatus::Refused,
        DocStatus::Registered,
        DocStatus::Assigned,
        DocStatus::InProgress,
        DocStatus::Done,
        DocStatus::Draft,
        DocStatus::InReview,
        DocStatus::Approved,
        DocStatus::Issued,
        DocStatus::Recalled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Arrived => "arrived",
            DocStatus::Refused => "refused",
            DocStatus::Registered => "registered",
            DocStatus::Assigned => "assigned",
            DocStatus::InProgress => "in_progress",
            DocStatus::Done => "done",
            DocStatus::Draft => "draft",
            DocStatus::InReview => "in_review",
            DocStatus::Approved => "approved",
            DocStatus::Issued => "issued",
            DocStatus::Recalled => "recalled",
        }
    }

    pub fn parse(s: &str) -> Result<DocStatus, Invalid> {
        DocStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "status",
                    format!("Trạng thái «{s}» không hợp lệ"),
                    format!("status «{s}» is not valid"),
                )
            })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DocStatus::Arrived => "Chờ vào sổ",
            DocStatus::Refused => "Đã từ chối nhận",
            DocStatus::Registered => "Đã vào sổ, chờ phân công",
            DocStatus::Assigned => "Đã phân công xử lý",
            DocStatus::InProgress => "Đang xử lý",
            DocStatus::Done => "Đã hoàn thành",
            DocStatus::Draft => "Dự thảo",
            DocStatus::InReview => "Đang trình duyệt",
            DocStatus::Approved => "Đã duyệt, chờ ban hành",
            DocStatus::Issued => "Đã ban hành",
            DocStatus::Recalled => "Đã thu hồi",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DocStatus::Arrived => "Arrived, awaiting registration",
            DocStatus::Refused => "Refused",
            DocStatus::Registered => "Registered, awaiting assignment",
            DocStatus::Assigned => "Assigned",
            DocStatus::InProgress => "In progress",
            DocStatus::Done => "Done",
            DocStatus::Draft => "Draft",
            DocStatus::InReview => "In review",
            DocStatus::Approved => "Approved, awaiting issue",
            DocStatus::Issued => "Issued",
            DocStatus::Recalled => "Recalled",
        }
    }

    pub fn direction(self) -> Option<Direction> {
        match self {
            DocStatus::Arrived
            | DocStatus::Refused
            | DocStatus::Registered
            | DocStatus::Assigned
            | DocStatus::InProgress
            | DocStatus::Done => Some(Direction::Incoming),
            DocStatus::Draft | DocStatus::InReview | DocStatus::Approved | DocStatus::Issued => {
                Some(Direction::Outgoing)
            }
            DocStatus::Recalled => None,
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            DocStatus::Done | DocStatus::Recalled | DocStatus::Refused
        )
    }

    /// The status after `action`, or `None` where the action is not
    /// allowed. This table is the whole state machine.
    pub fn after(self, action: DocActionKind) -> Option<DocStatus> {
        use DocActionKind as A;
        use DocStatus as S;
        match (self, action) {
            (S::Arrived, A::Register) => Some(S::Registered),
            (S::Arrived, A::Refuse) => Some(S::Refused),
            (S::Arrived, A::Recall) => Some(S::Recalled),
            (S::Registered | S::Assigned | S::InProgress, A::Assign) => Some(S::Assigned),
            (S::Assigned | S::InProgress, A::Opinion) => Some(S::InProgress),
            (S::Registered | S::Assigned | S::InProgress, A::Complete) => Some(S::Done),
            (S::Registered | S::Assigned | S::InProgress, A::Recall) => Some(S::Recalled),
            (S::Draft, A::Revise) => Some(S::Draft),
            (S::Draft, A::Submit) => Some(S::InReview),
            (S::InReview, A::Forward) => Some(S::InReview),
            (S::InReview, A::SendBack) => Some(S::Draft),
            (S::InReview, A::Approve) => Some(S::Approved),
            (S::Approved, A::SendBack) => Some(S::Draft),
            (S::Approved, A::Issue) => Some(S::Issued),
            (S::Issued, A::Recall) => Some(S::Recalled),
            _ => None,
        }
    }

    pub fn allowed_actions(self) -> Vec<DocActionKind> {
        DocActionKind::ALL
            .into_iter()
            .filter(|a| self.after(*a).is_some())
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocActionKind {
    /// The clerk registers an arrived document in an incoming register.
    Register,
    /// The clerk refuses an arrived document (wrong addressee, incomplete).
    Refuse,
    /// A leader assigns an incoming document to a unit (and a person) with
    /// a due date.
    Assign,
    /// A processing opinion (*ý kiến xử lý*).
    Opinion,
    /// The handling is finished (optionally answered by an outgoing
    /// document).
    Complete,
    /// A new version of the draft.
    Revise,
    /// The author submits the draft to a reviewer.
    Submit,
    /// A reviewer passes it up to the next reviewer.
    Forward,
    /// A reviewer or approver sends it back to the author.
    SendBack,
    /// The approver approves; they become the signer.
    Approve,
    /// The clerk numbers, registers and issues it.
    Issue,
    /// Recalled (*thu hồi*): by its issuer, or by the sender of an incoming
    /// document.
    Recall,
}

impl DocActionKind {
    pub const ALL: [DocActionKind; 12] = [
        DocActionKind::Register,
        DocActionKind::Refuse,
        DocActionKind::Assign,
        DocActionKind::Opinion,
        DocActionKind::Complete,
        DocActionKind::Revise,
        DocActionKind::Submit,
        DocActionKind::Forward,
        DocActionKind::SendBack,
        DocActionKind::Approve,
        DocActionKind::Issue,
        DocActionKind::Recall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocActionKind::Register => "register",
            DocActionKind::Refuse => "refuse",
            DocActionKind::Assign => "assign",
            DocActionKind::Opinion => "opinion",
            DocActionKind::Complete => "complete",
            DocActionKind::Revise => "revise",
            DocActionKind::Submit => "submit",
            DocActionKind::Forward => "forward",
            DocActionKind::SendBack => "send_back",
            DocActionKind::Approve => "approve",
            DocActionKind::Issue => "issue",
            DocActionKind::Recall => "recall",
        }
    }

    pub fn parse(s: &str) -> Result<DocActionKind, Invalid> {
        DocActionKind::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "action",
                    format!("Thao tác «{s}» không hợp lệ"),
                    format!("action «{s}» is not valid"),
                )
            })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DocActionKind::Register => "Vào sổ văn bản đến",
            DocActionKind::Refuse => "Từ chối nhận",
            DocActionKind::Assign => "Phân công xử lý",
            DocActionKind::Opinion => "Cho ý kiến xử lý",
            DocActionKind::Complete => "Hoàn thành xử lý",
            DocActionKind::Revise => "Sửa dự thảo",
            DocActionKind::Submit => "Trình duyệt",
            DocActionKind::Forward => "Chuyển trình tiếp",
            DocActionKind::SendBack => "Trả lại để sửa",
            DocActionKind::Approve => "Duyệt, ký ban hành",
            DocActionKind::Issue => "Cấp số, ban hành",
            DocActionKind::Recall => "Thu hồi",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DocActionKind::Register => "Register",
            DocActionKind::Refuse => "Refuse",
            DocActionKind::Assign => "Assign",
            DocActionKind::Opinion => "Add an opinion",
            DocActionKind::Complete => "Complete",
            DocActionKind::Revise => "Revise the draft",
            DocActionKind::Submit => "Submit for review",
            DocActionKind::Forward => "Forward for review",
            DocActionKind::SendBack => "Send back for changes",
            DocActionKind::Approve => "Approve and sign",
            DocActionKind::Issue => "Number and issue",
            DocActionKind::Recall => "Recall",
        }
    }

    /// The permissions of which the actor needs one (in the document's
    /// unit). The application adds who-holds-it rules (the named reviewer,
    /// the author).
    pub fn permissions(self) -> &'static [Permission] {
        use DocActionKind as A;
        match self {
            A::Assign => &[Permission::DocumentApprove],
            A::Opinion | A::Complete => &[Permission::DocumentProcess, Permission::DocumentApprove],
            A::Revise | A::Submit => &[Permission::DocumentProcess, Permission::DocumentApprove],
            A::Forward | A::SendBack => &[Permission::DocumentProcess, Permission::DocumentApprove],
            A::Approve => &[Permission::DocumentApprove],
            A::Issue | A::Register | A::Refuse => &[Permission::DocumentRegister],
            A::Recall => &[Permission::DocumentApprove],
        }
    }
}

/// Why an action cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocTransitionError {
    #[error("{action:?} is not allowed in status {status:?}")]
    NotAllowed {
        status: DocStatus,
        action: DocActionKind,
    },
}

impl DocTransitionError {
    pub fn message_vi(&self) -> String {
        match self {
            DocTransitionError::NotAllowed { status, action } => format!(
                "Không thể «{}» khi văn bản ở trạng thái «{}»",
                action.label_vi(),
                status.label_vi()
            ),
        }
    }
    pub fn message_en(&self) -> String {
        match self {
            DocTransitionError::NotAllowed { status, action } => format!(
                "cannot «{}» a document that is «{}»",
                action.label_en(),
                status.label_en()
            ),
        }
    }
}

/// The next status, or why not.
pub fn transition(
    status: DocStatus,
    action: DocActionKind,
) -> Result<DocStatus, DocTransitionError> {
    status
        .after(action)
        .ok_or(DocTransitionError::NotAllowed { status, action })
}

/// The edXML status code an incoming document's status answers its sender
/// with: 01 arrived, 02 refused, 03 accepted (registered), 04 being
/// assigned, 05 in progress, 06 done.
pub fn edxml_status_code(status: DocStatus) -> Option<&'static str> {
    match status {
        DocStatus::Arrived => Some("01"),
        DocStatus::Refused => Some("02"),
        DocStatus::Registered => Some("03"),
        DocStatus::Assigned => Some("04"),
        DocStatus::InProgress => Some("05"),
        DocStatus::Done => Some("06"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_types_are_unique_and_parse_by_code_or_abbreviation() {
        for (i, a) in DOC_TYPES.iter().enumerate() {
            for b in &DOC_TYPES[i + 1..] {
                assert_ne!(a.code, b.code);
                assert!(a.abbreviation.is_empty() || a.abbreviation != b.abbreviation);
            }
            assert_eq!(DocType::parse(a.code).unwrap().code(), a.code);
        }
        assert_eq!(DocType::parse("QĐ").unwrap().code(), "quyet_dinh");
        assert_eq!(DocType::parse("QyĐ").unwrap().code(), "quy_dinh");
        assert!(DocType::parse("xyz").is_err());
        assert!(DocType::parse("").is_err());
        assert_eq!(DOC_TYPES.len(), 29);
    }

    #[test]
    fn doc_type_serde_round_trip() {
        let t = DocType::parse("to_trinh").unwrap();
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, "\"to_trinh\"");
        let back: DocType = serde_json::from_str(&j).unwrap();
        assert_eq!(back, t);
        assert!(serde_json::from_str::<DocType>("\"nope\"").is_err());
    }

    #[test]
    fn number_symbols_follow_decree_30() {
        let qd = DocType::parse("quyet_dinh").unwrap();
        let cv = DocType::parse("cong_van").unwrap();
        let ttr = DocType::parse("to_trinh").unwrap();
        assert_eq!(
            NumberSymbol::new(5, qd, "UBND", None).unwrap().to_string(),
            "05/QĐ-UBND"
        );
        assert_eq!(
            NumberSymbol::new(123, cv, "UBND", Some("VP"))
                .unwrap()
                .to_string(),
            "123/UBND-VP"
        );
        assert_eq!(
            NumberSymbol::new(1, cv, "SXD", None).unwrap().to_string(),
            "01/SXD"
        );
        assert_eq!(
            NumberSymbol::new(10, ttr, "SXD", Some("QLN"))
                .unwrap()
                .to_string(),
            "10/TTr-SXD-QLN"
        );
        assert_eq!(
            NumberSymbol::new(7, qd, "UBND", Some("  "))
                .unwrap()
                .to_string(),
            "07/QĐ-UBND"
        );
        assert_eq!(
            NumberSymbol::new(1000, qd, "UBND", None)
                .unwrap()
                .number_text(),
            "1000"
        );
        assert!(NumberSymbol::new(0, qd, "UBND", None).is_err());
        assert!(NumberSymbol::new(1, qd, "ub nd", None).is_err());
        assert!(NumberSymbol::new(1, cv, "UBND", Some("v-p")).is_err());
    }

    #[test]
    fn counter_keys_restart_each_year() {
        assert_ne!(
            register_counter_key("r", 2026),
            register_counter_key("r", 2027)
        );
        assert_ne!(
            register_counter_key("a", 2026),
            register_counter_key("b", 2026)
        );
    }

    #[test]
    fn specific_registers_win_over_general_ones() {
        let qd = DocType::parse("quyet_dinh").unwrap();
        let cv = DocType::parse("cong_van").unwrap();
        let regs = vec![
            RegisterScope {
                direction: Direction::Incoming,
                doc_types: vec![],
            },
            RegisterScope {
                direction: Direction::Outgoing,
                doc_types: vec![],
            },
            RegisterScope {
                direction: Direction::Outgoing,
                doc_types: vec![qd],
            },
        ];
        assert_eq!(pick_register(&regs, Direction::Outgoing, qd), Some(2));
        assert_eq!(pick_register(&regs, Direction::Outgoing, cv), Some(1));
        assert_eq!(pick_register(&regs, Direction::Incoming, qd), Some(0));
        assert_eq!(pick_register(&regs[2..], Direction::Outgoing, cv), None);
        assert_eq!(pick_register(&[], Direction::Incoming, cv), None);
    }

    #[test]
    fn the_state_machine_table() {
        use DocActionKind as A;
        use DocStatus as S;
        // Every (status, action) pair, spelled out.
        let expected: &[(S, A, S)] = &[
            (S::Arrived, A::Register, S::Registered),
            (S::Arrived, A::Refuse, S::Refused),
            (S::Arrived, A::Recall, S::Recalled),
            (S::Registered, A::Assign, S::Assigned),
            (S::Registered, A::Complete, S::Done),
            (S::Registered, A::Recall, S::Recalled),
            (S::Assigned, A::Assign, S::Assigned),
            (S::Assigned, A::Opinion, S::InProgress),
            (S::Assigned, A::Complete, S::Done),
            (S::Assigned, A::Recall, S::Recalled),
            (S::InProgress, A::Assign, S::Assigned),
            (S::InProgress, A::Opinion, S::InProgress),
            (S::InProgress, A::Complete, S::Done),
            (S::InProgress, A::Recall, S::Recalled),
            (S::Draft, A::Revise, S::Draft),
            (S::Draft, A::Submit, S::InReview),
            (S::InReview, A::Forward, S::InReview),
            (S::InReview, A::SendBack, S::Draft),
            (S::InReview, A::Approve, S::Approved),
            (S::Approved, A::SendBack, S::Draft),
            (S::Approved, A::Issue, S::Issued),
            (S::Issued, A::Recall, S::Recalled),
        ];
        for s in S::ALL {
            for a in A::ALL {
                let want = expected
                    .iter()
                    .find(|(s2, a2, _)| *s2 == s && *a2 == a)
                    .map(|e| e.2);
                assert_eq!(s.after(a), want, "{s:?} {a:?}");
                assert_eq!(transition(s, a).ok(), want);
            }
        }
        // Terminal statuses allow nothing; statuses never cross directions.
        for s in S::ALL {
            if s.is_terminal() {
                assert!(s.allowed_actions().is_empty(), "{s:?}");
            }
            for a in s.allowed_actions() {
                let next = s.after(a).unwrap();
                if let (Some(d1), Some(d2)) = (s.direction(), next.direction()) {
                    assert_eq!(d1, d2);
                }
            }
        }
        let err = transition(S::Issued, A::Approve).unwrap_err();
        assert!(err.message_vi().contains("Đã ban hành"));
        assert!(err.message_en().contains("Issued"));
    }

    #[test]
    fn only_approvers_approve_and_only_clerks_issue() {
        assert_eq!(
            DocActionKind::Approve.permissions(),
            &[Permission::DocumentApprove]
        );
        assert_eq!(
            DocActionKind::Issue.permissions(),
            &[Permission::DocumentRegister]
        );
        assert_eq!(
            DocActionKind::Assign.permissions(),
            &[Permission::DocumentApprove]
        );
        for a in DocActionKind::ALL {
            assert!(!a.permissions().is_empty());
            assert_eq!(DocActionKind::parse(a.as_str()).unwrap(), a);
            assert!(!a.label_vi().is_empty() && !a.label_en().is_empty());
        }
        for s in DocStatus::ALL {
            assert_eq!(DocStatus::parse(s.as_str()).unwrap(), s);
        }
        assert!(DocActionKind::parse("delete").is_err());
    }

    #[test]
    fn urgency_and_edxml_codes() {
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()).unwrap(), u);
            assert_eq!(Urgency::from_priority(u.priority()), u);
        }
        assert_eq!(Urgency::from_priority(9), Urgency::Immediate);
        assert_eq!(edxml_status_code(DocStatus::Arrived), Some("01"));
        assert_eq!(edxml_status_code(DocStatus::Refused), Some("02"));
        assert_eq!(edxml_status_code(DocStatus::Registered), Some("03"));
        assert_eq!(edxml_status_code(DocStatus::Done), Some("06"));
        assert_eq!(edxml_status_code(DocStatus::Draft), None);
    }

    #[test]
    fn field_validation() {
        assert!(validate_subject("").is_err());
        assert!(validate_subject(&"a".repeat(501)).is_err());
        assert_eq!(validate_subject("  Về việc A  ").unwrap(), "Về việc A");
        assert!(validate_subject(&"ệ".repeat(500)).is_ok());
        assert!(validate_subject("a\u{0}b").is_err());
        assert!(validate_body("dòng 1\ndòng 2").is_ok());
        assert_eq!(
            validate_original_number(" 12/QĐ-UBND ").unwrap(),
            "12/QĐ-UBND"
        );
        assert!(validate_original_number("QĐ-12").is_err());
        assert!(validate_original_number("").is_err());
        assert!(validate_register_name("Sổ văn bản đi").is_ok());
        assert!(validate_note("opinion", " ").is_err());
        let e = validate_subject("").unwrap_err();
        assert_eq!(e.field, "subject");
        assert!(e.message_vi.contains("không được để trống"));
    }
}
