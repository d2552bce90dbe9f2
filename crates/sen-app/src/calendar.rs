//! The province's working calendar: statutory rules plus the official
//! decisions an administrator enters (extra days off, swapped working days,
//! cancelled default holidays).

use crate::{Actor, App, AppError};
use sen_calendar::{Calendar, CalendarError, Decision};
use sen_domain::access::Permission;
use sen_domain::audit::NewEvent;
use sen_domain::Invalid;
use sen_store::calendar as store;
use sen_store::{events, new_id};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    pub id: Uuid,
    #[serde(flatten)]
    pub decision: Decision,
    pub reference: String,
    pub created_by: String,
    pub created_at: String,
}

/// A calendar error as a validation message for the person who caused it.
pub fn invalid(e: CalendarError) -> Invalid {
    let (vi, en) = match &e {
        CalendarError::DuplicateDecision { date } => (format!("Ngày {date} đã có một quyết định khác"), e.to_string()),
        CalendarError::NothingToCancel { date } => (format!("Ngày {date} không phải ngày nghỉ lễ mặc định, không có gì để huỷ"), e.to_string()),
        CalendarError::AlreadyDayOff { date } => (format!("Ngày {date} vốn đã là ngày nghỉ"), e.to_string()),
        CalendarError::AlreadyWorkingDay { date } => (format!("Ngày {date} vốn đã là ngày làm việc"), e.to_string()),
        CalendarError::WorkingDayOnHoliday { date } => (
            format!("Ngày {date} là ngày nghỉ lễ; hãy huỷ ngày lễ bằng quyết định «không nghỉ» thay vì đổi ngày làm việc"),
            e.to_string(),
        ),
        _ => (format!("Lịch làm việc không hợp lệ: {e}"), e.to_string()),
    };
    Invalid::new("decision", vi, en)
}

impl App {
    async fn decision_records(&self, tenant: Uuid) -> Result<Vec<DecisionRecord>, AppError> {
        store::list(&self.db, tenant)
            .await?
            .into_iter()
            .map(|d| {
                let decision: Decision = serde_json::from_str(&d.decision).map_err(|e| {
                    AppError::Internal(format!("stored calendar decision {}: {e}", d.id))
                })?;
                Ok(DecisionRecord {
                    id: d.id,
                    decision,
                    reference: d.reference,
                    created_by: d.created_by,
                    created_at: d.created_at,
                })
            })
            .collect()
    }

    /// The province's calendar as in force now. Public: deadlines are.
    pub async fn calendar(&self, tenant: Uuid) -> Result<Calendar, AppError> {
        let decisions = self
            .decision_records(tenant)
            .await?
            .into_iter()
            .map(|d| d.decision);
        Calendar::new(decisions)
            .map_err(|e| AppError::Internal(format!("stored calendar decisions conflict: {e}")))
    }

    pub async fn calendar_decisions(&self, tenant: Uuid) -> Result<Vec<DecisionRecord>, AppError> {
        self.decision_records(tenant).await
    }

    /// Adds an official decision after checking that the calendar with it
    /// still makes sense (no duplicate date, no decision that changes nothing).
    pub async fn add_calendar_decision(
        &self,
        actor: &Actor,
        tenant: Uuid,
        decision: Decision,
        reference: &str,
    ) -> Result<DecisionRecord, AppError> {
        let root = self.root_unit(tenant).await?;
        self.require(actor, Permission::CatalogueManage, root)
            .await?;
        let reference = reference.trim().to_string();
        if reference.is_empty() || reference.chars().count() > 300 {
            return Err(Invalid::new(
                "reference",
                "Cần ghi căn cứ (số, ký hiệu văn bản quyết định), tối đa 300 ký tự",
                "the decision's reference (number and symbol of the official text) is required, at most 300 characters",
            )
            .into());
        }
        if let Decision::DayOff { name, .. } | Decision::WorkingDay { name, .. } = &decision {
            if name.trim().is_empty() {
                return Err(Invalid::new(
                    "name",
                    "Cần ghi tên ngày nghỉ hoặc lý do đổi ngày",
                    "a name or reason is required",
                )
                .into());
            }
        }
        let existing = self.decision_records(tenant).await?;
        Calendar::new(
            existing
                .iter()
                .map(|d| d.decision.clone())
                .chain([decision.clone()]),
        )
        .map_err(invalid)?;
        let id = new_id();
        let text =
            serde_json::to_string(&decision).map_err(|e| AppError::Internal(e.to_string()))?;
        let date = decision.date().to_string();
        let tag = actor.tag();
        self.db
            .reference_transaction(|tx| {
                let (db, tag, text, date, reference) = (self.db.clone(), tag.clone(), text.clone(), date.clone(), reference.clone());
                Box::pin(async move {
                    store::insert(tx, tenant, id, &date, &text, &reference, &tag).await.map_err(|e| {
                        if e.is_unique_violation() {
                            AppError::conflict(format!("Ngày {date} đã có một quyết định khác"), format!("{date} already has a decision"))
                        } else {
                            e.into()
                        }
                    })?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "calendar.decision_added", "calendar_decision", Some(id.to_string()))
                            .unit(root)
                            .payload(json!({"decision": serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default(), "reference": reference})),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        self.decision_records(tenant)
            .await?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| AppError::Internal("decision vanished".into()))
    }

    pub async fn remove_calendar_decision(
        &self,
        actor: &Actor,
        tenant: Uuid,
        id: Uuid,
    ) -> Result<(), AppError> {
        let root = self.root_unit(tenant).await?;
        self.require(actor, Permission::CatalogueManage, root)
            .await?;
        let remaining: Vec<Decision> = self
            .decision_records(tenant)
            .await?
            .into_iter()
            .filter(|d| d.id != id)
            .map(|d| d.decision)
            .collect();
        Calendar::new(remaining).map_err(invalid)?;
        let tag = actor.tag();
        self.db
            .reference_transaction(|tx| {
                let (db, tag) = (self.db.clone(), tag.clone());
                Box::pin(async move {
                    let old = store::delete(tx, tenant, id).await?.ok_or_else(|| AppError::not_found("calendar_decision", id))?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "calendar.decision_removed", "calendar_decision", Some(id.to_string()))
                            .unit(root)
                            .payload(json!({"decision": serde_json::from_str::<serde_json::Value>(&old).unwrap_or_default()})),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await
    }

    /// The root unit (the People's Committee) of a province.
    pub async fn root_unit(&self, tenant: Uuid) -> Result<Uuid, AppError> {
        sen_store::org::units(&self.db, tenant, None)
            .await?
            .into_iter()
            .find(|u| u.parent_id.is_none())
            .map(|u| u.id)
            .ok_or_else(|| AppError::not_found("tenant", tenant))
    }
}
