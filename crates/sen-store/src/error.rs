use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("unsupported database URL «{0}»: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("corrupt row in {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
    #[error("migration {version} ({name}) was changed after it was applied (checksum mismatch)")]
    MigrationChanged { version: i64, name: String },
    #[error("backup error: {0}")]
    Backup(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database read error: {0}")]
    Read(String),
    #[error("grouped write: {0}")]
    Batch(String),
    #[error("database settings: {0}")]
    Settings(String),
}

impl StoreError {
    /// A unique-key violation: the caller maps it to a "duplicate" message.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// A foreign-key violation.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e)) if e.is_foreign_key_violation())
    }

    /// A transient conflict between concurrent transactions that is safe to
    /// retry: PostgreSQL serialization failure (40001) or deadlock (40P01),
    /// SQLite busy/locked.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => {
                let code = e.code().map(|c| c.into_owned()).unwrap_or_default();
                matches!(code.as_str(), "40001" | "40P01" | "5" | "517" | "6" | "262")
            }
            StoreError::Db(sqlx::Error::PoolTimedOut) => true,
            _ => false,
        }
    }
}

pub(crate) fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: detail.to_string(),
    }
}
