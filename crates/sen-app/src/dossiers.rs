//! The one-stop shop: dossiers received at the counter or submitted online,
//! moved through the procedure's process by actions, under the legal clock.
//!
//! Every change is one transaction: the projection row, the event (whose
//! payload says everything that changed) and the outgoing notices. What the
//! public lookup shows is folded from the events, never from the row.

use crate::catalogue::Procedure;
use crate::{Actor, App, AppError};
use chrono::{NaiveDateTime, Utc};
use sen_calendar::OfficeHours;
use sen_domain::access::{self, Permission};
use sen_domain::audit::NewEvent;
use sen_domain::dossier::{
    self, Action, ActionKind, Clock, CodeFormat, DossierState, Notice, Timeliness, TimelinessRule,
};
use sen_domain::{auth, Invalid};
use sen_store::dossiers::{self as store, DossierFilter, StoredDossier};
use sen_store::{counters, new_id, now_utc, outbox};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

/// The applicant (người nộp hồ sơ).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Số định danh cá nhân (CCCD) or a business registration number.
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    pub procedure_code: String,
    pub applicant: Applicant,
    /// The desk receiving it; defaults to the officer's own desk.
    #[serde(default)]
    pub receiving_unit_id: Option<Uuid>,
}

/// What the dossier row's `state` column holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Projection {
    #[serde(flatten)]
    pub domain: DossierState,
    /// Vietnam local time the clock was paused, while waiting for a supplement.
    #[serde(default)]
    pub paused_since: Option<NaiveDateTime>,
    /// The legal due time before any extension.
    #[serde(default)]
    pub original_due: Option<NaiveDateTime>,
    /// The overdue escalation has been raised.
    #[serde(default)]
    pub overdue_flagged: bool,
    /// The "due today" warning has been raised.
    #[serde(default)]
    pub due_today_flagged: bool,
    /// When the dossier reached its current step, and that step's own due
    /// time (its share of the legal time).
    #[serde(default)]
    pub step_entered: Option<NaiveDateTime>,
    #[serde(default)]
    pub step_due: Option<NaiveDateTime>,
}

impl Default for Projection {
    fn default() -> Self {
        Projection {
            domain: DossierState::submitted(),
            paused_since: None,
            original_due: None,
            overdue_flagged: false,
            due_today_flagged: false,
            step_entered: None,
            step_due: None,
        }
    }
}

/// A dossier as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct Dossier {
    #[serde(flatten)]
    pub row: StoredDossier,
    pub status_label: String,
    pub status_label_en: String,
    pub step: Option<String>,
    pub allowed_actions: Vec<ActionKind>,
}

fn fmt_local(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn projection(row: &StoredDossier) -> Result<Projection, AppError> {
    serde_json::from_str(&row.state)
        .map_err(|e| AppError::Internal(format!("dossier {} state: {e}", row.code)))
}

fn view(row: StoredDossier) -> Result<Dossier, AppError> {
    let p = projection(&row)?;
    Ok(Dossier {
        status_label: p.domain.status.label_vi().to_string(),
        status_label_en: p.domain.status.label_en().to_string(),
        step: p.domain.step.clone(),
        allowed_actions: p.domain.status.allowed_actions(),
        row,
    })
}

fn check_applicant(a: &Applicant) -> Result<Applicant, AppError> {
    let name = sen_domain::org::validate_name(&a.name).map_err(|_| {
        Invalid::new(
            "applicant.name",
            "Họ tên người nộp phải có từ 1 đến 300 ký tự",
            "the applicant's name has 1 to 300 characters",
        )
    })?;
    let phone = a
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(auth::normalize_phone)
        .transpose()?;
    let email = a
        .email
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(auth::normalize_email)
        .transpose()?;
    let id_number = a
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(id) = &id_number {
        if !(6..=20).contains(&id.len()) || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Invalid::new(
                "applicant.id_number",
                "Số định danh phải có 6–20 chữ hoặc số",
                "the ID number has 6–20 letters or digits",
            )
            .into());
        }
    }
    if phone.is_none() && email.is_none() {
        return Err(Invalid::new(
            "applicant.phone",
            "Cần số điện thoại hoặc thư điện tử của người nộp để báo tình trạng hồ sơ",
            "the applicant's phone number or e-mail is needed to notify them",
        )
        .into());
    }
    Ok(Applicant {
        name,
        phone,
        email,
        id_number,
        address: a.address.as_ref().map(|s| s.trim().to_string()),
    })
}

