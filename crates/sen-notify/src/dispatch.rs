//! The delivery loop, independent of where the messages are stored.

use crate::message::{Channel, ChannelKind, Outgoing, SendError};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// An error of the queue's storage, passed through unchanged.
pub type QueueError = Box<dyn std::error::Error + Send + Sync>;

/// Where messages wait: the database outbox in production, memory in tests.
///
/// The queue owns the retry policy: [`Queue::mark_failed`] with
/// `permanent == false` must schedule another attempt (with a backoff the
/// queue chooses, and a bound on attempts after which it gives up), and
/// [`Queue::claim_due`] must not hand out a message again while a pass is
/// working on it (a lease, or `FOR UPDATE SKIP LOCKED` plus a status change).
#[async_trait]
pub trait Queue: Send + Sync {
    /// Takes up to `limit` messages whose next attempt is due, oldest first.
    async fn claim_due(&self, limit: usize) -> Result<Vec<Outgoing>, QueueError>;

    /// Records that a message was delivered; it is not to be sent again.
    async fn mark_sent(&self, id: Uuid) -> Result<(), QueueError>;

    /// Records a failed attempt and its reason. A permanent failure ends the
    /// message; a transient one schedules a retry.
    async fn mark_failed(&self, id: Uuid, error: &str, permanent: bool) -> Result<(), QueueError>;
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Messages claimed from the queue.
    pub claimed: usize,
    /// Delivered and marked sent.
    pub sent: usize,
    /// Failed transiently (to be retried).
    pub transient: usize,
    /// Failed permanently.
    pub permanent: usize,
}

/// Takes due messages from a [`Queue`] and sends each on the [`Channel`]
/// registered for its [`ChannelKind`], one at a time.
///
/// A message whose kind has no channel fails transiently (it waits for a
/// configuration that has one). A send that exceeds the send time-out fails
/// transiently.
pub struct Dispatcher {
    queue: Arc<dyn Queue>,
    channels: BTreeMap<ChannelKind, Arc<dyn Channel>>,
    batch_size: usize,
    send_timeout: Duration,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("channels", &self.channels.keys().collect::<Vec<_>>())
            .field("batch_size", &self.batch_size)
            .field("send_timeout", &self.send_timeout)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher on `queue` with no channels yet, batches of 50 and a
    /// 120 s limit per message.
    pub fn new(queue: Arc<dyn Queue>) -> Dispatcher {
        Dispatcher {
            queue,
            channels: BTreeMap::new(),
            batch_size: 50,
            send_timeout: Duration::from_secs(120),
        }
    }

    /// Sends messages of `kind` on `channel` (replacing any earlier one).
    pub fn with_channel(mut self, kind: ChannelKind, channel: Arc<dyn Channel>) -> Dispatcher {
        self.channels.insert(kind, channel);
        self
    }

    /// How many messages one pass claims at most (at least 1).
    pub fn batch_size(mut self, n: usize) -> Dispatcher {
        self.batch_size = n.max(1);
        self
    }

    /// The longest one message may take before it counts as a transient
    /// failure.
    pub fn send_timeout(mut self, limit: Duration) -> Dispatcher {
        self.send_timeout = limit;
        self
    }

    async fn attempt(&self, msg: &Outgoing) -> Result<(), SendError> {
        let Some(channel) = self.channels.get(&msg.channel) else {
            return Err(SendError::Transient(format!(
                "no {} channel is configured",
                msg.channel
            )));
        };
        match tokio::time::timeout(self.send_timeout, channel.send(msg)).await {
            Ok(r) => r,
            Err(_) => Err(SendError::Transient(format!(
                "sending took longer than {:?}",
                self.send_timeout
            ))),
        }
    }

