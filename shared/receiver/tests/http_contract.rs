//! Every status code of the HTTP contract, through real API Gateway v2 fixtures and the real
//! handler, writing to the in-memory store so that each test asserts exactly what was written.
//! (What DynamoDB itself does with those writes is proven in storage.rs, acks.rs and
//! quarantine.rs.)

use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_receiver::testing::{
    fixture_event, memory_receiver, payload, request, send, with_body, BOTLINKD_TOKEN, EDNA_KEY,
};
use webhook_receiver::{Receiver, MAX_BODY_BYTES};
use webhook_table::testing::{self as item, Item};
use webhook_table::MemoryStore;

/// A receiver for `route` whose store must stay untouched.
fn offline(route: Route) -> Receiver<MemoryStore> {
    memory_receiver(route)
}

fn quarantined_items(receiver: &Receiver<MemoryStore>) -> Vec<Item> {
    receiver
        .store()
        .items()
        .into_iter()
        .filter(|i| item::text(i, item::KIND) == Some(item::KIND_QUARANTINE))
        .collect()
}

fn error_of(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no JSON error in {body}"))
}

#[path = "http_contract/refusals.rs"]
mod refusals;

#[tokio::test]
async fn head_on_the_click_route_is_200_with_no_body_and_needs_no_key() {
    let (status, body) = send(
        &offline(Route::EdnaClicks),
        &fixture_event("click-head.json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, Value::Null);
    // With a key, right or wrong, the URL check still passes and writes nothing.
    for key in [EDNA_KEY, "not-the-key"] {
        let mut head = fixture_event("click-head.json");
        head["headers"]["x-api-key"] = json!(key);
        let receiver = offline(Route::EdnaClicks);
        assert_eq!(send(&receiver, &head).await, (StatusCode::OK, Value::Null));
        assert_eq!(receiver.store().write_attempts(), 0);
    }
}

#[tokio::test]
async fn a_200_says_in_json_what_became_of_the_body() {
    let receiver = offline(Route::EdnaClicks);
    let click = fixture_event("click.json");
    let broken = with_body(fixture_event("click.json"), "not json");
    for (event, said) in [
        (&click, "stored"),
        (&click, "duplicate"),
        (&broken, "quarantined"),
        (&broken, "quarantined"),
    ] {
        let response = receiver.respond(request(event)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(body, json!({ "status": said }));
    }
}

#[tokio::test]
async fn json_declared_as_another_content_type_is_stored() {
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let mut event = fixture_event("click.json");
        event["headers"]["content-type"] = json!(content_type);
        let receiver = offline(Route::EdnaClicks);
        let (status, body) = send(&receiver, &event).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"status": "stored"})),
            "{content_type}"
        );
        assert_eq!(receiver.store().items().len(), 1);
    }
}

#[tokio::test]
async fn bodies_that_cannot_become_events_are_quarantined_raw_with_reason_and_field() {
    let cases = [
        (
            "click.json",
            Route::EdnaClicks,
            "{\"type\":",
            "malformed_json",
            None,
        ),
        ("click.json", Route::EdnaClicks, "", "malformed_json", None),
        (
            "click.json",
            Route::EdnaClicks,
            "[1,2",
            "malformed_json",
            None,
        ),
        (
            "click.json",
            Route::EdnaClicks,
            r#"{"type":"short_link_visited","version":"v1","timestamp":"2025-08-10T12:32:56Z"}"#,
            "missing_field",
            Some("payload"),
        ),
        (
            "message.json",
            Route::BotlinkdMessages,
            r#"{"event":"message","instance_id":"1","data":{"from":"4471","to":"1555","type":"text","message_id":"m","timestamp":"yesterday"}}"#,
            "invalid_field",
            Some("data.timestamp"),
        ),
        (
            "events-ack.json",
            Route::BotlinkdEvents,
            r#"[{"event":"presence","instance_id":"1","data":{}}]"#,
            "malformed_json",
            None,
        ),
    ];
    for (fixture, route, body_text, reason, field) in cases {
        let receiver = offline(route);
        let event = with_body(fixture_event(fixture), body_text);
        for _ in 0..2 {
            let (status, body) = send(&receiver, &event).await;
            assert_eq!(
                (status, body),
                (StatusCode::OK, json!({"status": "quarantined"})),
                "{body_text}"
            );
        }
        let items = receiver.store().items();
        assert_eq!(
            items.len(),
            1,
            "one item for a body delivered twice: {body_text}"
        );
        let quarantined = &items[0];
        assert_eq!(
            item::raw_body_of(quarantined),
            Some(body_text.as_bytes().to_vec())
        );
        assert_eq!(
            item::text(quarantined, item::REASON),
            Some(reason),
            "{body_text}"
        );
        assert_eq!(item::text(quarantined, item::FIELD), field, "{body_text}");
        assert_eq!(item::text(quarantined, item::ROUTE), Some(route.path()));
    }
}