fn transition_error(e: dossier::TransitionError) -> AppError {
    if e.is_conflict() {
        AppError::conflict(e.message_vi(), e.message_en())
    } else {
        AppError::Invalid(Invalid::new(e.field(), e.message_vi(), e.message_en()))
    }
}

/// Everything one action changes, computed before the transaction.
struct Change {
    row: StoredDossier,
    event: NewEvent,
    notice: Option<Notice>,
}

impl App {
    fn office_hours(p: &Procedure) -> OfficeHours {
        match p.cutoff() {
            Some(c) => OfficeHours::default().with_cutoff(c).unwrap_or_default(),
            None => OfficeHours::default(),
        }
    }

    async fn unit_id_by_code(&self, tenant: Uuid, code: &str) -> Result<Uuid, AppError> {
        sen_store::org::unit_by_code(&self.db, tenant, code)
            .await?
            .map(|u| u.id)
            .ok_or_else(|| AppError::not_found("unit", code))
    }

    /// The unit that acts at `step` (the handling agency when the step names none).
    async fn step_unit(
        &self,
        tenant: Uuid,
        p: &Procedure,
        step: Option<&str>,
    ) -> Result<Uuid, AppError> {
        let process = p.process();
        let step = match step {
            Some(id) => process.step(id),
            None => process.steps.first(),
        };
        let code = step
            .and_then(|s| s.unit.clone())
            .unwrap_or_else(|| p.spec.competent_units[0].clone());
        self.unit_id_by_code(tenant, &code).await
    }

    /// Receives a dossier at the counter: it gets its code, its due date and
    /// the receipt (Form 01) at once.
    pub async fn receive_at_counter(
        &self,
        actor: &Actor,
        tenant: Uuid,
        intake: Intake,
    ) -> Result<Dossier, AppError> {
        let applicant = check_applicant(&intake.applicant)?;
        let procedure = self.procedure(tenant, intake.procedure_code.trim()).await?;
        let desk = match (intake.receiving_unit_id, actor) {
            (Some(u), _) => u,
            (None, Actor::Staff { grants, .. }) => grants
                .iter()
                .find(|g| g.role.allows(Permission::DossierReceive))
                .map(|g| g.unit_id)
                .ok_or(AppError::Forbidden(Permission::DossierReceive))?,
            (None, _) => self.step_unit(tenant, &procedure, None).await?,
        };
        self.require(actor, Permission::DossierReceive, desk)
            .await?;
        // (On PostgreSQL these reads are answered from memory once made:
        // `Db::reference`. Made at the same time they cost SQLite's
        // intakes a fifth of their rate.)
        let calendar = self.calendar(tenant).await?;
        let first_unit = self.step_unit(tenant, &procedure, None).await?;
        // Created and received in one transaction: the code, the row in its
        // received state, the `submitted` and `receive` events, the public
        // view and the receipt notice commit together or not at all.
        let hours = Self::office_hours(&procedure);
        let ctx = std::sync::Arc::new(ActionContext {
            action: Action::Receive,
            calendar,
            hours,
            tag: actor.tag(),
            kind: ActionKind::Receive,
            now: self.now_local(),
            now_utc: self.now(),
            procedure,
        });
        let id = new_id();
        // Concurrent intakes are written together (group commit, see
        // `sen_store::group`): each still gets its own code, events, view
        // and notice, durable when this returns.
        let row = self
            .intakes()
            .submit(CounterIntake {
                id,
                tenant,
                desk,
                first_unit,
                ctx,
                applicant: std::sync::Arc::new(applicant),
            })
            .await?;
        // The row as committed: no need to read it back.
        view(row)
    }

