//! The HTTP side of the three webhook functions: route and method checks, authentication,
//! content checks, the DynamoDB event store, and the JSON responses.
//!
//! A function's `main` builds a [`Receiver`] once per cold start and hands every request to
//! [`Receiver::respond`].

mod auth;
mod config;
mod handler;
mod metrics;
mod store;

pub use auth::{Auth, AuthError};
pub use config::{Config, ConfigError};
pub use handler::{Outcome, Receiver, WebhookError, MAX_BODY_BYTES, STORE_BUDGET};
pub use metrics::{emf_line, OutcomeClass};
pub use store::{
    dynamodb_client, with_client_settings, EventStore, PutOutcome, StatusOutcome, StoreError,
    WARM_UP_KEY,
};
