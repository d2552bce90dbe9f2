//! Monitoring counters (migration 0005): per procedure version, receiving
//! desk and Vietnam day (`monitoring_daily`) and month
//! (`monitoring_monthly`), kept current in the transaction of every change
//! of a dossier's projection row, so that the dashboards read a few
//! thousand counter rows instead of millions of dossiers.
//!
//! The scheme is state-based: [`contributions`] says what one dossier row
//! adds to which day (created: submitted, rejected at intake; received:
//! received; completed: finished early / on time / late, processing
//! seconds, withdrawn, returned, rating). A change adds the contributions of
//! the row after it and subtracts those of the row before it, so the
//! counters always equal a recount over the rows ([`recount`], the same SQL
//! the migration fills them with). Supplement requests are moves, not
//! states: a move into a waiting status adds one on the day it happens.

use crate::db::{backend_of, get_str, get_uuid, placeholders_after, AnyQuery, Backend, Db, Tx};
use crate::dossiers::StoredDossier;
use crate::error::{corrupt, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The counter columns, in table order.
pub const COLUMNS: [&str; 15] = [
    "submitted",
    "submitted_online",
    "received",
    "received_online",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "processing_seconds",
    "withdrawn",
    "rejected_at_intake",
    "returned",
    "rated",
    "rating_sum",
    "satisfied",
    "supplement_requests",
];

/// One set of counters (the columns of [`COLUMNS`], in order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub submitted: i64,
    pub submitted_online: i64,
    pub received: i64,
    pub received_online: i64,
    pub finished_early: i64,
    pub finished_on_time: i64,
    pub finished_late: i64,
    pub processing_seconds: i64,
    pub withdrawn: i64,
    pub rejected_at_intake: i64,
    pub returned: i64,
    pub rated: i64,
    pub rating_sum: i64,
    pub satisfied: i64,
    pub supplement_requests: i64,
}

impl Counts {
    pub fn to_array(&self) -> [i64; 15] {
        [
            self.submitted,
            self.submitted_online,
            self.received,
            self.received_online,
            self.finished_early,
            self.finished_on_time,
            self.finished_late,
            self.processing_seconds,
            self.withdrawn,
            self.rejected_at_intake,
            self.returned,
            self.rated,
            self.rating_sum,
            self.satisfied,
            self.supplement_requests,
        ]
    }

    pub fn from_array(a: [i64; 15]) -> Counts {
        Counts {
            submitted: a[0],
            submitted_online: a[1],
            received: a[2],
            received_online: a[3],
            finished_early: a[4],
            finished_on_time: a[5],
            finished_late: a[6],
            processing_seconds: a[7],
            withdrawn: a[8],
            rejected_at_intake: a[9],
            returned: a[10],
            rated: a[11],
            rating_sum: a[12],
            satisfied: a[13],
            supplement_requests: a[14],
        }
    }

    pub fn add(&mut self, o: &Counts) {
        let (a, b) = (self.to_array(), o.to_array());
        *self = Counts::from_array(std::array::from_fn(|i| a[i] + b[i]));
    }

    pub fn sub(&mut self, o: &Counts) {
        let (a, b) = (self.to_array(), o.to_array());
        *self = Counts::from_array(std::array::from_fn(|i| a[i] - b[i]));
    }

    pub fn is_zero(&self) -> bool {
        self.to_array().iter().all(|v| *v == 0)
    }

    pub fn finished(&self) -> i64 {
        self.finished_early + self.finished_on_time + self.finished_late
    }
}

/// What of a dossier row the counters depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub tenant_id: String,
    pub procedure_id: String,
    pub unit_id: String,
    pub channel: String,
    pub status: String,
    pub created_at: String,
    pub received_at: Option<String>,
    pub completed_at: Option<String>,
    pub timeliness: Option<String>,
    pub rating: Option<i64>,
}

impl Facts {
    pub fn of(d: &StoredDossier) -> Facts {
        Facts {
            tenant_id: d.tenant_id.to_string(),
            procedure_id: d.procedure_id.to_string(),
            unit_id: d.receiving_unit_id.to_string(),
            channel: d.channel.clone(),
            status: d.status.clone(),
            created_at: d.created_at.clone(),
            received_at: d.received_at.clone(),
            completed_at: d.completed_at.clone(),
            timeliness: d.timeliness.clone(),
            rating: d.rating,
        }
    }
}

