//! Group commit: the same kind of write from concurrent callers done for
//! all of them in one transaction, with multi-row statements and one
//! commit.
//!
//! A durable commit waits for the disk (WAL flush), and every statement is
//! a round trip to the database. A write that holds a lock until it
//! commits — the desk's gap-free code counter, the chain head of the event
//! log — makes every other one wait for its statements and its flush, so
//! such writers go one at a time, however many there are. A [`Batcher`]
//! queues the callers; one writer task takes all that are waiting (up to
//! [`MAX_GROUP`]) and hands them to the [`BatchWork`] at once, which writes
//! them with the same few statements whatever their number, then commits
//! once.
//!
//! What a caller sees does not change: its item is written in a
//! transaction that commits or rolls back as a whole, and it gets its own
//! result once that commit is durable. When a group fails, it is rolled
//! back and each of its items is written again alone with
//! [`Db::transaction`] (with its retries), so one caller's error never
//! becomes another's. A caller alone in the queue is written alone.
//!
//! Forming a group: the writer takes the first caller waiting and all
//! queued behind it. When they are fewer than the group it wrote last, it
//! waits a moment ([`LINGER`] at most) for as many: the callers of that
//! group are most likely on their way back with their next item, and
//! without the wait the first of them would be written alone, paying a
//! whole transaction and flush for one item while the others queue behind
//! it (with eight busy desks, groups went 7, 1, 7, 1). A quiet server never
//! waits: after a group of one, a group of one is enough.
//!
//! Lock order: a group takes the same locks in the same order as one item
//! does, only more of them. On PostgreSQL it still waits at most
//! [`LOCK_WAIT`] for a lock; past that it is rolled back and its items are
//! written alone.

use crate::db::{Db, Tx};
use crate::db_retry::MaybeRetryable;
use crate::error::StoreError;
use crate::BoxFuture;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most items in one transaction.
pub const MAX_GROUP: usize = 32;

/// How long a group waits for a lock on PostgreSQL before it gives up and
/// lets its items be written alone.
pub const LOCK_WAIT: &str = "100ms";

/// The longest a group waits to grow back to the size of the one before:
/// less than a group's own transaction and flush (1.5 ms on PostgreSQL on
/// the benchmark machine). Tokio's timer counts whole milliseconds, so
/// the wait may reach two.
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(1);

/// A kind of write that can be done for many items in one transaction.
pub trait BatchWork: Send + Sync + 'static {
    type Item: Clone + Send + Sync + 'static;
    type Output: Send + 'static;
    type Error: From<StoreError> + MaybeRetryable + std::fmt::Display + Send + 'static;

    /// Writes all `items` in `tx`: one output per item, in their order.
    /// May run more than once for the same items (after a rollback).
    fn run<'c>(
        &'c self,
        tx: &'c mut Tx,
        items: &'c [Self::Item],
    ) -> BoxFuture<'c, Result<Vec<Self::Output>, Self::Error>>;
}

type Reply<W> = oneshot::Sender<Result<<W as BatchWork>::Output, <W as BatchWork>::Error>>;

/// The queue in front of one [`BatchWork`] and its writer task.
pub struct Batcher<W: BatchWork> {
    queue: mpsc::UnboundedSender<(W::Item, Reply<W>)>,
}

impl<W: BatchWork> std::fmt::Debug for Batcher<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").finish_non_exhaustive()
    }
}

impl<W: BatchWork> Batcher<W> {
    /// Starts the writer task (on the current Tokio runtime).
    pub fn start(db: Db, work: W) -> Batcher<W> {
        Batcher::start_lingering(db, work, LINGER)
    }

    /// [`Batcher::start`], a group waiting at most `linger` to grow back
    /// to the size of the one before.
    pub fn start_lingering(db: Db, work: W, linger: std::time::Duration) -> Batcher<W> {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(db, Arc::new(work), rx, linger));
        Batcher { queue }
    }

    /// Writes `item` with those of the other callers waiting now; returns
    /// its output once the transaction that wrote it is committed.
    pub async fn submit(&self, item: W::Item) -> Result<W::Output, W::Error> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((item, reply))
            .map_err(|_| W::Error::from(StoreError::Batch("the writer has stopped".into())))?;
        answer.await.unwrap_or_else(|_| {
            Err(W::Error::from(StoreError::Batch(
                "the write's group was abandoned".into(),
            )))
        })
    }
}

