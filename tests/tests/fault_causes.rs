//! A storage fault says why: a stub DynamoDB answers each kind of error the real one gives, and
//! the request's log line carries the fault's cause and DynamoDB's error code, the metric counts
//! it by `Cause`, and the provider still gets a plain 503.

use std::sync::{Arc, Mutex};

use integration_tests::stub::{client_for_stub, Action, Behaviour, Stub, PUT_ITEM};
use integration_tests::{fixture_event, receiver, send};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_receiver::LineSink;
use webhook_table::FaultCause;

/// Sends the documented click to a receiver whose DynamoDB is the stub doing `action`; returns
/// the answer, the request's log line, and how many PutItem calls the stub saw.
async fn click_against(action: Action, partition: &str) -> (StatusCode, Value, Value, usize) {
    let stub = Stub::start(Behaviour::always(action)).await;
    let client = client_for_stub(&stub.endpoint, partition);
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let handler =
        receiver(&client, "events", Route::EdnaClicks).with_lines(LineSink::Buffer(buffer.clone()));
    let (status, body) = send(&handler, &fixture_event("click.json")).await;
    let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let line = serde_json::from_str(lines[0]).unwrap();
    (status, body, line, stub.count(PUT_ITEM))
}

#[tokio::test]
async fn each_dynamodb_error_is_logged_and_counted_by_its_cause_and_code() {
    for (status, code, cause, retried) in [
        (
            400,
            "AccessDeniedException",
            FaultCause::AccessDenied,
            false,
        ),
        (
            400,
            "UnrecognizedClientException",
            FaultCause::AccessDenied,
            false,
        ),
        (400, "ValidationException", FaultCause::Validation, false),
        (
            400,
            "ResourceNotFoundException",
            FaultCause::Validation,
            false,
        ),
        (400, "ThrottlingException", FaultCause::Throttled, true),
        (
            400,
            "ProvisionedThroughputExceededException",
            FaultCause::Throttled,
            true,
        ),
        (500, "InternalServerError", FaultCause::Other, true),
    ] {
        let (answer, body, line, puts) = click_against(Action::Error(status, code), code).await;
        assert_eq!(answer, StatusCode::SERVICE_UNAVAILABLE, "{code}");
        // The provider learns nothing of our table.
        assert!(!body.to_string().contains(code), "{body}");
        assert_eq!(line["level"], "ERROR", "{line}");
        assert_eq!(line["Outcome"], "failed");
        assert_eq!(line["Cause"], cause.as_str(), "{code}: {line}");
        assert_eq!(line["code"], code);
        assert_eq!(line["op"], "PutItem");
        assert_eq!(line["Requests"], 1);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["Outcome"], ["Cause"]]));
        assert_eq!(directive["Metrics"], json!([{ "Name": "Requests" }]));
        // A permanent error is not worth a retry; a transient one is retried by the SDK.
        assert_eq!(puts > 1, retried, "{code}: {puts} PutItem calls");
        assert_eq!(cause.is_permanent(), !retried && cause != FaultCause::Other);
    }
}

#[tokio::test]
async fn a_dynamodb_that_never_answers_is_a_timeout() {
    let (answer, _, line, _) = click_against(Action::Silent, "silent-cause").await;
    assert_eq!(answer, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(line["Cause"], "timeout", "{line}");
    assert!(line["code"].is_string());
}
