//! The providers' documented payloads, and every way a field can be missing or wrong.

use serde_json::{json, Value};
use webhook_payload::{
    parse_event, AckStatus, EventKind, PayloadError, Route, WebhookEvent, STATUS_SORT_KEY,
};

const CLICK: &str = include_str!("../../../fixtures/payloads/edna-click.json");
const MESSAGE: &str = include_str!("../../../fixtures/payloads/botlinkd-message.json");
const ACK: &str = include_str!("../../../fixtures/payloads/botlinkd-ack.json");

fn parse(route: Route, body: &Value) -> Result<webhook_payload::EventRecord, PayloadError> {
    parse_event(route, body.to_string().as_bytes())
}

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Removes the field at a dotted path.
fn without(mut body: Value, path: &str) -> Value {
    let (parent, leaf) = path.rsplit_once('.').map_or(("", path), |(p, l)| (p, l));
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(&format!("/{}", parent.replace('.', "/")))
            .unwrap()
    };
    target.as_object_mut().unwrap().remove(leaf).unwrap();
    body
}

/// Replaces the field at a dotted path.
fn with(mut body: Value, path: &str, value: Value) -> Value {
    *body
        .pointer_mut(&format!("/{}", path.replace('.', "/")))
        .unwrap() = value;
    body
}

#[test]
fn edna_click_example_becomes_its_record() {
    let record = parse_event(Route::EdnaClicks, CLICK.as_bytes()).unwrap();
    assert_eq!(record.kind(), EventKind::Click);
    assert_eq!(record.key.pk, "MSG#edna#5345345");
    assert_eq!(record.key.sk, "EVENT#click#f42kL#2025-08-10T12:32:56.000Z");
    assert_eq!(record.occurred_at, "2025-08-10T12:32:56.000Z");
    assert_eq!(record.phone_key.as_deref(), Some("PHONE#79991234567"));
    assert_eq!(record.raw_body, CLICK);
    assert_eq!(record.body_sha256.len(), 64);
    let WebhookEvent::Click(click) = &record.event else {
        panic!("not a click")
    };
    assert_eq!(click.sender, "test-channel");
    assert_eq!(click.template_id, 1333);
    assert_eq!(click.channel_type, "WHATSAPP");
    assert_eq!(click.out_message_id, 5345345);
    assert_eq!(click.phone, "79991234567");
    assert_eq!(click.url, "google.ru");
    assert_eq!(click.short_link, "f42kL");
    assert_eq!(
        click.request_id.as_deref(),
        Some("059cc352-f6a2-4fb0-b717-a56fa0c820bf")
    );
    assert_eq!(click.event_type, "short_link_visited");
    assert_eq!(click.version, "v1");
    assert_eq!(click.timestamp, "2025-08-10T12:32:56Z");
    assert_eq!(record.status_change(), None);
}

#[test]
fn botlinkd_message_example_becomes_its_record() {
    let record = parse_event(Route::BotlinkdMessages, MESSAGE.as_bytes()).unwrap();
    assert_eq!(record.kind(), EventKind::InboundMessage);
    assert_eq!(record.key.pk, "MSG#botlinkd#10922#wamid.HBgLM...");
    assert_eq!(record.key.sk, "EVENT#message");
    assert_eq!(record.occurred_at, "2023-03-15T17:06:40.000Z");
    assert_eq!(record.phone_key.as_deref(), Some("PHONE#447123456789"));
    let WebhookEvent::InboundMessage(message) = &record.event else {
        panic!("not a message")
    };
    assert_eq!(message.instance_id, "10922");
    assert_eq!(message.from, "447123456789");
    assert_eq!(message.to, "15550123456");
    assert_eq!(message.message_type, "text");
    assert_eq!(message.body.as_deref(), Some("Hello, where is my order?"));
    assert_eq!(message.message_id, "wamid.HBgLM...");
    assert_eq!(message.timestamp, 1678900000);
    assert_eq!(message.extra, None);
    assert_eq!(record.status_change(), None);
}

#[test]
fn botlinkd_ack_example_becomes_its_record_and_status_change() {
    let record = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
    assert_eq!(record.kind(), EventKind::Ack);
    assert_eq!(record.key.pk, "MSG#botlinkd#10922#wamid.HBgLM...");
    assert_eq!(record.key.sk, "EVENT#ack#read");
    assert_eq!(record.occurred_at, "2023-03-15T17:07:35.000Z");
    assert_eq!(record.phone_key, None);
    let WebhookEvent::Ack(ack) = &record.event else {
        panic!("not an ack")
    };
    assert_eq!(ack.status, "read");
    assert_eq!(ack.known_status(), Some(AckStatus::Read));
    assert_eq!(ack.timestamp, 1678900055);
    let change = record.status_change().unwrap();
    assert_eq!(change.key.pk, record.key.pk);
    assert_eq!(change.key.sk, STATUS_SORT_KEY);
    assert_eq!(change.status, AckStatus::Read);
}

