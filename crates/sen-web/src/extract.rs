//! Extractors that validate at the edge and turn every rejection into a
//! clear JSON error (never a bare 500 or an HTML page in the API).

use crate::error::ApiError;
use crate::WebState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use sen_app::Actor;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "sen_session";

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let detail = r.body_text();
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Nội dung phải là JSON (Content-Type: application/json)",
            "the body must be JSON (Content-Type: application/json)",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("JSON không hợp lệ: {detail}"),
            format!("malformed JSON: {detail}"),
        ),
        JsonRejection::JsonDataError(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("Dữ liệu JSON thiếu trường hoặc sai kiểu: {detail}"),
            format!("JSON has a missing field or a wrong type: {detail}"),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        other => ApiError::new(
            other.status(),
            "bad_request",
            format!("Yêu cầu không hợp lệ: {}", other.body_text()),
            format!("bad request: {}", other.body_text()),
        ),
    }
}

pub fn body_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "Nội dung gửi lên quá lớn (tối đa {} KB)",
            crate::API_BODY_LIMIT / 1024
        ),
        format!(
            "request body too large (at most {} KB)",
            crate::API_BODY_LIMIT / 1024
        ),
    )
}

pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|r: PathRejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_id",
                    format!("Mã định danh trong địa chỉ không hợp lệ: {}", r.body_text()),
                    format!("malformed identifier in the path: {}", r.body_text()),
                )
            })
    }
}

pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r: QueryRejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    format!("Tham số truy vấn không hợp lệ: {}", r.body_text()),
                    format!("invalid query parameters: {}", r.body_text()),
                )
            })
    }
}

/// The session token of a request: `Authorization: Bearer` first (API
/// clients), then the session cookie (browsers).
pub fn session_token(parts: &Parts) -> Option<(String, bool)> {
    if let Some(v) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        if let Some(t) = v.to_str().ok().and_then(|s| s.strip_prefix("Bearer ")) {
            return Some((t.trim().to_string(), false));
        }
    }
    for v in parts.headers.get_all(axum::http::header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for pair in s.split(';') {
            if let Some((k, val)) = pair.trim().split_once('=') {
                if k == SESSION_COOKIE && !val.is_empty() {
                    return Some((val.to_string(), true));
                }
            }
        }
    }
    None
}

/// A signed-in party. For a browser session (cookie), every unsafe method
/// must carry the session's CSRF token in `X-CSRF-Token`; bearer tokens are
/// never sent by browsers on their own and need none.
pub struct Auth {
    pub actor: Actor,
    pub csrf_token: String,
    pub token: String,
}

impl FromRequestParts<WebState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let (token, from_cookie) =
            session_token(parts).ok_or(sen_app::AppError::Unauthenticated)?;
        let (actor, session) = state
            .app
            .actor_for_token(&token)
            .await?
            .ok_or(sen_app::AppError::Unauthenticated)?;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if from_cookie && unsafe_method {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !sen_domain::auth::constant_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token)",
                    "missing or wrong anti-forgery token (X-CSRF-Token)",
                ));
            }
        }
        Ok(Auth {
            actor,
            csrf_token: session.csrf_token,
            token,
        })
    }
}

/// The client's address as the socket saw it ("unknown" in tests that call
/// the router without a socket).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

pub fn upload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "Tệp gửi lên quá lớn hoặc bị gián đoạn (tối đa {} MB mỗi lần gửi, 10 MB mỗi tệp)",
            crate::UPLOAD_BODY_LIMIT / 1024 / 1024
        ),
        format!(
            "the upload is too large or was cut off (at most {} MB per request, 10 MB per file)",
            crate::UPLOAD_BODY_LIMIT / 1024 / 1024
        ),
    )
}
