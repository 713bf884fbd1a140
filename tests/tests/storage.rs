//! The storage promises, against a real DynamoDB Local: every event lands once with all its
//! fields, retries and concurrent deliveries never make a second record, statuses only move
//! forward, and a storage fault is a fast 503, never a 200.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use integration_tests::{
    client_for, closed_endpoint, fixture_event, fresh_table, local_client, partition, receiver,
    repo_root, send, text_attr as s, with_body, Item,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::{parse_event, Route, COLLISION_PREFIX, STATUS_SORT_KEY};
use webhook_receiver::{item, DynamoDbStore, StoreError, MAX_BODY_BYTES};

fn payload(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("fixtures/payloads").join(name)).unwrap()
}

async fn events_of(client: &Client, table: &str, pk: &str) -> Vec<Item> {
    partition(client, table, pk)
        .await
        .into_iter()
        .filter(|item| s(item, "sk").starts_with("EVENT#"))
        .collect()
}

async fn by_phone(client: &Client, table: &str, phone_key: &str) -> Vec<Item> {
    client
        .query()
        .table_name(table)
        .index_name("by_phone")
        .key_condition_expression("phone_key = :p")
        .expression_attribute_values(":p", AttributeValue::S(phone_key.into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

async fn item_count(client: &Client, table: &str) -> i32 {
    client
        .scan()
        .table_name(table)
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .count
}

async fn status_item(client: &Client, table: &str, pk: &str) -> Option<Item> {
    client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(STATUS_SORT_KEY.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

async fn status_of(client: &Client, table: &str, pk: &str) -> Option<String> {
    client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(STATUS_SORT_KEY.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .map(|item| s(&item, "status"))
}

/// An ack fixture for `message_id` with `status`.
fn ack_event(fixture: &str, message_id: &str, status: &str, timestamp: i64) -> Value {
    let body = json!({
        "event": "ack",
        "instance_id": "10922",
        "data": { "message_id": message_id, "status": status, "timestamp": timestamp }
    });
    with_body(fixture_event(fixture), &body.to_string())
}

#[tokio::test]
async fn each_documented_event_lands_with_its_raw_body_in_one_write() {
    let client = local_client();
    let table = fresh_table(&client).await;
    for (fixture, route, body_file) in [
        ("click.json", Route::EdnaClicks, "edna-click.json"),
        (
            "message.json",
            Route::BotlinkdMessages,
            "botlinkd-message.json",
        ),
    ] {
        let receiver = receiver(&client, &table, route);
        let (status, body) = send(&receiver, &fixture_event(fixture)).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "status": "stored" })),
            "{fixture}"
        );
        assert_eq!(receiver.store().usage().calls(), 1, "{fixture}: one call");

        let raw = payload(body_file);
        let expected = parse_event(route, raw.as_bytes()).unwrap();
        // The documented message and ack share a message_id, so select by sort key.
        let events = events_of(&client, &table, &expected.key.pk).await;
        let matching: Vec<&Item> = events
            .iter()
            .filter(|i| s(i, "sk") == expected.key.sk)
            .collect();
        assert_eq!(matching.len(), 1, "{fixture}");
        let item = matching[0];
        assert_eq!(s(item, "raw_body"), raw, "raw body kept verbatim");
        assert_eq!(s(item, "body_sha256"), expected.body_sha256);
        assert_eq!(s(item, "kind"), expected.kind().as_str());
        assert_eq!(s(item, "occurred_at"), expected.occurred_at);
        assert!(s(item, "received_at").ends_with('Z'));
        assert_eq!(
            item.get("phone_key").map(|v| v.as_s().unwrap().clone()),
            expected.phone_key
        );
    }
    // The ack: one write into the message's status item, which holds its time and raw body.
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    let (status, body) = send(&acks, &fixture_event("ack.json")).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "stored" }))
    );
    assert_eq!(acks.store().usage().calls(), 1, "an ack is one call");
    let raw = payload("botlinkd-ack.json");
    let ack = parse_event(Route::BotlinkdAcks, raw.as_bytes()).unwrap();
    let status = status_item(&client, &table, &ack.key.pk)
        .await
        .expect("status item");
    assert_eq!(s(&status, "read_body"), raw);
    assert_eq!(s(&status, "read_at"), ack.occurred_at);
    assert_eq!(s(&status, "status"), "read");
    assert_eq!(s(&status, "read_sha"), &ack.body_sha256[..16]);
}

