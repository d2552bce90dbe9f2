//! The signed-in citizen's dossiers (`/cong-dan/ho-so`): status, due time,
//! the rating of a finished dossier, and the supplement an agency asked for
//! (what was asked, read from the request's event, and a form to upload the
//! missing files and send the supplement).

use super::{
    csrf_ok, csrf_refused, error_of, error_page, render, tenant, FieldError, Page, PageCtx, Tr,
};
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sen_app::{Actor, AppError};
use sen_domain::dossier::{Action, ActionKind};
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/cong-dan/ho-so", get(my_dossiers))
        .route("/cong-dan/ho-so/{id}/danh-gia", post(rate))
        .route(
            "/cong-dan/ho-so/{id}/bo-sung",
            post(supplement).layer(axum::extract::DefaultBodyLimit::max(
                crate::UPLOAD_BODY_LIMIT,
            )),
        )
}

/// What the agency asked for, from the last `request_supplement` event.
pub struct Asked {
    pub reason: String,
    pub missing: Vec<String>,
}

pub struct MyDossier {
    pub id: Uuid,
    pub code: String,
    pub procedure: String,
    pub status: String,
    pub due: String,
    pub can_rate: bool,
    pub rating: Option<i64>,
    /// Set when the dossier waits for the applicant's supplement.
    pub asked: Option<Asked>,
}

#[derive(Template)]
#[template(path = "my_dossiers.html")]
struct MyDossiers {
    tr: Tr,
    ctx: PageCtx,
    dossiers: Vec<MyDossier>,
}

#[derive(Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

const WAITING: &[&str] = &["waiting_supplement", "incomplete_at_intake"];

async fn my_dossiers_view(state: &WebState, p: Page, status: StatusCode) -> Response {
    let Some(actor @ Actor::Citizen { .. }) = p.actor.clone() else {
        return Redirect::to("/cong-dan/dang-nhap").into_response();
    };
    let load = async {
        let t = tenant(state).await?;
        let list = state.app.dossiers(&actor, t, Vec::new()).await?;
        let mut out = Vec::new();
        for d in list {
            let procedure = state
                .app
                .procedure_by_id(d.row.procedure_id)
                .await?
                .spec
                .name;
            let asked = if WAITING.contains(&d.row.status.as_str()) {
                let h = state.app.dossier_history(&actor, d.row.id).await?;
                let detail = h
                    .timeline
                    .iter()
                    .rev()
                    .find(|e| e.action == "request_supplement")
                    .and_then(|e| e.detail.clone())
                    .unwrap_or_default();
                Some(Asked {
                    reason: detail["reason"].as_str().unwrap_or_default().to_string(),
                    missing: detail["missing"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|m| m.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            } else {
                None
            };
            out.push(MyDossier {
                id: d.row.id,
                can_rate: d.allowed_actions.contains(&ActionKind::Rate) && d.row.rating.is_none(),
                rating: d.row.rating,
                code: d.row.code,
                procedure,
                status: d.row.status,
                due: d.row.due_at.unwrap_or_default(),
                asked,
            });
        }
        Ok::<_, AppError>(out)
    };
    match load.await {
        Ok(dossiers) => render(
            status,
            MyDossiers {
                tr: p.tr,
                ctx: p.ctx,
                dossiers,
            },
        ),
        Err(e) => error_page(p, e),
    }
}

async fn my_dossiers(
    State(state): State<WebState>,
    mut p: Page,
    Query(q): Query<OkQuery>,
) -> Response {
    if q.ok.as_deref() == Some("supplemented") {
        p.ctx.notice = Some(p.tr.s("supplement_ok").to_string());
    }
    my_dossiers_view(&state, p, StatusCode::OK).await
}

#[derive(Deserialize)]
struct RateForm {
    #[serde(default)]
    csrf_token: String,
    score: String,
}

async fn rate(
    State(state): State<WebState>,
    p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<RateForm>,
) -> Response {
    let Some(actor @ Actor::Citizen { .. }) = p.actor.clone() else {
        return Redirect::to("/cong-dan/dang-nhap").into_response();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let score = match f.score.trim().parse::<u8>() {
        Ok(s) => s,
        Err(_) => {
            return error_page(
                p,
                AppError::Invalid(sen_domain::Invalid::new(
                    "score",
                    "Mức độ hài lòng từ 1 đến 5",
                    "a score from 1 to 5",
                )),
            )
        }
    };
    match state.app.act(&actor, id, Action::Rate { score }).await {
        Ok(_) => Redirect::to("/cong-dan/ho-so?ok=rated").into_response(),
        Err(e) => error_page(p, e),
    }
}

/// The supplement: multipart with the files (checked by content and size in
/// `App::submit_supplement`, all or nothing) and the CSRF token.
async fn supplement(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    multipart: axum::extract::Multipart,
) -> Response {
    let Some(actor @ Actor::Citizen { .. }) = p.actor.clone() else {
        return Redirect::to("/cong-dan/dang-nhap").into_response();
    };
    let field = format!("files-{id}");
    let (files, fields) = match crate::api::read_multipart(multipart).await {
        Ok(x) => x,
        Err(e) => {
            // Too large: the form cannot be read, not even its token; nothing
            // was changed, so the page is shown again with the reason.
            let message = if p.tr.en { e.message_en } else { e.message };
            p.ctx.errors.push(FieldError {
                field: Some(field),
                message,
            });
            return my_dossiers_view(&state, p, StatusCode::PAYLOAD_TOO_LARGE).await;
        }
    };
    let csrf = fields
        .iter()
        .find(|(n, _)| n == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if !csrf_ok(&p, csrf) {
        return csrf_refused(p);
    }
    match state.app.submit_supplement(&actor, id, files).await {
        Ok(_) => Redirect::to("/cong-dan/ho-so?ok=supplemented").into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some(field);
            p.ctx.errors.push(fe);
            my_dossiers_view(&state, p, status).await
        }
    }
}
