//! Bulk loading for the synthetic province (`sen demo --scale N`): many
//! dossiers with their events in one transaction per batch, with multi-row
//! statements, the hash chain sealed in order after the current head, the
//! monitoring counters and the dossier-code counters moved with them.
//! The result is what the one-stop shop would have written one change at a
//! time: `sen audit verify` walks the same chain, the public lookup folds
//! the same events.

use crate::db::{get_i64, get_str, placeholders, Db};
use crate::dossiers::StoredDossier;
use crate::error::StoreError;
use crate::monitoring::{self, Deltas};
use sen_domain::audit::NewEvent;
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;

/// An event to append, with its id and time (UTC text) chosen by the caller.
#[derive(Debug, Clone)]
pub struct TimedEvent {
    pub id: Uuid,
    pub at: String,
    pub event: NewEvent,
}

/// The current values of some counters (absent keys are 0).
pub async fn counter_values(db: &Db, keys: &[String]) -> Result<HashMap<String, i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT key, value FROM counters WHERE key IN ({})",
            ph.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for k in chunk {
            q = q.bind(k);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.insert(get_str(&r, "key")?, get_i64(&r, "value")?);
        }
    }
    Ok(out)
}

/// What one batch wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    pub dossiers: usize,
    pub events: usize,
    /// The chain's sequence number after the batch.
    pub last_seq: i64,
}

/// Rows per multi-row statement. SQLite's driver looks each `$n` up by
/// name, which costs in proportion to the number of parameters, so its
/// statements stay small (about a thousand binds); PostgreSQL takes larger
/// ones (limit 65,535 binds).
fn chunk(db: &Db) -> usize {
    match db.backend() {
        crate::Backend::Sqlite => 40,
        crate::Backend::Postgres => 400,
    }
}

/// Writes `dossiers` and `events` (in chain order), adds `deltas` to the
/// monitoring counters and raises the dossier-code `counters` to at least
/// the values given, all in one transaction.
pub async fn insert_batch(
    db: &Db,
    dossiers: &[StoredDossier],
    events: Vec<TimedEvent>,
    deltas: &Deltas,
    counters: &[(String, i64)],
) -> Result<BatchOutcome, StoreError> {
    let chunk_rows = chunk(db);
    let mut tx = db.begin().await?;
    let head = sqlx::query(&format!(
        "SELECT last_seq, last_hash FROM event_head WHERE id = 1{}",
        db.backend().for_update()
    ))
    .fetch_one(&mut *tx)
    .await?;
    let mut seq = get_i64(&head, "last_seq")?;
    let mut hash = get_str(&head, "last_hash")?;

    for chunk in dossiers.chunks(chunk_rows) {
        crate::dossiers::insert_rows(&mut tx, chunk).await?;
    }

    let n_events = events.len();
    let mut sealed = Vec::with_capacity(chunk_rows);
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        sealed.clear();
        for te in events.by_ref().take(chunk_rows) {
            seq += 1;
            let ev = te.event.seal(seq, te.id, te.at, &hash);
            hash = ev.hash.clone();
            sealed.push(ev);
        }
        crate::events::insert_rows(&mut tx, &sealed).await?;
    }
    sqlx::query("UPDATE event_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;

    monitoring::apply(&mut tx, deltas).await?;

    for chunk in counters.chunks(chunk_rows) {
        let sql = format!(
            "INSERT INTO counters (key, value) VALUES {} ON CONFLICT (key) DO UPDATE SET value =
             CASE WHEN excluded.value > counters.value THEN excluded.value ELSE counters.value END",
            placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql);
        for (k, v) in chunk {
            q = q.bind(k).bind(*v);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(BatchOutcome {
        dossiers: dossiers.len(),
        events: n_events,
        last_seq: seq,
    })
}

/// Refreshes the planner's statistics after a bulk load.
pub async fn analyze(db: &Db) -> Result<(), StoreError> {
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(())
}

/// Dossiers of a province (a quick count for the loader's report).
pub async fn count_dossiers(db: &Db, tenant: Uuid) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM dossiers WHERE tenant_id = $1")
        .bind(tenant.to_string())
        .fetch_one(db.pool())
        .await?;
    Ok(r.try_get::<i64, _>("n")?)
}
