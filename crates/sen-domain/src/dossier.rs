//! The one-stop-shop dossier lifecycle (hồ sơ thủ tục hành chính), as pure
//! rules: statuses, the state machine over actions, the dossier code, and
//! the timeliness of a dossier against its legal deadline.
//!
//! # Statuses
//!
//! ```text
//! submitted ─receive─► received ─hand_off─► in_process ─propose_result─► awaiting_approval ─approve_result─► result_ready ─return─► returned
//!     │ ▲                   └──────────── propose_result ──────────────────────►│
//!     ▼ │ supplement          request_supplement ▼ ▲ supplement                    └─ hand_off (up the approval chain)
//! incomplete_at_intake                 waiting_supplement ─► in_process
//!
//! send_back ─► in_process                  from in_process, awaiting_approval
//! reject_at_intake ─► rejected_at_intake   from submitted, incomplete_at_intake
//! refuse ─► refused, stop ─► stopped       from received, in_process, awaiting_approval, waiting_supplement
//! withdraw ─► withdrawn                    from every open status before result_ready
//! extend (Form 04)                         while the clock runs: received, in_process, awaiting_approval
//! rate                                     once, in a terminal status
//! ```
//!
//! * **Submitted** (*đã nộp, chờ tiếp nhận*) — online or by post, not yet
//!   checked by the one-stop desk. A dossier handed in at the counter is
//!   created in this status and received in the same transaction, so that
//!   every dossier passes through [`Action::Receive`] (and gets its Form 01).
//! * **IncompleteAtIntake** (*chờ bổ sung trước khi tiếp nhận*) — the desk
//!   asked for a supplement (Form 02) *before* receiving it. The legal clock
//!   has not started; the applicant's supplement puts the dossier back to
//!   Submitted for a new check.
//! * **RejectedAtIntake** (*từ chối tiếp nhận*, Form 03) — terminal; kept apart
//!   from Refused because such a dossier was never received and does not count
//!   in the statistics of received dossiers.
//! * **Received**, **InProcess**, **AwaitingApproval** (*chờ phê duyệt kết
//!   quả*: a draft result has been proposed and waits for someone who may
//!   approve and sign) — the legal clock runs.
//! * **WaitingSupplement** — the clock is paused (Form 02).
//! * **ResultReady** — processing is complete and the clock has stopped; the
//!   result waits at the desk for the applicant.
//! * **Returned**, **Refused** (Form 03), **Stopped** (Form 05),
//!   **Withdrawn** — terminal, like RejectedAtIntake.
//!
//! The full table of which action is allowed in which status is
//! [`DossierStatus::after`]; [`apply`] performs one action and says what the
//! application layer must do ([`Transition`]). [`apply_in_process`] also
//! enforces the procedure's [`ProcessDefinition`] (which step may do what,
//! and where a hand-off may go).
//!
//! All times here are Vietnam local time (UTC+7) as `NaiveDateTime`.

use crate::access::Permission;
use crate::procedure::{validate_step_id, ProcessDefinition};
use crate::Invalid;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------

/// Where a dossier is in its life. See the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    /// Nộp trực tuyến / qua bưu chính, chờ tiếp nhận.
    Submitted,
    /// Chờ bổ sung trước khi tiếp nhận (Mẫu 02 gửi trước khi tiếp nhận).
    IncompleteAtIntake,
    /// Từ chối tiếp nhận (Mẫu 03). Terminal.
    RejectedAtIntake,
    /// Đã tiếp nhận (Mẫu 01), chưa chuyển xử lý.
    Received,
    /// Đang xử lý.
    InProcess,
    /// Đã trình kết quả, chờ phê duyệt.
    AwaitingApproval,
    /// Chờ công dân bổ sung (Mẫu 02); the legal clock is paused.
    WaitingSupplement,
    /// Có kết quả, chờ trả.
    ResultReady,
    /// Đã trả kết quả. Terminal.
    Returned,
    /// Từ chối giải quyết / không đủ điều kiện (Mẫu 03). Terminal.
    Refused,
    /// Dừng xử lý (Mẫu 05). Terminal.
    Stopped,
    /// Công dân rút hồ sơ. Terminal.
    Withdrawn,
}

impl DossierStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [DossierStatus; 12] = [
        DossierStatus::Submitted,
        DossierStatus::IncompleteAtIntake,
        DossierStatus::RejectedAtIntake,
        DossierStatus::Received,
        DossierStatus::InProcess,
        DossierStatus::AwaitingApproval,
        DossierStatus::WaitingSupplement,
        DossierStatus::ResultReady,
        DossierStatus::Returned,
        DossierStatus::Refused,
        DossierStatus::Stopped,
        DossierStatus::Withdrawn,
    ];

    /// The stable snake_case name, as stored and as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DossierStatus::Submitted => "submitted",
            DossierStatus::IncompleteAtIntake => "incomplete_at_intake",
            DossierStatus::RejectedAtIntake => "rejected_at_intake",
            DossierStatus::Received => "received",
            DossierStatus::InProcess => "in_process",
            DossierStatus::AwaitingApproval => "awaiting_approval",
            DossierStatus::WaitingSupplement => "waiting_supplement",
            DossierStatus::ResultReady => "result_ready",
            DossierStatus::Returned => "returned",
            DossierStatus::Refused => "refused",
            DossierStatus::Stopped => "stopped",
            DossierStatus::Withdrawn => "withdrawn",
        }
    }

    /// The inverse of [`DossierStatus::as_str`].
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "status",
                    format!("Trạng thái hồ sơ không hợp lệ: «{s}»"),
                    format!("unknown dossier status: «{s}»"),
                )
            })
    }

    /// The Vietnamese label shown to staff and citizens.
    pub fn label_vi(self) -> &'static str {
        match self {
            DossierStatus::Submitted => "Đã nộp, chờ tiếp nhận",
            DossierStatus::IncompleteAtIntake => "Chờ bổ sung trước khi tiếp nhận",
            DossierStatus::RejectedAtIntake => "Từ chối tiếp nhận",
            DossierStatus::Received => "Đã tiếp nhận",
            DossierStatus::InProcess => "Đang xử lý",
            DossierStatus::AwaitingApproval => "Chờ phê duyệt kết quả",
            DossierStatus::WaitingSupplement => "Chờ bổ sung hồ sơ",
            DossierStatus::ResultReady => "Có kết quả, chờ trả",
            DossierStatus::Returned => "Đã trả kết quả",
            DossierStatus::Refused => "Từ chối giải quyết",
            DossierStatus::Stopped => "Dừng xử lý",
            DossierStatus::Withdrawn => "Đã rút hồ sơ",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            DossierStatus::Submitted => "submitted, awaiting intake",
            DossierStatus::IncompleteAtIntake => "awaiting a supplement before intake",
            DossierStatus::RejectedAtIntake => "not accepted at intake",
            DossierStatus::Received => "received",
            DossierStatus::InProcess => "in process",
            DossierStatus::AwaitingApproval => "result awaiting approval",
            DossierStatus::WaitingSupplement => "waiting for the applicant's supplement",
            DossierStatus::ResultReady => "result ready for return",
            DossierStatus::Returned => "result returned",
            DossierStatus::Refused => "refused",
            DossierStatus::Stopped => "processing stopped",
            DossierStatus::Withdrawn => "withdrawn by the applicant",
        }
    }

    /// Whether the dossier's life is over: only [`ActionKind::Rate`] remains.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            DossierStatus::RejectedAtIntake
                | DossierStatus::Returned
                | DossierStatus::Refused
                | DossierStatus::Stopped
                | DossierStatus::Withdrawn
        )
    }

    /// Whether the legal clock is running: from receipt until the result (or
    /// a refusal, a stop or a withdrawal), except while waiting for the
    /// applicant's supplement. It has not started before receipt.
    pub fn clock_running(self) -> bool {
        matches!(
            self,
            DossierStatus::Received | DossierStatus::InProcess | DossierStatus::AwaitingApproval
        )
    }

    /// Whether the legal clock has started and not yet ended: running, or
    /// paused in [`DossierStatus::WaitingSupplement`].
    pub fn clock_open(self) -> bool {
        self.clock_running() || self == DossierStatus::WaitingSupplement
    }

    /// The status after `action` is taken in this status, or `None` if the
    /// action is not allowed here. This function *is* the state machine:
    ///
    /// | from | allowed actions (→ new status) |
    /// |---|---|
    /// | submitted | receive → received; request_supplement → incomplete_at_intake; reject_at_intake → rejected_at_intake; withdraw → withdrawn |
    /// | incomplete_at_intake | supplement → submitted; reject_at_intake → rejected_at_intake; withdraw → withdrawn |
    /// | received | hand_off → in_process; propose_result → awaiting_approval; request_supplement → waiting_supplement; refuse, stop, withdraw; extend (unchanged) |
    /// | in_process | hand_off, send_back (unchanged); propose_result → awaiting_approval; request_supplement; refuse, stop, withdraw; extend |
    /// | awaiting_approval | approve_result → result_ready; hand_off (unchanged: forwarded up the approval chain); send_back → in_process; request_supplement; refuse, stop, withdraw; extend |
    /// | waiting_supplement | supplement → in_process; refuse, stop, withdraw |
    /// | result_ready | return → returned |
    /// | terminal statuses | rate (unchanged) |
    ///
    /// where refuse → refused, stop → stopped, withdraw → withdrawn and
    /// request_supplement → waiting_supplement.
    pub fn after(self, action: ActionKind) -> Option<DossierStatus> {
        use ActionKind as A;
        use DossierStatus as S;
        let open_after_intake = matches!(
            self,
            S::Received | S::InProcess | S::AwaitingApproval | S::WaitingSupplement
        );
        match (self, action) {
            (S::Submitted, A::Receive) => Some(S::Received),
            (S::Submitted, A::RequestSupplement) => Some(S::IncompleteAtIntake),
            (S::Submitted | S::IncompleteAtIntake, A::RejectAtIntake) => Some(S::RejectedAtIntake),
            (S::IncompleteAtIntake, A::Supplement) => Some(S::Submitted),
            (S::Submitted | S::IncompleteAtIntake, A::Withdraw) => Some(S::Withdrawn),

            (S::Received | S::InProcess, A::HandOff) => Some(S::InProcess),
            (S::AwaitingApproval, A::HandOff) => Some(S::AwaitingApproval),
            (S::InProcess | S::AwaitingApproval, A::SendBack) => Some(S::InProcess),
            (S::Received | S::InProcess, A::ProposeResult) => Some(S::AwaitingApproval),
            (S::AwaitingApproval, A::ApproveResult) => Some(S::ResultReady),
            (s, A::RequestSupplement) if s.clock_running() => Some(S::WaitingSupplement),
            (s, A::Extend) if s.clock_running() => Some(s),
            (S::WaitingSupplement, A::Supplement) => Some(S::InProcess),
            (_, A::Refuse) if open_after_intake => Some(S::Refused),
            (_, A::Stop) if open_after_intake => Some(S::Stopped),
            (_, A::Withdraw) if open_after_intake => Some(S::Withdrawn),

            (S::ResultReady, A::Return) => Some(S::Returned),
            (s, A::Rate) if s.is_terminal() => Some(s),
            _ => None,
        }
    }

    /// The actions allowed in this status, in [`ActionKind::ALL`] order.
    pub fn allowed_actions(self) -> Vec<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .filter(|a| self.after(*a).is_some())
            .collect()
    }
}

