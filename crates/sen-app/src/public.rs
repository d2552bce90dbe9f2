//! What the public sees of a dossier: folded from its events, so that the
//! shown status can never disagree with what happened.
//!
//! The fold is kept, too: every transaction that appends a dossier's event
//! folds it into the `public_view` of the dossier's row with the same
//! [`PublicView::apply`] a fresh fold uses ([`record_dossier_events`]), so
//! the lookup is one indexed read. A row without a current view (written
//! by the bulk loader, or before the view existed) is folded from its
//! events on each lookup, and its next event folds them all into it.
//! [`App::check_public_views`] compares every stored view with a fresh fold.

use crate::{App, AppError};
use sen_domain::audit::{Event, NewEvent};
use sen_domain::dossier::{ActionKind, DossierStatus};
use sen_store::dossiers as store;
use sen_store::{events, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// The version of the fold. Stored views of another version are not used
/// (the lookup folds the events, the next event refolds the view): raise
/// it whenever [`PublicView::apply`] or a label it copies changes.
pub const FOLD_VERSION: u32 = 1;

/// A dossier's public view, folded from its events with every detail (the
/// lookup drops the details for a caller without proof).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicView {
    /// [`FOLD_VERSION`] of the fold that made it.
    pub v: u32,
    /// The last event folded in.
    pub seq: i64,
    pub procedure: String,
    pub procedure_code: String,
    pub status: String,
    pub due: Option<String>,
    pub timeliness: Option<String>,
    pub timeline: Vec<TimelineEntry>,
}

impl Default for PublicView {
    fn default() -> Self {
        PublicView {
            v: FOLD_VERSION,
            seq: 0,
            procedure: String::new(),
            procedure_code: String::new(),
            status: DossierStatus::Submitted.as_str().into(),
            due: None,
            timeliness: None,
            timeline: Vec::new(),
        }
    }
}

impl PublicView {
    /// The fold of a dossier's events, in chain order.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<PublicView, AppError> {
        let mut v = PublicView::default();
        for e in events {
            v.apply(e)?;
        }
        Ok(v)
    }

    /// Folds the dossier's next event in.
    pub fn apply(&mut self, e: &Event) -> Result<(), AppError> {
        let p: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
        if let Some(to) = p["to"].as_str() {
            let s = DossierStatus::parse(to)
                .map_err(|_| AppError::Internal(format!("event {}: unknown status {to}", e.seq)))?;
            self.status = s.as_str().into();
        }
        let status = DossierStatus::parse(&self.status)
            .map_err(|_| AppError::Internal(format!("unknown status {}", self.status)))?;
        if let Some(d) = p["due"].as_str() {
            self.due = Some(d.to_string());
        }
        if let Some(t) = p["timeliness"].as_str() {
            self.timeliness = Some(t.to_string());
        }
        if let Some(name) = p["procedure"]["name"].as_str() {
            self.procedure = name.to_string();
            self.procedure_code = p["procedure"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        let action = e
            .action
            .strip_prefix("dossier.")
            .unwrap_or(&e.action)
            .to_string();
        let (label, label_en) = match ActionKind::parse(&action) {
            Ok(k) => (k.label_vi().to_string(), k.label_en().to_string()),
            Err(_) if action == "submitted" => ("Nộp hồ sơ".to_string(), "submitted".to_string()),
            Err(_) if action == "attachment_added" => {
                ("Nộp tệp đính kèm".to_string(), "file attached".to_string())
            }
            Err(_) => (action.clone(), action.clone()),
        };
        let a = &p["action"];
        let mut d = serde_json::Map::new();
        for k in ["reason", "missing", "new_due", "to_step"] {
            if !a[k].is_null() {
                d.insert(k.to_string(), a[k].clone());
            }
        }
        self.timeline.push(TimelineEntry {
            at: utc_to_local(&e.at),
            action,
            label,
            label_en,
            status: status.as_str().into(),
            status_label: status.label_vi().into(),
            status_label_en: status.label_en().into(),
            detail: (!d.is_empty()).then_some(Value::Object(d)),
        });
        self.seq = e.seq;
        Ok(())
    }

    /// A stored view, if it was made by this version of the fold.
    pub fn parse_current(json: &str) -> Option<PublicView> {
        serde_json::from_str::<PublicView>(json)
            .ok()
            .filter(|v| v.v == FOLD_VERSION)
    }

    /// Whether a stored view was made by this version of the fold, read
    /// from its first field (`v`, written first by [`PublicView::to_json`])
    /// without parsing the rest.
    pub fn is_current(json: &str) -> bool {
        json.strip_prefix("{\"v\":")
            .and_then(|rest| rest.split_once(','))
            .is_some_and(|(v, _)| v.parse() == Ok(FOLD_VERSION))
    }

    pub fn to_json(&self) -> Result<String, AppError> {
        serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// What a caller sees: the details and the name only with proof.
    pub fn into_public(self, code: String, verified: bool, name: &str) -> PublicDossier {
        let status = DossierStatus::parse(&self.status).unwrap_or(DossierStatus::Submitted);
        let mut timeline = self.timeline;
        if !verified {
            for t in &mut timeline {
                t.detail = None;
            }
        }
        PublicDossier {
            code,
            procedure: self.procedure,
            procedure_code: self.procedure_code,
            status: status.as_str().into(),
            status_label: status.label_vi().into(),
            status_label_en: status.label_en().into(),
            due: self.due,
            timeliness: self.timeliness,
            timeline,
            verified,
            applicant_name: verified.then(|| name.to_string()),
        }
    }
}

/// The answer to a lookup, ready to be encoded.
#[derive(Debug, Clone)]
pub enum PublicAnswer {
    /// Built field by field: with proof, or from a fresh fold.
    Built(PublicDossier),
    /// Without proof, from a current stored view: encoded straight from the
    /// stored text, borrowing its strings (the public lookup's hot path;
    /// `tests/public_view.rs` checks it encodes exactly as `Built` would).
    Stored { code: String, view: String },
}

/// The stored view as the anonymous answer reads it: borrowed strings,
/// and the details (which it does not show) skipped unread.
#[derive(Deserialize)]
struct StoredView<'a> {
    #[serde(borrow)]
    procedure: Cow<'a, str>,
    #[serde(borrow)]
    procedure_code: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
    due: Option<Cow<'a, str>>,
    timeliness: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timeline: Vec<StoredEntry<'a>>,
}

/// A [`TimelineEntry`] without its details, in the same field order.
#[derive(Serialize, Deserialize)]
struct StoredEntry<'a> {
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    label: Cow<'a, str>,
    #[serde(borrow)]
    label_en: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    status_label: Cow<'a, str>,
    #[serde(borrow)]
    status_label_en: Cow<'a, str>,
}

