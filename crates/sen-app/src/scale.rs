//! A synthetic province at scale (`sen demo --scale N`): the demo province
//! grown into a two-tier province (departments and some sixty communes and
//! wards, each with its own commune-level procedures), and N dossiers spread
//! over several years with realistic fates: counter and online, rejected at
//! intake, supplements, extensions, results early, on time and late,
//! refusals, stops, withdrawals, returns and ratings; the most recent ones
//! still open, some of them overdue.
//!
//! Each dossier's life is computed with the same domain rules as the
//! one-stop shop (`apply_in_process`, the working calendar for due times,
//! pauses and extensions, timeliness by due day), and written with its
//! events, in chronological order day by day, by `sen_store::scale` in
//! large multi-row transactions: the hash chain verifies, the public lookup
//! folds the events, and the monitoring counters equal a recount. What is
//! simplified: every staff act is recorded as the operator's (who ran the
//! loader), online applicants have no citizen account, steps carry no
//! per-step due time (so Form 06 shows no step results), and no files are
//! attached.

use crate::catalogue::{Procedure, ProcedureSpec};
use crate::dossiers::{Applicant, Projection};
use crate::org::NewUnit;
use crate::{Actor, App, AppError};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sen_calendar::{Calendar, OfficeHours};
use sen_domain::audit::NewEvent;
use sen_domain::dossier::{self, Action, Clock, CodeFormat, Timeliness, TimelinessRule};
use sen_domain::procedure::ProcessDefinition;
use sen_store::dossiers::StoredDossier;
use sen_store::monitoring::{self as mon, Deltas, Facts};
use sen_store::scale::{self as bulk, TimedEvent};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// What to generate.
#[derive(Debug, Clone)]
pub struct ScaleOptions {
    pub dossiers: u64,
    /// Years of history, ending yesterday.
    pub years: u32,
    pub seed: u64,
    /// Dossiers per transaction (about eight events each).
    pub batch: usize,
}

impl Default for ScaleOptions {
    fn default() -> Self {
        ScaleOptions {
            dossiers: 100_000,
            years: 3,
            seed: 2026,
            batch: 2_000,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleOutcome {
    pub tenant: Uuid,
    pub units: usize,
    pub procedures: usize,
    pub dossiers: u64,
    pub events: u64,
}

/// Departments added to the demo ones: code, abbreviation, name, field,
/// object of its procedures.
const DEPARTMENTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "H99.02",
        "STP",
        "Sở Tư pháp",
        "Hành chính tư pháp",
        "giấy phép hành nghề công chứng",
    ),
    (
        "H99.03",
        "SXD",
        "Sở Xây dựng",
        "Hoạt động xây dựng",
        "giấy phép xây dựng",
    ),
    (
        "H99.04",
        "SNNMT",
        "Sở Nông nghiệp và Môi trường",
        "Đất đai",
        "giấy chứng nhận quyền sử dụng đất",
    ),
    (
        "H99.07",
        "STC",
        "Sở Tài chính",
        "Thành lập và hoạt động doanh nghiệp",
        "giấy chứng nhận đăng ký doanh nghiệp",
    ),
    (
        "H99.08",
        "SNV",
        "Sở Nội vụ",
        "Việc làm",
        "giấy phép lao động cho người nước ngoài",
    ),
    (
        "H99.09",
        "SYT",
        "Sở Y tế",
        "Khám bệnh, chữa bệnh",
        "giấy phép hoạt động khám bệnh, chữa bệnh",
    ),
    (
        "H99.13",
        "SGDĐT",
        "Sở Giáo dục và Đào tạo",
        "Giáo dục và đào tạo",
        "giấy phép hoạt động giáo dục",
    ),
    (
        "H99.14",
        "SCT",
        "Sở Công Thương",
        "Lưu thông hàng hóa",
        "giấy phép kinh doanh bán lẻ sản phẩm rượu",
    ),
    (
        "H99.15",
        "SVHTTDL",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Lữ hành",
        "giấy phép kinh doanh dịch vụ lữ hành",
    ),
    (
        "H99.16",
        "SKHCN",
        "Sở Khoa học và Công nghệ",
        "Bưu chính",
        "giấy phép bưu chính",
    ),
];

const VERBS: &[(&str, u32)] = &[
    ("Cấp", 15),
    ("Cấp lại", 7),
    ("Điều chỉnh nội dung", 10),
    ("Gia hạn", 5),
    ("Cấp đổi", 10),
];

/// Commune-level procedures: template code, field, name, legal days,
/// online level, electronic result.
const COMMUNE_PROCEDURES: &[(&str, &str, &str, u32, &str, bool)] = &[
    ("1.300001", "Hộ tịch", "Đăng ký khai sinh", 1, "full", true),
    ("1.300002", "Hộ tịch", "Đăng ký kết hôn", 5, "partial", true),
    ("1.300003", "Hộ tịch", "Đăng ký khai tử", 1, "full", true),
    (
        "1.300004",
        "Hộ tịch",
        "Cấp giấy xác nhận tình trạng hôn nhân",
        3,
        "full",
        true,
    ),
    (
        "1.300005",
        "Chứng thực",
        "Chứng thực bản sao từ bản chính",
        1,
        "none",
        false,
    ),
    (
        "1.300006",
        "Chứng thực",
        "Chứng thực chữ ký",
        1,
        "none",
        false,
    ),
    (
        "1.300007",
        "Đất đai",
        "Đăng ký biến động quyền sử dụng đất",
        10,
        "partial",
        false,
    ),
    (
        "1.300008",
        "Bảo trợ xã hội",
        "Trợ cấp xã hội hằng tháng",
        7,
        "partial",
        false,
    ),
];

const PLACE_A: &[&str] = &[
    "An", "Bình", "Hòa", "Phú", "Tân", "Thạnh", "Long", "Mỹ", "Hưng", "Phước",
];
const PLACE_B: &[&str] = &["Đông", "Tây", "Nam", "Bắc", "Lợi", "Thuận"];

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu", "Kim", "Gia",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương", "Khánh", "Lan",
    "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
    "Trung", "Tuấn", "Vy", "Yến",
];

