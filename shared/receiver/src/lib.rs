//! The HTTP side of the three webhook functions: route and method checks, authentication, the
//! ingest rules (store the event exactly once, or quarantine the body), the DynamoDB event store,
//! and the JSON responses.
//!
//! A function's `main` is one [`serve`] call: it builds a [`Receiver`] once per cold start and
//! hands every request to [`Receiver::respond`].

mod auth;
mod client;
mod config;
mod config_error;
mod erase;
mod handler;
mod ingest;
pub mod item;
#[cfg(any(test, feature = "testing"))]
mod memory;
mod metrics;
mod replay;
mod request_line;
mod secrets;
mod serve;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::{dynamodb_client, sdk_config, ClientProfile, Service};
pub use config::{Config, DEFAULT_RETENTION_DAYS};
pub use config_error::ConfigError;
pub use erase::{erasable_digits, erase_phone, EraseError, ErasureCounts, QuarantineSearch};
pub use handler::{Receiver, MAX_BODY_BYTES, STORE_BUDGET};
pub use ingest::Outcome;
#[cfg(any(test, feature = "testing"))]
pub use memory::MemoryStore;
pub use metrics::{
    emf_line, FaultCause, Measure, OutcomeClass, CAUSE_DIMENSION, DELIVERY_LAG_METRIC,
    KIND_DIMENSION, OUTCOME_DIMENSION, PROVIDER_DIMENSION, REQUESTS_METRIC, WRONG_ROUTE_METRIC,
};
pub use replay::{replay_day, replay_one, ReplayResult, Replayed};
pub use request_line::LineSink;
pub use secrets::SecretVariables;
pub use serve::serve;
#[cfg(feature = "stream")]
pub use store::{Change, ChangeKind, TableStream};
pub use store::{
    Conditional, Cursor, DynamoDbStore, EventStore, Page, PageRequest, StoreError, StoreSettings,
    WARM_UP_KEY,
};
