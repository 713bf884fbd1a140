//! One record per event: retries, concurrent deliveries and re-serialised bodies are duplicates,
//! never a second record; a second body under a taken key is kept as a collision, outside the
//! message's events and the phone timeline.

use std::sync::Arc;

use integration_tests::table::{acks_of, by_phone, events_of, item_count};
use integration_tests::{
    ack_event, fixture_event, fresh_table, local_client, partition, payload, receiver, send,
    text_attr as s, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_table::testing::{self as item, COLLISION_PREFIX};

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
    // One click, and one ack item.
    assert_eq!(item_count(&client, &table).await, 2);
    let pk = "MSG#botlinkd#10922#wamid.HBgLM...";
    assert_eq!(acks_of(&client, &table, pk).await.len(), 1);
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
    assert_eq!(items.len(), 2, "the ack and the collision");
    // The first ack is the message's event; the other body sits beside it, outside EVENT#.
    let events = events_of(&client, &table, "MSG#botlinkd#10922#wamid.c").await;
    assert_eq!(events.len(), 1);
    assert_eq!(s(&events[0], item::SK), "EVENT#ack#delivered");
    assert!(s(&events[0], item::RAW_BODY).contains("1678900000"));
    let collision = items
        .iter()
        .find(|item| item.contains_key(item::COLLISION_OF))
        .unwrap();
    assert_eq!(s(collision, item::COLLISION_OF), "EVENT#ack#delivered");
    assert!(s(collision, item::SK).starts_with(COLLISION_PREFIX));
    assert!(s(collision, item::SK).starts_with("COLLISION#EVENT#ack#delivered#"));
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