#[test]
fn the_combined_botlinkd_route_accepts_both_kinds() {
    assert_eq!(
        parse_event(Route::BotlinkdEvents, MESSAGE.as_bytes())
            .unwrap()
            .kind(),
        EventKind::InboundMessage
    );
    assert_eq!(
        parse_event(Route::BotlinkdEvents, ACK.as_bytes())
            .unwrap()
            .kind(),
        EventKind::Ack
    );
}

#[test]
fn every_botlinkd_route_takes_both_botlinkd_kinds() {
    for route in [Route::BotlinkdAcks, Route::BotlinkdMessages] {
        assert_eq!(
            parse_event(route, MESSAGE.as_bytes()).unwrap().kind(),
            EventKind::InboundMessage
        );
        assert_eq!(
            parse_event(route, ACK.as_bytes()).unwrap().kind(),
            EventKind::Ack
        );
    }
}

#[test]
fn the_other_providers_event_is_a_wrong_provider_error() {
    for (route, body) in [
        (Route::EdnaClicks, ACK),
        (Route::EdnaClicks, MESSAGE),
        (Route::BotlinkdEvents, CLICK),
        (Route::BotlinkdAcks, CLICK),
    ] {
        let err = parse_event(route, body.as_bytes()).unwrap_err();
        assert!(matches!(err, PayloadError::WrongProvider { .. }), "{err}");
        assert_eq!(err.reason(), "wrong_provider");
    }
}

#[test]
fn acks_of_any_status_are_events_and_only_known_ones_change_the_status() {
    for (status, change) in [
        ("failed", Some(AckStatus::Failed)),
        ("played", None),
        ("deleted", None),
        ("sent", Some(AckStatus::Sent)),
    ] {
        let record = parse(
            Route::BotlinkdAcks,
            &with(fixture(ACK), "data.status", json!(status)),
        )
        .unwrap();
        assert_eq!(record.key.sk, format!("EVENT#ack#{status}"));
        assert_eq!(record.status_change().map(|c| c.status), change, "{status}");
    }
}

#[test]
fn quoted_numbers_empty_request_ids_and_offset_timestamps_are_accepted() {
    let click = parse_event(Route::EdnaClicks, CLICK.as_bytes()).unwrap();
    let quoted = with(
        with(fixture(CLICK), "payload.templateId", json!("1333")),
        "payload.outMessageId",
        json!("5345345"),
    );
    let quoted = parse(Route::EdnaClicks, &quoted).unwrap();
    assert_eq!(quoted.key, click.key);
    let (WebhookEvent::Click(a), WebhookEvent::Click(b)) = (&quoted.event, &click.event) else {
        panic!("not clicks")
    };
    assert_eq!(
        (a.template_id, a.out_message_id),
        (b.template_id, b.out_message_id)
    );

    let empty_request_id = parse(
        Route::EdnaClicks,
        &with(fixture(CLICK), "payload.requestId", json!("")),
    )
    .unwrap();
    let WebhookEvent::Click(event) = &empty_request_id.event else {
        panic!("not a click")
    };
    assert_eq!(event.request_id.as_deref(), Some(""));

    for form in [
        "2025-08-10T15:32:56+0300",
        "2025-08-10T15:32:56+03",
        "2025-08-10T12:32:56.000Z",
    ] {
        let shifted = parse(
            Route::EdnaClicks,
            &with(fixture(CLICK), "timestamp", json!(form)),
        )
        .unwrap();
        assert_eq!(shifted.occurred_at, "2025-08-10T12:32:56.000Z", "{form}");
        assert_eq!(shifted.key, click.key, "{form}");
    }

    let message = parse_event(Route::BotlinkdMessages, MESSAGE.as_bytes()).unwrap();
    let quoted = parse(
        Route::BotlinkdMessages,
        &with(fixture(MESSAGE), "data.timestamp", json!("1678900000")),
    )
    .unwrap();
    assert_eq!(quoted.occurred_at, message.occurred_at);
}

#[test]
fn unknown_event_types_are_unsupported_not_malformed() {
    let err = parse(
        Route::BotlinkdEvents,
        &with(fixture(ACK), "event", json!("presence")),
    )
    .unwrap_err();
    assert!(
        matches!(err, PayloadError::UnsupportedEvent { .. }),
        "{err}"
    );
    let err = parse(
        Route::EdnaClicks,
        &with(fixture(CLICK), "type", json!("status")),
    )
    .unwrap_err();
    assert!(
        matches!(err, PayloadError::UnsupportedEvent { .. }),
        "{err}"
    );
}

