//! What the public sees of a dossier: folded from its events, so that the
//! shown status can never disagree with what happened.

use crate::{App, AppError};
use sen_domain::dossier::{ActionKind, DossierStatus};
use sen_store::events::{self, EventFilter};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// Vietnam local time `YYYY-MM-DDTHH:MM`.
    pub at: String,
    pub action: String,
    pub label: String,
    pub label_en: String,
    pub status: String,
    pub status_label: String,
    pub status_label_en: String,
    /// Reasons and missing items (only with personal details).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicDossier {
    pub code: String,
    pub procedure: String,
    pub procedure_code: String,
    pub status: String,
    pub status_label: String,
    pub status_label_en: String,
    /// The current legal due time, Vietnam local.
    pub due: Option<String>,
    pub timeliness: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    /// Whether the caller proved to be the applicant (phone or ID suffix).
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicant_name: Option<String>,
}

fn utc_to_local(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&sen_domain::vi::vn_offset())
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// The applicant proves who they are with the last 4+ digits of their
/// phone number or of their ID number.
fn verifies(row: &sen_store::dossiers::StoredDossier, proof: &str) -> bool {
    let proof: String = proof
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if proof.len() < 4 {
        return false;
    }
    [&row.applicant_phone, &row.applicant_id_number]
        .into_iter()
        .flatten()
        .any(|v| {
            v.to_ascii_uppercase()
                .ends_with(&proof.to_ascii_uppercase())
        })
}

impl App {
    /// The public status of a dossier by its code. Without proof the answer
    /// holds no personal data; with the applicant's phone or ID suffix it
    /// also gives the name and the reasons recorded at each step.
    pub async fn public_lookup(
        &self,
        code: &str,
        proof: Option<&str>,
    ) -> Result<PublicDossier, AppError> {
        let code = code.trim();
        let row = sen_store::dossiers::by_code(&self.db, code)
            .await?
            .ok_or_else(|| AppError::not_found("dossier", code))?;
        let verified = proof.is_some_and(|p| verifies(&row, p));
        self.fold_timeline(&row, verified).await
    }

    /// The timeline with every detail, for staff who may see the dossier.
    pub async fn dossier_history(
        &self,
        actor: &crate::Actor,
        id: uuid::Uuid,
    ) -> Result<PublicDossier, AppError> {
        let d = self.dossier(actor, id).await?;
        self.fold_timeline(&d.row, true).await
    }

    async fn fold_timeline(
        &self,
        row: &sen_store::dossiers::StoredDossier,
        verified: bool,
    ) -> Result<PublicDossier, AppError> {
        let evs = events::list(
            &self.db,
            &EventFilter {
                object_type: Some("dossier".into()),
                object_id: Some(row.id.to_string()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
        let mut status = DossierStatus::Submitted;
        let mut due = None;
        let mut timeliness = None;
        let mut procedure = (String::new(), String::new());
        let mut timeline = Vec::new();
        for e in &evs {
            let p: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            if let Some(to) = p["to"].as_str() {
                status = DossierStatus::parse(to).map_err(|_| {
                    AppError::Internal(format!("event {}: unknown status {to}", e.seq))
                })?;
            }
            if let Some(d) = p["due"].as_str() {
                due = Some(d.to_string());
            }
            if let Some(t) = p["timeliness"].as_str() {
                timeliness = Some(t.to_string());
            }
            if let Some(name) = p["procedure"]["name"].as_str() {
                procedure = (
                    name.to_string(),
                    p["procedure"]["code"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
            let action = e
                .action
                .strip_prefix("dossier.")
                .unwrap_or(&e.action)
                .to_string();
            let (label, label_en) = match ActionKind::parse(&action) {
                Ok(k) => (k.label_vi().to_string(), k.label_en().to_string()),
                Err(_) if action == "submitted" => {
                    ("Nộp hồ sơ".to_string(), "submitted".to_string())
                }
                Err(_) if action == "attachment_added" => {
                    ("Nộp tệp đính kèm".to_string(), "file attached".to_string())
                }
                Err(_) => (action.clone(), action.clone()),
            };
            let detail = if verified {
                let a = &p["action"];
                let mut d = serde_json::Map::new();
                for k in ["reason", "missing", "new_due", "to_step"] {
                    if !a[k].is_null() {
                        d.insert(k.to_string(), a[k].clone());
                    }
                }
                (!d.is_empty()).then_some(Value::Object(d))
            } else {
                None
            };
            timeline.push(TimelineEntry {
                at: utc_to_local(&e.at),
                action,
                label,
                label_en,
                status: status.as_str().into(),
                status_label: status.label_vi().into(),
                status_label_en: status.label_en().into(),
                detail,
            });
        }
        Ok(PublicDossier {
            code: row.code.clone(),
            procedure: procedure.0,
            procedure_code: procedure.1,
            status: status.as_str().into(),
            status_label: status.label_vi().into(),
            status_label_en: status.label_en().into(),
            due,
            timeliness,
            timeline,
            verified,
            applicant_name: verified.then(|| row.applicant_name.clone()),
        })
    }

    /// Answers an inbound SMS. `TRACUU <code>` (any case, with or without
    /// accents or a space) gets the status; anything else gets the syntax.
    pub async fn sms_reply(&self, text: &str) -> String {
        let folded = sen_domain::text::search_key(text);
        let folded = match folded.strip_prefix("tra cuu") {
            Some(rest) => format!("tracuu{rest}"),
            None => folded,
        };
        let mut words = folded.split_whitespace();
        let keyword = words.next().unwrap_or_default();
        let code = words.next().map(str::to_uppercase);
        if keyword != "tracuu" || code.is_none() {
            return "Sai cu phap. Soan: TRACUU <ma ho so> / Wrong syntax. Send: TRACUU <dossier code>".to_string();
        }
        let code = code.unwrap_or_default();
        match self.public_lookup(&code, None).await {
            Ok(d) => {
                let due = d
                    .due
                    .as_deref()
                    .and_then(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok())
                    .map(|t| format!(" Hẹn trả: {}.", t.format("%H:%M %d/%m/%Y")))
                    .unwrap_or_default();
                format!("Hồ sơ {}: {}.{due}", d.code, d.status_label)
            }
            Err(AppError::NotFound { .. }) => {
                format!("Không tìm thấy hồ sơ {code}. Vui lòng kiểm tra lại mã hồ sơ.")
            }
            Err(e) => {
                tracing::error!(error = %e, "SMS lookup");
                "Hệ thống đang bận, vui lòng thử lại sau.".to_string()
            }
        }
    }
}