#[tokio::test]
async fn a_base64_encoded_body_is_the_same_event() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    assert_eq!(
        send(&click, &fixture_event("click-base64.json")).await.1,
        json!({ "status": "stored" })
    );
    assert_eq!(
        send(&click, &fixture_event("click.json")).await.1,
        json!({ "status": "duplicate" })
    );
    assert_eq!(item_count(&client, &table).await, 1);
}

#[tokio::test]
async fn edna_retry_schedule_four_deliveries_make_one_record() {
    // edna re-sends up to three times, 4, 128 and 2048 s apart, with the same body: the key comes
    // from the event (outMessageId + shortLink + click time), never from the delivery time.
    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    let mut answers = Vec::new();
    for _delivery in 0..4 {
        answers.push(send(&click, &fixture_event("click.json")).await);
    }
    assert_eq!(answers[0], (StatusCode::OK, json!({ "status": "stored" })));
    for answer in &answers[1..] {
        assert_eq!(answer, &(StatusCode::OK, json!({ "status": "duplicate" })));
    }
    assert_eq!(item_count(&client, &table).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_identical_deliveries_make_one_record() {
    let client = local_client();
    let table = fresh_table(&client).await;
    for (fixture, route) in [
        ("click.json", Route::EdnaClicks),
        ("ack.json", Route::BotlinkdAcks),
    ] {
        let handler = Arc::new(receiver(&client, &table, route));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let handler = Arc::clone(&handler);
            let event = fixture_event(fixture);
            tasks.spawn(async move { send(&handler, &event).await });
        }
        let mut stored = 0;
        let mut duplicate = 0;
        while let Some(answer) = tasks.join_next().await {
            let (status, body) = answer.unwrap();
            assert_eq!(status, StatusCode::OK, "{body}");
            match body["status"].as_str() {
                Some("stored") => stored += 1,
                Some("duplicate") => duplicate += 1,
                other => panic!("unexpected answer {other:?}"),
            }
        }
        assert_eq!((stored, duplicate), (1, 19), "{fixture}");
    }
    // One click, and the message's status item holding the ack.
    assert_eq!(item_count(&client, &table).await, 2);
}

#[tokio::test]
async fn acks_in_every_order_end_at_read_and_never_move_back() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    let orders = [
        ["sent", "delivered", "read"],
        ["sent", "read", "delivered"],
        ["delivered", "sent", "read"],
        ["delivered", "read", "sent"],
        ["read", "sent", "delivered"],
        ["read", "delivered", "sent"],
    ];
    let rank = |status: &str| {
        ["sent", "delivered", "read"]
            .iter()
            .position(|s| *s == status)
    };
    for (n, order) in orders.iter().enumerate() {
        let message_id = format!("wamid.order{n}");
        let mut highest = None;
        for (i, status) in order.iter().enumerate() {
            let (code, _) = send(
                &acks,
                &ack_event("ack.json", &message_id, status, 1678900000 + i as i64),
            )
            .await;
            assert_eq!(code, StatusCode::OK);
            highest = highest.max(rank(status));
            let pk = format!("MSG#botlinkd#10922#{message_id}");
            let current = status_of(&client, &table, &pk).await;
            assert_eq!(
                current.as_deref().and_then(rank),
                highest,
                "{order:?} after {status}"
            );
        }
        let pk = format!("MSG#botlinkd#10922#{message_id}");
        assert_eq!(
            status_of(&client, &table, &pk).await.as_deref(),
            Some("read"),
            "{order:?}"
        );
        let acks = status_item(&client, &table, &pk).await.unwrap();
        for status in order {
            assert!(
                acks.contains_key(&format!("{status}_body")),
                "every ack is kept: {order:?}"
            );
        }
    }
}

