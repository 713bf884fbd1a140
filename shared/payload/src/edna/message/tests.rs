//! Tests of the incoming-message parser against edna's documented examples.

use serde_json::{json, Value};

use super::*;

const MESSAGE: &str = include_str!("../../../../../fixtures/payloads/edna-message.json");
const LIST_PICKER: &str =
    include_str!("../../../../../fixtures/payloads/edna-message-list-picker.json");

/// Reads `text` as every route reads a body, then as an incoming message.
fn parse(text: &str) -> Result<EdnaIncomingMessage, PayloadError> {
    EdnaIncomingMessage::parse(&crate::edna::object_of(text)?)
}

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

#[test]
fn the_documented_text_message_keeps_what_is_read() {
    assert_eq!(
        parse(MESSAGE).unwrap(),
        EdnaIncomingMessage {
            id: 101,
            subscriber: EdnaSubscriber {
                identifier: "35700000000".into(),
            },
            content: EdnaMessageContent {
                text: Some("Thank you for your help".into()),
                caption: None,
            },
            occurred_at: "2022-04-29T15:30:08.000Z".into(),
            reply_to: EdnaReplyTo {
                out_message_id: Some(5043874),
            },
        }
    );
}

#[test]
fn the_documented_menu_reply_answers_no_campaign_message() {
    let parsed = parse(LIST_PICKER).unwrap();
    assert_eq!(parsed.id, 102);
    assert_eq!(parsed.content, EdnaMessageContent::default());
    assert_eq!(parsed.reply_to, EdnaReplyTo::default());
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
        assert_eq!(parse(&without(field)), expected);
        assert_eq!(parse(&with(field, Value::Null)), expected);
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
        let absent = parse(&without(field));
        assert!(absent.is_ok(), "{field}: {absent:?}");
        assert_eq!(parse(&with(field, Value::Null)), absent, "{field}");
    }
}

#[test]
fn ids_may_arrive_quoted() {
    let parsed = parse(&with("id", json!("101"))).unwrap();
    assert_eq!(parsed.id, 101);
    let parsed = parse(&with("replyOutMessageId", json!("5043874"))).unwrap();
    assert_eq!(parsed.reply_to.out_message_id, Some(5043874));
}

#[test]
fn received_at_with_an_offset_is_normalised_to_utc() {
    let parsed = parse(&with("receivedAt", json!("2022-04-29T18:30:08+03:00"))).unwrap();
    assert_eq!(parsed.occurred_at, "2022-04-29T15:30:08.000Z");
}

#[test]
fn a_media_message_shows_its_caption_and_its_parts_are_any_json() {
    let mut body = documented();
    body["messageContent"]["type"] = json!("IMAGE");
    body["messageContent"]["text"] = Value::Null;
    body["messageContent"]["caption"] = json!("a caption");
    body["messageContent"]["attachment"] =
        json!({"url": "https://files.example/a.jpg", "name": null, "size": 1024});
    body["messageContent"]["location"] = json!({"latitude": 35.1, "longitude": 33.3});
    body["messageContent"]["story"] = json!([1e300]);
    body["messageContent"]["items"] = json!("not a list");
    let parsed = parse(&body.to_string()).unwrap();
    assert_eq!(
        parsed.content,
        EdnaMessageContent {
            text: None,
            caption: Some("a caption".into()),
        }
    );
}

#[test]
fn fields_not_modelled_are_accepted_and_not_read_at_both_levels() {
    let mut body = documented();
    body["lastMessage"] = json!({"id": 9});
    body["messageContent"]["product"] = json!({"sku": "A-1"});
    body["messageContent"]["contact"] = Value::Null;
    body["subscriber"]["name"] = json!(["x"]);
    assert_eq!(parse(&body.to_string()), parse(MESSAGE));
    // A lone surrogate, which no string field takes, in a field nothing reads, sent twice.
    let text = MESSAGE.replacen('{', r#"{"x": "\ud800", "x": 1e400,"#, 1);
    assert_eq!(parse(&text), parse(MESSAGE));
}

#[test]
fn the_documented_parts_nothing_keeps_are_still_checked() {
    for (path, value) in [
        ("subject", json!(1)),
        ("userInfo.userName", json!(1)),
        ("messageContent.payload", json!(1)),
        ("replyInMessageId", json!("x")),
    ] {
        let err = parse(&with(path, value)).unwrap_err();
        assert_eq!(err.field(), Some(path), "{err}");
    }
    let twice = MESSAGE.replacen('{', r#"{"userInfo": null,"#, 1);
    assert_eq!(parse(&twice).unwrap_err().field(), Some("userInfo"));
}

#[test]
fn a_body_that_is_not_one_json_object_is_malformed() {
    for bad in ["", "[]", "101", "{\"id\": 101", "{} []"] {
        let err = parse(bad).unwrap_err();
        assert_eq!(err.reason(), "malformed_json", "{bad}: {err}");
    }
}
