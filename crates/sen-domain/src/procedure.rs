//! Process definitions: how a procedure's dossiers move through an agency
//! (quy trình nội bộ giải quyết thủ tục hành chính).
//!
//! A [`ProcessDefinition`] belongs to one procedure (by its catalogue code)
//! and has a version, so that a dossier keeps the version it was received
//! under. It is an ordered list of [`Step`]s: the first is the intake step at
//! the one-stop desk; each step names the role that acts and, optionally,
//! the unit (by identifier code, for inter-agency procedures), its share of
//! the legal time, the actions allowed there and the steps it may hand off
//! to. Definitions are imported and exported as JSON:
//!
//! ```json
//! {
//!   "procedure_code": "1.001234",
//!   "version": 1,
//!   "steps": [
//!     {"id": "tiep_nhan", "name": "Tiếp nhận", "role": "one_stop_officer",
//!      "time": {"hours": 4}, "actions": ["receive", "request_supplement", "hand_off"]},
//!     {"id": "tham_dinh", "name": "Thẩm định", "role": "specialist",
//!      "time": {"days": 2}, "actions": ["propose_result", "hand_off"]},
//!     {"id": "phe_duyet", "name": "Phê duyệt", "role": "unit_leader",
//!      "time": {"hours": 4}, "actions": ["approve_result", "send_back"]}
//!   ]
//! }
//! ```

use crate::access::Role;
use crate::dossier::ActionKind;
use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};

/// Working hours in a working day, for adding step shares given in hours to
/// those given in days (8 hours: Bộ luật Lao động 2019, Điều 105).
pub const HOURS_PER_WORKING_DAY: u32 = 8;

/// Most steps in a process.
pub const MAX_STEPS: usize = 100;

/// An amount of working time. In JSON `{"days": 3}` or `{"hours": 4}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkTime {
    /// Ngày làm việc.
    Days(u32),
    /// Giờ làm việc.
    Hours(u32),
}

impl WorkTime {
    /// The amount in working hours ([`HOURS_PER_WORKING_DAY`] to a day).
    pub fn hours(self) -> u64 {
        match self {
            WorkTime::Days(d) => u64::from(d) * u64::from(HOURS_PER_WORKING_DAY),
            WorkTime::Hours(h) => u64::from(h),
        }
    }

    /// "3 ngày làm việc", "4 giờ làm việc".
    pub fn label_vi(self) -> String {
        match self {
            WorkTime::Days(d) => format!("{d} ngày làm việc"),
            WorkTime::Hours(h) => format!("{h} giờ làm việc"),
        }
    }

    /// "3 working days", "4 working hours".
    pub fn label_en(self) -> String {
        match self {
            WorkTime::Days(1) => "1 working day".to_string(),
            WorkTime::Hours(1) => "1 working hour".to_string(),
            WorkTime::Days(d) => format!("{d} working days"),
            WorkTime::Hours(h) => format!("{h} working hours"),
        }
    }
}

/// One step of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the process: 1–64 of `a-z 0-9 _ -` ([`validate_step_id`]).
    pub id: String,
    /// What happens here, e.g. "Thẩm định hồ sơ".
    pub name: String,
    /// The role that acts at this step.
    pub role: Role,
    /// The identifier code of the unit that acts (e.g. `H12.15` for the tax
    /// office in an inter-agency procedure); `None` means the agency handling
    /// the dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// This step's share of the legal time (may be zero).
    pub time: WorkTime,
    /// The step-bound actions allowed here ([`ActionKind::is_step_bound`]).
    pub actions: Vec<ActionKind>,
    /// The steps this one may hand off to. Empty means the following step in
    /// order, if any: a process without branches needs no `next` at all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<String>,
}

/// A versioned process definition of one procedure. See the
/// [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessDefinition {
    /// The procedure's code in the national catalogue (e.g. `1.001234`).
    pub procedure_code: String,
    /// From 1, raised on every published change.
    pub version: u32,
    /// The steps, the intake step first.
    pub steps: Vec<Step>,
}

