//! New dossiers, many at once, in as few statements as the backend allows
//! (the group commit of counter intakes, `sen_app::dossiers`).
//!
//! A group of intakes needs two things from the database before it can be
//! made: numbers from the desks' gap-free counters (the codes) and the
//! chain head (the events' hashes). [`draw()`] takes both; the caller makes
//! the rows, seals the events and folds the public views; [`write()`] writes
//! all of it and moves the head. On PostgreSQL each is one statement, so a
//! group costs four round trips with `BEGIN` and `COMMIT` (it took nine
//! when each table had its statement): the locks on the counters and the
//! head, which every other intake waits for, are held for less time. On
//! SQLite, where a statement is a function call, each table keeps its
//! statements.
//!
//! Lock order, as in a single intake: the counters (in key order), then
//! the chain head. A new row's public view is written with the row, so it
//! is never marked in the lookup cache (nothing can hold a row that did not
//! exist).

use crate::db::{get_i64, get_str, Backend, Db, Tx};
use crate::dossiers::StoredDossier;
use crate::error::{corrupt, StoreError};
use crate::events::{self, Head};
use crate::monitoring::{self, CounterRows};
use crate::outbox::{self, NewMessage};
use sen_domain::audit::Event;
use std::collections::BTreeMap;

/// The most values one combined statement binds: PostgreSQL takes 65,535;
/// a group of 32 intakes binds about 3,500.
const MAX_BINDS: usize = 30_000;

/// Takes `n` numbers from each counter `key` (in key order), then reads and
/// locks the chain head, both held until `tx` ends. Returns the last number
/// taken from each counter (the caller's are `last - n + 1 ..= last`) and
/// the head.
pub async fn draw(
    db: &Db,
    tx: &mut Tx,
    counters: &BTreeMap<String, i64>,
) -> Result<(BTreeMap<String, i64>, Head), StoreError> {
    if db.backend() == Backend::Sqlite || counters.is_empty() {
        let mut lasts = BTreeMap::new();
        for (key, n) in counters {
            lasts.insert(key.clone(), crate::counters::take(tx, key, *n).await?);
        }
        return Ok((lasts, events::lock_head(db, tx).await?));
    }
    // The head's condition reads every counter row the insert returns, so
    // the counters are moved (and locked) before the head row is locked.
    let sql = format!(
        "WITH c AS (INSERT INTO counters (key, value) VALUES {}
             ON CONFLICT (key) DO UPDATE SET value = counters.value + excluded.value
             RETURNING key, value),
         h AS (SELECT last_seq, last_hash FROM event_head
             WHERE id = 1 AND (SELECT COUNT(*) FROM c) > 0 FOR UPDATE)
         SELECT c.key, c.value, h.last_seq, h.last_hash FROM c CROSS JOIN h",
        crate::db::placeholders(counters.len(), 2)
    );
    let mut q = sqlx::query(&sql);
    for (key, n) in counters {
        q = q.bind(key).bind((*n).max(1));
    }
    let rows = q.fetch_all(&mut **tx).await?;
    let mut lasts = BTreeMap::new();
    let mut head = None;
    for r in &rows {
        lasts.insert(get_str(r, "key")?, get_i64(r, "value")?);
        head = Some(Head {
            seq: get_i64(r, "last_seq")?,
            hash: get_str(r, "last_hash")?,
        });
    }
    match head {
        Some(head) if lasts.len() == counters.len() => Ok((lasts, head)),
        _ => Err(corrupt(
            "counters",
            format!(
                "{} of {} counters moved, or no chain head",
                lasts.len(),
                counters.len()
            ),
        )),
    }
}

/// What [`write()`] writes: new rows in their received state, each with its
/// public view, their events sealed after the head [`draw()`] returned, the
/// head after them, and the notices.
#[derive(Debug, Clone, Copy)]
pub struct NewDossiers<'a> {
    pub rows: &'a [StoredDossier],
    /// One per row, in the same order.
    pub views: &'a [String],
    pub events: &'a [Event],
    pub head: &'a Head,
    pub messages: &'a [NewMessage],
}

/// Writes `new` in `tx`: the rows with their views, their monitoring
/// counters, the events and the head's move, the notices.
pub async fn write(db: &Db, tx: &mut Tx, new: NewDossiers<'_>) -> Result<(), StoreError> {
    if new.views.len() != new.rows.len() {
        return Err(StoreError::Batch(format!(
            "{} public views for {} new dossiers",
            new.views.len(),
            new.rows.len()
        )));
    }
    let mut deltas = monitoring::Deltas::new();
    for d in new.rows {
        monitoring::diff(&mut deltas, None, &monitoring::Facts::of(d), &d.updated_at)?;
    }
    let counts = CounterRows::of(&deltas);
    let binds = new.rows.len() * (crate::dossiers::PER_ROW + 1)
        + counts.binds()
        + new.events.len() * events::PER_ROW
        + new.messages.len() * outbox::PER_ROW
        + 2;
    if db.backend() == Backend::Postgres && binds <= MAX_BINDS && !new.rows.is_empty() {
        return write_in_one(tx, &new, &counts).await;
    }
    for (rows, views) in new.rows.chunks(40).zip(new.views.chunks(40)) {
        let sql = crate::dossiers::insert_sql(0, rows.len(), true);
        let mut q = sqlx::query(&sql);
        for (d, v) in rows.iter().zip(views) {
            q = crate::dossiers::bind_row(q, d).bind(v);
        }
        q.execute(&mut **tx).await?;
    }
    monitoring::apply(tx, &deltas).await?;
    events::write_sealed(db, tx, new.events, new.head).await?;
    outbox::enqueue_many(tx, new.messages).await?;
    Ok(())
}

/// [`write()`] on PostgreSQL: one statement, the head's move last.
async fn write_in_one(
    tx: &mut Tx,
    new: &NewDossiers<'_>,
    counts: &CounterRows,
) -> Result<(), StoreError> {
    let mut parts = vec![format!(
        "d AS ({})",
        crate::dossiers::insert_sql(0, new.rows.len(), true)
    )];
    let mut n = new.rows.len() * (crate::dossiers::PER_ROW + 1);
    if !counts.daily.is_empty() {
        parts.push(counts.upserts(n));
        n += counts.binds();
    }
    if !new.events.is_empty() {
        parts.push(format!(
            "e AS ({})",
            events::insert_sql(n, new.events.len())
        ));
        n += new.events.len() * events::PER_ROW;
    }
    if !new.messages.is_empty() {
        parts.push(format!(
            "o AS ({})",
            outbox::insert_sql(n, new.messages.len())
        ));
        n += new.messages.len() * outbox::PER_ROW;
    }
    let last = match new.events.is_empty() {
        true => "SELECT 1".to_string(),
        false => events::move_head_sql(n),
    };
    let sql = format!("WITH {} {last}", parts.join(", "));
    let mut q = sqlx::query(&sql);
    for (d, v) in new.rows.iter().zip(new.views) {
        q = crate::dossiers::bind_row(q, d).bind(v);
    }
    q = counts.bind(q);
    q = events::bind_rows(q, new.events);
    for m in new.messages {
        q = outbox::bind_message(q, m);
    }
    if !new.events.is_empty() {
        q = q.bind(new.head.seq).bind(&new.head.hash);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