/// The communes and wards of the synthetic province: code, name.
fn communes() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut n = 40;
    for a in PLACE_A {
        for b in PLACE_B {
            let kind = if n % 3 == 0 { "phường" } else { "xã" };
            out.push((
                format!("H99.{n}"),
                format!("Ủy ban nhân dân {kind} {a} {b}"),
            ));
            n += 1;
        }
    }
    out
}

fn steps_json(desk: Option<&str>, days: u32) -> Value {
    let mut first = json!({"id": "tiep_nhan", "name": "Tiếp nhận hồ sơ", "role": "one_stop_officer",
        "time": {"hours": 2}, "actions": ["receive", "reject_at_intake", "request_supplement", "hand_off"]});
    if let Some(d) = desk {
        first["unit"] = json!(d);
    }
    json!([
        first,
        {"id": "xu_ly", "name": "Thẩm định, dự thảo kết quả", "role": "specialist",
         "time": {"hours": days * 8 - 4}, "actions": ["propose_result", "hand_off", "request_supplement"]},
        {"id": "phe_duyet", "name": "Lãnh đạo ký duyệt", "role": "unit_leader",
         "time": {"hours": 2}, "actions": ["approve_result", "send_back"]}
    ])
}

/// The synthetic catalogue.
fn catalogue() -> Result<Vec<ProcedureSpec>, AppError> {
    let mut specs = Vec::new();
    for (d, (code, abbr, _, field, object)) in DEPARTMENTS.iter().enumerate() {
        for (k, (verb, days)) in VERBS.iter().enumerate() {
            let online = ["full", "partial", "partial", "none", "full"][(d + k) % 5];
            specs.push(json!({
                "code": format!("1.2{:02}{:03}", d, k + 1),
                "name": format!("{verb} {object} ({abbr})"),
                "field": field,
                "competent_units": [code],
                "online_level": online,
                "processing_days": days,
                "fees": [{"description": "Lệ phí", "amount_vnd": 100000 * (k as u64 + 1)}],
                "components": [{"name": "Đơn đề nghị", "originals": 1}, {"name": "Bản sao giấy tờ pháp lý", "copies": 1}],
                "digitised_result": k % 2 == 0,
                "steps": steps_json(Some("H99.05"), *days),
            }));
        }
    }
    for (unit, _) in communes() {
        for (code, field, name, days, online, electronic) in COMMUNE_PROCEDURES {
            specs.push(json!({
                "code": format!("{code}-{unit}"),
                "name": name,
                "field": field,
                "competent_units": [unit],
                "online_level": online,
                "processing_days": days,
                "components": [{"name": "Tờ khai", "originals": 1}],
                "digitised_result": electronic,
                "steps": steps_json(None, *days),
            }));
        }
    }
    specs
        .into_iter()
        .map(|v| {
            serde_json::from_value(v)
                .map_err(|e| AppError::Internal(format!("scale catalogue: {e}")))
        })
        .collect()
}

