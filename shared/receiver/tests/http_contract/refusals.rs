//! The only 4xx answers: requests that cannot be a webhook (404, 405, 413) and senders that
//! cannot prove who they are (401). None of them writes anything.

use super::*;

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
            let receiver = offline(route);
            let response = receiver.respond(request(&event)).await.unwrap();
            assert_eq!(receiver.store().write_attempts(), 0);
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
async fn missing_or_wrong_credentials_are_401_and_nothing_is_written() {
    let mut no_key = fixture_event("click.json");
    no_key["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-api-key");
    let receiver = offline(Route::EdnaClicks);
    let (status, body) = send(&receiver, &no_key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(receiver.store().write_attempts(), 0);
    assert!(error_of(&body).contains("header"), "{body}");

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
    let receiver = offline(Route::BotlinkdMessages);
    let (status, body) = send(&receiver, &wrong_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(receiver.store().write_attempts(), 0);
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
async fn bodies_over_256_kib_are_413_and_a_body_at_the_cap_is_stored() {
    let padded = |len: usize| {
        let head = r#"{"event":"ack","pad":""#;
        format!("{head}{}\"}}", "x".repeat(len - head.len() - 2))
    };
    let receiver = offline(Route::BotlinkdAcks);
    let (status, body) = send(
        &receiver,
        &with_body(fixture_event("ack.json"), &padded(MAX_BODY_BYTES + 1)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error_of(&body).contains("262144"));
    assert_eq!(receiver.store().write_attempts(), 0);

    let at_cap = padded(MAX_BODY_BYTES);
    assert_eq!(at_cap.len(), MAX_BODY_BYTES);
    let (status, body) = send(&receiver, &with_body(fixture_event("ack.json"), &at_cap)).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"status": "quarantined"}))
    );
    let items = quarantined_items(&receiver);
    assert_eq!(items.len(), 1);
    assert_eq!(item::raw_body_of(&items[0]), Some(at_cap.into_bytes()));
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
