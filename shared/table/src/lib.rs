//! The DynamoDB table of the webhook events: how an event becomes an item (its keys, its
//! attributes), the store that writes each event exactly once (one conditional PutItem), what the
//! console, replay and erase read back, and the table's stream.
//!
//! The functions write through [`EventStore`]; the operator tools and the console read through
//! [`DynamoDbStore`]. Only this crate knows attribute names and key prefixes.

mod client;
mod erase;
mod item;
#[cfg(any(test, feature = "testing"))]
mod memory;
mod replay;
mod row;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::{
    lambda_sdk_config, ClientProfile, Service, DYNAMODB_OPERATION_TIMEOUT, SSM_INIT_ATTEMPTS,
    SSM_INIT_BUDGET,
};
pub use erase::{erasable_digits, erase_phone, EraseError, ErasureCounts, QuarantineSearch};
pub use item::message_key_hash;
pub use replay::{replay_day, replay_one, ReplayResult, Replayed};
pub use row::{QuarantinedBody, ReplayMark, Row, RowKey, StoredEvent};
pub use store::{
    Change, Cursor, DynamoDbStore, EventStore, FaultCause, Outcome, Page, PageRequest, StoreError,
    StoreSettings, TableStream, WriteUsage, DEFAULT_RETENTION_DAYS,
};

/// What only tests and benchmarks build or assert on. Never in a function's or tool's build.
#[cfg(feature = "testing")]
pub use {
    client::{dynamodb_client, sdk_config},
    memory::MemoryStore,
    store::{Conditional, WARM_UP_KEY},
};
