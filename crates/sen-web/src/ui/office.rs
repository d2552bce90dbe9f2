//! E-office pages: the document lists, a document with its actions, a new
//! draft, and the registration of a paper document.

use super::{csrf_ok, csrf_refused, error_of, error_page, render, staff, Page, PageCtx, Tr};
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sen_app::office::{DocAction, Document, NewDraft, NewFile, RecipientSpec};
use sen_app::{Actor, AppError};
use sen_domain::office::{Direction, DocActionKind, DocStatus, DocType, Urgency};
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/can-bo/van-ban", get(list))
        .route("/can-bo/van-ban/soan", get(new_page).post(create))
        .route(
            "/can-bo/van-ban/vao-so",
            get(register_page)
                .post(register)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::UPLOAD_BODY_LIMIT,
                )),
        )
        .route("/can-bo/van-ban/{id}", get(show))
        .route("/can-bo/van-ban/{id}/thao-tac", post(act))
        .route("/can-bo/van-ban/{id}/ky-so", post(sign_prepare))
        .route("/can-bo/van-ban/{id}/ky-so/hoan-tat", post(sign_finalise))
        .route("/can-bo/van-ban/{id}/tep/{file}", get(download))
}

fn label(tr: Tr, vi: &str, en: &str) -> String {
    if tr.en { en } else { vi }.to_string()
}

fn status_label(tr: Tr, s: &str) -> String {
    match DocStatus::parse(s) {
        Ok(st) => label(tr, st.label_vi(), st.label_en()),
        Err(_) => s.into(),
    }
}

fn type_label(tr: Tr, t: &str) -> String {
    match DocType::parse(t) {
        Ok(t) => label(tr, t.name_vi(), t.name_en()),
        Err(_) => t.into(),
    }
}

/// A recipient's status: the edXML code heard back, in words.
fn recipient_status(tr: Tr, s: &str) -> String {
    let (vi, en) = match s {
        "pending" => ("Chưa gửi", "Not sent yet"),
        "sent" => ("Đã gửi, chờ phản hồi", "Sent, awaiting a reply"),
        "01" => ("Đã đến", "Arrived"),
        "02" => ("Bị từ chối", "Refused"),
        "03" => ("Đã tiếp nhận, vào sổ", "Accepted and registered"),
        "04" => ("Đang phân công", "Being assigned"),
        "05" => ("Đang xử lý", "In progress"),
        "06" => ("Đã hoàn thành", "Done"),
        "13" => ("Đã thu hồi", "Recalled"),
        "failed" => ("Gửi lỗi, đang thử lại", "Failed, retrying"),
        other => (other, other),
    };
    label(tr, vi, en)
}

/// An event's UTC time, in Vietnam time, the Vietnamese way.
fn local_time(tr: Tr, utc: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(utc) {
        Ok(t) => tr.datetime(
            &t.with_timezone(&sen_domain::vi::vn_offset())
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
        ),
        Err(_) => utc.to_string(),
    }
}

fn short_date(s: &str) -> String {
    // RFC 3339 UTC → Vietnam date; YYYY-MM-DD stays as it is.
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        let local = t.with_timezone(&sen_domain::vi::vn_offset());
        return sen_domain::vi::short_date(local.date_naive());
    }
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => sen_domain::vi::short_date(d),
        Err(_) => s.to_string(),
    }
}

pub struct Row {
    pub id: Uuid,
    pub number: String,
    pub subject: String,
    pub doc_type: String,
    pub direction: String,
    pub status: String,
    pub date: String,
    pub urgent: bool,
}

