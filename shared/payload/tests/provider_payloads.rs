//! The providers' documented payloads: the record each becomes, the kinds each route takes, and
//! what identifies an event. Field by field errors are in `field_errors.rs`.

use serde_json::json;
use webhook_payload::{
    parse_event, AckStatus, EventId, EventKind, EventRecord, MessageRef, PayloadError, Provider,
    Route, WebhookEvent,
};

mod common;

use common::{
    fixture, parse, parse_with, with, ACK, CLICK, EDNA_MESSAGE, EDNA_STATUS, EXAMPLES, MESSAGE,
};

const CLICK_RECORD: &str = include_str!("records/edna-click.txt");
const MESSAGE_RECORD: &str = include_str!("records/botlinkd-message.txt");
const ACK_RECORD: &str = include_str!("records/botlinkd-ack.txt");

/// Each documented example becomes the whole record on file in `tests/records/` (its `{:#?}`), so
/// that a field added to an event, dropped from it or read differently fails here. The files also
/// pin `body_sha256`, the SHA-256 of the body's canonical JSON: stored items carry it and a retry
/// is told from a new event by it, so it must not change from one version to the next.
#[test]
fn each_documented_example_becomes_the_record_on_file() {
    let records = [CLICK_RECORD, MESSAGE_RECORD, ACK_RECORD];
    for ((route, body), record) in EXAMPLES.into_iter().zip(records) {
        let parsed = parse_event(route, body.as_bytes()).unwrap();
        assert_eq!(format!("{parsed:#?}\n"), record, "{route:?}");
    }
}

#[test]
fn only_the_documented_ack_changes_its_messages_status() {
    let click = parse_event(Route::EdnaClicks, CLICK.as_bytes()).unwrap();
    let message = parse_event(Route::BotlinkdMessages, MESSAGE.as_bytes()).unwrap();
    let ack = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
    assert_eq!(click.known_status(), None);
    assert_eq!(message.known_status(), None);
    assert_eq!(ack.known_status(), Some(AckStatus::Read));
    assert_eq!(
        ack.id.message,
        MessageRef::Botlinkd {
            instance_id: "10922".into(),
            message_id: "wamid.HBgLM...".into(),
        }
    );
    assert_eq!(ack.occurred_at, "2023-03-15T17:07:35.000Z");
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
        let record = parse_with(Route::BotlinkdAcks, ACK, "data.status", json!(status)).unwrap();
        assert_eq!(
            (record.id.kind, &record.id.discriminator[..]),
            (EventKind::Ack, &[status.to_owned()][..])
        );
        assert_eq!(record.known_status(), change, "{status}");
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
    assert_eq!(quoted.id, click.id);
    let (WebhookEvent::Click(a), WebhookEvent::Click(b)) = (&quoted.event, &click.event) else {
        panic!("not clicks")
    };
    assert_eq!(
        (a.template_id, a.out_message_id),
        (b.template_id, b.out_message_id)
    );

    let empty_request_id =
        parse_with(Route::EdnaClicks, CLICK, "payload.requestId", json!("")).unwrap();
    assert_eq!(empty_request_id.event, click.event);

    for form in [
        "2025-08-10T15:32:56+0300",
        "2025-08-10T15:32:56+03",
        "2025-08-10T12:32:56.000Z",
    ] {
        let shifted = parse_with(Route::EdnaClicks, CLICK, "timestamp", json!(form)).unwrap();
        assert_eq!(shifted.occurred_at, "2025-08-10T12:32:56.000Z", "{form}");
        assert_eq!(shifted.id, click.id, "{form}");
    }

    let message = parse_event(Route::BotlinkdMessages, MESSAGE.as_bytes()).unwrap();
    let quoted = parse_with(
        Route::BotlinkdMessages,
        MESSAGE,
        "data.timestamp",
        json!("1678900000"),
    )
    .unwrap();
    assert_eq!(quoted.occurred_at, message.occurred_at);
}

const TEMPLATE_STATUS: &str = include_str!("../../../fixtures/payloads/edna-template-status.json");
const CATEGORY_CHANGED: &str =
    include_str!("../../../fixtures/payloads/edna-category-changed.json");

#[test]
fn a_provider_event_of_an_unmodelled_type_is_an_unmodelled_event_keyed_by_its_body_hash() {
    let botlinkd_presence = parse_with(Route::BotlinkdEvents, ACK, "event", json!("presence"))
        .map(|record| record.raw_body);
    // An edna object of no documented shape (no type, neither a status nor a message).
    let edna_other = r#"{"subjectId": 2, "cascadeId": 11}"#;
    for (route, body, provider) in [
        // edna's documented template-status update: a JSON array.
        (
            Route::EdnaClicks,
            TEMPLATE_STATUS.to_owned(),
            Provider::Edna,
        ),
        // edna's documented template-category change: a `type` this code does not model.
        (
            Route::EdnaClicks,
            CATEGORY_CHANGED.to_owned(),
            Provider::Edna,
        ),
        // Another edna object that names no type, on any edna route.
        (Route::EdnaClicks, edna_other.to_owned(), Provider::Edna),
        // A BotLinkd event other than `message` and `ack`, on any BotLinkd route.
        (
            Route::BotlinkdEvents,
            botlinkd_presence.clone().unwrap(),
            Provider::Botlinkd,
        ),
        (
            Route::BotlinkdAcks,
            botlinkd_presence.clone().unwrap(),
            Provider::Botlinkd,
        ),
    ] {
        let record = parse_event(route, body.as_bytes()).unwrap();
        assert_eq!(record.kind(), EventKind::Unmodelled, "{body}");
        assert_eq!(record.provider(), provider, "{body}");
        assert_eq!(record.raw_body, body);
        let by_its_body = EventId {
            message: MessageRef::Unmodelled {
                provider,
                body_sha256: record.body_sha256.clone(),
            },
            kind: EventKind::Unmodelled,
            discriminator: Vec::new(),
        };
        assert_eq!(record.id, by_its_body);
        assert!(record.phone().is_none());
        assert!(record.known_status().is_none());
        assert!(route.expects(record.kind()), "never a wrong route");
    }
}

