use sen_domain::access::Permission;
use sen_domain::Invalid;
use sen_store::StoreError;
use thiserror::Error;

/// What went wrong in a use case. The web edge maps each variant to one
/// HTTP status; messages are written for the person who caused them.
#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{what} not found")]
    NotFound { what: &'static str, key: String },
    #[error("conflict: {message_en}")]
    Conflict {
        message_vi: String,
        message_en: String,
    },
    #[error("authentication required")]
    Unauthenticated,
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("wrong or expired code")]
    BadCode,
    #[error("permission {0:?} required on this unit")]
    Forbidden(Permission),
    #[error("locked for {minutes} more minute(s) after too many failed attempts")]
    Locked { minutes: i64 },
    #[error("too many requests; try again in {minutes} minute(s)")]
    TooMany { minutes: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn not_found(what: &'static str, key: impl ToString) -> Self {
        AppError::NotFound {
            what,
            key: key.to_string(),
        }
    }

    pub fn conflict(vi: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::Conflict {
            message_vi: vi.into(),
            message_en: en.into(),
        }
    }
}

impl sen_store::db_retry::MaybeRetryable for AppError {
    fn is_retryable(&self) -> bool {
        matches!(self, AppError::Store(e) if e.is_retryable())
    }
}
