//! What the opt-in events pipe publishes, with its filter, input template, detail type and time
//! read from `template.yaml` and run over the real stream records that DynamoDB Local writes
//! while the receivers store every kind of event, acks of every status, duplicates, collisions
//! and a quarantined body: exactly one event per newly stored event passes, and each is a JSON
//! object.

use aws_sdk_dynamodb::types::AttributeValue as TableValue;
use integration_tests::pattern::{at_path, matches_any};
use integration_tests::pipes::{pipes, published, stream_records_once, Pipe};
use integration_tests::table::acks_of;
use integration_tests::template::load_template;
use integration_tests::{
    fixture_event, fresh_table, local_client, payload, receiver, send, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_table::testing as item;

fn ack(message_id: &str, status: &str, timestamp: i64) -> String {
    json!({
        "event": "ack",
        "instance_id": "10922",
        "data": { "message_id": message_id, "status": status, "timestamp": timestamp }
    })
    .to_string()
}

#[tokio::test]
async fn the_pipe_publishes_each_new_event_once_and_nothing_else() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let clicks = receiver(&client, &table, Route::EdnaClicks);
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    let acks = receiver(&client, &table, Route::BotlinkdAcks);

    let click = fixture_event("click.json");
    let message = fixture_event("message.json");
    let message_body: Value = serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
    let message_id = message_body["data"]["message_id"].as_str().unwrap();
    // `read` before `delivered`: each ack is an item of its own, the late one too.
    let sent = ack(message_id, "sent", 1_678_900_010);
    let read = ack(message_id, "read", 1_678_900_030);
    let delivered = ack(message_id, "delivered", 1_678_900_020);
    // An unknown status: an item of its own like the others.
    let played = ack(message_id, "played", 1_678_900_040);
    // Another body for a message and status already stored: a collision, kept beside it.
    let read_again = ack(message_id, "read", 1_678_900_031);
    let mut other_body = message_body.clone();
    other_body["data"]["body"] = json!("Same message id, another text");
    let collision = with_body(message.clone(), &other_body.to_string());
    let quarantined = with_body(fixture_event("message.json"), "{\"event\":");

    let ack_event = |body: &str| with_body(fixture_event("ack.json"), body);
    let steps: Vec<(&_, Value, &str)> = vec![
        (&clicks, click.clone(), "stored"),
        (&messages, message.clone(), "stored"),
        (&acks, ack_event(&sent), "stored"),
        (&acks, ack_event(&read), "stored"),
        (&acks, ack_event(&delivered), "stored"),
        (&acks, ack_event(&played), "stored"),
        (&clicks, click.clone(), "duplicate"),
        (&messages, message.clone(), "duplicate"),
        (&acks, ack_event(&sent), "duplicate"),
        (&acks, ack_event(&read), "duplicate"),
        (&acks, ack_event(&delivered), "duplicate"),
        (&acks, ack_event(&played), "duplicate"),
        (&messages, collision, "stored"),
        (&acks, ack_event(&read_again), "stored"),
        (&messages, quarantined.clone(), "quarantined"),
        (&messages, quarantined, "quarantined"),
    ];
    for (receiver, event, outcome) in &steps {
        let (status, body) = send(*receiver, event).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "status": outcome }))
        );
    }
    // Deletions (as TTL and erase make them) are REMOVE records.
    let click_raw = click["body"].as_str().unwrap();
    let click_body: Value = serde_json::from_str(click_raw).unwrap();
    let click_record =
        webhook_payload::parse_event(Route::EdnaClicks, click_raw.as_bytes()).unwrap();
    let click_item = item::record_key(&click_record);
    client
        .delete_item()
        .table_name(&table)
        .key(item::PK, TableValue::S(click_item.pk.clone()))
        .key(item::SK, TableValue::S(click_item.sk.clone()))
        .send()
        .await
        .expect("delete the click");

    let template = load_template();
    let pipes = pipes(&template);
    // Six events published, and the deletion recorded.
    let records = stream_records_once(&table, |records| {
        records.iter().flat_map(|r| published(&pipes, r)).count() >= 6
            && records.iter().any(|r| r["eventName"] == "REMOVE")
    })
    .await;
    let kinds_seen = |prefix: &str| {
        records
            .iter()
            .filter(|r| {
                at_path(r, "$.dynamodb.Keys.sk.S")
                    .and_then(Value::as_str)
                    .is_some_and(|sk| sk.starts_with(prefix))
            })
            .count()
    };
    // The stream did carry what must not be published.
    assert!(
        kinds_seen("COLLISION#EVENT#message") >= 1,
        "a message collision"
    );
    assert!(
        kinds_seen("COLLISION#EVENT#ack#read#") >= 1,
        "an ack collision"
    );
    assert!(kinds_seen("QUARANTINE") >= 1, "a quarantine record");
    assert!(records.iter().any(|r| r["eventName"] == "REMOVE"));

    let events: Vec<(String, String, String, Value)> =
        records.iter().flat_map(|r| published(&pipes, r)).collect();
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|(pipe, detail_type, _, _)| (pipe.clone(), detail_type.clone()))
        .collect();
    let body = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let expected_details = [
        ("click", click_body.clone()),
        ("message", message_body.clone()),
        ("ack", body(&sent)),
        ("ack", body(&read)),
        ("ack", body(&delivered)),
        ("ack", body(&played)),
    ];
    assert_eq!(events.len(), expected_details.len(), "{summary:?}");
    for (detail_type, detail) in &expected_details {
        let found: Vec<_> = events
            .iter()
            .filter(|(_, t, _, d)| t == detail_type && d == detail)
            .collect();
        assert_eq!(found.len(), 1, "{detail_type} {detail}: {summary:?}");
    }
    // Each event's time is when it happened, as stored (occurred_at).
    for (pipe, _, time, _) in &events {
        assert!(
            time.ends_with('Z') && time.len() == "2023-03-15T17:06:40.000Z".len(),
            "{pipe}: {time}"
        );
    }
    let read_event = events
        .iter()
        .find(|(_, _, _, d)| d == &body(&read))
        .unwrap();
    assert_eq!(read_event.0, "EventsPipe");
    assert_eq!(read_event.2, "2023-03-15T17:07:10.000Z");
    assert!(
        events.iter().all(|(pipe, _, _, _)| pipe == "EventsPipe"),
        "{summary:?}"
    );
    // Every ack, the late `delivered` and the unknown `played` included, is an INSERT of an item
    // of its own under its message.
    let pk = format!("MSG#botlinkd#10922#{message_id}");
    let ack_inserts: Vec<&str> = records
        .iter()
        .filter(|r| r["eventName"] == "INSERT")
        .filter(|r| at_path(r, "$.dynamodb.Keys.pk.S").and_then(Value::as_str) == Some(&pk))
        .filter_map(|r| at_path(r, "$.dynamodb.Keys.sk.S").and_then(Value::as_str))
        .filter(|sk| sk.starts_with("EVENT#ack#"))
        .collect();
    let mut ack_inserts = ack_inserts;
    ack_inserts.sort_unstable();
    assert_eq!(
        ack_inserts,
        [
            "EVENT#ack#delivered",
            "EVENT#ack#played",
            "EVENT#ack#read",
            "EVENT#ack#sent"
        ]
    );
    assert_eq!(acks_of(&client, &table, &pk).await.len(), 4);
    assert!(
        records.iter().all(|r| r["eventName"] != "MODIFY"),
        "no write changes an item"
    );

    // The INSERT clause is what keeps the deletion (a REMOVE under the click's key) from passing.
    let any_change: Vec<Pipe> = pipes
        .iter()
        .map(|pipe| {
            let mut pipe = pipe.clone();
            for filter in &mut pipe.filters {
                filter
                    .as_object_mut()
                    .expect("a pattern is an object")
                    .remove("eventName");
            }
            pipe
        })
        .collect();
    let passing = |pipes: &[Pipe]| {
        records
            .iter()
            .filter(|r| pipes.iter().any(|pipe| matches_any(&pipe.filters, r)))
            .count()
    };
    assert_eq!(passing(&pipes), events.len());
    assert_eq!(passing(&any_change), events.len() + 1);

    // docs/events.md's rule for "every inbound text message" matches the message event, as
    // EventBridge would see it, and nothing else.
    let rule = json!({
        "source": [{ "prefix": "whatsapp-webhooks/" }],
        "detail-type": ["message"],
        "detail": { "data": { "type": ["text"] } }
    });
    let on_bus: Vec<Value> = events
        .iter()
        .map(|(_, detail_type, _, detail)| {
            json!({ "source": "whatsapp-webhooks/stack", "detail-type": detail_type, "detail": detail })
        })
        .collect();
    let texts: Vec<&Value> = on_bus
        .iter()
        .filter(|e| matches_any(std::slice::from_ref(&rule), e))
        .collect();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["detail"], message_body);
}