impl fmt::Display for DossierStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

/// The kind of an [`Action`], without its data: what process steps list as
/// allowed and what error messages name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// [`Action::Receive`].
    Receive,
    /// [`Action::RejectAtIntake`].
    RejectAtIntake,
    /// [`Action::RequestSupplement`].
    RequestSupplement,
    /// [`Action::Supplement`].
    Supplement,
    /// [`Action::HandOff`].
    HandOff,
    /// [`Action::SendBack`].
    SendBack,
    /// [`Action::ProposeResult`].
    ProposeResult,
    /// [`Action::ApproveResult`].
    ApproveResult,
    /// [`Action::Refuse`].
    Refuse,
    /// [`Action::Stop`].
    Stop,
    /// [`Action::Withdraw`].
    Withdraw,
    /// [`Action::Extend`].
    Extend,
    /// [`Action::Return`].
    Return,
    /// [`Action::Rate`].
    Rate,
}

impl ActionKind {
    /// Every action kind.
    pub const ALL: [ActionKind; 14] = [
        ActionKind::Receive,
        ActionKind::RejectAtIntake,
        ActionKind::RequestSupplement,
        ActionKind::Supplement,
        ActionKind::HandOff,
        ActionKind::SendBack,
        ActionKind::ProposeResult,
        ActionKind::ApproveResult,
        ActionKind::Refuse,
        ActionKind::Stop,
        ActionKind::Withdraw,
        ActionKind::Extend,
        ActionKind::Return,
        ActionKind::Rate,
    ];

    /// The stable snake_case name, as stored and as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Receive => "receive",
            ActionKind::RejectAtIntake => "reject_at_intake",
            ActionKind::RequestSupplement => "request_supplement",
            ActionKind::Supplement => "supplement",
            ActionKind::HandOff => "hand_off",
            ActionKind::SendBack => "send_back",
            ActionKind::ProposeResult => "propose_result",
            ActionKind::ApproveResult => "approve_result",
            ActionKind::Refuse => "refuse",
            ActionKind::Stop => "stop",
            ActionKind::Withdraw => "withdraw",
            ActionKind::Extend => "extend",
            ActionKind::Return => "return",
            ActionKind::Rate => "rate",
        }
    }

    /// The inverse of [`ActionKind::as_str`].
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "action",
                    format!("Thao tác không hợp lệ: «{s}»"),
                    format!("unknown action: «{s}»"),
                )
            })
    }

    /// The Vietnamese label, a verb phrase ("tiếp nhận hồ sơ").
    pub fn label_vi(self) -> &'static str {
        match self {
            ActionKind::Receive => "tiếp nhận hồ sơ",
            ActionKind::RejectAtIntake => "từ chối tiếp nhận",
            ActionKind::RequestSupplement => "yêu cầu bổ sung hồ sơ",
            ActionKind::Supplement => "bổ sung hồ sơ",
            ActionKind::HandOff => "chuyển bước xử lý",
            ActionKind::SendBack => "trả lại để xử lý lại",
            ActionKind::ProposeResult => "trình kết quả",
            ActionKind::ApproveResult => "phê duyệt kết quả",
            ActionKind::Refuse => "từ chối giải quyết",
            ActionKind::Stop => "dừng xử lý",
            ActionKind::Withdraw => "rút hồ sơ",
            ActionKind::Extend => "gia hạn, hẹn lại ngày trả kết quả",
            ActionKind::Return => "trả kết quả",
            ActionKind::Rate => "đánh giá mức độ hài lòng",
        }
    }

    /// The English label, a verb phrase ("receive the dossier").
    pub fn label_en(self) -> &'static str {
        match self {
            ActionKind::Receive => "receive the dossier",
            ActionKind::RejectAtIntake => "refuse to accept the dossier",
            ActionKind::RequestSupplement => "request a supplement",
            ActionKind::Supplement => "supplement the dossier",
            ActionKind::HandOff => "hand the dossier off",
            ActionKind::SendBack => "send the dossier back for rework",
            ActionKind::ProposeResult => "propose a result",
            ActionKind::ApproveResult => "approve the result",
            ActionKind::Refuse => "refuse the dossier",
            ActionKind::Stop => "stop processing",
            ActionKind::Withdraw => "withdraw the dossier",
            ActionKind::Extend => "extend the deadline",
            ActionKind::Return => "return the result",
            ActionKind::Rate => "rate the service",
        }
    }

    /// Whether the applicant may take this action themself (on the portal);
    /// staff may always record it on the applicant's behalf at the desk.
    pub fn by_applicant(self) -> bool {
        matches!(
            self,
            ActionKind::Supplement | ActionKind::Withdraw | ActionKind::Rate
        )
    }

    /// Whether the action belongs to the step the dossier is at, so that the
    /// step must list it ([`crate::procedure::Step::actions`]). Not
    /// step-bound: the applicant's actions; the return of the result (at the
    /// desk); and the decisions to refuse, stop or extend, which whoever may
    /// approve ([`Permission::DossierApprove`]) on the unit holding the
    /// dossier takes at any step — also while it waits for a supplement that
    /// never comes.
    pub fn is_step_bound(self) -> bool {
        !self.by_applicant()
            && !matches!(
                self,
                ActionKind::Return | ActionKind::Extend | ActionKind::Refuse | ActionKind::Stop
            )
    }

    /// The permissions of which a staff member needs at least one, on the
    /// unit of the step, to take the action.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            ActionKind::Receive
            | ActionKind::RejectAtIntake
            | ActionKind::Return
            | ActionKind::Supplement
            | ActionKind::Withdraw
            | ActionKind::Rate => &[DossierReceive],
            ActionKind::RequestSupplement | ActionKind::HandOff => {
                &[DossierReceive, DossierProcess]
            }
            ActionKind::SendBack | ActionKind::ProposeResult => &[DossierProcess],
            ActionKind::ApproveResult
            | ActionKind::Refuse
            | ActionKind::Stop
            | ActionKind::Extend => &[DossierApprove],
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something done to a dossier, with its data. In JSON:
/// `{"action": "request_supplement", "reason": "…", "missing": ["…"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Accept the dossier at the counter, or accept an online / postal
    /// submission after checking it (Form 01).
    Receive,
    /// Refuse to accept a submitted dossier, e.g. not within the agency's
    /// competence, or incomplete when the applicant will not supplement
    /// (Form 03). An incomplete dossier normally gets
    /// [`Action::RequestSupplement`] (Form 02) first.
    RejectAtIntake {
        /// Why (printed on Form 03).
        reason: String,
    },
    /// Ask the applicant to supplement or correct the dossier (Form 02):
    /// before intake, or during processing (the clock pauses).
    RequestSupplement {
        /// Why, and how to supplement (printed on Form 02).
        reason: String,
        /// What is missing or must be corrected: at least one item.
        missing: Vec<String>,
    },
    /// The applicant's supplement arrived.
    Supplement,
    /// Pass the dossier to another step of the process (a Form 06 entry).
    HandOff {
        /// The id of the step that takes the dossier over.
        to_step: String,
    },
    /// Return the dossier, with or without a proposed result, to another
    /// (usually earlier) step for rework (Form 06). Any proposed result
    /// lapses.
    SendBack {
        /// The id of the step that must rework the dossier.
        to_step: String,
        /// What to rework.
        reason: String,
    },
    /// A draft result (or decision) is ready for approval.
    ProposeResult,
    /// The proposed result is approved and signed: the result is ready.
    ApproveResult,
    /// Refuse the dossier as not eligible (Form 03).
    Refuse {
        /// Why (printed on Form 03).
        reason: String,
    },
    /// Stop processing (Form 05).
    Stop {
        /// Why (printed on Form 05).
        reason: String,
    },
    /// The applicant withdraws the dossier.
    Withdraw,
    /// Apologise and set a later due time (Form 04). `approved_by` is the
    /// account that approved the new date, recorded as the law requires.
    Extend {
        /// The new due time, later than the current one.
        new_due: NaiveDateTime,
        /// The account that approved the new date.
        approved_by: Uuid,
        /// Why the dossier is late (printed on Form 04).
        reason: String,
    },
    /// Hand the result to the applicant.
    Return,
    /// The applicant's satisfaction, 1 (lowest) to 5 (highest).
    Rate {
        /// 1 to 5.
        score: u8,
    },
}

/// Longest free-text reason, in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// Most items in a supplement request.
pub const MAX_MISSING_ITEMS: usize = 50;
/// Longest missing-item description, in characters.
pub const MAX_ITEM_CHARS: usize = 500;

fn clean_text(
    field: &'static str,
    what_vi: &str,
    what_en: &str,
    s: &str,
    max: usize,
) -> Result<String, Invalid> {
    let s = s.trim();
    let n = s.chars().count();
    let bad_control = s
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r');
    if n == 0 || n > max || bad_control {
        return Err(Invalid::new(
            field,
            format!("{what_vi} phải có từ 1 đến {max} ký tự và không chứa ký tự điều khiển"),
            format!("{what_en} must be 1 to {max} characters without control characters"),
        ));
    }
    Ok(s.to_string())
}

fn clean_reason(s: &str) -> Result<String, Invalid> {
    clean_text("reason", "Lý do", "the reason", s, MAX_REASON_CHARS)
}