fn row(tr: Tr, d: &Document) -> Row {
    let r = &d.row;
    let number = match (&r.direction[..], r.reg_number, &r.number_symbol) {
        ("incoming", Some(n), Some(ns)) => format!("{n} – {ns}"),
        (_, _, Some(ns)) => ns.clone(),
        _ => String::new(),
    };
    Row {
        id: r.id,
        number,
        subject: r.subject.clone(),
        doc_type: type_label(tr, &r.doc_type),
        direction: match Direction::parse(&r.direction) {
            Ok(d) => label(tr, d.label_vi(), d.label_en()),
            Err(_) => r.direction.clone(),
        },
        status: status_label(tr, &r.status),
        date: short_date(r.doc_date.as_deref().unwrap_or(&r.created_at)),
        urgent: r.urgency != "normal",
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    mine: Option<String>,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    tr: Tr,
    ctx: PageCtx,
    rows: Vec<Row>,
    q: String,
    direction: String,
    mine: bool,
}

async fn list(State(state): State<WebState>, p: Page, Query(q): Query<ListQuery>) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let direction = match q.direction.as_str() {
        "incoming" | "outgoing" => Some(q.direction.clone()),
        _ => None,
    };
    let mine = q.mine.is_some();
    let filter = sen_app::office::DocumentFilter {
        direction: direction.clone(),
        involving: match (&actor, mine) {
            (Actor::Staff { id, .. }, true) => Some(*id),
            _ => None,
        },
        limit: 200,
        ..Default::default()
    };
    let query = Some(q.q.trim()).filter(|s| !s.is_empty());
    match state.app.documents(&actor, filter, query).await {
        Ok(docs) => {
            let tr = p.tr;
            render(
                StatusCode::OK,
                ListPage {
                    tr,
                    ctx: p.ctx,
                    rows: docs.iter().map(|d| row(tr, d)).collect(),
                    q: q.q,
                    direction: direction.unwrap_or_default(),
                    mine,
                },
            )
        }
        Err(e) => error_page(p, e),
    }
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct ActionView {
    pub kind: &'static str,
    pub label: String,
}

pub struct EventRow {
    pub at: String,
    pub who: String,
    pub what: String,
    pub detail: String,
}

pub struct RecipientRow {
    pub name: String,
    pub status: String,
}

pub struct FileRow {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub size: String,
}

/// A file's role on a document, in words.
fn file_role(tr: Tr, role: &str) -> String {
    match role {
        "issued" => label(tr, "bản ban hành", "issued copy"),
        "original" => label(tr, "bản nhận được", "copy as received"),
        "signed" => label(tr, "bản đã ký số", "digitally signed copy"),
        other => other.to_string(),
    }
}

/// A file size for people: bytes, KB or MB, with the language's decimal mark.
fn file_size(tr: Tr, bytes: i64) -> String {
    let (n, unit) = match bytes {
        b if b < 1024 => return format!("{b} B"),
        b if b < 1024 * 1024 => (b as f64 / 1024.0, "KB"),
        b => (b as f64 / (1024.0 * 1024.0), "MB"),
    };
    let s = format!("{n:.1}");
    if tr.en {
        format!("{s} {unit}")
    } else {
        format!("{} {unit}", s.replace('.', ","))
    }
}

/// Who did something, from an event's actor tag (`user:<uuid>`, `system`, …).
async fn actor_name(
    state: &WebState,
    tr: Tr,
    cache: &mut std::collections::HashMap<String, String>,
    tag: &str,
) -> String {
    if let Some(name) = cache.get(tag) {
        return name.clone();
    }
    let name = match tag.strip_prefix("user:").map(Uuid::parse_str) {
        Some(Ok(id)) => match state.app.account_by_id(id).await {
            Ok(a) => a.full_name,
            Err(_) => tag.to_string(),
        },
        _ => match tag {
            "system" => label(tr, "Hệ thống", "System"),
            "operator" => label(tr, "Quản trị viên (dòng lệnh)", "Operator (command line)"),
            "exchange" => label(tr, "Trục liên thông", "Exchange"),
            other => other.to_string(),
        },
    };
    cache.insert(tag.to_string(), name.clone());
    name
}

#[derive(Template)]
#[template(path = "document.html")]
struct ShowPage {
    tr: Tr,
    ctx: PageCtx,
    id: Uuid,
    title: String,
    facts: Vec<Fact>,
    body: String,
    actions: Vec<ActionView>,
    reviewers: Vec<(Uuid, String)>,
    units: Vec<(Uuid, String)>,
    people: Vec<(Uuid, String)>,
    recipients: Vec<RecipientRow>,
    files: Vec<FileRow>,
    events: Vec<EventRow>,
    subject: String,
    who_header: String,
    /// Related documents and dossiers: (label, href, text).
    links: Vec<(&'static str, String, String)>,
    /// An incoming document that can be answered.
    can_answer: bool,
    /// The actor may add a signature from a USB token.
    can_sign: bool,
}

async fn view(state: &WebState, p: Page, id: Uuid, status: StatusCode) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let app = &state.app;
    let d = match app.document(&actor, id).await {
        Ok(d) => d,
        Err(e) => return error_page(p, e),
    };
    let tr = p.tr;
    let loaded = async {
        let actions = app.document_actions(&actor, &d).await?;
        let recipients = app.document_recipients(&actor, id).await?;
        let files = app.document_files(&actor, id).await?;
        let events = app.document_events(&actor, id).await?;
        let reviewers = if actions
            .iter()
            .any(|a| matches!(a, DocActionKind::Submit | DocActionKind::Forward))
        {
            app.reviewers_for(&actor, d.row.drafting_unit_id.unwrap_or(d.row.unit_id))
                .await?
        } else {
            Vec::new()
        };
        // Also for an assigned document: the names of its handling unit and handler.
        let (units, people) =
            if actions.contains(&DocActionKind::Assign) || d.row.handler_unit_id.is_some() {
                app.assignees_for(tenant, d.row.unit_id).await?
            } else {
                (Vec::new(), Vec::new())
            };
        Ok::<_, AppError>((actions, recipients, files, events, reviewers, units, people))
    }
    .await;
    let (actions, recipients, files, events, reviewers, units, people) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(p, e),
    };
    let r = &d.row;
    let mut facts = vec![
        Fact {
            label: tr.s("doc_type"),
            value: type_label(tr, &r.doc_type),
        },
        Fact {
            label: tr.s("status"),
            value: status_label(tr, &r.status),
        },
    ];
    if let Some(ns) = &r.number_symbol {
        facts.push(Fact {
            label: tr.s("number_symbol"),
            value: ns.clone(),
        });
    }
    if let (Some(n), "incoming") = (r.reg_number, r.direction.as_str()) {
        facts.push(Fact {
            label: tr.s("incoming_number"),
            value: format!("{n}/{}", r.reg_year.unwrap_or_default()),
        });
    }
    if let Some(dd) = &r.doc_date {
        facts.push(Fact {
            label: tr.s("doc_date"),
            value: short_date(dd),
        });
    }
    if let Some(s) = &r.sender_name {
        facts.push(Fact {
            label: tr.s("sender"),
            value: s.clone(),
        });
    }
    if let Ok(u) = Urgency::parse(&r.urgency) {
        facts.push(Fact {
            label: tr.s("urgency"),
            value: label(tr, u.label_vi(), u.label_en()),
        });
    }
    if let Some(u) = r.handler_unit_id {
        let name = |list: &[(Uuid, String)], id: Uuid| {
            list.iter().find(|(x, _)| *x == id).map(|(_, n)| n.clone())
        };
        if let Some(unit) = name(&units, u) {
            facts.push(Fact {
                label: tr.s("handling_unit"),
                value: unit,
            });
        }
        if let Some(person) = r.handler_account_id.and_then(|a| name(&people, a)) {
            facts.push(Fact {
                label: tr.s("handler"),
                value: person,
            });
        }
    }
    if let Some(due) = &r.due_date {
        facts.push(Fact {
            label: tr.s("doc_due"),
            value: short_date(due),
        });
    }
    // The last send-back, refusal or recall reason: shown while it explains
    // the status, not once the draft has been resubmitted.
    let reason_applies = matches!(
        DocStatus::parse(&r.status),
        Ok(DocStatus::Draft | DocStatus::Refused | DocStatus::Recalled)
    );
    if let (Some(reason), true) = (&d.data_parsed.reason, reason_applies) {
        facts.push(Fact {
            label: tr.s("reason"),
            value: reason.clone(),
        });
    }
    let mut names = std::collections::HashMap::new();
    let mut event_rows = Vec::with_capacity(events.len());
    for e in events {
        let who = actor_name(state, tr, &mut names, &e.actor).await;
        event_rows.push((e, who));
    }
    let title = match &r.number_symbol {
        Some(ns) => format!("{} {ns}", type_label(tr, &r.doc_type)),
        None => type_label(tr, &r.doc_type),
    };
    // What this document answers, what answers it, its dossier.
    let mut links = Vec::new();
    if let Some(q) = r.responds_to {
        if let Ok(o) = app.document(&actor, q).await {
            let text = o
                .row
                .number_symbol
                .clone()
                .map(|n| format!("{n} – {}", o.row.subject))
                .unwrap_or(o.row.subject);
            links.push((
                tr.s("answers_document"),
                format!("/can-bo/van-ban/{q}"),
                text,
            ));
        }
    }
    if let Ok(answers) = app.document_answers(&actor, id).await {
        for a in answers {
            let text = a
                .row
                .number_symbol
                .clone()
                .map(|n| format!("{n} – {}", a.row.subject))
                .unwrap_or(a.row.subject);
            links.push((
                tr.s("answered_by"),
                format!("/can-bo/van-ban/{}", a.row.id),
                text,
            ));
        }
    }
    if let Some(dossier) = r.dossier_id {
        if let Ok(Some(code)) = app.dossier_code(dossier).await {
            links.push((
                tr.s("related_dossier"),
                format!("/can-bo/ho-so/{dossier}"),
                code,
            ));
        }
    }
    let can_answer = r.direction == "incoming"
        && !matches!(r.status.as_str(), "arrived" | "refused" | "recalled");
    let can_sign = r.status == "issued" && app.can_sign_document(&actor, id).await;
    render(
        status,
        ShowPage {
            links,
            can_answer,
            can_sign,
            tr,
            id,
            title,
            facts,
            body: d.data_parsed.body.clone().unwrap_or_default(),
            subject: r.subject.clone(),
            actions: actions
                .iter()
                .map(|a| ActionView {
                    kind: a.as_str(),
                    label: label(tr, a.label_vi(), a.label_en()),
                })
                .collect(),
            reviewers,
            units,
            people,
            recipients: recipients
                .into_iter()
                .map(|x| RecipientRow {
                    status: recipient_status(tr, &x.status),
                    name: x.name,
                })
                .collect(),
            files: files
                .into_iter()
                .map(|f| FileRow {
                    id: f.id,
                    name: f.name,
                    role: file_role(tr, &f.role),
                    size: file_size(tr, f.size),
                })
                .collect(),
            events: event_rows
                .into_iter()
                .map(|(e, who)| {
                    let kind = e.action.trim_start_matches("document.");
                    let what = match DocActionKind::parse(kind) {
                        Ok(a) => label(tr, a.label_vi(), a.label_en()),
                        Err(_) => match kind {
                            "drafted" => tr.s("ev_drafted").into(),
                            "registered" => tr.s("ev_registered").into(),
                            "arrived" => tr.s("ev_arrived").into(),
                            "dispatched" => tr.s("ev_dispatched").into(),
                            "signed" => tr.s("ev_signed").into(),
                            "status" => tr.s("ev_status").into(),
                            other => other.into(),
                        },
                    };
                    let payload: serde_json::Value =
                        serde_json::from_str(&e.payload).unwrap_or_default();
                    let detail = ["text", "reason", "note", "number_symbol"]
                        .iter()
                        .filter_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                        .collect::<Vec<_>>()
                        .join(" · ");
                    EventRow {
                        at: local_time(tr, &e.at),
                        who,
                        what,
                        detail,
                    }
                })
                .collect(),
            who_header: label(tr, "Người thực hiện", "By"),
            ctx: p.ctx,
        },
    )
}

