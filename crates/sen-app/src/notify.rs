//! Delivery of the outbox: the database queue behind sen-notify's
//! dispatcher. A message is claimed with a lease, sent, then marked sent;
//! a transient failure is retried with exponential backoff (30 s doubling
//! up to an hour, for up to 60 attempts: days of outage lose nothing); a
//! permanent one is given up and stays visible with its error.

use crate::App;
use sen_notify::{ChannelKind, Outgoing, Queue, QueueError};
use sen_store::{fmt_time, outbox};
use uuid::Uuid;

/// How long a claimed message is reserved for one sender.
const LEASE_SECS: i64 = 300;
const MAX_ATTEMPTS: i64 = 60;

/// The delay before attempt `n + 1` after `n` failures.
pub fn backoff_secs(failures: i64) -> i64 {
    backoff_from(30, failures)
}

/// The delay before attempt `n + 1`, doubling from `base` seconds, at most
/// an hour.
pub fn backoff_from(base: i64, failures: i64) -> i64 {
    (base.clamp(1, 3600) << failures.clamp(0, 12)).min(3600)
}

/// The outbox table as sen-notify's queue, for the channels that have a
/// peer configured (the others' messages wait untouched).
pub struct OutboxQueue {
    app: App,
    channels: Vec<&'static str>,
}

impl OutboxQueue {
    /// A queue handing out messages of every channel.
    pub fn new(app: App) -> Self {
        Self::for_channels(app, &[ChannelKind::Sms, ChannelKind::Email])
    }

    pub fn for_channels(app: App, channels: &[ChannelKind]) -> Self {
        OutboxQueue {
            app,
            channels: channels.iter().map(|c| c.as_str()).collect(),
        }
    }
}

#[async_trait::async_trait]
impl Queue for OutboxQueue {
    async fn claim_due(&self, limit: usize) -> Result<Vec<Outgoing>, QueueError> {
        let now = self.app.now();
        let claimed = outbox::claim_due(
            &self.app.db,
            &self.channels,
            limit as i64,
            &fmt_time(now),
            &fmt_time(now + chrono::Duration::seconds(LEASE_SECS)),
        )
        .await?;
        let mut out = Vec::with_capacity(claimed.len());
        for c in claimed {
            match c.channel.parse::<ChannelKind>() {
                Ok(channel) => out.push(Outgoing {
                    id: c.id,
                    channel,
                    recipient: c.recipient,
                    subject: c.subject,
                    body: c.body,
                    idempotency_key: c.idempotency_key,
                    attempts: c.attempts,
                }),
                Err(e) => outbox::mark_failed(&self.app.db, c.id, &e.to_string(), None).await?,
            }
        }
        Ok(out)
    }

    async fn mark_sent(&self, id: Uuid) -> Result<(), QueueError> {
        outbox::mark_sent(&self.app.db, id, &fmt_time(self.app.now())).await?;
        Ok(())
    }

    async fn mark_failed(&self, id: Uuid, error: &str, permanent: bool) -> Result<(), QueueError> {
        let failures = outbox::attempts(&self.app.db, id).await? + 1;
        let retry_at = (!permanent && failures < MAX_ATTEMPTS).then(|| {
            fmt_time(
                self.app.now()
                    + chrono::Duration::seconds(backoff_from(
                        self.app.settings.outbox_retry_base_secs,
                        failures,
                    )),
            )
        });
        if retry_at.is_none() {
            tracing::warn!(%id, error, failures, "message given up");
        }
        outbox::mark_failed(&self.app.db, id, error, retry_at.as_deref()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(2), 120);
        assert_eq!(backoff_secs(6), 1920);
        assert_eq!(backoff_secs(7), 3600);
        assert_eq!(backoff_secs(50), 3600);
    }
}