impl Action {
    /// The kind of this action.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Receive => ActionKind::Receive,
            Action::RejectAtIntake { .. } => ActionKind::RejectAtIntake,
            Action::RequestSupplement { .. } => ActionKind::RequestSupplement,
            Action::Supplement => ActionKind::Supplement,
            Action::HandOff { .. } => ActionKind::HandOff,
            Action::SendBack { .. } => ActionKind::SendBack,
            Action::ProposeResult => ActionKind::ProposeResult,
            Action::ApproveResult => ActionKind::ApproveResult,
            Action::Refuse { .. } => ActionKind::Refuse,
            Action::Stop { .. } => ActionKind::Stop,
            Action::Withdraw => ActionKind::Withdraw,
            Action::Extend { .. } => ActionKind::Extend,
            Action::Return => ActionKind::Return,
            Action::Rate { .. } => ActionKind::Rate,
        }
    }

    /// Checks the action's own data and returns it normalised (texts
    /// trimmed): reasons 1–2000 characters; 1–50 missing items of 1–500
    /// characters; step ids as [`validate_step_id`]; a non-nil approver;
    /// a score of 1 to 5.
    pub fn normalized(&self) -> Result<Action, Invalid> {
        Ok(match self {
            Action::RejectAtIntake { reason } => Action::RejectAtIntake {
                reason: clean_reason(reason)?,
            },
            Action::RequestSupplement { reason, missing } => {
                if missing.is_empty() || missing.len() > MAX_MISSING_ITEMS {
                    return Err(Invalid::new(
                        "missing",
                        format!("Phải nêu từ 1 đến {MAX_MISSING_ITEMS} thành phần hồ sơ cần bổ sung, hoàn thiện"),
                        format!("list 1 to {MAX_MISSING_ITEMS} items to supplement or correct"),
                    ));
                }
                let missing = missing
                    .iter()
                    .map(|m| {
                        clean_text(
                            "missing",
                            "Mỗi thành phần cần bổ sung",
                            "each missing item",
                            m,
                            MAX_ITEM_CHARS,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Action::RequestSupplement {
                    reason: clean_reason(reason)?,
                    missing,
                }
            }
            Action::HandOff { to_step } => Action::HandOff {
                to_step: validate_step_id(to_step).map_err(|e| Invalid {
                    field: "to_step",
                    ..e
                })?,
            },
            Action::SendBack { to_step, reason } => Action::SendBack {
                to_step: validate_step_id(to_step).map_err(|e| Invalid {
                    field: "to_step",
                    ..e
                })?,
                reason: clean_reason(reason)?,
            },
            Action::Refuse { reason } => Action::Refuse {
                reason: clean_reason(reason)?,
            },
            Action::Stop { reason } => Action::Stop {
                reason: clean_reason(reason)?,
            },
            Action::Extend {
                new_due,
                approved_by,
                reason,
            } => {
                if approved_by.is_nil() {
                    return Err(Invalid::new(
                        "approved_by",
                        "Phải ghi nhận người phê duyệt việc gia hạn",
                        "the approver of the extension must be recorded",
                    ));
                }
                Action::Extend {
                    new_due: *new_due,
                    approved_by: *approved_by,
                    reason: clean_reason(reason)?,
                }
            }
            Action::Rate { score } => {
                if !(1..=5).contains(score) {
                    return Err(Invalid::new(
                        "score",
                        format!("Điểm đánh giá phải từ 1 đến 5, không phải {score}"),
                        format!("the rating must be 1 to 5, not {score}"),
                    ));
                }
                Action::Rate { score: *score }
            }
            Action::Receive
            | Action::Supplement
            | Action::ProposeResult
            | Action::ApproveResult
            | Action::Withdraw
            | Action::Return => self.clone(),
        })
    }
}

// ---------------------------------------------------------------------------
// State, transitions and side effects
// ---------------------------------------------------------------------------

/// What the state machine needs to know about a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierState {
    /// The status.
    pub status: DossierStatus,
    /// The id of the process step the dossier is at; `None` means the
    /// process's first (intake) step.
    #[serde(default)]
    pub step: Option<String>,
    /// The current legal due time, once the application has computed it
    /// (after [`Clock::Start`], moved on [`Clock::Resume`] and by
    /// [`Action::Extend`]).
    #[serde(default)]
    pub due: Option<NaiveDateTime>,
    /// Whether the applicant has already rated the service (once only).
    #[serde(default)]
    pub rated: bool,
}

impl DossierState {
    /// A fresh dossier: submitted, at the intake step, no due time.
    pub fn submitted() -> Self {
        DossierState {
            status: DossierStatus::Submitted,
            step: None,
            due: None,
            rated: false,
        }
    }

    /// The deadline status at `now`, or `None` when the clock is not running
    /// (before receipt, paused, finished) or the due time is not known.
    pub fn deadline_status(
        &self,
        now: NaiveDateTime,
        warn: TimeDelta,
        rule: TimelinessRule,
    ) -> Option<DeadlineStatus> {
        match self.due {
            Some(due) if self.status.clock_running() => Some(deadline_status(due, now, warn, rule)),
            _ => None,
        }
    }
}

/// What happens to the legal clock in a transition; the application layer
/// keeps the due time with `sen-calendar`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Nothing to do.
    Unchanged,
    /// The dossier was received: compute the due time from the receipt time
    /// and the procedure's legal time (`Calendar::add_working_days`).
    Start,
    /// Waiting for a supplement: remember when the clock stopped.
    Pause,
    /// The supplement arrived: move the due time by the pause
    /// (`Calendar::extend_by_pause`).
    Resume,
    /// Processing is complete (result ready, refused, or stopped): classify
    /// the dossier's [`Timeliness`] at this moment. If the clock was paused,
    /// the pause ends here.
    Finish,
    /// Withdrawn by the applicant: the clock ends without a timeliness.
    Cancel,
}

impl Clock {
    /// The clock effect of a move from status `from` to status `to`.
    pub fn between(from: DossierStatus, to: DossierStatus) -> Clock {
        use DossierStatus as S;
        if !from.clock_open() && to.clock_open() {
            Clock::Start
        } else if from.clock_running() && to == S::WaitingSupplement {
            Clock::Pause
        } else if from == S::WaitingSupplement && to.clock_running() {
            Clock::Resume
        } else if from.clock_open() && matches!(to, S::ResultReady | S::Refused | S::Stopped) {
            Clock::Finish
        } else if from.clock_open() && to == S::Withdrawn {
            Clock::Cancel
        } else {
            Clock::Unchanged
        }
    }
}

/// The forms of Thông tư 03/2025/TT-VPCP, Phụ lục I, that a transition makes
/// the application produce (titles after the domain notes; check the
/// official wording before printing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Mẫu 01: receipt and appointment for the result.
    Receipt,
    /// Mẫu 02: request to supplement or correct the dossier.
    SupplementRequest,
    /// Mẫu 03: refusal (to accept or to resolve), with the reason.
    Refusal,
    /// Mẫu 04: apology and new appointment (extension).
    Apology,
    /// Mẫu 05: notice of stopping.
    StopNotice,
    /// Mẫu 06: an entry of the process-control slip (a hand-off, with its
    /// time and timeliness). Receiving opens the slip with its first entry.
    ControlSlip,
    /// Mẫu 07: an entry of the dossier register.
    Register,
}

impl Form {
    /// The form's number in Phụ lục I.
    pub fn number(self) -> u8 {
        match self {
            Form::Receipt => 1,
            Form::SupplementRequest => 2,
            Form::Refusal => 3,
            Form::Apology => 4,
            Form::StopNotice => 5,
            Form::ControlSlip => 6,
            Form::Register => 7,
        }
    }

    /// The Vietnamese title.
    pub fn label_vi(self) -> &'static str {
        match self {
            Form::Receipt => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            Form::SupplementRequest => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            Form::Refusal => "Phiếu từ chối giải quyết hồ sơ",
            Form::Apology => "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            Form::StopNotice => "Thông báo dừng xử lý hồ sơ",
            Form::ControlSlip => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            Form::Register => "Sổ theo dõi hồ sơ",
        }
    }

    /// The English title.
    pub fn label_en(self) -> &'static str {
        match self {
            Form::Receipt => "Receipt and appointment",
            Form::SupplementRequest => "Request to supplement the dossier",
            Form::Refusal => "Refusal notice",
            Form::Apology => "Apology and new appointment",
            Form::StopNotice => "Notice of stopping",
            Form::ControlSlip => "Process-control slip",
            Form::Register => "Dossier register",
        }
    }
}

/// A message the application must send to the applicant (SMS, e-mail,
/// portal), usually with the form of the same transition attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// The dossier was received; its code and due time.
    Receipt,
    /// What to supplement, why and how.
    SupplementRequest,
    /// Refused (at intake or after processing), with the reason.
    Refusal,
    /// Processing stopped, with the reason.
    Stop,
    /// Apology and the new due time.
    Delay,
    /// The result is ready to collect (or being sent).
    ResultReady,
    /// The withdrawal is confirmed.
    Withdrawal,
}

/// The outcome of [`apply`]: the new state and the side effects the
/// application layer must perform in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The status before.
    pub from: DossierStatus,
    /// The state after.
    pub state: DossierState,
    /// The action as applied, normalised ([`Action::normalized`]): store this.
    pub action: Action,
    /// What to do with the legal clock.
    pub clock: Clock,
    /// Forms to produce, in order.
    pub forms: Vec<Form>,
    /// The message to send the applicant, if any.
    pub notice: Option<Notice>,
}

/// Why an action was refused. Each variant has a Vietnamese and an English
/// message; [`TransitionError::is_conflict`] tells a state conflict (HTTP
/// 409) from bad input (422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The action is not possible in the dossier's status.
    NotAllowed {
        /// The dossier's status.
        status: DossierStatus,
        /// The action refused.
        action: ActionKind,
    },
    /// The process step the dossier is at does not allow the action.
    NotAtStep {
        /// The id of the step.
        step: String,
        /// The action refused.
        action: ActionKind,
    },
    /// The applicant has already rated this dossier.
    AlreadyRated,
    /// The action's data are invalid.
    Invalid(Invalid),
}

impl From<Invalid> for TransitionError {
    fn from(e: Invalid) -> Self {
        TransitionError::Invalid(e)
    }
}

fn join_labels(actions: &[ActionKind], label: fn(ActionKind) -> &'static str) -> String {
    actions
        .iter()
        .map(|a| label(*a))
        .collect::<Vec<_>>()
        .join(", ")
}

impl TransitionError {
    /// Whether the error is a conflict with the dossier's current state
    /// rather than bad input.
    pub fn is_conflict(&self) -> bool {
        !matches!(self, TransitionError::Invalid(_))
    }

    /// The message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            TransitionError::NotAllowed { status, action } => {
                let allowed = status.allowed_actions();
                let tail = if allowed.is_empty() {
                    "không có thao tác nào được phép".to_string()
                } else {
                    format!(
                        "các thao tác được phép: {}",
                        join_labels(&allowed, ActionKind::label_vi)
                    )
                };
                format!(
                    "Không thể {} khi hồ sơ đang ở trạng thái «{}»; {tail}",
                    action.label_vi(),
                    status.label_vi()
                )
            }
            TransitionError::NotAtStep { step, action } => format!(
                "Bước xử lý «{step}» của quy trình không cho phép {}",
                action.label_vi()
            ),
            TransitionError::AlreadyRated => {
                "Hồ sơ đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần".to_string()
            }
            TransitionError::Invalid(e) => e.message_vi.clone(),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            TransitionError::NotAllowed { status, action } => {
                let allowed = status.allowed_actions();
                let tail = if allowed.is_empty() {
                    "no action is allowed".to_string()
                } else {
                    format!("allowed: {}", join_labels(&allowed, ActionKind::label_en))
                };
                format!(
                    "cannot {} while the dossier is «{}»; {tail}",
                    action.label_en(),
                    status.label_en()
                )
            }
            TransitionError::NotAtStep { step, action } => format!(
                "process step «{step}» does not allow to {}",
                action.label_en()
            ),
            TransitionError::AlreadyRated => {
                "the dossier has already been rated; each dossier is rated once".to_string()
            }
            TransitionError::Invalid(e) => e.message_en.clone(),
        }
    }

    /// The input field at fault: `status`, `step`, `rated`, or the
    /// [`Invalid`] field.
    pub fn field(&self) -> &'static str {
        match self {
            TransitionError::NotAllowed { .. } => "status",
            TransitionError::NotAtStep { .. } => "step",
            TransitionError::AlreadyRated => "rated",
            TransitionError::Invalid(e) => e.field,
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field(), self.message_en())
    }
}

