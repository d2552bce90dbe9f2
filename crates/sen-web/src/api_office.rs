//! The e-office part of `/api/v1`: registers and documents.

use crate::api::read_multipart;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::WebState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sen_app::office::{DocAction, NewDraft, NewFile, NewIncoming, NewRegister};
use sen_app::{Actor, AppError};
use sen_domain::Invalid;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/registers", get(list_registers).post(create_register))
        .route("/documents", get(list_documents).post(create_draft))
        .route(
            "/documents/incoming",
            post(register_incoming).layer(axum::extract::DefaultBodyLimit::max(
                crate::UPLOAD_BODY_LIMIT,
            )),
        )
        .route("/documents/{id}", get(get_document))
        .route("/documents/{id}/actions", post(act))
        .route("/documents/{id}/files/{file}", get(download_file))
}

fn tenant_of(actor: &Actor) -> Result<Uuid, AppError> {
    match actor {
        Actor::Staff { tenant_id, .. } => Ok(*tenant_id),
        _ => Err(AppError::Unauthenticated),
    }
}

#[derive(Deserialize)]
struct RegisterQuery {
    unit_id: Option<Uuid>,
}

async fn list_registers(
    State(state): State<WebState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<Json<Value>> {
    let tenant = tenant_of(&auth.actor)?;
    let list = state.app.registers(&auth.actor, tenant, q.unit_id).await?;
    Ok(Json(json!({ "registers": list })))
}

async fn create_register(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewRegister>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = state.app.create_register(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

#[derive(Deserialize, Default)]
pub(crate) struct DocQuery {
    /// `incoming` or `outgoing`.
    pub direction: Option<String>,
    /// Comma-separated statuses.
    pub status: Option<String>,
    /// Accent-insensitive words.
    pub q: Option<String>,
    /// Only documents where I am the author, the holder or the handler.
    pub mine: Option<bool>,
    pub register_id: Option<Uuid>,
    pub year: Option<i64>,
}

impl DocQuery {
    pub(crate) fn filter(
        &self,
        actor: &Actor,
    ) -> Result<sen_app::office::DocumentFilter, AppError> {
        if let Some(d) = &self.direction {
            sen_domain::office::Direction::parse(d)?;
        }
        let statuses: Vec<String> = self
            .status
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| sen_domain::office::DocStatus::parse(s).map(|x| x.as_str().to_string()))
            .collect::<Result<_, _>>()?;
        Ok(sen_app::office::DocumentFilter {
            direction: self.direction.clone(),
            statuses,
            involving: match (self.mine, actor) {
                (Some(true), Actor::Staff { id, .. }) => Some(*id),
                _ => None,
            },
            register_id: self.register_id,
            year: self.year,
            ..Default::default()
        })
    }
}

async fn list_documents(
    State(state): State<WebState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<DocQuery>,
) -> ApiResult<Json<Value>> {
    let filter = q.filter(&auth.actor)?;
    let list = state
        .app
        .documents(&auth.actor, filter, q.q.as_deref())
        .await?;
    Ok(Json(json!({ "documents": list })))
}

async fn create_draft(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let d = state.app.create_draft(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(json!(d))))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Reads the fields of an incoming registration (a form or multipart).
pub(crate) fn incoming_from_fields(fields: &[(String, String)]) -> Result<NewIncoming, AppError> {
    let required = |name: &'static str| {
        field(fields, name).ok_or_else(|| {
            Invalid::new(
                name,
                "Trường này không được để trống",
                "this field is required",
            )
        })
    };
    let date = |name: &'static str, v: &str| {
        chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            Invalid::new(
                name,
                format!("Ngày «{v}» không hợp lệ (YYYY-MM-DD)"),
                format!("date «{v}» is invalid (YYYY-MM-DD)"),
            )
        })
    };
    let register_id = Uuid::parse_str(required("register_id")?)
        .map_err(|_| Invalid::new("register_id", "Sổ không hợp lệ", "invalid register"))?;
    Ok(NewIncoming {
        register_id,
        doc_type: required("doc_type")?.to_string(),
        original_number: required("original_number")?.to_string(),
        doc_date: date("doc_date", required("doc_date")?)?,
        sender_name: required("sender_name")?.to_string(),
        subject: required("subject")?.to_string(),
        urgency: field(fields, "urgency").map(str::to_string),
        due_date: field(fields, "due_date")
            .map(|v| date("due_date", v))
            .transpose()?,
    })
}

async fn register_incoming(
    State(state): State<WebState>,
    auth: Auth,
    multipart: axum::extract::Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (files, fields) = read_multipart(multipart).await?;
    let input = incoming_from_fields(&fields)?;
    let file = files.into_iter().next().map(|(name, bytes)| NewFile {
        name,
        content_type: String::new(),
        bytes,
    });
    let d = state
        .app
        .register_incoming(&auth.actor, input, file)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(d))))
}

async fn get_document(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Value>> {
    let app = &state.app;
    let d = app.document(&auth.actor, id).await?;
    let actions = app.document_actions(&auth.actor, &d).await?;
    Ok(Json(json!({
        "document": d,
        "actions": actions,
        "recipients": app.document_recipients(&auth.actor, id).await?,
        "versions": app.document_versions(&auth.actor, id).await?,
        "files": app.document_files(&auth.actor, id).await?,
        "events": app.document_events(&auth.actor, id).await?,
    })))
}

async fn act(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<DocAction>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        state.app.act_on_document(&auth.actor, id, action).await?
    )))
}

pub(crate) fn file_response(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn download_file(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath((id, file)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let (f, bytes) = state.app.document_file(&auth.actor, id, file).await?;
    Ok(file_response(&f.name, &f.content_type, bytes))
}
