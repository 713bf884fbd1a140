//! The request's one log line, through the real handler and the in-memory store: what it says for
//! each outcome (its metrics included), what it never says, and what it costs in bytes.
//! Also the handler's side of two failure modes a real deployment used to hide: edna's key under
//! any header, and provider events this code does not model.

use std::sync::{Arc, Mutex};

use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::{Function, Route};
use webhook_receiver::testing::{
    fixture_event, payload, send, test_config, with_body, BOTLINKD_TOKEN, EDNA_KEY,
};
use webhook_receiver::{LineSink, Receiver, MAX_BODY_BYTES};
use webhook_table::testing::{self as item, Item};
use webhook_table::{FaultCause, MemoryStore};

/// The namespace a stack deployed under the default name writes to.
const NAMESPACE: &str = "WhatsAppWebhooks/whatsapp-webhooks";
/// The most a stored or duplicate event may write to the log (issue "Logs cost what they must").
const EVENT_LINE_BUDGET: usize = 350;
/// The most any other request may write: refusals and faults carry more.
const OTHER_LINE_BUDGET: usize = 500;

/// A receiver wired like the function that serves `route`, logging into a buffer.
fn receiver(route: Route) -> (Receiver<MemoryStore>, Arc<Mutex<Vec<u8>>>) {
    let mut config = test_config(route);
    config.metrics_namespace = NAMESPACE.to_owned();
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let receiver = Receiver::new(
        MemoryStore::new(),
        config,
        Function::serving(route).routes(),
    )
    .with_lines(LineSink::Buffer(buffer.clone()));
    (receiver, buffer)
}

/// The lines written so far, each parsed, and the buffer emptied.
fn take_lines(buffer: &Mutex<Vec<u8>>) -> Vec<(usize, Value)> {
    let text = String::from_utf8(std::mem::take(&mut *buffer.lock().unwrap())).unwrap();
    text.lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            // The bytes CloudWatch Logs ingests: the line and its newline.
            (line.len() + 1, value)
        })
        .collect()
}

/// Sends `event` once and returns its status, response body and its one log line.
async fn one(
    receiver: &Receiver<MemoryStore>,
    buffer: &Mutex<Vec<u8>>,
    event: &Value,
) -> (StatusCode, Value, usize, Value) {
    let (status, body) = send(receiver, event).await;
    let mut lines = take_lines(buffer);
    assert_eq!(lines.len(), 1, "one line per request: {lines:?}");
    let (bytes, line) = lines.remove(0);
    (status, body, bytes, line)
}

/// Sends `event` once and checks its answer and its one line: the status, the line within
/// `budget` bytes, and the `Outcome` it names. Returns the line.
async fn checked_line(
    receiver: &Receiver<MemoryStore>,
    buffer: &Mutex<Vec<u8>>,
    event: &Value,
    (status, outcome): (u16, &str),
    budget: usize,
) -> Value {
    let (answer, _, bytes, line) = one(receiver, buffer, event).await;
    println!("{outcome}, {bytes} B: {line}");
    assert_eq!(answer.as_u16(), status, "{line}");
    assert!(bytes <= budget, "{bytes} B: {line}");
    assert_eq!(line["Outcome"], outcome);
    line
}

/// The metric directive of a line: (dimension sets, metric names).
fn directive(line: &Value) -> (Value, Vec<String>) {
    let directives = line["_aws"]["CloudWatchMetrics"].as_array().expect("EMF");
    assert_eq!(directives.len(), 1, "{line}");
    assert_eq!(directives[0]["Namespace"], NAMESPACE);
    assert!(line["_aws"]["Timestamp"].as_u64().is_some());
    let names = directives[0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap().to_owned())
        .collect();
    (directives[0]["Dimensions"].clone(), names)
}