    /// A citizen submits online (full or partial online procedures only); an
    /// officer then receives it.
    pub async fn submit_online(
        &self,
        actor: &Actor,
        tenant: Uuid,
        procedure_code: &str,
        applicant: Applicant,
    ) -> Result<Dossier, AppError> {
        let Actor::Citizen { id: citizen } = actor else {
            return Err(AppError::Unauthenticated);
        };
        let applicant = check_applicant(&applicant)?;
        let procedure = self.procedure(tenant, procedure_code.trim()).await?;
        if procedure.spec.online_level == "none" {
            return Err(AppError::conflict(
                format!("Thủ tục «{}» chưa cung cấp dịch vụ công trực tuyến; vui lòng nộp tại Bộ phận Một cửa", procedure.spec.name),
                format!("procedure «{}» is not offered online; please apply at the one-stop desk", procedure.spec.name),
            ));
        }
        let desk = self.step_unit(tenant, &procedure, None).await?;
        let id = self
            .create_dossier(
                actor,
                tenant,
                &procedure,
                applicant,
                desk,
                "online",
                Some(*citizen),
            )
            .await?;
        self.dossier_by_id(id).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_dossier(
        &self,
        actor: &Actor,
        tenant: Uuid,
        procedure: &Procedure,
        applicant: Applicant,
        desk: Uuid,
        channel: &'static str,
        citizen: Option<Uuid>,
    ) -> Result<Uuid, AppError> {
        let id = new_id();
        let tag = actor.tag();
        let now = self.now();
        let db = self.db.clone();
        let procedure = std::sync::Arc::new(procedure.clone());
        self.db
            .transaction(|tx| {
                let (db, tag, applicant, procedure) = (
                    db.clone(),
                    tag.clone(),
                    applicant.clone(),
                    procedure.clone(),
                );
                Box::pin(async move {
                    let (row, submitted) = new_dossier(
                        tx,
                        NewDossier {
                            id,
                            tenant,
                            procedure: &procedure,
                            applicant: &applicant,
                            desk,
                            channel,
                            citizen,
                            tag: &tag,
                            now,
                        },
                    )
                    .await?;
                    store::insert(tx, &row).await?;
                    crate::public::record_new_dossier_events(&db, tx, id, vec![submitted]).await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(id)
    }

    pub async fn dossier_by_id(&self, id: Uuid) -> Result<Dossier, AppError> {
        view(
            store::by_id(&self.db, id)
                .await?
                .ok_or_else(|| AppError::not_found("dossier", id))?,
        )
    }

    /// A dossier for staff who may see it (any dossier permission on its
    /// current or receiving unit) or for the citizen who submitted it.
    pub async fn dossier(&self, actor: &Actor, id: Uuid) -> Result<Dossier, AppError> {
        let d = self.dossier_by_id(id).await?;
        match actor {
            Actor::Citizen { id: c } if d.row.citizen_id == Some(*c) => Ok(d),
            Actor::Citizen { .. } => Err(AppError::not_found("dossier", id)),
            _ => {
                // The unit holding it, the desk that received it, and the lead
                // agency, which answers for it throughout.
                let procedure = self.procedure_by_id(d.row.procedure_id).await?;
                let lead = self
                    .unit_id_by_code(d.row.tenant_id, &procedure.spec.competent_units[0])
                    .await?;
                for unit in [d.row.current_unit_id, d.row.receiving_unit_id, lead] {
                    for p in [
                        Permission::DossierReceive,
                        Permission::DossierProcess,
                        Permission::DossierApprove,
                        Permission::ReportRead,
                    ] {
                        if self.require(actor, p, unit).await.is_ok() {
                            return Ok(d);
                        }
                    }
                }
                Err(AppError::Forbidden(Permission::DossierProcess))
            }
        }
    }

    /// The work queue: open dossiers at units where the actor holds a
    /// dossier role (and below), due soonest first; a citizen gets their own.
    pub async fn dossiers(
        &self,
        actor: &Actor,
        tenant: Uuid,
        statuses: Vec<String>,
    ) -> Result<Vec<Dossier>, AppError> {
        let filter = match actor {
            Actor::Citizen { id } => DossierFilter {
                citizen_id: Some(*id),
                statuses,
                limit: 500,
                ..Default::default()
            },
            Actor::Staff { grants, .. } => {
                let all = sen_store::org::units(&self.db, tenant, None).await?;
                let roots: Vec<Uuid> = grants
                    .iter()
                    .filter(|g| {
                        [
                            Permission::DossierReceive,
                            Permission::DossierProcess,
                            Permission::DossierApprove,
                            Permission::ReportRead,
                        ]
                        .iter()
                        .any(|p| g.role.allows(*p))
                    })
                    .map(|g| g.unit_id)
                    .collect();
                let units = crate::org::subtree(&all, &roots);
                if units.is_empty() {
                    return Err(AppError::Forbidden(Permission::DossierProcess));
                }
                DossierFilter {
                    units,
                    statuses,
                    limit: 500,
                    ..Default::default()
                }
            }
            _ => DossierFilter {
                statuses,
                limit: 500,
                ..Default::default()
            },
        };
        store::list(&self.db, tenant, &filter)
            .await?
            .into_iter()
            .map(view)
            .collect()
    }

    /// Applies an action to a dossier: checks the state machine, the process
    /// step and the actor's permission; moves the legal clock; records the
    /// event; queues the notices.
    pub async fn act(&self, actor: &Actor, id: Uuid, action: Action) -> Result<Dossier, AppError> {
        let row = store::by_id(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("dossier", id))?;
        let procedure = self.procedure_by_id(row.procedure_id).await?;
        let kind = action.kind();
        // Who may do it.
        match actor {
            Actor::Citizen { id: c } => {
                if row.citizen_id != Some(*c) {
                    return Err(AppError::not_found("dossier", id));
                }
                if !kind.by_applicant() {
                    return Err(AppError::Forbidden(kind.permissions()[0]));
                }
            }
            Actor::Staff { grants, .. } => {
                if !self.staff_may(grants, kind, &row, &procedure).await? {
                    return Err(AppError::Forbidden(kind.permissions()[0]));
                }
            }
            Actor::Operator | Actor::System => {}
        }
        // An extension is approved by the one who records it.
        let action = match (action, actor) {
            (
                Action::Extend {
                    new_due, reason, ..
                },
                Actor::Staff { id, .. },
            ) => Action::Extend {
                new_due,
                approved_by: *id,
                reason,
            },
            (a, _) => a,
        };
        let tenant = row.tenant_id;
        let calendar = self.calendar(tenant).await?;
        let hours = Self::office_hours(&procedure);
        let ctx = std::sync::Arc::new(ActionContext {
            procedure,
            action,
            calendar,
            hours,
            tag: actor.tag(),
            kind,
            now: self.now_local(),
            now_utc: self.now(),
        });
        // The unit of the step the action sends the dossier to (the action
        // names it; receiving places it at the first step). Resolved before
        // the transaction: procedure versions never change.
        let target_step = match &ctx.action {
            Action::HandOff { to_step } | Action::SendBack { to_step, .. } => {
                Some(Some(to_step.trim()))
            }
            Action::Receive => Some(None),
            _ => None,
        };
        let next_unit = match target_step {
            Some(step) => Some(self.step_unit(tenant, &ctx.procedure, step).await?),
            None => None,
        };
        let db = self.db.clone();
        let dossier_id = id;
        self.db
            .transaction(|tx| {
                let (db, ctx) = (db.clone(), ctx.clone());
                Box::pin(async move {
                    let (current, view) = store::by_id_with_view_in_tx(&db, tx, dossier_id)
                        .await?
                        .ok_or_else(|| AppError::not_found("dossier", dossier_id))?;
                    let Change {
                        mut row,
                        event,
                        notice,
                    } = compute_change(&ctx, current)?;
                    if let Some(u) = next_unit {
                        row.current_unit_id = u;
                    } else if row.status == "result_ready" {
                        // The result goes back to the desk that returns it.
                        row.current_unit_id = row.receiving_unit_id;
                    }
                    store::update(tx, &row).await?;
                    let prior = view
                        .as_deref()
                        .and_then(crate::public::PublicView::parse_current);
                    let ev = crate::public::record_dossier_events(
                        &db,
                        tx,
                        dossier_id,
                        prior,
                        vec![event.unit(row.current_unit_id)],
                    )
                    .await?
                    .pop()
                    .ok_or_else(|| AppError::Internal("no event appended".into()))?;
                    if let Some(n) = notice {
                        queue_notice(tx, &row, n, &ev.id.to_string()).await?;
                    }
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        self.dossier_by_id(id).await
    }
}

/// One dossier received at the counter, everything decided but its code.
#[derive(Clone)]
pub(crate) struct CounterIntake {
    id: Uuid,
    tenant: Uuid,
    desk: Uuid,
    first_unit: Uuid,
    ctx: std::sync::Arc<ActionContext>,
    applicant: std::sync::Arc<Applicant>,
}

/// Receives dossiers at the counter, many in one transaction (see
/// `sen_store::group`), with the locks of a single intake in its order:
/// the codes (each agency's counter of the day moved once) and the chain
/// head in one statement, then the rows with their public views, their
/// monitoring counters, the `submitted` and `receive` events chained and
/// the receipt notices in another (`sen_store::intake`).
pub(crate) struct CounterIntakes {
    db: sen_store::Db,
}

impl sen_store::group::BatchWork for CounterIntakes {
    type Item = CounterIntake;
    /// The row as written.
    type Output = StoredDossier;
    type Error = AppError;

    fn run<'c>(
        &'c self,
        tx: &'c mut sen_store::Tx,
        items: &'c [CounterIntake],
    ) -> sen_store::BoxFuture<'c, Result<Vec<StoredDossier>, AppError>> {
        Box::pin(async move {
            // Codes: each counter moved once by its number of items, which
            // are numbered in their order; the chain head locked after
            // the counters (`sen_store::intake`).
            let keys: Vec<String> = items
                .iter()
                .map(|it| code_counter(&it.ctx.procedure, it.ctx.now_utc))
                .collect();
            let mut wanted = std::collections::BTreeMap::<String, i64>::new();
            for key in &keys {
                *wanted.entry(key.clone()).or_default() += 1;
            }
            let (mut next, mut head) = sen_store::intake::draw(&self.db, tx, &wanted).await?;
            for (key, last) in next.iter_mut() {
                *last -= wanted.get(key).copied().unwrap_or(1) - 1;
            }
            let mut rows = Vec::with_capacity(items.len());
            let mut events = Vec::with_capacity(2 * items.len());
            let mut notices = Vec::with_capacity(items.len());
            for (it, key) in items.iter().zip(&keys) {
                let seq = next
                    .get_mut(key.as_str())
                    .ok_or_else(|| AppError::Internal(format!("no number drawn for {key}")))?;
                let (row, submitted) = dossier_row(
                    NewDossier {
                        id: it.id,
                        tenant: it.tenant,
                        procedure: &it.ctx.procedure,
                        applicant: &it.applicant,
                        desk: it.desk,
                        channel: "counter",
                        citizen: None,
                        tag: &it.ctx.tag,
                        now: it.ctx.now_utc,
                    },
                    *seq,
                )?;
                *seq += 1;
                let Change {
                    mut row,
                    event,
                    notice,
                } = compute_change(&it.ctx, row)?;
                row.current_unit_id = it.first_unit;
                events.push(submitted);
                events.push(event.unit(row.current_unit_id));
                notices.push(notice);
                rows.push(row);
            }
            let sealed = head.seal(events);
            let mut views = Vec::with_capacity(rows.len());
            let mut messages = Vec::new();
            for ((row, notice), pair) in rows.iter().zip(notices).zip(sealed.chunks(2)) {
                views.push(crate::public::PublicView::fold(pair)?.to_json()?);
                if let (Some(n), Some(ev)) = (notice, pair.last()) {
                    messages.extend(notice_messages(row, n, &ev.id.to_string()));
                }
            }
            sen_store::intake::write(
                &self.db,
                tx,
                sen_store::intake::NewDossiers {
                    rows: &rows,
                    views: &views,
                    events: &sealed,
                    head: &head,
                    messages: &messages,
                },
            )
            .await?;
            Ok(rows)
        })
    }
}

impl App {
    /// The queue of counter intakes, its writer started on first use.
    fn intakes(&self) -> &sen_store::group::Batcher<CounterIntakes> {
        self.intakes.get_or_init(|| {
            sen_store::group::Batcher::start(
                self.db.clone(),
                CounterIntakes {
                    db: self.db.clone(),
                },
            )
        })
    }
}

/// What a new dossier is made of.
struct NewDossier<'a> {
    id: Uuid,
    tenant: Uuid,
    procedure: &'a Procedure,
    applicant: &'a Applicant,
    desk: Uuid,
    channel: &'static str,
    citizen: Option<Uuid>,
    tag: &'a str,
    now: chrono::DateTime<Utc>,
}

/// Draws the dossier's code from the agency's counter of the day (in `tx`,
/// so a rollback gives the number back) and makes its row, in the
/// `submitted` state, and its `dossier.submitted` event. Writes neither.
async fn new_dossier(
    tx: &mut sen_store::Tx,
    n: NewDossier<'_>,
) -> Result<(StoredDossier, NewEvent), AppError> {
    let seq = counters::next(tx, &code_counter(n.procedure, n.now)).await?;
    dossier_row(n, seq)
}

/// The counter that numbers new dossiers' codes: the lead agency's, per
/// day received.
fn code_counter(procedure: &Procedure, now: chrono::DateTime<Utc>) -> String {
    let agency = &procedure.spec.competent_units[0];
    let date = dossier::received_date(now);
    format!("dossier:{agency}:{}", date.format("%Y%m%d"))
}

/// A new dossier's row, in the `submitted` state, and its
/// `dossier.submitted` event, numbered `seq` on its [`code_counter`].
fn dossier_row(n: NewDossier<'_>, seq: i64) -> Result<(StoredDossier, NewEvent), AppError> {
    let agency = &n.procedure.spec.competent_units[0];
    let format = CodeFormat::default();
    let date = dossier::received_date(n.now);
    let code = format.render(agency, date, seq as u32)?;
    let state = Projection::default();
    let a = n.applicant;
    let row = StoredDossier {
        id: n.id,
        tenant_id: n.tenant,
        code: code.clone(),
        procedure_id: n.procedure.id,
        receiving_unit_id: n.desk,
        current_unit_id: n.desk,
        status: state.domain.status.as_str().into(),
        channel: n.channel.into(),
        applicant_name: a.name.clone(),
        applicant_phone: a.phone.clone(),
        applicant_email: a.email.clone(),
        applicant_id_number: a.id_number.clone(),
        citizen_id: n.citizen,
        received_at: None,
        due_at: None,
        completed_at: None,
        timeliness: None,
        rating: None,
        state: serde_json::to_string(&state).map_err(|e| AppError::Internal(e.to_string()))?,
        created_at: now_utc(),
        updated_at: now_utc(),
    };
    let p = n.procedure;
    let event = NewEvent::new(n.tag, "dossier.submitted", "dossier", Some(n.id.to_string()))
        .unit(n.desk)
        .payload(json!({"code": code, "channel": n.channel, "to": "submitted",
            "procedure": {"id": p.id, "code": p.spec.code, "version": p.version, "name": p.spec.name},
            "applicant": a}));
    Ok((row, event))
}

/// What one action needs, shared by every attempt of its transaction.
struct ActionContext {
    procedure: Procedure,
    action: Action,
    calendar: sen_calendar::Calendar,
    hours: OfficeHours,
    tag: String,
    kind: ActionKind,
    /// Vietnam local time of the action.
    now: NaiveDateTime,
    now_utc: chrono::DateTime<Utc>,
}

/// Computes the new projection row and the event of an action on `row`.
fn compute_change(ctx: &ActionContext, row: StoredDossier) -> Result<Change, AppError> {
    let ActionContext {
        procedure,
        action,
        calendar,
        hours,
        tag,
        kind,
        now,
        now_utc,
    } = ctx;
    let (now, stamp) = (*now, sen_store::fmt_time(*now_utc));
    let (calendar, hours, kind) = (calendar, hours, *kind);

    let mut proj = projection(&row)?;
    let t = dossier::apply_in_process(&procedure.process(), &proj.domain, &action)
        .map_err(transition_error)?;
    let mut row = row;
    let prev_step = proj.domain.step.clone();
    proj.domain = t.state.clone();
    let mut extra = serde_json::Map::new();
    match t.clock {
        Clock::Start => {
            let due = calendar
                .add_working_days(now, procedure.spec.processing_days, &hours)
                .map_err(|e| AppError::Internal(format!("deadline: {e}")))?;
            proj.domain.due = Some(due);
            proj.original_due = Some(due);
            row.received_at = Some(stamp.clone());
            extra.insert("received_at_local".into(), json!(fmt_local(now)));
        }
        Clock::Pause => proj.paused_since = Some(now),
        Clock::Resume => {
            if let (Some(due), Some(from)) = (proj.domain.due, proj.paused_since) {
                let paused = calendar.paused_working_days(from, now, &hours).unwrap_or(0);
                let moved = calendar
                    .extend_by_pause(due, from, now, &hours)
                    .map_err(|e| AppError::Internal(format!("deadline: {e}")))?;
                extra.insert("paused_working_days".into(), json!(paused));
                extra.insert("due_before".into(), json!(fmt_local(due)));
                proj.domain.due = Some(moved);
            }
            proj.paused_since = None;
        }
        Clock::Finish => {
            row.completed_at = Some(stamp.clone());
            if let Some(due) = proj.domain.due {
                let t = Timeliness::classify(due, now, TimelinessRule::DueDay);
                row.timeliness = Some(t.as_str().into());
                extra.insert("timeliness".into(), json!(t.as_str()));
            }
        }
        Clock::Cancel => row.completed_at = Some(stamp.clone()),
        Clock::Unchanged => {}
    }
    // Each step has its own due time; leaving a step records whether it
    // finished early, on time or late (Form 06).
    let first_step = || procedure.spec.steps.first().map(|s| s.id.clone());
    let step_changed = t.state.step != prev_step || kind == ActionKind::Receive;
    if (step_changed && kind != ActionKind::Receive) || t.clock == Clock::Finish {
        if let (Some(step), Some(due)) = (prev_step.clone().or_else(first_step), proj.step_due) {
            let r = Timeliness::classify(due, now, TimelinessRule::DueTime);
            extra.insert(
                "step_result".into(),
                json!({"step": step, "due": fmt_local(due), "done": fmt_local(now), "timeliness": r.as_str()}),
            );
        }
    }
    if step_changed && t.clock != Clock::Finish {
        let step_id = t.state.step.clone().or_else(first_step);
        let share = step_id
            .as_deref()
            .and_then(|id| procedure.spec.steps.iter().find(|s| s.id == id))
            .map(|s| s.time.hours() as u32);
        if let Some(h) = share {
            let due = calendar
                .add_working_hours(now, h, hours)
                .map_err(|e| AppError::Internal(format!("deadline: {e}")))?;
            proj.step_entered = Some(now);
            proj.step_due = Some(due);
            extra.insert("step_due".into(), json!(fmt_local(due)));
        }
    }
    if matches!(t.action, Action::Extend { .. }) || t.clock == Clock::Resume {
        // A new due time deserves its own warnings.
        proj.overdue_flagged = false;
        proj.due_today_flagged = false;
    }
    if let Action::Rate { score } = &t.action {
        row.rating = Some(i64::from(*score));
    }
    row.status = proj.domain.status.as_str().into();
    row.due_at = proj.domain.due.map(fmt_local);
    row.state = serde_json::to_string(&proj).map_err(|e| AppError::Internal(e.to_string()))?;
    row.updated_at = stamp.clone();
    let mut payload = json!({
        "code": row.code,
        "action": t.action,
        "from": t.from.as_str(),
        "to": t.state.status.as_str(),
        "step": t.state.step,
        "due": row.due_at,
        "forms": t.forms.iter().map(|f| format!("{:02}", f.number())).collect::<Vec<_>>(),
        "at_local": fmt_local(now),
    });
    if let Value::Object(m) = &mut payload {
        m.extend(extra);
    }
    let event = NewEvent::new(
        tag.clone(),
        format!("dossier.{}", kind.as_str()),
        "dossier",
        Some(row.id.to_string()),
    )
    .payload(payload);
    Ok(Change {
        row,
        event,
        notice: t.notice,
    })
}

impl App {
    /// Whether staff holding `grants` may take `kind` on the dossier: the
    /// desk's acts (and the applicant's, done at the desk) on the receiving
    /// unit; the rest on the unit holding the dossier. Refusing, stopping and
    /// extending may also be done by the leaders of the lead agency, who
    /// answer for the dossier while another agency works on it.
    async fn staff_may(
        &self,
        grants: &[access::Grant],
        kind: ActionKind,
        row: &StoredDossier,
        procedure: &Procedure,
    ) -> Result<bool, AppError> {
        let mut units = vec![match kind {
            ActionKind::Receive
            | ActionKind::Return
            | ActionKind::RejectAtIntake
            | ActionKind::Supplement
            | ActionKind::Withdraw
            | ActionKind::Rate => row.receiving_unit_id,
            _ => row.current_unit_id,
        }];
        if matches!(
            kind,
            ActionKind::Refuse | ActionKind::Stop | ActionKind::Extend
        ) {
            units.push(
                self.unit_id_by_code(row.tenant_id, &procedure.spec.competent_units[0])
                    .await?,
            );
        }
        for unit in units {
            let mut path = vec![unit];
            path.extend(sen_store::org::ancestors_ro(&self.db, unit).await?);
            if kind
                .permissions()
                .iter()
                .any(|p| access::is_allowed(grants, *p, &path))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// An action the actor can take now, with the steps it may go to.
#[derive(Debug, Clone, Serialize)]
pub struct AvailableAction {
    pub kind: ActionKind,
    /// (step id, step name) for hand-offs and send-backs.
    pub steps: Vec<(String, String)>,
}

impl App {
    /// The actions `actor` may take on the dossier now: allowed by its
    /// status, by the process step, and by the actor's roles.
    pub async fn available_actions(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<AvailableAction>, AppError> {
        let d = self.dossier(actor, id).await?;
        let procedure = self.procedure_by_id(d.row.procedure_id).await?;
        let process = procedure.process();
        let proj = projection(&d.row)?;
        let step = proj
            .domain
            .step
            .clone()
            .or_else(|| process.steps.first().map(|s| s.id.clone()));
        let current = step.as_deref().and_then(|s| process.step(s));
        let grants = match actor {
            Actor::Staff { grants, .. } => grants.clone(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for kind in proj.domain.status.allowed_actions() {
            if kind.is_step_bound() && !current.is_some_and(|s| s.actions.contains(&kind)) {
                continue;
            }
            if kind == ActionKind::Rate && proj.domain.rated {
                continue;
            }
            let permitted = matches!(actor, Actor::Operator)
                || self.staff_may(&grants, kind, &d.row, &procedure).await?;
            if !permitted {
                continue;
            }
            let steps = match (kind, &step) {
                (ActionKind::HandOff, Some(s)) => process
                    .successors(s)
                    .into_iter()
                    .filter_map(|id| process.step(id))
                    .map(|st| (st.id.clone(), st.name.clone()))
                    .collect(),
                (ActionKind::SendBack, Some(s)) => process
                    .steps
                    .iter()
                    .filter(|st| &st.id != s)
                    .map(|st| (st.id.clone(), st.name.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            out.push(AvailableAction { kind, steps });
        }
        Ok(out)
    }
}

/// The text of a notice, Vietnamese first.
fn notice_text(row: &StoredDossier, n: Notice) -> (String, String) {
    let due = row
        .due_at
        .as_deref()
        .and_then(|d| NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M").ok())
        .map(sen_domain::vi::long_datetime)
        .unwrap_or_default();
    let code = &row.code;
    match n {
        Notice::Receipt => (
            format!("Hồ sơ {code} đã được tiếp nhận"),
            format!("Hồ sơ {code} đã được tiếp nhận. Hẹn trả kết quả: {due}. Tra cứu: nhắn TRACUU {code}."),
        ),
        Notice::SupplementRequest => (
            format!("Hồ sơ {code} cần bổ sung"),
            format!("Hồ sơ {code} cần bổ sung thành phần. Vui lòng xem Phiếu yêu cầu bổ sung (Mẫu 02) và nộp bổ sung."),
        ),
        Notice::Refusal => (
            format!("Hồ sơ {code} không được giải quyết"),
            format!("Hồ sơ {code} bị từ chối giải quyết. Lý do ghi trong Phiếu từ chối (Mẫu 03)."),
        ),
        Notice::Stop => (format!("Hồ sơ {code} dừng xử lý"), format!("Hồ sơ {code} đã dừng xử lý (Mẫu 05).")),
        Notice::Delay => (
            format!("Hồ sơ {code} trễ hẹn"),
            format!("Xin lỗi: hồ sơ {code} chưa thể trả đúng hẹn. Ngày hẹn mới: {due} (Phiếu xin lỗi, Mẫu 04)."),
        ),
        Notice::ResultReady => (format!("Hồ sơ {code} đã có kết quả"), format!("Hồ sơ {code} đã có kết quả. Mời ông/bà nhận kết quả.")),
        Notice::Withdrawal => (format!("Hồ sơ {code} đã được rút"), format!("Hồ sơ {code} đã được rút theo yêu cầu của ông/bà.")),
    }
}

async fn queue_notice(
    tx: &mut sen_store::Tx,
    row: &StoredDossier,
    n: Notice,
    event_id: &str,
) -> Result<(), AppError> {
    outbox::enqueue_many(tx, &notice_messages(row, n, event_id)).await?;
    Ok(())
}

/// The SMS and e-mail telling the applicant of `n`, for the contacts the
/// dossier has, keyed by the event so each is sent once.
fn notice_messages(row: &StoredDossier, n: Notice, event_id: &str) -> Vec<outbox::NewMessage> {
    // Due at once (the row's own time, which follows the app's clock).
    let (subject, body) = notice_text(row, n);
    [
        ("sms", &row.applicant_phone),
        ("email", &row.applicant_email),
    ]
    .into_iter()
    .filter_map(|(channel, to)| {
        to.as_ref().map(|to| outbox::NewMessage {
            channel: channel.into(),
            recipient: to.clone(),
            subject: subject.clone(),
            body: body.clone(),
            idempotency_key: format!("{event_id}:{channel}"),
            now: row.updated_at.clone(),
        })
    })
    .collect()
}