#[tokio::test]
async fn read_without_delivered_is_fine() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    assert_eq!(
        send(&acks, &ack_event("ack.json", "wamid.r", "read", 1))
            .await
            .0,
        StatusCode::OK
    );
    let pk = "MSG#botlinkd#10922#wamid.r";
    assert_eq!(
        status_of(&client, &table, pk).await.as_deref(),
        Some("read")
    );
}

#[tokio::test]
async fn same_key_with_another_body_keeps_both_records() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    let first = ack_event("ack.json", "wamid.c", "delivered", 1678900000);
    let second = ack_event("ack.json", "wamid.c", "delivered", 1678900099);
    assert_eq!(send(&acks, &first).await.1, json!({ "status": "stored" }));
    assert_eq!(send(&acks, &second).await.1, json!({ "status": "stored" }));
    assert_eq!(
        send(&acks, &second).await.1,
        json!({ "status": "duplicate" })
    );
    assert_eq!(
        send(&acks, &first).await.1,
        json!({ "status": "duplicate" })
    );
    let items = partition(&client, &table, "MSG#botlinkd#10922#wamid.c").await;
    assert_eq!(items.len(), 2, "the status item and the collision");
    // The first ack is in the message's status item; the other body sits outside EVENT#.
    let status = status_item(&client, &table, "MSG#botlinkd#10922#wamid.c")
        .await
        .unwrap();
    assert!(s(&status, "delivered_body").contains("1678900000"));
    assert!(events_of(&client, &table, "MSG#botlinkd#10922#wamid.c")
        .await
        .is_empty());
    let collision = items
        .iter()
        .find(|item| item.contains_key("collision_of"))
        .unwrap();
    assert_eq!(s(collision, "collision_of"), "EVENT#ack#delivered");
    assert!(s(collision, "sk").starts_with(COLLISION_PREFIX));
    assert!(s(collision, "raw_body").contains("1678900099"));
}

#[tokio::test]
async fn a_collision_of_a_message_is_not_a_second_entry_in_the_phone_timeline() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    let first = payload("botlinkd-message.json");
    let second = first.replace("Hello, where is my order?", "Another text, same id");
    for body in [&first, &second] {
        let (status, answer) =
            send(&messages, &with_body(fixture_event("message.json"), body)).await;
        assert_eq!(
            (status, answer),
            (StatusCode::OK, json!({ "status": "stored" }))
        );
    }
    assert_eq!(
        by_phone(&client, &table, "PHONE#447123456789").await.len(),
        1
    );
    let pk = "MSG#botlinkd#10922#wamid.HBgLM...";
    assert_eq!(events_of(&client, &table, pk).await.len(), 1);
    assert_eq!(partition(&client, &table, pk).await.len(), 2);
}

#[tokio::test]
async fn the_combined_botlinkd_route_stores_both_kinds() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let combined = receiver(&client, &table, Route::BotlinkdEvents);
    assert_eq!(
        send(&combined, &fixture_event("events-message.json"))
            .await
            .1,
        json!({ "status": "stored" })
    );
    assert_eq!(
        send(&combined, &fixture_event("events-ack.json")).await.1,
        json!({ "status": "stored" })
    );
    let pk = "MSG#botlinkd#10922#wamid.HBgLM...";
    let kinds: Vec<String> = events_of(&client, &table, pk)
        .await
        .iter()
        .map(|i| s(i, "kind"))
        .collect();
    assert_eq!(kinds, ["message"]);
    let acks = status_item(&client, &table, pk).await.unwrap();
    assert_eq!(s(&acks, "read_body"), payload("botlinkd-ack.json"));
    assert_eq!(
        status_of(&client, &table, pk).await.as_deref(),
        Some("read")
    );
}

