//! Server-rendered pages: the citizen portal and the officers' back office.
//! Vietnamese by default, English on request; every page works without
//! JavaScript; forms post back and redirect (post/redirect/get).

mod admin;
mod citizen;
mod dashboard;
mod i18n;
mod office;
mod verify;

pub use i18n::Tr;

use crate::extract::session_token;
use crate::WebState;
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sen_app::{Actor, AppError};
use sen_domain::dossier::{Action, ActionKind};
use serde::Deserialize;
use uuid::Uuid;

pub const LANG_COOKIE: &str = "sen_lang";

pub fn routes() -> Router<WebState> {
    Router::new()
        .merge(admin::routes())
        .merge(citizen::routes())
        .merge(dashboard::routes())
        .merge(office::routes())
        .merge(verify::routes())
        .route("/", get(home))
        .route("/ngon-ngu", get(language))
        .route("/static/{file}", get(static_file))
        .route("/thu-tuc", get(procedures))
        .route("/thu-tuc/{code}", get(procedure))
        .route("/tra-cuu", get(lookup))
        .route("/thong-ke", get(statistics))
        .route("/can-bo/dang-nhap", get(login_page).post(login))
        .route("/can-bo/dang-xuat", post(logout))
        .route("/can-bo", get(queue))
        .route("/can-bo/ho-so/{id}", get(dossier_page))
        .route("/can-bo/ho-so/{id}/thao-tac", post(dossier_act))
        .route("/can-bo/tiep-nhan", get(intake_page).post(intake))
        .route("/can-bo/lich", get(calendar_page).post(calendar_add))
        .route("/can-bo/lich/xoa", post(calendar_remove))
        .route("/can-bo/tai-khoan", get(account_page))
        .route("/can-bo/tai-khoan/totp", post(totp_begin))
        .route("/can-bo/tai-khoan/totp/xac-nhan", post(totp_confirm))
        .route(
            "/cong-dan/dang-nhap",
            get(citizen_login_page).post(citizen_login),
        )
        .route(
            "/thu-tuc/{code}/nop",
            get(submit_page)
                .post(submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::UPLOAD_BODY_LIMIT,
                )),
        )
}

#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

/// What every page needs: language, who is signed in, the CSRF token for
/// its forms, where it is, a status message and errors to summarise.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub user: Option<String>,
    /// A signed-in citizen's phone or e-mail.
    pub citizen: Option<String>,
    pub csrf: String,
    pub path: String,
    pub notice: Option<String>,
    pub errors: Vec<FieldError>,
}

/// The page extractor: never fails; pages decide what a missing sign-in means.
pub struct Page {
    pub tr: Tr,
    pub ctx: PageCtx,
    pub actor: Option<Actor>,
    pub token: Option<String>,
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|s| {
            s.split(';').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                (k == name).then(|| v.to_string())
            })
        })
}

impl FromRequestParts<WebState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let lang_q = query.split('&').find_map(|kv| kv.strip_prefix("lang="));
        let en = match lang_q {
            Some(l) => l == "en",
            None => cookie(parts, LANG_COOKIE).as_deref() == Some("en"),
        };
        let tr = Tr { en };
        let notice = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("ok="))
            .map(|k| match k {
                "received" => tr.s("received_ok").to_string(),
                "submitted" => tr.s("submitted_ok").to_string(),
                "rated" => tr.s("rated").to_string(),
                _ => tr.s("done_ok").to_string(),
            });
        let mut actor = None;
        let mut csrf = String::new();
        let mut token = None;
        if let Some((t, true)) = session_token(parts) {
            if let Ok(Some((a, s))) = state.app.actor_for_token(&t).await {
                csrf = s.csrf_token;
                actor = Some(a);
                token = Some(t);
            }
        }
        let user = match &actor {
            Some(Actor::Staff { username, .. }) => Some(username.clone()),
            _ => None,
        };
        let citizen = match &actor {
            Some(Actor::Citizen { id }) => state.app.citizen_label(*id).await.ok(),
            _ => None,
        };
        Ok(Page {
            tr,
            ctx: PageCtx {
                user,
                citizen,
                csrf,
                path: parts.uri.path().to_string(),
                notice,
                errors: Vec::new(),
            },
            actor,
            token,
        })
    }
}

fn render<T: Template>(status: StatusCode, t: T) -> Response {
    match t.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template error");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    tr: Tr,
    ctx: PageCtx,
    title: String,
    message: String,
}