const CLICK_REQUIRED: &[&str] = &[
    "payload",
    "payload.sender",
    "payload.templateId",
    "payload.channelType",
    "payload.outMessageId",
    "payload.phone",
    "payload.url",
    "payload.shortLink",
    "type",
    "version",
    "timestamp",
];
const MESSAGE_REQUIRED: &[&str] = &[
    "event",
    "instance_id",
    "data",
    "data.from",
    "data.to",
    "data.type",
    "data.message_id",
    "data.timestamp",
];
const ACK_REQUIRED: &[&str] = &[
    "event",
    "instance_id",
    "data",
    "data.message_id",
    "data.status",
    "data.timestamp",
];

#[test]
fn every_missing_required_field_is_named() {
    for (route, body, fields) in [
        (Route::EdnaClicks, CLICK, CLICK_REQUIRED),
        (Route::BotlinkdMessages, MESSAGE, MESSAGE_REQUIRED),
        (Route::BotlinkdAcks, ACK, ACK_REQUIRED),
    ] {
        for field in fields {
            let err = parse(route, &without(fixture(body), field)).unwrap_err();
            assert_eq!(err, PayloadError::MissingField(field), "removing {field}");
            let err = parse(route, &with(fixture(body), field, Value::Null)).unwrap_err();
            assert_eq!(err.field(), Some(*field), "nulling {field}: {err}");
        }
    }
}

#[test]
fn optional_fields_may_be_absent() {
    let click = parse(
        Route::EdnaClicks,
        &without(fixture(CLICK), "payload.requestId"),
    )
    .unwrap();
    let WebhookEvent::Click(click) = click.event else {
        panic!()
    };
    assert_eq!(click.request_id, None);
    parse(
        Route::BotlinkdMessages,
        &without(fixture(MESSAGE), "data.body"),
    )
    .unwrap();
}

#[test]
fn every_mistyped_field_is_named() {
    let cases: &[(Route, &str, &str, Value)] = &[
        (Route::EdnaClicks, CLICK, "payload", json!("x")),
        // Positional: serde would otherwise read an array into the struct field by field.
        (
            Route::EdnaClicks,
            CLICK,
            "payload",
            json!([
                "test-channel",
                1333,
                "WHATSAPP",
                5345345,
                "79991234567",
                "google.ru",
                "f42kL",
                null
            ]),
        ),
        (Route::EdnaClicks, CLICK, "payload.sender", json!(1)),
        (Route::EdnaClicks, CLICK, "payload.templateId", json!(-1)),
        (Route::EdnaClicks, CLICK, "payload.templateId", json!(1.5)),
        (Route::EdnaClicks, CLICK, "payload.templateId", json!("13a")),
        (
            Route::EdnaClicks,
            CLICK,
            "timestamp",
            json!("2025-08-10T15:32:56+3"),
        ),
        (Route::EdnaClicks, CLICK, "payload.channelType", json!([])),
        (
            Route::EdnaClicks,
            CLICK,
            "payload.phone",
            json!(79991234567u64),
        ),
        (Route::EdnaClicks, CLICK, "payload.url", json!({})),
        (Route::EdnaClicks, CLICK, "payload.shortLink", json!(true)),
        (Route::EdnaClicks, CLICK, "payload.requestId", json!(7)),
        (Route::EdnaClicks, CLICK, "version", json!(1)),
        (Route::EdnaClicks, CLICK, "timestamp", json!(1678900000)),
        (Route::EdnaClicks, CLICK, "timestamp", json!("10 Aug 2025")),
        (
            Route::BotlinkdMessages,
            MESSAGE,
            "instance_id",
            json!(10922),
        ),
        (Route::BotlinkdMessages, MESSAGE, "data", json!([1])),
        (
            Route::BotlinkdMessages,
            MESSAGE,
            "data.from",
            json!(447123456789u64),
        ),
        (Route::BotlinkdMessages, MESSAGE, "data.to", json!(null)),
        (Route::BotlinkdMessages, MESSAGE, "data.type", json!(1)),
        (
            Route::BotlinkdMessages,
            MESSAGE,
            "data.body",
            json!(["Hello"]),
        ),
        (
            Route::BotlinkdMessages,
            MESSAGE,
            "data.message_id",
            json!(1),
        ),
        (
            Route::BotlinkdMessages,
            MESSAGE,
            "data.message_id",
            json!(""),
        ),
        (
            Route::BotlinkdMessages,
            MESSAGE,
            "data.timestamp",
            json!(1678900000.5),
        ),
        (Route::BotlinkdAcks, ACK, "data.status", json!(3)),
        (Route::BotlinkdAcks, ACK, "data.status", json!("")),
        (
            Route::BotlinkdAcks,
            ACK,
            "data.message_id",
            json!("a\u{7}b"),
        ),
        (Route::BotlinkdAcks, ACK, "data.timestamp", json!(i64::MAX)),
    ];
    for (route, body, field, value) in cases {
        let err = parse(*route, &with(fixture(body), field, value.clone())).unwrap_err();
        assert_eq!(err.field(), Some(*field), "{field} = {value}: {err}");
    }
}