fn parse_utc(t: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(t)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt("dossiers", format!("time «{t}»: {e}")))
}

/// The Vietnam (UTC+7) date of a stored UTC time.
pub fn vn_day(t: &str) -> Result<NaiveDate, StoreError> {
    Ok((parse_utc(t)? + chrono::Duration::hours(7)).date_naive())
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// What one dossier row adds to which Vietnam day.
pub fn contributions(f: &Facts) -> Result<Vec<(NaiveDate, Counts)>, StoreError> {
    let online = i64::from(f.channel == "online");
    let mut out = Vec::with_capacity(3);
    let rating = |c: &mut Counts| {
        if let Some(r) = f.rating {
            c.rated = 1;
            c.rating_sum = r;
            c.satisfied = i64::from(r >= 4);
        }
    };
    let mut created = Counts {
        submitted: 1,
        submitted_online: online,
        rejected_at_intake: i64::from(f.status == "rejected_at_intake"),
        ..Default::default()
    };
    if f.completed_at.is_none() {
        rating(&mut created);
    }
    out.push((vn_day(&f.created_at)?, created));
    if let Some(r) = &f.received_at {
        out.push((
            vn_day(r)?,
            Counts {
                received: 1,
                received_online: online,
                ..Default::default()
            },
        ));
    }
    if let Some(c) = &f.completed_at {
        let mut done = Counts {
            returned: i64::from(f.status == "returned"),
            ..Default::default()
        };
        match f.timeliness.as_deref() {
            Some(t) => {
                match t {
                    "early" => done.finished_early = 1,
                    "on_time" => done.finished_on_time = 1,
                    "late" => done.finished_late = 1,
                    other => {
                        return Err(corrupt("dossiers", format!("timeliness «{other}»")));
                    }
                }
                if let Some(r) = &f.received_at {
                    done.processing_seconds = parse_utc(c)?.timestamp() - parse_utc(r)?.timestamp();
                }
            }
            None => done.withdrawn = 1,
        }
        rating(&mut done);
        out.push((vn_day(c)?, done));
    }
    Ok(out)
}

fn is_waiting(status: &str) -> bool {
    matches!(status, "waiting_supplement" | "incomplete_at_intake")
}

/// Counter changes, keyed by (tenant, procedure, unit, day).
pub type Deltas = BTreeMap<(String, String, String, NaiveDate), Counts>;

/// Adds to `deltas` what moving a row from `old` to `new` changes;
/// `changed_at` is the time of the change (UTC text), the day a supplement
/// request counts on.
pub fn diff(
    deltas: &mut Deltas,
    old: Option<&Facts>,
    new: &Facts,
    changed_at: &str,
) -> Result<(), StoreError> {
    let key = |f: &Facts, d: NaiveDate| {
        (
            f.tenant_id.clone(),
            f.procedure_id.clone(),
            f.unit_id.clone(),
            d,
        )
    };
    if let Some(o) = old {
        for (d, c) in contributions(o)? {
            deltas.entry(key(o, d)).or_default().sub(&c);
        }
    }
    for (d, c) in contributions(new)? {
        deltas.entry(key(new, d)).or_default().add(&c);
    }
    let was_waiting = old.is_some_and(|o| is_waiting(&o.status));
    if is_waiting(&new.status) && !was_waiting {
        deltas
            .entry(key(new, vn_day(changed_at)?))
            .or_default()
            .supplement_requests += 1;
    }
    Ok(())
}

fn upsert_sql(table: &str, period: &str, rows: usize) -> String {
    upsert_sql_after(0, table, period, rows)
}

/// [`upsert_sql`] with its parameters numbered after the first `before`.
fn upsert_sql_after(before: usize, table: &str, period: &str, rows: usize) -> String {
    let cols = COLUMNS.join(", ");
    let set: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} (tenant_id, procedure_id, unit_id, {period}, {cols}) VALUES {}
         ON CONFLICT (tenant_id, {period}, procedure_id, unit_id) DO UPDATE SET {}",
        placeholders_after(before, rows, 4 + COLUMNS.len()),
        set.join(", ")
    )
}

/// The daily and monthly counter rows a set of deltas adds to (zero
/// differences left out).
pub(crate) struct CounterRows {
    pub(crate) daily: Vec<CounterRow>,
    pub(crate) monthly: Vec<CounterRow>,
}