#[tokio::test]
async fn non_text_messages_are_stored_with_every_field_in_the_raw_body() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let mut body: Value = serde_json::from_str(&payload("botlinkd-message.json")).unwrap();
    // Stand-in fields: BotLinkd does not document image messages.
    body["data"]["type"] = json!("image");
    body["data"].as_object_mut().unwrap().remove("body");
    body["data"]["caption"] = json!("look");
    body["data"]["media"] = json!({ "url": "https://example.invalid/1.jpg" });
    let event = with_body(fixture_event("message.json"), &body.to_string());
    let (status, _) = send(&receiver(&client, &table, Route::BotlinkdMessages), &event).await;
    assert_eq!(status, StatusCode::OK);
    let events = events_of(&client, &table, "MSG#botlinkd#10922#wamid.HBgLM...").await;
    let stored: Value = serde_json::from_str(&s(&events[0], "raw_body")).unwrap();
    assert_eq!(stored, body);
}

#[tokio::test]
async fn refused_requests_write_nothing() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    let mut no_key = fixture_event("click.json");
    no_key["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-api-key");
    let mut get = fixture_event("click.json");
    get["requestContext"]["http"]["method"] = json!("GET");
    let cases = [
        (no_key, StatusCode::UNAUTHORIZED),
        (get, StatusCode::METHOD_NOT_ALLOWED),
        (
            with_body(fixture_event("click.json"), &"x".repeat(MAX_BODY_BYTES + 1)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (event, expected) in cases {
        assert_eq!(send(&click, &event).await.0, expected);
    }
    assert_eq!(item_count(&client, &table).await, 0);
}

/// Every quarantine item received today, through the `by_quarantine_day` index.
async fn quarantined_today(client: &Client, table: &str) -> Vec<Item> {
    let today = &webhook_payload::utc_now()[..10];
    client
        .query()
        .table_name(table)
        .index_name("by_quarantine_day")
        .key_condition_expression("quarantined_on = :day")
        .expression_attribute_values(":day", AttributeValue::S(today.into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

#[tokio::test]
async fn authenticated_bodies_that_are_not_events_are_quarantined_once_and_listed_by_day() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    // edna's status webhook on the click URL (one URL for all event types), a body that is not
    // JSON, an ack without a message id, and bytes that are not UTF-8.
    const EMPTY_MESSAGE_ID: &str = r#"{"event":"ack","instance_id":"10922","data":{"message_id":"","status":"read","timestamp":1}}"#;
    let status_webhook = r#"{"type":"status","version":"v1","payload":{"status":"READ"}}"#;
    let cases: [(&_, Value, &[u8], &str); 4] = [
        (
            &click,
            with_body(fixture_event("click.json"), status_webhook),
            status_webhook.as_bytes(),
            "unsupported_event",
        ),
        (
            &click,
            with_body(fixture_event("click.json"), "{"),
            b"{",
            "malformed_json",
        ),
        (
            &acks,
            with_body(fixture_event("ack.json"), EMPTY_MESSAGE_ID),
            EMPTY_MESSAGE_ID.as_bytes(),
            "invalid_field",
        ),
        (
            &acks,
            {
                let mut event = fixture_event("ack.json");
                event["body"] = json!("/w==");
                event["isBase64Encoded"] = json!(true);
                event
            },
            &[0xff],
            "malformed_json",
        ),
    ];
    for (handler, event, raw, reason) in &cases {
        // Delivered twice: one item.
        for _ in 0..2 {
            let (status, body) = send(*handler, event).await;
            assert_eq!(
                (status, body),
                (StatusCode::OK, json!({ "status": "quarantined" })),
                "{reason}"
            );
        }
        let key = webhook_payload::QuarantineRecord::new(
            Route::EdnaClicks,
            raw,
            &webhook_payload::PayloadError::MissingField("x"),
        )
        .key;
        let items = partition(&client, &table, &key.pk).await;
        assert_eq!(items.len(), 1, "{reason}");
        assert_eq!(
            item::raw_body_of(&items[0]).as_deref(),
            Some(*raw),
            "{reason}"
        );
        assert_eq!(s(&items[0], "reason"), *reason);
        assert!(s(&items[0], "received_at").ends_with('Z'));
    }
    let listed = quarantined_today(&client, &table).await;
    assert_eq!(listed.len(), cases.len());
    for item in &listed {
        for name in [
            "raw_body",
            "body_sha256",
            "provider",
            "route",
            "reason",
            "received_at",
        ] {
            assert!(item.contains_key(name), "{name} in {item:?}");
        }
    }
    assert_eq!(item_count(&client, &table).await, cases.len() as i32);
}

#[tokio::test]
async fn what_providers_really_send_is_stored_as_events() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    let acks = receiver(&client, &table, Route::BotlinkdAcks);

    // A message and an ack each on the other kind's URL (one dashboard URL, both boxes ticked).
    let (status, body) = send(
        &acks,
        &with_body(fixture_event("ack.json"), &payload("botlinkd-message.json")),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "stored" }))
    );
    let (status, body) = send(
        &messages,
        &with_body(fixture_event("message.json"), &payload("botlinkd-ack.json")),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "stored" }))
    );
    let pk = "MSG#botlinkd#10922#wamid.HBgLM...";
    let kinds: Vec<String> = events_of(&client, &table, pk)
        .await
        .iter()
        .map(|i| s(i, "kind"))
        .collect();
    assert_eq!(kinds, ["message"]);
    let acks = status_item(&client, &table, pk).await.unwrap();
    assert_eq!(s(&acks, "read_body"), payload("botlinkd-ack.json"));
    assert_eq!(
        status_of(&client, &table, pk).await.as_deref(),
        Some("read")
    );

    // JSON declared as a form, quoted numbers, an empty requestId and a +0300 offset.
    let mut click_body: Value = serde_json::from_str(&payload("edna-click.json")).unwrap();
    click_body["payload"]["templateId"] = json!("1333");
    click_body["payload"]["outMessageId"] = json!("5345345");
    click_body["payload"]["requestId"] = json!("");
    click_body["timestamp"] = json!("2025-08-10T15:32:56+0300");
    let mut event = with_body(fixture_event("click.json"), &click_body.to_string());
    event["headers"]["content-type"] = json!("application/x-www-form-urlencoded");
    let (status, body) = send(&click, &event).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "stored" }))
    );
    let clicks = events_of(&client, &table, "MSG#edna#5345345").await;
    assert_eq!(clicks.len(), 1);
    assert_eq!(
        s(&clicks[0], "occurred_at"),
        "2025-08-10T12:32:56.000Z",
        "the offset is applied"
    );
    assert_eq!(
        s(&clicks[0], "sk"),
        "EVENT#click#f42kL#2025-08-10T12:32:56.000Z"
    );
    assert_eq!(s(&clicks[0], "raw_body"), click_body.to_string());
    // The documented click has the same key (the offset made it the same instant) and another
    // requestId: kept as a collision, outside the message's events and the phone timeline.
    let (_, body) = send(&click, &fixture_event("click.json")).await;
    assert_eq!(body, json!({ "status": "stored" }));
    assert_eq!(
        events_of(&client, &table, "MSG#edna#5345345").await.len(),
        1
    );
    assert_eq!(
        partition(&client, &table, "MSG#edna#5345345").await.len(),
        2
    );
    assert_eq!(
        by_phone(&client, &table, "PHONE#79991234567").await.len(),
        1
    );
}