/// [`PublicDossier`] without proof, borrowed, in the same field order.
#[derive(Serialize)]
struct AnonymousAnswer<'a> {
    code: &'a str,
    procedure: &'a str,
    procedure_code: &'a str,
    status: &'a str,
    status_label: &'a str,
    status_label_en: &'a str,
    due: Option<&'a str>,
    timeliness: Option<&'a str>,
    timeline: &'a [StoredEntry<'a>],
    verified: bool,
}

impl Serialize for PublicAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PublicAnswer::Built(d) => d.serialize(s),
            PublicAnswer::Stored { code, view } => {
                let v: StoredView =
                    serde_json::from_str(view).map_err(serde::ser::Error::custom)?;
                let status = DossierStatus::parse(&v.status).unwrap_or(DossierStatus::Submitted);
                AnonymousAnswer {
                    code,
                    procedure: &v.procedure,
                    procedure_code: &v.procedure_code,
                    status: status.as_str(),
                    status_label: status.label_vi(),
                    status_label_en: status.label_en(),
                    due: v.due.as_deref(),
                    timeliness: v.timeliness.as_deref(),
                    timeline: &v.timeline,
                    verified: false,
                }
                .serialize(s)
            }
        }
    }
}

/// Appends a dossier's events in the caller's transaction and folds them
/// into the dossier's stored public view. `prior` is the view stored before
/// (read with the row locked, or the empty view of a dossier created in this
/// transaction); without a current one, all the dossier's events are folded
/// again. Every writer of a dossier's events goes through here.
pub async fn record_dossier_events(
    db: &Db,
    tx: &mut Tx,
    dossier: Uuid,
    prior: Option<PublicView>,
    new: Vec<NewEvent>,
) -> Result<Vec<Event>, AppError> {
    let sealed = events::append_all(db, tx, new).await?;
    let view = match prior {
        Some(mut v) => {
            for e in &sealed {
                v.apply(e)?;
            }
            v
        }
        None => PublicView::fold(&store::events_of_in_tx(tx, dossier).await?)?,
    };
    store::set_public_view(tx, dossier, &view.to_json()?).await?;
    Ok(sealed)
}

/// [`record_dossier_events`] for one event, reading the stored view (and
/// locking the row) first.
pub async fn record_dossier_event(
    db: &Db,
    tx: &mut Tx,
    dossier: Uuid,
    ev: NewEvent,
) -> Result<Event, AppError> {
    let prior = store::public_view_in_tx(db, tx, dossier)
        .await?
        .ok_or_else(|| AppError::not_found("dossier", dossier))?
        .as_deref()
        .and_then(PublicView::parse_current);
    let mut sealed = record_dossier_events(db, tx, dossier, prior, vec![ev]).await?;
    sealed
        .pop()
        .ok_or_else(|| AppError::Internal("no event appended".into()))
}

