//! The one mapping from application errors to HTTP responses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sen_app::AppError;
use serde_json::json;

/// An error as the API returns it:
/// `{"error": {"code", "message", "message_en", "field"?}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub message_en: String,
    pub field: Option<&'static str>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            message: vi.into(),
            message_en: en.into(),
            field: None,
        }
    }

    pub fn not_found_route() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Không có địa chỉ này trong API",
            "no such API route",
        )
    }
}

fn what_vi(what: &str) -> &'static str {
    match what {
        "unit" => "đơn vị",
        "account" => "tài khoản",
        "tenant" => "tỉnh",
        "calendar_decision" => "quyết định về lịch làm việc",
        "procedure" => "thủ tục",
        "dossier" => "hồ sơ",
        "form" => "biểu mẫu",
        "attachment" => "tệp đính kèm",
        _ => "đối tượng",
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        use StatusCode as S;
        match e {
            AppError::Invalid(i) => ApiError {
                status: S::UNPROCESSABLE_ENTITY,
                code: "invalid",
                message: i.message_vi,
                message_en: i.message_en,
                field: Some(i.field),
            },
            AppError::NotFound { what, key } => ApiError::new(
                S::NOT_FOUND,
                "not_found",
                format!("Không tìm thấy {} «{key}»", what_vi(what)),
                format!("{what} «{key}» not found"),
            ),
            AppError::Conflict { message_vi, message_en } => {
                ApiError::new(S::CONFLICT, "conflict", message_vi, message_en)
            }
            AppError::Unauthenticated => ApiError::new(
                S::UNAUTHORIZED,
                "unauthenticated",
                "Cần đăng nhập để thực hiện thao tác này",
                "sign-in required",
            ),
            AppError::BadCredentials => ApiError::new(
                S::UNAUTHORIZED,
                "bad_credentials",
                "Sai tên đăng nhập hoặc mật khẩu",
                "wrong user name or password",
            ),
            AppError::BadCode => ApiError::new(
                S::UNAUTHORIZED,
                "bad_code",
                "Mã xác thực không đúng hoặc đã hết hạn",
                "wrong or expired code",
            ),
            AppError::Forbidden(p) => ApiError::new(
                S::FORBIDDEN,
                "forbidden",
                format!("Bạn không có quyền thực hiện thao tác này trên đơn vị này (cần quyền {p:?})"),
                format!("you lack the permission {p:?} on this unit"),
            ),
            AppError::Locked { minutes } => ApiError::new(
                S::TOO_MANY_REQUESTS,
                "locked",
                format!("Tài khoản tạm thời bị khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút hoặc liên hệ quản trị viên."),
                format!("the account is locked after too many failed sign-ins; try again in {minutes} minute(s) or contact an administrator"),
            ),
            AppError::TooMany { minutes } => ApiError::new(
                S::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("Quá nhiều yêu cầu. Vui lòng thử lại sau {minutes} phút."),
                format!("too many requests; try again in {minutes} minute(s)"),
            ),
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage error");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Lỗi hệ thống; thao tác không được thực hiện. Vui lòng thử lại.",
                    "internal error; nothing was changed. Please try again.",
                )
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Lỗi hệ thống; thao tác không được thực hiện.",
                    "internal error; nothing was changed.",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body =
            json!({"code": self.code, "message": self.message, "message_en": self.message_en});
        if let Some(f) = self.field {
            body["field"] = json!(f);
        }
        (self.status, Json(json!({ "error": body }))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