#[tokio::test]
async fn a_failed_ack_is_recorded_without_moving_the_status_and_unknown_statuses_leave_it_alone() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    let pk = "MSG#botlinkd#10922#wamid.f";
    let status_item = |client: Client, table: String| async move {
        client
            .get_item()
            .table_name(&table)
            .key("pk", AttributeValue::S(pk.into()))
            .key("sk", AttributeValue::S(STATUS_SORT_KEY.into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    };
    // An unknown status is an event, and creates no status item.
    for status in ["played", "deleted"] {
        let (code, body) = send(&acks, &ack_event("ack.json", "wamid.f", status, 1754820000)).await;
        assert_eq!(
            (code, body),
            (StatusCode::OK, json!({ "status": "stored" })),
            "{status}"
        );
    }
    assert!(status_item(client.clone(), table.clone()).await.is_none());

    for (status, at) in [
        ("delivered", 1754820002),
        ("failed", 1754820001),
        ("sent", 1754820000),
    ] {
        let (code, body) = send(&acks, &ack_event("ack.json", "wamid.f", status, at)).await;
        assert_eq!(
            (code, body),
            (StatusCode::OK, json!({ "status": "stored" })),
            "{status}"
        );
    }
    // A retried `failed` is a duplicate and keeps the first failure time.
    let (_, body) = send(
        &acks,
        &ack_event("ack.json", "wamid.f", "failed", 1754820001),
    )
    .await;
    assert_eq!(body, json!({ "status": "duplicate" }));
    let item = status_item(client.clone(), table.clone()).await.unwrap();
    assert_eq!(
        s(&item, "status"),
        "delivered",
        "failed never moves the status"
    );
    assert_eq!(s(&item, "failed_at"), "2025-08-10T10:00:01.000Z");
    let kinds: Vec<String> = events_of(&client, &table, pk)
        .await
        .iter()
        .map(|i| s(i, "sk"))
        .collect();
    // Known statuses live in the status item; the others are items of their own.
    assert_eq!(kinds, ["EVENT#ack#deleted", "EVENT#ack#played"]);
    for status in ["sent", "delivered", "failed"] {
        assert!(item.contains_key(&format!("{status}_body")), "{status}");
    }
}

#[tokio::test]
async fn a_reserialised_retry_is_a_duplicate_not_a_collision() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    let compact = payload("botlinkd-message.json");
    let value: Value = serde_json::from_str(&compact).unwrap();
    let mut reordered = serde_json::Map::new();
    for (name, field) in value.as_object().unwrap().iter().rev() {
        reordered.insert(name.clone(), field.clone());
    }
    let pretty = serde_json::to_string_pretty(&Value::Object(reordered)).unwrap();
    assert_ne!(pretty, compact);
    let (_, first) = send(
        &messages,
        &with_body(fixture_event("message.json"), &compact),
    )
    .await;
    let (_, retry) = send(
        &messages,
        &with_body(fixture_event("message.json"), &pretty),
    )
    .await;
    assert_eq!(
        (first, retry),
        (
            json!({ "status": "stored" }),
            json!({ "status": "duplicate" })
        )
    );
    let pk = "MSG#botlinkd#10922#wamid.HBgLM...";
    assert_eq!(partition(&client, &table, pk).await.len(), 1);
    assert_eq!(
        s(&partition(&client, &table, pk).await[0], "raw_body"),
        compact,
        "raw body byte-exact"
    );
    assert_eq!(
        by_phone(&client, &table, "PHONE#447123456789").await.len(),
        1
    );
}