/// Checks a step id: 1–64 characters of `a-z`, `0-9`, `_`, `-`; returns it
/// trimmed.
pub fn validate_step_id(id: &str) -> Result<String, Invalid> {
    let id = id.trim();
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(id.to_string())
    } else {
        Err(Invalid::new(
            "step",
            format!("Mã bước «{id}» không hợp lệ: 1–64 ký tự gồm a–z, 0–9, «_», «-»"),
            format!("step id «{id}» is invalid: 1–64 characters of a–z, 0–9, «_», «-»"),
        ))
    }
}

/// Checks a procedure code as in the national catalogue (`1.001234`,
/// `2.000908.000.00.00.H12`): 1–100 characters, letters, digits, `.`, `-`,
/// `_`; returns it trimmed.
pub fn validate_procedure_code(code: &str) -> Result<String, Invalid> {
    let code = code.trim();
    let ok = !code.is_empty()
        && code.len() <= 100
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(code.to_string())
    } else {
        Err(Invalid::new(
            "procedure_code",
            format!("Mã thủ tục «{code}» không hợp lệ: 1–100 ký tự gồm chữ, số, «.», «-», «_»"),
            format!("procedure code «{code}» is invalid: 1–100 characters of letters, digits, «.», «-», «_»"),
        ))
    }
}

fn bad(vi: String, en: String) -> Invalid {
    Invalid::new("steps", vi, en)
}

