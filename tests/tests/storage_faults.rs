//! DynamoDB misbehaving the ways it can: throttling, 5xx, a connection that never answers, an
//! answer that comes too late, and an answer that was lost. A stub HTTP/1.1
//! server on 127.0.0.1 plays DynamoDB (or a proxy in front of DynamoDB Local) and counts the
//! requests it gets, so each test can show that the SDK retried, stayed within the answer
//! budget, and that the handler answered 503 in time and never 200 without a stored record.
//! The success paths use the real DynamoDB Local.
//!
//! The tests are grouped by topic in the modules under `storage_faults/`; the helpers they share
//! (timed sends, the 503 assertion, what a partition holds) are here.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use integration_tests::table::status_of;
use integration_tests::{partition, send, text_attr as s};
use lambda_http::http::StatusCode;
use serde_json::Value;
use webhook_payload::{parse_event, Route};
use webhook_receiver::Receiver;
use webhook_table::testing::{self as item, record_key};
use webhook_table::DynamoDbStore;

// Plain files in tests/tests/storage_faults/, named by path: Cargo makes no test target of them.
#[path = "storage_faults/each_fault.rs"]
mod each_fault;
#[path = "storage_faults/partial_writes.rs"]
mod partial_writes;
#[path = "storage_faults/provider_timing.rs"]
mod provider_timing;

// ---------------------------------------------------------------------------------------------
// Helpers

const ROUTES: [Route; 3] = [
    Route::EdnaClicks,
    Route::BotlinkdMessages,
    Route::BotlinkdAcks,
];

/// Sends `event` and returns the answer and how long it took.
async fn timed_send(
    handler: &Receiver<DynamoDbStore>,
    event: &Value,
) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    let (status, body) = send(handler, event).await;
    (status, body, started.elapsed())
}

/// Asserts the answer to a storage fault: 503 with a JSON error. How fast it came is printed,
/// not asserted (a slow machine must not fail a test): that it came at all, from a stub that
/// never answers or answers success too late, is the proof that the client's timeouts and the
/// handler's `STORE_BUDGET` cut the wait; that budget's size is asserted where it is set.
fn assert_503(answer: &(StatusCode, Value, Duration), what: &str) {
    let (status, body, elapsed) = answer;
    assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
    assert!(body["error"].is_string(), "{what}: {body}");
    eprintln!("{what}: 503 after {elapsed:?}");
}

/// The event records of a partition (acks included, each an item of its own) and the status
/// (if any) its acks add up to.
async fn stored(client: &Client, table: &str, pk: &str) -> (usize, Option<String>) {
    let events = partition(client, table, pk)
        .await
        .iter()
        .filter(|i| s(i, item::SK).starts_with("EVENT#"))
        .count();
    (events, status_of(client, table, pk).await)
}

fn pk_of(route: Route, event: &Value) -> String {
    let body = event["body"].as_str().unwrap();
    record_key(&parse_event(route, body.as_bytes()).unwrap()).pk
}
