//! DynamoDB misbehaving the ways it can: throttling, 5xx, a connection that never answers, an
//! answer that comes too late, and a crash between the two writes of an ack. A stub HTTP/1.1
//! server on 127.0.0.1 plays DynamoDB (or a proxy in front of DynamoDB Local) and counts the
//! requests it gets, so each test can show that the SDK retried, stayed within the answer
//! budget, and that the handler answered 503 in time and never 200 without a stored record.
//! The success paths use the real DynamoDB Local.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use integration_tests::stub::{client_for_stub, Action, Behaviour, Stub, PUT_ITEM, UPDATE_ITEM};
use integration_tests::{
    fixture_event, fixture_of, fresh_table, local_client, max_attempts, partition, receiver, send,
    text_attr as s, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinSet;
use webhook_payload::{parse_event, AckStatus, Route};
use webhook_receiver::item::{self, ack_attribute, record_key, AckField, STATUS_SORT_KEY};
use webhook_receiver::{DynamoDbStore, Receiver};

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

/// The event records (items of their own, and acks kept in the status item) and the status
/// (if any) of a partition.
async fn stored(client: &Client, table: &str, pk: &str) -> (usize, Option<String>) {
    let items = partition(client, table, pk).await;
    let inline_acks = items
        .iter()
        .filter(|i| s(i, item::SK) == STATUS_SORT_KEY)
        .flat_map(|i| i.keys())
        .filter(|name| name.ends_with("_sha"))
        .count();
    let events = inline_acks
        + items
            .iter()
            .filter(|i| s(i, item::SK).starts_with("EVENT#"))
            .count();
    let status = items
        .iter()
        .find(|i| s(i, item::SK) == STATUS_SORT_KEY)
        .map(|i| s(i, item::STATUS));
    (events, status)
}

fn pk_of(route: Route, event: &Value) -> String {
    let body = event["body"].as_str().unwrap();
    record_key(&parse_event(route, body.as_bytes()).unwrap()).pk
}

// ---------------------------------------------------------------------------------------------
// Each fault

/// Runs every route (at once) against its own stub that always does `action`; asserts a 503
/// within the limit after the SDK retried, with at most `max_attempts()` attempts of the route's
/// one write (PutItem for clicks and messages, UpdateItem for an ack) and no other call.
async fn each_route_gets_a_timely_503(action: Action, partition: &str, min_attempts: usize) {
    let mut tasks = JoinSet::new();
    for route in ROUTES {
        let action = action.clone();
        let partition = partition.to_owned();
        tasks.spawn(async move {
            let stub = Stub::start(Behaviour::always(action)).await;
            let client = client_for_stub(&stub.endpoint, &partition);
            let handler = receiver(&client, "events", route);
            let answer = timed_send(&handler, &fixture_event(fixture_of(route))).await;
            let write = if route == Route::BotlinkdAcks {
                UPDATE_ITEM
            } else {
                PUT_ITEM
            };
            let counts = (stub.count(write), stub.total());
            (route, answer, counts)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (route, answer, (writes, total)) = done.unwrap();
        let what = format!("{action:?} on {route}");
        assert_503(&answer, &what);
        assert!(
            (min_attempts..=max_attempts()).contains(&writes),
            "{what}: {writes} write attempts"
        );
        assert_eq!(total, writes, "{what}: one kind of write only");
    }
}

#[tokio::test]
async fn throttling_is_a_503_within_2_5_s_after_retries_never_a_200() {
    for error_type in [
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
    ] {
        each_route_gets_a_timely_503(Action::Error(400, error_type), error_type, 2).await;
    }
}

#[tokio::test]
async fn internal_errors_500_and_503_are_a_503_within_2_5_s_after_retries() {
    for (status, error_type) in [
        (500, "InternalServerError"),
        (503, "ServiceUnavailableException"),
    ] {
        each_route_gets_a_timely_503(Action::Error(status, error_type), error_type, 2).await;
    }
}

#[tokio::test]
async fn a_dynamodb_that_never_answers_is_a_503_within_2_5_s() {
    // Each attempt times out after 700 ms; the operation gives up at 1.8 s.
    each_route_gets_a_timely_503(Action::Silent, "silent", 2).await;
}

#[tokio::test]
async fn a_dynamodb_that_answers_200_after_5_s_is_a_503_within_2_5_s_never_a_200() {
    // The write would succeed, but too late for the provider: the handler must not wait for it,
    // and must not claim it either.
    each_route_gets_a_timely_503(Action::SlowSuccess(Duration::from_secs(5)), "slow", 2).await;
}

/// An ack whose body is too large to be kept in its message's status item: it is stored as an
/// item of its own, then moves the status (two writes).
fn large_ack_event() -> Value {
    let mut body: Value =
        serde_json::from_str(fixture_event("ack.json")["body"].as_str().unwrap()).unwrap();
    body["data"]["pad"] = json!("p".repeat(webhook_receiver::item::MAX_INLINE_ACK_BYTES));
    with_body(fixture_event("ack.json"), &body.to_string())
}

#[tokio::test]
async fn an_ack_is_one_write_so_a_crash_cannot_fall_between_two() {
    let stub = Stub::start(Behaviour::always(Action::Error(500, "InternalServerError"))).await;
    let handler = receiver(
        &client_for_stub(&stub.endpoint, "one-write"),
        "events",
        Route::BotlinkdAcks,
    );
    let answer = timed_send(&handler, &fixture_event("ack.json")).await;
    assert_503(&answer, "failing UpdateItem");
    assert_eq!(stub.count(PUT_ITEM), 0);
    assert_eq!(stub.total(), stub.count(UPDATE_ITEM));
}

#[tokio::test]
async fn a_large_ack_whose_status_update_failed_converges_when_botlinkd_retries() {
    // A crash between the two writes of an ack stored on its own: the event is stored, the
    // status update fails.
    let local = local_client();
    let table = fresh_table(&local).await;
    let stub = Stub::start(
        Behaviour::always(Action::Forward)
            .on(UPDATE_ITEM, Action::Error(500, "InternalServerError")),
    )
    .await;
    let faulty = receiver(
        &client_for_stub(&stub.endpoint, "crash-between-writes"),
        &table,
        Route::BotlinkdAcks,
    );
    let event = large_ack_event();
    let pk = pk_of(Route::BotlinkdAcks, &event);

    let answer = timed_send(&faulty, &event).await;
    assert_503(&answer, "status update failing");
    assert_eq!(stub.count(PUT_ITEM), 1);
    assert!(stub.count(UPDATE_ITEM) >= 2, "the SDK retried the update");
    assert_eq!(
        stored(&local, &table, &pk).await,
        (1, None),
        "event stored, status not yet"
    );

    // BotLinkd retries the same ack; DynamoDB is healthy again.
    let healthy = receiver(&local, &table, Route::BotlinkdAcks);
    let (status, body) = send(&healthy, &event).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "duplicate" }))
    );
    assert_eq!(
        stored(&local, &table, &pk).await,
        (1, Some("read".to_owned())),
        "one event, and the status the ack reported"
    );
}