async fn show(State(state): State<WebState>, p: Page, Path(id): Path<Uuid>) -> Response {
    view(&state, p, id, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
struct ActForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    dossier_code: String,
}

fn uuid_field(field: &'static str, s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s.trim()).map_err(|_| {
        sen_domain::Invalid::new(
            field,
            "Chưa chọn hoặc chọn không hợp lệ",
            "nothing or something invalid was chosen",
        )
        .into()
    })
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

fn action_from(f: &ActForm) -> Result<DocAction, AppError> {
    Ok(match DocActionKind::parse(&f.action)? {
        DocActionKind::Register => DocAction::Register { register_id: None },
        DocActionKind::Refuse => DocAction::Refuse {
            reason: f.reason.clone(),
        },
        DocActionKind::Assign => DocAction::Assign {
            unit_id: uuid_field("unit_id", &f.unit_id)?,
            account_id: opt(&f.account_id)
                .map(|a| uuid_field("account_id", &a))
                .transpose()?,
            due_date: opt(&f.due_date)
                .map(|d| {
                    chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                        AppError::from(sen_domain::Invalid::new(
                            "due_date",
                            "Ngày không hợp lệ",
                            "invalid date",
                        ))
                    })
                })
                .transpose()?,
            note: opt(&f.note),
        },
        DocActionKind::Opinion => DocAction::Opinion {
            text: f.text.clone(),
        },
        DocActionKind::Complete => DocAction::Complete {
            note: opt(&f.note),
            dossier_code: opt(&f.dossier_code),
            dossier_id: None,
        },
        DocActionKind::Revise => DocAction::Revise {
            subject: opt(&f.subject),
            body: f.body.clone(),
            note: opt(&f.note),
        },
        DocActionKind::Submit => DocAction::Submit {
            to: uuid_field("to", &f.to)?,
            note: opt(&f.note),
        },
        DocActionKind::Forward => DocAction::Forward {
            to: uuid_field("to", &f.to)?,
            note: opt(&f.note),
        },
        DocActionKind::SendBack => DocAction::SendBack {
            reason: f.reason.clone(),
        },
        DocActionKind::Approve => DocAction::Approve { note: opt(&f.note) },
        DocActionKind::Issue => DocAction::Issue,
        DocActionKind::Recall => DocAction::Recall {
            reason: f.reason.clone(),
        },
    })
}

