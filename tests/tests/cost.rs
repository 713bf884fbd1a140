//! What each event costs, measured: write calls, and the write units DynamoDB Local reports for
//! them (`ReturnConsumedCapacity=INDEXES`, table plus index). The budgets are the floor a lean
//! item layout reaches: an ack is one call and one unit; a click or a message is one call and
//! at most two units (its item, and its `by_phone` entry), for both providers. Realistic sizes are checked too: a
//! click with a 200-character URL, a 200-character text message, and the three acks of a
//! message with a real-length WhatsApp message id.

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

    // The acks of one message all go to its status item: the last one writes the fullest item.
    for (status, at) in [
        ("sent", 1678900001),
        ("delivered", 1678900002),
        ("read", 1678900003),
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
    // edna's statuses of one message, the same way: one call each. edna's status body is ~3 times
    // BotLinkd's ack (paymentData and the cascade's fields), so once the status item holds two of
    // them it passes 1 KB and a status write costs 2 units.
    let mut status = body_of("edna-status.json");
    for (name, at) in [
        ("SENT", "2025-01-30T11:07:50Z"),
        ("DELIVERED", "2025-01-30T11:07:55Z"),
        ("READ", "2025-01-30T11:09:00Z"),
    ] {
        status["messageId"] = json!(123456789);
        status["status"] = json!(name);
        status["statusAt"] = json!(at);
        let event = with_body(fixture_event("edna-status.json"), &status.to_string());
        let (calls, units) = cost_of(Route::EdnaStatuses, &event, &table).await;
        report.push(format!("edna status {name}: {calls} call, {units} WRU"));
        let budget = if name == "SENT" { 1.0 } else { 2.0 };
        assert_eq!((calls, units <= budget), (1, true), "{name}: {units}");
    }
    println!("cost per event:\n  {}", report.join("\n  "));
}
