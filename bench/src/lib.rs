//! Benchmarks on the real Lambda contract.
//!
//! - [`runtime_api`]: a local Lambda Runtime API that spawns a release function binary and feeds
//!   it API Gateway v2 events one at a time, measuring init, latency, CPU and peak RSS.
//! - [`floor`]: the physical floor, the same DynamoDB writes sent as plain HTTP over one
//!   kept-alive connection.
//! - [`events`]: distinct events built from `fixtures/apigw/`.
//! - [`http`] (hyper glue), [`procfs`], [`stats`]: the small pieces they share.
//!
//! `src/bin/lambda-bench.rs` runs the suite and [`report`] prints its results;
//! `src/bin/null-lambda.rs` is the harness's floor.

pub mod events;
pub mod floor;
pub mod http;
pub mod procfs;
pub mod report;
pub mod runtime_api;
pub mod stats;