#[tokio::test]
async fn every_botlinkd_route_stores_both_kinds_and_the_other_provider_is_quarantined() {
    for (fixture, route) in [
        ("ack.json", Route::BotlinkdAcks),
        ("message.json", Route::BotlinkdMessages),
        ("events-ack.json", Route::BotlinkdEvents),
    ] {
        let receiver = offline(route);
        let own = ["botlinkd-message.json", "botlinkd-ack.json"];
        assert_stores_own_kinds_and_quarantines(&receiver, fixture, &own, "edna-click.json").await;
    }
}

/// Sends each provider payload of `own` in the API Gateway fixture `fixture`: each is stored,
/// nothing is quarantined. Then `other`, the other provider's: it is quarantined, the one
/// quarantine item, as `wrong_provider`.
async fn assert_stores_own_kinds_and_quarantines(
    receiver: &Receiver<MemoryStore>,
    fixture: &str,
    own: &[&str],
    other: &str,
) {
    for name in own {
        let (status, body) =
            send(receiver, &with_body(fixture_event(fixture), &payload(name))).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"status": "stored"})),
            "{name} in {fixture}"
        );
    }
    assert!(quarantined_items(receiver).is_empty(), "{fixture}");
    let (status, body) = send(
        receiver,
        &with_body(fixture_event(fixture), &payload(other)),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"status": "quarantined"})),
        "{other} in {fixture}"
    );
    assert_eq!(quarantined_items(receiver).len(), 1);
    let reason = item::text(&quarantined_items(receiver)[0], item::REASON).map(str::to_owned);
    assert_eq!(reason.as_deref(), Some("wrong_provider"));
}

#[tokio::test]
async fn failing_storage_is_503_with_retry_after_for_events_and_quarantine_alike() {
    let receiver = offline(Route::EdnaClicks);
    receiver.store().set_failing(true);
    let (status, _) = send(
        &receiver,
        &with_body(fixture_event("click.json"), "not json"),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let response = receiver
        .respond(request(&fixture_event("click.json")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
    assert!(error_of(&body).contains("retry"));
}

#[tokio::test]
async fn every_edna_route_answers_edna_s_head_check_and_stores_each_edna_kind_flagging_a_wrong_route(
) {
    for (route, fixture) in [
        (Route::EdnaClicks, "click.json"),
        (Route::EdnaStatuses, "edna-status.json"),
        (Route::EdnaMessages, "edna-message.json"),
        (Route::EdnaEvents, "edna-events-status.json"),
    ] {
        let receiver = offline(route);
        let mut head = fixture_event(fixture);
        head["requestContext"]["http"]["method"] = json!("HEAD");
        head["headers"].as_object_mut().unwrap().remove("x-api-key");
        let (status, body) = send(&receiver, &head).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, Value::Null),
            "HEAD {route}"
        );
        assert_eq!(receiver.store().write_attempts(), 0, "HEAD {route}");
        let mut get = fixture_event(fixture);
        get["requestContext"]["http"]["method"] = json!("GET");
        let response = receiver.respond(request(&get)).await.unwrap();
        assert_eq!(response.headers()["allow"], "POST, HEAD", "{route}");
        // Every edna kind is stored on every edna route (edna allows one URL for all), and
        // BotLinkd's bodies are the other provider's.
        let own = ["edna-click.json", "edna-status.json", "edna-message.json"];
        assert_stores_own_kinds_and_quarantines(&receiver, fixture, &own, "botlinkd-ack.json")
            .await;
    }
}

#[tokio::test]
async fn a_body_that_repeats_a_key_is_a_duplicate_only_of_its_own_bytes() {
    let receiver = offline(Route::BotlinkdMessages);
    let message = payload("botlinkd-message.json");
    // The same message with an unknown field given twice: which value counts is the reader's
    // choice, so it is not the documented body, whatever a last-key-wins parser would say.
    let repeated = message.replacen("\"data\": {", "\"data\": {\"x\": 1, \"x\": 2,", 1);
    assert_ne!(repeated, message);
    let with_x = message.replacen("\"data\": {", "\"data\": {\"x\": 2,", 1);
    for (body, expected) in [
        (&with_x, "stored"),
        (&repeated, "stored"),
        (&repeated, "duplicate"),
    ] {
        let event = with_body(fixture_event("message.json"), body);
        let (status, answer) = send(&receiver, &event).await;
        assert_eq!(
            (status, answer),
            (StatusCode::OK, json!({ "status": expected }))
        );
    }
    let items = receiver.store().items();
    assert!(
        items
            .iter()
            .any(|i| item::holds_body(i, repeated.as_bytes())),
        "its own bytes are kept"
    );
}