/// A procedure as the generator uses it.
struct Proc {
    p: Procedure,
    process: ProcessDefinition,
    agency: String,
    lead: Uuid,
    desk: Uuid,
    online: bool,
    days: u32,
    /// Relative volume.
    weight: f64,
}

fn to_utc(local: NaiveDateTime) -> String {
    sen_store::fmt_time(Utc.from_utc_datetime(&(local - Duration::hours(7))))
}

fn fmt_local(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// One dossier being lived through.
struct Life<'a> {
    proc: &'a Proc,
    calendar: &'a Calendar,
    hours: OfficeHours,
    row: StoredDossier,
    proj: Projection,
    events: Vec<TimedEvent>,
    supplements: Vec<NaiveDateTime>,
    last: NaiveDateTime,
    now: NaiveDateTime,
    /// The leader recorded as approving extensions.
    approver: Uuid,
}

impl Life<'_> {
    /// Applies `action` at local time `at` (moved after the previous act);
    /// returns false, doing nothing, when `at` is in the future.
    fn act(&mut self, action: Action, at: NaiveDateTime) -> Result<bool, AppError> {
        let at = at.max(self.last + Duration::minutes(1));
        if at >= self.now {
            return Ok(false);
        }
        self.last = at;
        let t = dossier::apply_in_process(&self.process(), &self.proj.domain, &action)
            .map_err(|e| AppError::Internal(format!("scale: {} {e:?}", self.row.code)))?;
        let stamp = to_utc(at);
        let mut extra = serde_json::Map::new();
        self.proj.domain = t.state.clone();
        let cal = |e: sen_calendar::CalendarError| AppError::Internal(format!("deadline: {e}"));
        match t.clock {
            Clock::Start => {
                let due = self
                    .calendar
                    .add_working_days(at, self.proc.days, &self.hours)
                    .map_err(cal)?;
                self.proj.domain.due = Some(due);
                self.proj.original_due = Some(due);
                self.row.received_at = Some(stamp.clone());
                extra.insert("received_at_local".into(), json!(fmt_local(at)));
            }
            Clock::Pause => {
                self.proj.paused_since = Some(at);
                self.supplements.push(at);
            }
            Clock::Resume => {
                if let (Some(due), Some(from)) = (self.proj.domain.due, self.proj.paused_since) {
                    let paused = self
                        .calendar
                        .paused_working_days(from, at, &self.hours)
                        .unwrap_or(0);
                    let moved = self
                        .calendar
                        .extend_by_pause(due, from, at, &self.hours)
                        .map_err(cal)?;
                    extra.insert("paused_working_days".into(), json!(paused));
                    extra.insert("due_before".into(), json!(fmt_local(due)));
                    self.proj.domain.due = Some(moved);
                }
                self.proj.paused_since = None;
            }
            Clock::Finish => {
                self.row.completed_at = Some(stamp.clone());
                if let Some(due) = self.proj.domain.due {
                    let tl = Timeliness::classify(due, at, TimelinessRule::DueDay);
                    self.row.timeliness = Some(tl.as_str().into());
                    extra.insert("timeliness".into(), json!(tl.as_str()));
                }
            }
            Clock::Cancel => self.row.completed_at = Some(stamp.clone()),
            Clock::Unchanged => {}
        }
        if matches!(action, Action::RequestSupplement { .. })
            && t.state.status == dossier::DossierStatus::IncompleteAtIntake
        {
            self.supplements.push(at);
        }
        if let Action::Rate { score } = &t.action {
            self.row.rating = Some(i64::from(*score));
        }
        match &action {
            Action::HandOff { .. } | Action::SendBack { .. } => {
                self.row.current_unit_id = self.proc.lead
            }
            Action::Receive => self.row.current_unit_id = self.proc.desk,
            _ => {}
        }
        if t.state.status == dossier::DossierStatus::ResultReady {
            self.row.current_unit_id = self.row.receiving_unit_id;
        }
        self.row.status = self.proj.domain.status.as_str().into();
        self.row.due_at = self.proj.domain.due.map(fmt_local);
        self.row.updated_at = stamp.clone();
        let mut payload = json!({
            "code": self.row.code,
            "action": t.action,
            "from": t.from.as_str(),
            "to": t.state.status.as_str(),
            "step": t.state.step,
            "due": self.row.due_at,
            "forms": t.forms.iter().map(|f| format!("{:02}", f.number())).collect::<Vec<_>>(),
            "at_local": fmt_local(at),
        });
        if let Value::Object(m) = &mut payload {
            m.extend(extra);
        }
        let kind = t.action.kind();
        self.events.push(TimedEvent {
            id: Uuid::now_v7(),
            at: stamp,
            event: NewEvent::new(
                "operator",
                format!("dossier.{}", kind.as_str()),
                "dossier",
                Some(self.row.id.to_string()),
            )
            .unit(self.row.current_unit_id)
            .payload(payload),
        });
        Ok(true)
    }

    fn process(&self) -> ProcessDefinition {
        self.proc.process.clone()
    }
}

