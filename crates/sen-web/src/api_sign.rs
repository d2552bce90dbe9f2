//! Digital signatures in `/api/v1`: the public verification of a signed
//! PDF, and the two steps of signing an issued document with an official's
//! USB token (prepare, then finalise with the token's signature value).

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::WebState;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use sen_app::signing::{decode_base64, VerificationReport};
use sen_app::AppError;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// The largest PDF that can be verified.
pub(crate) const VERIFY_FILE_LIMIT: usize = sen_domain::files::MAX_FILE_BYTES;
/// The body limit of a verification request: the file and the multipart
/// framing around it.
pub(crate) const VERIFY_BODY_LIMIT: usize = VERIFY_FILE_LIMIT + 64 * 1024;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route(
            "/signatures/verify",
            post(verify).layer(DefaultBodyLimit::max(VERIFY_BODY_LIMIT)),
        )
        .route("/documents/{id}/signatures/prepare", post(prepare))
        .route("/signatures/{id}/finalise", post(finalise))
}

pub(crate) fn file_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Tệp gửi lên quá lớn hoặc bị gián đoạn (tối đa 10 MB)",
        "the file is too large or was cut off (at most 10 MB)",
    )
}

/// The first file of a multipart body (the part named `file`, or else any
/// part with a file name).
pub(crate) async fn multipart_file(
    mut m: axum::extract::Multipart,
) -> Result<Option<(String, Vec<u8>)>, ApiError> {
    let mut found: Option<(String, Vec<u8>)> = None;
    while let Some(field) = m.next_field().await.map_err(|_| file_too_large())? {
        let is_file = field.name() == Some("file") || field.file_name().is_some();
        let name = field.file_name().unwrap_or("tep.pdf").to_string();
        let bytes = field.bytes().await.map_err(|_| file_too_large())?;
        if is_file && found.is_none() && !bytes.is_empty() {
            found = Some((name, bytes.to_vec()));
        }
    }
    Ok(found)
}

/// Verifies the PDF off the async threads (hashing and RSA over up to
/// 10 MB).
pub(crate) async fn verify_bytes(
    state: &WebState,
    bytes: Vec<u8>,
) -> Result<VerificationReport, AppError> {
    let app = state.app.clone();
    tokio::task::spawn_blocking(move || app.verify_upload(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("verification task: {e}")))?
}

/// `POST /signatures/verify`: a PDF as `multipart/form-data` (field
/// `file`) or as the body itself (`application/pdf`). Public.
async fn verify(
    State(state): State<WebState>,
    req: Request,
) -> ApiResult<Json<VerificationReport>> {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = if ctype.starts_with("multipart/form-data") {
        let m = axum::extract::Multipart::from_request(req, &state)
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("Nội dung multipart không hợp lệ: {}", e.body_text()),
                    format!("malformed multipart body: {}", e.body_text()),
                )
            })?;
        multipart_file(m).await?.map(|(_, b)| b).unwrap_or_default()
    } else if ctype.starts_with("application/pdf") || ctype.starts_with("application/octet-stream")
    {
        axum::body::to_bytes(req.into_body(), VERIFY_FILE_LIMIT)
            .await
            .map_err(|_| file_too_large())?
            .to_vec()
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Gửi tệp PDF dạng multipart/form-data (trường file) hoặc application/pdf",
            "send the PDF as multipart/form-data (field file) or as application/pdf",
        ));
    };
    Ok(Json(verify_bytes(&state, bytes).await?))
}

#[derive(Deserialize)]
struct PrepareBody {
    /// The token's certificate, with its chain when known: PEM text, or
    /// one DER certificate in base64.
    certificate: String,
}

async fn prepare(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PrepareBody>,
) -> ApiResult<impl IntoResponse> {
    let chain = if body.certificate.contains("-----BEGIN") {
        body.certificate.into_bytes()
    } else {
        decode_base64("certificate", &body.certificate)?
    };
    let p = state
        .app
        .prepare_document_signature(&auth.actor, id, &chain)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

#[derive(Deserialize)]
struct FinaliseBody {
    /// The token's signature over `bytes_to_sign`, base64.
    signature_value: String,
}

async fn finalise(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FinaliseBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let value = decode_base64("signature_value", &body.signature_value)?;
    let file = state
        .app
        .finalise_document_signature(&auth.actor, id, &value)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "file": file }))))
}
