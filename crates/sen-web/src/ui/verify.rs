//! `/xac-thuc`: the public page where anyone checks a digitally signed PDF
//! (who signed it, when, intact or modified, trusted or not). A plain
//! multipart form, no JavaScript; the file is checked and never stored.

use super::{error_of, render, FieldError, Page, PageCtx, Tr};
use crate::api_sign::{multipart_file, verify_bytes, VERIFY_BODY_LIMIT};
use crate::WebState;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use sen_app::signing::VerificationReport;

pub fn routes() -> Router<WebState> {
    Router::new().route(
        "/xac-thuc",
        get(page)
            .post(upload)
            .layer(DefaultBodyLimit::max(VERIFY_BODY_LIMIT)),
    )
}

#[derive(Template)]
#[template(path = "verify.html")]
struct Verify {
    tr: Tr,
    ctx: PageCtx,
    file_name: String,
    report: Option<VerificationReport>,
}

async fn page(p: Page) -> Response {
    render(
        StatusCode::OK,
        Verify {
            tr: p.tr,
            ctx: p.ctx,
            file_name: String::new(),
            report: None,
        },
    )
}

fn with_error(mut p: Page, status: StatusCode, message: String) -> Response {
    p.ctx.errors.push(FieldError {
        field: Some("file".into()),
        message,
    });
    render(
        status,
        Verify {
            tr: p.tr,
            ctx: p.ctx,
            file_name: String::new(),
            report: None,
        },
    )
}

async fn upload(
    State(state): State<WebState>,
    p: Page,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let tr = p.tr;
    let pick = |e: crate::error::ApiError| {
        if tr.en {
            e.message_en
        } else {
            e.message
        }
    };
    let Ok(m) = multipart else {
        return with_error(p, StatusCode::BAD_REQUEST, tr.s("verify_choose").into());
    };
    let (name, bytes) = match multipart_file(m).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            return with_error(
                p,
                StatusCode::UNPROCESSABLE_ENTITY,
                tr.s("verify_choose").into(),
            )
        }
        Err(e) => return with_error(p, e.status, pick(e)),
    };
    match verify_bytes(&state, bytes).await {
        Ok(report) => render(
            StatusCode::OK,
            Verify {
                tr: p.tr,
                ctx: p.ctx,
                file_name: sen_domain::files::clean_name(&name),
                report: Some(report),
            },
        ),
        Err(e) => {
            let (status, fe) = error_of(tr, e);
            with_error(p, status, fe.message)
        }
    }
}
