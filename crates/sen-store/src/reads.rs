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
//! keeps a few native connections of its own for the same read, and then
//! the round trip itself: each statement wakes the server's process and,
//! on the way back, the runtime's, so concurrent lookups are read in
//! batches, one statement for all those waiting.
//!
//! In-memory SQLite databases go through the pool.

use crate::error::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

/// Idle read-only connections kept open; more are opened when the callers
/// need them at once, and the surplus is closed on return.
const KEEP_IDLE: usize = 8;

#[derive(Debug)]
pub(crate) struct SqliteReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// The connection whose `data_version` tells whether any other
    /// connection, in this process or another, has committed a change.
    watch: Mutex<Option<Connection>>,
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
            watch: Mutex::new(None),
        }
    }

    /// SQLite's `PRAGMA data_version` on the watching connection: it
    /// changes when any other connection has committed a change to the
    /// file since the last call (each call begins a read transaction, which
    /// checks the write-ahead log's header), so a value equal to an earlier
    /// one means nothing changed in between.
    pub(crate) fn data_version(&self) -> Result<i64, StoreError> {
        let mut watch = self
            .watch
            .lock()
            .map_err(|_| StoreError::Read("the watching connection's lock is poisoned".into()))?;
        if watch.is_none() {
            *watch = Some(self.open()?);
        }
        let Some(conn) = watch.as_ref() else {
            return Err(StoreError::Read("no watching connection".into()));
        };
        let version = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0));
        if version.is_err() {
            *watch = None;
        }
        Ok(version?)
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
/// documentation), and the reads waiting for one.
///
/// Reads of the same kind that wait at the same time are done together:
/// one statement fetches all their rows by key (`WHERE code = ANY($1)`).
/// Each statement costs a round trip and wakes the server's process on
/// the other core, whatever the number of rows, so under load the lookup
/// pays that once per batch instead of once per read. A read alone is
/// done at once, as a batch of one. A read waits only while all
/// [`read_connections`] are busy, and the batch that takes it starts
/// after it was queued, so it sees every write committed before it was
/// asked for, as a read of its own would.
///
/// A connection that fails is dropped, never returned; a batch that fails
/// on a connection which sat idle (the server may have closed it) is tried
/// once more on a new one.
pub(crate) struct PgReads {
    options: sqlx::postgres::PgConnectOptions,
    idle: Mutex<Vec<sqlx::postgres::PgConnection>>,
    /// At most `connections` batches (and connections) at once; whoever
    /// holds a permit does the next batch of waiting reads.
    permits: tokio::sync::Semaphore,
    connections: usize,
    /// Connections opened so far (for tests).
    opened: std::sync::atomic::AtomicUsize,
    /// Batches run so far and the reads they answered (for tests).
    batches: std::sync::atomic::AtomicUsize,
    batched: std::sync::atomic::AtomicUsize,
    /// The public lookup's read by dossier code.
    pub(crate) public: KeyedRead<crate::dossiers::PgPublicRow>,
}

/// The connect options hold the password: not printed.
impl std::fmt::Debug for PgReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgReads").finish_non_exhaustive()
    }
}

/// One kind of point read by a text key, done in batches by [`PgReads`].
pub(crate) struct KeyedRead<O> {
    /// Selects the rows whose key is in the text array `$1`.
    sql: &'static str,
    /// The key of a row, to give each waiting read its own.
    key_of: fn(&O) -> &str,
    waiting: Mutex<Vec<Waiting<O>>>,
}

type Waiting<O> = (String, oneshot::Sender<Result<Option<O>, String>>);

impl<O> KeyedRead<O> {
    pub(crate) fn new(sql: &'static str, key_of: fn(&O) -> &str) -> KeyedRead<O> {
        KeyedRead {
            sql,
            key_of,
            waiting: Mutex::new(Vec::new()),
        }
    }

    /// The queue holds no invariant a panic could break: a poisoned lock
    /// is taken as it is.
    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting<O>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn queue(&self, key: &str, reply: oneshot::Sender<Result<Option<O>, String>>) {
        self.waiting().push((key.to_owned(), reply));
    }

    /// The reads waiting now, oldest first (at most [`MAX_BATCH`]). Those
    /// whose caller has gone meanwhile are read all the same, and their
    /// answer dropped.
    fn take(&self) -> Vec<Waiting<O>> {
        let mut w = self.waiting();
        let n = w.len().min(MAX_BATCH);
        w.drain(..n).collect()
    }
}

/// The most reads in one statement.
const MAX_BATCH: usize = 64;

