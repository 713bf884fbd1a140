//! Tests of the incoming-message parser against edna's documented examples.

use serde_json::{json, Value};

use super::*;

const MESSAGE: &str = include_str!("../../../../fixtures/payloads/edna-message.json");
const LIST_PICKER: &str =
    include_str!("../../../../fixtures/payloads/edna-message-list-picker.json");

fn documented() -> Value {
    serde_json::from_str(MESSAGE).unwrap()
}

/// The object in `body` that holds the field at a dotted path (`messageContent.type`), and the
/// field's own name in it (`type`).
fn holder<'a>(body: &'a mut Value, path: &'a str) -> (&'a mut Value, &'a str) {
    match path.rsplit_once('.') {
        Some((parent, leaf)) => {
            let pointer = format!("/{}", parent.replace('.', "/"));
            (body.pointer_mut(&pointer).unwrap(), leaf)
        }
        None => (body, path),
    }
}

/// edna's documented example with the field at a dotted path replaced (or added).
fn with(path: &str, value: Value) -> String {
    let mut body = documented();
    let (parent, leaf) = holder(&mut body, path);
    parent[leaf] = value;
    body.to_string()
}

/// edna's documented example without the field at a dotted path.
fn without(path: &str) -> String {
    let mut body = documented();
    let (parent, leaf) = holder(&mut body, path);
    parent.as_object_mut().unwrap().remove(leaf).unwrap();
    body.to_string()
}

fn json_of(text: Option<&str>) -> Value {
    serde_json::from_str(text.unwrap()).unwrap()
}

#[test]
fn the_documented_text_message_keeps_every_field() {
    assert_eq!(
        EdnaIncomingMessage::parse(MESSAGE).unwrap(),
        EdnaIncomingMessage {
            id: 101,
            subject: Some("test_subject_WA".into()),
            subject_id: Some(345),
            subscriber: EdnaSubscriber {
                id: Some(202),
                identifier: "35700000000".into(),
            },
            user_info: EdnaUserInfo {
                user_name: Some("alex".into()),
                ..EdnaUserInfo::default()
            },
            content: EdnaMessageContent {
                message_type: "TEXT".into(),
                text: Some("Thank you for your help".into()),
                caption: None,
                payload: None,
                attachment: None,
                location: None,
                story: None,
                items: None,
                extra: None,
            },
            received_at: "2022-04-29T15:30:08Z".into(),
            occurred_at: "2022-04-29T15:30:08.000Z".into(),
            reply_to: EdnaReplyTo {
                out_message_id: Some(5043874),
                out_message_external_request_id: Some(
                    "2c2dd5f1-5ad8-449d-9c38-b6bdf288f1e5".into()
                ),
                in_message_id: None,
            },
            extra: None,
        }
    );
}

#[test]
fn the_documented_menu_reply_keeps_its_items_and_the_message_it_answers() {
    let parsed = EdnaIncomingMessage::parse(LIST_PICKER).unwrap();
    assert_eq!(parsed.id, 102);
    assert_eq!(parsed.content.message_type, "LIST_PICKER");
    assert_eq!(parsed.content.text, None);
    assert_eq!(
        json_of(parsed.content.items.as_deref()),
        json!([{"identifier": "01", "title": "item 1", "subtitle": null}])
    );
    assert_eq!(
        parsed.reply_to,
        EdnaReplyTo {
            in_message_id: Some(537701),
            ..EdnaReplyTo::default()
        }
    );
    assert_eq!(parsed.occurred_at, "2022-04-29T15:27:40.000Z");
}

#[test]
fn each_required_field_missing_or_null_is_named() {
    for field in [
        "id",
        "subscriber",
        "subscriber.identifier",
        "messageContent",
        "messageContent.type",
        "receivedAt",
    ] {
        let expected = Err(PayloadError::MissingField(field));
        assert_eq!(EdnaIncomingMessage::parse(&without(field)), expected);
        assert_eq!(
            EdnaIncomingMessage::parse(&with(field, Value::Null)),
            expected
        );
    }
}

#[test]
fn every_other_field_may_be_absent_or_null() {
    for field in [
        "subject",
        "subjectId",
        "subscriber.id",
        "userInfo",
        "userInfo.userName",
        "messageContent.text",
        "messageContent.attachment",
        "messageContent.items",
        "replyOutMessageId",
        "replyOutMessageExternalRequestId",
        "replyInMessageId",
    ] {
        let absent = EdnaIncomingMessage::parse(&without(field));
        assert!(absent.is_ok(), "{field}: {absent:?}");
        assert_eq!(
            EdnaIncomingMessage::parse(&with(field, Value::Null)),
            absent,
            "{field}"
        );
    }
}

#[test]
fn ids_may_arrive_quoted() {
    let parsed = EdnaIncomingMessage::parse(&with("id", json!("101"))).unwrap();
    assert_eq!(parsed.id, 101);
    let parsed = EdnaIncomingMessage::parse(&with("replyOutMessageId", json!("5043874"))).unwrap();
    assert_eq!(parsed.reply_to.out_message_id, Some(5043874));
}

#[test]
fn received_at_with_an_offset_is_normalised_to_utc_and_kept_as_sent() {
    let parsed =
        EdnaIncomingMessage::parse(&with("receivedAt", json!("2022-04-29T18:30:08+03:00")))
            .unwrap();
    assert_eq!(parsed.received_at, "2022-04-29T18:30:08+03:00");
    assert_eq!(parsed.occurred_at, "2022-04-29T15:30:08.000Z");
}

#[test]
fn media_parts_are_kept_as_sent() {
    let attachment = json!({"url": "https://files.example/a.jpg", "name": null, "size": 1024});
    let location = json!({"latitude": 35.1, "longitude": 33.3});
    let mut body = documented();
    body["messageContent"]["type"] = json!("IMAGE");
    body["messageContent"]["caption"] = json!("a caption");
    body["messageContent"]["attachment"] = attachment.clone();
    body["messageContent"]["location"] = location.clone();
    body["messageContent"]["story"] = json!({"id": 1});
    let parsed = EdnaIncomingMessage::parse(&body.to_string()).unwrap();
    assert_eq!(parsed.content.caption.as_deref(), Some("a caption"));
    assert_eq!(json_of(parsed.content.attachment.as_deref()), attachment);
    assert_eq!(json_of(parsed.content.location.as_deref()), location);
    assert_eq!(json_of(parsed.content.story.as_deref()), json!({"id": 1}));
}

#[test]
fn fields_not_modelled_are_kept_as_extra_at_both_levels() {
    let mut body = documented();
    body["lastMessage"] = json!({"id": 9});
    body["messageContent"]["product"] = json!({"sku": "A-1"});
    body["messageContent"]["contact"] = Value::Null;
    let parsed = EdnaIncomingMessage::parse(&body.to_string()).unwrap();
    assert_eq!(
        json_of(parsed.extra.as_deref()),
        json!({"lastMessage": {"id": 9}})
    );
    assert_eq!(
        json_of(parsed.content.extra.as_deref()),
        json!({"contact": null, "product": {"sku": "A-1"}})
    );
}

#[test]
fn a_body_that_is_not_one_json_object_is_malformed() {
    for bad in ["", "[]", "101", "{\"id\": 101", "{} []"] {
        let err = EdnaIncomingMessage::parse(bad).unwrap_err();
        assert_eq!(err.reason(), "malformed_json", "{bad}: {err}");
    }
}
