//! Point reads on SQLite that skip sqlx's worker threads.
//!
//! sqlx runs every SQLite connection on a thread of its own and hands each
//! query and each row across a channel, so one indexed read costs two
//! thread switches, several times the read itself (`perf`: the scheduler
//! and futex wake-ups, not SQLite). For the public lookup, the hottest
//! read path, a few read-only connections opened with the same SQLite
//! library are used directly on the calling thread: an indexed read of one
//! row from the page cache takes microseconds, less than encoding the
//! answer. A read that has to wait for the disk blocks that runtime thread
//! for the wait; SQLite in WAL mode never makes a reader wait for a writer.
//!
//! On PostgreSQL the cost is sqlx's pool under concurrency: 16 tasks
//! reading in a loop got 13.5 k reads/s through the `Any` pool and 31 k
//! with native connections taken and returned under a mutex (measured side
//! by side), so the pool, not the database, capped the lookup. [`PgReads`]
//! keeps a few native connections of its own for the same read.
//!
//! In-memory SQLite databases go through the pool.

use crate::error::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Idle read-only connections kept open; more are opened when the callers
/// need them at once, and the surplus is closed on return.
const KEEP_IDLE: usize = 8;

#[derive(Debug)]
pub(crate) struct SqliteReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Read(e.to_string())
    }
}

/// Turns off SQLite's memory statistics, which take a process-wide mutex
/// on every allocation inside SQLite (contended as soon as two threads
/// read). Effective only before the library's first use in the process;
/// later calls are refused by SQLite and ignored here.
pub(crate) fn tune_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called with an option and the int
        // argument it takes; before initialisation it only sets a flag,
        // after it returns SQLITE_MISUSE and changes nothing.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            )
        };
        tracing::debug!(rc, "sqlite memory statistics off");
    });
}

impl SqliteReads {
    pub(crate) fn new(path: PathBuf) -> SqliteReads {
        SqliteReads {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(15))?;
        // Read the file through the OS page cache shared by all the
        // connections instead of copying pages into each one's own cache.
        // SQLite caps this at its compile-time maximum, raised from 2 GB
        // to 1 TiB in `.cargo/config.toml`, and maps no more than the file.
        conn.pragma_update(None, "mmap_size", 1i64 << 40)?;
        conn.set_prepared_statement_cache_capacity(16);
        Ok(conn)
    }

    /// Runs `f` on an idle read-only connection (opening one if none is
    /// idle), on the calling thread.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let taken = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        if out.is_ok() {
            if let Ok(mut v) = self.idle.lock() {
                if v.len() < KEEP_IDLE {
                    v.push(conn);
                }
            }
        }
        Ok(out?)
    }
}

/// Native PostgreSQL connections kept for hot point reads (see the module
/// documentation). A connection that fails is dropped, never returned; a
/// read that fails on a connection which sat idle (the server may have
/// closed it) is tried once more on a new one.
pub(crate) struct PgReads {
    options: sqlx::postgres::PgConnectOptions,
    idle: Mutex<Vec<sqlx::postgres::PgConnection>>,
    /// At most [`PG_READ_CONNECTIONS`] reads (and connections) at once:
    /// a burst of lookups waits its turn instead of opening connections
    /// past the server's limit.
    permits: tokio::sync::Semaphore,
    /// Connections opened so far (for tests).
    opened: std::sync::atomic::AtomicUsize,
}

/// The connect options hold the password: not printed.
impl std::fmt::Debug for PgReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgReads").finish_non_exhaustive()
    }
}

impl PgReads {
    pub(crate) fn new(url: &str) -> Result<PgReads, StoreError> {
        use std::str::FromStr;
        Ok(PgReads {
            options: sqlx::postgres::PgConnectOptions::from_str(url)?,
            idle: Mutex::new(Vec::new()),
            permits: tokio::sync::Semaphore::new(PG_READ_CONNECTIONS),
            opened: Default::default(),
        })
    }

    /// Runs the read `sql`, with `param` bound to `$1`, on an idle
    /// connection (or a new one if none is idle): its row, if any.
    pub(crate) async fn fetch_optional<O>(
        &self,
        sql: &'static str,
        param: &str,
    ) -> Result<Option<O>, StoreError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        // As long as the pool waits for a connection.
        let _permit = tokio::time::timeout(Duration::from_secs(30), self.permits.acquire())
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolTimedOut))?
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?;
        let taken = self.idle.lock().ok().and_then(|mut v| v.pop());
        let reused = taken.is_some();
        let mut conn = match taken {
            Some(c) => c,
            None => self.connect().await?,
        };
        async fn read<O>(
            c: &mut sqlx::postgres::PgConnection,
            sql: &'static str,
            param: &str,
        ) -> Result<Option<O>, sqlx::Error>
        where
            O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
        {
            sqlx::query_as::<_, O>(sql)
                .bind(param)
                .fetch_optional(c)
                .await
        }
        let out = match read(&mut conn, sql, param).await {
            Err(e) if reused => {
                tracing::debug!(error = %e, "idle read connection failed; reconnecting");
                conn = self.connect().await?;
                read(&mut conn, sql, param).await
            }
            out => out,
        };
        if out.is_ok() {
            if let Ok(mut v) = self.idle.lock() {
                if v.len() < PG_READ_CONNECTIONS {
                    v.push(conn);
                }
            }
        }
        Ok(out?)
    }

    async fn connect(&self) -> Result<sqlx::postgres::PgConnection, StoreError> {
        use sqlx::Connection;
        let c = sqlx::postgres::PgConnection::connect_with(&self.options).await?;
        self.opened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(c)
    }

    /// How many connections were opened so far.
    pub(crate) fn opened(&self) -> usize {
        self.opened.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Closes the idle connections (a read in flight keeps its own until it
    /// ends, then drops it).
    pub(crate) async fn close(&self) {
        use sqlx::Connection;
        let idle = self.idle.lock().map(|mut v| std::mem::take(&mut *v));
        for c in idle.unwrap_or_default() {
            let _ = c.close().await;
        }
    }
}

/// As many as the lookup's concurrent requests on two cores keep busy
/// (the pool has as many again for everything else).
const PG_READ_CONNECTIONS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    /// The read connections map the whole file: the bundled SQLite was
    /// built with the raised mmap limit of `.cargo/config.toml` (without
    /// it SQLite would cap the mapping at 2 GB).
    #[test]
    fn read_connections_map_up_to_a_tebibyte() {
        let dir = std::env::temp_dir().join(format!("sen-reads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        let reads = SqliteReads::new(path);
        let (mmap, x): (i64, i64) = reads
            .with(|c| {
                let m = c.query_row("PRAGMA mmap_size", [], |r| r.get(0))?;
                let x = c.query_row("SELECT x FROM t", [], |r| r.get(0))?;
                Ok((m, x))
            })
            .unwrap();
        assert_eq!((mmap, x), (1i64 << 40, 1));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