#[tokio::test]
async fn a_put_whose_answer_was_lost_is_stored_once_and_answered_200() {
    // DynamoDB wrote the item but the answer never arrived: the SDK retries the PutItem, which
    // finds its own item (same delivery_id) and reports it as stored, not as a failure nor as
    // another delivery's duplicate.
    let local = local_client();
    let table = fresh_table(&local).await;
    for route in ROUTES {
        let write = if route == Route::BotlinkdAcks {
            UPDATE_ITEM
        } else {
            PUT_ITEM
        };
        let stub = Stub::start(
            Behaviour::always(Action::Forward).first(write, vec![Action::ForwardThenError]),
        )
        .await;
        let handler = receiver(
            &client_for_stub(&stub.endpoint, "lost-answer"),
            &table,
            route,
        );
        let event = fixture_event(fixture_of(route));
        let (status, body, elapsed) = timed_send(&handler, &event).await;
        assert_eq!(status, StatusCode::OK, "{route}: {body}");
        assert_eq!(body, json!({ "status": "stored" }), "{route}");
        eprintln!("{route}: answered after {elapsed:?}");
        assert_eq!(stub.count(write), 2, "{route}: one retry");
        let record = parse_event(route, event["body"].as_str().unwrap().as_bytes()).unwrap();
        let key = record_key(&record);
        if route == Route::BotlinkdAcks {
            // The ack is kept once, in the message's status item.
            let items = partition(&local, &table, &key.pk).await;
            let shas: Vec<String> = AckStatus::ALL
                .map(|status| ack_attribute(status, AckField::Sha))
                .into_iter()
                .collect();
            let acks: Vec<&String> = items
                .iter()
                .flat_map(|i| i.keys())
                .filter(|name| shas.contains(name))
                .collect();
            assert_eq!(
                acks,
                [&ack_attribute(AckStatus::Read, AckField::Sha)],
                "{route}"
            );
            continue;
        }
        let items = partition(&local, &table, &key.pk).await;
        let same_key: Vec<_> = items
            .iter()
            .filter(|i| s(i, item::SK).starts_with(&key.sk))
            .collect();
        assert_eq!(same_key.len(), 1, "{route}: exactly one record");
        assert_eq!(s(same_key[0], item::BODY_SHA256), record.body_sha256);
    }
}

