//! Distinct events from the API Gateway v2 fixtures, and the DynamoDB requests the floor sends.
//!
//! Every event of a run gets its own ids (edna `payload.outMessageId` and `payload.requestId`,
//! BotLinkd `data.message_id`), so every write is a first delivery, never a duplicate.

use std::path::Path;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Map, Value};
use webhook_payload::{parse_event, EventRecord, Route};
use webhook_table::testing as item;

/// An API Gateway v2 event fixture, as JSON.
pub fn load_fixture(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A number that differs between runs (microseconds since the epoch), so that repeated runs
/// against the same table never write the same key twice.
pub fn run_nonce() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or_default()
}

/// `count` copies of `fixture`, each with distinct event ids, body, request id and
/// `content-length`. Works for the edna click and both BotLinkd fixtures.
pub fn distinct_events(fixture: &Value, nonce: u64, count: usize) -> Result<Vec<Value>, String> {
    let body_text = fixture["body"]
        .as_str()
        .ok_or("the fixture has no text body (base64 fixtures are not supported)")?;
    let body: Value =
        serde_json::from_str(body_text).map_err(|e| format!("fixture body is not JSON: {e}"))?;
    let mut events = Vec::with_capacity(count);
    for i in 0..count {
        let mut body = body.clone();
        if body.get("payload").is_some() {
            // edna Pulse click: the key is outMessageId + shortLink + timestamp.
            body["payload"]["outMessageId"] = json!(nonce * 10 + i as u64);
            body["payload"]["requestId"] = json!(format!("bench-{nonce}-{i}"));
        } else if body.get("data").is_some() {
            // BotLinkd message or ack: the key is instance_id + message_id.
            body["data"]["message_id"] = json!(format!("wamid.bench-{nonce}-{i}"));
        } else {
            return Err("unknown fixture body: neither edna (payload) nor BotLinkd (data)".into());
        }
        let text = serde_json::to_string_pretty(&body).expect("JSON values serialize") + "\n";
        let mut event = fixture.clone();
        if let Some(headers) = event["headers"].as_object_mut() {
            if headers.contains_key("content-length") {
                headers.insert("content-length".into(), json!(text.len().to_string()));
            }
        }
        event["requestContext"]["requestId"] = json!(format!("bench{nonce}x{i}="));
        event["body"] = json!(text);
        events.push(event);
    }
    Ok(events)
}

/// The route an API Gateway v2 event is sent to.
pub fn route_of(event: &Value) -> Option<Route> {
    Route::for_path(event["rawPath"].as_str()?)
}

/// The DynamoDB JSON protocol requests (target, body) the handler sends for `event`: one
/// conditional PutItem, whatever the event (acks too). Items come from the store's own schema code
/// (`webhook_table::testing`: the item module the store writes through), and every request asks
/// for `ReturnConsumedCapacity=INDEXES`, so the floor reports the write units it used.
pub fn dynamodb_requests(
    event: &Value,
    table: &str,
) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let route = route_of(event).ok_or("the fixture's rawPath is not a webhook route")?;
    let body = event["body"].as_str().ok_or("the event has no text body")?;
    let record = parse_event(route, body.as_bytes()).map_err(|e| e.to_string())?;
    Ok(vec![(
        "DynamoDB_20120810.PutItem",
        put_item(&record, table),
    )])
}

fn s(value: &str) -> Value {
    json!({ "S": value })
}

fn put_item(record: &EventRecord, table: &str) -> Vec<u8> {
    let mut item: Map<String, Value> = item::event_item(
        record,
        &item::record_key(record),
        &webhook_payload::utc_now(),
    )
    .into_iter()
    .map(|(name, value)| (name, attribute_json(&value)))
    .collect();
    item.insert(item::DELIVERY_ID.into(), s("bench-delivery"));
    json!({
        "TableName": table,
        "Item": item,
        "ConditionExpression": item::PUT_IF_ABSENT,
        "ExpressionAttributeNames": { "#pk": item::PK },
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        "ReturnConsumedCapacity": "INDEXES",
    })
    .to_string()
    .into_bytes()
}

/// An attribute value in DynamoDB's JSON protocol (the types event items use).
fn attribute_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::N(number) => json!({ "N": number }),
        AttributeValue::S(text) => json!({ "S": text }),
        other => json!({ "S": format!("{other:?}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/apigw")
            .join(name);
        load_fixture(&path).unwrap()
    }

    #[test]
    fn every_event_has_its_own_key_and_stays_valid() {
        for (name, writes) in [("click.json", 1), ("message.json", 1), ("ack.json", 1)] {
            let events = distinct_events(&fixture(name), 42, 3).unwrap();
            let mut keys = std::collections::BTreeSet::new();
            for event in &events {
                let route = route_of(event).unwrap();
                let body = event["body"].as_str().unwrap();
                let record = parse_event(route, body.as_bytes()).unwrap();
                let key = item::record_key(&record);
                keys.insert((key.pk, key.sk));
                assert_eq!(
                    event["headers"]["content-length"]
                        .as_str()
                        .map(str::to_owned),
                    event["headers"]
                        .get("content-length")
                        .map(|_| body.len().to_string()),
                );
                assert_eq!(
                    dynamodb_requests(event, "t").unwrap().len(),
                    writes,
                    "{name}"
                );
            }
            assert_eq!(keys.len(), 3, "{name}: keys must differ");
        }
    }
}