fn name(rng: &mut StdRng) -> String {
    format!(
        "{} {} {}",
        FAMILY[rng.gen_range(0..FAMILY.len())],
        MIDDLE[rng.gen_range(0..MIDDLE.len())],
        GIVEN[rng.gen_range(0..GIVEN.len())]
    )
}

/// A time `hours` working-ish hours after `t` (office hours are not
/// modelled below the day: it only spaces the acts).
fn after(t: NaiveDateTime, hours: f64) -> NaiveDateTime {
    t + Duration::minutes((hours * 60.0) as i64)
}

/// The rest of a received dossier's life.
fn live(life: &mut Life<'_>, rng: &mut StdRng) -> Result<(), AppError> {
    let received = life.last;
    let mut t = after(received, rng.gen_range(0.3..4.0));
    if !life.act(
        Action::HandOff {
            to_step: "xu_ly".into(),
        },
        t,
    )? {
        return Ok(());
    }
    let fate: f64 = rng.gen();
    if fate < 0.01 {
        t = after(t, rng.gen_range(2.0..48.0));
        life.act(Action::Withdraw, t)?;
        return Ok(());
    }
    if fate < 0.03 {
        t = after(t, rng.gen_range(4.0..96.0));
        life.act(
            Action::Refuse {
                reason: "Hồ sơ không đủ điều kiện theo quy định".into(),
            },
            t,
        )?;
        return Ok(());
    }
    if fate < 0.035 {
        t = after(t, rng.gen_range(4.0..96.0));
        life.act(
            Action::Stop {
                reason: "Người nộp đề nghị dừng giải quyết".into(),
            },
            t,
        )?;
        return Ok(());
    }
    if rng.gen_bool(0.08) {
        t = after(t, rng.gen_range(2.0..24.0));
        let asked = life.act(
            Action::RequestSupplement {
                reason: "Hồ sơ cần bổ sung giấy tờ".into(),
                missing: vec!["Bản sao giấy tờ chứng minh".into()],
            },
            t,
        )?;
        if !asked {
            return Ok(());
        }
        if rng.gen_bool(0.03) {
            return Ok(()); // never supplemented
        }
        t += Duration::days(rng.gen_range(1..12));
        if !life.act(Action::Supplement, t)? {
            return Ok(());
        }
    }
    let Some(mut due) = life.proj.domain.due else {
        return Ok(());
    };
    if rng.gen_bool(0.03) {
        let at = (due - Duration::hours(20)).max(after(t, 1.0));
        let new_due = life
            .calendar
            .add_working_days(due, rng.gen_range(3..10), &life.hours)
            .map_err(|e| AppError::Internal(format!("deadline: {e}")))?;
        let ok = life.act(
            Action::Extend {
                new_due,
                approved_by: life.approver,
                reason: "Cần xác minh thêm với cơ quan liên quan".into(),
            },
            at,
        )?;
        if !ok {
            return Ok(());
        }
        t = at;
        due = new_due;
    }
    // When the result is approved: mostly early, some on the due day, some late.
    let class: f64 = rng.gen();
    let span = (due - t).num_minutes().max(60) as f64;
    let done = if class < 0.80 {
        after(t, span / 60.0 * rng.gen_range(0.15..0.85))
    } else if class < 0.92 {
        due.date()
            .and_time(NaiveTime::from_hms_opt(7, 45, 0).unwrap_or_default())
            .max(after(t, 1.0))
            + Duration::minutes(rng.gen_range(0..480))
    } else {
        due + Duration::days(rng.gen_range(1..20))
    };
    let propose = (done - Duration::hours(3)).max(after(t, 0.5));
    if !life.act(Action::ProposeResult, propose)? {
        return Ok(());
    }
    if !life.act(
        Action::HandOff {
            to_step: "phe_duyet".into(),
        },
        after(propose, 1.0),
    )? {
        return Ok(());
    }
    if !life.act(Action::ApproveResult, done)? {
        return Ok(());
    }
    if rng.gen_bool(0.95) {
        let back = done + Duration::hours(rng.gen_range(1..120));
        if life.act(Action::Return, back)? && rng.gen_bool(0.3) {
            let score = match rng.gen_range(0..20) {
                0 => 1,
                1 => 2,
                2 | 3 => 3,
                4..=9 => 4,
                _ => 5,
            };
            life.act(
                Action::Rate { score },
                back + Duration::minutes(rng.gen_range(5..600)),
            )?;
        }
    }
    Ok(())
}