/// An application error as a page, in the visitor's language.
fn error_page(p: Page, e: AppError) -> Response {
    let api = crate::error::ApiError::from(e);
    let message = if p.tr.en {
        api.message_en.clone()
    } else {
        api.message.clone()
    };
    let title = if api.status == StatusCode::NOT_FOUND {
        p.tr.s("not_found_title")
    } else {
        p.tr.s("error_title")
    };
    render(
        api.status,
        Message {
            tr: p.tr,
            ctx: p.ctx,
            title: title.into(),
            message,
        },
    )
}

fn error_of(tr: Tr, e: AppError) -> (StatusCode, FieldError) {
    let api = crate::error::ApiError::from(e);
    let message = if tr.en {
        api.message_en.clone()
    } else {
        api.message.clone()
    };
    (
        api.status,
        FieldError {
            field: api.field.map(str::to_string),
            message,
        },
    )
}

async fn static_file(Path(file): Path<String>) -> Response {
    let (body, ctype): (&'static [u8], &str) = match file.as_str() {
        "sen.css" => (
            include_bytes!("../../static/sen.css"),
            "text/css; charset=utf-8",
        ),
        "sen.js" => (
            include_bytes!("../../static/sen.js"),
            "text/javascript; charset=utf-8",
        ),
        "htmx.min.js" => (
            include_bytes!("../../static/htmx.min.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
    back: Option<String>,
}

async fn language(Query(q): Query<LangQuery>) -> Response {
    let lang = if q.to == "en" { "en" } else { "vi" };
    // Only a path on this site: never an open redirect.
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut headers = HeaderMap::new();
    if let Ok(v) = format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax").parse() {
        headers.insert(header::SET_COOKIE, v);
    }
    (headers, Redirect::to(&back)).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    tr: Tr,
    ctx: PageCtx,
    province: Option<String>,
    units: String,
    today: String,
}

async fn home(State(state): State<WebState>, p: Page) -> Response {
    let (province, units) = match state.app.public_overview().await {
        Ok((t, n)) => (t.map(|t| t.name), n),
        Err(e) => return error_page(p, e),
    };
    let today = chrono::Utc::now()
        .with_timezone(&sen_domain::vi::vn_offset())
        .date_naive();
    let today = if p.tr.en {
        today.format("%-d %B %Y").to_string()
    } else {
        sen_domain::vi::long_date(today)
    };
    render(
        StatusCode::OK,
        Home {
            tr: p.tr,
            ctx: p.ctx,
            province,
            units: sen_domain::vi::number(units),
            today,
        },
    )
}

async fn tenant(state: &WebState) -> Result<Uuid, AppError> {
    state
        .app
        .public_overview()
        .await?
        .0
        .map(|t| t.id)
        .ok_or_else(|| AppError::not_found("tenant", "-"))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "procedures.html")]
struct Procedures {
    tr: Tr,
    ctx: PageCtx,
    q: String,
    procedures: Vec<sen_app::catalogue::Procedure>,
}

async fn procedures(
    State(state): State<WebState>,
    p: Page,
    Query(q): Query<SearchQuery>,
) -> Response {
    let list = match tenant(&state).await {
        Ok(t) => state.app.procedures(t, q.q.as_deref()).await,
        Err(e) => Err(e),
    };
    match list {
        Ok(procedures) => render(
            StatusCode::OK,
            Procedures {
                tr: p.tr,
                ctx: p.ctx,
                q: q.q.unwrap_or_default(),
                procedures,
            },
        ),
        Err(e) => error_page(p, e),
    }
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    tr: Tr,
    ctx: PageCtx,
    p: sen_app::catalogue::Procedure,
    agencies: String,
}

async fn procedure(State(state): State<WebState>, p: Page, Path(code): Path<String>) -> Response {
    let t = match tenant(&state).await {
        Ok(t) => t,
        Err(e) => return error_page(p, e),
    };
    match state.app.procedure(t, &code).await {
        Ok(proc_) => {
            let units = state
                .app
                .units(&Actor::System, t, None)
                .await
                .unwrap_or_default();
            let agencies = proc_
                .spec
                .competent_units
                .iter()
                .map(|c| {
                    units
                        .iter()
                        .find(|u| &u.code == c)
                        .map(|u| u.name.clone())
                        .unwrap_or_else(|| c.clone())
                })
                .collect::<Vec<_>>()
                .join("; ");
            render(
                StatusCode::OK,
                ProcedurePage {
                    tr: p.tr,
                    ctx: p.ctx,
                    p: proc_,
                    agencies,
                },
            )
        }
        Err(e) => error_page(p, e),
    }
}

#[derive(Deserialize)]
struct LookupQuery {
    ma: Option<String>,
    #[serde(rename = "xac-minh")]
    proof: Option<String>,
}

#[derive(Template)]
#[template(path = "lookup.html")]
struct Lookup {
    tr: Tr,
    ctx: PageCtx,
    code: String,
    proof: String,
    dossier: Option<sen_app::public::PublicDossier>,
}

async fn lookup(
    State(state): State<WebState>,
    mut p: Page,
    Query(q): Query<LookupQuery>,
) -> Response {
    let code = q.ma.unwrap_or_default().trim().to_uppercase();
    let proof = q.proof.unwrap_or_default();
    let mut status = StatusCode::OK;
    let mut dossier = None;
    if !code.is_empty() {
        match state
            .app
            .public_lookup(
                &code,
                Some(&proof).filter(|s| !s.is_empty()).map(|s| s.as_str()),
            )
            .await
        {
            Ok(d) => dossier = Some(d),
            Err(e) => {
                let (s, mut fe) = error_of(p.tr, e);
                fe.field = Some("ma".into());
                status = s;
                p.ctx.errors.push(fe);
            }
        }
    }
    render(
        status,
        Lookup {
            tr: p.tr,
            ctx: p.ctx,
            code,
            proof,
            dossier,
        },
    )
}

// ----- back office -----

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    tr: Tr,
    ctx: PageCtx,
    totp: bool,
    username: String,
}

