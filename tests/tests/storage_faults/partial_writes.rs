//! Writes that half happened: an ack is one write, an ack whose write failed lands once on the
//! provider's retry, a write whose answer was lost is stored once, and a success that came after
//! the 503 is not a second record.

use std::time::Duration;

use integration_tests::stub::{client_for_stub, Action, Behaviour, Stub, PUT_ITEM};
use integration_tests::{
    fixture_event, fixture_of, fresh_table, local_client, partition, receiver, send,
    text_attr as s, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::json;
use webhook_payload::{parse_event, Route};
use webhook_table::testing::{self as item, record_key};

use super::{assert_503, pk_of, stored, timed_send, ROUTES};

#[tokio::test]
async fn an_ack_is_one_write_so_a_crash_cannot_fall_between_two() {
    let stub = Stub::start(Behaviour::always(Action::Error(500, "InternalServerError"))).await;
    let handler = receiver(
        &client_for_stub(&stub.endpoint, "one-write"),
        "events",
        Route::BotlinkdAcks,
    );
    let answer = timed_send(&handler, &fixture_event("ack.json")).await;
    assert_503(&answer, "failing PutItem");
    assert!(stub.count(PUT_ITEM) >= 1);
    assert_eq!(
        stub.total(),
        stub.count(PUT_ITEM),
        "a PutItem and nothing else"
    );
}

#[tokio::test]
async fn an_ack_retried_after_a_storage_fault_lands_once() {
    // DynamoDB fails every attempt of the ack's write: nothing is stored and the answer is a 503,
    // so BotLinkd retries.
    let local = local_client();
    let table = fresh_table(&local).await;
    let stub = Stub::start(
        Behaviour::always(Action::Forward).on(PUT_ITEM, Action::Error(500, "InternalServerError")),
    )
    .await;
    let faulty = receiver(
        &client_for_stub(&stub.endpoint, "ack-fault"),
        &table,
        Route::BotlinkdAcks,
    );
    let event = fixture_event("ack.json");
    let pk = pk_of(Route::BotlinkdAcks, &event);

    let answer = timed_send(&faulty, &event).await;
    assert_503(&answer, "PutItem failing");
    assert!(stub.count(PUT_ITEM) >= 2, "the SDK retried the write");
    assert_eq!(stub.total(), stub.count(PUT_ITEM), "one kind of write only");
    assert_eq!(
        stored(&local, &table, &pk).await,
        (0, None),
        "nothing stored"
    );

    // BotLinkd retries the same ack; DynamoDB is healthy again: stored once, and its retry is a
    // duplicate.
    let healthy = receiver(&local, &table, Route::BotlinkdAcks);
    for expected in ["stored", "duplicate"] {
        let (status, body) = send(&healthy, &event).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "status": expected }))
        );
        assert_eq!(
            stored(&local, &table, &pk).await,
            (1, Some("read".to_owned())),
            "one event, and the status the ack reported"
        );
    }
}

#[tokio::test]
async fn a_put_whose_answer_was_lost_is_stored_once_and_answered_200() {
    // DynamoDB wrote the item but the answer never arrived: the SDK retries the PutItem, which
    // finds its own item (same delivery_id) and reports it as stored, not as a failure nor as
    // another delivery's duplicate.
    let local = local_client();
    let table = fresh_table(&local).await;
    for route in ROUTES {
        let write = PUT_ITEM;
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
        let items = partition(&local, &table, &key.pk).await;
        let same_key: Vec<_> = items
            .iter()
            .filter(|i| s(i, item::SK).starts_with(&key.sk))
            .collect();
        assert_eq!(same_key.len(), 1, "{route}: exactly one record");
        assert!(
            items.iter().all(|i| !i.contains_key(item::COLLISION_OF)),
            "{route}: no collision with itself"
        );
        assert_eq!(s(same_key[0], item::BODY_SHA256), record.body_sha256);
    }
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
