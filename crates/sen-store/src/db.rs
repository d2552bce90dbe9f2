use crate::error::StoreError;
use crate::BoxFuture;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row};
use std::time::Duration;
use uuid::Uuid;

pub type Tx = sqlx::Transaction<'static, Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Row locking for read-modify-write inside a transaction. SQLite needs
    /// none: its transactions start with `BEGIN IMMEDIATE` and so hold the
    /// write lock already.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

/// Hides the password of a database URL, for logs and messages.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.rsplit_once('@') {
            let user = creds.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_string()
}

/// A handle on the database: a connection pool plus the backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Direct read-only connections for hot point reads (SQLite files).
    reads: Option<std::sync::Arc<crate::reads::SqliteReads>>,
    /// Native connections for the same reads on PostgreSQL.
    pg_reads: Option<std::sync::Arc<crate::reads::PgReads>>,
    /// The lookup's rows held in memory on PostgreSQL, dropped when the
    /// database reports them changed.
    lookups: Option<std::sync::Arc<crate::lookups::LookupCache>>,
}

/// How [`Db::connect_options`] connects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbOptions {
    /// The most connections one process opens (`None`: see
    /// [`Db::connect_with`]).
    pub max_connections: Option<u32>,
    /// Megabytes of lookup rows held in memory on PostgreSQL (`None`:
    /// [`DEFAULT_LOOKUP_CACHE_MB`]; 0: none, every lookup reads the
    /// database). Ignored on SQLite.
    pub lookup_cache_mb: Option<u32>,
}

/// What a lookup cache is doing (see [`Db::lookup_cache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupCacheStatus {
    /// A listener is in place, so rows are kept and answered from memory.
    pub listening: bool,
    /// Lookups answered from memory, and from the database, so far.
    pub hits: u64,
    pub misses: u64,
    /// Reads of reference data (units, procedures, calendar decisions)
    /// answered from memory, and from the database, so far.
    pub reference_hits: u64,
    pub reference_misses: u64,
    /// The most megabytes of rows kept.
    pub megabytes: usize,
}

/// The lookup rows held by default on PostgreSQL: about 30,000 dossiers
/// with their views (a province's dossiers in progress).
pub const DEFAULT_LOOKUP_CACHE_MB: u32 = 64;

