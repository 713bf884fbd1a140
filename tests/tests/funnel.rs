//! A message's funnel, sent → delivered → read → clicked (→ replied), is one Query of its
//! partition, against DynamoDB Local: edna's documented status, click and incoming message, the
//! webhooks arriving out of order and twice, on the URLs edna would send them to.

use integration_tests::table::{by_phone, record_of};
use integration_tests::{
    fixture_event, fresh_table, local_client, partition, receiver, send, text_attr as s, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::{AckStatus, EventRecord, Failure, MessageStatus, Route};
use webhook_table::testing as item;

/// The outgoing message of edna's documented status example.
const MESSAGE_ID: u64 = 8681748;

fn body_of(fixture: &str) -> Value {
    serde_json::from_str(fixture_event(fixture)["body"].as_str().unwrap()).unwrap()
}

/// edna's documented status example, reporting `status` at `at`.
fn status(name: &str, at: &str) -> Value {
    let mut body = body_of("edna-status.json");
    body["status"] = json!(name);
    body["statusAt"] = json!(at);
    with_body(fixture_event("edna-status.json"), &body.to_string())
}

#[tokio::test]
async fn sent_delivered_read_clicked_and_replied_out_of_order_and_twice_is_one_query() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let statuses = receiver(&client, &table, Route::EdnaStatuses);
    let clicks = receiver(&client, &table, Route::EdnaClicks);
    let events = receiver(&client, &table, Route::EdnaEvents);

    // The click on a button of that message, and the person's reply to it.
    let mut click = body_of("click.json");
    click["payload"]["outMessageId"] = json!(MESSAGE_ID);
    let click = with_body(fixture_event("click.json"), &click.to_string());
    let mut reply = body_of("edna-message.json");
    reply["replyOutMessageId"] = json!(MESSAGE_ID);
    let reply = with_body(
        fixture_event("edna-events-message.json"),
        &reply.to_string(),
    );

    let read = status("READ", "2025-01-30T11:09:00Z");
    let sent = status("SENT", "2025-01-30T11:07:50Z");
    let delivered = status("DELIVERED", "2025-01-30T11:07:55Z");
    // Read first, a click before the delivery report, each retried; the reply on edna's one URL.
    let deliveries = [
        (&statuses, &read, "stored"),
        (&clicks, &click, "stored"),
        (&statuses, &sent, "stored"),
        (&statuses, &read, "duplicate"),
        (&events, &reply, "stored"),
        (&statuses, &delivered, "stored"),
        (&clicks, &click, "duplicate"),
        (&statuses, &sent, "duplicate"),
        (&events, &reply, "duplicate"),
    ];
    for (receiver, event, expected) in deliveries {
        let (status, body) = send(receiver, event).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "status": expected })),
            "{}",
            event["body"]
        );
    }

    // One Query of the message's partition: its acks, its click and the reply.
    let pk = format!("MSG#edna#{MESSAGE_ID}");
    let items = partition(&client, &table, &pk).await;
    let mut sks: Vec<String> = items.iter().map(|i| s(i, item::SK)).collect();
    sks.sort();
    assert_eq!(
        sks,
        [
            "EVENT#ack#delivered",
            "EVENT#ack#read",
            "EVENT#ack#sent",
            "EVENT#click#f42kL#2025-08-10T12:32:56.000Z",
            "EVENT#message#101",
        ],
        "{items:?}"
    );
    // Each ack is kept with its raw body and time.
    for (ack, at) in [
        (AckStatus::Sent, "2025-01-30T11:07:50.000Z"),
        (AckStatus::Delivered, "2025-01-30T11:07:55.000Z"),
        (AckStatus::Read, "2025-01-30T11:09:00.000Z"),
    ] {
        let sk = format!("EVENT#ack#{}", ack.as_str());
        let stored = items.iter().find(|i| s(i, item::SK) == sk).unwrap();
        assert_eq!(s(stored, item::KIND), "ack");
        assert_eq!(s(stored, item::OCCURRED_AT), at);
        let body: Value = serde_json::from_str(&s(stored, item::RAW_BODY)).unwrap();
        assert_eq!(
            body["status"],
            ack.as_str().to_ascii_uppercase(),
            "raw body kept"
        );
    }
    // The status the partition adds up to only moved forward: read, at read's time, whatever
    // came after it; no failure.
    let records: Vec<EventRecord> = items.iter().filter_map(record_of).collect();
    assert_eq!(records.len(), items.len(), "every item's body parses");
    let status = MessageStatus::of(&records);
    assert_eq!(
        status.current,
        Some((AckStatus::Read, "2025-01-30T11:09:00.000Z".to_owned()))
    );
    assert_eq!(status.failed, None);
    assert!(status.other.is_empty(), "{:?}", status.other);

    // The reply is also on the person's timeline.
    let timeline = by_phone(&client, &table, "PHONE#35700000000").await;
    assert_eq!(timeline.len(), 1, "{timeline:?}");
    assert_eq!(s(&timeline[0], item::KIND), "message");
}

#[tokio::test]
async fn a_failed_status_keeps_its_error_and_an_unknown_one_leaves_the_status_alone() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let statuses = receiver(&client, &table, Route::EdnaStatuses);
    let mut failed = body_of("edna-status.json");
    failed["status"] = json!("UNDELIVERED");
    failed["error"] = json!("error-subject-unknown");
    let failed = with_body(fixture_event("edna-status.json"), &failed.to_string());
    let delivered = status("DELIVERED", "2025-01-30T11:07:55Z");
    let enqueued = status("ENQUEUED", "2025-01-30T11:07:40Z");
    for event in [&delivered, &failed, &enqueued] {
        let (answer, body) = send(&statuses, event).await;
        assert_eq!(answer, StatusCode::OK, "{body}");
    }
    let items = partition(&client, &table, &format!("MSG#edna#{MESSAGE_ID}")).await;
    let records: Vec<EventRecord> = items.iter().filter_map(record_of).collect();
    let status = MessageStatus::of(&records);
    assert_eq!(
        status.current.as_ref().map(|(status, _)| *status),
        Some(AckStatus::Delivered)
    );
    // edna's `undelivered` is a failure, kept with its time and error and its raw body.
    assert_eq!(
        status.failed,
        Some(Failure {
            at: "2025-01-30T11:07:55.000Z".to_owned(),
            error: Some("error-subject-unknown".to_owned())
        })
    );
    let failed_item = items
        .iter()
        .find(|i| s(i, item::SK) == "EVENT#ack#undelivered")
        .unwrap_or_else(|| panic!("{items:?}"));
    let failed_body = s(failed_item, item::RAW_BODY);
    assert!(
        failed_body.contains("error-subject-unknown"),
        "{failed_body}"
    );
    // A status this product does not know is an event of its own beside the others, and leaves
    // the status alone.
    assert_eq!(status.other, ["enqueued"]);
    assert!(
        items.iter().any(|i| s(i, item::SK) == "EVENT#ack#enqueued"),
        "{items:?}"
    );
}