// ---------------------------------------------------------------------------------------------
// The providers' own timing

/// edna Pulse re-sends a webhook that got no 200 up to three times, 4, 128 and 2048 s after the
/// previous attempt.
const EDNA_RETRY_SCHEDULE_S: [u64; 3] = [4, 128, 2048];

/// The click fixture as edna delivers it at `at_s` seconds after the first attempt: a new API
/// Gateway request (id, time) around the same body.
fn edna_delivery(at_s: u64) -> Value {
    let mut event = fixture_event("click.json");
    let first_ms = event["requestContext"]["timeEpoch"].as_u64().unwrap();
    event["requestContext"]["timeEpoch"] = json!(first_ms + at_s * 1000);
    event["requestContext"]["requestId"] = json!(format!("edna-retry-at-{at_s}s"));
    event
}

#[tokio::test]
async fn edna_retry_schedule_4_128_2048_s_a_click_survives_faults_and_is_stored_once() {
    let local = local_client();
    let table = fresh_table(&local).await;
    let throttled = Stub::start(Behaviour::always(Action::Error(
        400,
        "ProvisionedThroughputExceededException",
    )))
    .await;
    let failing = Stub::start(Behaviour::always(Action::Error(500, "InternalServerError"))).await;
    // Attempt 1 at 0 s: throttled. Retry 1 at 4 s: DynamoDB fails. Retry 2 at 132 s: healthy.
    // Retry 3 at 2180 s: a late duplicate (edna had not seen the 200, say).
    let stores = [
        client_for_stub(&throttled.endpoint, "edna-throttled"),
        client_for_stub(&failing.endpoint, "edna-failing"),
        local.clone(),
        local.clone(),
    ];
    let mut at_s = 0;
    let mut times = vec![0];
    for delay in EDNA_RETRY_SCHEDULE_S {
        at_s += delay;
        times.push(at_s);
    }
    assert_eq!(times, [0, 4, 132, 2180]);
    let mut answers = Vec::new();
    for (client, at_s) in stores.iter().zip(times) {
        let handler = receiver(client, &table, Route::EdnaClicks);
        answers.push(timed_send(&handler, &edna_delivery(at_s)).await);
    }
    assert_503(&answers[0], "attempt at 0 s (throttled)");
    assert_503(&answers[1], "retry at 4 s (5xx)");
    assert_eq!(
        (answers[2].0, &answers[2].1),
        (StatusCode::OK, &json!({ "status": "stored" })),
        "retry at 132 s"
    );
    assert_eq!(
        (answers[3].0, &answers[3].1),
        (StatusCode::OK, &json!({ "status": "duplicate" })),
        "retry at 2180 s"
    );
    let pk = pk_of(Route::EdnaClicks, &edna_delivery(0));
    assert_eq!(stored(&local, &table, &pk).await, (1, None));

    // If DynamoDB stays down through every retry, edna gives up: no answer was ever a 200, so
    // nothing claims a record that does not exist.
    let lost_table = fresh_table(&local).await;
    let down = Stub::start(Behaviour::always(Action::Error(
        503,
        "ServiceUnavailableException",
    )))
    .await;
    let handler = receiver(
        &client_for_stub(&down.endpoint, "edna-down"),
        &lost_table,
        Route::EdnaClicks,
    );
    for at_s in [0, 4, 132, 2180] {
        let answer = timed_send(&handler, &edna_delivery(at_s)).await;
        assert_503(&answer, &format!("delivery at {at_s} s"));
    }
    assert_eq!(stored(&local, &lost_table, &pk).await, (0, None));
}

