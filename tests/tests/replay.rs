//! Replay against DynamoDB Local: bodies quarantined under an older rule (an ack status the
//! parser once refused) become the events they are, with the same keys and exactly-once rules as
//! a live delivery; a dry run writes nothing; bodies the current code cannot read stay put; a day
//! of many pages is replayed whole, page by page.

use integration_tests::table::{message_status, scan_all};
use integration_tests::{
    fixture_event, fresh_table, local_client, partition, receiver, send, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::json;
use webhook_payload::{parse_event, PayloadError, QuarantineRecord, Route};
use webhook_table::testing as item;
use webhook_table::{
    replay_day, DynamoDbStore, EventStore, Outcome, ReplayResult, Replayed, StoreSettings,
    DEFAULT_RETENTION_DAYS,
};

/// Everything `replay_day` reports for `day`.
async fn replay(store: &DynamoDbStore, day: &str, apply: bool) -> Vec<Replayed> {
    let mut results = Vec::new();
    replay_day(store, day, apply, |replayed| results.push(replayed))
        .await
        .expect("replay against DynamoDB Local");
    results
}

/// A store over `table` that keeps items as long as the stack's default and reads `page_size`
/// items per request.
fn store_with_pages(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    page_size: u32,
) -> DynamoDbStore {
    let settings = StoreSettings {
        page_size: std::num::NonZeroU32::new(page_size),
        ..StoreSettings::new(table, DEFAULT_RETENTION_DAYS)
    };
    DynamoDbStore::with_client(client.clone(), settings)
}

/// What an older release quarantined an ack of status `failed` for: it refused the status.
fn older_rule() -> PayloadError {
    PayloadError::InvalidField {
        field: "data.status".into(),
        reason: "must be one of sent, delivered, read".into(),
    }
}

/// A `failed` ack of `message_id`.
fn failed_ack(message_id: &str) -> String {
    json!({
        "event": "ack", "instance_id": "10922",
        "data": { "message_id": message_id, "status": "failed", "timestamp": 1754820000 }
    })
    .to_string()
}

#[tokio::test]
async fn quarantined_bodies_that_now_parse_are_stored_once_and_marked_replayed() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let store = store_with_pages(&client, &table, 1);
    let failed_ack = failed_ack("wamid.r");
    let garbage = "{\"event\":\"ack\",";
    // What an older release wrote: it refused `failed` and quarantined the body.
    let older_rule = older_rule();
    for (route, body) in [
        (Route::BotlinkdAcks, failed_ack.as_str()),
        (Route::BotlinkdEvents, garbage),
    ] {
        let record = QuarantineRecord::new(route, body.as_bytes(), &older_rule);
        store.put_quarantine(&record).await.unwrap();
    }
    let today = &webhook_payload::utc_now()[..10];
    let before = scan_all(&client, &table).await;
    assert_eq!(before.len(), 2);

    // Dry run: says what it would do, writes nothing.
    let dry = replay(&store, today, false).await;
    let mut results: Vec<ReplayResult> = dry.iter().map(|r| r.result.clone()).collect();
    results.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        results,
        [
            ReplayResult::StillFails("malformed_json", None),
            ReplayResult::WouldStore("ack"),
        ]
    );
    assert_eq!(scan_all(&client, &table).await, before);

    // Apply: the ack is stored under its live key, an item of its own, and the message's status
    // derived from it records the failure.
    let applied = replay(&store, today, true).await;
    assert!(applied
        .iter()
        .any(|r| r.result == ReplayResult::Stored("ack", Outcome::Stored)));
    let live = parse_event(Route::BotlinkdAcks, failed_ack.as_bytes()).unwrap();
    let live_key = item::record_key(&live);
    let message = partition(&client, &table, &live_key.pk).await;
    assert_eq!(message.len(), 1, "one ack item for the message");
    let ack = &message[0];
    assert_eq!(item::text(ack, item::SK), Some("EVENT#ack#failed"));
    assert_eq!(live_key.sk, "EVENT#ack#failed");
    assert_eq!(item::text(ack, item::KIND), Some("ack"));
    assert_eq!(
        item::raw_body_of(ack).as_deref(),
        Some(failed_ack.as_bytes())
    );
    assert_eq!(
        item::text(ack, item::OCCURRED_AT),
        Some("2025-08-10T10:00:00.000Z")
    );
    let status = message_status(&client, &table, &live_key.pk).await;
    assert_eq!(
        status.failed.map(|failure| failure.at).as_deref(),
        Some("2025-08-10T10:00:00.000Z")
    );
    assert_eq!(status.current, None);
    let quarantined = partition(
        &client,
        &table,
        &item::quarantine_key(&QuarantineRecord::new(
            Route::BotlinkdAcks,
            failed_ack.as_bytes(),
            &older_rule,
        ))
        .pk,
    )
    .await;
    assert!(quarantined[0].contains_key(item::REPLAYED_AT));
    assert_eq!(
        item::text(&quarantined[0], item::REPLAY_OUTCOME),
        Some("stored")
    );

    // Replaying again changes nothing; the provider's own retry is a duplicate.
    let after = scan_all(&client, &table).await.len();
    let again = replay(&store, today, true).await;
    assert!(again
        .iter()
        .any(|r| r.result == ReplayResult::AlreadyReplayed));
    assert_eq!(scan_all(&client, &table).await.len(), after);
    let (status, body) = send(
        &receiver(&client, &table, Route::BotlinkdAcks),
        &with_body(fixture_event("ack.json"), &failed_ack),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "duplicate" }))
    );
    assert_eq!(scan_all(&client, &table).await.len(), after);
}

#[tokio::test]
async fn a_day_of_many_pages_is_replayed_whole_one_page_at_a_time() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let store = store_with_pages(&client, &table, 2);
    let bodies: Vec<String> = (0..5)
        .map(|n| failed_ack(&format!("wamid.page{n}")))
        .collect();
    for body in &bodies {
        let record = QuarantineRecord::new(Route::BotlinkdAcks, body.as_bytes(), &older_rule());
        store.put_quarantine(&record).await.unwrap();
    }
    let today = &webhook_payload::utc_now()[..10];

    let applied = replay(&store, today, true).await;
    assert_eq!(applied.len(), bodies.len(), "every page is read");
    assert!(applied
        .iter()
        .all(|r| r.result == ReplayResult::Stored("ack", Outcome::Stored)));
    for body in &bodies {
        let live = parse_event(Route::BotlinkdAcks, body.as_bytes()).unwrap();
        assert_eq!(
            partition(&client, &table, &item::record_key(&live).pk)
                .await
                .len(),
            1
        );
    }
    let again = replay(&store, today, true).await;
    assert_eq!(again.len(), bodies.len());
    assert!(again
        .iter()
        .all(|r| r.result == ReplayResult::AlreadyReplayed));
}