impl ProcessDefinition {
    /// The first (intake) step.
    pub fn start(&self) -> Option<&Step> {
        self.steps.first()
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The ids of the steps `id` may hand off to: its `next`, or the
    /// following step in order when `next` is empty. Empty for the last step
    /// and for unknown ids.
    pub fn successors(&self, id: &str) -> Vec<&str> {
        let Some(i) = self.steps.iter().position(|s| s.id == id) else {
            return Vec::new();
        };
        let step = &self.steps[i];
        if step.next.is_empty() {
            self.steps
                .get(i + 1)
                .map(|s| vec![s.id.as_str()])
                .unwrap_or_default()
        } else {
            step.next.iter().map(String::as_str).collect()
        }
    }

    /// The sum of the steps' shares, in working hours.
    pub fn total_hours(&self) -> u64 {
        self.steps.iter().map(|s| s.time.hours()).sum()
    }

    /// Checks the definition against the procedure's legal processing time
    /// `legal_time`. Rules, in the order checked:
    ///
    /// 1. the procedure code is valid ([`validate_procedure_code`]) and the
    ///    version is at least 1;
    /// 2. there are 1–[`MAX_STEPS`] steps with valid, unique ids, names of
    ///    1–300 characters, valid unit codes ([`crate::org::validate_code`]);
    /// 3. each step lists at least one action, each step-bound
    ///    ([`ActionKind::is_step_bound`]), none twice, each one the step's
    ///    role may take ([`ActionKind::permissions`]);
    /// 4. `receive` and `reject_at_intake` only at the first step, which
    ///    must allow `receive`;
    /// 5. every `next` names another existing step, none twice;
    /// 6. a step allows `hand_off` exactly when it has successors
    ///    ([`ProcessDefinition::successors`]);
    /// 7. every step is reachable from the first by hand-offs;
    /// 8. from every step a step that allows `approve_result` is reachable
    ///    (so the last steps lead to a result), and every such step is
    ///    reachable from (or is) a step that allows `propose_result`;
    /// 9. the shares add up to `legal_time` exactly (in hours,
    ///    [`HOURS_PER_WORKING_DAY`] to a day).
    pub fn validate(&self, legal_time: WorkTime) -> Result<(), Invalid> {
        validate_procedure_code(&self.procedure_code)?;
        if self.version == 0 {
            return Err(Invalid::new(
                "version",
                "Phiên bản quy trình bắt đầu từ 1",
                "process versions start at 1",
            ));
        }
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return Err(bad(
                format!("Quy trình phải có từ 1 đến {MAX_STEPS} bước"),
                format!("a process must have 1 to {MAX_STEPS} steps"),
            ));
        }

        let mut ids = HashSet::new();
        for (i, step) in self.steps.iter().enumerate() {
            let id = validate_step_id(&step.id)?;
            if id != step.id {
                return Err(bad(
                    format!("Mã bước «{}» có khoảng trắng thừa", step.id),
                    format!("step id «{}» has surrounding spaces", step.id),
                ));
            }
            if !ids.insert(step.id.as_str()) {
                return Err(bad(
                    format!("Mã bước «{id}» bị trùng"),
                    format!("step id «{id}» is used twice"),
                ));
            }
            let n = step.name.trim().chars().count();
            if n == 0 || n > 300 || step.name.chars().any(char::is_control) {
                return Err(bad(
                    format!("Tên bước «{id}» phải có từ 1 đến 300 ký tự, không chứa ký tự điều khiển"),
                    format!("the name of step «{id}» must be 1 to 300 characters without control characters"),
                ));
            }
            if let Some(unit) = &step.unit {
                crate::org::validate_code(unit)?;
            }
            self.check_actions(i, step)?;
        }

        for step in &self.steps {
            let mut seen = HashSet::new();
            for n in &step.next {
                if self.step(n).is_none() || *n == step.id || !seen.insert(n) {
                    return Err(bad(
                        format!("Bước «{}» chuyển tới «{n}»: không có bước đó, trùng lặp hoặc là chính nó", step.id),
                        format!("step «{}» hands off to «{n}»: no such step, listed twice, or itself", step.id),
                    ));
                }
            }
            let has_next = !self.successors(&step.id).is_empty();
            if has_next != step.actions.contains(&ActionKind::HandOff) {
                return Err(if has_next {
                    bad(
                        format!(
                            "Bước «{}» có bước tiếp theo nên phải cho phép chuyển bước (hand_off)",
                            step.id
                        ),
                        format!(
                            "step «{}» has next steps, so it must allow hand_off",
                            step.id
                        ),
                    )
                } else {
                    bad(
                        format!(
                            "Bước «{}» là bước cuối nên không thể cho phép chuyển bước (hand_off)",
                            step.id
                        ),
                        format!(
                            "step «{}» is a last step, so it cannot allow hand_off",
                            step.id
                        ),
                    )
                });
            }
        }

        let forward = |from: &[usize]| self.closure(from, false);
        let backward = |from: &[usize]| self.closure(from, true);
        let where_allowed = |a: ActionKind| -> Vec<usize> {
            (0..self.steps.len())
                .filter(|i| self.steps[*i].actions.contains(&a))
                .collect()
        };

        let reachable = forward(&[0]);
        if let Some(s) = self.steps.iter().enumerate().find(|(i, _)| !reachable[*i]) {
            return Err(bad(
                format!("Bước «{}» không thể đến được từ bước tiếp nhận", s.1.id),
                format!("step «{}» cannot be reached from the intake step", s.1.id),
            ));
        }
        let approvers = where_allowed(ActionKind::ApproveResult);
        let leads_to_result = backward(&approvers);
        if let Some(s) = self
            .steps
            .iter()
            .enumerate()
            .find(|(i, _)| !leads_to_result[*i])
        {
            return Err(bad(
                format!(
                    "Từ bước «{}» không đến được bước phê duyệt kết quả (approve_result)",
                    s.1.id
                ),
                format!(
                    "step «{}» does not lead to a step that allows approve_result",
                    s.1.id
                ),
            ));
        }
        let after_proposal = forward(&where_allowed(ActionKind::ProposeResult));
        if let Some(i) = approvers.iter().find(|i| !after_proposal[**i]) {
            return Err(bad(
                format!("Bước «{}» phê duyệt kết quả nhưng không có bước trình kết quả (propose_result) nào trước nó", self.steps[*i].id),
                format!("step «{}» approves results but no step before it allows propose_result", self.steps[*i].id),
            ));
        }

        let total = self.total_hours();
        if total != legal_time.hours() {
            return Err(Invalid::new(
                "time",
                format!(
                    "Tổng thời gian các bước ({total} giờ làm việc) phải bằng thời hạn giải quyết của thủ tục ({}, tức {} giờ)",
                    legal_time.label_vi(),
                    legal_time.hours()
                ),
                format!(
                    "the steps' times add up to {total} working hours, not the procedure's legal time ({}, i.e. {} hours)",
                    legal_time.label_en(),
                    legal_time.hours()
                ),
            ));
        }
        Ok(())
    }

