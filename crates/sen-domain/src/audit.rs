//! The append-only, hash-chained event log.
//!
//! Every state change in Sen is an [`Event`]. Event `n` stores the hash of
//! event `n-1`; its own hash covers every field of it. Changing, removing or
//! reordering any event breaks the chain from that event on, and
//! [`ChainVerifier`] names the first event that no longer fits.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event as stored: the chain fields plus the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    pub id: Uuid,
    /// UTC time, RFC 3339 with microseconds (`2026-11-24T13:58:29.123456Z`).
    pub at: String,
    /// Who: `user:<uuid>`, `citizen:<uuid>`, `system`, `operator` (the command line).
    pub actor: String,
    /// What: a dotted verb such as `unit.created`.
    pub action: String,
    /// The unit the change belongs to, if any.
    pub unit_id: Option<Uuid>,
    /// The kind of object changed (`unit`, `account`, `dossier`, ...).
    pub object_type: String,
    pub object_id: Option<String>,
    /// The change itself, as compact JSON text exactly as hashed.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Content of an event before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub actor: String,
    pub action: String,
    pub unit_id: Option<Uuid>,
    pub object_type: String,
    pub object_id: Option<String>,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        object_type: impl Into<String>,
        object_id: Option<String>,
    ) -> Self {
        NewEvent {
            actor: actor.into(),
            action: action.into(),
            unit_id: None,
            object_type: object_type.into(),
            object_id,
            payload: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn unit(mut self, unit_id: Uuid) -> Self {
        self.unit_id = Some(unit_id);
        self
    }

    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    /// Seals the event into the chain after `prev_hash` at position `seq`.
    pub fn seal(self, seq: i64, id: Uuid, at: String, prev_hash: &str) -> Event {
        let payload = self.payload.to_string();
        let mut ev = Event {
            seq,
            id,
            at,
            actor: self.actor,
            action: self.action,
            unit_id: self.unit_id,
            object_type: self.object_type,
            object_id: self.object_id,
            payload,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        ev.hash = compute_hash(&ev);
        ev
    }
}

/// SHA-256 over every field but `hash`, each length-prefixed so that no two
/// different events can produce the same input.
pub fn compute_hash(ev: &Event) -> String {
    let mut h = Sha256::new();
    let unit = ev.unit_id.map(|u| u.to_string()).unwrap_or_default();
    let object_id = ev.object_id.clone().unwrap_or_default();
    let seq = ev.seq.to_string();
    let id = ev.id.to_string();
    for field in [
        "sen-event-v1",
        seq.as_str(),
        id.as_str(),
        ev.at.as_str(),
        ev.actor.as_str(),
        ev.action.as_str(),
        unit.as_str(),
        ev.object_type.as_str(),
        object_id.as_str(),
        ev.payload.as_str(),
        ev.prev_hash.as_str(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Why the chain broke at an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Break {
    /// The event's content does not match its own hash: it was edited.
    ContentAltered,
    /// The event does not point at the hash of the one before it: an event
    /// was removed, inserted or rewritten before it.
    LinkBroken,
    /// The sequence has a gap or goes backwards: events were removed.
    SequenceGap { expected: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tamper {
    pub seq: i64,
    pub id: Uuid,
    #[serde(flatten)]
    pub reason: Break,
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match &self.reason {
            Break::ContentAltered => "content altered (hash mismatch)".to_string(),
            Break::LinkBroken => "link to previous event broken".to_string(),
            Break::SequenceGap { expected } => format!("sequence gap (expected seq {expected})"),
        };
        write!(f, "event seq {} id {}: {}", self.seq, self.id, why)
    }
}

/// Checks events one by one, in `seq` order, so that a log of any size can be
/// verified while streaming it.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, ev: &Event) -> Result<(), Tamper> {
        let tamper = |reason| Tamper {
            seq: ev.seq,
            id: ev.id,
            reason,
        };
        if ev.seq != self.next_seq {
            return Err(tamper(Break::SequenceGap {
                expected: self.next_seq,
            }));
        }
        if compute_hash(ev) != ev.hash {
            return Err(tamper(Break::ContentAltered));
        }
        if ev.prev_hash != self.prev_hash {
            return Err(tamper(Break::LinkBroken));
        }
        self.next_seq += 1;
        self.prev_hash = ev.hash.clone();
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The hash of the last event checked: the head of the chain.
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

/// Verifies a whole chain held in memory.
pub fn verify(events: &[Event]) -> Result<u64, Tamper> {
    let mut v = ChainVerifier::default();
    for ev in events {
        v.check(ev)?;
    }
    Ok(v.checked())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: usize) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        for i in 0..n {
            let prev = out
                .last()
                .map(|e| e.hash.clone())
                .unwrap_or(GENESIS_HASH.into());
            let ev = NewEvent::new("user:x", "unit.created", "unit", Some(format!("u{i}")))
                .unit(Uuid::from_u128(7))
                .payload(json!({"name": format!("Đơn vị {i}")}))
                .seal(
                    i as i64 + 1,
                    Uuid::from_u128(i as u128 + 100),
                    format!("2026-11-24T00:00:{i:02}.000000Z"),
                    &prev,
                );
            out.push(ev);
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(20);
        assert_eq!(verify(&c), Ok(20));
        assert_eq!(verify(&[]), Ok(0));
        let mut v = ChainVerifier::default();
        for e in &c {
            v.check(e).unwrap();
        }
        assert_eq!(v.head(), c[19].hash);
    }

    #[test]
    fn every_field_is_covered() {
        let c = chain(5);
        type Edit = fn(&mut Event);
        let edits: Vec<(&str, Edit)> = vec![
            ("id", |e| e.id = Uuid::from_u128(999)),
            ("at", |e| e.at.push('1')),
            ("actor", |e| e.actor = "user:y".into()),
            ("action", |e| e.action = "unit.deleted".into()),
            ("unit", |e| e.unit_id = None),
            ("object_type", |e| e.object_type = "account".into()),
            ("object_id", |e| e.object_id = None),
            ("payload", |e| e.payload = r#"{"name":"Khác"}"#.into()),
        ];
        for (what, edit) in edits {
            let mut t = c.clone();
            edit(&mut t[2]);
            let err = verify(&t).unwrap_err();
            assert_eq!((err.seq, err.reason), (3, Break::ContentAltered), "{what}");
        }
    }

    #[test]
    fn rehashing_an_edit_breaks_the_next_link() {
        let mut c = chain(5);
        c[1].payload = r#"{"forged":true}"#.into();
        c[1].hash = compute_hash(&c[1]);
        let err = verify(&c).unwrap_err();
        assert_eq!((err.seq, err.reason), (3, Break::LinkBroken));
    }

    #[test]
    fn removal_is_a_gap() {
        let mut c = chain(5);
        c.remove(2);
        let err = verify(&c).unwrap_err();
        assert_eq!(err.seq, 4);
        assert_eq!(err.reason, Break::SequenceGap { expected: 3 });
        let mut c = chain(3);
        c.remove(0);
        assert_eq!(
            verify(&c).unwrap_err().reason,
            Break::SequenceGap { expected: 1 }
        );
    }

    #[test]
    fn hash_input_is_unambiguous() {
        let mut a = chain(1).remove(0);
        let mut b = a.clone();
        a.actor = "ab".into();
        a.action = "c".into();
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(compute_hash(&a), compute_hash(&b));
        assert!(chain(1)[0].to_string_for_display().contains("seq 1"));
    }

    impl Event {
        fn to_string_for_display(&self) -> String {
            Tamper {
                seq: self.seq,
                id: self.id,
                reason: Break::LinkBroken,
            }
            .to_string()
        }
    }
}