/// What the edna tests compare of a record, grouped: who and what, its id, its time and person,
/// and the status it sets on which message.
#[allow(clippy::type_complexity)]
fn recognised(
    record: &EventRecord,
) -> (
    (Provider, EventKind),
    (MessageRef, Vec<String>),
    (&str, Option<&str>),
    (Option<AckStatus>, Option<MessageRef>),
) {
    (
        (record.provider(), record.kind()),
        (record.id.message.clone(), record.id.discriminator.clone()),
        (record.occurred_at.as_str(), record.phone()),
        (
            record.known_status(),
            record.known_status().map(|_| record.id.message.clone()),
        ),
    )
}

#[test]
fn edna_statuses_and_incoming_messages_are_recognised_by_their_shape_on_every_edna_route() {
    for route in [
        Route::EdnaClicks,
        Route::EdnaStatuses,
        Route::EdnaMessages,
        Route::EdnaEvents,
    ] {
        // A status names the same message as the click on it: one Query of its partition gives
        // the message's funnel. An incoming message belongs to the message it answers
        // (replyOutMessageId), and is on its sender's timeline.
        let status = parse_event(route, EDNA_STATUS.as_bytes()).unwrap();
        let message = parse_event(route, EDNA_MESSAGE.as_bytes()).unwrap();
        let sent = MessageRef::EdnaSent(8681748);
        assert_eq!(
            recognised(&status),
            (
                (Provider::Edna, EventKind::Ack),
                (sent.clone(), vec!["delivered".to_owned()]),
                ("2025-01-30T11:07:55.000Z", None),
                (Some(AckStatus::Delivered), Some(sent)),
            )
        );
        assert_eq!(
            recognised(&message),
            (
                (Provider::Edna, EventKind::InboundMessage),
                (MessageRef::EdnaSent(5043874), vec!["101".to_owned()]),
                ("2022-04-29T15:30:08.000Z", Some("35700000000")),
                (None, None),
            )
        );
        assert_eq!(
            route.expects(EventKind::Ack),
            route != Route::EdnaClicks && route != Route::EdnaMessages
        );
    }
    // A message that answers nothing has a partition of its own.
    let alone = parse_with(
        Route::EdnaMessages,
        EDNA_MESSAGE,
        "replyOutMessageId",
        json!(null),
    )
    .unwrap();
    assert_eq!(alone.id.message, MessageRef::EdnaReceived(101));
    // The status in another case is the same status, and the same id.
    let lower = parse_with(
        Route::EdnaStatuses,
        EDNA_STATUS,
        "status",
        json!("delivered"),
    )
    .unwrap();
    assert_eq!(
        lower.id,
        parse_event(Route::EdnaStatuses, EDNA_STATUS.as_bytes())
            .unwrap()
            .id
    );
    // On a BotLinkd URL, edna's bodies are the other provider's.
    for body in [EDNA_STATUS, EDNA_MESSAGE] {
        let err = parse_event(Route::BotlinkdEvents, body.as_bytes()).unwrap_err();
        assert_eq!(err.reason(), "wrong_provider");
    }
    // A status without the message it is about is a broken status, not an unknown event.
    let err = parse_with(Route::EdnaStatuses, EDNA_STATUS, "messageId", json!(null)).unwrap_err();
    assert_eq!(err.field(), Some("messageId"));
}

#[test]
fn broken_bodies_stay_errors_whoever_sent_them() {
    for (route, body, reason) in [
        // An array is edna's shape only.
        (
            Route::BotlinkdEvents,
            TEMPLATE_STATUS.to_owned(),
            "malformed_json",
        ),
        // A broken array is no event.
        (
            Route::EdnaClicks,
            TEMPLATE_STATUS[..40].to_owned(),
            "malformed_json",
        ),
        // A click that lost its `type` is a click with a missing field.
        (
            Route::EdnaClicks,
            CLICK.replace("\"type\"", "\"kind\""),
            "missing_field",
        ),
        // BotLinkd always names its event.
        (
            Route::BotlinkdEvents,
            ACK.replace("\"event\"", "\"kind\""),
            "missing_field",
        ),
        // The other provider's unmodelled event is the other provider's.
        (
            Route::EdnaClicks,
            ACK.replace("\"ack\"", "\"presence\""),
            "wrong_provider",
        ),
        (
            Route::BotlinkdEvents,
            CATEGORY_CHANGED.to_owned(),
            "wrong_provider",
        ),
    ] {
        let err = parse_event(route, body.as_bytes()).unwrap_err();
        assert_eq!(err.reason(), reason, "{route} {body}");
    }
}