    fn check_actions(&self, i: usize, step: &Step) -> Result<(), Invalid> {
        let id = &step.id;
        if step.actions.is_empty() {
            return Err(bad(
                format!("Bước «{id}» phải cho phép ít nhất một thao tác"),
                format!("step «{id}» must allow at least one action"),
            ));
        }
        let mut seen = HashSet::new();
        for a in &step.actions {
            if !seen.insert(*a) {
                return Err(bad(
                    format!("Bước «{id}» liệt kê thao tác «{}» hai lần", a.label_vi()),
                    format!("step «{id}» lists «{}» twice", a.as_str()),
                ));
            }
            if !a.is_step_bound() {
                return Err(bad(
                    format!("Thao tác «{}» không gắn với bước xử lý nên không được liệt kê ở bước «{id}»", a.label_vi()),
                    format!("«{}» is not bound to a step, so step «{id}» cannot list it", a.as_str()),
                ));
            }
            if !a.permissions().iter().any(|p| step.role.allows(*p)) {
                return Err(bad(
                    format!(
                        "Vai trò «{}» của bước «{id}» không được phép {}",
                        step.role.label_vi(),
                        a.label_vi()
                    ),
                    format!(
                        "the role «{}» of step «{id}» may not {}",
                        step.role.as_str(),
                        a.label_en()
                    ),
                ));
            }
            if i > 0 && matches!(a, ActionKind::Receive | ActionKind::RejectAtIntake) {
                return Err(bad(
                    format!(
                        "Chỉ bước đầu tiên (tiếp nhận) mới được {} (bước «{id}»)",
                        a.label_vi()
                    ),
                    format!(
                        "only the first (intake) step may {} (step «{id}»)",
                        a.label_en()
                    ),
                ));
            }
        }
        if i == 0 && !step.actions.contains(&ActionKind::Receive) {
            return Err(bad(
                format!("Bước đầu tiên «{id}» phải cho phép tiếp nhận hồ sơ (receive)"),
                format!("the first step «{id}» must allow receive"),
            ));
        }
        Ok(())
    }

