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

/// The version of the fold and of its stored layout. Stored views of
/// another version are not used (the lookup folds the events, the next
/// event or [`App::fill_public_views`] stores the view again): raise it
/// whenever [`PublicView::apply`], a label it copies, or the layout of
/// [`PublicView::to_json`] changes.
pub const FOLD_VERSION: u32 = 2;

/// A dossier's public view, folded from its events with every detail (the
/// lookup drops the details for a caller without proof). It is stored as
/// [`PublicView::to_json`] writes it.
#[derive(Debug, Clone, PartialEq)]
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

    /// The stored text of the view:
    ///
    /// `{"v":2,"seq":N,"len":L,"public":{…},"details":[…]}`
    ///
    /// `public` holds exactly what the anonymous answer shows after its
    /// `code` (the fields of [`PublicDossier`] in its order, the timeline
    /// without details) and `L` is its length in bytes; `details` holds
    /// each timeline entry's details (or `null`). The anonymous answer is
    /// thus cut from the stored text without parsing it
    /// ([`PublicView::anonymous_answer`]).
    pub fn to_json(&self) -> Result<String, AppError> {
        let status = DossierStatus::parse(&self.status).unwrap_or(DossierStatus::Submitted);
        let public = serde_json::to_string(&PublicPart {
            procedure: Cow::Borrowed(&self.procedure),
            procedure_code: Cow::Borrowed(&self.procedure_code),
            status: Cow::Borrowed(status.as_str()),
            status_label: Cow::Borrowed(status.label_vi()),
            status_label_en: Cow::Borrowed(status.label_en()),
            due: self.due.as_deref().map(Cow::Borrowed),
            timeliness: self.timeliness.as_deref().map(Cow::Borrowed),
            timeline: self
                .timeline
                .iter()
                .map(|t| StoredEntry {
                    at: Cow::Borrowed(&t.at),
                    action: Cow::Borrowed(&t.action),
                    label: Cow::Borrowed(&t.label),
                    label_en: Cow::Borrowed(&t.label_en),
                    status: Cow::Borrowed(&t.status),
                    status_label: Cow::Borrowed(&t.status_label),
                    status_label_en: Cow::Borrowed(&t.status_label_en),
                })
                .collect(),
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let details: Vec<Option<&Value>> =
            self.timeline.iter().map(|t| t.detail.as_ref()).collect();
        let details =
            serde_json::to_string(&details).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(format!(
            "{{\"v\":{},\"seq\":{},\"len\":{},\"public\":{public},\"details\":{details}}}",
            self.v,
            self.seq,
            public.len()
        ))
    }

    /// A stored view, if it was made by this version of the fold.
    pub fn parse_current(json: &str) -> Option<PublicView> {
        let s: StoredLayout = serde_json::from_str(json).ok()?;
        if s.v != FOLD_VERSION || s.details.len() != s.public.timeline.len() {
            return None;
        }
        let p = s.public;
        Some(PublicView {
            v: s.v,
            seq: s.seq,
            procedure: p.procedure.into_owned(),
            procedure_code: p.procedure_code.into_owned(),
            status: p.status.into_owned(),
            due: p.due.map(Cow::into_owned),
            timeliness: p.timeliness.map(Cow::into_owned),
            timeline: p
                .timeline
                .into_iter()
                .zip(s.details)
                .map(|(t, detail)| TimelineEntry {
                    at: t.at.into_owned(),
                    action: t.action.into_owned(),
                    label: t.label.into_owned(),
                    label_en: t.label_en.into_owned(),
                    status: t.status.into_owned(),
                    status_label: t.status_label.into_owned(),
                    status_label_en: t.status_label_en.into_owned(),
                    detail,
                })
                .collect(),
        })
    }

    /// The prefix of every stored view of this version.
    pub fn current_prefix() -> String {
        format!("{{\"v\":{FOLD_VERSION},")
    }

    /// Whether a stored view was made by this version of the fold, read
    /// from its first field without parsing the rest.
    pub fn is_current(json: &str) -> bool {
        json.starts_with(&Self::current_prefix())
    }

    /// The answer to a lookup without proof, as JSON, cut from a stored
    /// view of this version: `{"code":…,` the `public` part `,"verified":false}`,
    /// the same bytes as the [`PublicDossier`] built from the view encodes
    /// to. `None` if the text is not a current view in this layout.
    pub fn anonymous_answer(code: &str, json: &str) -> Option<String> {
        let rest = json.strip_prefix(&Self::current_prefix())?;
        let rest = rest.strip_prefix("\"seq\":")?;
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
        let rest = rest.strip_prefix(",\"len\":")?;
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let len: usize = rest[..digits].parse().ok()?;
        let rest = rest[digits..].strip_prefix(",\"public\":")?;
        let public = rest.get(..len)?;
        let inner = public.strip_prefix('{')?.strip_suffix('}')?;
        if !rest[len..].starts_with(",\"details\":") || inner.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(code.len() + inner.len() + 40);
        out.push_str("{\"code\":");
        // A dossier code is ASCII letters, digits, dots and dashes; anything
        // else is escaped as JSON.
        if code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            out.push('"');
            out.push_str(code);
            out.push('"');
        } else {
            out.push_str(&serde_json::to_string(code).ok()?);
        }
        out.push(',');
        out.push_str(inner);
        out.push_str(",\"verified\":false}");
        Some(out)
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
    Built(Box<PublicDossier>),
    /// Without proof, from a current stored view: the answer's JSON cut
    /// from the stored text (the public lookup's hot path;
    /// `tests/public_view.rs` checks it is the same bytes as `Built`
    /// encodes to).
    Stored(String),
}

impl PublicAnswer {
    /// The answer as JSON.
    pub fn into_json(self) -> Result<String, AppError> {
        match self {
            PublicAnswer::Built(d) => {
                serde_json::to_string(&d).map_err(|e| AppError::Internal(e.to_string()))
            }
            PublicAnswer::Stored(json) => Ok(json),
        }
    }
}

/// The stored view's layout (see [`PublicView::to_json`]).
#[derive(Deserialize)]
struct StoredLayout<'a> {
    v: u32,
    seq: i64,
    #[serde(borrow)]
    public: PublicPart<'a>,
    details: Vec<Option<Value>>,
}