/// What [`App::check_public_views`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublicViewCheck {
    pub checked: u64,
    /// Dossiers without a current stored view (folded on each lookup).
    pub missing: u64,
    /// Codes whose stored view differs from a fresh fold of their events.
    pub mismatched: Vec<String>,
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
fn verifies(phone: Option<&str>, id_number: Option<&str>, proof: &str) -> bool {
    let proof: String = proof
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if proof.len() < 4 {
        return false;
    }
    [phone, id_number].into_iter().flatten().any(|v| {
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
        let row = self.public_row(code).await?;
        self.answer_from_row(row, proof).await
    }

    async fn public_row(&self, code: &str) -> Result<store::PublicRow, AppError> {
        let code = code.trim();
        store::public_by_code(&self.db, code)
            .await?
            .ok_or_else(|| AppError::not_found("dossier", code))
    }

    /// [`App::public_lookup`] for callers that only encode the answer (the
    /// API): without proof and with a current stored view, the answer is
    /// encoded straight from the stored text.
    pub async fn public_answer(
        &self,
        code: &str,
        proof: Option<&str>,
    ) -> Result<PublicAnswer, AppError> {
        let mut row = self.public_row(code).await?;
        if proof.is_none() {
            if let Some(view) = row.public_view.take_if(|j| PublicView::is_current(j)) {
                return Ok(PublicAnswer::Stored {
                    code: row.code,
                    view,
                });
            }
        }
        Ok(PublicAnswer::Built(self.answer_from_row(row, proof).await?))
    }

    async fn answer_from_row(
        &self,
        row: store::PublicRow,
        proof: Option<&str>,
    ) -> Result<PublicDossier, AppError> {
        let verified = proof.is_some_and(|p| {
            verifies(
                row.applicant_phone.as_deref(),
                row.applicant_id_number.as_deref(),
                p,
            )
        });
        let view = match row
            .public_view
            .as_deref()
            .and_then(PublicView::parse_current)
        {
            Some(v) => v,
            None => self.fold_dossier(row.id).await?,
        };
        Ok(view.into_public(row.code, verified, &row.applicant_name))
    }

    /// The timeline with every detail, for staff who may see the dossier,
    /// folded afresh from the events.
    pub async fn dossier_history(
        &self,
        actor: &crate::Actor,
        id: uuid::Uuid,
    ) -> Result<PublicDossier, AppError> {
        let d = self.dossier(actor, id).await?;
        Ok(self
            .fold_dossier(id)
            .await?
            .into_public(d.row.code, true, &d.row.applicant_name))
    }

    /// A fresh fold of a dossier's events.
    pub async fn fold_dossier(&self, id: Uuid) -> Result<PublicView, AppError> {
        PublicView::fold(&store::events_of(&self.db, id).await?)
    }

    /// Compares the stored public view of every dossier with a fresh fold
    /// of its events (in pages of 500).
    pub async fn check_public_views(&self) -> Result<PublicViewCheck, AppError> {
        let mut out = PublicViewCheck::default();
        let mut after = None;
        loop {
            let page = store::public_views(&self.db, after, 500, false).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.0);
            let ids: Vec<Uuid> = page.iter().map(|p| p.0).collect();
            let evs = store::events_of_many(&self.db, &ids).await?;
            let mut by: std::collections::HashMap<&str, Vec<&Event>> = Default::default();
            for e in &evs {
                by.entry(e.object_id.as_deref().unwrap_or_default())
                    .or_default()
                    .push(e);
            }
            for (id, code, stored) in page {
                out.checked += 1;
                let fresh = PublicView::fold(
                    by.get(id.to_string().as_str())
                        .into_iter()
                        .flatten()
                        .copied(),
                )?;
                match stored.as_deref().and_then(PublicView::parse_current) {
                    None => out.missing += 1,
                    Some(v) if v != fresh => out.mismatched.push(code),
                    Some(_) => {}
                }
            }
        }
        Ok(out)
    }

    /// Stores the public view of dossiers that have none (bulk-loaded or
    /// older rows), in pages of `page`; returns how many were stored.
    pub async fn fill_public_views(&self, page: i64) -> Result<u64, AppError> {
        let mut stored = 0;
        let mut after = None;
        loop {
            let rows = store::public_views(&self.db, after, page, true).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.0);
            let ids: Vec<Uuid> = rows.iter().map(|p| p.0).collect();
            let evs = store::events_of_many(&self.db, &ids).await?;
            let mut by: std::collections::HashMap<&str, Vec<&Event>> = Default::default();
            for e in &evs {
                by.entry(e.object_id.as_deref().unwrap_or_default())
                    .or_default()
                    .push(e);
            }
            let mut views = Vec::with_capacity(rows.len());
            for (id, _, _) in &rows {
                let v = PublicView::fold(
                    by.get(id.to_string().as_str())
                        .into_iter()
                        .flatten()
                        .copied(),
                )?;
                views.push((*id, v.to_json()?));
            }
            stored += store::fill_public_views(&self.db, &views).await?;
        }
        Ok(stored)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_view_is_current_only_when_written_by_this_fold() {
        let json = PublicView::default().to_json().unwrap();
        assert!(PublicView::is_current(&json), "{json}");
        let next = json.replacen(
            &format!("{{\"v\":{FOLD_VERSION},"),
            &format!("{{\"v\":{},", FOLD_VERSION + 10),
            1,
        );
        assert!(!PublicView::is_current(&next));
        for other in ["", "{}", "null", "{\"seq\":1,\"v\":1}", "{\"v\":\"1\",}"] {
            assert!(!PublicView::is_current(other), "{other}");
        }
    }
}
