//! Every way a documented body's field can be missing, mistyped or repeated, and what still
//! identifies the same event when a provider writes it differently.

mod common;

use common::{
    fixture, parse, parse_with, with, without, ACK, CLICK, EDNA_MESSAGE, EDNA_STATUS, EXAMPLES,
    MESSAGE,
};
use serde_json::{json, Value};
use webhook_payload::{parse_event, MessageRef, PayloadError, Route, WebhookEvent};

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
    let required = [CLICK_REQUIRED, MESSAGE_REQUIRED, ACK_REQUIRED];
    for ((route, body), fields) in EXAMPLES.into_iter().zip(required) {
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
    assert_eq!(
        click.event,
        parse_event(Route::EdnaClicks, CLICK.as_bytes())
            .unwrap()
            .event
    );
    parse(
        Route::BotlinkdMessages,
        &without(fixture(MESSAGE), "data.body"),
    )
    .unwrap();
}

#[test]
fn every_mistyped_field_is_named() {
    let click = [
        ("payload", json!("x")),
        // Positional: serde would otherwise read an array into the struct field by field.
        (
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
        ("payload.sender", json!(1)),
        ("payload.templateId", json!(-1)),
        ("payload.templateId", json!(1.5)),
        ("payload.templateId", json!("13a")),
        ("timestamp", json!("2025-08-10T15:32:56+3")),
        ("payload.channelType", json!([])),
        ("payload.phone", json!(79991234567u64)),
        ("payload.url", json!({})),
        ("payload.shortLink", json!(true)),
        ("payload.requestId", json!(7)),
        ("version", json!(1)),
        ("timestamp", json!(1678900000)),
        ("timestamp", json!("10 Aug 2025")),
    ];
    let message = [
        ("instance_id", json!(10922)),
        ("data", json!([1])),
        ("data.from", json!(447123456789u64)),
        ("data.to", json!(null)),
        ("data.type", json!(1)),
        ("data.body", json!(["Hello"])),
        ("data.message_id", json!(1)),
        ("data.message_id", json!("")),
        ("data.timestamp", json!(1678900000.5)),
    ];
    let ack = [
        ("data.status", json!(3)),
        ("data.status", json!("")),
        ("data.message_id", json!("a\u{7}b")),
        ("data.timestamp", json!(i64::MAX)),
    ];
    let edna_status = [
        ("messageId", json!({"id": 8681748})),
        ("messageId", json!(-1)),
        ("messageId", json!("86a")),
        ("messageId", json!(1.5)),
        ("cascadeId", json!(true)),
        ("subjectId", json!([2])),
        ("requestId", json!(135)),
        ("status", json!(3)),
        ("status", json!("")),
        ("statusAt", json!("yesterday")),
        ("statusAt", json!(1738235275)),
        ("statusAt", json!("2025-01-30 11:07:55")),
        ("error", json!({"code": 1})),
        ("comment", json!(false)),
    ];
    let edna_message = [
        ("id", json!({"id": 101})),
        ("id", json!(-101)),
        ("subjectId", json!("three")),
        ("subscriber", json!("35700000000")),
        ("subscriber", json!(["35700000000"])),
        ("subscriber.id", json!(true)),
        ("subscriber.identifier", json!(35700000000_u64)),
        ("subscriber.identifier", json!("")),
        ("userInfo", json!("alex")),
        ("userInfo.firstName", json!(7)),
        ("messageContent", json!("Thank you")),
        ("messageContent.type", json!(1)),
        ("messageContent.text", json!(["Thank you"])),
        ("messageContent.payload", json!({"code": 1})),
        ("receivedAt", json!("yesterday")),
        ("receivedAt", json!(1651246208)),
        ("replyOutMessageId", json!({"id": 5043874})),
        ("replyOutMessageExternalRequestId", json!(5)),
        ("replyInMessageId", json!("x1")),
    ];
    let mistyped: [&[(&str, Value)]; 5] = [&click, &message, &ack, &edna_status, &edna_message];
    let edna = [
        (Route::EdnaStatuses, EDNA_STATUS),
        (Route::EdnaMessages, EDNA_MESSAGE),
    ];
    for ((route, body), cases) in EXAMPLES.into_iter().chain(edna).zip(mistyped) {
        for (field, value) in cases {
            let err = parse_with(route, body, field, value.clone()).unwrap_err();
            assert_eq!(err.field(), Some(*field), "{field} = {value}: {err}");
        }
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
    assert_eq!(message.body, None);
    // Fields nobody reads are not parsed: the raw body keeps them, and the hash covers them.
    let stored: Value = serde_json::from_str(&record.raw_body).unwrap();
    assert_eq!(stored, body);
    let without_media = parse(Route::BotlinkdMessages, &without(body, "data.media")).unwrap();
    assert_eq!(without_media.event, record.event);
    assert_ne!(without_media.body_sha256, record.body_sha256);
}

#[test]
fn ids_containing_hash_cannot_forge_another_events_id() {
    let honest = parse_with(Route::BotlinkdAcks, ACK, "data.message_id", json!("m1")).unwrap();
    let forged = parse(
        Route::BotlinkdAcks,
        &with(
            with(fixture(ACK), "instance_id", json!("10922#m1")),
            "data.message_id",
            json!("x"),
        ),
    )
    .unwrap();
    assert_ne!(honest.id.message, forged.id.message);
    let hashed = parse_with(Route::BotlinkdAcks, ACK, "data.message_id", json!("m#1")).unwrap();
    assert_eq!(
        hashed.id.message,
        MessageRef::Botlinkd {
            instance_id: "10922".into(),
            message_id: "m#1".into()
        }
    );
}

#[test]
fn equivalent_timestamps_give_the_same_click_id() {
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
    assert_eq!(a.id, b.id);
    assert_ne!(a.body_sha256, b.body_sha256);
}

#[test]
fn a_retried_body_hashes_the_same() {
    let a = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
    let b = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
    assert_eq!(a.body_sha256, b.body_sha256);
    let c = parse_with(
        Route::BotlinkdAcks,
        ACK,
        "data.timestamp",
        json!(1678900056),
    )
    .unwrap();
    assert_eq!(a.id, c.id);
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