impl PgReads {
    /// Reads over at most `connections` connections (at least one).
    pub(crate) fn new(url: &str, connections: usize) -> Result<PgReads, StoreError> {
        use std::str::FromStr;
        let connections = connections.max(1);
        Ok(PgReads {
            // A statement whose parameter is an array is planned anew at
            // every execution by default (its generic plan is costed for
            // an array of unknown length, above the custom plans), which
            // costs more than the read itself: these connections run
            // only point reads by key, whose generic plan is the index
            // scan.
            options: sqlx::postgres::PgConnectOptions::from_str(url)?
                .options([("plan_cache_mode", "force_generic_plan")]),
            idle: Mutex::new(Vec::new()),
            permits: tokio::sync::Semaphore::new(connections),
            connections,
            opened: Default::default(),
            batches: Default::default(),
            batched: Default::default(),
            public: crate::dossiers::public_read(),
        })
    }

    /// The row of `read` whose key is `key`, if any, read with those of
    /// the other callers waiting at the same time.
    pub(crate) async fn fetch_by_key<O>(
        &self,
        read: &KeyedRead<O>,
        key: &str,
    ) -> Result<Option<O>, StoreError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Clone + Send + Unpin,
    {
        // As long as the pool waits for a connection, the read included.
        tokio::time::timeout(Duration::from_secs(30), self.wait_for(read, key))
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolTimedOut))?
    }

    async fn wait_for<O>(&self, read: &KeyedRead<O>, key: &str) -> Result<Option<O>, StoreError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Clone + Send + Unpin,
    {
        let answered = |a: Result<Option<O>, String>| a.map_err(StoreError::Read);
        // Asked again if the caller doing the batch that took it was
        // dropped before answering (its request cancelled).
        loop {
            let (reply, mut answer) = oneshot::channel();
            read.queue(key, reply);
            loop {
                tokio::select! {
                    biased;
                    a = &mut answer => match a {
                        Ok(a) => return answered(a),
                        Err(_) => break,
                    },
                    permit = self.permits.acquire() => {
                        let permit = permit.map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?;
                        let batch = read.take();
                        if batch.is_empty() {
                            // Ours is in a batch under way: wait for it
                            // without holding a connection.
                            drop(permit);
                            match (&mut answer).await {
                                Ok(a) => return answered(a),
                                Err(_) => break,
                            }
                        }
                        self.run(read, batch).await;
                        drop(permit);
                    }
                }
            }
        }
    }

    /// Reads the rows of a batch and answers each of its reads.
    async fn run<O>(&self, read: &KeyedRead<O>, batch: Vec<Waiting<O>>)
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Clone + Send + Unpin,
    {
        use std::sync::atomic::Ordering::Relaxed;
        self.batches.fetch_add(1, Relaxed);
        self.batched.fetch_add(batch.len(), Relaxed);
        let keys: Vec<String> = batch.iter().map(|(k, _)| k.clone()).collect();
        let rows = self.fetch_all::<O>(read.sql, &keys).await;
        match rows {
            Ok(rows) => {
                let by_key: std::collections::HashMap<&str, &O> =
                    rows.iter().map(|r| ((read.key_of)(r), r)).collect();
                for (key, reply) in batch {
                    let _ = reply.send(Ok(by_key.get(key.as_str()).map(|r| (*r).clone())));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for (_, reply) in batch {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }

    async fn fetch_all<O>(&self, sql: &'static str, keys: &[String]) -> Result<Vec<O>, StoreError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        let taken = self.idle.lock().ok().and_then(|mut v| v.pop());
        let reused = taken.is_some();
        let mut conn = match taken {
            Some(c) => c,
            None => self.connect().await?,
        };
        async fn read<O>(
            c: &mut sqlx::postgres::PgConnection,
            sql: &'static str,
            keys: &[String],
        ) -> Result<Vec<O>, sqlx::Error>
        where
            O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
        {
            sqlx::query_as::<_, O>(sql).bind(keys).fetch_all(c).await
        }
        let out = match read(&mut conn, sql, keys).await {
            Err(e) if reused => {
                tracing::debug!(error = %e, "idle read connection failed; reconnecting");
                conn = self.connect().await?;
                read(&mut conn, sql, keys).await
            }
            out => out,
        };
        if out.is_ok() {
            if let Ok(mut v) = self.idle.lock() {
                if v.len() < self.connections {
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

    /// How many batches were run so far, and how many reads they answered.
    pub(crate) fn batches(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.batches.load(Relaxed), self.batched.load(Relaxed))
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

/// Batches at once by default: one per core of this machine, at least 2
/// and at most 16. More batches in flight make each smaller: on 2 cores,
/// with 16 concurrent lookups, 2 connections answered 28–29 k lookups/s
/// with 3.6 reads per statement, 3 answered 26.5 k, 4 answered 24.7 k
/// with 1.7, and 1 answered 27.4 k with 8 (`sen bench`, 25 November
/// 2026).
pub(crate) fn read_connections() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 16)
}

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
