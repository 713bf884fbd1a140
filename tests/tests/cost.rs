//! What each event costs, measured: write calls, and the write units DynamoDB Local reports for
//! them (`ReturnConsumedCapacity=INDEXES`, table plus index). The budgets are the floor a lean
//! item layout reaches: every ack or status, of either provider, is one call and one unit (an item
//! of its own); a click or a message is one call and at most two units (its item, and its
//! `by_phone` entry). Realistic sizes are checked too: a click with a 200-character URL, a
//! 200-character text message, the acks of a message with a real-length WhatsApp message id,
//! and edna statuses as a campaign sends them (a UUID request and stage, a 32-character
//! conversation id, an error and a comment).

use integration_tests::{fixture_event, fresh_table, local_client, receiver, send, with_body};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;

/// A WhatsApp message id of real length (`wamid.` + 56 base64 characters).
const WAMID: &str = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSMzI1RkU0MjZDMTc3NjYzRkE2AA==";

/// Sends `event` through a fresh receiver of `route` and returns (calls, units) of its writes.
async fn cost_of(route: Route, event: &Value, table: &str) -> (u64, f64) {
    let client = local_client();
    let receiver = receiver(&client, table, route);
    let (status, body) = send(&receiver, event).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "stored" }))
    );
    (
        receiver.store().usage().calls(),
        receiver.store().usage().units(),
    )
}

fn body_of(fixture: &str) -> Value {
    serde_json::from_str(fixture_event(fixture)["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn documented_and_realistic_events_cost_one_call_and_at_most_their_budget_of_units() {
    let table = fresh_table(&local_client()).await;
    let mut report = Vec::new();

    for (fixture, route, budget) in [
        ("click.json", Route::EdnaClicks, 2.0),
        ("message.json", Route::BotlinkdMessages, 2.0),
        ("ack.json", Route::BotlinkdAcks, 1.0),
        ("edna-status.json", Route::EdnaStatuses, 1.0),
        ("edna-message.json", Route::EdnaMessages, 2.0),
    ] {
        let (calls, units) = cost_of(route, &fixture_event(fixture), &table).await;
        report.push(format!("documented {fixture}: {calls} call, {units} WRU"));
        assert_eq!(calls, 1, "{fixture}");
        assert!(units > 0.0, "{fixture}: DynamoDB reported no units");
        assert!(units <= budget, "{fixture}: {units} write units > {budget}");
    }

    let mut click = body_of("click.json");
    click["payload"]["outMessageId"] = json!(987654321);
    click["payload"]["url"] = json!(format!("https://shop.example.com/{}", "u".repeat(175)));
    assert_eq!(click["payload"]["url"].as_str().unwrap().len(), 200);
    let event = with_body(fixture_event("click.json"), &click.to_string());
    let (calls, units) = cost_of(Route::EdnaClicks, &event, &table).await;
    report.push(format!(
        "click, 200-character URL: {calls} call, {units} WRU"
    ));
    assert_eq!((calls, units <= 2.0), (1, true), "{units}");

    let mut message = body_of("message.json");
    message["data"]["message_id"] = json!(WAMID);
    message["data"]["body"] = json!("m".repeat(200));
    let event = with_body(fixture_event("message.json"), &message.to_string());
    let (calls, units) = cost_of(Route::BotlinkdMessages, &event, &table).await;
    report.push(format!(
        "message, 200 characters: {calls} call, {units} WRU"
    ));
    assert_eq!((calls, units <= 2.0), (1, true), "{units}");

    // Each ack is an item of its own: the third costs what the first did, whatever came before.
    for (status, at) in [
        ("sent", 1678900001),
        ("read", 1678900003),
        ("delivered", 1678900002),
        ("failed", 1678900004),
    ] {
        let ack = json!({
            "event": "ack", "instance_id": "10922",
            "data": { "message_id": WAMID, "status": status, "timestamp": at }
        });
        let event = with_body(fixture_event("ack.json"), &ack.to_string());
        let (calls, units) = cost_of(Route::BotlinkdAcks, &event, &table).await;
        report.push(format!(
            "ack {status}, real-length message id: {calls} call, {units} WRU"
        ));
        assert_eq!((calls, units), (1, 1.0), "{status}");
    }
    // edna's statuses of one message as a campaign sends them, out of order: ~3 times BotLinkd's
    // ack (paymentData and the cascade's fields), each still one call and one unit.
    let mut status = body_of("edna-status.json");
    status["messageId"] = json!(123456789);
    status["requestId"] = json!("3f8e2a7c-5b1d-4e9a-8c6f-1a2b3c4d5e6f");
    status["cascadeStageUUID"] = json!("9b2d6c1e-7f3a-4d8b-a5e0-6c7d8e9f0a1b");
    status["subject"] = json!("shop_whatsapp_main_sender");
    status["paymentData"]["conversationId"] = json!("8f3c1d9e2b7a4c6f9e1d3b5a7c9e2f4d");
    status["comment"] = json!("autumn-sale-2026 / segment B / wave 3");
    for (name, at, error) in [
        ("SENT", "2025-01-30T11:07:50Z", None),
        ("READ", "2025-01-30T11:09:00Z", None),
        ("DELIVERED", "2025-01-30T11:07:55Z", None),
        (
            "UNDELIVERED",
            "2025-01-30T11:10:00Z",
            Some("error-subscriber-unavailable"),
        ),
    ] {
        status["status"] = json!(name);
        status["statusAt"] = json!(at);
        status["error"] = json!(error);
        let event = with_body(fixture_event("edna-status.json"), &status.to_string());
        let (calls, units) = cost_of(Route::EdnaStatuses, &event, &table).await;
        report.push(format!(
            "edna status {name}, {} bytes: {calls} call, {units} WRU",
            status.to_string().len()
        ));
        assert_eq!((calls, units), (1, 1.0), "{name}");
    }
    println!("cost per event:\n  {}", report.join("\n  "));
}
