//! The outbox: messages (SMS, e-mail) written in the same transaction as the
//! change that causes them. Delivery workers claim due rows; the unique
//! idempotency key makes enqueueing the same message twice a no-op.

use crate::db::{get_i64, get_opt_str, get_str, get_uuid, AnyQuery, Db, Tx};
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

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// At most one message per key is ever queued.
    pub idempotency_key: String,
    /// Due at (and created at).
    pub now: String,
}

/// Enqueues a message; returns false if one with the same key exists.
pub async fn enqueue(
    tx: &mut Tx,
    channel: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    idempotency_key: &str,
    now: &str,
) -> Result<bool, StoreError> {
    let m = NewMessage {
        channel: channel.into(),
        recipient: recipient.into(),
        subject: subject.into(),
        body: body.into(),
        idempotency_key: idempotency_key.into(),
        now: now.into(),
    };
    Ok(enqueue_many(tx, std::slice::from_ref(&m)).await? == 1)
}

/// Enqueues messages in one statement; those whose key is already queued
/// are skipped. Returns how many were queued.
pub async fn enqueue_many(tx: &mut Tx, messages: &[NewMessage]) -> Result<u64, StoreError> {
    let mut queued = 0;
    for chunk in messages.chunks(100) {
        let sql = insert_sql(0, chunk.len());
        let mut q = sqlx::query(&sql);
        for m in chunk {
            q = bind_message(q, m);
        }
        queued += q.execute(&mut **tx).await?.rows_affected();
    }
    Ok(queued)
}

/// Values bound per message by [`insert_sql`].
pub(crate) const PER_ROW: usize = 10;

/// The multi-row insert of `rows` messages (a key already queued is left
/// alone), its parameters numbered after the first `before`.
pub(crate) fn insert_sql(before: usize, rows: usize) -> String {
    format!(
        "INSERT INTO outbox (id, channel, recipient, subject, body, idempotency_key, status, attempts, next_attempt_at, created_at)
         VALUES {} ON CONFLICT (idempotency_key) DO NOTHING",
        crate::db::placeholders_after(before, rows, PER_ROW)
    )
}

/// Binds the [`PER_ROW`] values of a message, pending and due now.
pub(crate) fn bind_message<'q>(q: AnyQuery<'q>, m: &'q NewMessage) -> AnyQuery<'q> {
    q.bind(crate::new_id().to_string())
        .bind(&m.channel)
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(&m.idempotency_key)
        .bind("pending")
        .bind(0i64)
        .bind(&m.now)
        .bind(&m.now)
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

/// A message claimed for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub idempotency_key: String,
    pub attempts: i64,
}

/// Claims up to `limit` messages due at `now`: pending ones, and ones a
/// crashed sender claimed whose lease has run out. Claimed messages are
/// leased until `lease_until`, so that no other sender takes them meanwhile
/// (PostgreSQL skips rows another claimer holds; SQLite has one writer).
pub async fn claim_due(
    db: &Db,
    channels: &[&str],
    limit: i64,
    now: &str,
    lease_until: &str,
) -> Result<Vec<Claimed>, StoreError> {
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = db.begin().await?;
    let skip = match db.backend() {
        crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let ph: Vec<String> = (0..channels.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT id, channel, recipient, subject, body, idempotency_key, attempts FROM outbox
         WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 AND channel IN ({})
         ORDER BY next_attempt_at LIMIT $2{skip}",
        ph.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(now).bind(limit.clamp(1, 1000));
    for c in channels {
        q = q.bind(*c);
    }
    let rows = q.fetch_all(&mut *tx).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let c = Claimed {
            id: get_uuid(r, "id")?,
            channel: get_str(r, "channel")?,
            recipient: get_str(r, "recipient")?,
            subject: get_str(r, "subject")?,
            body: get_str(r, "body")?,
            idempotency_key: get_str(r, "idempotency_key")?,
            attempts: get_i64(r, "attempts")?,
        };
        sqlx::query("UPDATE outbox SET status = 'sending', next_attempt_at = $1 WHERE id = $2")
            .bind(lease_until)
            .bind(c.id.to_string())
            .execute(&mut *tx)
            .await?;
        out.push(c);
    }
    tx.commit().await?;
    Ok(out)
}

pub async fn mark_sent(db: &Db, id: Uuid, now: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
        .bind(now)
        .bind(id.to_string())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records a failed attempt: the message is tried again at `retry_at`, or
/// given up (`failed`) when `retry_at` is `None`.
pub async fn mark_failed(
    db: &Db,
    id: Uuid,
    error: &str,
    retry_at: Option<&str>,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(1000).collect();
    match retry_at {
        Some(at) => sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(at)
        .bind(id.to_string()),
        None => sqlx::query("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE id = $2")
            .bind(error)
            .bind(id.to_string()),
    }
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Attempts made so far for one message.
pub async fn attempts(db: &Db, id: Uuid) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT attempts FROM outbox WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(db.pool())
        .await?;
    get_i64(&row, "attempts")
}