#[tokio::test]
async fn a_body_at_the_256_kib_cap_is_stored_within_the_item_limit() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let mut value: Value = serde_json::from_str(&payload("botlinkd-message.json")).unwrap();
    value["data"]["body"] = json!("");
    value["data"]["caption"] = json!("c".repeat(60 * 1024));
    let room = MAX_BODY_BYTES - value.to_string().len();
    value["data"]["body"] = json!("b".repeat(room));
    let body = value.to_string();
    assert_eq!(body.len(), MAX_BODY_BYTES);
    let (status, answer) = send(
        &receiver(&client, &table, Route::BotlinkdMessages),
        &with_body(fixture_event("message.json"), &body),
    )
    .await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({ "status": "stored" }))
    );
    let stored = events_of(&client, &table, "MSG#botlinkd#10922#wamid.HBgLM...").await;
    assert_eq!(s(&stored[0], "raw_body"), body);
}

#[tokio::test]
async fn the_readme_access_patterns_work() {
    let client = local_client();
    let table = fresh_table(&client).await;
    // A customer writes in, then clicks a link: both are "everything from phone P".
    let message = json!({
        "event": "message", "instance_id": "10922",
        "data": { "from": "79991234567", "to": "15550123456", "type": "text", "body": "hi",
                  "message_id": "wamid.in1", "timestamp": 1754820000 }
    });
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    send(
        &messages,
        &with_body(fixture_event("message.json"), &message.to_string()),
    )
    .await;
    send(
        &receiver(&client, &table, Route::EdnaClicks),
        &fixture_event("click.json"),
    )
    .await;

    let newest_first = client
        .query()
        .table_name(&table)
        .index_name("by_phone")
        .key_condition_expression("phone_key = :p")
        .expression_attribute_values(":p", AttributeValue::S("PHONE#79991234567".into()))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    let kinds: Vec<String> = newest_first.iter().map(|i| s(i, "kind")).collect();
    assert_eq!(
        kinds,
        ["click", "message"],
        "click (12:32:56) is newer than the message (10:00:00)"
    );

    // All events of a message, and its current status.
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    for status in ["sent", "delivered"] {
        send(
            &acks,
            &ack_event("ack.json", "wamid.out1", status, 1754820001),
        )
        .await;
    }
    // Everything about message X is one Query on its partition: the acks are in its status item.
    let message = client
        .query()
        .table_name(&table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            AttributeValue::S("MSG#botlinkd#10922#wamid.out1".into()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(message.count, 1);
    let acks = &message.items()[0];
    assert!(acks.contains_key("sent_body") && acks.contains_key("delivered_body"));
    assert_eq!(
        status_of(&client, &table, "MSG#botlinkd#10922#wamid.out1")
            .await
            .as_deref(),
        Some("delivered")
    );
}

async fn assert_fast_503(client: &Client, fixture: &str, route: Route) {
    let handler = receiver(client, "events", route);
    let started = Instant::now();
    let (status, body) = send(&handler, &fixture_event(fixture)).await;
    let elapsed = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        elapsed < Duration::from_millis(2_500),
        "{fixture}: answered after {elapsed:?}"
    );
}

#[tokio::test]
async fn unreachable_dynamodb_is_a_503_within_2_5_s() {
    let endpoint = closed_endpoint();
    let client = client_for(&endpoint);
    assert_fast_503(&client, "click.json", Route::EdnaClicks).await;
    assert_fast_503(&client, "ack.json", Route::BotlinkdAcks).await;
}

#[tokio::test]
async fn silent_dynamodb_is_a_503_within_2_5_s() {
    // Accepts connections and never answers: the worst case for a client without timeouts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = client_for(&endpoint);
    assert_fast_503(&client, "click.json", Route::EdnaClicks).await;
    assert_fast_503(&client, "message.json", Route::BotlinkdMessages).await;
    assert_fast_503(&client, "ack.json", Route::BotlinkdAcks).await;
    holder.abort();
}

#[tokio::test]
async fn the_warm_up_reads_its_own_key_writes_nothing_and_fails_fast_when_offline() {
    let client = local_client();
    let table = fresh_table(&client).await;
    DynamoDbStore::new(client.clone(), &table)
        .warm_up()
        .await
        .expect("warm-up against DynamoDB Local");
    assert_eq!(item_count(&client, &table).await, 0);

    // Unreachable: an error within the client's budget, so a cold start is never held up long.
    let endpoint = closed_endpoint();
    let started = Instant::now();
    let err = DynamoDbStore::new(client_for(&endpoint), &table)
        .warm_up()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Request {
                operation: "GetItem",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(2_500));
}

#[tokio::test]
async fn the_functions_client_reads_region_credentials_and_endpoint_from_the_environment() {
    // scripts/test exports AWS_REGION, the credentials and AWS_ENDPOINT_URL_DYNAMODB, as Lambda
    // (region, credentials) and cargo lambda watch (all three) do for the functions.
    let table = fresh_table(&local_client()).await;
    DynamoDbStore::new(webhook_receiver::dynamodb_client(), &table)
        .warm_up()
        .await
        .expect("a read through the functions' own client");
}
