//! The public lookup's rows held in memory on PostgreSQL, dropped when the
//! database says they changed.
//!
//! On PostgreSQL each lookup's read is a round trip to the server's process
//! on the other core, which costs several times the HTTP request around it
//! (`docs/benchmarks.md`). The rows looked up are kept here, and a row is
//! dropped the moment the database reports it changed:
//!
//! - **Other processes' writes.** A trigger (migration 10) sends
//!   `NOTIFY sen_lookup, '<id> <code>'` from every transaction that changes
//!   a dossier's public columns or deletes it, and `'*'` on `TRUNCATE`.
//!   PostgreSQL delivers a notification when its transaction commits, in
//!   commit order. A listener task drops each row it names. A row from
//!   another process's write is thus answered old for no longer than the
//!   notification takes to arrive (milliseconds on one host), as from an
//!   asynchronous replica.
//! - **This process's writes.** A write of a row's public view marks the
//!   row first ([`LookupCache::mark`], from the store's writers); a marked
//!   row is read from the database and not kept, until its notification
//!   has come. So a write is seen by every lookup of this process that
//!   starts after its commit returned: the officer's action, then the
//!   citizen's lookup, never shows the state before the action.
//! - **A read that races a write.** A row read from the database is kept
//!   only if nothing about its code was heard between the moment the
//!   lookup missed and the moment it keeps the row ([`Ticket`]).
//! - **Without a listener nothing is kept**: before `LISTEN` is in place
//!   and a ping sent from another session has come back through it, after
//!   its connection is lost or a ping sent every [`PING_EVERY`] has not
//!   come back before the next (until a new one hears its ping; every row
//!   is dropped then, since notifications may have been missed), and once
//!   the task has stopped (its runtime shut down or the database closed).
//!
//! A row without a stored view is not kept (its lookup folds the events);
//! nor is a code that is not found. The rows kept are bounded by their
//! size (`lookup_cache_mb`), the oldest dropped first.
//!
//! **SQLite** has no notifications, but it can tell whether anything
//! changed: `PRAGMA data_version` on one connection moves whenever any
//! other connection, of this process or another, has committed. Before
//! each answer from memory the store checks it ([`LookupCache::observe`],
//! from `Db::lookups`) and drops everything on a move, so every write
//! shows in the next lookup, without marks. (Every commit empties the
//! cache there: it helps while lookups far outnumber writes.)
//!
//! **Reference data** (units, procedures, calendar decisions: see
//! `Db::reference`) is kept by the same cache and dropped whole at any
//! change to it: a `reference` notification (migration 11), a
//! data_version move, or this process's own write
//! ([`LookupCache::writing_reference`]).

use crate::dossiers::PublicRow;
use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The channel of the notifications (migration 10).
pub(crate) const CHANNEL: &str = "sen_lookup";

/// How long a mark stays without its notification (a transaction rolled
/// back sends none; a row whose view was empty before sends none either;
/// a transaction that writes a row twice sends one).
/// A transaction open longer than this loses read-your-writes for its rows
/// and keeps the notification's bound.
const MARK_TTL: Duration = Duration::from_secs(30);

/// Bytes counted per row on top of its text.
const ROW_OVERHEAD: usize = 160;

/// The payload of a change to reference data (migration 11).
const REFERENCE_CHANGED: &str = "reference";

/// Reference values kept, beyond which all are dropped (a province has a
/// few thousand units and procedures).
const MAX_REFERENCES: usize = 100_000;

/// Lookups waiting to keep a row, beyond which the oldest are forgotten
/// (their rows are then not kept: safe).
const MAX_PENDING: usize = 4096;

pub(crate) struct LookupCache {
    budget: usize,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
    reference_hits: AtomicU64,
    reference_misses: AtomicU64,
    /// The listener task, aborted by [`LookupCache::stop`].
    task: Mutex<Option<tokio::task::AbortHandle>>,
    /// Names this cache's pings among those of other processes.
    id: Uuid,
    pings_sent: AtomicU64,
    pings_heard: AtomicU64,
    /// Drops every notification (tests: a proxy that loses them).
    deaf: std::sync::atomic::AtomicBool,
}

