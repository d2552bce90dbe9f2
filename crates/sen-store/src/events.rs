//! The event log: append inside the caller's transaction, read, verify.

use crate::db::{
    get_i64, get_opt_str, get_opt_uuid, get_str, get_uuid, new_id, now_utc, AnyQuery, Backend, Db,
    Tx,
};
use crate::error::StoreError;
use sen_domain::audit::{ChainVerifier, Event, NewEvent, Tamper};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Appends `ev` to the chain inside `tx`. The chain head row is locked until
/// the transaction ends, so appends are serialised and the chain has no fork.
/// Call it last in a transaction to keep that lock short.
pub async fn append(db: &Db, tx: &mut Tx, ev: NewEvent) -> Result<Event, StoreError> {
    let mut sealed = append_all(db, tx, vec![ev]).await?;
    sealed.pop().ok_or_else(|| StoreError::Corrupt {
        table: "events",
        detail: "no event appended".into(),
    })
}

/// The chain head: the last event's sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    /// Seals `evs` in order after this head and moves it past them.
    pub fn seal(&mut self, evs: Vec<NewEvent>) -> Vec<Event> {
        evs.into_iter()
            .map(|ev| {
                let e = ev.seal(self.seq + 1, new_id(), now_utc(), &self.hash);
                self.seq = e.seq;
                self.hash = e.hash.clone();
                e
            })
            .collect()
    }
}

/// Reads the chain head and locks it until `tx` ends.
pub(crate) async fn lock_head(db: &Db, tx: &mut Tx) -> Result<Head, StoreError> {
    let sql = format!(
        "SELECT last_seq, last_hash FROM event_head WHERE id = 1{}",
        db.backend().for_update()
    );
    let head = sqlx::query(&sql).fetch_one(&mut **tx).await?;
    Ok(Head {
        seq: get_i64(&head, "last_seq")?,
        hash: get_str(&head, "last_hash")?,
    })
}

/// Appends events in order in three statements whatever their number (two
/// on PostgreSQL): the chain head read (and locked), one multi-row insert,
/// the head moved. The head's lock is held until the caller's transaction
/// ends, so fewer round trips after it is taken means more transactions per
/// second.
pub async fn append_all(
    db: &Db,
    tx: &mut Tx,
    evs: Vec<NewEvent>,
) -> Result<Vec<Event>, StoreError> {
    if evs.is_empty() {
        return Ok(Vec::new());
    }
    let mut head = lock_head(db, tx).await?;
    let sealed = head.seal(evs);
    write_sealed(db, tx, &sealed, &head).await?;
    Ok(sealed)
}