async fn login_page(p: Page) -> Response {
    if p.ctx.user.is_some() {
        return Redirect::to("/can-bo").into_response();
    }
    render(
        StatusCode::OK,
        Login {
            tr: p.tr,
            ctx: p.ctx,
            totp: false,
            username: String::new(),
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

fn with_session(state: &WebState, token: &str, to: &str) -> Response {
    let max_age = state.app.settings.session_hours * 3600;
    let mut headers = HeaderMap::new();
    if let Ok(v) = crate::api::session_cookie(state, token, max_age).parse() {
        headers.insert(header::SET_COOKIE, v);
    }
    (headers, Redirect::to(to)).into_response()
}

async fn login(
    State(state): State<WebState>,
    mut p: Page,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let result = if f.stage == "totp" {
        let mut parts = axum::http::Request::new(()).into_parts().0;
        parts.headers = headers;
        match session_token(&parts) {
            Some((t, _)) => state.app.sign_in_totp(&t, &f.code).await,
            None => Err(AppError::Unauthenticated),
        }
    } else {
        state.app.sign_in(&f.username, &f.password, &client).await
    };
    match result {
        Ok(s) if s.totp_required => {
            let mut headers = HeaderMap::new();
            if let Ok(v) = crate::api::session_cookie(&state, &s.token, 600).parse() {
                headers.insert(header::SET_COOKIE, v);
            }
            (
                headers,
                render(
                    StatusCode::OK,
                    Login {
                        tr: p.tr,
                        ctx: p.ctx,
                        totp: true,
                        username: f.username,
                    },
                ),
            )
                .into_response()
        }
        Ok(s) => with_session(&state, &s.token, "/can-bo"),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some(
                if f.stage == "totp" {
                    "code"
                } else {
                    "username"
                }
                .into(),
            );
            p.ctx.errors.push(fe);
            render(
                status,
                Login {
                    tr: p.tr,
                    ctx: p.ctx,
                    totp: f.stage == "totp",
                    username: f.username,
                },
            )
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

fn csrf_ok(p: &Page, sent: &str) -> bool {
    !p.ctx.csrf.is_empty() && sen_domain::auth::constant_eq(sent.as_bytes(), p.ctx.csrf.as_bytes())
}

fn csrf_refused(p: Page) -> Response {
    let msg = if p.tr.en {
        "The form has expired. Please reload the page and try again."
    } else {
        "Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại."
    };
    render(
        StatusCode::FORBIDDEN,
        Message {
            tr: p.tr,
            ctx: p.ctx,
            title: p.tr.s("error_title").into(),
            message: msg.into(),
        },
    )
}

async fn logout(State(state): State<WebState>, p: Page, Form(f): Form<CsrfForm>) -> Response {
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    if let Some(t) = &p.token {
        if let Err(e) = state.app.sign_out(t).await {
            return error_page(p, e);
        }
    }
    let mut headers = HeaderMap::new();
    if let Ok(v) = crate::api::session_cookie(&state, "", 0).parse() {
        headers.insert(header::SET_COOKIE, v);
    }
    (headers, Redirect::to("/")).into_response()
}

/// Staff pages: the signed-in staff member, or a redirect to sign in.
fn staff(p: &Page) -> Option<(Actor, Uuid)> {
    match &p.actor {
        Some(a @ Actor::Staff { tenant_id, .. }) => Some((a.clone(), *tenant_id)),
        _ => None,
    }
}

pub struct QueueRow {
    pub id: Uuid,
    pub code: String,
    pub applicant: String,
    pub status: String,
    pub step: String,
    pub due: String,
    pub urgency: &'static str,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct Queue {
    tr: Tr,
    ctx: PageCtx,
    dossiers: Vec<QueueRow>,
}

async fn queue(State(state): State<WebState>, p: Page) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let open = [
        "submitted",
        "incomplete_at_intake",
        "received",
        "in_process",
        "awaiting_approval",
        "waiting_supplement",
        "result_ready",
    ];
    match state
        .app
        .dossiers(&actor, tenant, open.iter().map(|s| s.to_string()).collect())
        .await
    {
        Ok(list) => {
            let now = state.app.now_local().format("%Y-%m-%dT%H:%M").to_string();
            let today_end = format!("{}T23:59", &now[..10]);
            let dossiers = list
                .into_iter()
                .map(|d| {
                    let due = d.row.due_at.clone().unwrap_or_default();
                    let urgency = if due.is_empty() {
                        ""
                    } else if due[..10] < now[..10] {
                        "overdue"
                    } else if due <= today_end {
                        "soon"
                    } else {
                        ""
                    };
                    QueueRow {
                        id: d.row.id,
                        code: d.row.code,
                        applicant: d.row.applicant_name,
                        status: d.row.status,
                        step: d.step.unwrap_or_default(),
                        due,
                        urgency,
                    }
                })
                .collect();
            render(
                StatusCode::OK,
                Queue {
                    tr: p.tr,
                    ctx: p.ctx,
                    dossiers,
                },
            )
        }
        Err(AppError::Forbidden(_)) => render(
            StatusCode::OK,
            Queue {
                tr: p.tr,
                ctx: p.ctx,
                dossiers: Vec::new(),
            },
        ),
        Err(e) => error_page(p, e),
    }
}

pub struct ActionForm {
    pub kind: &'static str,
    pub steps: Vec<(String, String)>,
    pub reason: bool,
    pub missing: bool,
    pub new_due: bool,
    pub score: bool,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    tr: Tr,
    ctx: PageCtx,
    d: sen_app::dossiers::Dossier,
    procedure: String,
    step_name: String,
    actions: Vec<ActionForm>,
    timeline: Vec<sen_app::public::TimelineEntry>,
    forms: Vec<sen_app::forms::AvailableForm>,
    files: Vec<sen_app::model::Attachment>,
}

async fn dossier_view(state: &WebState, p: Page, id: Uuid, status: StatusCode) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let load = async {
        let d = state.app.dossier(&actor, id).await?;
        let procedure = state.app.procedure_by_id(d.row.procedure_id).await?;
        let history = state.app.dossier_history(&actor, id).await?;
        let actions = state.app.available_actions(&actor, id).await?;
        let forms = state.app.dossier_forms(&actor, id).await?;
        let files = state.app.attachments(&actor, id).await?;
        Ok::<_, AppError>((d, procedure, history, actions, forms, files))
    };
    match load.await {
        Ok((d, procedure, history, actions, forms, files)) => {
            let step = d
                .step
                .clone()
                .or_else(|| procedure.spec.steps.first().map(|s| s.id.clone()))
                .unwrap_or_default();
            let step_name = procedure
                .spec
                .steps
                .iter()
                .find(|s| s.id == step)
                .map(|s| s.name.clone())
                .unwrap_or(step);
            let actions = actions
                .into_iter()
                .map(|a| ActionForm {
                    kind: a.kind.as_str(),
                    reason: matches!(
                        a.kind,
                        ActionKind::RejectAtIntake
                            | ActionKind::RequestSupplement
                            | ActionKind::Refuse
                            | ActionKind::Stop
                            | ActionKind::Extend
                            | ActionKind::SendBack
                    ),
                    missing: a.kind == ActionKind::RequestSupplement,
                    new_due: a.kind == ActionKind::Extend,
                    score: a.kind == ActionKind::Rate,
                    steps: a.steps,
                })
                .collect();
            render(
                status,
                DossierPage {
                    tr: p.tr,
                    ctx: p.ctx,
                    d,
                    procedure: procedure.spec.name,
                    step_name,
                    actions,
                    timeline: history.timeline,
                    forms,
                    files,
                },
            )
        }
        Err(e) => error_page(p, e),
    }
}

async fn dossier_page(State(state): State<WebState>, p: Page, Path(id): Path<Uuid>) -> Response {
    dossier_view(&state, p, id, StatusCode::OK).await
}

#[derive(Deserialize)]
struct ActionFormData {
    #[serde(default)]
    csrf_token: String,
    action: String,
    #[serde(default)]
    to_step: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    missing: String,
    #[serde(default)]
    new_due: String,
    #[serde(default)]
    score: String,
}

fn action_from_form(f: &ActionFormData) -> Result<Action, AppError> {
    let kind = ActionKind::parse(&f.action)?;
    let bad_due = || {
        sen_domain::Invalid::new(
            "new_due",
            "Ngày hẹn mới không hợp lệ",
            "the new due date is invalid",
        )
    };
    Ok(match kind {
        ActionKind::Receive => Action::Receive,
        ActionKind::RejectAtIntake => Action::RejectAtIntake {
            reason: f.reason.clone(),
        },
        ActionKind::RequestSupplement => Action::RequestSupplement {
            reason: f.reason.clone(),
            missing: f
                .missing
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        },
        ActionKind::Supplement => Action::Supplement,
        ActionKind::HandOff => Action::HandOff {
            to_step: f.to_step.clone(),
        },
        ActionKind::SendBack => Action::SendBack {
            to_step: f.to_step.clone(),
            reason: f.reason.clone(),
        },
        ActionKind::ProposeResult => Action::ProposeResult,
        ActionKind::ApproveResult => Action::ApproveResult,
        ActionKind::Refuse => Action::Refuse {
            reason: f.reason.clone(),
        },
        ActionKind::Stop => Action::Stop {
            reason: f.reason.clone(),
        },
        ActionKind::Withdraw => Action::Withdraw,
        ActionKind::Extend => Action::Extend {
            new_due: chrono::NaiveDateTime::parse_from_str(&f.new_due, "%Y-%m-%dT%H:%M")
                .map_err(|_| bad_due())?,
            approved_by: Uuid::nil(),
            reason: f.reason.clone(),
        },
        ActionKind::Return => Action::Return,
        ActionKind::Rate => Action::Rate {
            score: f.score.trim().parse().map_err(|_| {
                sen_domain::Invalid::new(
                    "score",
                    "Mức độ hài lòng từ 1 đến 5",
                    "a score from 1 to 5",
                )
            })?,
        },
    })
}

async fn dossier_act(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<ActionFormData>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let result = match action_from_form(&f) {
        Ok(a) => state.app.act(&actor, id, a).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/can-bo/ho-so/{id}?ok=done")).into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = fe
                .field
                .map(|f_| format!("{f_}-{}", f.action))
                .filter(|_| false);
            p.ctx.errors.push(fe);
            dossier_view(&state, p, id, status).await
        }
    }
}

#[derive(Deserialize, Default)]
struct IntakeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    procedure_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    address: String,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    tr: Tr,
    ctx: PageCtx,
    procedures: Vec<(String, String)>,
    form: IntakeForm,
}

async fn intake_view(state: &WebState, p: Page, form: IntakeForm, status: StatusCode) -> Response {
    let Some((_, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    match state.app.procedures(tenant, None).await {
        Ok(list) => {
            let procedures = list
                .into_iter()
                .map(|x| {
                    (
                        x.spec.code.clone(),
                        format!("{} – {}", x.spec.code, x.spec.name),
                    )
                })
                .collect();
            render(
                status,
                IntakePage {
                    tr: p.tr,
                    ctx: p.ctx,
                    procedures,
                    form,
                },
            )
        }
        Err(e) => error_page(p, e),
    }
}

async fn intake_page(State(state): State<WebState>, p: Page) -> Response {
    intake_view(&state, p, IntakeForm::default(), StatusCode::OK).await
}

async fn intake(State(state): State<WebState>, mut p: Page, Form(f): Form<IntakeForm>) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let intake = sen_app::dossiers::Intake {
        procedure_code: f.procedure_code.clone(),
        applicant: sen_app::dossiers::Applicant {
            name: f.name.clone(),
            phone: opt(&f.phone),
            email: opt(&f.email),
            id_number: opt(&f.id_number),
            address: opt(&f.address),
        },
        receiving_unit_id: None,
    };
    match state.app.receive_at_counter(&actor, tenant, intake).await {
        Ok(d) => Redirect::to(&format!("/can-bo/ho-so/{}?ok=received", d.row.id)).into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = fe.field.map(|x| match x.as_str() {
                "applicant.name" => "name".into(),
                "applicant.phone" => "phone".into(),
                "applicant.email" => "email".into(),
                "applicant.id_number" => "id_number".into(),
                _ => "procedure_code".into(),
            });
            p.ctx.errors.push(fe);
            intake_view(&state, p, f, status).await
        }
    }
}

// ----- the working calendar -----

pub struct DecisionRow {
    pub id: Uuid,
    pub date: String,
    pub kind: &'static str,
    pub name: String,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    tr: Tr,
    ctx: PageCtx,
    year: i32,
    holidays: Vec<(String, String, &'static str)>,
    decisions: Vec<DecisionRow>,
    can_edit: bool,
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i32>,
}

async fn calendar_view(
    state: &WebState,
    p: Page,
    year: Option<i32>,
    status: StatusCode,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let year = year
        .filter(|y| (1900..=2100).contains(y))
        .unwrap_or_else(|| {
            state
                .app
                .now_local()
                .date()
                .format("%Y")
                .to_string()
                .parse()
                .unwrap_or(2026)
        });
    let load = async {
        let cal = state.app.calendar(tenant).await?;
        let decisions = state.app.calendar_decisions(tenant).await?;
        let root = state.app.root_unit(tenant).await?;
        let can_edit = state
            .app
            .require(
                &actor,
                sen_domain::access::Permission::CatalogueManage,
                root,
            )
            .await
            .is_ok();
        Ok::<_, AppError>((cal, decisions, can_edit))
    };
    match load.await {
        Ok((cal, decisions, can_edit)) => {
            let holidays = cal
                .holidays(year)
                .into_iter()
                .map(|h| {
                    let kind = match h.kind {
                        sen_calendar::HolidayKind::Statutory => "statutory",
                        sen_calendar::HolidayKind::Compensatory => "compensatory",
                        sen_calendar::HolidayKind::Decision => "decision",
                    };
                    let date = if p.tr.en {
                        h.date.format("%-d %B %Y").to_string()
                    } else {
                        sen_domain::vi::long_date(h.date)
                    };
                    (date, if p.tr.en { h.name_en } else { h.name_vi }, kind)
                })
                .collect();
            let decisions = decisions
                .into_iter()
                .map(|d| {
                    let (kind, name) = match &d.decision {
                        sen_calendar::Decision::DayOff { name, .. } => ("day_off", name.clone()),
                        sen_calendar::Decision::WorkingDay { name, .. } => {
                            ("working_day", name.clone())
                        }
                        sen_calendar::Decision::NotHoliday { .. } => ("not_holiday", String::new()),
                    };
                    DecisionRow {
                        id: d.id,
                        date: d.decision.date().format("%d/%m/%Y").to_string(),
                        kind,
                        name,
                        reference: d.reference,
                    }
                })
                .collect();
            render(
                status,
                CalendarPage {
                    tr: p.tr,
                    ctx: p.ctx,
                    year,
                    holidays,
                    decisions,
                    can_edit,
                },
            )
        }
        Err(e) => error_page(p, e),
    }
}

async fn calendar_page(
    State(state): State<WebState>,
    p: Page,
    Query(q): Query<YearQuery>,
) -> Response {
    calendar_view(&state, p, q.year, StatusCode::OK).await
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf_token: String,
    kind: String,
    date: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    reference: String,
}

async fn calendar_add(
    State(state): State<WebState>,
    mut p: Page,
    Form(f): Form<DecisionForm>,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let date = chrono::NaiveDate::parse_from_str(&f.date, "%Y-%m-%d");
    let result = match (date, f.kind.as_str()) {
        (Err(_), _) => Err(AppError::Invalid(sen_domain::Invalid::new(
            "date",
            "Ngày không hợp lệ",
            "invalid date",
        ))),
        (Ok(date), "day_off") => Ok(sen_calendar::Decision::DayOff {
            date,
            name: f.name.clone(),
        }),
        (Ok(date), "working_day") => Ok(sen_calendar::Decision::WorkingDay {
            date,
            name: f.name.clone(),
        }),
        (Ok(date), "not_holiday") => Ok(sen_calendar::Decision::NotHoliday { date }),
        _ => Err(AppError::Invalid(sen_domain::Invalid::new(
            "kind",
            "Loại quyết định không hợp lệ",
            "invalid kind",
        ))),
    };
    let year = date
        .ok()
        .map(|d| d.format("%Y").to_string().parse().unwrap_or(2026));
    let result = match result {
        Ok(d) => state
            .app
            .add_calendar_decision(&actor, tenant, d, &f.reference)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!(
            "/can-bo/lich?year={}&ok=done",
            year.unwrap_or(2026)
        ))
        .into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some(match fe.field.as_deref() {
                Some("reference") => "reference".into(),
                Some("name") => "name".into(),
                Some("kind") => "kind".into(),
                _ => "date".into(),
            });
            p.ctx.errors.push(fe);
            calendar_view(&state, p, year, status).await
        }
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf_token: String,
    id: Uuid,
}

async fn calendar_remove(
    State(state): State<WebState>,
    p: Page,
    Form(f): Form<RemoveForm>,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    match state
        .app
        .remove_calendar_decision(&actor, tenant, f.id)
        .await
    {
        Ok(()) => Redirect::to("/can-bo/lich?ok=done").into_response(),
        Err(e) => error_page(p, e),
    }
}

// ----- citizens -----

#[derive(Template)]
#[template(path = "citizen_login.html")]
struct CitizenLogin {
    tr: Tr,
    ctx: PageCtx,
    stage_code: bool,
    address: String,
    next: String,
    demo_code: Option<String>,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//"))
        .unwrap_or("/cong-dan/ho-so")
        .to_string()
}

async fn citizen_login_page(p: Page, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    render(
        StatusCode::OK,
        CitizenLogin {
            tr: p.tr,
            ctx: p.ctx,
            stage_code: false,
            address: String::new(),
            next,
            demo_code: None,
        },
    )
}

#[derive(Deserialize)]
struct CitizenLoginForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

async fn citizen_login(
    State(state): State<WebState>,
    mut p: Page,
    Form(f): Form<CitizenLoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next));
    if f.stage == "code" {
        match state.app.citizen_verify_code(&f.address, &f.code).await {
            Ok(s) => with_session(&state, &s.token, &next),
            Err(e) => {
                let (status, mut fe) = error_of(p.tr, e);
                fe.field = Some("code".into());
                p.ctx.errors.push(fe);
                render(
                    status,
                    CitizenLogin {
                        tr: p.tr,
                        ctx: p.ctx,
                        stage_code: true,
                        address: f.address,
                        next,
                        demo_code: None,
                    },
                )
            }
        }
    } else {
        match state.app.citizen_request_code(&f.address).await {
            Ok(demo_code) => render(
                StatusCode::OK,
                CitizenLogin {
                    tr: p.tr,
                    ctx: p.ctx,
                    stage_code: true,
                    address: f.address,
                    next,
                    demo_code,
                },
            ),
            Err(e) => {
                let (status, mut fe) = error_of(p.tr, e);
                fe.field = Some("address".into());
                p.ctx.errors.push(fe);
                render(
                    status,
                    CitizenLogin {
                        tr: p.tr,
                        ctx: p.ctx,
                        stage_code: false,
                        address: f.address,
                        next,
                        demo_code: None,
                    },
                )
            }
        }
    }
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    tr: Tr,
    ctx: PageCtx,
    procedure_code: String,
    procedure_name: String,
    form: IntakeForm,
}