struct State {
    /// A listener is in place and has not lost its connection since the
    /// rows were cleared.
    listening: bool,
    rows: HashMap<String, Arc<PublicRow>>,
    /// Codes in the order kept (a code may appear twice after a re-keep).
    order: VecDeque<String>,
    bytes: usize,
    /// Rows of this process's writes whose notification has not come: how
    /// many writes, and when the last was marked.
    marks: HashMap<Uuid, (u32, Instant)>,
    /// Lookups that missed and may keep what they read: code → ticket.
    pending: HashMap<String, u64>,
    next_ticket: u64,
    /// When expired marks were last dropped (at the next mark after a
    /// second).
    swept: Instant,
    /// Notifications held back instead of heard (tests: a slow delivery).
    held: Option<Vec<String>>,
    /// Reference data read by key (see [`LookupCache::reference`]).
    refs: HashMap<String, Arc<dyn Any + Send + Sync>>,
    /// Moves whenever reference data may have changed: a read is kept only
    /// if it has not moved since the read began.
    ref_generation: u64,
    /// Transactions of this process writing reference data, not ended.
    ref_writing: u32,
    /// SQLite: the file's `data_version` when what is kept was read.
    version: Option<i64>,
}

impl Default for State {
    fn default() -> State {
        State {
            listening: false,
            rows: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            marks: HashMap::new(),
            pending: HashMap::new(),
            next_ticket: 0,
            swept: Instant::now(),
            held: None,
            refs: HashMap::new(),
            ref_generation: 0,
            ref_writing: 0,
            version: None,
        }
    }
}

/// What a missed lookup holds until it keeps its row.
pub(crate) struct Ticket {
    code: String,
    number: u64,
}

/// The answer of [`LookupCache::get`].
pub(crate) enum Cached {
    Hit(PublicRow),
    /// Read the database, then [`LookupCache::keep`] with this.
    Miss(Option<Ticket>),
}

/// The answer of [`LookupCache::reference`].
pub(crate) enum Reference<T> {
    Hit(T),
    /// Read the database, then [`LookupCache::keep_reference`] with this.
    Miss(Option<u64>),
}

/// A transaction of this process writing reference data, under way: see
/// [`LookupCache::writing_reference`].
pub struct ReferenceWrite(Arc<LookupCache>);

impl Drop for ReferenceWrite {
    fn drop(&mut self) {
        let mut s = self.0.state();
        s.ref_writing = s.ref_writing.saturating_sub(1);
        s.drop_references();
    }
}

impl std::fmt::Debug for ReferenceWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReferenceWrite")
    }
}

fn size_of(r: &PublicRow) -> usize {
    ROW_OVERHEAD
        + 2 * r.code.len()
        + r.applicant_name.len()
        + r.applicant_phone.as_ref().map_or(0, |s| s.len())
        + r.applicant_id_number.as_ref().map_or(0, |s| s.len())
        + r.public_view.as_ref().map_or(0, |s| s.len())
}

impl State {
    /// Whether a write of this process to the row may not have been heard
    /// of yet (an expired mark is dropped here).
    fn marked(&mut self, id: Uuid) -> bool {
        match self.marks.get(&id) {
            Some((_, at)) if at.elapsed() < MARK_TTL => true,
            Some(_) => {
                self.marks.remove(&id);
                false
            }
            None => false,
        }
    }

    fn drop_code(&mut self, code: &str) {
        if let Some(r) = self.rows.remove(code) {
            self.bytes -= size_of(&r);
        }
        self.pending.remove(code);
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.order.clear();
        self.pending.clear();
        self.bytes = 0;
        self.drop_references();
    }

    fn drop_references(&mut self) {
        self.refs.clear();
        self.ref_generation += 1;
    }
}