#[test]
fn malformed_bodies_are_malformed_json() {
    for body in [
        "",
        "{",
        "not json",
        "{\"event\":\"ack\"} trailing",
        "\u{feff}{}",
    ] {
        let err = parse_event(Route::BotlinkdAcks, body.as_bytes()).unwrap_err();
        assert!(
            matches!(err, PayloadError::MalformedJson(_)),
            "{body:?}: {err}"
        );
    }
    let err = parse_event(Route::BotlinkdAcks, b"{\"event\":\"ack\xff\"}").unwrap_err();
    assert!(matches!(err, PayloadError::MalformedJson(_)), "{err}");
    let err = parse_event(Route::BotlinkdAcks, b"[1,2]").unwrap_err();
    assert!(
        matches!(
            err,
            PayloadError::MalformedJson(_) | PayloadError::InvalidField { .. }
        ),
        "{err}"
    );
}

#[test]
fn duplicate_fields_are_refused() {
    let body = r#"{"event":"ack","instance_id":"1","instance_id":"2","data":{"message_id":"m","status":"read","timestamp":1}}"#;
    let err = parse_event(Route::BotlinkdAcks, body.as_bytes()).unwrap_err();
    assert_eq!(err.field(), Some("instance_id"), "{err}");
}

#[test]
fn non_text_messages_are_kept_with_every_field() {
    // BotLinkd does not document image fields; these are stand-ins to prove unknown fields survive.
    let mut body = fixture(MESSAGE);
    let data = body["data"].as_object_mut().unwrap();
    data.insert("type".into(), json!("image"));
    data.remove("body");
    data.insert(
        "media".into(),
        json!({ "url": "https://example.invalid/1.jpg", "size": 12 }),
    );
    data.insert("caption".into(), json!("look"));
    let record = parse(Route::BotlinkdMessages, &body).unwrap();
    let WebhookEvent::InboundMessage(message) = &record.event else {
        panic!()
    };
    assert_eq!(message.message_type, "image");
    assert_eq!(message.body, None);
    let extra: Value = serde_json::from_str(message.extra.as_deref().unwrap()).unwrap();
    assert_eq!(
        extra,
        json!({ "caption": "look", "media": { "url": "https://example.invalid/1.jpg", "size": 12 } })
    );
    assert!(record.raw_body.contains("example.invalid"));
}

#[test]
fn ids_containing_hash_cannot_forge_another_events_key() {
    let honest = parse(
        Route::BotlinkdAcks,
        &with(fixture(ACK), "data.message_id", json!("m1")),
    )
    .unwrap();
    let forged = parse(
        Route::BotlinkdAcks,
        &with(
            with(fixture(ACK), "instance_id", json!("10922#m1")),
            "data.message_id",
            json!("x"),
        ),
    )
    .unwrap();
    assert_ne!(honest.key.pk, forged.key.pk);
    let hashed = parse(
        Route::BotlinkdAcks,
        &with(fixture(ACK), "data.message_id", json!("m#1")),
    )
    .unwrap();
    assert_eq!(hashed.key.pk, "MSG#botlinkd#10922#m%231");
}

#[test]
fn equivalent_timestamps_give_the_same_click_key() {
    let a = parse_event(Route::EdnaClicks, CLICK.as_bytes()).unwrap();
    let b = parse(
        Route::EdnaClicks,
        &with(
            fixture(CLICK),
            "timestamp",
            json!("2025-08-10T15:32:56+03:00"),
        ),
    )
    .unwrap();
    assert_eq!(a.key, b.key);
    assert_ne!(a.body_sha256, b.body_sha256);
}

#[test]
fn a_retried_body_hashes_the_same() {
    let a = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
    let b = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
    assert_eq!(a.body_sha256, b.body_sha256);
    let c = parse(
        Route::BotlinkdAcks,
        &with(fixture(ACK), "data.timestamp", json!(1678900056)),
    )
    .unwrap();
    assert_eq!(a.key, c.key);
    assert_ne!(a.body_sha256, c.body_sha256);
    // A retry that the provider re-serialised (key order, spacing) is still the same body.
    let value: Value = serde_json::from_str(ACK).unwrap();
    let d = parse_event(
        Route::BotlinkdAcks,
        serde_json::to_string_pretty(&value).unwrap().as_bytes(),
    )
    .unwrap();
    assert_eq!(a.body_sha256, d.body_sha256);
}
