//! What happens to an authenticated webhook body: it becomes an event, stored exactly once, or,
//! when it cannot, it is quarantined raw. Nothing the provider proved it sent is refused.

use webhook_payload::{parse_event, EventRecord, PayloadError, QuarantineRecord, Route};

use crate::item::{inline_ack_status, record_key};
use crate::store::{Conditional, EventStore, StoreError};

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

/// A stored body, and what it was parsed as (for the log line).
#[derive(Debug)]
pub struct Ingested {
    /// What the store did.
    pub outcome: Outcome,
    /// The event, or why the body is not one.
    pub parsed: Result<EventRecord, PayloadError>,
}

/// Parses `body` received on `route` and stores it: as the event it is, or in quarantine.
/// `Err` means nothing durable can be promised (the caller answers 5xx and the provider retries).
pub async fn ingest(
    store: &impl EventStore,
    route: Route,
    body: &[u8],
) -> Result<Ingested, StoreError> {
    let parsed = parse_event(route, body);
    let outcome = match &parsed {
        Ok(record) => store_event(store, record).await?,
        Err(error) => {
            match store
                .put_quarantine(&QuarantineRecord::new(route, body, error))
                .await?
            {
                Conditional::Written => Outcome::Quarantined,
                Conditional::Exists { .. } => Outcome::QuarantinedAgain,
            }
        }
    };
    Ok(Ingested { outcome, parsed })
}

/// Stores an event exactly once. An ack of a known status is one write into its message's status
/// item (its body, and the status if it moves forward). Any other event is its own item; an ack
/// stored that way then applies its status, even for a duplicate, so that a retry after a failure
/// between the two writes converges. Live requests and replays of quarantined bodies both come
/// through here.
pub async fn store_event(
    store: &impl EventStore,
    record: &EventRecord,
) -> Result<Outcome, StoreError> {
    if let Some(status) = inline_ack_status(record) {
        let first = store.put_ack(record, status).await?;
        return exactly_once(store, record, first, crate::item::ack_sha(record)).await;
    }
    let first = store.put_event(record, &record_key(record)).await?;
    let outcome = exactly_once(store, record, first, &record.body_sha256).await?;
    if let Some(change) = record.status_change() {
        store.change_status(&change).await?;
    }
    Ok(outcome)
}

/// The exactly-once rule, in one place, given what the first conditional write of `record`
/// found: a free key is a stored event; a key taken by the same body (its hash `own_sha`, as that
/// write compares it) is a retry, a duplicate; a key taken by another body is a collision, kept
/// beside it under a key that adds the body hash, so nothing is ever overwritten and a retry of
/// the colliding body is a duplicate too.
async fn exactly_once(
    store: &impl EventStore,
    record: &EventRecord,
    first: Conditional,
    own_sha: &str,
) -> Result<Outcome, StoreError> {
    match first {
        Conditional::Written => Ok(Outcome::Stored),
        Conditional::Exists { body_sha256 } if body_sha256.as_deref() == Some(own_sha) => {
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