impl LookupCache {
    /// A cache of at most `budget` bytes of rows; it keeps nothing until
    /// [`spawn_listener`] has a listener in place.
    pub(crate) fn new(budget: usize) -> LookupCache {
        LookupCache {
            budget,
            state: Mutex::new(State::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            reference_hits: AtomicU64::new(0),
            reference_misses: AtomicU64::new(0),
            task: Mutex::new(None),
            id: Uuid::now_v7(),
            pings_sent: AtomicU64::new(0),
            pings_heard: AtomicU64::new(0),
            deaf: Default::default(),
        }
    }

    /// The state holds no invariant a panic could break that a clear would
    /// not restore: a poisoned lock is cleared and taken.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| {
            let mut s = e.into_inner();
            s.clear();
            s.listening = false;
            s
        })
    }

    /// The row of `code` if kept and not marked; else a ticket to keep it.
    pub(crate) fn get(&self, code: &str) -> Cached {
        let mut s = self.state();
        if let Some(r) = s.rows.get(code).cloned() {
            if !s.marked(r.id) {
                drop(s);
                self.hits.fetch_add(1, Relaxed);
                return Cached::Hit(PublicRow::clone(&r));
            }
        }
        self.misses.fetch_add(1, Relaxed);
        if !s.listening {
            return Cached::Miss(None);
        }
        if s.pending.len() >= MAX_PENDING {
            s.pending.clear();
        }
        s.next_ticket += 1;
        let number = s.next_ticket;
        s.pending.insert(code.to_owned(), number);
        Cached::Miss(Some(Ticket {
            code: code.to_owned(),
            number,
        }))
    }

    /// Keeps `row`, read from the database after `ticket` was given, unless
    /// its code was heard of meanwhile or its row is marked.
    pub(crate) fn keep(&self, ticket: Ticket, row: &PublicRow) {
        if row.public_view.is_none() || row.code != ticket.code {
            return;
        }
        let mut s = self.state();
        if s.pending.get(&ticket.code) != Some(&ticket.number) {
            return;
        }
        s.pending.remove(&ticket.code);
        if !s.listening || s.marked(row.id) {
            return;
        }
        let size = size_of(row);
        if size > self.budget {
            return;
        }
        if let Some(old) = s.rows.insert(row.code.clone(), Arc::new(row.clone())) {
            s.bytes -= size_of(&old);
        }
        s.bytes += size;
        s.order.push_back(row.code.clone());
        while s.bytes > self.budget {
            let Some(code) = s.order.pop_front() else {
                break;
            };
            if let Some(r) = s.rows.remove(&code) {
                s.bytes -= size_of(&r);
            }
        }
        // Codes dropped by notifications stay in `order` until popped.
        if s.order.len() > 2 * s.rows.len() + 1024 {
            let State { rows, order, .. } = &mut *s;
            order.retain(|c| rows.contains_key(c));
        }
    }

    /// Marks a row this process is about to write (before the statement):
    /// it is read from the database until its notification comes.
    pub(crate) fn mark(&self, id: Uuid) {
        let now = Instant::now();
        let mut s = self.state();
        if now.duration_since(s.swept) > Duration::from_secs(1) {
            s.marks
                .retain(|_, (_, at)| now.duration_since(*at) < MARK_TTL);
            s.swept = now;
        }
        let m = s.marks.entry(id).or_insert((0, now));
        *m = (m.0 + 1, now);
    }

    /// A notification's payload: `<id> <code>`, or `*` for every row.
    fn heard(&self, payload: &str) {
        let mut s = self.state();
        if let Some(held) = &mut s.held {
            held.push(payload.to_owned());
            return;
        }
        if payload == "*" {
            s.clear();
            return;
        }
        if payload == REFERENCE_CHANGED {
            s.drop_references();
            return;
        }
        let (id, code) = payload.split_once(' ').unwrap_or(("", payload));
        s.drop_code(code);
        // One notification per transaction and row: one write heard of.
        if let Ok(id) = Uuid::parse_str(id) {
            if let Some((n, _)) = s.marks.get_mut(&id) {
                *n -= 1;
                if *n == 0 {
                    s.marks.remove(&id);
                }
            }
        }
    }

    /// A listener is in place (`true`; rows kept before are dropped, since
    /// their notifications may have been missed) or has been lost.
    fn set_listening(&self, on: bool) {
        let mut s = self.state();
        s.clear();
        s.listening = on;
    }

    /// SQLite, where there is no listener: keeps rows from now on, and
    /// answers from memory only after [`LookupCache::observe`].
    pub(crate) fn watched(&self) {
        self.set_listening(true);
    }

    /// SQLite: the file's `data_version` now. When it differs from the one
    /// observed before, another connection has committed a change since:
    /// everything kept is dropped (and the reads under way are not kept).
    pub(crate) fn observe(&self, version: i64) {
        let mut s = self.state();
        if s.version != Some(version) {
            s.clear();
            s.version = Some(version);
        }
    }

    /// The reference value of `key` if kept; else, while it may be kept, a
    /// ticket to keep what is read.
    pub(crate) fn reference<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Reference<T> {
        let s = self.state();
        let answer = match s.refs.get(key).and_then(|v| v.downcast_ref::<T>()) {
            _ if !s.listening || s.ref_writing > 0 => Reference::Miss(None),
            Some(v) => Reference::Hit(v.clone()),
            None => Reference::Miss(Some(s.ref_generation)),
        };
        drop(s);
        match answer {
            Reference::Hit(_) => &self.reference_hits,
            Reference::Miss(_) => &self.reference_misses,
        }
        .fetch_add(1, Relaxed);
        answer
    }

    /// Keeps `value` of `key`, read after `ticket` was given, unless
    /// reference data may have changed meanwhile.
    pub(crate) fn keep_reference<T: Send + Sync + 'static>(
        &self,
        ticket: u64,
        key: &str,
        value: T,
    ) {
        let mut s = self.state();
        if !s.listening || s.ref_writing > 0 || s.ref_generation != ticket {
            return;
        }
        if s.refs.len() >= MAX_REFERENCES {
            s.refs.clear();
        }
        s.refs.insert(key.to_owned(), Arc::new(value));
    }

    /// Drops every reference value and keeps none until the returned guard
    /// is dropped: hold it over a transaction that writes reference data,
    /// until it has ended (committed or not). A read that began before the
    /// guard's end is not kept, so one that begins after the commit reads
    /// it. Other processes' writes are heard of by their notification.
    pub(crate) fn writing_reference(self: &Arc<Self>) -> ReferenceWrite {
        let mut s = self.state();
        s.ref_writing += 1;
        s.drop_references();
        ReferenceWrite(self.clone())
    }

    /// Holds the notifications back (`true`) as a slow delivery would, or
    /// hears those held and goes on (`false`).
    pub(crate) fn hold(&self, on: bool) {
        let held = {
            let mut s = self.state();
            if on {
                s.held.get_or_insert_with(Vec::new);
                return;
            }
            s.held.take().unwrap_or_default()
        };
        for payload in held {
            self.heard(&payload);
        }
    }

    /// Drops every notification from now on (`true`), as a proxy that
    /// loses them would, or hears them again.
    pub(crate) fn deafen(&self, on: bool) {
        self.deaf.store(on, Relaxed);
    }

    /// The most bytes of rows kept.
    pub(crate) fn budget(&self) -> usize {
        self.budget
    }

    /// Lookups answered from memory and from the database so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.hits.load(Relaxed), self.misses.load(Relaxed))
    }

    /// Reads of reference data answered from memory and from the database
    /// so far.
    pub(crate) fn reference_counts(&self) -> (u64, u64) {
        (
            self.reference_hits.load(Relaxed),
            self.reference_misses.load(Relaxed),
        )
    }

    /// Whether rows are being kept (a listener is in place).
    pub(crate) fn listening(&self) -> bool {
        self.state().listening
    }

    /// Stops the listener; nothing is kept afterwards.
    pub(crate) fn stop(&self) {
        if let Some(t) = self.task.lock().ok().and_then(|mut t| t.take()) {
            t.abort();
        }
        self.set_listening(false);
    }
}

