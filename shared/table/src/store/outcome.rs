//! What storing a body came to ([`Outcome`]), and the exactly-once rule that decides it from
//! what the store's conditional writes found ([`Conditional`]). The rule is written once, here,
//! for every [`EventStore`]: the DynamoDB table and the in-memory store of the handler tests.

use webhook_payload::{EventRecord, QuarantineRecord};

use super::{Conditional, EventStore, StoreError};
use crate::item::record_key;

/// What was done with a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The event was written.
    Stored,
    /// The event was already stored.
    Duplicate,
    /// Another event held the same idempotency key; this one was stored beside it.
    StoredCollision,
    /// The body could not become an event and was stored raw, for the first time.
    Quarantined,
    /// The body could not become an event and was already in quarantine.
    QuarantinedAgain,
}

impl Outcome {
    /// The outcome as logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Stored => "stored",
            Outcome::Duplicate => "duplicate",
            Outcome::StoredCollision => "stored:collision",
            Outcome::Quarantined => "quarantined",
            Outcome::QuarantinedAgain => "quarantined:duplicate",
        }
    }

    /// The `status` of the 200 answer: what the provider is told became of its body.
    pub fn answer(self) -> &'static str {
        match self {
            Outcome::Stored | Outcome::StoredCollision => "stored",
            Outcome::Duplicate => "duplicate",
            Outcome::Quarantined | Outcome::QuarantinedAgain => "quarantined",
        }
    }
}

/// Stores an event exactly once, as one immutable item written by one conditional PutItem:
/// clicks, messages and every ack alike (a message's status is derived from its acks where it is
/// read, `webhook_payload::MessageStatus`). Live requests and replays of quarantined bodies both
/// come through here.
pub(super) async fn store_event<S: EventStore + ?Sized>(
    store: &S,
    record: &EventRecord,
) -> Result<Outcome, StoreError> {
    let first = store.put_event(record, &record_key(record)).await?;
    exactly_once(store, record, first).await
}

/// The exactly-once rule, in one place, given what the first conditional write of `record`
/// found: a free key is a stored event; a key taken by the same body (the same canonical hash) is
/// a retry, a duplicate; a key taken by another body is a collision, kept
/// beside it under a key that adds the body hash, so nothing is ever overwritten and a retry of
/// the colliding body is a duplicate too.
async fn exactly_once<S: EventStore + ?Sized>(
    store: &S,
    record: &EventRecord,
    first: Conditional,
) -> Result<Outcome, StoreError> {
    match first {
        Conditional::Written => Ok(Outcome::Stored),
        Conditional::Exists { body_sha256 }
            if body_sha256.as_deref() == Some(record.body_sha256.as_str()) =>
        {
            Ok(Outcome::Duplicate)
        }
        Conditional::Exists { .. } => {
            let collision = record_key(record).collision(&record.body_sha256);
            Ok(match store.put_event(record, &collision).await? {
                Conditional::Written => Outcome::StoredCollision,
                Conditional::Exists { .. } => Outcome::Duplicate,
            })
        }
    }
}

/// Keeps a body that is no event in quarantine once: a second copy of the same body is
/// `QuarantinedAgain`, with nothing written.
pub(super) async fn quarantine<S: EventStore + ?Sized>(
    store: &S,
    record: &QuarantineRecord,
) -> Result<Outcome, StoreError> {
    Ok(match store.put_quarantine(record).await? {
        Conditional::Written => Outcome::Quarantined,
        Conditional::Exists { .. } => Outcome::QuarantinedAgain,
    })
}