    /// One pass: claims due messages, sends each, records each outcome.
    ///
    /// Fails only if the queue does; a failure to record an outcome stops the
    /// pass at once (the messages not yet attempted stay claimed until the
    /// queue releases them), since sending on while the queue cannot record
    /// would only produce duplicates.
    pub async fn run_once(&self) -> Result<PassReport, QueueError> {
        let batch = self.queue.claim_due(self.batch_size).await?;
        let mut report = PassReport {
            claimed: batch.len(),
            ..PassReport::default()
        };
        for msg in &batch {
            match self.attempt(msg).await {
                Ok(()) => {
                    self.queue.mark_sent(msg.id).await?;
                    report.sent += 1;
                    tracing::info!(id = %msg.id, channel = %msg.channel, "message delivered");
                }
                Err(e) => {
                    let permanent = e.is_permanent();
                    self.queue
                        .mark_failed(msg.id, e.message(), permanent)
                        .await?;
                    if permanent {
                        report.permanent += 1;
                        tracing::warn!(id = %msg.id, channel = %msg.channel, error = %e.message(), "message failed for good");
                    } else {
                        report.transient += 1;
                        tracing::info!(id = %msg.id, channel = %msg.channel, attempts = msg.attempts + 1, error = %e.message(), "message will be retried");
                    }
                }
            }
        }
        Ok(report)
    }