    /// Marks the steps reachable from `from` (inclusive) along hand-offs,
    /// or along reversed hand-offs when `reverse`.
    fn closure(&self, from: &[usize], reverse: bool) -> Vec<bool> {
        let index = |id: &str| self.steps.iter().position(|s| s.id == id);
        let edges: Vec<(usize, usize)> = self
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                self.successors(&s.id)
                    .into_iter()
                    .filter_map(index)
                    .map(move |j| (i, j))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut seen = vec![false; self.steps.len()];
        let mut queue: VecDeque<usize> = from.iter().copied().collect();
        for i in from {
            seen[*i] = true;
        }
        while let Some(i) = queue.pop_front() {
            for &(a, b) in &edges {
                let (src, dst) = if reverse { (b, a) } else { (a, b) };
                if src == i && !seen[dst] {
                    seen[dst] = true;
                    queue.push_back(dst);
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActionKind::*;

    fn step(id: &str, role: Role, time: WorkTime, actions: &[ActionKind]) -> Step {
        Step {
            id: id.into(),
            name: format!("Bước {id}"),
            role,
            unit: None,
            time,
            actions: actions.to_vec(),
            next: vec![],
        }
    }

    /// Intake (4 h) → review (2 days) → approval (4 h): 3 working days.
    fn linear() -> ProcessDefinition {
        ProcessDefinition {
            procedure_code: "1.001234".into(),
            version: 1,
            steps: vec![
                step(
                    "tiep_nhan",
                    Role::OneStopOfficer,
                    WorkTime::Hours(4),
                    &[Receive, RejectAtIntake, RequestSupplement, HandOff],
                ),
                step(
                    "tham_dinh",
                    Role::Specialist,
                    WorkTime::Days(2),
                    &[RequestSupplement, ProposeResult, HandOff],
                ),
                step(
                    "phe_duyet",
                    Role::UnitLeader,
                    WorkTime::Hours(4),
                    &[ApproveResult, SendBack, RequestSupplement],
                ),
            ],
        }
    }

    /// Intake → review, which branches to the leader directly or through the
    /// tax office first.
    fn branching() -> ProcessDefinition {
        let mut p = linear();
        p.steps[1].next = vec!["thue".into(), "phe_duyet".into()];
        p.steps[1].time = WorkTime::Hours(8);
        let mut tax = step("thue", Role::Specialist, WorkTime::Days(1), &[HandOff]);
        tax.unit = Some("H12.15".into());
        tax.next = vec!["phe_duyet".into()];
        p.steps.insert(2, tax);
        p
    }

    fn err(p: &ProcessDefinition) -> String {
        p.validate(WorkTime::Days(3)).unwrap_err().message_en
    }

    #[test]
    fn valid_processes() {
        let p = linear();
        p.validate(WorkTime::Days(3)).unwrap();
        p.validate(WorkTime::Hours(24)).unwrap();
        assert_eq!(p.successors("tiep_nhan"), ["tham_dinh"]);
        assert!(p.successors("phe_duyet").is_empty());
        assert!(p.successors("nowhere").is_empty());
        assert_eq!(p.start().unwrap().id, "tiep_nhan");

        let b = branching();
        b.validate(WorkTime::Days(3)).unwrap();
        assert_eq!(b.successors("tham_dinh"), ["thue", "phe_duyet"]);
        assert_eq!(b.successors("thue"), ["phe_duyet"]);
    }

    #[test]
    fn json_round_trip() {
        let b = branching();
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.contains(r#""time":{"days":1}"#), "{json}");
        assert!(json.contains(r#""role":"one_stop_officer""#), "{json}");
        assert!(json.contains(r#""unit":"H12.15""#), "{json}");
        let back: ProcessDefinition = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);

        // The example in the module documentation parses and validates.
        let doc = r#"{
          "procedure_code": "1.001234",
          "version": 1,
          "steps": [
            {"id": "tiep_nhan", "name": "Tiếp nhận", "role": "one_stop_officer",
             "time": {"hours": 4}, "actions": ["receive", "request_supplement", "hand_off"]},
            {"id": "tham_dinh", "name": "Thẩm định", "role": "specialist",
             "time": {"days": 2}, "actions": ["propose_result", "hand_off"]},
            {"id": "phe_duyet", "name": "Phê duyệt", "role": "unit_leader",
             "time": {"hours": 4}, "actions": ["approve_result", "send_back"]}
          ]
        }"#;
        let p: ProcessDefinition = serde_json::from_str(doc).unwrap();
        p.validate(WorkTime::Days(3)).unwrap();

        // Typos are not silently ignored.
        let typo = doc.replace("\"version\"", "\"versoin\"");
        assert!(serde_json::from_str::<ProcessDefinition>(&typo).is_err());
        assert!(
            serde_json::from_str::<ProcessDefinition>(&doc.replace("specialist", "chief")).is_err()
        );
    }

    #[test]
    fn work_time() {
        assert_eq!(WorkTime::Days(3).hours(), 24);
        assert_eq!(WorkTime::Hours(5).hours(), 5);
        assert_eq!(WorkTime::Days(3).label_vi(), "3 ngày làm việc");
        assert_eq!(WorkTime::Hours(1).label_en(), "1 working hour");
        assert_eq!(WorkTime::Days(2).label_en(), "2 working days");
    }

    #[test]
    fn ids_and_codes() {
        assert_eq!(validate_step_id(" tham_dinh-2 ").unwrap(), "tham_dinh-2");
        for bad in ["", "Tham", "a b", "bước", &"a".repeat(65)] {
            assert!(validate_step_id(bad).is_err(), "{bad}");
        }
        assert!(validate_procedure_code("2.000908.000.00.00.H12").is_ok());
        assert!(validate_procedure_code("1 2").is_err());
        assert!(validate_procedure_code("").is_err());
    }

    #[test]
    fn each_rule_is_enforced() {
        type Edit = fn(&mut ProcessDefinition);
        let cases: Vec<(Edit, &str)> = vec![
            (|p| p.procedure_code = "".into(), "procedure code"),
            (|p| p.version = 0, "versions start at 1"),
            (|p| p.steps.clear(), "1 to 100 steps"),
            (|p| p.steps[1].id = "tiep_nhan".into(), "used twice"),
            (
                |p| p.steps[1].id = "Tham".into(),
                "step id «Tham» is invalid",
            ),
            (|p| p.steps[1].id = " tham".into(), "surrounding spaces"),
            (|p| p.steps[1].name = " ".into(), "name of step «tham_dinh»"),
            (|p| p.steps[1].unit = Some("h12".into()), "identifier code"),
            (|p| p.steps[1].actions.clear(), "at least one action"),
            (|p| p.steps[1].actions.push(HandOff), "twice"),
            (|p| p.steps[1].actions.push(Extend), "not bound to a step"),
            (|p| p.steps[1].actions.push(Rate), "not bound to a step"),
            (|p| p.steps[2].actions.push(Refuse), "not bound to a step"),
            (
                |p| p.steps[1].actions.push(ApproveResult),
                "role «specialist»",
            ),
            (
                |p| p.steps[0].actions.push(ProposeResult),
                "role «one_stop_officer»",
            ),
            (|p| p.steps[2].actions.push(Receive), "role «unit_leader»"),
            (
                |p| {
                    p.steps[1].role = Role::OneStopOfficer;
                    p.steps[1].actions = vec![Receive, HandOff];
                },
                "only the first (intake) step",
            ),
            (
                |p| p.steps[0].actions.retain(|a| *a != Receive),
                "must allow receive",
            ),
            (|p| p.steps[1].next = vec!["nowhere".into()], "no such step"),
            (|p| p.steps[1].next = vec!["tham_dinh".into()], "itself"),
            (
                |p| p.steps[1].next = vec!["phe_duyet".into(), "phe_duyet".into()],
                "listed twice",
            ),
            (
                |p| p.steps[1].actions.retain(|a| *a != HandOff),
                "must allow hand_off",
            ),
            (
                |p| p.steps[2].actions.push(HandOff),
                "cannot allow hand_off",
            ),
            (
                |p| {
                    // Intake goes straight to approval: review is unreachable.
                    p.steps[0].next = vec!["phe_duyet".into()];
                },
                "cannot be reached",
            ),
            (
                |p| {
                    // The leader cannot approve: nothing leads to a result.
                    p.steps[2].actions.retain(|a| *a != ApproveResult);
                },
                "does not lead to",
            ),
            (
                |p| {
                    // A branch that ends without a result.
                    let dead = step(
                        "ngo_cut",
                        Role::Specialist,
                        WorkTime::Hours(0),
                        &[ProposeResult],
                    );
                    p.steps.push(dead);
                    p.steps[2].actions.push(HandOff);
                    p.steps[1].next = vec!["phe_duyet".into()];
                },
                "does not lead to",
            ),
            (
                |p| p.steps[1].actions.retain(|a| *a != ProposeResult),
                "no step before it allows propose_result",
            ),
            (
                |p| p.steps[1].time = WorkTime::Days(3),
                "add up to 32 working hours",
            ),
        ];
        for (edit, needle) in cases {
            let mut p = linear();
            edit(&mut p);
            let e = err(&p);
            assert!(e.contains(needle), "expected «{needle}», got «{e}»");
        }
    }

    #[test]
    fn errors_are_bilingual() {
        let mut p = linear();
        p.steps[1].time = WorkTime::Days(1);
        let e = p.validate(WorkTime::Days(3)).unwrap_err();
        assert_eq!(e.field, "time");
        assert!(e.message_vi.contains("16 giờ làm việc"), "{}", e.message_vi);
        assert!(e.message_vi.contains("3 ngày làm việc"), "{}", e.message_vi);
    }
}
