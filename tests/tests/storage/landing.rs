//! What lands: each documented event, acks included, with its raw body in one write, a base64
//! body as the same event, both kinds through the combined route, non-text messages, and a message
//! and an ack at the 256 KiB cap with every field; and refused requests write nothing.

use integration_tests::table::{
    assert_documented_message_and_read_ack, events_of, item_count, status_of,
};
use integration_tests::{
    fixture_event, fresh_table, local_client, payload, receiver, send, text_attr as s, with_body,
    Item,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::{parse_event, Route};
use webhook_receiver::MAX_BODY_BYTES;
use webhook_table::testing::{self as item, record_key};

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
        // An ack is an event like the others: an item of its own under its message.
        ("ack.json", Route::BotlinkdAcks, "botlinkd-ack.json"),
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
            expected.phone().and_then(item::phone_key)
        );
    }
    let raw = payload("botlinkd-ack.json");
    let ack = parse_event(Route::BotlinkdAcks, raw.as_bytes()).unwrap();
    let key = record_key(&ack);
    assert_eq!(key.sk, "EVENT#ack#read");
    // The message's status, derived from the ack where it is read.
    assert_eq!(
        status_of(&client, &table, &key.pk).await.as_deref(),
        Some("read")
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

    // An ack at the cap is no different: one item of its own with its whole body.
    let mut ack: Value = serde_json::from_str(&payload("botlinkd-ack.json")).unwrap();
    ack["data"]["note"] = json!("");
    let room = MAX_BODY_BYTES - ack.to_string().len();
    ack["data"]["note"] = json!("n".repeat(room));
    let ack = ack.to_string();
    assert_eq!(ack.len(), MAX_BODY_BYTES);
    let (status, answer) = send(
        &receiver(&client, &table, Route::BotlinkdAcks),
        &with_body(fixture_event("ack.json"), &ack),
    )
    .await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({ "status": "stored" }))
    );
    let stored = events_of(&client, &table, "MSG#botlinkd#10922#wamid.HBgLM...").await;
    let keys: Vec<String> = stored.iter().map(|i| s(i, item::SK)).collect();
    assert_eq!(keys, ["EVENT#ack#read", "EVENT#message"]);
    assert_eq!(s(&stored[0], item::RAW_BODY), ack);
    assert_eq!(s(&stored[0], item::KIND), "ack");
}
