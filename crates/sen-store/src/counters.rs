//! Gap-free sequences: the next number for a key, allocated inside the
//! caller's transaction. Two transactions asking for the same key are
//! serialised by the row (PostgreSQL) or by the write lock (SQLite), so no
//! two get the same number; a rolled-back transaction returns its number.

use crate::db::{get_i64, Tx};
use crate::error::StoreError;

pub async fn next(tx: &mut Tx, key: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO counters (key, value) VALUES ($1, 1)
         ON CONFLICT (key) DO UPDATE SET value = counters.value + 1
         RETURNING value",
    )
    .bind(key)
    .fetch_one(&mut **tx)
    .await?;
    get_i64(&row, "value")
}
