//! Gap-free sequences: the next number for a key, allocated inside the
//! caller's transaction. Two transactions asking for the same key are
//! serialised by the row (PostgreSQL) or by the write lock (SQLite), so no
//! two get the same number; a rolled-back transaction returns its number.

use crate::db::{get_i64, Tx};
use crate::error::StoreError;

pub async fn next(tx: &mut Tx, key: &str) -> Result<i64, StoreError> {
    take(tx, key, 1).await
}

/// Takes the next `n` numbers for `key` (n >= 1) and returns the last of
/// them: the caller's numbers are `last - n + 1 ..= last`.
pub async fn take(tx: &mut Tx, key: &str, n: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO counters (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = counters.value + excluded.value
         RETURNING value",
    )
    .bind(key)
    .bind(n.max(1))
    .fetch_one(&mut **tx)
    .await?;
    get_i64(&row, "value")
}