async fn writer<W: BatchWork>(
    db: Db,
    work: Arc<W>,
    mut rx: mpsc::UnboundedReceiver<(W::Item, Reply<W>)>,
    linger: std::time::Duration,
) {
    let mut last = 1;
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        take_queued(&mut rx, &mut group);
        let until = tokio::time::Instant::now() + linger;
        while group.len() < last {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Ok(Some(entry)) => {
                    group.push(entry);
                    take_queued(&mut rx, &mut group);
                }
                Ok(None) | Err(_) => break,
            }
        }
        last = group.len();
        // A write that panics takes down its group's task, not the writer:
        // that group's callers get an error, the queue goes on.
        if let Err(e) = tokio::spawn(write_group(db.clone(), work.clone(), group)).await {
            tracing::error!(error = %e, "a group of writes was abandoned");
        }
    }
}

/// Moves what is queued now into `group`, up to [`MAX_GROUP`] items.
fn take_queued<T>(rx: &mut mpsc::UnboundedReceiver<T>, group: &mut Vec<T>) {
    while group.len() < MAX_GROUP {
        match rx.try_recv() {
            Ok(entry) => group.push(entry),
            Err(_) => break,
        }
    }
}

async fn write_group<W: BatchWork>(db: Db, work: Arc<W>, group: Vec<(W::Item, Reply<W>)>) {
    if group.len() > 1 {
        let (items, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        match together(&db, &*work, &items).await {
            Ok(outputs) if outputs.len() == items.len() => {
                for (reply, out) in replies.into_iter().zip(outputs) {
                    // The caller may have gone (its request dropped): the
                    // write is committed all the same.
                    let _ = reply.send(Ok(out));
                }
            }
            Ok(_) => {
                // A work that answers for fewer items than it was given is
                // a bug; nothing is known of what it wrote.
                for reply in replies {
                    let _ = reply.send(Err(W::Error::from(StoreError::Batch(
                        "the group's outputs do not match its items".into(),
                    ))));
                }
            }
            Err(Together::NotCommitted(e)) => {
                tracing::debug!(error = %e, n = items.len(), "group rolled back; writing its items alone");
                for (item, reply) in items.into_iter().zip(replies) {
                    let _ = reply.send(alone(&db, &work, item).await);
                }
            }
            Err(Together::Unknown(message)) => {
                // The commit failed without saying whether it happened:
                // the callers are told, as a single transaction's would be.
                for reply in replies {
                    let _ = reply.send(Err(W::Error::from(StoreError::Batch(message.clone()))));
                }
            }
        }
    } else {
        for (item, reply) in group {
            let _ = reply.send(alone(&db, &work, item).await);
        }
    }
}

enum Together {
    /// Rolled back: the items may be written again.
    NotCommitted(String),
    /// The commit's outcome is unknown.
    Unknown(String),
}

async fn together<W: BatchWork>(
    db: &Db,
    work: &W,
    items: &[W::Item],
) -> Result<Vec<W::Output>, Together> {
    let not_committed = |e: &dyn std::fmt::Display| Together::NotCommitted(e.to_string());
    let mut tx = db
        .begin_waiting_at_most(LOCK_WAIT)
        .await
        .map_err(|e| not_committed(&e))?;
    let outputs = match work.run(&mut tx, items).await {
        Ok(outputs) => outputs,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(not_committed(&e));
        }
    };
    match tx.commit().await.map_err(StoreError::from) {
        Ok(()) => Ok(outputs),
        Err(e) if e.is_retryable() => Err(not_committed(&e)),
        Err(e) => Err(Together::Unknown(e.to_string())),
    }
}

async fn alone<W: BatchWork>(db: &Db, work: &Arc<W>, item: W::Item) -> Result<W::Output, W::Error> {
    db.transaction(|tx| {
        let (work, item) = (work.clone(), item.clone());
        Box::pin(async move {
            let mut outputs = work.run(tx, std::slice::from_ref(&item)).await?;
            match (outputs.pop(), outputs.is_empty()) {
                (Some(out), true) => Ok(out),
                _ => Err(W::Error::from(StoreError::Batch(
                    "one item, not one output".into(),
                ))),
            }
        })
    })
    .await
}