/// A query with its arguments bound so far, for helpers that bind rows.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// The backend a transaction runs on.
pub(crate) fn backend_of(tx: &Tx) -> Backend {
    if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// `($1, $2, …), ($k+1, …), …`: the placeholders of a multi-row insert of
/// `rows` rows of `per` values.
pub(crate) fn placeholders(rows: usize, per: usize) -> String {
    placeholders_after(0, rows, per)
}

/// [`placeholders`] numbered after the first `before` parameters of the
/// statement (for a second multi-row part in the same statement).
pub(crate) fn placeholders_after(before: usize, rows: usize, per: usize) -> String {
    (0..rows)
        .map(|r| {
            let ph: Vec<String> = (1..=per)
                .map(|i| format!("${}", before + r * per + i))
                .collect();
            format!("({})", ph.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A new application-generated key (UUIDv7: time-ordered, no hot sequence).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The current UTC time in the stored text form.
pub fn now_utc() -> String {
    fmt_time(chrono::Utc::now())
}

pub fn fmt_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The fewest connections [`Db::connect_with`] accepts.
pub const MIN_CONNECTIONS: u32 = 4;

impl Db {
    /// Connects to `url`. SQLite files are created if missing and opened in
    /// WAL mode with foreign keys on; the caller runs [`Db::migrate`].
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Db::connect_with(url, None).await
    }

    /// [`Db::connect`], opening at most `max_connections` to the database
    /// server at once (`None`: 16 for the pool, and on PostgreSQL one more
    /// per core, 2 to 16, for the public lookup's reads). On PostgreSQL a
    /// quarter of them, at most one per core, go to the lookup's reads and
    /// the rest to the pool; on SQLite they bound the pool (the lookup's
    /// read-only connections are files, not server sessions).
    pub async fn connect_with(url: &str, max_connections: Option<u32>) -> Result<Db, StoreError> {
        Db::connect_options(
            url,
            DbOptions {
                max_connections,
                ..DbOptions::default()
            },
        )
        .await
    }

    /// [`Db::connect_with`] with the lookup cache's size too. On
    /// PostgreSQL with a cache, one of the connections listens for the
    /// changes that drop its rows (see `lookups`).
    pub async fn connect_options(url: &str, options: DbOptions) -> Result<Db, StoreError> {
        let max_connections = options.max_connections;
        sqlx::any::install_default_drivers();
        if let Some(n) = max_connections {
            if n < MIN_CONNECTIONS {
                return Err(StoreError::Settings(format!(
                    "at least {MIN_CONNECTIONS} database connections are needed, not {n}"
                )));
            }
        }
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        if backend == Backend::Sqlite {
            crate::reads::tune_library();
        }
        let cache_bytes = match backend {
            Backend::Postgres => {
                options.lookup_cache_mb.unwrap_or(DEFAULT_LOOKUP_CACHE_MB) as usize * (1 << 20)
            }
            Backend::Sqlite => match url.contains("mode=memory") {
                true => 0,
                false => {
                    options.lookup_cache_mb.unwrap_or(DEFAULT_LOOKUP_CACHE_MB) as usize * (1 << 20)
                }
            },
        };
        let listener = u32::from(cache_bytes > 0);
        let (pool_size, read_connections) = match (backend, max_connections) {
            (Backend::Sqlite, n) => (n.unwrap_or(8), 0),
            (Backend::Postgres, None) => (16, crate::reads::read_connections()),
            (Backend::Postgres, Some(n)) => {
                let reads = crate::reads::read_connections().min(n as usize / 4);
                (n - reads as u32 - listener, reads)
            }
        };
        let opts = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .max_connections(pool_size)
            // Pinging a connection before each use doubles the round trips
            // of a short query. An embedded SQLite connection cannot be
            // lost; a PostgreSQL one may have been dropped by the server
            // while it sat idle, so it is pinged only after a second idle
            // (as connection pools commonly do): under load, never.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > Duration::from_secs(1) {
                        use sqlx::Connection;
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        let opts = match backend {
            Backend::Sqlite => opts.after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 15000; PRAGMA synchronous = FULL;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => opts,
        };
        let pool = opts.connect(&url).await?;
        // The pool has created the file and set WAL mode by now.
        let reads = match backend {
            Backend::Sqlite if !url.contains("mode=memory") => crate::backup::sqlite_path(&url)
                .map(|p| std::sync::Arc::new(crate::reads::SqliteReads::new(p))),
            _ => None,
        };
        let pg_reads = match backend {
            Backend::Postgres => Some(std::sync::Arc::new(crate::reads::PgReads::new(
                &url,
                read_connections,
            )?)),
            Backend::Sqlite => None,
        };
        let lookups = match (backend, &reads) {
            _ if cache_bytes == 0 => None,
            (Backend::Postgres, _) => {
                use std::str::FromStr;
                let cache = std::sync::Arc::new(crate::lookups::LookupCache::new(cache_bytes));
                crate::lookups::spawn_listener(
                    &cache,
                    sqlx::postgres::PgConnectOptions::from_str(&url)?,
                    pool.clone(),
                );
                Some(cache)
            }
            // SQLite: a file's `data_version`, checked before each answer
            // from memory (see `lookups`).
            (Backend::Sqlite, Some(_)) => {
                let cache = std::sync::Arc::new(crate::lookups::LookupCache::new(cache_bytes));
                cache.watched();
                Some(cache)
            }
            (Backend::Sqlite, None) => None,
        };
        Ok(Db {
            pool,
            backend,
            reads,
            pg_reads,
            lookups,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) fn sqlite_reads(&self) -> Option<&crate::reads::SqliteReads> {
        self.reads.as_deref()
    }

    pub(crate) fn pg_reads(&self) -> Option<&crate::reads::PgReads> {
        self.pg_reads.as_deref()
    }

    /// The lookup cache, ready to answer: on SQLite, once it has been told
    /// the file's current `data_version` (which drops what is kept when
    /// another connection has committed since).
    pub(crate) fn lookups(&self) -> Result<Option<&crate::lookups::LookupCache>, StoreError> {
        let Some(cache) = self.lookups.as_deref() else {
            return Ok(None);
        };
        if let Some(reads) = &self.reads {
            cache.observe(reads.data_version()?);
        }
        Ok(Some(cache))
    }

    /// The lookup cache's state; `None` without one (SQLite, or a size
    /// of 0).
    pub fn lookup_cache(&self) -> Option<LookupCacheStatus> {
        self.lookups.as_deref().map(|c| {
            let (hits, misses) = c.counts();
            let (reference_hits, reference_misses) = c.reference_counts();
            LookupCacheStatus {
                listening: c.listening(),
                hits,
                misses,
                reference_hits,
                reference_misses,
                megabytes: c.budget() >> 20,
            }
        })
    }

    /// Marks a dossier whose public lookup row this process is about to
    /// change: its lookups read the database until the change's
    /// notification has come (see `lookups`).
    pub(crate) fn mark_lookup(&self, id: Uuid) {
        // (SQLite needs no mark: its commit changes the data_version the
        // next lookup checks.)
        if let (Some(c), Backend::Postgres) = (&self.lookups, self.backend) {
            c.mark(id);
        }
    }

    pub async fn close(&self) {
        if let Some(c) = &self.lookups {
            c.stop();
        }
        if let Some(reads) = &self.pg_reads {
            reads.close().await;
        }
        self.pool.close().await
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that two writers never deadlock on upgrade.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// [`Db::begin`], the transaction waiting at most `wait` (e.g. `100ms`)
    /// for any lock on PostgreSQL, set in the same round trip. SQLite's
    /// write lock is taken at once, as by [`Db::begin`].
    pub(crate) async fn begin_waiting_at_most(&self, wait: &'static str) -> Result<Tx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with(format!("BEGIN; SET LOCAL lock_timeout = '{wait}'"))
                    .await?
            }
        })
    }

    /// Runs `f` in a transaction and commits it; rolls back on error, and
    /// retries the whole transaction (up to 8 times, with backoff) when the
    /// database reports a transient conflict between concurrent writers.
    pub async fn transaction<T, E, F>(&self, mut f: F) -> Result<T, E>
    where
        E: From<StoreError> + MaybeRetryable,
        F: for<'c> FnMut(&'c mut Tx) -> BoxFuture<'c, Result<T, E>>,
    {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut tx = self.begin().await.map_err(E::from)?;
            let result = f(&mut tx).await;
            let outcome = match result {
                Ok(v) => match tx.commit().await {
                    Ok(()) => return Ok(v),
                    Err(e) => E::from(StoreError::from(e)),
                },
                Err(e) => {
                    let _ = tx.rollback().await;
                    e
                }
            };
            if attempt >= 8 || !outcome.is_retryable() {
                return Err(outcome);
            }
            tracing::debug!(attempt, "retrying transaction after a transient conflict");
            tokio::time::sleep(Duration::from_millis(5u64 << attempt.min(6))).await;
        }
    }

    /// [`Db::transaction`] for a write to reference data (units,
    /// procedures, calendar decisions): on PostgreSQL, this process keeps
    /// none of it in memory from now until the transaction has ended, so
    /// a read that starts after the commit returned sees the change.
    pub async fn reference_transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<StoreError> + MaybeRetryable,
        F: for<'c> FnMut(&'c mut Tx) -> BoxFuture<'c, Result<T, E>>,
    {
        let _writing = self.lookups.as_ref().map(|c| c.writing_reference());
        self.transaction(f).await
    }

    /// Reference data read by `read`, or kept from an earlier read under
    /// `key` (PostgreSQL with a lookup cache: see `lookups`; the value is
    /// dropped at any change to reference data, heard of by notification
    /// or made through [`Db::reference_transaction`]).
    pub(crate) async fn reference<T, Fut>(&self, key: String, read: Fut) -> Result<T, StoreError>
    where
        T: Clone + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T, StoreError>>,
    {
        let Some(cache) = self.lookups()? else {
            return read.await;
        };
        let ticket = match cache.reference::<T>(&key) {
            crate::lookups::Reference::Hit(v) => return Ok(v),
            crate::lookups::Reference::Miss(ticket) => ticket,
        };
        let value = read.await?;
        if let Some(ticket) = ticket {
            cache.keep_reference(ticket, &key, value.clone());
        }
        Ok(value)
    }

    /// Ends every other session on this PostgreSQL database (for tests
    /// and for the operator before a restore); returns how many. SQLite
    /// has no sessions to end: 0.
    pub async fn terminate_other_sessions(&self) -> Result<i64, StoreError> {
        self.terminate_sessions("%").await
    }

    /// [`Db::terminate_other_sessions`] for the sessions whose last
    /// statement is `LIKE query`.
    pub(crate) async fn terminate_sessions(&self, query: &str) -> Result<i64, StoreError> {
        if self.backend == Backend::Sqlite {
            return Ok(0);
        }
        let row = sqlx::query(
            "SELECT CAST(COUNT(pg_terminate_backend(pid)) AS BIGINT) AS n FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND COALESCE(query, '') LIKE $1",
        )
        .bind(query)
        .fetch_one(&self.pool)
        .await?;
        get_i64(&row, "n")
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Errors that can say whether the transaction that raised them may be retried.
pub trait MaybeRetryable {
    fn is_retryable(&self) -> bool;
}

impl MaybeRetryable for StoreError {
    fn is_retryable(&self) -> bool {
        StoreError::is_retryable(self)
    }
}

pub(crate) fn get_str(row: &AnyRow, col: &str) -> Result<String, StoreError> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn get_opt_str(row: &AnyRow, col: &str) -> Result<Option<String>, StoreError> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

pub(crate) fn get_i64(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn get_uuid(row: &AnyRow, col: &str) -> Result<Uuid, StoreError> {
    parse_uuid(col, &get_str(row, col)?)
}

pub(crate) fn get_opt_uuid(row: &AnyRow, col: &str) -> Result<Option<Uuid>, StoreError> {
    get_opt_str(row, col)?
        .map(|s| parse_uuid(col, &s))
        .transpose()
}

/// The UUID stored as text in column `col`.
pub(crate) fn parse_uuid(col: &str, s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| crate::error::corrupt("uuid column", format!("{col}={s}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Backend::from_url("sqlite://data/sen.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u:p@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://x").is_err());
        assert_eq!(
            redact_url("postgres://sen:secret@db:5432/sen"),
            "postgres://sen:***@db:5432/sen"
        );
        assert_eq!(redact_url("sqlite://data/sen.db"), "sqlite://data/sen.db");
    }

    #[test]
    fn times_are_fixed_width() {
        let t = chrono::DateTime::from_timestamp(0, 5_000).unwrap();
        assert_eq!(fmt_time(t), "1970-01-01T00:00:00.000005Z");
        assert_eq!(now_utc().len(), 27);
    }
}