    /// Runs passes until `shutdown` completes: a pass that filled its batch
    /// is followed at once by the next one, otherwise the loop waits
    /// `poll_interval`. A queue error is logged and retried after
    /// `poll_interval`. Shutdown is honoured between passes (a pass in
    /// progress finishes, bounded by batch size × send time-out); then every
    /// channel is [closed](Channel::close).
    pub async fn run<F>(&self, poll_interval: Duration, shutdown: F)
    where
        F: Future<Output = ()>,
    {
        tokio::pin!(shutdown);
        loop {
            let more = match self.run_once().await {
                Ok(r) => {
                    if r.claimed > 0 {
                        tracing::debug!(?r, "delivery pass");
                    }
                    r.claimed >= self.batch_size
                }
                Err(e) => {
                    tracing::warn!(error = %e, "delivery pass failed: the queue is unavailable");
                    false
                }
            };
            if more {
                let stop = tokio::select! {
                    biased;
                    _ = &mut shutdown => true,
                    _ = std::future::ready(()) => false,
                };
                if stop {
                    break;
                }
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(poll_interval) => {}
            }
        }
        for channel in self.channels.values() {
            channel.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    #[derive(Default)]
    struct MemQueue {
        pending: Mutex<Vec<Outgoing>>,
        log: Mutex<Vec<String>>,
        fail_marks: bool,
        claims: AtomicUsize,
    }

    #[async_trait]
    impl Queue for MemQueue {
        async fn claim_due(&self, limit: usize) -> Result<Vec<Outgoing>, QueueError> {
            self.claims.fetch_add(1, Ordering::SeqCst);
            let mut p = self.pending.lock().unwrap();
            let n = limit.min(p.len());
            Ok(p.drain(..n).collect())
        }
        async fn mark_sent(&self, id: Uuid) -> Result<(), QueueError> {
            if self.fail_marks {
                return Err("database down".into());
            }
            self.log.lock().unwrap().push(format!("sent {id}"));
            Ok(())
        }
        async fn mark_failed(
            &self,
            id: Uuid,
            error: &str,
            permanent: bool,
        ) -> Result<(), QueueError> {
            self.log
                .lock()
                .unwrap()
                .push(format!("failed {id} {permanent} {error}"));
            Ok(())
        }
    }

    struct Fixed(Result<(), SendError>, Duration, AtomicUsize);

    #[async_trait]
    impl Channel for Fixed {
        async fn send(&self, _: &Outgoing) -> Result<(), SendError> {
            tokio::time::sleep(self.1).await;
            self.0.clone()
        }
        async fn close(&self) {
            self.2.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn fixed(r: Result<(), SendError>) -> Arc<Fixed> {
        Arc::new(Fixed(r, Duration::ZERO, AtomicUsize::new(0)))
    }

    fn msg(n: u128, channel: ChannelKind) -> Outgoing {
        Outgoing {
            id: Uuid::from_u128(n),
            channel,
            recipient: "x".into(),
            subject: String::new(),
            body: "b".into(),
            idempotency_key: format!("k{n}"),
            attempts: 0,
        }
    }

    #[tokio::test]
    async fn outcomes_are_recorded_per_channel() {
        let q = Arc::new(MemQueue::default());
        *q.pending.lock().unwrap() = vec![
            msg(1, ChannelKind::Sms),
            msg(2, ChannelKind::Email),
            msg(3, ChannelKind::Sms),
        ];
        let d = Dispatcher::new(q.clone())
            .with_channel(ChannelKind::Sms, fixed(Ok(())))
            .with_channel(
                ChannelKind::Email,
                fixed(Err(SendError::Permanent("550 no such user".into()))),
            );
        let r = d.run_once().await.unwrap();
        assert_eq!(
            r,
            PassReport {
                claimed: 3,
                sent: 2,
                transient: 0,
                permanent: 1
            }
        );
        let log = q.log.lock().unwrap().clone();
        assert_eq!(
            log,
            [
                format!("sent {}", Uuid::from_u128(1)),
                format!("failed {} true 550 no such user", Uuid::from_u128(2)),
                format!("sent {}", Uuid::from_u128(3)),
            ]
        );
    }

    #[tokio::test]
    async fn missing_channel_and_slow_channel_are_transient() {
        let q = Arc::new(MemQueue::default());
        *q.pending.lock().unwrap() = vec![msg(1, ChannelKind::Sms), msg(2, ChannelKind::Email)];
        let slow = Arc::new(Fixed(
            Ok(()),
            Duration::from_secs(3600),
            AtomicUsize::new(0),
        ));
        let d = Dispatcher::new(q.clone())
            .with_channel(ChannelKind::Email, slow)
            .send_timeout(Duration::from_millis(50));
        let r = d.run_once().await.unwrap();
        assert_eq!((r.transient, r.sent), (2, 0));
        let log = q.log.lock().unwrap().clone();
        assert!(
            log[0].ends_with("false no sms channel is configured"),
            "{log:?}"
        );
        assert!(log[1].contains("false sending took longer than"), "{log:?}");
    }

    #[tokio::test]
    async fn a_queue_error_stops_the_pass() {
        let q = Arc::new(MemQueue {
            fail_marks: true,
            ..MemQueue::default()
        });
        *q.pending.lock().unwrap() = vec![msg(1, ChannelKind::Sms), msg(2, ChannelKind::Sms)];
        let ch = Arc::new(Fixed(Ok(()), Duration::ZERO, AtomicUsize::new(0)));
        let d = Dispatcher::new(q.clone()).with_channel(ChannelKind::Sms, ch);
        assert!(d.run_once().await.is_err());
    }

    #[tokio::test]
    async fn run_drains_full_batches_then_stops_and_closes() {
        let q = Arc::new(MemQueue::default());
        *q.pending.lock().unwrap() = (0..5).map(|i| msg(i, ChannelKind::Sms)).collect();
        let ch = fixed(Ok(()));
        let d = Dispatcher::new(q.clone())
            .with_channel(ChannelKind::Sms, ch.clone())
            .batch_size(2);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            // a poll interval far beyond the test: only full batches and the
            // shutdown signal can move the loop on
            d.run(Duration::from_secs(3600), async {
                let _ = rx.await;
            })
            .await
        });
        // 5 messages in batches of 2: passes of 2, 2, 1 without waiting
        for _ in 0..200 {
            if q.log.lock().unwrap().len() == 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(q.log.lock().unwrap().len(), 5);
        assert_eq!(q.claims.load(Ordering::SeqCst), 3);
        tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(30), handle)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ch.2.load(Ordering::SeqCst), 1, "channel closed once");
    }
}
