//! The event store: the port the handler writes through ([`EventStore`]), what storing a body
//! came to ([`Outcome`]), and the DynamoDB table behind it ([`DynamoDbStore`]). The exactly-once
//! rule on top of its conditional writes is [`EventStore::store_event`], written once, here, for
//! every store: the DynamoDB table and the in-memory store of the handler tests.

use std::future::Future;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use webhook_payload::{EventRecord, QuarantineRecord};

use crate::item::{record_key, ItemKey};

mod dynamodb;
mod fault;
mod operator;
mod reads;
mod stream;

pub use dynamodb::{DynamoDbStore, StoreSettings, WriteUsage, DEFAULT_RETENTION_DAYS};
pub use fault::FaultCause;
pub(crate) use operator::Listing;
pub use reads::{Cursor, Page, PageRequest};
pub use stream::{Change, TableStream};

/// The partition key that [`DynamoDbStore::warm_up`] reads. Event keys always join several
/// segments with `#`, so no event lives here; template.yaml lets the functions read this key and
/// no other.
pub const WARM_UP_KEY: &str = "WARM-UP";

/// Why the table could not be written. Every variant means "not stored": the caller must not
/// answer 200.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request failed: unreachable, timed out, throttled, refused, or a service error.
    #[error("DynamoDB {operation} failed: {code} ({})", cause.as_str())]
    Request {
        /// The DynamoDB operation.
        operation: &'static str,
        /// What kind of fault it is, which decides what a person does about it.
        cause: FaultCause,
        /// DynamoDB's error code (`ProvisionedThroughputExceededException`, ...), or the SDK's
        /// name for a failure without an answer (`TimeoutError`, `DispatchFailure`, ...). Never
        /// the message: a service message can quote the request.
        code: String,
    },
    /// A conditional-check failure came back without the existing item, so a duplicate cannot
    /// be told from a collision.
    #[error("DynamoDB PutItem reported an existing item but did not return it")]
    ExistingItemMissing,
}

impl StoreError {
    /// The fault of `operation` that the SDK reported as `err`, classified by its code.
    pub(crate) fn request<E, R>(operation: &'static str, err: &SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata,
    {
        let (cause, code) = match err {
            SdkError::ServiceError(service) => {
                let code = service.err().code().unwrap_or("UnknownServiceError");
                (FaultCause::of_error_code(code), code.to_owned())
            }
            SdkError::TimeoutError(_) => (FaultCause::Timeout, "TimeoutError".to_owned()),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                (FaultCause::Timeout, "DispatchTimeout".to_owned())
            }
            SdkError::DispatchFailure(_) => (FaultCause::Other, "DispatchFailure".to_owned()),
            SdkError::ResponseError(_) => (FaultCause::Other, "ResponseError".to_owned()),
            SdkError::ConstructionFailure(_) => {
                (FaultCause::Validation, "ConstructionFailure".to_owned())
            }
            _ => (FaultCause::Other, "SdkError".to_owned()),
        };
        StoreError::Request {
            operation,
            cause,
            code,
        }
    }

    /// What kind of fault this is (the `Cause` of the metric and the log line).
    pub fn cause(&self) -> FaultCause {
        match self {
            StoreError::Request { cause, .. } => *cause,
            StoreError::ExistingItemMissing => FaultCause::Other,
        }
    }

    /// The error code for the log line.
    pub fn code(&self) -> &str {
        match self {
            StoreError::Request { code, .. } => code,
            StoreError::ExistingItemMissing => "ExistingItemMissing",
        }
    }

    /// The DynamoDB operation that failed, if one did.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            StoreError::Request { operation, .. } => Some(operation),
            StoreError::ExistingItemMissing => Some("PutItem"),
        }
    }
}

/// What a conditional put found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conditional {
    /// The key was free; the item is written.
    Written,
    /// The key was taken by an item with this body hash.
    Exists {
        /// The existing item's `body_sha256`.
        body_sha256: Option<String>,
    },
}

/// The writes a webhook needs. [`DynamoDbStore`] is the real one; `MemoryStore` (feature `testing`)
/// keeps items in memory for handler tests. A store provides the conditional writes; what they
/// found becomes one [`Outcome`] in [`EventStore::store_event`] and [`EventStore::quarantine`],
/// through which the handler and replay store every body.
pub trait EventStore: Sync {
    /// Writes `record` under `key` unless an item holds that key already.
    fn put_event(
        &self,
        record: &EventRecord,
        key: &ItemKey,
    ) -> impl Future<Output = Result<Conditional, StoreError>> + Send;

    /// Writes a quarantine item unless one holds its key (the same body) already.
    fn put_quarantine(
        &self,
        record: &QuarantineRecord,
    ) -> impl Future<Output = Result<Conditional, StoreError>> + Send;

    /// Stores `record` exactly once (see below): stored, a duplicate of a body
    /// already stored, or a different body under a taken key, kept beside it as a collision.
    fn store_event(
        &self,
        record: &EventRecord,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
        store_event(self, record)
    }

    /// Keeps a body that is no event in quarantine once.
    fn quarantine(
        &self,
        record: &QuarantineRecord,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send {
        quarantine(self, record)
    }
}

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
async fn store_event<S: EventStore + ?Sized>(
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
async fn quarantine<S: EventStore + ?Sized>(
    store: &S,
    record: &QuarantineRecord,
) -> Result<Outcome, StoreError> {
    Ok(match store.put_quarantine(record).await? {
        Conditional::Written => Outcome::Quarantined,
        Conditional::Exists { .. } => Outcome::QuarantinedAgain,
    })
}
