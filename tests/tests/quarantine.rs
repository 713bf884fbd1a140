//! Quarantine and what providers really send, against a real DynamoDB Local: an authenticated
//! body that is not an event is kept once and listed by day, and the deliveries real senders make
//! (a kind on the other kind's URL, JSON declared as a form, quoted numbers, an offset) are stored
//! as the events they are.

use aws_sdk_dynamodb::Client;
use integration_tests::table::{
    assert_documented_message_and_read_ack, by_phone, events_of, index_items, item_count,
};
use integration_tests::{
    fixture_event, fresh_table, local_client, partition, payload, receiver, send, text_attr as s,
    with_body, Item,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_table::testing as item;

/// Every quarantine item received today, through the `by_quarantine_day` index: the day's
/// shards list the keys (the index holds nothing else), and each item is then read by key.
async fn quarantined_today(client: &Client, table: &str) -> Vec<Item> {
    let today = &webhook_payload::utc_now()[..10];
    let mut items = Vec::new();
    for shard in item::quarantine_shards(today) {
        let entries = index_items(
            client,
            table,
            item::BY_QUARANTINE_DAY_INDEX,
            item::QUARANTINE_SHARD,
            &shard,
        )
        .await;
        for entry in entries {
            let mut names: Vec<&str> = entry.keys().map(String::as_str).collect();
            names.sort_unstable();
            assert_eq!(
                names,
                [
                    item::PK,
                    item::QUARANTINE_SHARD,
                    item::RECEIVED_AT,
                    item::SK
                ],
                "the index holds keys only, no body: {entry:?}"
            );
            let found = partition(client, table, &s(&entry, item::PK)).await;
            assert_eq!(found.len(), 1, "{entry:?}");
            let stored = found.into_iter().next().unwrap();
            // Each body is listed under the shard its hash picks.
            assert_eq!(
                s(&stored, item::QUARANTINE_SHARD),
                item::quarantine_shard(today, &s(&stored, item::BODY_SHA256))
            );
            assert_eq!(s(&stored, item::QUARANTINE_SHARD), shard);
            items.push(stored);
        }
    }
    items
}

#[tokio::test]
async fn provider_events_of_unmodelled_types_are_stored_once_as_events_and_never_quarantined() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    let events = receiver(&client, &table, Route::BotlinkdEvents);
    let presence = payload("botlinkd-ack.json").replace("\"ack\"", "\"presence\"");
    let cases = [
        (
            &click,
            "click.json",
            payload("edna-template-status.json"),
            "edna",
        ),
        (
            &click,
            "click.json",
            payload("edna-category-changed.json"),
            "edna",
        ),
        (&events, "events-ack.json", presence, "botlinkd"),
    ];
    for (handler, fixture, body, provider) in &cases {
        let event = with_body(fixture_event(fixture), body);
        for expected in ["stored", "duplicate"] {
            let (status, answer) = send(*handler, &event).await;
            assert_eq!(
                (status, answer),
                (StatusCode::OK, json!({ "status": expected }))
            );
        }
        let pk = format!(
            "{}#{provider}#{}",
            webhook_table::testing::UNMODELLED_PREFIX,
            webhook_payload::body_sha256(body.as_bytes())
        );
        let items = partition(&client, &table, &pk).await;
        assert_eq!(items.len(), 1, "stored once: {body}");
        assert_eq!(s(&items[0], item::KIND), "unmodelled");
        assert_eq!(s(&items[0], item::SK), "EVENT#unmodelled");
        assert_eq!(
            item::raw_body_of(&items[0]).as_deref(),
            Some(body.as_bytes())
        );
        assert_eq!(
            s(&items[0], item::OCCURRED_AT),
            s(&items[0], item::RECEIVED_AT)
        );
    }
    assert!(quarantined_today(&client, &table).await.is_empty());
}

#[tokio::test]
async fn authenticated_bodies_that_are_not_events_are_quarantined_once_and_listed_by_day() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    // BotLinkd's ack on the edna URL (the other provider's body), a body that is not JSON, an
    // ack without a message id, and bytes that are not UTF-8.
    const EMPTY_MESSAGE_ID: &str = r#"{"event":"ack","instance_id":"10922","data":{"message_id":"","status":"read","timestamp":1}}"#;
    let other_provider = payload("botlinkd-ack.json");
    let cases: [(&_, Value, &[u8], &str); 4] = [
        (
            &click,
            with_body(fixture_event("click.json"), &other_provider),
            other_provider.as_bytes(),
            "wrong_provider",
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
        let key = webhook_table::testing::quarantine_key(&webhook_payload::QuarantineRecord::new(
            Route::EdnaClicks,
            raw,
            &webhook_payload::PayloadError::MissingField("x"),
        ));
        let items = partition(&client, &table, &key.pk).await;
        assert_eq!(items.len(), 1, "{reason}");
        assert_eq!(
            item::raw_body_of(&items[0]).as_deref(),
            Some(*raw),
            "{reason}"
        );
        assert_eq!(s(&items[0], item::REASON), *reason);
        assert!(s(&items[0], item::RECEIVED_AT).ends_with('Z'));
    }
    let listed = quarantined_today(&client, &table).await;
    assert_eq!(listed.len(), cases.len());
    for item in &listed {
        for name in [
            item::RAW_BODY,
            item::BODY_SHA256,
            item::PROVIDER,
            item::ROUTE,
            item::REASON,
            item::RECEIVED_AT,
            item::QUARANTINE_SHARD,
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
    assert_documented_message_and_read_ack(&client, &table).await;

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
        s(&clicks[0], item::OCCURRED_AT),
        "2025-08-10T12:32:56.000Z",
        "the offset is applied"
    );
    assert_eq!(
        s(&clicks[0], item::SK),
        "EVENT#click#f42kL#2025-08-10T12:32:56.000Z"
    );
    assert_eq!(s(&clicks[0], item::RAW_BODY), click_body.to_string());
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
