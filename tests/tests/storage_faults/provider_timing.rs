//! The providers' own timing: a click survives faults through edna's retry schedule (4, 128 and
//! 2048 s) and is stored once, and every storage fault is answered within BotLinkd's 3 s budget.

use std::sync::Arc;
use std::time::Duration;

use integration_tests::stub::{client_for_stub, Action, Behaviour, Stub};
use integration_tests::{fixture_event, fresh_table, local_client, receiver};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinSet;
use webhook_payload::Route;

use super::{assert_503, pk_of, stored, timed_send};

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
}