async fn act(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<ActForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let result = match action_from(&f) {
        Ok(a) => state.app.act_on_document(&actor, id, a).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/can-bo/van-ban/{id}?ok=done")).into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = fe.field.map(|x| format!("{x}-{}", f.action));
            p.ctx.errors.push(fe);
            view(&state, p, id, status).await
        }
    }
}

/// Names the field in an error message that does not already name it
/// ("Trích yếu: Trường này không được để trống"), so that the error summary
/// reads on its own. `labels` maps form fields to their text keys.
fn name_field(tr: Tr, fe: &mut super::FieldError, labels: &[(&str, &str)]) {
    let Some(field) = fe.field.as_deref() else {
        return;
    };
    if let Some((_, key)) = labels.iter().find(|(f, _)| *f == field) {
        let name = tr.s(key);
        if !fe.message.to_lowercase().starts_with(&name.to_lowercase()) {
            fe.message = format!("{name}: {}", fe.message);
        }
    }
}

/// Whether the page's errors name `field` (for aria-invalid).
fn has_error(ctx: &PageCtx, field: &str) -> bool {
    ctx.errors.iter().any(|e| e.field.as_deref() == Some(field))
}

#[derive(Template)]
#[template(path = "document_new.html")]
struct NewPage {
    tr: Tr,
    ctx: PageCtx,
    units: Vec<(Uuid, String)>,
    agencies: Vec<(Uuid, String)>,
    types: Vec<(&'static str, String)>,
    urgencies: Vec<(&'static str, String)>,
    form: DraftForm,
}

impl NewPage {
    fn checked(&self, id: &Uuid) -> bool {
        self.form.recipient.iter().any(|r| *r == id.to_string())
    }

    fn invalid(&self, field: &str) -> bool {
        has_error(&self.ctx, field)
    }
}

#[derive(Deserialize, Default, Clone)]
struct DraftForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    urgency: String,
    /// Internal recipients, one unit id per checked box.
    #[serde(default)]
    recipient: Vec<String>,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    external_name: String,
    #[serde(default)]
    signer_title: String,
    #[serde(default)]
    signer_authority: String,
    /// The incoming document this draft answers.
    #[serde(default)]
    responds_to: String,
}

fn choices(tr: Tr) -> (Vec<(&'static str, String)>, Vec<(&'static str, String)>) {
    (
        DocType::all()
            .map(|t| (t.code(), label(tr, t.name_vi(), t.name_en())))
            .collect(),
        Urgency::ALL
            .iter()
            .map(|u| (u.as_str(), label(tr, u.label_vi(), u.label_en())))
            .collect(),
    )
}

async fn new_view(state: &WebState, p: Page, form: DraftForm, status: StatusCode) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let units = match state.app.drafting_units(&actor).await {
        Ok(u) => u,
        Err(e) => return error_page(p, e),
    };
    let agencies = match state.app.agencies(tenant, None).await {
        Ok(a) => a,
        Err(e) => return error_page(p, e),
    };
    let (types, urgencies) = choices(p.tr);
    render(
        status,
        NewPage {
            tr: p.tr,
            ctx: p.ctx,
            units,
            agencies,
            types,
            urgencies,
            form,
        },
    )
}