impl App {
    /// Grows the demo province into the synthetic one (idempotent) and adds
    /// `opts.dossiers` dossiers; `progress` is called after each batch with
    /// the dossiers written so far.
    pub async fn load_scale(
        &self,
        opts: &ScaleOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<ScaleOutcome, AppError> {
        let tenant = match self.load_demo().await? {
            crate::demo::DemoOutcome::Loaded { tenant, .. }
            | crate::demo::DemoOutcome::AlreadyThere { tenant } => tenant,
        };
        let op = Actor::Operator;
        let root = sen_store::org::unit_by_code(&self.db, tenant, crate::demo::DEMO_CODE)
            .await?
            .ok_or_else(|| AppError::not_found("unit", crate::demo::DEMO_CODE))?;
        // Units.
        let mut wanted: Vec<(String, String, String, String)> = DEPARTMENTS
            .iter()
            .map(|(c, a, n, _, _)| {
                (
                    c.to_string(),
                    a.to_string(),
                    n.to_string(),
                    "department".to_string(),
                )
            })
            .collect();
        wanted.extend(
            communes()
                .into_iter()
                .map(|(c, n)| (c, "UBND".into(), n, "commune".into())),
        );
        for (code, abbr, name, kind) in &wanted {
            if sen_store::org::unit_by_code(&self.db, tenant, code)
                .await?
                .is_none()
            {
                self.create_unit(
                    &op,
                    NewUnit {
                        parent_id: root.id,
                        code: code.clone(),
                        abbreviation: abbr.clone(),
                        name: name.clone(),
                        kind: kind.clone(),
                    },
                )
                .await?;
            }
        }
        // Catalogue (publishes nothing for specs already there).
        let specs = catalogue()?;
        self.import_catalogue(&op, tenant, specs.clone()).await?;
        let units: HashMap<String, Uuid> = sen_store::org::units(&self.db, tenant, None)
            .await?
            .into_iter()
            .map(|u| (u.code, u.id))
            .collect();
        let mut procs = Vec::new();
        for s in &specs {
            let p = self.procedure(tenant, &s.code).await?;
            let agency = s.competent_units[0].clone();
            let lead = *units
                .get(&agency)
                .ok_or_else(|| AppError::not_found("unit", &agency))?;
            let desk_code = s.steps[0].unit.clone().unwrap_or_else(|| agency.clone());
            let desk = *units
                .get(&desk_code)
                .ok_or_else(|| AppError::not_found("unit", &desk_code))?;
            let commune = s.steps[0].unit.is_none();
            // Communes see the most dossiers; birth and certification the most.
            let weight = match (commune, s.processing_days) {
                (true, 1) => 3.0,
                (true, _) => 1.2,
                (false, d) if d <= 7 => 3.0,
                (false, _) => 1.5,
            };
            procs.push(Proc {
                process: p.process(),
                online: s.online_level != "none",
                days: s.processing_days,
                agency,
                lead,
                desk,
                weight,
                p,
            });
        }
        let total_weight: f64 = procs.iter().map(|p| p.weight).sum();
        let mut cumulative = Vec::with_capacity(procs.len());
        let mut acc = 0.0;
        for p in &procs {
            acc += p.weight / total_weight;
            cumulative.push(acc);
        }

        let calendar = self.calendar(tenant).await?;
        let approver = self.account_by_username("lanhdao").await?.id;
        let now = self.now_local();
        let today = now.date();
        let first = NaiveDate::from_ymd_opt(today.year() - opts.years as i32, today.month(), 1)
            .unwrap_or(today);
        let days: Vec<NaiveDate> = first
            .iter_days()
            .take_while(|d| *d < today)
            .filter(|d| calendar.is_working_day(*d))
            .collect();
        if days.is_empty() {
            return Ok(ScaleOutcome {
                tenant,
                units: units.len(),
                procedures: procs.len(),
                dossiers: 0,
                events: 0,
            });
        }
        let mut rng = StdRng::seed_from_u64(opts.seed);
        // Volume grows by half over the period, with ±20 % from day to day.
        let weights: Vec<f64> = (0..days.len())
            .map(|i| (1.0 + 0.5 * i as f64 / days.len() as f64) * rng.gen_range(0.8..1.2))
            .collect();
        let wsum: f64 = weights.iter().sum();
        let mut quotas: Vec<u64> = weights
            .iter()
            .map(|w| (w / wsum * opts.dossiers as f64).floor() as u64)
            .collect();
        let mut short = opts.dossiers - quotas.iter().sum::<u64>();
        let n_days = quotas.len();
        let mut i = 0;
        while short > 0 {
            quotas[n_days - 1 - (i % n_days)] += 1;
            short -= 1;
            i += 1;
        }

        let format = CodeFormat::default();
        let hours = OfficeHours::default();
        let mut written = 0u64;
        let mut events_written = 0u64;
        let mut rows: Vec<StoredDossier> = Vec::with_capacity(opts.batch + 1000);
        let mut evs: Vec<TimedEvent> = Vec::new();
        let mut deltas = Deltas::new();
        let mut counters: Vec<(String, i64)> = Vec::new();
        for (day, quota) in days.iter().zip(quotas) {
            if quota == 0 {
                continue;
            }
            // The day's dossiers in order of submission.
            let mut todays: Vec<(NaiveDateTime, usize)> = (0..quota)
                .map(|_| {
                    let x: f64 = rng.gen();
                    let k = cumulative.partition_point(|c| *c < x).min(procs.len() - 1);
                    let minute = rng.gen_range(0..(9 * 60));
                    let at = day.and_time(NaiveTime::from_hms_opt(7, 30, 0).unwrap_or_default())
                        + Duration::minutes(minute)
                        + Duration::seconds(rng.gen_range(0..60));
                    (at, k)
                })
                .collect();
            todays.sort();
            let keys: Vec<String> = {
                let mut k: Vec<String> = todays
                    .iter()
                    .map(|(_, p)| format!("dossier:{}:{}", procs[*p].agency, day.format("%Y%m%d")))
                    .collect();
                k.sort();
                k.dedup();
                k
            };
            let mut seqs = bulk::counter_values(&self.db, &keys).await?;
            for (at, k) in todays {
                let proc = &procs[k];
                let key = format!("dossier:{}:{}", proc.agency, day.format("%Y%m%d"));
                let seq = seqs.entry(key).or_insert(0);
                *seq += 1;
                let code = format.render(&proc.agency, *day, *seq as u32)?;
                let online = proc.online && rng.gen_bool(0.4);
                let applicant = Applicant {
                    name: name(&mut rng),
                    phone: Some(format!("09{:08}", rng.gen_range(0..100_000_000u32))),
                    email: None,
                    id_number: Some(format!("0{:011}", rng.gen_range(0..100_000_000_000u64))),
                    address: None,
                };
                let id = Uuid::now_v7();
                let created = to_utc(at);
                let proj = Projection::default();
                let row = StoredDossier {
                    id,
                    tenant_id: tenant,
                    code: code.clone(),
                    procedure_id: proc.p.id,
                    receiving_unit_id: proc.desk,
                    current_unit_id: proc.desk,
                    status: proj.domain.status.as_str().into(),
                    channel: if online { "online" } else { "counter" }.into(),
                    applicant_name: applicant.name.clone(),
                    applicant_phone: applicant.phone.clone(),
                    applicant_email: None,
                    applicant_id_number: applicant.id_number.clone(),
                    citizen_id: None,
                    received_at: None,
                    due_at: None,
                    completed_at: None,
                    timeliness: None,
                    rating: None,
                    state: String::new(),
                    created_at: created.clone(),
                    updated_at: created.clone(),
                };
                let submitted = TimedEvent {
                    id: Uuid::now_v7(),
                    at: created,
                    event: NewEvent::new(
                        "operator",
                        "dossier.submitted",
                        "dossier",
                        Some(id.to_string()),
                    )
                    .unit(proc.desk)
                    .payload(json!({"code": code, "channel": row.channel, "to": "submitted",
                        "procedure": {"id": proc.p.id, "code": proc.p.spec.code, "version": proc.p.version, "name": proc.p.spec.name},
                        "applicant": applicant})),
                };
                let mut life = Life {
                    proc,
                    calendar: &calendar,
                    hours: hours.clone(),
                    row,
                    proj,
                    events: vec![submitted],
                    supplements: Vec::new(),
                    last: at,
                    now,
                    approver,
                };
                let mut received = true;
                if online {
                    // Checked by the desk within hours (or days).
                    let check = after(at, rng.gen_range(0.5..30.0));
                    let r: f64 = rng.gen();
                    if r < 0.02 {
                        life.act(
                            Action::RejectAtIntake {
                                reason: "Hồ sơ không thuộc thẩm quyền giải quyết".into(),
                            },
                            check,
                        )?;
                        received = false;
                    } else if r < 0.05 {
                        let asked = life.act(
                            Action::RequestSupplement {
                                reason: "Thành phần hồ sơ chưa đầy đủ".into(),
                                missing: vec!["Tờ khai có chữ ký".into()],
                            },
                            check,
                        )?;
                        received = asked
                            && life
                                .act(Action::Supplement, after(check, rng.gen_range(4.0..72.0)))?
                            && life.act(Action::Receive, after(check, 73.0))?;
                    } else if r < 0.06 {
                        life.act(Action::Withdraw, check)?;
                        received = false;
                    } else {
                        received = life.act(Action::Receive, check)?;
                    }
                } else {
                    life.act(Action::Receive, at)?;
                }
                if received {
                    live(&mut life, &mut rng)?;
                }
                let Life {
                    mut row,
                    proj,
                    events,
                    supplements,
                    ..
                } = life;
                row.state =
                    serde_json::to_string(&proj).map_err(|e| AppError::Internal(e.to_string()))?;
                let facts = Facts::of(&row);
                let key = |d: NaiveDate| {
                    (
                        facts.tenant_id.clone(),
                        facts.procedure_id.clone(),
                        facts.unit_id.clone(),
                        d,
                    )
                };
                for (d, c) in mon::contributions(&facts)? {
                    deltas.entry(key(d)).or_default().add(&c);
                }
                for s in supplements {
                    deltas.entry(key(s.date())).or_default().supplement_requests += 1;
                }
                evs.extend(events);
                rows.push(row);
            }
            for (k, v) in seqs {
                counters.push((k, v));
            }
            if rows.len() >= opts.batch {
                let out = bulk::insert_batch(
                    &self.db,
                    &rows,
                    std::mem::take(&mut evs),
                    &deltas,
                    &counters,
                )
                .await?;
                written += out.dossiers as u64;
                events_written += out.events as u64;
                rows.clear();
                deltas.clear();
                counters.clear();
                progress(written, events_written);
            }
        }
        if !rows.is_empty() {
            let out = bulk::insert_batch(
                &self.db,
                &rows,
                std::mem::take(&mut evs),
                &deltas,
                &counters,
            )
            .await?;
            written += out.dossiers as u64;
            events_written += out.events as u64;
            progress(written, events_written);
        }
        bulk::analyze(&self.db).await?;
        Ok(ScaleOutcome {
            tenant,
            units: units.len(),
            procedures: procs.len(),
            dossiers: written,
            events: events_written,
        })
    }
}
