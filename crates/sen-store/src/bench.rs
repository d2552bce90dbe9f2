//! The storage baseline of `sen bench`: durable single-row inserts into a
//! scratch table, one transaction each, as fast as the database allows.

use crate::db::Db;
use crate::error::StoreError;

/// Creates (or empties) the scratch table.
pub async fn prepare(db: &Db) -> Result<(), StoreError> {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_rows (id TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL)")
        .execute(db.pool())
        .await?;
    sqlx::query("DELETE FROM bench_rows")
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Inserts one row of about `bytes` bytes in its own transaction.
pub async fn insert_one(db: &Db, bytes: usize) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let half = "x".repeat(bytes / 2);
    sqlx::query("INSERT INTO bench_rows (id, a, b) VALUES ($1, $2, $3)")
        .bind(crate::new_id().to_string())
        .bind(&half)
        .bind(&half)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Drops the scratch table.
pub async fn cleanup(db: &Db) -> Result<(), StoreError> {
    sqlx::query("DROP TABLE IF EXISTS bench_rows")
        .execute(db.pool())
        .await?;
    Ok(())
}
