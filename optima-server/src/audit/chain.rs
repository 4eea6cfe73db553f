//! The hash chain: each event's hash covers its fields and the hash of the event before it, so
//! an edited, inserted or removed event breaks the chain at that point.

use sha2::{Digest, Sha256};

use super::AuditEvent;

/// The `prev_hash` of the very first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash an event must carry: SHA-256, in hex, of its fields (a JSON array, in a fixed
/// order, `changes` as the stored text) and the previous hash.
pub fn event_hash(event: &AuditEvent) -> String {
    let fields = (
        event.seq,
        &event.at,
        &event.outcome,
        &event.operation_id,
        &event.actor_user_id,
        &event.api_key_id,
        &event.resource_kind,
        &event.resource_id,
        &event.request_id,
        &event.client_address,
        &event.changes,
        &event.prev_hash,
    );
    // Serialising strings, numbers and nulls cannot fail.
    let canonical = serde_json::to_string(&fields).unwrap_or_default();
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the chain was found broken, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Break {
    /// The event's own hash does not match its fields: it was edited.
    #[error("event {seq} was altered: its hash does not match its contents")]
    Altered {
        /// The event.
        seq: i64,
    },
    /// The event does not follow the one before it: one was inserted or removed before it.
    #[error(
        "the chain breaks before event {seq}: {expected_seq} was expected after the one before it \
         (an event was removed or inserted there)"
    )]
    Gap {
        /// The event found.
        seq: i64,
        /// The seq that should have come.
        expected_seq: i64,
    },
    /// The chain starts after a checkpoint that no pruning on the trail accounts for: events
    /// before it were removed by hand.
    #[error(
        "the chain starts after event {seq}, but no pruning recorded on the trail left it there \
         (events before it were removed)"
    )]
    Checkpoint {
        /// The checkpoint's seq.
        seq: i64,
    },
    /// The event's `prev_hash` is not the hash of the event before it.
    #[error(
        "event {seq} does not follow the event before it: its previous hash is not that \
         event's hash (an event was removed, inserted or replaced before it)"
    )]
    Unlinked {
        /// The event.
        seq: i64,
    },
}

/// Checks events in chain order, starting after `(seq, hash)` (the checkpoint, or `(0,
/// GENESIS)`). Feed it events one by one; it keeps only the last hash, so a chain of any length
/// is checked in constant memory.
#[derive(Debug, Clone)]
pub struct Verifier {
    last_seq: i64,
    last_hash: String,
    checked: u64,
}

impl Verifier {
    /// Starts after the event `seq` whose hash is `hash`.
    pub fn after(seq: i64, hash: impl Into<String>) -> Verifier {
        Verifier {
            last_seq: seq,
            last_hash: hash.into(),
            checked: 0,
        }
    }

    /// Checks the next event.
    pub fn check(&mut self, event: &AuditEvent) -> Result<(), Break> {
        if event_hash(event) != event.hash {
            return Err(Break::Altered { seq: event.seq });
        }
        if event.seq != self.last_seq + 1 {
            return Err(Break::Gap {
                seq: event.seq,
                expected_seq: self.last_seq + 1,
            });
        }
        if event.prev_hash != self.last_hash {
            return Err(Break::Unlinked { seq: event.seq });
        }
        self.last_seq = event.seq;
        self.last_hash.clone_from(&event.hash);
        self.checked += 1;
        Ok(())
    }

    /// Events checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The last event checked (or the starting point): `(seq, hash)`, the head of the chain once
    /// every event has been fed.
    pub fn head(&self) -> (i64, &str) {
        (self.last_seq, &self.last_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut event = AuditEvent {
                    seq,
                    at: format!("2026-11-30T00:00:0{seq}.000Z"),
                    outcome: "succeeded".into(),
                    operation_id: "updateRole".into(),
                    actor_user_id: Some("u1".into()),
                    api_key_id: None,
                    resource_kind: Some("role".into()),
                    resource_id: Some(format!("r{seq}")),
                    request_id: None,
                    client_address: None,
                    changes: Some(r#"{"title":{"before":"a","after":"b"}}"#.into()),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                event.hash = event_hash(&event);
                prev.clone_from(&event.hash);
                event
            })
            .collect()
    }

    fn verify(events: &[AuditEvent]) -> Result<u64, Break> {
        let mut verifier = Verifier::after(0, GENESIS);
        for event in events {
            verifier.check(event)?;
        }
        Ok(verifier.checked())
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edit_is_named() {
        let mut events = chain(5);
        events[2].changes = Some(r#"{"title":{"before":"a","after":"c"}}"#.into());
        assert_eq!(verify(&events), Err(Break::Altered { seq: 3 }));
    }

    #[test]
    fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
        let mut events = chain(5);
        events[2].actor_user_id = Some("someone-else".into());
        events[2].hash = event_hash(&events[2]);
        assert_eq!(verify(&events), Err(Break::Unlinked { seq: 4 }));
    }

    #[test]
    fn a_removal_is_named() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(
            verify(&events),
            Err(Break::Gap {
                seq: 3,
                expected_seq: 2
            })
        );
    }

    #[test]
    fn an_insertion_is_named() {
        let mut events = chain(5);
        let mut forged = events[1].clone();
        forged.resource_id = Some("forged".into());
        forged.hash = event_hash(&forged);
        events.insert(2, forged);
        // Renumbering the rest to hide the insertion breaks each one's hash.
        assert_eq!(
            verify(&events),
            Err(Break::Gap {
                seq: 2,
                expected_seq: 3
            })
        );
    }
}
