//! Dossiers: the projection row of each dossier. The truth is the dossier's
//! events; this row is rewritten in the same transaction as each event.

use crate::db::{get_opt_str, get_opt_uuid, get_str, get_uuid, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDossier {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub code: String,
    pub procedure_id: Uuid,
    pub receiving_unit_id: Uuid,
    pub current_unit_id: Uuid,
    pub status: String,
    /// `counter` or `online`.
    pub channel: String,
    pub applicant_name: String,
    pub applicant_phone: Option<String>,
    pub applicant_email: Option<String>,
    pub applicant_id_number: Option<String>,
    pub citizen_id: Option<Uuid>,
    /// UTC.
    pub received_at: Option<String>,
    /// Vietnam local time, `YYYY-MM-DDTHH:MM`.
    pub due_at: Option<String>,
    pub completed_at: Option<String>,
    pub timeliness: Option<String>,
    pub rating: Option<i64>,
    /// The domain state as JSON.
    pub state: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLS: &str = "id, tenant_id, code, procedure_id, receiving_unit_id, current_unit_id, status, channel, \
    applicant_name, applicant_phone, applicant_email, applicant_id_number, citizen_id, received_at, due_at, \
    completed_at, timeliness, rating, state, created_at, updated_at";

fn from_row(r: &AnyRow) -> Result<StoredDossier, StoreError> {
    Ok(StoredDossier {
        id: get_uuid(r, "id")?,
        tenant_id: get_uuid(r, "tenant_id")?,
        code: get_str(r, "code")?,
        procedure_id: get_uuid(r, "procedure_id")?,
        receiving_unit_id: get_uuid(r, "receiving_unit_id")?,
        current_unit_id: get_uuid(r, "current_unit_id")?,
        status: get_str(r, "status")?,
        channel: get_str(r, "channel")?,
        applicant_name: get_str(r, "applicant_name")?,
        applicant_phone: get_opt_str(r, "applicant_phone")?,
        applicant_email: get_opt_str(r, "applicant_email")?,
        applicant_id_number: get_opt_str(r, "applicant_id_number")?,
        citizen_id: get_opt_uuid(r, "citizen_id")?,
        received_at: get_opt_str(r, "received_at")?,
        due_at: get_opt_str(r, "due_at")?,
        completed_at: get_opt_str(r, "completed_at")?,
        timeliness: get_opt_str(r, "timeliness")?,
        rating: r.try_get::<Option<i64>, _>("rating")?,
        state: get_str(r, "state")?,
        created_at: get_str(r, "created_at")?,
        updated_at: get_str(r, "updated_at")?,
    })
}

pub async fn insert(tx: &mut Tx, d: &StoredDossier) -> Result<(), StoreError> {
    insert_many(tx, std::slice::from_ref(d)).await
}

/// Inserts new dossiers, with the monitoring counters' difference of all of
/// them applied once, in the caller's transaction.
pub async fn insert_many(tx: &mut Tx, rows: &[StoredDossier]) -> Result<(), StoreError> {
    // 22 values a row: 40 rows stay far under either database's limit.
    for chunk in rows.chunks(40) {
        insert_rows(tx, chunk).await?;
    }
    // The monitoring counters follow the rows in the same transaction.
    let mut deltas = crate::monitoring::Deltas::new();
    for d in rows {
        crate::monitoring::diff(
            &mut deltas,
            None,
            &crate::monitoring::Facts::of(d),
            &d.updated_at,
        )?;
    }
    crate::monitoring::apply(tx, &deltas).await?;
    Ok(())
}

/// One multi-row insert of projection rows; the caller moves the counters.
/// Shared with the bulk loader.
pub(crate) async fn insert_rows(tx: &mut Tx, rows: &[StoredDossier]) -> Result<(), StoreError> {
    let sql = insert_sql(0, rows.len(), false);
    let mut q = sqlx::query(&sql);
    for d in rows {
        q = bind_row(q, d);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Values bound per row by [`insert_sql`] (one more with the view).
pub(crate) const PER_ROW: usize = 22;

/// The multi-row insert of `rows` projection rows, with their public view
/// when `with_view`, its parameters numbered after the first `before`.
pub(crate) fn insert_sql(before: usize, rows: usize, with_view: bool) -> String {
    let (view_col, per) = match with_view {
        true => (", public_view", PER_ROW + 1),
        false => ("", PER_ROW),
    };
    format!(
        "INSERT INTO dossiers ({COLS}, applicant_key{view_col}) VALUES {}",
        crate::db::placeholders_after(before, rows, per)
    )
}

/// Binds the [`PER_ROW`] values of a row, in [`insert_sql`]'s order.
pub(crate) fn bind_row<'q>(
    q: crate::db::AnyQuery<'q>,
    d: &'q StoredDossier,
) -> crate::db::AnyQuery<'q> {
    q.bind(d.id.to_string())
        .bind(d.tenant_id.to_string())
        .bind(&d.code)
        .bind(d.procedure_id.to_string())
        .bind(d.receiving_unit_id.to_string())
        .bind(d.current_unit_id.to_string())
        .bind(&d.status)
        .bind(&d.channel)
        .bind(&d.applicant_name)
        .bind(&d.applicant_phone)
        .bind(&d.applicant_email)
        .bind(&d.applicant_id_number)
        .bind(d.citizen_id.map(|c| c.to_string()))
        .bind(&d.received_at)
        .bind(&d.due_at)
        .bind(&d.completed_at)
        .bind(&d.timeliness)
        .bind(d.rating)
        .bind(&d.state)
        .bind(&d.created_at)
        .bind(&d.updated_at)
        .bind(sen_domain::text::search_key(&d.applicant_name))
}

/// Rewrites the mutable part of the projection.
pub async fn update(tx: &mut Tx, d: &StoredDossier) -> Result<(), StoreError> {
    // The row before, for the monitoring counters' difference.
    let before = crate::monitoring::facts_in_tx(tx, d.id).await?;
    sqlx::query(
        "UPDATE dossiers SET current_unit_id = $1, status = $2, received_at = $3, due_at = $4, completed_at = $5,
         timeliness = $6, rating = $7, state = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(d.current_unit_id.to_string())
    .bind(&d.status)
    .bind(&d.received_at)
    .bind(&d.due_at)
    .bind(&d.completed_at)
    .bind(&d.timeliness)
    .bind(d.rating)
    .bind(&d.state)
    .bind(&d.updated_at)
    .bind(d.id.to_string())
    .execute(&mut **tx)
    .await?;
    if let Some(before) = before {
        let mut after = before.clone();
        let new = crate::monitoring::Facts::of(d);
        // Only the mutable columns change.
        after.status = new.status;
        after.received_at = new.received_at;
        after.completed_at = new.completed_at;
        after.timeliness = new.timeliness;
        after.rating = new.rating;
        let mut deltas = crate::monitoring::Deltas::new();
        crate::monitoring::diff(&mut deltas, Some(&before), &after, &d.updated_at)?;
        crate::monitoring::apply(tx, &deltas).await?;
    }
    Ok(())
}

pub async fn by_id_in_tx(
    db: &Db,
    tx: &mut Tx,
    id: Uuid,
) -> Result<Option<StoredDossier>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM dossiers WHERE id = $1{}",
        db.backend().for_update()
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<StoredDossier>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM dossiers WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<StoredDossier>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM dossiers WHERE code = $1"))
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Filters for work queues and lists.
#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    pub units: Vec<Uuid>,
    pub statuses: Vec<String>,
    pub citizen_id: Option<Uuid>,
    pub limit: i64,
}

/// Dossiers matching the filter, the earliest due first.
pub async fn list(
    db: &Db,
    tenant: Uuid,
    f: &DossierFilter,
) -> Result<Vec<StoredDossier>, StoreError> {
    let mut sql = format!("SELECT {COLS} FROM dossiers WHERE tenant_id = $1");
    let mut binds = vec![tenant.to_string()];
    let push_in = |sql: &mut String, col: &str, vals: Vec<String>, binds: &mut Vec<String>| {
        let start = binds.len();
        let ph: Vec<String> = (0..vals.len())
            .map(|i| format!("${}", start + i + 1))
            .collect();
        sql.push_str(&format!(" AND {col} IN ({})", ph.join(", ")));
        binds.extend(vals);
    };
    if !f.units.is_empty() {
        push_in(
            &mut sql,
            "current_unit_id",
            f.units.iter().map(|u| u.to_string()).collect(),
            &mut binds,
        );
    }
    if !f.statuses.is_empty() {
        push_in(&mut sql, "status", f.statuses.clone(), &mut binds);
    }
    if let Some(c) = f.citizen_id {
        binds.push(c.to_string());
        sql.push_str(&format!(" AND citizen_id = ${}", binds.len()));
    }
    sql.push_str(&format!(
        " ORDER BY due_at, code LIMIT {}",
        f.limit.clamp(1, 1000)
    ));
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// Open dossiers whose due time (Vietnam local text) is before `now_local`.
pub async fn overdue(
    db: &Db,
    now_local: &str,
    open_statuses: &[&str],
) -> Result<Vec<StoredDossier>, StoreError> {
    let ph: Vec<String> = (0..open_statuses.len())
        .map(|i| format!("${}", i + 2))
        .collect();
    let sql = format!(
        "SELECT {COLS} FROM dossiers WHERE due_at < $1 AND status IN ({}) ORDER BY due_at LIMIT 1000",
        ph.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(now_local);
    for s in open_statuses {
        q = q.bind(*s);
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// Dossiers received at any of `units` between `from` and `to` (UTC text,
/// `to` exclusive), in order of receipt.
pub async fn received_between(
    db: &Db,
    tenant: Uuid,
    units: &[Uuid],
    from: &str,
    to: &str,
) -> Result<Vec<StoredDossier>, StoreError> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let ph: Vec<String> = (0..units.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT {COLS} FROM dossiers WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3
         AND receiving_unit_id IN ({}) ORDER BY received_at, code LIMIT 10000",
        ph.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(tenant.to_string())
        .bind(from)
        .bind(to);
    for u in units {
        q = q.bind(u.to_string());
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// Counts per procedure version, for public statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureCounts {
    pub procedure_id: Uuid,
    /// Received (the clock started), including those still open.
    pub received: i64,
    /// Finished early or on time.
    pub on_time: i64,
    /// Finished late.
    pub late: i64,
    /// Received and not finished yet.
    pub open: i64,
}

pub async fn counts_by_procedure(
    db: &Db,
    tenant: Uuid,
) -> Result<Vec<ProcedureCounts>, StoreError> {
    let rows = sqlx::query(
        "SELECT procedure_id,
            CAST(SUM(CASE WHEN received_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS received,
            CAST(SUM(CASE WHEN timeliness IN ('early', 'on_time') THEN 1 ELSE 0 END) AS BIGINT) AS on_time,
            CAST(SUM(CASE WHEN timeliness = 'late' THEN 1 ELSE 0 END) AS BIGINT) AS late,
            CAST(SUM(CASE WHEN received_at IS NOT NULL AND completed_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS open
         FROM dossiers WHERE tenant_id = $1 GROUP BY procedure_id",
    )
    .bind(tenant.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ProcedureCounts {
                procedure_id: get_uuid(r, "procedure_id")?,
                received: r.try_get::<i64, _>("received")?,
                on_time: r.try_get::<i64, _>("on_time")?,
                late: r.try_get::<i64, _>("late")?,
                open: r.try_get::<i64, _>("open")?,
            })
        })
        .collect()
}

/// What the public lookup reads: one indexed read by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRow {
    pub id: Uuid,
    pub code: String,
    pub applicant_name: String,
    pub applicant_phone: Option<String>,
    pub applicant_id_number: Option<String>,
    /// The public view folded from the dossier's events (JSON), if stored.
    pub public_view: Option<String>,
}

/// The public lookup's select, its columns in [`PublicRow`]'s order, with
/// the condition on `code` appended.
macro_rules! public_select {
    ($on_code:literal) => {
        concat!(
            "SELECT id, code, applicant_name, applicant_phone, applicant_id_number, public_view
             FROM dossiers WHERE code ",
            $on_code
        )
    };
}

const PUBLIC_BY_CODE: &str = public_select!("= $1");

/// The public lookup's read on PostgreSQL, for the rows of several codes
/// at once (see [`crate::reads::PgReads`]).
pub(crate) fn public_read() -> crate::reads::KeyedRead<PgPublicRow> {
    fn code_of(row: &PgPublicRow) -> &str {
        &row.1
    }
    crate::reads::KeyedRead::new(public_select!("= ANY($1)"), code_of)
}

/// [`PublicRow`]'s columns as PostgreSQL returns them.
pub(crate) type PgPublicRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub async fn public_by_code(db: &Db, code: &str) -> Result<Option<PublicRow>, StoreError> {
    if db.sqlite_reads().is_some() || db.pg_reads().is_some() {
        use crate::lookups::Cached;
        let cache = db.lookups()?;
        let ticket = match cache.map(|c| c.get(code)) {
            Some(Cached::Hit(row)) => return Ok(Some(row)),
            Some(Cached::Miss(ticket)) => ticket,
            None => None,
        };
        let row = match (db.sqlite_reads(), db.pg_reads()) {
            (Some(reads), _) => reads.with(|c| public_by_code_direct(c, code))?,
            (None, Some(reads)) => reads
                .fetch_by_key(&reads.public, code)
                .await?
                .map(
                    |(
                        id,
                        code,
                        applicant_name,
                        applicant_phone,
                        applicant_id_number,
                        public_view,
                    )| {
                        Ok::<_, StoreError>(PublicRow {
                            id: crate::db::parse_uuid("id", &id)?,
                            code,
                            applicant_name,
                            applicant_phone,
                            applicant_id_number,
                            public_view,
                        })
                    },
                )
                .transpose()?,
            (None, None) => None,
        };
        if let (Some(cache), Some(ticket), Some(row)) = (cache, ticket, &row) {
            cache.keep(ticket, row);
        }
        return Ok(row);
    }
    let row = sqlx::query(PUBLIC_BY_CODE)
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| {
        Ok(PublicRow {
            id: get_uuid(&r, "id")?,
            code: get_str(&r, "code")?,
            applicant_name: get_str(&r, "applicant_name")?,
            applicant_phone: get_opt_str(&r, "applicant_phone")?,
            applicant_id_number: get_opt_str(&r, "applicant_id_number")?,
            public_view: get_opt_str(&r, "public_view")?,
        })
    })
    .transpose()
}

fn public_by_code_direct(
    c: &rusqlite::Connection,
    code: &str,
) -> rusqlite::Result<Option<PublicRow>> {
    use rusqlite::OptionalExtension;
    // rusqlite takes `$1` as a named parameter, bound first here.
    let mut st = c.prepare_cached(PUBLIC_BY_CODE)?;
    st.query_row([code], |r| {
        let id: String = r.get(0)?;
        Ok(PublicRow {
            id: Uuid::parse_str(&id).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
            })?,
            code: r.get(1)?,
            applicant_name: r.get(2)?,
            applicant_phone: r.get(3)?,
            applicant_id_number: r.get(4)?,
            public_view: r.get(5)?,
        })
    })
    .optional()
}

/// The projection row with its stored public view, locked for the rest of
/// `tx` (PostgreSQL; SQLite's write lock is already held).
pub async fn by_id_with_view_in_tx(
    db: &Db,
    tx: &mut Tx,
    id: Uuid,
) -> Result<Option<(StoredDossier, Option<String>)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS}, public_view FROM dossiers WHERE id = $1{}",
        db.backend().for_update()
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref()
        .map(|r| Ok((from_row(r)?, get_opt_str(r, "public_view")?)))
        .transpose()
}

/// The stored public view alone, the row locked as in [`by_id_with_view_in_tx`].
/// `None` when there is no such dossier; `Some(None)` when no view is stored.
pub async fn public_view_in_tx(
    db: &Db,
    tx: &mut Tx,
    id: Uuid,
) -> Result<Option<Option<String>>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT public_view FROM dossiers WHERE id = $1{}",
        db.backend().for_update()
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| get_opt_str(&r, "public_view")).transpose()
}

/// Stores the public views (JSON) of dossiers inserted in this same
/// transaction, in one statement. No lookup can hold rows that did not
/// exist before, so none is marked (compare [`set_public_view`]).
pub async fn set_new_public_views<S: AsRef<str>>(
    tx: &mut Tx,
    views: &[(Uuid, S)],
) -> Result<(), StoreError> {
    for chunk in views.chunks(200) {
        let sql = format!(
            "WITH v(id, public_view) AS (VALUES {})
             UPDATE dossiers SET public_view = v.public_view FROM v WHERE dossiers.id = v.id",
            crate::db::placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql);
        for (id, view) in chunk {
            q = q.bind(id.to_string()).bind(view.as_ref());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Stores the public view (JSON) folded from the dossier's events. The
/// dossier's lookups in this process read the database until the change
/// has committed and been heard of (see `lookups`), so a lookup that
/// starts after the commit returned shows it.
pub async fn set_public_view(db: &Db, tx: &mut Tx, id: Uuid, view: &str) -> Result<(), StoreError> {
    db.mark_lookup(id);
    set_new_public_views(tx, &[(id, view)]).await
}

/// The condition on a dossier row whose public view is missing or does not
/// start with the prefix of the current version, bound as parameter `$n`
/// with [`stale_pattern`].
pub(crate) fn stale_view(n: usize) -> String {
    format!("(public_view IS NULL OR public_view NOT LIKE ${n})")
}

/// The `LIKE` pattern of [`stale_view`] for views starting with `current`.
pub(crate) fn stale_pattern(current: &str) -> String {
    format!("{current}%")
}

/// Stores views computed outside a transaction for dossiers that had none
/// or one not starting with `current` (another version), leaving any
/// current view a writer stored meanwhile (which folded every event);
/// returns how many were stored.
pub async fn fill_public_views(
    db: &Db,
    views: &[(Uuid, String)],
    current: &str,
) -> Result<u64, StoreError> {
    let mut tx = db.begin().await?;
    let mut n = 0;
    let sql = format!(
        "UPDATE dossiers SET public_view = $1 WHERE id = $2 AND {}",
        stale_view(3)
    );
    let pattern = stale_pattern(current);
    // Not marked (see `lookups`): a row without a view is never held, and
    // one with a view of another version, once held, is dropped by the
    // notification; either way its lookup shows a fold of the same events.
    for (id, view) in views {
        n += sqlx::query(&sql)
            .bind(view)
            .bind(id.to_string())
            .bind(&pattern)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(n)
}

/// Up to `limit` dossiers (id order, after `after`) and their stored views;
/// with `not_current`, only those without a view starting with it.
pub async fn public_views(
    db: &Db,
    after: Option<Uuid>,
    limit: i64,
    not_current: Option<&str>,
) -> Result<Vec<(Uuid, String, Option<String>)>, StoreError> {
    let sql = format!(
        "SELECT id, code, public_view FROM dossiers WHERE id > $1{} ORDER BY id LIMIT $2",
        if not_current.is_some() {
            format!(" AND {}", stale_view(3))
        } else {
            String::new()
        }
    );
    let mut q = sqlx::query(&sql)
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(limit.clamp(1, 10_000));
    if let Some(c) = not_current {
        q = q.bind(stale_pattern(c));
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_uuid(r, "id")?,
                get_str(r, "code")?,
                get_opt_str(r, "public_view")?,
            ))
        })
        .collect()
}

const EVENT_COLS: &str =
    "seq, id, at, actor, action, unit_id, object_type, object_id, payload, prev_hash, hash";

fn event_from_row(r: &AnyRow) -> Result<sen_domain::audit::Event, StoreError> {
    Ok(sen_domain::audit::Event {
        seq: r.try_get::<i64, _>("seq")?,
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

/// Every event of a dossier, in chain order.
pub async fn events_of(db: &Db, id: Uuid) -> Result<Vec<sen_domain::audit::Event>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLS} FROM events WHERE object_type = 'dossier' AND object_id = $1 ORDER BY seq"
    ))
    .bind(id.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(event_from_row).collect()
}

/// Every event of a dossier inside `tx`, including those it appended.
pub async fn events_of_in_tx(
    tx: &mut Tx,
    id: Uuid,
) -> Result<Vec<sen_domain::audit::Event>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLS} FROM events WHERE object_type = 'dossier' AND object_id = $1 ORDER BY seq"
    ))
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(event_from_row).collect()
}

/// The events of many dossiers (ids as text), in chain order per dossier.
pub async fn events_of_many(
    db: &Db,
    ids: &[Uuid],
) -> Result<Vec<sen_domain::audit::Event>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE object_type = 'dossier' AND object_id IN ({})
             ORDER BY object_id, seq",
            ph.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.to_string());
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(event_from_row(&r)?);
        }
    }
    Ok(out)
}
