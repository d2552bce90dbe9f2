//! Reassembly of concatenated received messages, bounded in the number of
//! messages waiting, in their segments and in time.
//!
//! Segments are keyed by sender, recipient, reference (tagged with its kind,
//! see [`Concat`]) and total, so two senders using the same reference, or one
//! sender reusing a reference for a message of another length, never mix. A
//! segment that arrives twice (an SMSC redelivering after a lost
//! `deliver_sm_resp`) replaces the first copy.

use super::text::Concat;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One received segment: its `data_coding` and its text octets (the user
/// data header removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub data_coding: u8,
    pub octets: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    from: String,
    to: String,
    reference: u32,
    total: u8,
}

#[derive(Debug)]
struct Partial {
    started: Instant,
    parts: Vec<Option<Part>>,
    received: usize,
}

/// What became of an added segment.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Added {
    /// The message is complete: every segment, in order.
    Complete(Vec<Part>),
    /// Stored; more segments are expected.
    Pending,
    /// Not stored: the message has more segments than allowed.
    TooManySegments,
}

/// Incomplete concatenated messages.
#[derive(Debug)]
pub(crate) struct Reassembler {
    timeout: Duration,
    max_pending: usize,
    max_segments: u8,
    pending: HashMap<Key, Partial>,
}

impl Reassembler {
    /// At most `max_pending` incomplete messages (the oldest is dropped to
    /// make room), each of at most `max_segments` segments, each kept at
    /// most `timeout` after its first segment arrived.
    pub fn new(timeout: Duration, max_pending: usize, max_segments: u8) -> Reassembler {
        Reassembler {
            timeout,
            max_pending: max_pending.max(1),
            max_segments,
            pending: HashMap::new(),
        }
    }

    fn key(from: &str, to: &str, c: Concat) -> Key {
        Key {
            from: from.to_string(),
            to: to.to_string(),
            reference: c.reference,
            total: c.total,
        }
    }

    /// Whether adding this segment would complete its message.
    pub fn completes(&self, from: &str, to: &str, c: Concat) -> bool {
        if !c.is_segment() || c.total > self.max_segments {
            return false;
        }
        match self.pending.get(&Reassembler::key(from, to, c)) {
            Some(p) => {
                p.received + 1 == usize::from(c.total)
                    && p.parts[usize::from(c.index) - 1].is_none()
            }
            None => false,
        }
    }

    /// Adds a segment (`c` must be [a segment](Concat::is_segment)).
    pub fn add(&mut self, from: &str, to: &str, c: Concat, part: Part, now: Instant) -> Added {
        debug_assert!(c.is_segment());
        if c.total > self.max_segments || !c.is_segment() {
            return Added::TooManySegments;
        }
        self.expire(now);
        let key = Reassembler::key(from, to, c);
        if !self.pending.contains_key(&key) && self.pending.len() >= self.max_pending {
            if let Some(oldest) = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.started)
                .map(|(k, _)| k.clone())
            {
                let p = self.pending.remove(&oldest);
                tracing::warn!(
                    from = %super::masked(&oldest.from),
                    received = p.map(|p| p.received).unwrap_or(0),
                    total = oldest.total,
                    "too many incomplete concatenated SMS; dropping the oldest"
                );
            }
        }
        let entry = self.pending.entry(key.clone()).or_insert_with(|| Partial {
            started: now,
            parts: vec![None; usize::from(c.total)],
            received: 0,
        });
        let slot = &mut entry.parts[usize::from(c.index) - 1];
        if slot.is_none() {
            entry.received += 1;
        }
        *slot = Some(part);
        if entry.received < usize::from(c.total) {
            return Added::Pending;
        }
        let done = self.pending.remove(&key).expect("just inserted");
        Added::Complete(done.parts.into_iter().flatten().collect())
    }

    /// Drops the messages whose first segment is older than the time-out;
    /// returns how many.
    pub fn expire(&mut self, now: Instant) -> usize {
        let before = self.pending.len();
        let timeout = self.timeout;
        self.pending.retain(|k, p| {
            let keep = now.saturating_duration_since(p.started) < timeout;
            if !keep {
                tracing::warn!(
                    from = %super::masked(&k.from),
                    received = p.received,
                    total = k.total,
                    "incomplete concatenated SMS timed out; dropping it"
                );
            }
            keep
        });
        before - self.pending.len()
    }

    /// When the oldest incomplete message times out.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.pending
            .values()
            .map(|p| p.started + self.timeout)
            .min()
    }

    /// How many messages are incomplete.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(s: &str) -> Part {
        Part {
            data_coding: 0,
            octets: s.as_bytes().to_vec(),
        }
    }

    fn texts(a: Added) -> Vec<String> {
        match a {
            Added::Complete(parts) => parts
                .into_iter()
                .map(|p| String::from_utf8(p.octets).unwrap())
                .collect(),
            other => panic!("not complete: {other:?}"),
        }
    }

    #[test]
    fn segments_in_any_order_and_duplicates() {
        let mut r = Reassembler::new(Duration::from_secs(60), 8, 16);
        let t = Instant::now();
        let c = |i| Concat::udh8(7, 3, i);
        assert!(!r.completes("a", "8077", c(3)));
        assert_eq!(r.add("a", "8077", c(3), part("C"), t), Added::Pending);
        assert_eq!(r.add("a", "8077", c(1), part("x"), t), Added::Pending);
        // a redelivered segment replaces the first copy and completes nothing
        assert!(!r.completes("a", "8077", c(1)));
        assert_eq!(r.add("a", "8077", c(1), part("A"), t), Added::Pending);
        // same reference, other sender or other kind of reference: separate
        assert_eq!(r.add("b", "8077", c(2), part("?"), t), Added::Pending);
        assert_eq!(
            r.add("a", "8077", Concat::udh16(7, 3, 2), part("?"), t),
            Added::Pending
        );
        assert!(r.completes("a", "8077", c(2)));
        assert_eq!(
            texts(r.add("a", "8077", c(2), part("B"), t)),
            ["A", "B", "C"]
        );
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn bounded_in_count_size_and_time() {
        let mut r = Reassembler::new(Duration::from_secs(60), 2, 4);
        let t = Instant::now();
        assert_eq!(
            r.add("a", "s", Concat::udh8(1, 5, 1), part("x"), t),
            Added::TooManySegments
        );
        assert_eq!(r.len(), 0);
        r.add("a", "s", Concat::udh8(1, 2, 1), part("1"), t);
        r.add(
            "a",
            "s",
            Concat::udh8(2, 2, 1),
            part("2"),
            t + Duration::from_secs(1),
        );
        // a third message evicts the oldest
        r.add(
            "a",
            "s",
            Concat::udh8(3, 2, 1),
            part("3"),
            t + Duration::from_secs(2),
        );
        assert_eq!(r.len(), 2);
        assert!(!r.completes("a", "s", Concat::udh8(1, 2, 2)));
        assert!(r.completes("a", "s", Concat::udh8(2, 2, 2)));
        assert_eq!(r.next_expiry(), Some(t + Duration::from_secs(61)));
        assert_eq!(r.expire(t + Duration::from_secs(61)), 1);
        assert_eq!(r.len(), 1);
        // a late segment of an expired message starts afresh (and adding
        // expires message 3 on the way)
        assert_eq!(
            r.add(
                "a",
                "s",
                Concat::udh8(2, 2, 2),
                part("2b"),
                t + Duration::from_secs(62)
            ),
            Added::Pending
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r.expire(t + Duration::from_secs(200)), 1);
        assert_eq!(r.next_expiry(), None);
    }
}