impl CounterRows {
    pub(crate) fn of(deltas: &Deltas) -> CounterRows {
        let daily: Vec<_> = deltas.iter().filter(|(_, c)| !c.is_zero()).collect();
        let mut monthly: BTreeMap<(&str, &str, &str, String), Counts> = BTreeMap::new();
        for ((t, p, u, d), c) in &daily {
            monthly
                .entry((t, p, u, format!("{:04}-{:02}", d.year(), d.month())))
                .or_default()
                .add(c);
        }
        CounterRows {
            monthly: monthly
                .into_iter()
                .map(|((t, p, u, m), c)| ((t.to_string(), p.to_string(), u.to_string(), m), c))
                .collect(),
            daily: daily
                .into_iter()
                .map(|((t, p, u, d), c)| ((t.clone(), p.clone(), u.clone(), day_text(*d)), *c))
                .collect(),
        }
    }

    /// Values bound by [`CounterRows::upserts`].
    pub(crate) fn binds(&self) -> usize {
        (self.daily.len() + self.monthly.len()) * (4 + COLUMNS.len())
    }

    /// The two upserts as parts of a `WITH` (`name AS (…)`, joined by
    /// commas), their parameters numbered after the first `before`; empty
    /// when there is nothing to add.
    pub(crate) fn upserts(&self, before: usize) -> String {
        if self.daily.is_empty() {
            return String::new();
        }
        format!(
            "daily AS ({}), monthly AS ({})",
            upsert_sql_after(before, "monitoring_daily", "day", self.daily.len()),
            upsert_sql_after(
                before + self.daily.len() * (4 + COLUMNS.len()),
                "monitoring_monthly",
                "month",
                self.monthly.len()
            )
        )
    }

    /// Binds the values of [`CounterRows::upserts`].
    pub(crate) fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        bind_counts(bind_counts(q, &self.daily), &self.monthly)
    }
}

/// Adds `deltas` to the daily and monthly counters inside `tx`, in
/// multi-row statements (bulk loads pass many at once).
pub async fn apply(tx: &mut Tx, deltas: &Deltas) -> Result<(), StoreError> {
    let rows = CounterRows::of(deltas);
    if rows.daily.is_empty() {
        return Ok(());
    }
    // At most 19 × 50 binds a statement, well under both backends' limits.
    const CHUNK: usize = 50;
    if backend_of(tx) == Backend::Postgres
        && rows.daily.len() <= CHUNK
        && rows.monthly.len() <= CHUNK
    {
        // One round trip for both tables (the usual case: one change).
        let sql = format!("WITH {} SELECT 1", rows.upserts(0));
        rows.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
        return Ok(());
    }
    for (table, period, rows) in [
        ("monitoring_daily", "day", &rows.daily),
        ("monitoring_monthly", "month", &rows.monthly),
    ] {
        for chunk in rows.chunks(CHUNK) {
            let sql = upsert_sql(table, period, chunk.len());
            bind_counts(sqlx::query(&sql), chunk)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

type CounterRow = ((String, String, String, String), Counts);

/// Binds the key and the counts of each row, in [`upsert_sql`]'s order.
fn bind_counts<'q>(mut q: AnyQuery<'q>, rows: &'q [CounterRow]) -> AnyQuery<'q> {
    for ((t, p, u, k), c) in rows {
        q = q.bind(t).bind(p).bind(u).bind(k);
        for v in c.to_array() {
            q = q.bind(v);
        }
    }
    q
}

/// The facts of a stored row, read inside `tx` before it is rewritten.
pub(crate) async fn facts_in_tx(tx: &mut Tx, id: Uuid) -> Result<Option<Facts>, StoreError> {
    let row = sqlx::query(
        "SELECT tenant_id, procedure_id, receiving_unit_id, channel, status, created_at, received_at,
         completed_at, timeliness, rating FROM dossiers WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Facts {
            tenant_id: get_str(&r, "tenant_id")?,
            procedure_id: get_str(&r, "procedure_id")?,
            unit_id: get_str(&r, "receiving_unit_id")?,
            channel: get_str(&r, "channel")?,
            status: get_str(&r, "status")?,
            created_at: get_str(&r, "created_at")?,
            received_at: r.try_get::<Option<String>, _>("received_at")?,
            completed_at: r.try_get::<Option<String>, _>("completed_at")?,
            timeliness: r.try_get::<Option<String>, _>("timeliness")?,
            rating: r.try_get::<Option<i64>, _>("rating")?,
        })
    })
    .transpose()
}

/// Counters summed per procedure version and receiving desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureUnitCounts {
    pub procedure_id: Uuid,
    pub unit_id: Uuid,
    pub counts: Counts,
}