#[derive(Deserialize, Default)]
struct NewQuery {
    /// `?tra_loi=ID`: a draft in answer to this incoming document.
    #[serde(default)]
    tra_loi: Option<Uuid>,
}

async fn new_page(State(state): State<WebState>, p: Page, Query(q): Query<NewQuery>) -> Response {
    let mut form = DraftForm {
        doc_type: "cong_van".into(),
        urgency: "normal".into(),
        ..Default::default()
    };
    if let (Some(id), Some((actor, _))) = (q.tra_loi, staff(&p)) {
        if let Ok(d) = state.app.document(&actor, id).await {
            form.responds_to = id.to_string();
            form.subject = format!(
                "Trả lời văn bản số {} về việc {}",
                d.row.number_symbol.unwrap_or_default(),
                d.row.subject
            )
            .chars()
            .take(500)
            .collect();
        }
    }
    new_view(&state, p, form, StatusCode::OK).await
}

async fn create(
    State(state): State<WebState>,
    mut p: Page,
    axum_extra_form: axum::body::Bytes,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    // Repeated fields (the recipient boxes) need a decoder that keeps them.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&axum_extra_form)
        .into_owned()
        .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = DraftForm {
        csrf_token: get("csrf_token"),
        unit_id: get("unit_id"),
        doc_type: get("doc_type"),
        subject: get("subject"),
        body: get("body"),
        urgency: get("urgency"),
        responds_to: get("responds_to"),
        recipient: pairs
            .iter()
            .filter(|(n, _)| n == "recipient")
            .map(|(_, v)| v.clone())
            .collect(),
        external_id: get("external_id"),
        external_name: get("external_name"),
        signer_title: get("signer_title"),
        signer_authority: get("signer_authority"),
    };
    if !csrf_ok(&p, &form.csrf_token) {
        return csrf_refused(p);
    }
    let input = (|| {
        let mut recipients = Vec::new();
        for r in &form.recipient {
            recipients.push(RecipientSpec::Unit {
                unit_id: uuid_field("recipients", r)?,
            });
        }
        if let Some(organ) = opt(&form.external_id) {
            recipients.push(RecipientSpec::External {
                organ_id: organ,
                name: form.external_name.clone(),
            });
        }
        Ok::<_, AppError>(NewDraft {
            unit_id: uuid_field("unit_id", &form.unit_id)?,
            doc_type: form.doc_type.clone(),
            subject: form.subject.clone(),
            body: form.body.clone(),
            urgency: opt(&form.urgency),
            recipients,
            responds_to: opt(&form.responds_to)
                .map(|r| uuid_field("responds_to", &r))
                .transpose()?,
            signer_title: opt(&form.signer_title),
            signer_authority: opt(&form.signer_authority),
        })
    })();
    let result = match input {
        Ok(i) => state.app.create_draft(&actor, i).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(d) => Redirect::to(&format!("/can-bo/van-ban/{}?ok=done", d.row.id)).into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            name_field(p.tr, &mut fe, DRAFT_LABELS);
            p.ctx.errors.push(fe);
            new_view(&state, p, form, status).await
        }
    }
}

