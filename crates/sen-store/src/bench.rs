//! The storage side of `sen bench`: the baseline of durable single-row
//! inserts into a scratch table, one transaction each, as fast as the
//! database allows; samples and sizes; the cost of the monitoring hook.

use crate::db::Db;
use crate::error::StoreError;
use sqlx::Row;

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

/// Up to `n` dossier codes drawn at random from the whole table.
pub async fn sample_codes(db: &Db, n: i64) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT code FROM dossiers ORDER BY random() LIMIT $1")
        .bind(n.max(1))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("code")?))
        .collect()
}

/// The number of dossiers, counted by a full scan (the dashboard's
/// baseline: the cheapest query that reads every dossier).
pub async fn count_all_dossiers(db: &Db) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM dossiers")
        .fetch_one(db.pool())
        .await?;
    Ok(r.try_get::<i64, _>("n")?)
}

/// Dossiers without a stored public view of the version starting with
/// `current`.
pub async fn count_missing_views(db: &Db, current: &str) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM dossiers WHERE {}",
        crate::dossiers::stale_view(1)
    );
    let r = sqlx::query(&sql)
        .bind(crate::dossiers::stale_pattern(current))
        .fetch_one(db.pool())
        .await?;
    Ok(r.try_get::<i64, _>("n")?)
}

/// Rows of the daily and monthly monitoring counters, and open dossiers
/// (what the dashboard reads).
pub async fn monitoring_sizes(db: &Db) -> Result<(i64, i64, i64), StoreError> {
    let n = |sql: &'static str| async move {
        let r = sqlx::query(sql).fetch_one(db.pool()).await?;
        Ok::<_, StoreError>(r.try_get::<i64, _>("n")?)
    };
    Ok((
        n("SELECT COUNT(*) AS n FROM monitoring_daily").await?,
        n("SELECT COUNT(*) AS n FROM monitoring_monthly").await?,
        n("SELECT COUNT(*) AS n FROM dossiers WHERE completed_at IS NULL AND received_at IS NOT NULL")
            .await?,
    ))
}

/// The cost of the monitoring hook of one change, as an intake group pays
/// it: the counters' differences for the creation of `row`, `per_group`
/// of them folded together and applied in one statement (as a group of
/// intakes writes its counters), `n` times inside one transaction that is
/// then rolled back (nothing is left behind). Seconds per change.
pub async fn monitoring_hook_secs(
    db: &Db,
    row: &crate::dossiers::StoredDossier,
    n: usize,
    per_group: usize,
) -> Result<f64, StoreError> {
    use crate::monitoring::{apply, diff, Deltas, Facts};
    let facts = Facts::of(row);
    let per_group = per_group.max(1);
    let mut tx = db.begin().await?;
    let start = std::time::Instant::now();
    for _ in 0..n {
        let mut deltas = Deltas::new();
        for _ in 0..per_group {
            diff(&mut deltas, None, &facts, &row.updated_at)?;
        }
        apply(&mut tx, &deltas).await?;
    }
    let secs = start.elapsed().as_secs_f64();
    tx.rollback().await?;
    Ok(secs / (n.max(1) * per_group) as f64)
}

/// How many batches the public lookup's reads on PostgreSQL were done in
/// so far, and how many reads those batches answered (`None` on SQLite).
pub fn pg_read_batches(db: &Db) -> Option<(usize, usize)> {
    db.pg_reads().map(|r| r.batches())
}