fn sums() -> String {
    COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn counts_of(r: &AnyRow) -> Result<Counts, StoreError> {
    let mut a = [0i64; 15];
    for (i, c) in COLUMNS.iter().enumerate() {
        a[i] = r.try_get::<Option<i64>, _>(*c)?.unwrap_or(0);
    }
    Ok(Counts::from_array(a))
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn last_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

/// How a period `from..=to` is read: whole months from the monthly table,
/// the days at either end from the daily one. Returns (daily ranges,
/// month range).
fn plan(
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<(NaiveDate, NaiveDate)>, Option<(NaiveDate, NaiveDate)>) {
    if from > to {
        return (Vec::new(), None);
    }
    let first_full = if from == first_of_month(from) {
        from
    } else {
        last_of_month(from).succ_opt().unwrap_or(from)
    };
    let last_full = if to == last_of_month(to) {
        to
    } else {
        first_of_month(to).pred_opt().unwrap_or(to)
    };
    if first_full > last_full {
        return (vec![(from, to)], None);
    }
    let mut days = Vec::new();
    if from < first_full {
        days.push((from, first_full.pred_opt().unwrap_or(from)));
    }
    if last_full < to {
        days.push((last_full.succ_opt().unwrap_or(to), to));
    }
    (days, Some((first_full, last_full)))
}

/// The counters of the Vietnam days `from..=to`, summed per procedure
/// version and receiving desk.
pub async fn totals(
    db: &Db,
    tenant: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ProcedureUnitCounts>, StoreError> {
    let (days, months) = plan(from, to);
    let sums = sums();
    let mut parts: Vec<(String, String, String)> = days
        .into_iter()
        .map(|(a, b)| {
            (
                format!(
                    "SELECT procedure_id, unit_id, {sums} FROM monitoring_daily
                     WHERE tenant_id = $1 AND day >= $2 AND day <= $3 GROUP BY procedure_id, unit_id"
                ),
                day_text(a),
                day_text(b),
            )
        })
        .collect();
    if let Some((a, b)) = months {
        parts.push((
            format!(
                "SELECT procedure_id, unit_id, {sums} FROM monitoring_monthly
                 WHERE tenant_id = $1 AND month >= $2 AND month <= $3 GROUP BY procedure_id, unit_id"
            ),
            a.format("%Y-%m").to_string(),
            b.format("%Y-%m").to_string(),
        ));
    }
    let mut out: BTreeMap<(Uuid, Uuid), Counts> = BTreeMap::new();
    for (sql, a, b) in parts {
        let rows = sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(a)
            .bind(b)
            .fetch_all(db.pool())
            .await?;
        for r in rows {
            let key = (get_uuid(&r, "procedure_id")?, get_uuid(&r, "unit_id")?);
            out.entry(key).or_default().add(&counts_of(&r)?);
        }
    }
    Ok(out
        .into_iter()
        .map(|((procedure_id, unit_id), counts)| ProcedureUnitCounts {
            procedure_id,
            unit_id,
            counts,
        })
        .collect())
}

/// The counters per Vietnam day over `from..=to` for the whole province
/// (for the charts).
pub async fn daily_series(
    db: &Db,
    tenant: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, Counts)>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT day, {} FROM monitoring_daily WHERE tenant_id = $1 AND day >= $2 AND day <= $3
         GROUP BY day ORDER BY day",
        sums()
    ))
    .bind(tenant.to_string())
    .bind(day_text(from))
    .bind(day_text(to))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let d = get_str(r, "day")?;
            let d = NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|e| corrupt("dossiers", format!("day «{d}»: {e}")))?;
            Ok((d, counts_of(r)?))
        })
        .collect()
}

/// The counters per month over the months `from..=to` (`YYYY-MM`) for the
/// whole province.
pub async fn monthly_series(
    db: &Db,
    tenant: Uuid,
    from: &str,
    to: &str,
) -> Result<Vec<(String, Counts)>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT month, {} FROM monitoring_monthly WHERE tenant_id = $1 AND month >= $2 AND month <= $3
         GROUP BY month ORDER BY month",
        sums()
    ))
    .bind(tenant.to_string())
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((get_str(r, "month")?, counts_of(r)?)))
        .collect()
}