/// The fields of the registration form and their labels' text keys.
const REGISTER_LABELS: &[(&str, &str)] = &[
    ("register_id", "register_book"),
    ("doc_type", "doc_type"),
    ("original_number", "number_symbol"),
    ("doc_date", "doc_date"),
    ("sender_name", "sender"),
    ("subject", "subject"),
    ("urgency", "urgency"),
    ("due_date", "doc_due"),
];

/// The fields of the draft form and their labels' text keys.
const DRAFT_LABELS: &[(&str, &str)] = &[
    ("unit_id", "drafting_unit"),
    ("doc_type", "doc_type"),
    ("subject", "subject"),
    ("body", "doc_body"),
    ("urgency", "urgency"),
    ("recipients", "recipients"),
    ("signer_title", "signer_title"),
    ("signer_authority", "signer_authority"),
];

#[derive(Template)]
#[template(path = "document_register.html")]
struct RegisterPage {
    tr: Tr,
    ctx: PageCtx,
    registers: Vec<(Uuid, String)>,
    types: Vec<(&'static str, String)>,
    urgencies: Vec<(&'static str, String)>,
    fields: Vec<(String, String)>,
    /// After an error: browsers do not keep a chosen file, so say so.
    file_hint: Option<String>,
}

impl RegisterPage {
    fn value(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn invalid(&self, field: &str) -> bool {
        has_error(&self.ctx, field)
    }
}

async fn register_view(
    state: &WebState,
    p: Page,
    fields: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let registers = match state.app.my_registers(&actor, Direction::Incoming).await {
        Ok(r) => r.into_iter().map(|r| (r.id, r.name)).collect(),
        Err(e) => return error_page(p, e),
    };
    let (types, urgencies) = choices(p.tr);
    let file_hint = (!p.ctx.errors.is_empty()).then(|| {
        label(
            p.tr,
            "Trình duyệt không giữ tệp đã chọn khi trang báo lỗi: hãy chọn lại bản quét.",
            "Browsers do not keep a chosen file when a page reports an error: choose the scan again.",
        )
    });
    render(
        status,
        RegisterPage {
            tr: p.tr,
            ctx: p.ctx,
            registers,
            types,
            urgencies,
            fields,
            file_hint,
        },
    )
}

async fn register_page(State(state): State<WebState>, p: Page) -> Response {
    let today = state.app.now_local().date().to_string();
    let fields = vec![
        ("doc_type".to_string(), "cong_van".to_string()),
        ("doc_date".to_string(), today),
        ("urgency".to_string(), "normal".to_string()),
    ];
    register_view(&state, p, fields, StatusCode::OK).await
}

async fn register(
    State(state): State<WebState>,
    mut p: Page,
    multipart: axum::extract::Multipart,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let (files, fields) = match crate::api::read_multipart(multipart).await {
        Ok(x) => x,
        Err(e) => {
            p.ctx.errors.push(super::FieldError {
                field: Some("file".into()),
                message: if p.tr.en { e.message_en } else { e.message },
            });
            return register_view(&state, p, Vec::new(), StatusCode::PAYLOAD_TOO_LARGE).await;
        }
    };
    let csrf = fields
        .iter()
        .find(|(n, _)| n == "csrf_token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !csrf_ok(&p, &csrf) {
        return csrf_refused(p);
    }
    let result = match crate::api_office::incoming_from_fields(&fields) {
        Ok(input) => {
            let file = files.into_iter().next().map(|(name, bytes)| NewFile {
                name,
                content_type: String::new(),
                bytes,
            });
            state.app.register_incoming(&actor, input, file).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(d) => Redirect::to(&format!("/can-bo/van-ban/{}?ok=done", d.row.id)).into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            name_field(p.tr, &mut fe, REGISTER_LABELS);
            p.ctx.errors.push(fe);
            register_view(&state, p, fields, status).await
        }
    }
}

async fn download(
    State(state): State<WebState>,
    p: Page,
    Path((id, file)): Path<(Uuid, Uuid)>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    match state.app.document_file(&actor, id, file).await {
        Ok((f, bytes)) => crate::api_office::file_response(&f.name, &f.content_type, bytes),
        Err(e) => error_page(p, e),
    }
}

#[derive(Deserialize, Default)]
struct SignPrepareForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    certificate: String,
}

#[derive(Template)]
#[template(path = "document_sign.html")]
struct SignPage {
    tr: Tr,
    ctx: PageCtx,
    id: Uuid,
    request: Uuid,
    signer: String,
    bytes_to_sign: String,
    digest: String,
    expires_at: String,
}

/// Step 1 of a token signature: the official's certificate in, the bytes
/// their token must sign out.
async fn sign_prepare(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<SignPrepareForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    match state
        .app
        .prepare_document_signature(&actor, id, f.certificate.trim().as_bytes())
        .await
    {
        Ok(prep) => render(
            StatusCode::OK,
            SignPage {
                tr: p.tr,
                ctx: p.ctx,
                id,
                request: prep.id,
                signer: prep.signer_subject.clone(),
                bytes_to_sign: prep.bytes_to_sign.clone(),
                digest: prep.digest.clone(),
                expires_at: local_time(p.tr, &prep.expires_at),
            },
        ),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some("certificate-sign".into());
            p.ctx.errors.push(fe);
            view(&state, p, id, status).await
        }
    }
}

#[derive(Deserialize, Default)]
struct SignFinaliseForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    signature: String,
}

/// Step 2: the token's signature value in; the signed PDF is stored.
async fn sign_finalise(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<SignFinaliseForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let result = async {
        let request = uuid_field("request", &f.request)?;
        let value = sen_app::signing::decode_base64("signature", &f.signature)?;
        state
            .app
            .finalise_document_signature(&actor, request, &value)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/can-bo/van-ban/{id}?ok=done")).into_response(),
        Err(e) => {
            let (status, fe) = error_of(p.tr, e);
            p.ctx.errors.push(fe);
            view(&state, p, id, status).await
        }
    }
}