impl std::fmt::Debug for LookupCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupCache")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// Turns the cache off when the listener's future ends or is dropped (its
/// runtime shut down, the task aborted).
struct Off(Weak<LookupCache>);

impl Drop for Off {
    fn drop(&mut self) {
        if let Some(c) = self.0.upgrade() {
            c.set_listening(false);
        }
    }
}

/// Starts the task that listens on [`CHANNEL`] for `cache`, reconnecting
/// when its connection is lost or its pings stop coming back; it ends once
/// the cache is dropped. The pings go through `pool` (another session).
pub(crate) fn spawn_listener(
    cache: &Arc<LookupCache>,
    options: sqlx::postgres::PgConnectOptions,
    pool: sqlx::AnyPool,
) {
    let weak = Arc::downgrade(cache);
    let task = tokio::spawn(async move {
        let _off = Off(weak.clone());
        let own = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(options);
        loop {
            if weak.strong_count() == 0 {
                return;
            }
            // The listen loop is dropped whole when the watchdog fires: a
            // receive cut short does not matter with its connection gone
            // and every row dropped.
            let out = tokio::select! {
                out = listen(&own, &pool, &weak) => out,
                e = watchdog(&pool, &weak) => Err(e),
            };
            match out {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "lookup cache: listener lost; lookups read the database until it is back");
                    if let Some(c) = weak.upgrade() {
                        c.set_listening(false);
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    if let Ok(mut t) = cache.task.lock() {
        *t = Some(task.abort_handle());
    }
}

/// How often the listener checks that a notification sent from another
/// session reaches it (a proxy pooling transactions, such as PgBouncer in
/// that mode, or a half-open connection, would let `LISTEN` succeed and
/// lose every notification).
const PING_EVERY: Duration = Duration::from_secs(5);

/// Sends ping `n` of this cache on [`CHANNEL`] from a session of `pool`.
async fn ping(pool: &sqlx::AnyPool, id: Uuid, n: u64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT CAST(pg_notify($1, $2) AS TEXT) AS x")
        .bind(CHANNEL)
        .bind(format!("ping {id} {n}"))
        .execute(pool)
        .await
        .map(|_| ())
}

/// Every [`PING_EVERY`]: fails if the last ping was not heard, else sends
/// the next. Returns only on failure (or once the cache is gone, which
/// ends the task anyway).
async fn watchdog(pool: &sqlx::AnyPool, weak: &Weak<LookupCache>) -> sqlx::Error {
    loop {
        tokio::time::sleep(PING_EVERY).await;
        let Some(c) = weak.upgrade() else {
            return sqlx::Error::PoolClosed;
        };
        if c.pings_heard.load(Relaxed) < c.pings_sent.load(Relaxed) {
            return sqlx::Error::Protocol(format!(
                "a notification sent {} s ago has not come back",
                PING_EVERY.as_secs()
            ));
        }
        let n = c.pings_sent.fetch_add(1, Relaxed) + 1;
        let id = c.id;
        drop(c);
        if let Err(e) = ping(pool, id, n).await {
            return e;
        }
    }
}

/// Listens until the connection is lost (an error) or the cache is gone.
/// Rows are kept from the moment a ping sent after `LISTEN` from another
/// session has come back. (`try_recv` is awaited alone: a receive cut
/// short could lose a notification.)
async fn listen(
    own: &sqlx::PgPool,
    pool: &sqlx::AnyPool,
    weak: &Weak<LookupCache>,
) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(own).await?;
    listener.listen(CHANNEL).await?;
    let (id, first) = match weak.upgrade() {
        Some(c) => (c.id, c.pings_sent.fetch_add(1, Relaxed) + 1),
        None => return Ok(()),
    };
    ping(pool, id, first).await?;
    let mine = format!("ping {id} ");
    loop {
        let Some(n) = listener.try_recv().await? else {
            return Err(sqlx::Error::Protocol(
                "the listener's connection was lost".into(),
            ));
        };
        let Some(c) = weak.upgrade() else {
            return Ok(());
        };
        if c.deaf.load(Relaxed) {
            continue;
        }
        match n.payload().strip_prefix(&mine) {
            Some(k) => {
                let k = k.parse::<u64>().unwrap_or(0);
                c.pings_heard.fetch_max(k, Relaxed);
                if k >= first && !c.listening() {
                    c.set_listening(true);
                }
            }
            // Other processes' pings.
            None if n.payload().starts_with("ping ") => {}
            None => c.heard(n.payload()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, view: &str) -> PublicRow {
        PublicRow {
            id: Uuid::now_v7(),
            code: code.into(),
            applicant_name: "Nguyễn Văn A".into(),
            applicant_phone: Some("0912345678".into()),
            applicant_id_number: None,
            public_view: Some(view.into()),
        }
    }

    fn listening(budget: usize) -> LookupCache {
        let c = LookupCache::new(budget);
        c.set_listening(true);
        c
    }

    fn read(c: &LookupCache, r: &PublicRow) -> Option<PublicRow> {
        match c.get(&r.code) {
            Cached::Hit(r) => Some(r),
            Cached::Miss(t) => {
                if let Some(t) = t {
                    c.keep(t, r);
                }
                None
            }
        }
    }

    /// A read of reference value `key` that finds `value` in the database:
    /// what was kept, if anything.
    fn read_reference(c: &LookupCache, key: &str, value: &str) -> Option<String> {
        match c.reference::<String>(key) {
            Reference::Hit(v) => Some(v),
            Reference::Miss(t) => {
                if let Some(t) = t {
                    c.keep_reference(t, key, value.to_string());
                }
                None
            }
        }
    }

    #[test]
    fn reference_values_are_kept_until_reference_data_changes() {
        let c = Arc::new(listening(1 << 20));
        assert_eq!(read_reference(&c, "unit A", "Sở Tư pháp"), None);
        assert_eq!(
            read_reference(&c, "unit A", "?").as_deref(),
            Some("Sở Tư pháp")
        );
        // A value of another type under the key is not taken for it.
        assert!(matches!(
            c.reference::<u32>("unit A"),
            Reference::Miss(Some(_))
        ));
        // Another process's change, heard of: dropped.
        c.heard(REFERENCE_CHANGED);
        assert_eq!(read_reference(&c, "unit A", "Sở Tư pháp (mới)"), None);
        assert_eq!(
            read_reference(&c, "unit A", "?").as_deref(),
            Some("Sở Tư pháp (mới)")
        );
        // A read that raced a change is not kept.
        let Reference::<String>::Miss(Some(ticket)) = c.reference("unit B") else {
            panic!("a miss with a ticket");
        };
        c.heard(REFERENCE_CHANGED);
        c.keep_reference(ticket, "unit B", "old".to_string());
        assert_eq!(read_reference(&c, "unit B", "new"), None);
        assert_eq!(read_reference(&c, "unit B", "?").as_deref(), Some("new"));
        // A dossier's notification leaves reference data alone.
        c.heard(&format!("{} HS-1", Uuid::now_v7()));
        assert_eq!(read_reference(&c, "unit B", "?").as_deref(), Some("new"));
        // Without a listener nothing is kept.
        c.set_listening(false);
        assert!(matches!(
            c.reference::<String>("unit B"),
            Reference::Miss(None)
        ));
    }

    #[test]
    fn nothing_is_kept_while_this_process_writes_reference_data() {
        let c = Arc::new(listening(1 << 20));
        assert_eq!(read_reference(&c, "unit A", "old"), None);
        let Reference::<String>::Miss(Some(before)) = c.reference("unit C") else {
            panic!("a miss with a ticket");
        };
        let writing = c.writing_reference();
        // Dropped at once, and read from the database while the write is
        // under way (the state before its commit, then after).
        assert!(matches!(
            c.reference::<String>("unit A"),
            Reference::Miss(None)
        ));
        let Reference::<String>::Miss(None) = c.reference("unit A") else {
            panic!("no ticket while writing");
        };
        let second = c.writing_reference();
        drop(writing);
        assert!(matches!(
            c.reference::<String>("unit A"),
            Reference::Miss(None)
        ));
        drop(second);
        // A read begun before the write ended is not kept; one after is.
        c.keep_reference(before, "unit C", "old".to_string());
        assert_eq!(read_reference(&c, "unit C", "new"), None);
        assert_eq!(read_reference(&c, "unit C", "?").as_deref(), Some("new"));
        assert_eq!(read_reference(&c, "unit A", "new"), None);
    }

    #[test]
    fn a_row_read_is_kept_and_dropped_when_heard_of() {
        let c = listening(1 << 20);
        let r = row("H98.01-261124-0001", "{}");
        assert_eq!(read(&c, &r), None);
        assert_eq!(read(&c, &r), Some(r.clone()));
        c.heard(&format!("{} {}", r.id, r.code));
        assert_eq!(read(&c, &r), None);
        assert_eq!(read(&c, &r), Some(r.clone()));
        c.heard("*");
        assert_eq!(read(&c, &r), None);
        assert_eq!(c.counts(), (2, 3));
    }

    #[test]
    fn nothing_is_kept_without_a_listener() {
        let c = LookupCache::new(1 << 20);
        let r = row("A", "{}");
        for _ in 0..3 {
            assert_eq!(read(&c, &r), None);
        }
        let c = listening(1 << 20);
        assert_eq!(read(&c, &r), None);
        assert!(read(&c, &r).is_some());
        c.set_listening(false);
        assert_eq!(read(&c, &r), None);
        assert_eq!(read(&c, &r), None);
    }

    #[test]
    fn a_read_that_raced_a_notification_is_not_kept() {
        let c = listening(1 << 20);
        let r = row("A", "{\"old\":1}");
        let Cached::Miss(Some(t)) = c.get("A") else {
            panic!("expected a ticket")
        };
        // The row changes and is heard of while the old one is read.
        c.heard(&format!("{} A", r.id));
        c.keep(t, &r);
        assert!(!c.state().rows.contains_key("A"));
        // Another code heard of does not stop it.
        let Cached::Miss(Some(t)) = c.get("A") else {
            panic!("expected a ticket")
        };
        c.heard(&format!("{} B", Uuid::now_v7()));
        c.keep(t, &r);
        assert_eq!(read(&c, &r), Some(r));
    }

    #[test]
    fn a_marked_row_is_read_from_the_database_until_heard_of() {
        let c = listening(1 << 20);
        let r = row("A", "{}");
        read(&c, &r);
        assert!(read(&c, &r).is_some());
        c.mark(r.id);
        assert_eq!(read(&c, &r), None);
        // Not kept while marked, either.
        assert_eq!(read(&c, &r), None);
        c.heard(&format!("{} A", r.id));
        assert_eq!(read(&c, &r), None);
        assert!(read(&c, &r).is_some());
        // Two writes under way: the first one heard of does not unmark.
        c.mark(r.id);
        c.mark(r.id);
        c.heard(&format!("{} A", r.id));
        assert_eq!(read(&c, &r), None);
        assert_eq!(read(&c, &r), None);
        c.heard(&format!("{} A", r.id));
        assert_eq!(read(&c, &r), None);
        assert!(read(&c, &r).is_some());
    }

    #[test]
    fn rows_without_a_view_are_not_kept() {
        let c = listening(1 << 20);
        let mut r = row("A", "{}");
        r.public_view = None;
        read(&c, &r);
        assert_eq!(read(&c, &r), None);
    }

    #[test]
    fn the_oldest_rows_go_first_beyond_the_budget() {
        let one = size_of(&row("C0000", "{}"));
        let c = listening(3 * one);
        let rows: Vec<PublicRow> = (0..5).map(|i| row(&format!("C{i:04}"), "{}")).collect();
        for r in &rows {
            read(&c, r);
        }
        let kept: Vec<bool> = rows
            .iter()
            .map(|r| c.state().rows.contains_key(&r.code))
            .collect();
        assert_eq!(kept, [false, false, true, true, true]);
        assert!(c.state().bytes <= 3 * one);
        // Dropped codes are swept out of the order.
        for i in 0..3000 {
            let r = row(&format!("D{i:04}"), "{}");
            read(&c, &r);
            c.heard(&format!("{} {}", r.id, r.code));
        }
        let s = c.state();
        assert!(s.order.len() <= 2 * s.rows.len() + 1024);
    }

    /// Codes asked at random, each as likely: the share answered from
    /// memory is about the share of the rows that fit, and the bytes kept
    /// stay within the budget.
    #[test]
    fn random_lookups_hit_as_often_as_the_rows_that_fit() {
        let rows: Vec<PublicRow> = (0..11_000)
            .map(|i| row(&format!("H99.02-260302-{i:05}"), &"x".repeat(1800)))
            .collect();
        let budget = 11_000 * size_of(&rows[0]) * 3 / 10;
        let c = listening(budget);
        let mut x: u64 = 1;
        let (mut hits, asked) = (0, 60_000);
        for _ in 0..asked {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = &rows[((x >> 33) % 11_000) as usize];
            hits += usize::from(read(&c, r).is_some());
        }
        let share = hits as f64 / asked as f64;
        assert!((0.24..0.31).contains(&share), "{share}");
        let s = c.state();
        assert!(
            s.bytes <= budget && s.rows.len() > 3000,
            "{} rows",
            s.rows.len()
        );
    }
}
