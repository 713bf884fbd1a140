//! The Lambda request pipeline of the three webhook functions: route and method checks,
//! authentication, the ingest rule (store the event exactly once, or quarantine the body, through
//! `webhook-table`'s store), the JSON responses, and each request's log line and metrics.
//!
//! A function's `main` is one [`serve`] call: it builds the request handler (`Receiver`) once per
//! cold start and hands it every request.

mod auth;
mod config;
mod config_error;
mod disposition;
mod handler;
mod logging;
mod metrics;
mod request_line;
mod secrets;
mod serve;
#[cfg(feature = "testing")]
pub mod testing;

// What the functions call.
pub use serve::serve;

// What only tests and benchmarks drive or assert on: the request handler and its parts, the
// configuration, the metric names. Never in a function's build.
#[cfg(feature = "testing")]
pub use {
    config::Config,
    config_error::ConfigError,
    disposition::MAX_BODY_BYTES,
    handler::{Receiver, STORE_BUDGET},
    metrics::{
        emf_line, Measure, RequestClass, CAUSE_DIMENSION, DELIVERY_LAG_METRIC, KIND_DIMENSION,
        OUTCOME_DIMENSION, PROVIDER_DIMENSION, REQUESTS_METRIC, WRONG_ROUTE_METRIC,
    },
    request_line::LineSink,
    secrets::{ssm_client, SecretVariables},
};