impl std::error::Error for TransitionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransitionError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// Applies `action` to a dossier in `state`, by the status table alone
/// ([`DossierStatus::after`]); use [`apply_in_process`] to enforce the
/// procedure's steps as well.
///
/// Checks, in order: the status allows the action; a second rating; the
/// action's data ([`Action::normalized`]); a hand-off or send-back to the
/// step the dossier is already at; an extension that does not move the due
/// time later. Effects:
///
/// | action | forms | notice | clock |
/// |---|---|---|---|
/// | receive | 01, 06, 07 | receipt | start |
/// | reject_at_intake | 03 | refusal | — |
/// | request_supplement | 02 | supplement_request | pause (none before intake) |
/// | supplement | — | — | resume (none before intake) |
/// | hand_off, send_back | 06 | — | — |
/// | propose_result | — | — | — |
/// | approve_result | 06 (result to the desk) | result_ready | finish |
/// | refuse | 03 | refusal | finish |
/// | stop | 05 | stop | finish |
/// | withdraw | — | withdrawal | cancel (none before intake) |
/// | extend | 04 | delay | — (due set to `new_due`) |
/// | return, rate | — | — | — |
pub fn apply(state: &DossierState, action: &Action) -> Result<Transition, TransitionError> {
    let kind = action.kind();
    let from = state.status;
    let to = from.after(kind).ok_or(TransitionError::NotAllowed {
        status: from,
        action: kind,
    })?;
    if kind == ActionKind::Rate && state.rated {
        return Err(TransitionError::AlreadyRated);
    }
    let action = action.normalized()?;
    let mut next = state.clone();
    next.status = to;
    let (forms, notice): (Vec<Form>, Option<Notice>) = match &action {
        Action::Receive => (
            vec![Form::Receipt, Form::ControlSlip, Form::Register],
            Some(Notice::Receipt),
        ),
        Action::RejectAtIntake { .. } | Action::Refuse { .. } => {
            (vec![Form::Refusal], Some(Notice::Refusal))
        }
        Action::RequestSupplement { .. } => (
            vec![Form::SupplementRequest],
            Some(Notice::SupplementRequest),
        ),
        Action::HandOff { to_step } | Action::SendBack { to_step, .. } => {
            if state.step.as_deref() == Some(to_step.as_str()) {
                return Err(Invalid::new(
                    "to_step",
                    format!("Hồ sơ đang ở bước «{to_step}»; không thể chuyển tới chính bước này"),
                    format!("the dossier is already at step «{to_step}»; it cannot be passed to the same step"),
                )
                .into());
            }
            next.step = Some(to_step.clone());
            (vec![Form::ControlSlip], None)
        }
        Action::ApproveResult => (vec![Form::ControlSlip], Some(Notice::ResultReady)),
        Action::Stop { .. } => (vec![Form::StopNotice], Some(Notice::Stop)),
        Action::Withdraw => (vec![], Some(Notice::Withdrawal)),
        Action::Extend { new_due, .. } => {
            if let Some(due) = state.due {
                if *new_due <= due {
                    return Err(Invalid::new(
                        "new_due",
                        format!(
                            "Ngày hẹn mới ({}) phải sau ngày hẹn hiện tại ({})",
                            crate::vi::long_datetime(*new_due),
                            crate::vi::long_datetime(due)
                        ),
                        format!("the new due time ({new_due}) must be later than the current one ({due})"),
                    )
                    .into());
                }
            }
            next.due = Some(*new_due);
            (vec![Form::Apology], Some(Notice::Delay))
        }
        Action::Rate { .. } => {
            next.rated = true;
            (vec![], None)
        }
        Action::Supplement | Action::ProposeResult | Action::Return => (vec![], None),
    };
    Ok(Transition {
        from,
        state: next,
        action,
        clock: Clock::between(from, to),
        forms,
        notice,
    })
}

/// [`apply`], and also the procedure's process: a step-bound action
/// ([`ActionKind::is_step_bound`]) must be listed by the step the dossier is
/// at (`state.step`, or the first step when `None`); a hand-off must go to
/// one of the step's successors; a send-back to another existing step.
/// Receiving places the dossier at the first step. `process` should have
/// passed [`ProcessDefinition::validate`].
pub fn apply_in_process(
    process: &ProcessDefinition,
    state: &DossierState,
    action: &Action,
) -> Result<Transition, TransitionError> {
    let current_id = match (&state.step, process.steps.first()) {
        (Some(id), _) => id.clone(),
        (None, Some(first)) => first.id.clone(),
        (None, None) => {
            return Err(Invalid::new(
                "process",
                "Quy trình chưa có bước xử lý nào",
                "the process has no steps",
            )
            .into())
        }
    };
    let current = process.step(&current_id).ok_or_else(|| {
        Invalid::new(
            "step",
            format!("Quy trình không có bước «{current_id}»"),
            format!("the process has no step «{current_id}»"),
        )
    })?;
    let state = DossierState {
        step: Some(current_id.clone()),
        ..state.clone()
    };
    let transition = apply(&state, action)?;
    let kind = action.kind();
    if kind.is_step_bound() && !current.actions.contains(&kind) {
        return Err(TransitionError::NotAtStep {
            step: current_id,
            action: kind,
        });
    }
    match &transition.action {
        Action::HandOff { to_step } => {
            let next = process.successors(&current_id);
            if !next.contains(&to_step.as_str()) {
                return Err(Invalid::new(
                    "to_step",
                    format!(
                        "Từ bước «{current_id}» không thể chuyển tới bước «{to_step}»; các bước tiếp theo: {}",
                        next.join(", ")
                    ),
                    format!(
                        "step «{current_id}» cannot hand off to «{to_step}»; next steps: {}",
                        next.join(", ")
                    ),
                )
                .into());
            }
        }
        Action::SendBack { to_step, .. } if process.step(to_step).is_none() => {
            return Err(Invalid::new(
                "to_step",
                format!("Quy trình không có bước «{to_step}»"),
                format!("the process has no step «{to_step}»"),
            )
            .into());
        }
        _ => {}
    }
    Ok(transition)
}

// ---------------------------------------------------------------------------
// Dossier code
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Agency,
    Year4,
    Year2,
    Month,
    Day,
    Seq(usize),
}

/// The format of dossier codes, from a template such as the default
/// `{agency}-{yy}{mm}{dd}-{seq:4}` (→ `H12.01-261123-0001`).
///
/// Placeholders: `{agency}` (the handling agency's identifier code, e.g.
/// `H12.01`), `{yyyy}` or `{yy}`, `{mm}`, `{dd}` (the date received, Vietnam
/// time), `{seq}` or `{seq:N}` (the daily sequence number, zero-padded to
/// N = 1–9 digits, 4 by default, and wider when it overflows: 9999 → 10000).
/// Literal text may use `A–Z a–z 0–9 - _ .`.
///
/// Each of agency, year, month, day and sequence must appear exactly once,
/// and each of the variable-width fields `{agency}` and `{seq}` must be
/// followed either by the end of the template or by literal text with a
/// character that cannot occur in it (for `{agency}`: anything but `A–Z`,
/// `0–9`, `.`; for `{seq}`: a non-digit). Then no two (agency, date,
/// sequence) triples give the same code.
///
/// The sequence is allocated by storage: its counter key is the pair
/// (agency identifier code, date received in Vietnam time), starting at 1.
///
/// Serialised as its template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFormat {
    template: String,
    parts: Vec<Part>,
}

impl CodeFormat {
    /// The default template.
    pub const DEFAULT: &'static str = "{agency}-{yy}{mm}{dd}-{seq:4}";

    /// Longest template, in characters.
    pub const MAX_TEMPLATE_CHARS: usize = 100;

