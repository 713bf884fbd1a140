//! Hostile and broken input for the property tests (`tests/hostile_input.rs` over the request
//! path, `tests/parse_event.rs` over the pure layer): generators of bodies and cases, an
//! independent model of what the documented formats say each body is, the request path with a
//! fresh in-memory store per request, and the runner that gives each property
//! `PROPTEST_CASES` cases (default 2000).

mod cases;
mod edna;
mod fields;
mod generators;
mod model;
mod offline;
mod runner;

pub use cases::*;
pub use edna::*;
pub use fields::*;
pub use generators::*;
pub use model::*;
pub use offline::*;
pub use runner::*;

use std::fmt::Debug;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use lambda_http::http::header;
use lambda_http::Body;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use webhook_payload::{parse_event, Provider, Route};
use webhook_receiver::MAX_BODY_BYTES;
use webhook_table::testing::{self as item, Item};

use crate::{fixture_event, fixture_of, memory_receiver, request};
