//! Every status code of the HTTP contract, through real API Gateway v2 fixtures and the real
//! handler. No table is needed: the store points at a closed port, so any attempt to write would
//! turn the expected 4xx into a 503 and fail the test.

use integration_tests::{client_for, fixture_event, receiver, send, with_body, BOTLINKD_TOKEN};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_receiver::Receiver;

fn offline(route: Route) -> Receiver {
    // Port 9 (discard) is closed on loopback here; nothing may be written anyway.
    receiver(&client_for("http://127.0.0.1:9"), "unused", route)
}

fn error_of(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no JSON error in {body}"))
}

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
    for key in [integration_tests::EDNA_KEY, "not-the-key"] {
        let mut head = fixture_event("click-head.json");
        head["headers"]["x-api-key"] = json!(key);
        assert_eq!(
            send(&offline(Route::EdnaClicks), &head).await,
            (StatusCode::OK, Value::Null)
        );
    }
}

#[tokio::test]
async fn other_methods_are_405_with_allow() {
    for (fixture, route, allow) in [
        ("click.json", Route::EdnaClicks, "POST, HEAD"),
        ("ack.json", Route::BotlinkdAcks, "POST"),
        ("message.json", Route::BotlinkdMessages, "POST"),
    ] {
        for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let mut event = fixture_event(fixture);
            event["requestContext"]["http"]["method"] = json!(method);
            let response = offline(route)
                .respond(integration_tests::request(&event))
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {fixture}"
            );
            assert_eq!(response.headers()["allow"], allow);
            let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
            assert!(error_of(&body).contains(method));
        }
    }
    let mut head = fixture_event("ack.json");
    head["requestContext"]["http"]["method"] = json!("HEAD");
    let (status, _) = send(&offline(Route::BotlinkdAcks), &head).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401() {
    let mut no_key = fixture_event("click.json");
    no_key["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-api-key");
    let (status, body) = send(&offline(Route::EdnaClicks), &no_key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error_of(&body).contains("x-api-key"), "{body}");

    let mut wrong_key = fixture_event("click.json");
    wrong_key["headers"]["x-api-key"] = json!("local-edna-key-0002");
    assert_eq!(
        send(&offline(Route::EdnaClicks), &wrong_key).await.0,
        StatusCode::UNAUTHORIZED
    );

    let mut no_token = fixture_event("ack.json");
    no_token
        .as_object_mut()
        .unwrap()
        .remove("queryStringParameters");
    no_token["rawQueryString"] = json!("");
    assert_eq!(
        send(&offline(Route::BotlinkdAcks), &no_token).await.0,
        StatusCode::UNAUTHORIZED
    );

    let mut wrong_token = fixture_event("message.json");
    let almost = format!("{}x", &BOTLINKD_TOKEN[..BOTLINKD_TOKEN.len() - 1]);
    wrong_token["queryStringParameters"]["token"] = json!(almost);
    wrong_token["rawQueryString"] = json!(format!("token={almost}"));
    let (status, body) = send(&offline(Route::BotlinkdMessages), &wrong_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!body.to_string().contains(BOTLINKD_TOKEN));
}

#[tokio::test]
async fn credentials_are_checked_before_the_body_is_parsed() {
    let mut event = with_body(fixture_event("click.json"), "not json at all");
    event["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-api-key");
    assert_eq!(
        send(&offline(Route::EdnaClicks), &event).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let big = format!(
        "{{\"event\":\"ack\",\"pad\":\"{}\"}}",
        "x".repeat(64 * 1024)
    );
    let (status, body) = send(
        &offline(Route::BotlinkdAcks),
        &with_body(fixture_event("ack.json"), &big),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error_of(&body).contains("65536"));
}

#[tokio::test]
async fn non_json_content_types_are_415() {
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let mut event = fixture_event("click.json");
        event["headers"]["content-type"] = json!(content_type);
        let (status, body) = send(&offline(Route::EdnaClicks), &event).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        assert!(error_of(&body).contains("application/json"));
    }
}

#[tokio::test]
async fn malformed_or_incomplete_bodies_are_400_naming_the_field() {
    let cases = [
        ("click.json", Route::EdnaClicks, "{\"type\":", None),
        ("click.json", Route::EdnaClicks, "", None),
        (
            "click.json",
            Route::EdnaClicks,
            r#"{"type":"short_link_visited","version":"v1","timestamp":"2025-08-10T12:32:56Z"}"#,
            Some("payload"),
        ),
        (
            "ack.json",
            Route::BotlinkdAcks,
            r#"{"event":"ack","instance_id":"1","data":{"message_id":"m","status":"seen","timestamp":1}}"#,
            Some("data.status"),
        ),
        (
            "message.json",
            Route::BotlinkdMessages,
            r#"{"event":"message","instance_id":"1","data":{"from":"4471","to":"1555","type":"text","message_id":"m","timestamp":"yesterday"}}"#,
            Some("data.timestamp"),
        ),
    ];
    for (fixture, route, body_text, field) in cases {
        let (status, body) = send(
            &offline(route),
            &with_body(fixture_event(fixture), body_text),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body_text}: {body}");
        error_of(&body);
        assert_eq!(body["field"].as_str(), field, "{body}");
    }
}

#[tokio::test]
async fn a_well_formed_event_of_the_wrong_kind_is_422_naming_the_right_route() {
    let message = std::fs::read_to_string(
        integration_tests::repo_root().join("fixtures/payloads/botlinkd-message.json"),
    )
    .unwrap();
    let (status, body) = send(
        &offline(Route::BotlinkdAcks),
        &with_body(fixture_event("ack.json"), &message),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("/botlinkd/messages"), "{body}");

    let unsupported = r#"{"event":"presence","instance_id":"1","data":{}}"#;
    let (status, _) = send(
        &offline(Route::BotlinkdEvents),
        &with_body(fixture_event("events-ack.json"), unsupported),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_unknown_path_is_404() {
    let mut event = fixture_event("click.json");
    event["rawPath"] = json!("/edna/other");
    event["requestContext"]["http"]["path"] = json!("/edna/other");
    let (status, body) = send(&offline(Route::EdnaClicks), &event).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    error_of(&body);
    // A route of another function is unknown to this one.
    let (status, _) = send(&offline(Route::EdnaClicks), &fixture_event("ack.json")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unreachable_storage_is_503_with_retry_after() {
    let response = offline(Route::EdnaClicks)
        .respond(integration_tests::request(&fixture_event("click.json")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
    assert!(error_of(&body).contains("retry"));
}
