//! The storage promises, against a real DynamoDB Local: every event lands once with all its
//! fields, retries, concurrent deliveries and re-serialised bodies never make a second record, a
//! second body under a taken key is kept as a collision, refused requests write nothing, and the
//! README's access patterns answer. Acks: tests/acks.rs; quarantine and what providers really
//! send: tests/quarantine.rs; an unavailable DynamoDB and the functions' client: tests/client.rs.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::table::{
    assert_documented_message_and_read_ack, by_phone, events_of, item_count, status_item, status_of,
};
use integration_tests::{
    ack_event, fixture_event, fresh_table, local_client, partition, payload, receiver, send,
    text_attr as s, with_body, Item,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::{parse_event, AckStatus, Route};
use webhook_receiver::item::{self, ack_attribute, record_key, AckField, COLLISION_PREFIX};
use webhook_receiver::MAX_BODY_BYTES;

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
        let key = record_key(&expected);
        // The documented message and ack share a message_id, so select by sort key.
        let events = events_of(&client, &table, &key.pk).await;
        let matching: Vec<&Item> = events.iter().filter(|i| s(i, item::SK) == key.sk).collect();
        assert_eq!(matching.len(), 1, "{fixture}");
        let item = matching[0];
        assert_eq!(s(item, item::RAW_BODY), raw, "raw body kept verbatim");
        assert_eq!(s(item, item::BODY_SHA256), expected.body_sha256);
        assert_eq!(s(item, item::KIND), expected.kind().as_str());
        assert_eq!(s(item, item::OCCURRED_AT), expected.occurred_at);
        assert!(s(item, item::RECEIVED_AT).ends_with('Z'));
        assert_eq!(
            item.get(item::PHONE_KEY).map(|v| v.as_s().unwrap().clone()),
            expected.phone().map(item::phone_key)
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
    let status = status_item(&client, &table, &record_key(&ack).pk)
        .await
        .expect("status item");
    assert_eq!(
        s(&status, &ack_attribute(AckStatus::Read, AckField::Body)),
        raw
    );
    assert_eq!(
        s(&status, &ack_attribute(AckStatus::Read, AckField::At)),
        ack.occurred_at
    );
    assert_eq!(s(&status, item::STATUS), "read");
    assert_eq!(
        s(&status, &ack_attribute(AckStatus::Read, AckField::Sha)),
        &ack.body_sha256[..16]
    );
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
    assert!(s(
        &status,
        &ack_attribute(AckStatus::Delivered, AckField::Body)
    )
    .contains("1678900000"));
    assert!(events_of(&client, &table, "MSG#botlinkd#10922#wamid.c")
        .await
        .is_empty());
    let collision = items
        .iter()
        .find(|item| item.contains_key(item::COLLISION_OF))
        .unwrap();
    assert_eq!(s(collision, item::COLLISION_OF), "EVENT#ack#delivered");
    assert!(s(collision, item::SK).starts_with(COLLISION_PREFIX));
    assert!(s(collision, item::RAW_BODY).contains("1678900099"));
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
    assert_documented_message_and_read_ack(&client, &table).await;
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
    let stored: Value = serde_json::from_str(&s(&events[0], item::RAW_BODY)).unwrap();
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
        s(&partition(&client, &table, pk).await[0], item::RAW_BODY),
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
    assert_eq!(s(&stored[0], item::RAW_BODY), body);
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
        .index_name(item::BY_PHONE_INDEX)
        .key_condition_expression("#phone_key = :p")
        .expression_attribute_names("#phone_key", item::PHONE_KEY)
        .expression_attribute_values(":p", AttributeValue::S("PHONE#79991234567".into()))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    let kinds: Vec<String> = newest_first.iter().map(|i| s(i, item::KIND)).collect();
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
    let message = partition(&client, &table, "MSG#botlinkd#10922#wamid.out1").await;
    assert_eq!(message.len(), 1);
    let acks = &message[0];
    assert!(
        acks.contains_key(&ack_attribute(AckStatus::Sent, AckField::Body))
            && acks.contains_key(&ack_attribute(AckStatus::Delivered, AckField::Body))
    );
    assert_eq!(
        status_of(&client, &table, "MSG#botlinkd#10922#wamid.out1")
            .await
            .as_deref(),
        Some("delivered")
    );
}