/// What the anonymous answer shows after its code, in the field order of
/// [`PublicDossier`].
#[derive(Serialize, Deserialize)]
struct PublicPart<'a> {
    #[serde(borrow)]
    procedure: Cow<'a, str>,
    #[serde(borrow)]
    procedure_code: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    status_label: Cow<'a, str>,
    #[serde(borrow)]
    status_label_en: Cow<'a, str>,
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

/// Appends a dossier's events in the caller's transaction and folds them
/// into the dossier's stored public view. `prior` is the view stored before
/// (read with the row locked); without a current one, all the dossier's
/// events are folded again. Every writer of a dossier's events goes through
/// here or, for a dossier created in the same transaction,
/// [`record_new_dossier_events`].
pub async fn record_dossier_events(
    db: &Db,
    tx: &mut Tx,
    dossier: Uuid,
    prior: Option<PublicView>,
    new: Vec<NewEvent>,
) -> Result<Vec<Event>, AppError> {
    let (sealed, view) = append_and_fold(db, tx, dossier, prior, new).await?;
    store::set_public_view(db, tx, dossier, &view).await?;
    Ok(sealed)
}

/// [`record_dossier_events`] for a dossier inserted in this transaction
/// (folded from the empty view; no lookup can hold it yet).
pub async fn record_new_dossier_events(
    db: &Db,
    tx: &mut Tx,
    dossier: Uuid,
    new: Vec<NewEvent>,
) -> Result<Vec<Event>, AppError> {
    let (sealed, view) = append_and_fold(db, tx, dossier, Some(PublicView::default()), new).await?;
    store::set_new_public_views(tx, &[(dossier, view)]).await?;
    Ok(sealed)
}