    /// Parses and checks a template (see the type's documentation).
    pub fn parse(template: &str) -> Result<Self, Invalid> {
        let bad = |vi: String, en: String| {
            Invalid::new(
                "code_format",
                format!("Mẫu mã hồ sơ «{template}» không hợp lệ: {vi}"),
                format!("dossier code template «{template}» is invalid: {en}"),
            )
        };
        if template.is_empty() || template.chars().count() > Self::MAX_TEMPLATE_CHARS {
            return Err(bad(
                format!("phải có từ 1 đến {} ký tự", Self::MAX_TEMPLATE_CHARS),
                format!("it must be 1 to {} characters", Self::MAX_TEMPLATE_CHARS),
            ));
        }
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            match c {
                '{' => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(bad(
                                    "thiếu dấu «}» đóng".into(),
                                    "a «{» is not closed".into(),
                                ))
                            }
                            Some(c) => name.push(c),
                        }
                    }
                    let part = match name.as_str() {
                        "agency" => Part::Agency,
                        "yyyy" => Part::Year4,
                        "yy" => Part::Year2,
                        "mm" => Part::Month,
                        "dd" => Part::Day,
                        "seq" => Part::Seq(4),
                        _ => match name.strip_prefix("seq:").map(str::parse::<usize>) {
                            Some(Ok(w)) if (1..=9).contains(&w) => Part::Seq(w),
                            Some(_) => {
                                return Err(bad(
                                    format!("độ rộng của «{{{name}}}» phải từ 1 đến 9"),
                                    format!("the width in «{{{name}}}» must be 1 to 9"),
                                ))
                            }
                            None => {
                                return Err(bad(
                                    format!("không có trường «{{{name}}}»; dùng {{agency}}, {{yyyy}}, {{yy}}, {{mm}}, {{dd}}, {{seq}}, {{seq:N}}"),
                                    format!("unknown placeholder «{{{name}}}»; use {{agency}}, {{yyyy}}, {{yy}}, {{mm}}, {{dd}}, {{seq}}, {{seq:N}}"),
                                ))
                            }
                        },
                    };
                    parts.push(part);
                }
                '}' => {
                    return Err(bad(
                        "có dấu «}» không có «{» mở".into(),
                        "a «}» has no matching «{»".into(),
                    ))
                }
                c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') => lit.push(c),
                c => {
                    return Err(bad(
                        format!("ký tự «{c}» không được phép; chỉ dùng A–Z, a–z, 0–9, - _ ."),
                        format!("character «{c}» is not allowed; use A–Z, a–z, 0–9, - _ ."),
                    ))
                }
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }

        let count = |f: fn(&Part) -> bool| parts.iter().filter(|p| f(p)).count();
        for (n, name) in [
            (count(|p| *p == Part::Agency), "{agency}"),
            (
                count(|p| matches!(p, Part::Year4 | Part::Year2)),
                "{yyyy}/{yy}",
            ),
            (count(|p| *p == Part::Month), "{mm}"),
            (count(|p| *p == Part::Day), "{dd}"),
            (count(|p| matches!(p, Part::Seq(_))), "{seq}"),
        ] {
            if n != 1 {
                return Err(bad(
                    format!("{name} phải xuất hiện đúng một lần (hiện có {n})"),
                    format!("{name} must appear exactly once (found {n})"),
                ));
            }
        }

        for (i, part) in parts.iter().enumerate() {
            let stops: fn(char) -> bool = match part {
                Part::Agency => |c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.'),
                Part::Seq(_) => |c| !c.is_ascii_digit(),
                _ => continue,
            };
            let separated = match parts.get(i + 1) {
                None => true,
                Some(Part::Lit(s)) => s.chars().any(stops),
                Some(_) => false,
            };
            if !separated {
                let name = if *part == Part::Agency {
                    "{agency}"
                } else {
                    "{seq}"
                };
                return Err(bad(
                    format!("sau {name} phải có ký tự phân cách (ví dụ «-») để mã không bị trùng"),
                    format!("{name} must be followed by a separator (e.g. «-») so that codes stay unique"),
                ));
            }
        }
        Ok(CodeFormat {
            template: template.to_string(),
            parts,
        })
    }

    /// The template this format was parsed from.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The code of the `seq`-th dossier (from 1) received by `agency` on
    /// `date` (Vietnam time, see [`received_date`]). The agency code is
    /// checked with [`crate::org::validate_code`].
    pub fn render(&self, agency: &str, date: NaiveDate, seq: u32) -> Result<String, Invalid> {
        let agency = crate::org::validate_code(agency)?;
        if seq == 0 {
            return Err(Invalid::new(
                "seq",
                "Số thứ tự hồ sơ trong ngày bắt đầu từ 1",
                "the daily sequence number starts at 1",
            ));
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Agency => out.push_str(&agency),
                Part::Year4 => out.push_str(&format!("{:04}", date.year())),
                Part::Year2 => out.push_str(&format!("{:02}", date.year().rem_euclid(100))),
                Part::Month => out.push_str(&format!("{:02}", date.month())),
                Part::Day => out.push_str(&format!("{:02}", date.day())),
                Part::Seq(w) => out.push_str(&format!("{seq:0w$}")),
            }
        }
        Ok(out)
    }
}

impl Default for CodeFormat {
    fn default() -> Self {
        CodeFormat::parse(Self::DEFAULT).expect("the default template is valid")
    }
}

impl std::str::FromStr for CodeFormat {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        CodeFormat::parse(s)
    }
}

impl fmt::Display for CodeFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

impl Serialize for CodeFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.template)
    }
}

impl<'de> Deserialize<'de> for CodeFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CodeFormat::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The date of an instant in Vietnam (UTC+7): the date a dossier received at
/// `at` counts under in its code.
pub fn received_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&crate::vi::vn_offset()).date_naive()
}

// ---------------------------------------------------------------------------
// Timeliness
// ---------------------------------------------------------------------------

/// How a dossier (or a step, on Form 06) was finished against its due time:
/// trước hạn / đúng hạn / quá hạn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Trước hạn: finished before the due day.
    Early,
    /// Đúng hạn: finished on the due day (see [`TimelinessRule`]).
    OnTime,
    /// Quá hạn.
    Late,
}

/// When, on the due day, a dossier becomes late.
///
/// Deadlines are set in working days, and Bộ luật Dân sự 2015, Điều 148,
/// ends a period counted in days at the end of its last day; `sen-calendar`
/// likewise measures lateness in whole days. Hence the default
/// [`TimelinessRule::DueDay`]. A province that holds agencies to the
/// appointment's clock time, as printed on Form 01, chooses
/// [`TimelinessRule::DueTime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelinessRule {
    /// Any time on the due day is on time; late from the next day.
    #[default]
    DueDay,
    /// On time only up to the due time itself (inclusive).
    DueTime,
}

impl Timeliness {
    /// Every value.
    pub const ALL: [Timeliness; 3] = [Timeliness::Early, Timeliness::OnTime, Timeliness::Late];

    /// Classifies a dossier due at `due` and finished at `done`:
    ///
    /// * **early** if finished on a day before the due day (whatever the
    ///   clock time of either);
    /// * **on time** if finished on the due day — at any time under
    ///   [`TimelinessRule::DueDay`], at or before the due time under
    ///   [`TimelinessRule::DueTime`];
    /// * **late** otherwise.
    pub fn classify(due: NaiveDateTime, done: NaiveDateTime, rule: TimelinessRule) -> Timeliness {
        if done.date() < due.date() {
            Timeliness::Early
        } else if is_overdue(due, done, rule) {
            Timeliness::Late
        } else {
            Timeliness::OnTime
        }
    }

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::Early => "early",
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
        }
    }

    /// The inverse of [`Timeliness::as_str`].
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "timeliness",
                    format!("Giá trị không hợp lệ: «{s}»"),
                    format!("unknown timeliness: «{s}»"),
                )
            })
    }

    /// "Trước hạn", "Đúng hạn", "Quá hạn" (as on Form 06).
    pub fn label_vi(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
        }
    }

    /// "Early", "On time", "Late".
    pub fn label_en(self) -> &'static str {
        match self {
            Timeliness::Early => "Early",
            Timeliness::OnTime => "On time",
            Timeliness::Late => "Late",
        }
    }
}

/// Whether a dossier due at `due` and still open at `now` is overdue, i.e.
/// finishing it now would be [`Timeliness::Late`]: after the due day under
/// [`TimelinessRule::DueDay`], after the due time under
/// [`TimelinessRule::DueTime`].
pub fn is_overdue(due: NaiveDateTime, now: NaiveDateTime, rule: TimelinessRule) -> bool {
    match rule {
        TimelinessRule::DueDay => now.date() > due.date(),
        TimelinessRule::DueTime => now > due,
    }
}

/// Where an open dossier stands against its deadline, for dashboards and
/// reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Còn hạn.
    OnTrack,
    /// Sắp đến hạn.
    DueSoon,
    /// Quá hạn.
    Overdue,
}

impl DeadlineStatus {
    /// "Còn hạn", "Sắp đến hạn", "Quá hạn".
    pub fn label_vi(self) -> &'static str {
        match self {
            DeadlineStatus::OnTrack => "Còn hạn",
            DeadlineStatus::DueSoon => "Sắp đến hạn",
            DeadlineStatus::Overdue => "Quá hạn",
        }
    }

    /// "On track", "Due soon", "Overdue".
    pub fn label_en(self) -> &'static str {
        match self {
            DeadlineStatus::OnTrack => "On track",
            DeadlineStatus::DueSoon => "Due soon",
            DeadlineStatus::Overdue => "Overdue",
        }
    }
}