#[tokio::test]
async fn edna_events_are_published_as_objects_and_unmodelled_events_are_not() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let edna = receiver(&client, &table, Route::EdnaEvents);
    let botlinkd = receiver(&client, &table, Route::BotlinkdEvents);
    let on_edna = |body: &str| with_body(fixture_event("click.json"), body);
    let status =
        |name: &str| payload("edna-status.json").replace("\"DELIVERED\"", &format!("\"{name}\""));
    let message = payload("edna-message.json");
    let template_status = payload("edna-template-status.json");
    let presence = payload("botlinkd-ack.json").replace("\"ack\"", "\"presence\"");
    let steps = [
        (&edna, on_edna(&payload("edna-click.json"))),
        (&edna, on_edna(&status("READ"))),
        (&edna, on_edna(&status("SENT"))),
        (&edna, on_edna(&status("DELIVERED"))),
        (&edna, on_edna(&message)),
        (&edna, on_edna(&template_status)),
        (
            &botlinkd,
            with_body(fixture_event("events-ack.json"), &presence),
        ),
    ];
    for (receiver, event) in &steps {
        let (code, answer) = send(*receiver, event).await;
        assert_eq!(
            (code, answer),
            (StatusCode::OK, json!({ "status": "stored" }))
        );
    }

    let pipes = pipes(&load_template());
    // Five events published (click, three statuses, message), and the last write recorded.
    let records = stream_records_once(&table, |records| {
        records.iter().flat_map(|r| published(&pipes, r)).count() >= 5
            && records.iter().any(|r| {
                at_path(r, "$.dynamodb.Keys.pk.S")
                    .and_then(Value::as_str)
                    .is_some_and(|pk| pk.starts_with("UNMODELLED#botlinkd#"))
            })
    })
    .await;
    let events: Vec<(String, String, String, Value)> =
        records.iter().flat_map(|r| published(&pipes, r)).collect();
    let summary: Vec<(&str, &str)> = events
        .iter()
        .map(|(pipe, detail_type, _, _)| (pipe.as_str(), detail_type.as_str()))
        .collect();
    let body = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let expected = [
        ("EventsPipe", "click", body(&payload("edna-click.json"))),
        ("EventsPipe", "ack", body(&status("READ"))),
        ("EventsPipe", "ack", body(&status("SENT"))),
        ("EventsPipe", "ack", body(&status("DELIVERED"))),
        ("EventsPipe", "message", body(&message)),
    ];
    assert_eq!(events.len(), expected.len(), "{summary:?}");
    for (pipe, detail_type, detail) in &expected {
        let found = events
            .iter()
            .filter(|(p, t, _, d)| p == pipe && t == detail_type && d == detail)
            .count();
        assert_eq!(found, 1, "{pipe} {detail_type}: {summary:?}");
    }
    // EventBridge takes only a JSON object as a detail: an edna template-status array on the bus
    // would fail into the dead-letter queue every time.
    assert!(
        events.iter().all(|(_, _, _, detail)| detail.is_object()),
        "{summary:?}"
    );
    assert!(
        body(&template_status).is_array(),
        "the fixture is the array edna documents"
    );
    // Without the pipe's kind prefixes, both unmodelled events would have been published.
    let every_event_item: Vec<Pipe> = pipes
        .iter()
        .map(|pipe| {
            let mut pipe = pipe.clone();
            for filter in &mut pipe.filters {
                if let Some(sk) = filter.pointer_mut("/dynamodb/Keys/sk/S") {
                    *sk = json!([{ "prefix": "EVENT#" }]);
                }
            }
            pipe
        })
        .collect();
    let unfiltered = records
        .iter()
        .flat_map(|r| published(&every_event_item, r))
        .count();
    assert_eq!(unfiltered, expected.len() + 2);
}