/// The events sealed, and the view (JSON) folded from `prior` and them.
async fn append_and_fold(
    db: &Db,
    tx: &mut Tx,
    dossier: Uuid,
    prior: Option<PublicView>,
    new: Vec<NewEvent>,
) -> Result<(Vec<Event>, String), AppError> {
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
    Ok((sealed, view.to_json()?))
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
        let row = self.public_row(code).await?;
        if proof.is_none() {
            if let Some(json) = row
                .public_view
                .as_deref()
                .and_then(|v| PublicView::anonymous_answer(&row.code, v))
            {
                return Ok(PublicAnswer::Stored(json));
            }
        }
        Ok(PublicAnswer::Built(Box::new(
            self.answer_from_row(row, proof).await?,
        )))
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
            let page = store::public_views(&self.db, after, 500, None).await?;
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
    /// older rows) or one of another fold version, in pages of `page`;
    /// returns how many were stored.
    pub async fn fill_public_views(&self, page: i64) -> Result<u64, AppError> {
        let current = PublicView::current_prefix();
        let mut stored = 0;
        let mut after = None;
        loop {
            let rows = store::public_views(&self.db, after, page, Some(&current)).await?;
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
            stored += store::fill_public_views(&self.db, &views, &current).await?;
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

    fn view() -> PublicView {
        let entry = |action: &str, detail: Option<Value>| TimelineEntry {
            at: "2026-03-05T08:30".into(),
            action: action.into(),
            label: "Tiếp nhận \"hồ sơ\" }],".into(),
            label_en: "received".into(),
            status: "received".into(),
            status_label: "Đã tiếp nhận".into(),
            status_label_en: "received".into(),
            detail,
        };
        PublicView {
            v: FOLD_VERSION,
            seq: 42,
            procedure: "Cấp giấy phép xây dựng {\"public\":{}}".into(),
            procedure_code: "1.009994".into(),
            status: "in_process".into(),
            due: Some("2026-03-20T17:00".into()),
            timeliness: None,
            timeline: vec![
                entry("receive", None),
                entry(
                    "request_supplement",
                    Some(
                        serde_json::json!({"reason": "thiếu bản vẽ", "missing": ["A", {"public": 1}]}),
                    ),
                ),
            ],
        }
    }

    #[test]
    fn the_stored_layout_round_trips_and_cuts_the_anonymous_answer() {
        let v = view();
        let json = v.to_json().unwrap();
        assert!(PublicView::is_current(&json));
        assert_eq!(PublicView::parse_current(&json), Some(v.clone()));
        let code = "H99.05-260305-0001";
        let built =
            serde_json::to_string(&v.clone().into_public(code.into(), false, "Nguyễn A")).unwrap();
        assert_eq!(
            PublicView::anonymous_answer(code, &json).as_deref(),
            Some(built.as_str())
        );
        // A code that needs escaping is escaped.
        let odd = "A\"B";
        let built = serde_json::to_string(&v.clone().into_public(odd.into(), false, "")).unwrap();
        assert_eq!(
            PublicView::anonymous_answer(odd, &json).as_deref(),
            Some(built.as_str())
        );
    }

    #[test]
    fn a_stored_text_out_of_layout_gives_no_answer() {
        let json = view().to_json().unwrap();
        let len = json
            .split("\"len\":")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        for bad in [
            json.replace(
                &format!("\"len\":{len}"),
                &format!("\"len\":{}", len.parse::<usize>().unwrap() - 1),
            ),
            json.replace(
                &format!("\"len\":{len}"),
                &format!("\"len\":{}", len.parse::<usize>().unwrap() + 1),
            ),
            json.replace(&format!("\"len\":{len}"), "\"len\":99999"),
            json.replace("\"v\":", "\"v\":9"),
            json.replace(",\"details\":", ",\"detail\":"),
            json[..json.len() / 2].to_string(),
            String::new(),
        ] {
            assert_eq!(PublicView::anonymous_answer("C", &bad), None, "{bad}");
        }
        let mut other = view();
        other.v = FOLD_VERSION + 1;
        let other = other.to_json().unwrap();
        assert!(!PublicView::is_current(&other));
        assert_eq!(PublicView::parse_current(&other), None);
        assert_eq!(PublicView::anonymous_answer("C", &other), None);
    }
}