/// Writes events sealed after the locked head and moves the head to `head`.
pub(crate) async fn write_sealed(
    db: &Db,
    tx: &mut Tx,
    sealed: &[Event],
    head: &Head,
) -> Result<(), StoreError> {
    // 64 rows of 11 values stay far under either database's limit on
    // bound parameters.
    let chunks: Vec<&[Event]> = sealed.chunks(64).collect();
    let Some((last, before)) = chunks.split_last() else {
        return Ok(());
    };
    for chunk in before {
        insert_rows(tx, chunk).await?;
    }
    match db.backend() {
        // One round trip fewer while the head is locked: the last rows and
        // the head's move in one statement.
        Backend::Postgres => {
            let sql = format!(
                "WITH appended AS ({}) {}",
                insert_sql(0, last.len()),
                move_head_sql(last.len() * PER_ROW)
            );
            bind_rows(sqlx::query(&sql), last)
                .bind(head.seq)
                .bind(&head.hash)
                .execute(&mut **tx)
                .await?;
        }
        Backend::Sqlite => {
            insert_rows(tx, last).await?;
            sqlx::query(&move_head_sql(0))
                .bind(head.seq)
                .bind(&head.hash)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Values bound per event row.
pub(crate) const PER_ROW: usize = 11;

/// The multi-row insert of `rows` events, its parameters numbered after
/// the first `before`.
pub(crate) fn insert_sql(before: usize, rows: usize) -> String {
    format!(
        "INSERT INTO events ({COLS}) VALUES {}",
        crate::db::placeholders_after(before, rows, PER_ROW)
    )
}

/// The head's move, its two parameters numbered after the first `before`.
pub(crate) fn move_head_sql(before: usize) -> String {
    format!(
        "UPDATE event_head SET last_seq = ${}, last_hash = ${} WHERE id = 1",
        before + 1,
        before + 2
    )
}

/// Inserts sealed events (in chain order) in one multi-row statement; the
/// caller moves the chain head. Shared with the bulk loader.
pub(crate) async fn insert_rows(tx: &mut Tx, sealed: &[Event]) -> Result<(), StoreError> {
    bind_rows(sqlx::query(&insert_sql(0, sealed.len())), sealed)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Binds the 11 values of each event, in [`COLS`] order.
pub(crate) fn bind_rows<'q>(mut q: AnyQuery<'q>, sealed: &'q [Event]) -> AnyQuery<'q> {
    for e in sealed {
        q = q
            .bind(e.seq)
            .bind(e.id.to_string())
            .bind(&e.at)
            .bind(&e.actor)
            .bind(&e.action)
            .bind(e.unit_id.map(|u| u.to_string()))
            .bind(&e.object_type)
            .bind(&e.object_id)
            .bind(&e.payload)
            .bind(&e.prev_hash)
            .bind(&e.hash);
    }
    q
}

const COLS: &str =
    "seq, id, at, actor, action, unit_id, object_type, object_id, payload, prev_hash, hash";

fn from_row(r: &AnyRow) -> Result<Event, StoreError> {
    Ok(Event {
        seq: get_i64(r, "seq")?,
        id: get_uuid(r, "id")?,
        at: get_str(r, "at")?,
        actor: get_str(r, "actor")?,
        action: get_str(r, "action")?,
        unit_id: get_opt_uuid(r, "unit_id")?,
        object_type: get_str(r, "object_type")?,
        object_id: get_opt_str(r, "object_id")?,
        payload: get_str(r, "payload")?,
        prev_hash: get_str(r, "prev_hash")?,
        hash: get_str(r, "hash")?,
    })
}

/// Filters for listing events; every field narrows the list.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub unit_id: Option<uuid::Uuid>,
    pub after_seq: Option<i64>,
    pub limit: i64,
}

pub async fn list(db: &Db, f: &EventFilter) -> Result<Vec<Event>, StoreError> {
    let mut sql = format!("SELECT {COLS} FROM events WHERE seq > $1");
    let mut n = 1;
    let mut binds: Vec<String> = Vec::new();
    for (col, val) in [
        ("object_type", f.object_type.clone()),
        ("object_id", f.object_id.clone()),
        ("unit_id", f.unit_id.map(|u| u.to_string())),
    ] {
        if let Some(v) = val {
            n += 1;
            sql.push_str(&format!(" AND {col} = ${n}"));
            binds.push(v);
        }
    }
    sql.push_str(&format!(" ORDER BY seq LIMIT ${}", n + 1));
    let mut q = sqlx::query(&sql).bind(f.after_seq.unwrap_or(0));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.bind(f.limit.clamp(1, 1000)).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM events")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get::<i64, _>("n")?)
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: u64,
    pub head: String,
    /// The first event that does not fit, if any.
    pub tamper: Option<Tamper>,
    /// Whether the stored head (event_head) agrees with the last event:
    /// a truncated tail shows here.
    pub head_matches: bool,
}

/// Recomputes the whole chain in pages of 5,000 events.
pub async fn verify(db: &Db) -> Result<Verification, StoreError> {
    let mut v = ChainVerifier::default();
    let mut after = 0i64;
    let mut tamper = None;
    'outer: loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM events WHERE seq > $1 ORDER BY seq LIMIT 5000"
        ))
        .bind(after)
        .fetch_all(db.pool())
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let ev = match from_row(r) {
                Ok(ev) => ev,
                Err(e) => {
                    // An unreadable row is tampering too: name it by its seq.
                    let seq: i64 = r.try_get("seq").unwrap_or(-1);
                    tracing::warn!(seq, error = %e, "unreadable event row");
                    tamper = Some(Tamper {
                        seq,
                        id: uuid::Uuid::nil(),
                        reason: sen_domain::audit::Break::ContentAltered,
                    });
                    break 'outer;
                }
            };
            if let Err(t) = v.check(&ev) {
                tamper = Some(t);
                break 'outer;
            }
            after = ev.seq;
        }
    }
    let head = sqlx::query("SELECT last_seq, last_hash FROM event_head WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    let head_matches = tamper.is_none()
        && get_i64(&head, "last_seq")? == v.checked() as i64
        && get_str(&head, "last_hash")? == v.head();
    Ok(Verification {
        checked: v.checked(),
        head: v.head().to_string(),
        tamper,
        head_matches,
    })
}