/// Open dossiers now, per procedure version and receiving desk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OpenCounts {
    /// The clock running.
    pub running: i64,
    /// Waiting for a supplement.
    pub paused: i64,
    /// Running and due before `today` (late by due day).
    pub overdue: i64,
}

/// Open dossiers (received, not completed) per procedure version and
/// receiving desk; `today_start` is the local `YYYY-MM-DDT00:00` of today.
/// Reads only the partial index `dossiers_open_due`.
pub async fn open_counts(
    db: &Db,
    tenant: Uuid,
    today_start: &str,
) -> Result<Vec<(Uuid, Uuid, OpenCounts)>, StoreError> {
    let rows = sqlx::query(
        "SELECT procedure_id, receiving_unit_id,
            CAST(SUM(CASE WHEN status = 'waiting_supplement' THEN 0 ELSE 1 END) AS BIGINT) AS running,
            CAST(SUM(CASE WHEN status = 'waiting_supplement' THEN 1 ELSE 0 END) AS BIGINT) AS paused,
            CAST(SUM(CASE WHEN status <> 'waiting_supplement' AND due_at < $2 THEN 1 ELSE 0 END) AS BIGINT) AS overdue
         FROM dossiers WHERE completed_at IS NULL AND received_at IS NOT NULL AND tenant_id = $1
         GROUP BY procedure_id, receiving_unit_id",
    )
    .bind(tenant.to_string())
    .bind(today_start)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_uuid(r, "procedure_id")?,
                get_uuid(r, "receiving_unit_id")?,
                OpenCounts {
                    running: r.try_get::<i64, _>("running")?,
                    paused: r.try_get::<i64, _>("paused")?,
                    overdue: r.try_get::<i64, _>("overdue")?,
                },
            ))
        })
        .collect()
}

/// One row of [`recount`] or [`stored_rows`].
pub type DailyRow = ((String, String, String, String), Counts);

/// The daily counters recounted from the dossiers and events (the SQL that
/// filled them at migration), for checks.
pub async fn recount(db: &Db) -> Result<Vec<DailyRow>, StoreError> {
    let sql = match db.backend() {
        Backend::Sqlite => include_str!("monitoring_recount.sqlite.sql"),
        Backend::Postgres => include_str!("monitoring_recount.postgres.sql"),
    };
    let rows = sqlx::query(&format!("{sql} ORDER BY 1, 2, 3, 4"))
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut a = [0i64; 15];
        for (i, v) in a.iter_mut().enumerate() {
            *v = r.try_get::<i64, _>(4 + i)?;
        }
        out.push((
            (
                r.try_get::<String, _>(0)?,
                r.try_get::<String, _>(1)?,
                r.try_get::<String, _>(2)?,
                r.try_get::<String, _>(3)?,
            ),
            Counts::from_array(a),
        ));
    }
    Ok(out.into_iter().filter(|(_, c)| !c.is_zero()).collect())
}

/// The stored daily counters (rows that are all zero left out), or the
/// monthly ones with `monthly`, in key order.
pub async fn stored_rows(db: &Db, monthly: bool) -> Result<Vec<DailyRow>, StoreError> {
    let (table, period) = if monthly {
        ("monitoring_monthly", "month")
    } else {
        ("monitoring_daily", "day")
    };
    let rows = sqlx::query(&format!(
        "SELECT tenant_id, procedure_id, unit_id, {period} AS period, {} FROM {table}
         ORDER BY tenant_id, procedure_id, unit_id, {period}",
        COLUMNS.join(", ")
    ))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let c = counts_of(&r)?;
        if c.is_zero() {
            continue;
        }
        out.push((
            (
                get_str(&r, "tenant_id")?,
                get_str(&r, "procedure_id")?,
                get_str(&r, "unit_id")?,
                get_str(&r, "period")?,
            ),
            c,
        ));
    }
    Ok(out)
}

/// A late or overdue dossier, for the drill-down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateDossier {
    pub id: Uuid,
    pub code: String,
    pub procedure_id: Uuid,
    pub status: String,
    pub received_at: Option<String>,
    pub due_at: Option<String>,
    pub completed_at: Option<String>,
    /// `late` (finished late in the period) or `overdue` (open, past due).
    pub kind: String,
}

