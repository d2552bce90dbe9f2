//! The outbox: messages (SMS, e-mail) written in the same transaction as the
//! change that causes them. Delivery workers claim due rows; the unique
//! idempotency key makes enqueueing the same message twice a no-op.

use crate::db::{get_i64, get_opt_str, get_str, get_uuid, now_utc, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: Uuid,
    /// `sms` or `email`.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    #[serde(skip)]
    pub body: String,
    pub idempotency_key: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
}

/// Enqueues a message; returns false if one with the same key exists.
pub async fn enqueue(
    tx: &mut Tx,
    channel: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    idempotency_key: &str,
) -> Result<bool, StoreError> {
    let now = now_utc();
    let n = sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, subject, body, idempotency_key, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(crate::new_id().to_string())
    .bind(channel)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(idempotency_key)
    .bind(&now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The newest messages, for operators (bodies are not included).
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, channel, recipient, subject, body, idempotency_key, status, attempts, last_error, created_at
         FROM outbox ORDER BY created_at DESC LIMIT $1",
    )
    .bind(limit.clamp(1, 1000))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Message {
                id: get_uuid(r, "id")?,
                channel: get_str(r, "channel")?,
                recipient: get_str(r, "recipient")?,
                subject: get_str(r, "subject")?,
                body: get_str(r, "body")?,
                idempotency_key: get_str(r, "idempotency_key")?,
                status: get_str(r, "status")?,
                attempts: get_i64(r, "attempts")?,
                last_error: get_opt_str(r, "last_error")?,
                created_at: get_str(r, "created_at")?,
            })
        })
        .collect()
}

pub async fn count_pending(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")
        .fetch_one(db.pool())
        .await?;
    get_i64(&row, "n")
}