fn kinds(receiver: &Receiver<MemoryStore>) -> Vec<String> {
    receiver
        .store()
        .items()
        .iter()
        .filter_map(|i| item::text(i, item::KIND).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_stored_event_is_one_line_within_budget_counting_its_lag_by_provider_and_kind() {
    for (route, fixture, name, provider, kind) in [
        (
            Route::EdnaClicks,
            "click.json",
            "edna-click.json",
            "edna",
            "click",
        ),
        (
            Route::BotlinkdMessages,
            "message.json",
            "botlinkd-message.json",
            "botlinkd",
            "message",
        ),
        (
            Route::BotlinkdAcks,
            "ack.json",
            "botlinkd-ack.json",
            "botlinkd",
            "ack",
        ),
    ] {
        let (receiver, buffer) = receiver(route);
        let event = with_body(fixture_event(fixture), &payload(name));
        let stored = (200, "stored");
        let line = checked_line(&receiver, &buffer, &event, stored, EVENT_LINE_BUDGET).await;
        assert_eq!(
            (line["Provider"].as_str(), line["Kind"].as_str()),
            (Some(provider), Some(kind))
        );
        assert!(
            line["DeliveryLag"].as_f64().is_some_and(|lag| lag > 0.0),
            "{line}"
        );
        assert_eq!(line["req"], "JqZ9Vh2ZliAEMfA=", "API Gateway's request id");
        assert!(line.get("level").is_none(), "INFO is the default: {line}");
        let (dimensions, metrics) = directive(&line);
        assert_eq!(dimensions, json!([["Provider", "Kind"]]));
        assert_eq!(metrics, ["DeliveryLag"]);
        assert!(
            line.get("Requests").is_none(),
            "stored is counted by the lag's samples"
        );

        // A retry: one line, within budget, counted as a duplicate request.
        let duplicate = (200, "duplicate");
        let line = checked_line(&receiver, &buffer, &event, duplicate, EVENT_LINE_BUDGET).await;
        assert_eq!(
            directive(&line),
            (json!([["Outcome"]]), vec!["Requests".to_owned()])
        );
    }
}

#[tokio::test]
async fn refusals_and_faults_are_one_line_each_naming_their_reason_within_budget() {
    let (clicks, buffer) = receiver(Route::EdnaClicks);
    let mut no_key = fixture_event("click.json");
    no_key["headers"]["x-api-key"] = json!("wrong");
    let mut unknown = fixture_event("click.json");
    unknown["rawPath"] = json!("/edna/other");
    let mut method = fixture_event("click.json");
    method["requestContext"]["http"]["method"] = json!("GET");
    let too_large = with_body(fixture_event("click.json"), &"x".repeat(MAX_BODY_BYTES + 1));
    for (event, status, outcome, extra) in [
        (&no_key, 401, "unauthorized", ("auth", "no_key")),
        (&unknown, 404, "unknown_path", ("level", "WARN")),
        (&method, 405, "wrong_method", ("route", "/edna/clicks")),
        (&too_large, 413, "too_large", ("route", "/edna/clicks")),
    ] {
        let line = checked_line(
            &clicks,
            &buffer,
            event,
            (status, outcome),
            OTHER_LINE_BUDGET,
        )
        .await;
        assert_eq!(line["level"], "WARN");
        assert_eq!(line[extra.0], extra.1, "{line}");
        assert_eq!(line["Requests"], 1);
        assert_eq!(directive(&line).0, json!([["Outcome"]]));
    }
    assert_eq!(clicks.store().write_attempts(), 0);

    for (cause, code) in [
        (
            FaultCause::Throttled,
            "ProvisionedThroughputExceededException",
        ),
        (FaultCause::AccessDenied, "AccessDeniedException"),
        (FaultCause::Validation, "ValidationException"),
        (FaultCause::Other, "InternalServerError"),
    ] {
        let (acks, buffer) = receiver(Route::BotlinkdAcks);
        acks.store().fail_with(cause, code);
        let event = with_body(fixture_event("ack.json"), &payload("botlinkd-ack.json"));
        let (status, body, bytes, line) = one(&acks, &buffer, &event).await;
        println!("failed ({}), {bytes} B: {line}", cause.as_str());
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(bytes <= OTHER_LINE_BUDGET, "{bytes} B: {line}");
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["Outcome"], "failed");
        assert_eq!(line["Cause"], cause.as_str());
        assert_eq!(line["code"], code);
        assert!(line["op"].is_string(), "{line}");
        assert_eq!(directive(&line).0, json!([["Outcome"], ["Cause"]]));
        // The provider is told to retry, never why.
        assert!(!body.to_string().contains(code), "{body}");
    }
}

#[tokio::test]
async fn lines_never_hold_a_secret_a_body_a_key_or_more_than_four_digits_of_a_phone() {
    let mut lines = String::new();
    for (route, fixture, name) in [
        (Route::EdnaClicks, "click.json", "edna-click.json"),
        (
            Route::BotlinkdMessages,
            "message.json",
            "botlinkd-message.json",
        ),
        (Route::BotlinkdAcks, "ack.json", "botlinkd-ack.json"),
    ] {
        let (receiver, buffer) = receiver(route);
        let body = payload(name);
        send(&receiver, &with_body(fixture_event(fixture), &body)).await;
        send(&receiver, &with_body(fixture_event(fixture), &body[1..])).await;
        for (_, line) in take_lines(&buffer) {
            lines.push_str(&line.to_string());
        }
        for item in receiver.store().items() {
            for key in [item::PK, item::SK] {
                let key = item::text(&item, key).unwrap();
                assert!(!lines.contains(key), "a key is logged: {key}");
            }
        }
    }
    for secret in [
        EDNA_KEY,
        BOTLINKD_TOKEN,
        "447123456789",
        "79991234567",
        "wamid",
    ] {
        assert!(!lines.contains(secret), "{secret} in {lines}");
    }
    // No text in a line holds a run of digits long enough to be a phone number (the numbers
    // are the metrics: time, lag, latency).
    let texts: Vec<Value> =
        serde_json::from_str::<Vec<Value>>(&format!("[{}]", lines.replace("}{", "},{")))
            .unwrap()
            .iter()
            .flat_map(|line| {
                line.as_object()
                    .unwrap()
                    .values()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .filter(Value::is_string)
            .collect();
    for text in texts {
        let text = text.as_str().unwrap();
        let longest = text
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max();
        assert!(longest.unwrap_or(0) < 7, "{text}");
    }
}

#[tokio::test]
async fn edna_s_key_is_found_under_any_header_and_a_wrong_key_is_refused_under_all() {
    let click = payload("edna-click.json");
    for (header, value, status) in [
        ("x-edna-key", EDNA_KEY.to_owned(), StatusCode::OK),
        (
            "authorization",
            format!("Bearer {EDNA_KEY}"),
            StatusCode::OK,
        ),
        ("x-api-key", EDNA_KEY.to_owned(), StatusCode::OK),
        (
            "x-edna-key",
            "local-edna-key-0002".to_owned(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "authorization",
            format!("Bearer {EDNA_KEY}x"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "authorization",
            format!("Basic {EDNA_KEY}"),
            StatusCode::UNAUTHORIZED,
        ),
        ("x-edna-key", String::new(), StatusCode::UNAUTHORIZED),
    ] {
        let (receiver, buffer) = receiver(Route::EdnaClicks);
        let mut event = with_body(fixture_event("click.json"), &click);
        let headers = event["headers"].as_object_mut().unwrap();
        headers.remove("x-api-key");
        headers.insert(header.to_owned(), json!(value));
        let (answer, _, _, line) = one(&receiver, &buffer, &event).await;
        assert_eq!(answer, status, "{header}: {value}");
        if status == StatusCode::OK {
            assert_eq!(kinds(&receiver), ["click"], "{header}");
        } else {
            assert_eq!(receiver.store().write_attempts(), 0, "{header}: {value}");
            assert_eq!(line["Outcome"], "unauthorized");
        }
    }
}

#[tokio::test]
async fn provider_events_of_unmodelled_types_are_stored_once_as_such_and_never_quarantined() {
    let presence = payload("botlinkd-ack.json").replace("\"ack\"", "\"presence\"");
    for (route, fixture, body) in [
        (
            Route::EdnaClicks,
            "click.json",
            payload("edna-template-status.json"),
        ),
        (
            Route::EdnaClicks,
            "click.json",
            payload("edna-category-changed.json"),
        ),
        (Route::BotlinkdEvents, "events-ack.json", presence.clone()),
        (Route::BotlinkdAcks, "ack.json", presence),
    ] {
        let (receiver, buffer) = receiver(route);
        let event = with_body(fixture_event(fixture), &body);
        let (status, answer, _, line) = one(&receiver, &buffer, &event).await;
        assert_eq!(
            (status, answer),
            (StatusCode::OK, json!({"status": "stored"}))
        );
        assert_eq!(line["Outcome"], "unmodelled", "{line}");
        assert_eq!(line["Requests"], 1);
        assert!(line.get("level").is_none(), "not a warning: {line}");
        let (status, answer, _, line) = one(&receiver, &buffer, &event).await;
        assert_eq!(
            (status, answer),
            (StatusCode::OK, json!({"status": "duplicate"}))
        );
        assert_eq!(line["Outcome"], "duplicate");

        let items: Vec<Item> = receiver.store().items();
        assert_eq!(items.len(), 1, "stored once: {body}");
        assert_eq!(item::text(&items[0], item::KIND), Some("unmodelled"));
        assert_eq!(item::raw_body_of(&items[0]), Some(body.as_bytes().to_vec()));
        assert!(item::text(&items[0], item::OCCURRED_AT).is_some_and(|at| !at.is_empty()));
    }
}