/// The deadline status at `now` of an open dossier due at `due`:
/// [`DeadlineStatus::Overdue`] as [`is_overdue`]; else
/// [`DeadlineStatus::DueSoon`] when `due - now <= warn` (wall-clock time;
/// a negative `warn` counts as zero, and under [`TimelinessRule::DueDay`]
/// the rest of the due day after the due time is due soon); else
/// [`DeadlineStatus::OnTrack`]. A threshold in working time is the caller's
/// to convert with `sen-calendar`.
pub fn deadline_status(
    due: NaiveDateTime,
    now: NaiveDateTime,
    warn: TimeDelta,
    rule: TimelinessRule,
) -> DeadlineStatus {
    if is_overdue(due, now, rule) {
        DeadlineStatus::Overdue
    } else if due - now <= warn.max(TimeDelta::zero()) {
        DeadlineStatus::DueSoon
    } else {
        DeadlineStatus::OnTrack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::procedure::{Step, WorkTime};
    use std::collections::HashSet;
    use ActionKind as A;
    use DossierStatus as S;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn due() -> NaiveDateTime {
        at(2026, 11, 26, 10, 0)
    }

    /// A valid action of each kind.
    fn sample(kind: ActionKind) -> Action {
        match kind {
            A::Receive => Action::Receive,
            A::RejectAtIntake => Action::RejectAtIntake {
                reason: "Không thuộc thẩm quyền giải quyết".into(),
            },
            A::RequestSupplement => Action::RequestSupplement {
                reason: "Hồ sơ chưa đủ thành phần".into(),
                missing: vec!["Bản sao giấy khai sinh".into()],
            },
            A::Supplement => Action::Supplement,
            A::HandOff => Action::HandOff {
                to_step: "buoc_sau".into(),
            },
            A::SendBack => Action::SendBack {
                to_step: "buoc_truoc".into(),
                reason: "Cần thẩm định lại".into(),
            },
            A::ProposeResult => Action::ProposeResult,
            A::ApproveResult => Action::ApproveResult,
            A::Refuse => Action::Refuse {
                reason: "Không đủ điều kiện".into(),
            },
            A::Stop => Action::Stop {
                reason: "Người yêu cầu đề nghị dừng".into(),
            },
            A::Withdraw => Action::Withdraw,
            A::Extend => Action::Extend {
                new_due: at(2026, 11, 30, 10, 0),
                approved_by: Uuid::from_u128(42),
                reason: "Cần xác minh thêm".into(),
            },
            A::Return => Action::Return,
            A::Rate => Action::Rate { score: 5 },
        }
    }

    fn state(status: DossierStatus) -> DossierState {
        DossierState {
            status,
            step: Some("buoc_nay".into()),
            due: Some(due()),
            rated: false,
        }
    }

    use Form::{
        Apology as F04, ControlSlip as F06, Receipt as F01, Refusal as F03, Register as F07,
        StopNotice as F05, SupplementRequest as F02,
    };

    type Row = (
        DossierStatus,
        ActionKind,
        DossierStatus,
        Clock,
        &'static [Form],
        Option<Notice>,
    );

    /// Every allowed (status, action) pair, written out by hand; every pair
    /// not listed must be refused.
    #[rustfmt::skip]
    const TABLE: &[Row] = {
        use Clock::*;
        use Notice as N;
        &[
            (S::Submitted, A::Receive, S::Received, Start, &[F01, F06, F07], Some(N::Receipt)),
            (S::Submitted, A::RejectAtIntake, S::RejectedAtIntake, Unchanged, &[F03], Some(N::Refusal)),
            (S::Submitted, A::RequestSupplement, S::IncompleteAtIntake, Unchanged, &[F02], Some(N::SupplementRequest)),
            (S::Submitted, A::Withdraw, S::Withdrawn, Unchanged, &[], Some(N::Withdrawal)),
            (S::IncompleteAtIntake, A::Supplement, S::Submitted, Unchanged, &[], None),
            (S::IncompleteAtIntake, A::RejectAtIntake, S::RejectedAtIntake, Unchanged, &[F03], Some(N::Refusal)),
            (S::IncompleteAtIntake, A::Withdraw, S::Withdrawn, Unchanged, &[], Some(N::Withdrawal)),
            (S::Received, A::HandOff, S::InProcess, Unchanged, &[F06], None),
            (S::Received, A::ProposeResult, S::AwaitingApproval, Unchanged, &[], None),
            (S::Received, A::RequestSupplement, S::WaitingSupplement, Pause, &[F02], Some(N::SupplementRequest)),
            (S::Received, A::Refuse, S::Refused, Finish, &[F03], Some(N::Refusal)),
            (S::Received, A::Stop, S::Stopped, Finish, &[F05], Some(N::Stop)),
            (S::Received, A::Withdraw, S::Withdrawn, Cancel, &[], Some(N::Withdrawal)),
            (S::Received, A::Extend, S::Received, Unchanged, &[F04], Some(N::Delay)),
            (S::InProcess, A::HandOff, S::InProcess, Unchanged, &[F06], None),
            (S::InProcess, A::SendBack, S::InProcess, Unchanged, &[F06], None),
            (S::InProcess, A::ProposeResult, S::AwaitingApproval, Unchanged, &[], None),
            (S::InProcess, A::RequestSupplement, S::WaitingSupplement, Pause, &[F02], Some(N::SupplementRequest)),
            (S::InProcess, A::Refuse, S::Refused, Finish, &[F03], Some(N::Refusal)),
            (S::InProcess, A::Stop, S::Stopped, Finish, &[F05], Some(N::Stop)),
            (S::InProcess, A::Withdraw, S::Withdrawn, Cancel, &[], Some(N::Withdrawal)),
            (S::InProcess, A::Extend, S::InProcess, Unchanged, &[F04], Some(N::Delay)),
            (S::AwaitingApproval, A::HandOff, S::AwaitingApproval, Unchanged, &[F06], None),
            (S::AwaitingApproval, A::SendBack, S::InProcess, Unchanged, &[F06], None),
            (S::AwaitingApproval, A::ApproveResult, S::ResultReady, Finish, &[F06], Some(N::ResultReady)),
            (S::AwaitingApproval, A::RequestSupplement, S::WaitingSupplement, Pause, &[F02], Some(N::SupplementRequest)),
            (S::AwaitingApproval, A::Refuse, S::Refused, Finish, &[F03], Some(N::Refusal)),
            (S::AwaitingApproval, A::Stop, S::Stopped, Finish, &[F05], Some(N::Stop)),
            (S::AwaitingApproval, A::Withdraw, S::Withdrawn, Cancel, &[], Some(N::Withdrawal)),
            (S::AwaitingApproval, A::Extend, S::AwaitingApproval, Unchanged, &[F04], Some(N::Delay)),
            (S::WaitingSupplement, A::Supplement, S::InProcess, Resume, &[], None),
            (S::WaitingSupplement, A::Refuse, S::Refused, Finish, &[F03], Some(N::Refusal)),
            (S::WaitingSupplement, A::Stop, S::Stopped, Finish, &[F05], Some(N::Stop)),
            (S::WaitingSupplement, A::Withdraw, S::Withdrawn, Cancel, &[], Some(N::Withdrawal)),
            (S::ResultReady, A::Return, S::Returned, Unchanged, &[], None),
            (S::RejectedAtIntake, A::Rate, S::RejectedAtIntake, Unchanged, &[], None),
            (S::Returned, A::Rate, S::Returned, Unchanged, &[], None),
            (S::Refused, A::Rate, S::Refused, Unchanged, &[], None),
            (S::Stopped, A::Rate, S::Stopped, Unchanged, &[], None),
            (S::Withdrawn, A::Rate, S::Withdrawn, Unchanged, &[], None),
        ]
    };

    #[test]
    fn every_status_action_pair() {
        let mut listed = HashSet::new();
        for row in TABLE {
            assert!(listed.insert((row.0, row.1)), "{row:?} listed twice");
        }
        assert_eq!(TABLE.len(), 40);
        let mut pairs = 0;
        for status in DossierStatus::ALL {
            for kind in ActionKind::ALL {
                pairs += 1;
                let before = state(status);
                let result = apply(&before, &sample(kind));
                match TABLE.iter().find(|r| r.0 == status && r.1 == kind) {
                    Some(&(_, _, to, clock, forms, notice)) => {
                        let t = result.unwrap_or_else(|e| panic!("{status} {kind}: {e}"));
                        let ctx = format!("{status} --{kind}-->");
                        assert_eq!(t.from, status, "{ctx}");
                        assert_eq!(t.state.status, to, "{ctx}");
                        assert_eq!(t.clock, clock, "{ctx}");
                        assert_eq!(t.forms, forms, "{ctx}");
                        assert_eq!(t.notice, notice, "{ctx}");
                        assert_eq!(t.action, sample(kind), "{ctx}");
                        assert_eq!(status.after(kind), Some(to), "{ctx}");
                        // Only hand-offs move the step, only extensions the
                        // due time, only ratings the flag.
                        let step = match kind {
                            A::HandOff => "buoc_sau",
                            A::SendBack => "buoc_truoc",
                            _ => "buoc_nay",
                        };
                        assert_eq!(t.state.step.as_deref(), Some(step), "{ctx}");
                        let due_after = if kind == A::Extend {
                            at(2026, 11, 30, 10, 0)
                        } else {
                            due()
                        };
                        assert_eq!(t.state.due, Some(due_after), "{ctx}");
                        assert_eq!(t.state.rated, kind == A::Rate, "{ctx}");
                    }
                    None => {
                        let e = result.expect_err(&format!("{status} {kind} allowed"));
                        assert_eq!(
                            e,
                            TransitionError::NotAllowed {
                                status,
                                action: kind
                            }
                        );
                        assert!(e.is_conflict());
                        assert_eq!(e.field(), "status");
                        let (vi, en) = (e.message_vi(), e.message_en());
                        assert!(vi.starts_with("Không thể "), "{vi}");
                        assert!(vi.contains(kind.label_vi()), "{vi}");
                        assert!(vi.contains(status.label_vi()), "{vi}");
                        assert!(en.contains(kind.label_en()), "{en}");
                        assert!(en.contains(status.label_en()), "{en}");
                        for a in status.allowed_actions() {
                            assert!(vi.contains(a.label_vi()), "{vi} lacks {a}");
                            assert!(en.contains(a.label_en()), "{en} lacks {a}");
                        }
                        assert_eq!(status.after(kind), None);
                    }
                }
            }
        }
        assert_eq!(pairs, 12 * 14);
    }

    #[test]
    fn table_matches_the_status_properties() {
        for status in DossierStatus::ALL {
            let allowed = status.allowed_actions();
            assert!(!allowed.is_empty(), "{status} is a dead end");
            if status.is_terminal() {
                assert_eq!(allowed, [A::Rate], "{status}");
                assert!(!status.clock_open());
            }
            // The clock runs exactly where an extension makes sense.
            assert_eq!(
                status.clock_running(),
                allowed.contains(&A::Extend),
                "{status}"
            );
        }
        // Every status can be reached from Submitted.
        let mut seen = HashSet::from([S::Submitted]);
        let mut todo = vec![S::Submitted];
        while let Some(s) = todo.pop() {
            for a in ActionKind::ALL {
                if let Some(t) = s.after(a) {
                    if seen.insert(t) {
                        todo.push(t);
                    }
                }
            }
        }
        assert_eq!(seen.len(), DossierStatus::ALL.len());
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in DossierStatus::ALL {
            assert_eq!(DossierStatus::parse(s.as_str()).unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert!(!s.label_vi().is_empty() && !s.label_en().is_empty());
            assert_eq!(s.to_string(), s.as_str());
        }
        for a in ActionKind::ALL {
            assert_eq!(ActionKind::parse(a.as_str()).unwrap(), a);
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
            assert_eq!(sample(a).kind(), a);
            let json = serde_json::to_value(sample(a)).unwrap();
            assert_eq!(json["action"], a.as_str());
            let back: Action = serde_json::from_value(json).unwrap();
            assert_eq!(back, sample(a));
        }
        for t in Timeliness::ALL {
            assert_eq!(Timeliness::parse(t.as_str()).unwrap(), t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert!(DossierStatus::parse("done").is_err());
        assert!(ActionKind::parse("approve").is_err());
        assert!(Timeliness::parse("late ").is_err());
        for f in [F01, F02, F03, F04, F05, F06, F07] {
            assert!(!f.label_vi().is_empty() && !f.label_en().is_empty());
        }
        assert_eq!(
            [F01, F02, F03, F04, F05, F06, F07].map(Form::number),
            [1, 2, 3, 4, 5, 6, 7]
        );
        let json = r#"{"action":"request_supplement","reason":"Thiếu","missing":["Tờ khai"]}"#;
        assert_eq!(
            serde_json::from_str::<Action>(json).unwrap().kind(),
            A::RequestSupplement
        );
        assert!(serde_json::from_str::<Action>(r#"{"action":"approve"}"#).is_err());
        assert!(
            serde_json::from_str::<Action>(r#"{"action":"refuse","reason":"x","y":1}"#).is_err()
        );
    }

    #[test]
    fn action_data_is_checked_after_the_status() {
        let received = state(S::Received);
        let bad = |s: &DossierState, a: Action| apply(s, &a).unwrap_err();
        let field = |e: TransitionError| {
            assert!(!e.is_conflict());
            assert!(!e.message_vi().is_empty() && !e.message_en().is_empty());
            e.field()
        };
        assert_eq!(
            field(bad(
                &received,
                Action::Refuse {
                    reason: "  ".into()
                }
            )),
            "reason"
        );
        assert_eq!(
            field(bad(
                &received,
                Action::Stop {
                    reason: "x".repeat(2001)
                }
            )),
            "reason"
        );
        assert_eq!(
            field(bad(
                &received,
                Action::Refuse {
                    reason: "a\u{0}b".into()
                }
            )),
            "reason"
        );
        assert_eq!(
            field(bad(
                &received,
                Action::RequestSupplement {
                    reason: "Thiếu".into(),
                    missing: vec![]
                }
            )),
            "missing"
        );
        assert_eq!(
            field(bad(
                &received,
                Action::RequestSupplement {
                    reason: "Thiếu".into(),
                    missing: vec!["Tờ khai".into(), " ".into()]
                }
            )),
            "missing"
        );
        assert_eq!(
            field(bad(
                &received,
                Action::HandOff {
                    to_step: "Bước 2".into()
                }
            )),
            "to_step"
        );
        assert_eq!(
            field(bad(
                &received,
                Action::HandOff {
                    to_step: "buoc_nay".into()
                }
            )),
            "to_step"
        );
        let extend = |new_due, approved_by| Action::Extend {
            new_due,
            approved_by,
            reason: "Cần xác minh".into(),
        };
        assert_eq!(
            field(bad(&received, extend(due(), Uuid::from_u128(1)))),
            "new_due"
        );
        assert_eq!(
            field(bad(
                &received,
                extend(at(2026, 11, 25, 10, 0), Uuid::from_u128(1))
            )),
            "new_due"
        );
        assert_eq!(
            field(bad(&received, extend(at(2026, 12, 1, 10, 0), Uuid::nil()))),
            "approved_by"
        );
        // Without a known due time any new due time is accepted.
        let no_due = DossierState {
            due: None,
            ..received.clone()
        };
        let t = apply(&no_due, &extend(at(2020, 1, 1, 0, 0), Uuid::from_u128(1))).unwrap();
        assert_eq!(t.state.due, Some(at(2020, 1, 1, 0, 0)));

        let returned = state(S::Returned);
        for score in [0, 6, 255] {
            assert_eq!(field(bad(&returned, Action::Rate { score })), "score");
        }
        // A wrong status wins over wrong data.
        assert!(bad(&returned, Action::Refuse { reason: "".into() }).is_conflict());
        // Rating twice.
        let rated = apply(&returned, &Action::Rate { score: 3 }).unwrap().state;
        let e = bad(&rated, Action::Rate { score: 4 });
        assert_eq!(e, TransitionError::AlreadyRated);
        assert!(e.message_vi().contains("một lần") && e.to_string().contains("rated once"));
    }

    #[test]
    fn texts_are_normalised() {
        let t = apply(
            &state(S::InProcess),
            &Action::RequestSupplement {
                reason: "  Thiếu giấy tờ\n".into(),
                missing: vec![" Tờ khai ".into()],
            },
        )
        .unwrap();
        assert_eq!(
            t.action,
            Action::RequestSupplement {
                reason: "Thiếu giấy tờ".into(),
                missing: vec!["Tờ khai".into()],
            }
        );
        let t = apply(
            &state(S::Received),
            &Action::HandOff {
                to_step: " tham_dinh ".into(),
            },
        )
        .unwrap();
        assert_eq!(t.state.step.as_deref(), Some("tham_dinh"));
    }

    fn step(id: &str, role: Role, time: WorkTime, actions: &[ActionKind]) -> Step {
        Step {
            id: id.into(),
            name: id.into(),
            role,
            unit: None,
            time,
            actions: actions.to_vec(),
            next: vec![],
        }
    }

    fn process() -> ProcessDefinition {
        let p = ProcessDefinition {
            procedure_code: "1.001234".into(),
            version: 1,
            steps: vec![
                step(
                    "tiep_nhan",
                    Role::OneStopOfficer,
                    WorkTime::Hours(4),
                    &[
                        A::Receive,
                        A::RejectAtIntake,
                        A::RequestSupplement,
                        A::HandOff,
                    ],
                ),
                step(
                    "tham_dinh",
                    Role::Specialist,
                    WorkTime::Days(2),
                    &[A::RequestSupplement, A::ProposeResult, A::HandOff],
                ),
                step(
                    "phe_duyet",
                    Role::UnitLeader,
                    WorkTime::Hours(4),
                    &[A::ApproveResult, A::SendBack],
                ),
            ],
        };
        p.validate(WorkTime::Days(3)).unwrap();
        p
    }

    #[test]
    fn a_dossier_walks_through_its_process() {
        let p = process();
        let run = |s: &DossierState, a: Action| apply_in_process(&p, s, &a).unwrap();
        let s = DossierState::submitted();
        let t = run(&s, Action::Receive);
        assert_eq!(t.clock, Clock::Start);
        assert_eq!(t.state.step.as_deref(), Some("tiep_nhan"));
        let mut s = t.state;
        s.due = Some(due()); // as computed by the application with sen-calendar

        let s = run(
            &s,
            Action::HandOff {
                to_step: "tham_dinh".into(),
            },
        )
        .state;
        assert_eq!(
            (s.status, s.step.as_deref()),
            (S::InProcess, Some("tham_dinh"))
        );

        let t = run(
            &s,
            Action::RequestSupplement {
                reason: "Thiếu".into(),
                missing: vec!["Tờ khai".into()],
            },
        );
        assert_eq!(
            (t.state.status, t.clock),
            (S::WaitingSupplement, Clock::Pause)
        );
        assert_eq!(
            t.state
                .deadline_status(due(), TimeDelta::hours(4), TimelinessRule::DueDay),
            None
        );
        let t = run(&t.state, Action::Supplement);
        assert_eq!((t.state.status, t.clock), (S::InProcess, Clock::Resume));
        assert_eq!(
            t.state.step.as_deref(),
            Some("tham_dinh"),
            "resumes where it paused"
        );

        let s = run(&t.state, Action::ProposeResult).state;
        assert_eq!(s.status, S::AwaitingApproval);
        let s = run(
            &s,
            Action::HandOff {
                to_step: "phe_duyet".into(),
            },
        )
        .state;
        assert_eq!(
            (s.status, s.step.as_deref()),
            (S::AwaitingApproval, Some("phe_duyet"))
        );

        // The leader could instead send it back for rework.
        let back = run(
            &s,
            Action::SendBack {
                to_step: "tham_dinh".into(),
                reason: "Bổ sung căn cứ pháp lý".into(),
            },
        )
        .state;
        assert_eq!(
            (back.status, back.step.as_deref()),
            (S::InProcess, Some("tham_dinh"))
        );

        let t = run(&s, Action::ApproveResult);
        assert_eq!((t.state.status, t.clock), (S::ResultReady, Clock::Finish));
        assert_eq!(t.notice, Some(Notice::ResultReady));
        let s = run(&t.state, Action::Return).state;
        let s = run(&s, Action::Rate { score: 4 }).state;
        assert_eq!(s.status, S::Returned);
        assert!(s.rated);
    }

    #[test]
    fn the_process_limits_what_each_step_may_do() {
        let p = process();
        let at_step = |status, step: &str| DossierState {
            status,
            step: Some(step.into()),
            due: Some(due()),
            rated: false,
        };
        // The specialist cannot approve, even with a proposal.
        let e = apply_in_process(
            &p,
            &at_step(S::AwaitingApproval, "tham_dinh"),
            &Action::ApproveResult,
        )
        .unwrap_err();
        assert_eq!(
            e,
            TransitionError::NotAtStep {
                step: "tham_dinh".into(),
                action: A::ApproveResult
            }
        );
        assert!(
            e.message_vi().contains("phê duyệt kết quả") && e.message_en().contains("tham_dinh")
        );
        // Hand-offs follow the process.
        let e = apply_in_process(
            &p,
            &at_step(S::Received, "tiep_nhan"),
            &Action::HandOff {
                to_step: "phe_duyet".into(),
            },
        )
        .unwrap_err();
        assert_eq!(e.field(), "to_step");
        assert!(
            e.message_en().contains("next steps: tham_dinh"),
            "{}",
            e.message_en()
        );
        // Send-backs go to existing steps.
        let e = apply_in_process(
            &p,
            &at_step(S::AwaitingApproval, "phe_duyet"),
            &Action::SendBack {
                to_step: "khong_co".into(),
                reason: "x".into(),
            },
        )
        .unwrap_err();
        assert_eq!(e.field(), "to_step");
        // A step the process does not have.
        let e = apply_in_process(
            &p,
            &at_step(S::InProcess, "khong_co"),
            &Action::ProposeResult,
        )
        .unwrap_err();
        assert_eq!(e.field(), "step");
        // The status is still checked first.
        let e = apply_in_process(
            &p,
            &at_step(S::Returned, "phe_duyet"),
            &Action::ApproveResult,
        )
        .unwrap_err();
        assert!(matches!(e, TransitionError::NotAllowed { .. }));
        // Actions that are not step-bound pass at any step: a dossier
        // waiting in vain for a supplement can be stopped where it is.
        for (status, action) in [
            (S::WaitingSupplement, sample(A::Stop)),
            (S::WaitingSupplement, sample(A::Refuse)),
            (S::InProcess, sample(A::Withdraw)),
            (S::InProcess, sample(A::Extend)),
            (S::WaitingSupplement, sample(A::Supplement)),
            (S::ResultReady, sample(A::Return)),
            (S::Refused, sample(A::Rate)),
        ] {
            apply_in_process(&p, &at_step(status, "tham_dinh"), &action).unwrap();
        }
        // Intake happens at the first step when no step is set yet.
        let t =
            apply_in_process(&p, &DossierState::submitted(), &sample(A::RejectAtIntake)).unwrap();
        assert_eq!(t.state.status, S::RejectedAtIntake);
        let empty = ProcessDefinition {
            steps: vec![],
            ..p.clone()
        };
        let e = apply_in_process(&empty, &DossierState::submitted(), &Action::Receive).unwrap_err();
        assert_eq!(e.field(), "process");
    }

    // --- dossier codes -----------------------------------------------------

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn default_code_format() {
        let f = CodeFormat::default();
        assert_eq!(f.template(), "{agency}-{yy}{mm}{dd}-{seq:4}");
        assert_eq!(
            f.render("H12.01", ymd(2026, 11, 23), 1).unwrap(),
            "H12.01-261123-0001"
        );
        assert_eq!(
            f.render(" H12.01 ", ymd(2026, 1, 5), 42).unwrap(),
            "H12.01-260105-0042"
        );
        assert_eq!(
            f.render("H12.01", ymd(2026, 11, 23), 9999).unwrap(),
            "H12.01-261123-9999"
        );
        assert_eq!(
            f.render("H12.01", ymd(2026, 11, 23), 10000).unwrap(),
            "H12.01-261123-10000"
        );
        assert_eq!(
            f.render("H12", ymd(2100, 2, 28), 123_456).unwrap(),
            "H12-000228-123456"
        );
        assert_eq!(
            CodeFormat::parse("{agency}-{yy}{mm}{dd}-{seq}")
                .unwrap()
                .render("H12", ymd(2026, 3, 1), 7)
                .unwrap(),
            "H12-260301-0007"
        );
    }

    #[test]
    fn custom_code_formats() {
        let f = CodeFormat::parse("HS-{agency}_{yyyy}{mm}{dd}_{seq:6}").unwrap();
        assert_eq!(
            f.render("000.00.12.H12", ymd(2026, 11, 23), 15).unwrap(),
            "HS-000.00.12.H12_20261123_000015"
        );
        let f = CodeFormat::parse("{yyyy}.{mm}.{dd}-{agency}-{seq:1}").unwrap();
        assert_eq!(
            f.render("H12.01", ymd(2026, 11, 23), 1).unwrap(),
            "2026.11.23-H12.01-1"
        );
        assert_eq!(
            f.render("H12.01", ymd(2026, 11, 23), 12).unwrap(),
            "2026.11.23-H12.01-12"
        );
        // A sequence may sit right before fixed-width date fields.
        let f = CodeFormat::parse("{agency}-{seq:3}x{dd}{mm}{yy}").unwrap();
        assert_eq!(
            f.render("G01", ymd(2026, 11, 23), 5).unwrap(),
            "G01-005x231126"
        );
        // The sequence may end the template with digits before it.
        let f = CodeFormat::parse("{agency}-{yy}{mm}{dd}{seq:4}").unwrap();
        assert_eq!(
            f.render("H12.01", ymd(2026, 11, 23), 3).unwrap(),
            "H12.01-2611230003"
        );
    }

    #[test]
    fn codes_are_unique() {
        for template in [
            CodeFormat::DEFAULT,
            "{agency}-{yy}{mm}{dd}{seq:2}",
            "{yy}{mm}{dd}-{seq:1}-{agency}",
            "{agency}x{seq:1}x{yyyy}{mm}{dd}",
        ] {
            let f = CodeFormat::parse(template).unwrap();
            let mut seen = HashSet::new();
            let mut n = 0;
            for agency in ["H1", "H1.2", "H12", "H12.0", "H1.20", "H12.01"] {
                for date in [
                    ymd(2026, 1, 2),
                    ymd(2026, 1, 20),
                    ymd(2026, 12, 1),
                    ymd(2027, 1, 2),
                ] {
                    for seq in (1..120)
                        .chain(990..1010)
                        .chain(9990..10010)
                        .chain(99_990..100_010)
                    {
                        n += 1;
                        let code = f.render(agency, date, seq).unwrap();
                        assert!(seen.insert(code.clone()), "{template}: {code} twice");
                    }
                }
            }
            assert_eq!(seen.len(), n);
        }
    }

    #[test]
    fn invalid_code_formats() {
        for (template, needle) in [
            ("", "1 to 100"),
            (&"{agency}-{yy}{mm}{dd}-{seq}-".repeat(5), "1 to 100"),
            (
                "{agency}-{yy}{mm}{dd}",
                "{seq} must appear exactly once (found 0)",
            ),
            (
                "{agency}-{yy}{mm}{dd}-{seq}-{seq}",
                "{seq} must appear exactly once (found 2)",
            ),
            ("{yy}{mm}{dd}-{seq}", "{agency} must appear"),
            (
                "{agency}-{agency}-{yy}{mm}{dd}-{seq}",
                "{agency} must appear",
            ),
            ("{agency}-{yy}{yyyy}{mm}{dd}-{seq}", "{yyyy}/{yy}"),
            ("{agency}-{mm}{dd}-{seq}", "{yyyy}/{yy}"),
            ("{agency}-{yy}{dd}-{seq}", "{mm}"),
            ("{agency}-{yy}{mm}-{seq}", "{dd}"),
            ("{agency}-{yy}{mm}{dd}-{seq:0}", "1 to 9"),
            ("{agency}-{yy}{mm}{dd}-{seq:10}", "1 to 9"),
            ("{agency}-{yy}{mm}{dd}-{seq:x}", "1 to 9"),
            ("{agency}-{yy}{mm}{dd}-{seq:}", "1 to 9"),
            (
                "{agency}-{yy}{mm}{dd}-{unit}-{seq}",
                "unknown placeholder «{unit}»",
            ),
            ("{Agency}-{yy}{mm}{dd}-{seq}", "unknown placeholder"),
            ("{agency}-{yy}{mm}{dd}-{seq", "not closed"),
            ("{agency-{yy}{mm}{dd}-{seq}", "not closed"),
            ("agency}-{yy}{mm}{dd}-{seq}", "no matching"),
            ("{agency}/{yy}{mm}{dd}-{seq}", "character «/»"),
            ("{agency} {yy}{mm}{dd}-{seq}", "character « »"),
            ("{agency}-{yy}{mm}{dd}–{seq}", "character «–»"),
            (
                "{agency}{yy}{mm}{dd}-{seq}",
                "{agency} must be followed by a separator",
            ),
            (
                "{agency}.{yy}{mm}{dd}-{seq}",
                "{agency} must be followed by a separator",
            ),
            (
                "{agency}AB{yy}{mm}{dd}-{seq}",
                "{agency} must be followed by a separator",
            ),
            (
                "{yy}{mm}{dd}-{seq}{agency}",
                "{seq} must be followed by a separator",
            ),
            (
                "{agency}-{seq}{yy}{mm}{dd}",
                "{seq} must be followed by a separator",
            ),
            (
                "{agency}-{seq}00{yy}{mm}{dd}",
                "{seq} must be followed by a separator",
            ),
        ] {
            let e = CodeFormat::parse(template).unwrap_err();
            assert_eq!(e.field, "code_format");
            assert!(
                e.message_en.contains(needle),
                "{template}: «{}»",
                e.message_en
            );
            assert!(e.message_vi.starts_with("Mẫu mã hồ sơ"), "{}", e.message_vi);
        }
    }

    #[test]
    fn code_rendering_errors_and_serde() {
        let f = CodeFormat::default();
        assert_eq!(
            f.render("h12", ymd(2026, 1, 1), 1).unwrap_err().field,
            "code"
        );
        assert_eq!(
            f.render("H12", ymd(2026, 1, 1), 0).unwrap_err().field,
            "seq"
        );
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#""{agency}-{yy}{mm}{dd}-{seq:4}""#);
        assert_eq!(serde_json::from_str::<CodeFormat>(&json).unwrap(), f);
        assert!(serde_json::from_str::<CodeFormat>(r#""{agency}""#).is_err());
        assert_eq!(
            "{agency}-{yyyy}{mm}{dd}-{seq}"
                .parse::<CodeFormat>()
                .unwrap()
                .to_string(),
            "{agency}-{yyyy}{mm}{dd}-{seq}"
        );
    }

    #[test]
    fn received_date_is_vietnam_date() {
        let utc = |h| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
                .unwrap()
                .and_hms_opt(h, 30, 0)
                .unwrap()
                .and_utc()
        };
        assert_eq!(received_date(utc(16)), ymd(2026, 11, 23)); // 23:30 in Vietnam
        assert_eq!(received_date(utc(17)), ymd(2026, 11, 24)); // 00:30 next day
    }

    // --- timeliness --------------------------------------------------------

    #[test]
    fn timeliness_by_due_day() {
        use Timeliness::*;
        let due = at(2026, 11, 26, 10, 0);
        let r = TimelinessRule::DueDay;
        assert_eq!(TimelinessRule::default(), r);
        for (done, expected) in [
            (at(2026, 11, 20, 9, 0), Early),
            (at(2026, 11, 25, 23, 59), Early),
            (at(2026, 11, 26, 0, 0), OnTime),
            (at(2026, 11, 26, 10, 0), OnTime),
            (at(2026, 11, 26, 16, 59), OnTime),
            (at(2026, 11, 26, 23, 59), OnTime),
            (at(2026, 11, 27, 0, 0), Late),
            (at(2026, 12, 30, 8, 0), Late),
        ] {
            assert_eq!(Timeliness::classify(due, done, r), expected, "{done}");
        }
    }

    #[test]
    fn timeliness_by_due_time() {
        use Timeliness::*;
        let due = at(2026, 11, 26, 10, 0);
        let r = TimelinessRule::DueTime;
        for (done, expected) in [
            (at(2026, 11, 25, 23, 59), Early),
            (at(2026, 11, 26, 7, 30), OnTime),
            (at(2026, 11, 26, 10, 0), OnTime),
            (at(2026, 11, 26, 10, 1), Late),
            (at(2026, 11, 27, 9, 0), Late),
        ] {
            assert_eq!(Timeliness::classify(due, done, r), expected, "{done}");
        }
        assert_eq!(Late.label_vi(), "Quá hạn");
        assert_eq!(OnTime.label_en(), "On time");
    }

    #[test]
    fn overdue_means_finishing_now_would_be_late() {
        let due = at(2026, 11, 26, 10, 0);
        for rule in [TimelinessRule::DueDay, TimelinessRule::DueTime] {
            let mut now = at(2026, 11, 24, 0, 0);
            while now < at(2026, 11, 29, 0, 0) {
                assert_eq!(
                    is_overdue(due, now, rule),
                    Timeliness::classify(due, now, rule) == Timeliness::Late,
                    "{rule:?} {now}"
                );
                now += TimeDelta::minutes(17);
            }
        }
    }

    #[test]
    fn deadline_statuses() {
        use DeadlineStatus::*;
        let due = at(2026, 11, 26, 10, 0);
        let warn = TimeDelta::hours(24);
        let day = TimelinessRule::DueDay;
        let time = TimelinessRule::DueTime;
        assert_eq!(
            deadline_status(due, at(2026, 11, 24, 9, 0), warn, day),
            OnTrack
        );
        assert_eq!(
            deadline_status(due, at(2026, 11, 25, 10, 0), warn, day),
            DueSoon
        );
        assert_eq!(
            deadline_status(due, at(2026, 11, 26, 9, 0), warn, day),
            DueSoon
        );
        assert_eq!(
            deadline_status(due, at(2026, 11, 26, 15, 0), warn, day),
            DueSoon
        );
        assert_eq!(
            deadline_status(due, at(2026, 11, 26, 15, 0), warn, time),
            Overdue
        );
        assert_eq!(
            deadline_status(due, at(2026, 11, 27, 8, 0), warn, day),
            Overdue
        );
        // No warning period: due soon only once the due time has passed on
        // the due day; a negative threshold counts as none.
        let zero = TimeDelta::zero();
        assert_eq!(
            deadline_status(due, at(2026, 11, 26, 9, 59), zero, day),
            OnTrack
        );
        assert_eq!(
            deadline_status(due, at(2026, 11, 26, 10, 0), zero, day),
            DueSoon
        );
        assert_eq!(
            deadline_status(due, at(2026, 11, 26, 12, 0), TimeDelta::hours(-5), day),
            DueSoon
        );
        assert_eq!(Overdue.label_vi(), "Quá hạn");
        assert_eq!(DueSoon.label_en(), "Due soon");

        // Only a running clock has a deadline status.
        let mut s = state(S::InProcess);
        assert_eq!(
            s.deadline_status(at(2026, 11, 27, 8, 0), warn, day),
            Some(Overdue)
        );
        for status in [
            S::Submitted,
            S::WaitingSupplement,
            S::ResultReady,
            S::Returned,
        ] {
            s.status = status;
            assert_eq!(s.deadline_status(at(2026, 11, 27, 8, 0), warn, day), None);
        }
        s.status = S::Received;
        s.due = None;
        assert_eq!(s.deadline_status(at(2026, 11, 27, 8, 0), warn, day), None);
    }
}