fn late_from_row(r: &AnyRow, kind: &str) -> Result<LateDossier, StoreError> {
    Ok(LateDossier {
        id: get_uuid(r, "id")?,
        code: get_str(r, "code")?,
        procedure_id: get_uuid(r, "procedure_id")?,
        status: get_str(r, "status")?,
        received_at: r.try_get::<Option<String>, _>("received_at")?,
        due_at: r.try_get::<Option<String>, _>("due_at")?,
        completed_at: r.try_get::<Option<String>, _>("completed_at")?,
        kind: kind.to_string(),
    })
}

/// Dossiers of `procedures` open and past due now (oldest due first), then
/// those finished late between `from` and `to` (UTC text, `to` exclusive),
/// at most `limit` of each.
pub async fn late_dossiers(
    db: &Db,
    procedures: &[Uuid],
    today_start: &str,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<LateDossier>, StoreError> {
    if procedures.is_empty() {
        return Ok(Vec::new());
    }
    let ph = |start: usize| -> String {
        (0..procedures.len())
            .map(|i| format!("${}", start + i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cols = "id, code, procedure_id, status, received_at, due_at, completed_at";
    let limit = limit.clamp(1, 1000);
    let sql = format!(
        "SELECT {cols} FROM dossiers WHERE completed_at IS NULL AND received_at IS NOT NULL
         AND status <> 'waiting_supplement' AND due_at < $1 AND procedure_id IN ({})
         ORDER BY due_at, code LIMIT {limit}",
        ph(2)
    );
    let mut q = sqlx::query(&sql).bind(today_start);
    for p in procedures {
        q = q.bind(p.to_string());
    }
    let mut out = Vec::new();
    for r in q.fetch_all(db.pool()).await? {
        out.push(late_from_row(&r, "overdue")?);
    }
    let sql = format!(
        "SELECT {cols} FROM dossiers WHERE timeliness = 'late' AND procedure_id IN ({})
         AND completed_at >= $1 AND completed_at < $2 ORDER BY completed_at DESC, code LIMIT {limit}",
        ph(3)
    );
    let mut q = sqlx::query(&sql).bind(from).bind(to);
    for p in procedures {
        q = q.bind(p.to_string());
    }
    for r in q.fetch_all(db.pool()).await? {
        out.push(late_from_row(&r, "late")?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_period_reads_whole_months_and_the_days_at_its_ends() {
        assert_eq!(
            plan(d("2025-01-01"), d("2025-12-31")),
            (vec![], Some((d("2025-01-01"), d("2025-12-31"))))
        );
        assert_eq!(
            plan(d("2025-01-15"), d("2025-03-10")),
            (
                vec![
                    (d("2025-01-15"), d("2025-01-31")),
                    (d("2025-03-01"), d("2025-03-10"))
                ],
                Some((d("2025-02-01"), d("2025-02-28")))
            )
        );
        assert_eq!(
            plan(d("2025-02-03"), d("2025-02-20")),
            (vec![(d("2025-02-03"), d("2025-02-20"))], None)
        );
        assert_eq!(
            plan(d("2025-01-31"), d("2025-02-01")),
            (vec![(d("2025-01-31"), d("2025-02-01"))], None)
        );
        assert_eq!(
            plan(d("2024-12-01"), d("2025-01-05")),
            (
                vec![(d("2025-01-01"), d("2025-01-05"))],
                Some((d("2024-12-01"), d("2024-12-31")))
            )
        );
        assert_eq!(plan(d("2025-02-01"), d("2025-01-01")), (vec![], None));
    }

    fn facts() -> Facts {
        Facts {
            tenant_id: "t".into(),
            procedure_id: "p".into(),
            unit_id: "u".into(),
            channel: "online".into(),
            status: "submitted".into(),
            created_at: "2025-03-04T18:00:00.000000Z".into(),
            received_at: None,
            completed_at: None,
            timeliness: None,
            rating: None,
        }
    }

    #[test]
    fn days_are_vietnam_days() {
        // 18:00 UTC is 01:00 the next day in Vietnam.
        assert_eq!(
            vn_day("2025-03-04T18:00:00.000000Z").unwrap(),
            d("2025-03-05")
        );
        assert_eq!(
            vn_day("2025-03-04T16:59:59.999999Z").unwrap(),
            d("2025-03-04")
        );
        assert!(vn_day("yesterday").is_err());
    }

    #[test]
    fn a_dossier_counts_where_and_when_things_happened() {
        let mut f = facts();
        let c = contributions(&f).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, d("2025-03-05"));
        assert_eq!((c[0].1.submitted, c[0].1.submitted_online), (1, 1));
        f.status = "returned".into();
        f.received_at = Some("2025-03-05T02:00:00.500000Z".into());
        f.completed_at = Some("2025-03-10T03:00:01.100000Z".into());
        f.timeliness = Some("late".into());
        f.rating = Some(4);
        let c = contributions(&f).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c[1].0, c[1].1.received, c[1].1.received_online),
            (d("2025-03-05"), 1, 1)
        );
        let done = c[2].1;
        assert_eq!(c[2].0, d("2025-03-10"));
        assert_eq!(
            (
                done.finished_late,
                done.returned,
                done.rated,
                done.rating_sum,
                done.satisfied
            ),
            (1, 1, 1, 4, 1)
        );
        // Whole seconds: 03:00:01 − 02:00:00 five days apart.
        assert_eq!(done.processing_seconds, 5 * 86_400 + 3601);
        assert_eq!(
            c[0].1.rated, 0,
            "a rating counts once, on the completion day"
        );
        f.timeliness = Some("sometime".into());
        assert!(contributions(&f).is_err());
    }

    #[test]
    fn a_change_adds_the_difference_and_counts_supplement_requests_once() {
        let mut before = facts();
        before.status = "in_process".into();
        before.received_at = Some("2025-03-05T02:00:00.000000Z".into());
        let mut after = before.clone();
        after.status = "waiting_supplement".into();
        let mut deltas = Deltas::new();
        diff(
            &mut deltas,
            Some(&before),
            &after,
            "2025-03-06T02:00:00.000000Z",
        )
        .unwrap();
        let nonzero: Vec<_> = deltas.iter().filter(|(_, c)| !c.is_zero()).collect();
        assert_eq!(nonzero.len(), 1);
        assert_eq!(nonzero[0].0 .3, d("2025-03-06"));
        assert_eq!(nonzero[0].1.supplement_requests, 1);
        // Staying in the waiting status (e.g. a flag) counts nothing.
        let mut deltas = Deltas::new();
        diff(
            &mut deltas,
            Some(&after),
            &after,
            "2025-03-07T02:00:00.000000Z",
        )
        .unwrap();
        assert!(deltas.values().all(Counts::is_zero));
        // Finishing moves nothing on the received day and adds the finish.
        let mut done = before.clone();
        done.status = "result_ready".into();
        done.completed_at = Some("2025-03-08T02:00:00.000000Z".into());
        done.timeliness = Some("on_time".into());
        let mut deltas = Deltas::new();
        diff(
            &mut deltas,
            Some(&before),
            &done,
            "2025-03-08T02:00:00.000000Z",
        )
        .unwrap();
        let nonzero: Vec<_> = deltas.iter().filter(|(_, c)| !c.is_zero()).collect();
        assert_eq!(nonzero.len(), 1);
        assert_eq!(nonzero[0].1.finished_on_time, 1);
        assert_eq!(nonzero[0].1.processing_seconds, 3 * 86_400);
    }
}

/// A procedure version as the dashboards need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureVersion {
    pub id: Uuid,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub online_level: String,
    pub status: String,
    /// The whole spec as JSON (competent units, digitised result, …).
    pub definition: String,
}

/// Every version of every procedure of the province (dossiers keep the
/// version they were received under, so old versions count too).
pub async fn procedure_versions(
    db: &Db,
    tenant: Uuid,
) -> Result<Vec<ProcedureVersion>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, code, version, name, online_level, status, definition FROM procedures
         WHERE tenant_id = $1 ORDER BY code, version",
    )
    .bind(tenant.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ProcedureVersion {
                id: get_uuid(r, "id")?,
                code: get_str(r, "code")?,
                version: r.try_get::<i64, _>("version")?,
                name: get_str(r, "name")?,
                online_level: get_str(r, "online_level")?,
                status: get_str(r, "status")?,
                definition: get_str(r, "definition")?,
            })
        })
        .collect()
}