#[tokio::test]
async fn botlinkd_3_s_budget_every_storage_fault_is_answered_before_botlinkd_retries() {
    // BotLinkd wants a 200 within 3 s or it retries: each fault must turn into a 503 (a retry on
    // BotLinkd's side) before then, for both kinds and on the combined route too.
    let faults = [
        Action::Error(400, "ThrottlingException"),
        Action::Error(500, "InternalServerError"),
        Action::Silent,
        Action::SlowSuccess(Duration::from_secs(5)),
    ];
    let cases = [
        ("message.json", Route::BotlinkdMessages),
        ("ack.json", Route::BotlinkdAcks),
        ("events-message.json", Route::BotlinkdEvents),
        ("events-ack.json", Route::BotlinkdEvents),
    ];
    let mut tasks = JoinSet::new();
    for (n, fault) in faults.into_iter().enumerate() {
        // One stub per fault, shared by the four deliveries, which all run at once.
        let stub = Arc::new(Stub::start(Behaviour::always(fault.clone())).await);
        let client = client_for_stub(&stub.endpoint, &format!("botlinkd-budget-{n}"));
        for (fixture, route) in cases {
            let (stub, client, fault) = (Arc::clone(&stub), client.clone(), fault.clone());
            tasks.spawn(async move {
                let handler = receiver(&client, "events", route);
                let answer = timed_send(&handler, &fixture_event(fixture)).await;
                drop(stub);
                (format!("{fault:?}, {fixture}"), answer)
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        let (what, answer) = done.unwrap();
        assert_503(&answer, &what);
    }

    // The slowest an ack can be (one stored as an item of its own): its PutItem times out once
    // and then succeeds late (~1.3 s), then its UpdateItem never answers (another 1.8 s): 3.1 s
    // if each call only kept its own timeouts. The handler's overall budget still answers before
    // BotLinkd's 3 s, and BotLinkd's retry completes the ack.
    let local = local_client();
    let table = fresh_table(&local).await;
    let stub = Stub::start(
        Behaviour::always(Action::Forward)
            .first(PUT_ITEM, vec![Action::Silent])
            .on(
                PUT_ITEM,
                Action::DelayThenForward(Duration::from_millis(500)),
            )
            .on(UPDATE_ITEM, Action::Silent),
    )
    .await;
    let slow = receiver(
        &client_for_stub(&stub.endpoint, "botlinkd-budget-slowest"),
        &table,
        Route::BotlinkdAcks,
    );
    let event = large_ack_event();
    let answer = timed_send(&slow, &event).await;
    assert_503(&answer, "slow PutItem, silent UpdateItem");
    let pk = pk_of(Route::BotlinkdAcks, &event);
    assert_eq!(stored(&local, &table, &pk).await, (1, None));
    let retry = timed_send(&receiver(&local, &table, Route::BotlinkdAcks), &event).await;
    assert_eq!(retry.0, StatusCode::OK, "{}", retry.1);
    assert_eq!(
        stored(&local, &table, &pk).await,
        (1, Some("read".to_owned()))
    );
}

#[tokio::test]
async fn a_late_success_after_a_503_is_not_a_second_record() {
    // The slow stub's write "succeeds" after the handler gave up; when the provider retries
    // against the real table the event is stored once, and a later identical delivery is a
    // duplicate.
    let local = local_client();
    let table = fresh_table(&local).await;
    let stub = Stub::start(Behaviour::always(Action::DelayThenForward(
        Duration::from_secs(3),
    )))
    .await;
    let handler = receiver(
        &client_for_stub(&stub.endpoint, "late-success"),
        &table,
        Route::BotlinkdMessages,
    );
    let event = with_body(
        fixture_event("message.json"),
        &json!({
            "event": "message", "instance_id": "10922",
            "data": { "from": "447123456789", "to": "15550123456", "type": "text",
                      "body": "late", "message_id": "wamid.late", "timestamp": 1678900000 }
        })
        .to_string(),
    );
    let answer = timed_send(&handler, &event).await;
    assert_503(&answer, "write answered after 3 s");
    let healthy = receiver(&local, &table, Route::BotlinkdMessages);
    let first = send(&healthy, &event).await;
    assert_eq!(first.0, StatusCode::OK);
    // Let the delayed writes land, then deliver again.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let again = send(&healthy, &event).await;
    assert_eq!(again, (StatusCode::OK, json!({ "status": "duplicate" })));
    let pk = pk_of(Route::BotlinkdMessages, &event);
    assert_eq!(stored(&local, &table, &pk).await.0, 1);
}
