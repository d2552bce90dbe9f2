//! The forms of Thông tư 03/2025 for a dossier, rendered from its events:
//! what a form says is what the event log recorded, so a form can be
//! produced again at any time and always says the same.

use crate::{Actor, App, AppError};
use chrono::NaiveDateTime;
use sen_domain::audit::Event;
use sen_forms as f;
use sen_store::events::{self, EventFilter};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// A form available for a dossier.
#[derive(Debug, Clone, Serialize)]
pub struct AvailableForm {
    pub number: &'static str,
    pub title: &'static str,
}

fn local(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok()
}

fn event_local(e: &Event) -> NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(&e.at)
        .map(|t| t.with_timezone(&sen_domain::vi::vn_offset()).naive_local())
        .unwrap_or_default()
}

struct Facts {
    code: String,
    procedure_id: Uuid,
    applicant: f::Applicant,
    events: Vec<(Event, Value)>,
}

impl App {
    async fn form_facts(&self, actor: &Actor, id: Uuid) -> Result<Facts, AppError> {
        let d = self.dossier(actor, id).await?;
        let evs = events::list(
            &self.db,
            &EventFilter {
                object_type: Some("dossier".into()),
                object_id: Some(id.to_string()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
        let events: Vec<(Event, Value)> = evs
            .into_iter()
            .map(|e| {
                let p = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
                (e, p)
            })
            .collect();
        let a = events
            .iter()
            .find(|(e, _)| e.action == "dossier.submitted")
            .map(|(_, p)| p["applicant"].clone())
            .unwrap_or(Value::Null);
        let s = |k: &str| a[k].as_str().map(str::to_string);
        Ok(Facts {
            code: d.row.code.clone(),
            procedure_id: d.row.procedure_id,
            applicant: f::Applicant {
                name: d.row.applicant_name.clone(),
                phone: s("phone"),
                email: s("email"),
                address: s("address"),
            },
            events,
        })
    }

    /// The name of whoever an event's actor tag names.
    async fn actor_name(&self, tag: &str) -> String {
        if let Some(id) = tag
            .strip_prefix("user:")
            .and_then(|s| Uuid::parse_str(s).ok())
        {
            if let Ok(Some(a)) = sen_store::accounts::by_id(&self.db, id).await {
                return a.full_name;
            }
        }
        String::new()
    }

    async fn agency_of(&self, tenant: Uuid, unit_code: &str) -> Result<f::Agency, AppError> {
        let (t, _) = self.public_overview().await?;
        let province = t.map(|t| t.name).unwrap_or_default();
        let place = province
            .split(" (")
            .next()
            .unwrap_or_default()
            .trim_start_matches("Tỉnh ")
            .trim_start_matches("Thành phố ")
            .to_string();
        let unit = sen_store::org::unit_by_code(&self.db, tenant, unit_code)
            .await?
            .ok_or_else(|| AppError::not_found("unit", unit_code))?;
        let root = self.root_unit(tenant).await?;
        let parent = if unit.id == root {
            None
        } else {
            sen_store::org::unit(&self.db, root).await?.map(|u| u.name)
        };
        Ok(f::Agency {
            parent,
            name: unit.name,
            place,
        })
    }

    fn signer(name: String, leader: bool) -> f::Signer {
        f::Signer {
            authority: None,
            title: if leader {
                "LÃNH ĐẠO ĐƠN VỊ".into()
            } else {
                "CÁN BỘ THỤ LÝ".into()
            },
            name,
        }
    }

    /// The forms a dossier has so far.
    pub async fn dossier_forms(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<AvailableForm>, AppError> {
        let facts = self.form_facts(actor, id).await?;
        let has = |a: &str| facts.events.iter().any(|(e, _)| e.action == a);
        let mut out = Vec::new();
        let mut push = |n: &'static str, t: &'static str| {
            out.push(AvailableForm {
                number: n,
                title: t,
            })
        };
        if has("dossier.receive") {
            push("01", f::TITLE_01);
        }
        if has("dossier.request_supplement") {
            push("02", f::TITLE_02);
        }
        if has("dossier.refuse") || has("dossier.reject_at_intake") {
            push("03", f::TITLE_03);
        }
        if has("dossier.extend") {
            push("04", f::TITLE_04);
        }
        if has("dossier.stop") {
            push("05", f::TITLE_05);
        }
        if has("dossier.receive") {
            push("06", f::TITLE_06);
        }
        Ok(out)
    }

    /// One form of a dossier as PDF.
    pub async fn dossier_form_pdf(
        &self,
        actor: &Actor,
        id: Uuid,
        number: &str,
    ) -> Result<Vec<u8>, AppError> {
        let facts = self.form_facts(actor, id).await?;
        let procedure = self.procedure_by_id(facts.procedure_id).await?;
        let tenant = sen_store::dossiers::by_id(&self.db, id)
            .await?
            .map(|d| d.tenant_id)
            .ok_or_else(|| AppError::not_found("dossier", id))?;
        let agency = self
            .agency_of(tenant, &procedure.spec.competent_units[0])
            .await?;
        let missing = || AppError::not_found("form", format!("{} / {number}", facts.code));
        let last = |action: &str| facts.events.iter().rev().find(|(e, _)| e.action == action);
        let received = last("dossier.receive").ok_or_else(missing)?;
        let received_at = received.1["received_at_local"]
            .as_str()
            .and_then(local)
            .unwrap_or_else(|| event_local(&received.0));
        let first_due = received.1["due"]
            .as_str()
            .and_then(local)
            .unwrap_or(received_at);
        let current_due = facts
            .events
            .iter()
            .rev()
            .find_map(|(_, p)| p["due"].as_str().and_then(local))
            .unwrap_or(first_due);
        let name = procedure.spec.name.clone();
        let form = match number {
            "01" => f::Form::Receipt(f::Receipt {
                agency,
                number: None,
                dossier_code: facts.code.clone(),
                applicant: facts.applicant.clone(),
                procedure: name,
                components: procedure
                    .spec
                    .components
                    .iter()
                    .map(|c| f::Component {
                        name: c.name.clone(),
                        originals: c.originals,
                        copies: c.copies,
                    })
                    .collect(),
                sets: 1,
                processing_time: Some(format!("{} ngày làm việc", procedure.spec.processing_days)),
                received_at,
                due_at: first_due,
                result_delivery: "Trực tiếp tại Bộ phận Một cửa".into(),
                officer_name: self.actor_name(&received.0.actor).await,
                lookup_url: format!(
                    "{}/tra-cuu?ma={}",
                    self.settings.public_url.trim_end_matches('/'),
                    facts.code
                ),
            }),
            "02" => {
                let (e, p) = last("dossier.request_supplement").ok_or_else(missing)?;
                let reason = p["action"]["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let mut items: Vec<f::SupplementItem> = p["action"]["missing"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.as_str())
                    .map(|m| f::SupplementItem {
                        what: m.to_string(),
                        why: reason.clone(),
                        how: "Nộp bổ sung tại Bộ phận Một cửa hoặc trên Cổng dịch vụ công".into(),
                    })
                    .collect();
                if items.is_empty() {
                    items.push(f::SupplementItem {
                        what: reason.clone(),
                        why: reason.clone(),
                        how: "Nộp bổ sung tại Bộ phận Một cửa hoặc trên Cổng dịch vụ công".into(),
                    });
                }
                f::Form::SupplementRequest(f::SupplementRequest {
                    agency,
                    number: None,
                    issued_on: event_local(e).date(),
                    dossier_code: facts.code.clone(),
                    applicant: facts.applicant.clone(),
                    procedure: name,
                    received_at,
                    items,
                    contact: Some("Bộ phận Một cửa".into()),
                    signer: Self::signer(self.actor_name(&e.actor).await, false),
                })
            }
            "03" => {
                let (e, p) = last("dossier.refuse")
                    .or_else(|| last("dossier.reject_at_intake"))
                    .ok_or_else(missing)?;
                f::Form::Refusal(f::Refusal {
                    agency,
                    number: None,
                    issued_on: event_local(e).date(),
                    dossier_code: facts.code.clone(),
                    applicant: facts.applicant.clone(),
                    procedure: name,
                    received_at,
                    reason: p["action"]["reason"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    signer: Self::signer(self.actor_name(&e.actor).await, true),
                })
            }
            "04" => {
                let pos = facts
                    .events
                    .iter()
                    .rposition(|(e, _)| e.action == "dossier.extend")
                    .ok_or_else(missing)?;
                let (e, p) = &facts.events[pos];
                let before = facts.events[..pos]
                    .iter()
                    .rev()
                    .find_map(|(_, p)| p["due"].as_str().and_then(local))
                    .unwrap_or(first_due);
                f::Form::Apology(f::Apology {
                    agency,
                    number: None,
                    issued_on: event_local(e).date(),
                    dossier_code: facts.code.clone(),
                    applicant: facts.applicant.clone(),
                    procedure: name,
                    received_at,
                    original_due: before,
                    reason: p["action"]["reason"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    new_due: p["due"].as_str().and_then(local).unwrap_or(current_due),
                    signer: Self::signer(self.actor_name(&e.actor).await, true),
                })
            }
            "05" => {
                let (e, p) = last("dossier.stop").ok_or_else(missing)?;
                f::Form::StopNotice(f::StopNotice {
                    agency,
                    number: None,
                    issued_on: event_local(e).date(),
                    dossier_code: facts.code.clone(),
                    applicant: facts.applicant.clone(),
                    procedure: name,
                    received_at,
                    reason: p["action"]["reason"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    guidance: Some(
                        "Ông/bà có thể liên hệ Bộ phận Một cửa để được hướng dẫn.".into(),
                    ),
                    signer: Self::signer(self.actor_name(&e.actor).await, true),
                })
            }
            "06" => {
                let step_name = |id: &str| {
                    procedure
                        .spec
                        .steps
                        .iter()
                        .find(|s| s.id == id)
                        .map(|s| s.name.clone())
                        .unwrap_or_else(|| id.to_string())
                };
                let mut handoffs = Vec::new();
                for (e, p) in &facts.events {
                    let r = &p["step_result"];
                    if !r.is_object() {
                        continue;
                    }
                    let from = r["step"].as_str().unwrap_or_default();
                    let to = match p["to"].as_str() {
                        Some("result_ready") => "Bộ phận Một cửa (trả kết quả)".to_string(),
                        _ => p["step"].as_str().map(step_name).unwrap_or_default(),
                    };
                    handoffs.push(f::Handoff {
                        from_step: step_name(from),
                        from_officer: self.actor_name(&e.actor).await,
                        to_step: to,
                        to_officer: String::new(),
                        at: p["at_local"]
                            .as_str()
                            .and_then(local)
                            .unwrap_or_else(|| event_local(e)),
                        result: match r["timeliness"].as_str() {
                            Some("early") => Some(f::Timeliness::Early),
                            Some("on_time") => Some(f::Timeliness::OnTime),
                            Some("late") => Some(f::Timeliness::Late),
                            _ => None,
                        },
                        note: None,
                    });
                }
                let mut coordinating = Vec::new();
                for c in procedure.spec.competent_units.iter().skip(1) {
                    if let Ok(a) = self.agency_of(tenant, c).await {
                        coordinating.push(a.name);
                    }
                }
                let lead = agency.name.clone();
                f::Form::ControlSlip(f::ControlSlip {
                    agency,
                    dossier_code: facts.code.clone(),
                    applicant_name: facts.applicant.name.clone(),
                    procedure: name,
                    received_at,
                    due_at: current_due,
                    lead_unit: lead,
                    coordinating_units: coordinating,
                    handoffs,
                    signer: None,
                })
            }
            _ => return Err(missing()),
        };
        f::render(&form)
            .map_err(|e| AppError::Internal(format!("form {number} of {}: {e}", facts.code)))
    }
}

impl App {
    /// Form 07, the register of dossiers (sổ theo dõi hồ sơ) of the desks
    /// where the actor receives dossiers, for the days `from`..=`to`.
    pub async fn register_pdf(
        &self,
        actor: &Actor,
        tenant: Uuid,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<u8>, AppError> {
        if to < from || (to - from).num_days() > 366 {
            return Err(sen_domain::Invalid::new(
                "to",
                "Khoảng thời gian phải từ 1 ngày đến 1 năm",
                "the period must be 1 day to 1 year",
            )
            .into());
        }
        let desks: Vec<Uuid> = match actor {
            Actor::Staff { grants, .. } => grants
                .iter()
                .filter(|g| {
                    g.role
                        .allows(sen_domain::access::Permission::DossierReceive)
                        || g.role.allows(sen_domain::access::Permission::ReportRead)
                })
                .map(|g| g.unit_id)
                .collect(),
            Actor::Operator => vec![self.root_unit(tenant).await?],
            _ => Vec::new(),
        };
        if desks.is_empty() {
            return Err(AppError::Forbidden(
                sen_domain::access::Permission::DossierReceive,
            ));
        }
        // The desks and every unit below them.
        let all = sen_store::org::units(&self.db, tenant, None).await?;
        let units = crate::org::subtree(&all, &desks);
        let utc = |d: chrono::NaiveDate| {
            let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            sen_store::fmt_time(chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(
                local - chrono::Duration::hours(7),
                chrono::Utc,
            ))
        };
        let rows = sen_store::dossiers::received_between(
            &self.db,
            tenant,
            &units,
            &utc(from),
            &utc(to + chrono::Duration::days(1)),
        )
        .await?;
        let agency = self
            .agency_of(
                tenant,
                &all.iter()
                    .find(|u| u.id == desks[0])
                    .map(|u| u.code.clone())
                    .unwrap_or_default(),
            )
            .await?;
        let mut entries = Vec::new();
        for d in rows {
            let procedure = self.procedure_by_id(d.procedure_id).await?;
            let evs = events::list(
                &self.db,
                &EventFilter {
                    object_type: Some("dossier".into()),
                    object_id: Some(d.id.to_string()),
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await?;
            let day_of = |action: &str| {
                evs.iter()
                    .find(|e| e.action == action)
                    .map(|e| event_local(e).date())
            };
            let received_at = d
                .received_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&sen_domain::vi::vn_offset()).naive_local())
                .unwrap_or_default();
            let handling = all
                .iter()
                .find(|u| u.code == procedure.spec.competent_units[0])
                .map(|u| u.name.clone())
                .unwrap_or_default();
            entries.push(f::RegisterEntry {
                dossier_code: d.code.clone(),
                procedure: procedure.spec.name.clone(),
                sets: 1,
                applicant_name: d.applicant_name.clone(),
                applicant_contact: d
                    .applicant_phone
                    .clone()
                    .or(d.applicant_email.clone())
                    .unwrap_or_default(),
                handling_unit: handling,
                received_at,
                due_at: d.due_at.as_deref().and_then(local).unwrap_or(received_at),
                transferred_on: day_of("dossier.hand_off"),
                result_received_on: day_of("dossier.approve_result"),
                returned_on: day_of("dossier.return"),
                note: d.timeliness.as_deref().map(|t| match t {
                    "early" => "Trước hạn".to_string(),
                    "on_time" => "Đúng hạn".to_string(),
                    _ => "Quá hạn".to_string(),
                }),
            });
        }
        let form = f::Form::Register(f::Register {
            agency,
            from,
            to,
            book: None,
            entries,
            signer: None,
        });
        f::render(&form).map_err(|e| AppError::Internal(format!("form 07: {e}")))
    }
}
