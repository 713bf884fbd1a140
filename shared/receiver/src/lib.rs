//! The HTTP side of the three webhook functions: route and method checks, authentication, the
//! ingest rules (store the event exactly once, or quarantine the body), the DynamoDB event store,
//! and the JSON responses.
//!
//! A function's `main` is one [`serve`] call: it builds the request handler (`Receiver`) once per
//! cold start and hands it every request.

mod auth;
mod client;
mod config;
mod config_error;
mod disposition;
mod erase;
mod handler;
mod ingest;
pub mod item;
mod logging;
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

// What the functions, the operator tools and the console call, and the types in those calls'
// signatures (`Outcome`, `EraseError`, `ErasureCounts`, `Page`).
pub use client::ClientProfile;
pub use config::DEFAULT_RETENTION_DAYS;
pub use erase::{erasable_digits, erase_phone, EraseError, ErasureCounts, QuarantineSearch};
pub use replay::{replay_day, replay_one, ReplayResult, Replayed};
pub use serve::serve;
#[cfg(feature = "stream")]
pub use store::{Change, ChangeKind, TableStream};
pub use store::{Cursor, DynamoDbStore, Outcome, Page, PageRequest, StoreError, StoreSettings};

// What only tests and benchmarks drive or assert on: the request handler and its parts, the
// store port and its in-memory store, the metric names. Never in a function's or tool's build.
#[cfg(feature = "testing")]
pub use {
    client::{dynamodb_client, sdk_config, Service},
    config::Config,
    config_error::ConfigError,
    disposition::MAX_BODY_BYTES,
    handler::{Receiver, STORE_BUDGET},
    memory::MemoryStore,
    metrics::{
        emf_line, FaultCause, Measure, RequestClass, CAUSE_DIMENSION, DELIVERY_LAG_METRIC,
        KIND_DIMENSION, OUTCOME_DIMENSION, PROVIDER_DIMENSION, REQUESTS_METRIC, WRONG_ROUTE_METRIC,
    },
    request_line::LineSink,
    secrets::SecretVariables,
    store::{Conditional, EventStore, WARM_UP_KEY},
};