async fn submit_view(
    state: &WebState,
    p: Page,
    code: String,
    form: IntakeForm,
    status: StatusCode,
) -> Response {
    let procedure = match tenant(state).await {
        Ok(t) => state.app.procedure(t, &code).await,
        Err(e) => Err(e),
    };
    match procedure {
        Ok(proc_) => render(
            status,
            SubmitPage {
                tr: p.tr,
                ctx: p.ctx,
                procedure_code: code,
                procedure_name: proc_.spec.name,
                form,
            },
        ),
        Err(e) => error_page(p, e),
    }
}

async fn submit_page(State(state): State<WebState>, p: Page, Path(code): Path<String>) -> Response {
    if !matches!(p.actor, Some(Actor::Citizen { .. })) {
        return Redirect::to(&format!("/cong-dan/dang-nhap?next=/thu-tuc/{code}/nop"))
            .into_response();
    }
    let mut form = IntakeForm::default();
    if let Some(c) = &p.ctx.citizen {
        if c.contains('@') {
            form.email = c.clone();
        } else {
            form.phone = c.clone();
        }
    }
    submit_view(&state, p, code, form, StatusCode::OK).await
}

async fn submit(
    State(state): State<WebState>,
    mut p: Page,
    Path(code): Path<String>,
    multipart: axum::extract::Multipart,
) -> Response {
    let (files, fields) = match crate::api::read_multipart(multipart).await {
        Ok(x) => x,
        Err(e) => {
            let message = if p.tr.en { e.message_en } else { e.message };
            p.ctx.errors.push(FieldError {
                field: Some("files".into()),
                message,
            });
            return submit_view(
                &state,
                p,
                code,
                IntakeForm::default(),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
    };
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let f = IntakeForm {
        csrf_token: field("csrf_token"),
        procedure_code: code.clone(),
        name: field("name"),
        phone: field("phone"),
        email: field("email"),
        id_number: field("id_number"),
        address: field("address"),
    };
    // Every file is checked before anything is written.
    for (name, bytes) in &files {
        if let Err(e) = sen_domain::files::check_upload(name, bytes) {
            if !csrf_ok(&p, &f.csrf_token) {
                return csrf_refused(p);
            }
            let (status, mut fe) = error_of(p.tr, AppError::Invalid(e));
            fe.field = Some("files".into());
            p.ctx.errors.push(fe);
            return submit_view(&state, p, code, f, status).await;
        }
    }
    let Some(actor @ Actor::Citizen { .. }) = p.actor.clone() else {
        return Redirect::to("/cong-dan/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let applicant = sen_app::dossiers::Applicant {
        name: f.name.clone(),
        phone: opt(&f.phone),
        email: opt(&f.email),
        id_number: opt(&f.id_number),
        address: opt(&f.address),
    };
    let result = match tenant(&state).await {
        Ok(t) => state.app.submit_online(&actor, t, &code, applicant).await,
        Err(e) => Err(e),
    };
    let result = match result {
        Ok(d) if !files.is_empty() => state.app.attach(&actor, d.row.id, files).await.map(|_| d),
        other => other,
    };
    match result {
        Ok(_) => Redirect::to("/cong-dan/ho-so?ok=submitted").into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = fe
                .field
                .map(|x| x.trim_start_matches("applicant.").to_string());
            p.ctx.errors.push(fe);
            submit_view(&state, p, code, f, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    tr: Tr,
    ctx: PageCtx,
    stats: Vec<sen_app::stats::AgencyStats>,
}

async fn statistics(State(state): State<WebState>, p: Page) -> Response {
    let stats = match tenant(&state).await {
        Ok(t) => state.app.agency_statistics(t).await,
        Err(e) => Err(e),
    };
    match stats {
        Ok(stats) => render(
            StatusCode::OK,
            StatsPage {
                tr: p.tr,
                ctx: p.ctx,
                stats,
            },
        ),
        Err(e) => error_page(p, e),
    }
}

// ----- my account (TOTP enrolment) -----

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    tr: Tr,
    ctx: PageCtx,
    username: String,
    roles: String,
    totp_enabled: bool,
    secret: Option<String>,
    uri: String,
}

async fn account_view(
    state: &WebState,
    p: Page,
    secret: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let Some((Actor::Staff { id, grants, .. }, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let account = match state.app.account_by_id(id).await {
        Ok(a) => a,
        Err(e) => return error_page(p, e),
    };
    let roles = grants
        .iter()
        .map(|g| {
            if p.tr.en {
                g.role.label_en()
            } else {
                g.role.label_vi()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (uri, secret) = match secret {
        Some((uri, secret)) => (uri, Some(secret)),
        None => (String::new(), None),
    };
    render(
        status,
        AccountPage {
            tr: p.tr,
            ctx: p.ctx,
            username: account.username,
            roles,
            totp_enabled: account.totp_enabled,
            secret,
            uri,
        },
    )
}

async fn account_page(State(state): State<WebState>, p: Page) -> Response {
    account_view(&state, p, None, StatusCode::OK).await
}

async fn totp_begin(State(state): State<WebState>, p: Page, Form(f): Form<CsrfForm>) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    match state.app.totp_begin(&actor).await {
        Ok(pair) => account_view(&state, p, Some(pair), StatusCode::OK).await,
        Err(e) => error_page(p, e),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf_token: String,
    code: String,
}

async fn totp_confirm(
    State(state): State<WebState>,
    mut p: Page,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    match state.app.totp_confirm(&actor, &f.code).await {
        Ok(()) => Redirect::to("/can-bo/tai-khoan?ok=done").into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = None;
            p.ctx.errors.push(fe);
            account_view(&state, p, None, status).await
        }
    }
}
