//! Which edna Pulse webhook a body is. edna may send every kind to one URL, and only the click
//! names its kind (`type`), so the others are told apart by the fields edna documents for them.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::record::parse_json;
use crate::PayloadError;

/// The edna Pulse webhook a body looks like. Only the shape is checked: the kind's own parser
/// then validates the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdnaShape {
    /// A link-button click: `type` is `short_link_visited`.
    Click,
    /// A message status: no `type`, and both `status` and `statusAt`.
    Status,
    /// An incoming message: no `type`, and `subscriber` with `messageContent` or `receivedAt`.
    IncomingMessage,
    /// A template status update: edna sends those as a JSON array of templates.
    TemplateStatusList,
    /// Any other JSON object, including one with another `type`.
    Unknown,
}

/// The fields whose presence tells edna's webhooks apart. `null` counts as absent. Only `type` is
/// read for its value; the others are skipped (still checked to be JSON, so a broken body is
/// malformed here already) and left to the kind's own parser.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
struct ShapeWire<'a> {
    #[serde(rename = "type", borrow)]
    event_type: Option<&'a RawValue>,
    status: Option<IgnoredAny>,
    status_at: Option<IgnoredAny>,
    subscriber: Option<IgnoredAny>,
    message_content: Option<IgnoredAny>,
    received_at: Option<IgnoredAny>,
}

/// The click's `type`, the one edna documents.
const CLICK_TYPE: &str = "short_link_visited";

/// Which edna webhook `body` is. A body that is not JSON, or is JSON but neither an object nor an
/// array, is malformed.
///
/// A status is recognised by `status` and `statusAt` alone, not by `messageId`: a status without
/// the message it is about is then reported by the status parser as missing `messageId`, instead
/// of passing as an event of an unknown kind.
pub(crate) fn edna_shape(body: &str) -> Result<EdnaShape, PayloadError> {
    if body.trim_start().starts_with('[') {
        let mut de = serde_json::Deserializer::from_str(body);
        IgnoredAny::deserialize(&mut de)
            .and_then(|_| de.end())
            .map_err(|err| PayloadError::MalformedJson(err.to_string()))?;
        return Ok(EdnaShape::TemplateStatusList);
    }
    let wire: ShapeWire = parse_json(body, "")?;
    if let Some(event_type) = wire.event_type {
        let is_click =
            serde_json::from_str::<Cow<str>>(event_type.get()).is_ok_and(|name| name == CLICK_TYPE);
        return Ok(if is_click {
            EdnaShape::Click
        } else {
            EdnaShape::Unknown
        });
    }
    let is_status = wire.status.is_some() && wire.status_at.is_some();
    let is_message =
        wire.subscriber.is_some() && (wire.message_content.is_some() || wire.received_at.is_some());
    Ok(match (is_status, is_message) {
        (true, false) => EdnaShape::Status,
        (false, true) => EdnaShape::IncomingMessage,
        // Neither, or the fields of both: no documented shape.
        _ => EdnaShape::Unknown,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    const CLICK: &str = include_str!("../../../fixtures/payloads/edna-click.json");
    const STATUS: &str = include_str!("../../../fixtures/payloads/edna-status.json");
    const STATUS_FAILED: &str = include_str!("../../../fixtures/payloads/edna-status-failed.json");
    const MESSAGE: &str = include_str!("../../../fixtures/payloads/edna-message.json");
    const LIST_PICKER: &str =
        include_str!("../../../fixtures/payloads/edna-message-list-picker.json");
    const BOTLINKD_MESSAGE: &str = include_str!("../../../fixtures/payloads/botlinkd-message.json");
    const BOTLINKD_ACK: &str = include_str!("../../../fixtures/payloads/botlinkd-ack.json");

    fn shape(body: &Value) -> EdnaShape {
        edna_shape(&body.to_string()).unwrap()
    }

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn each_documented_example_is_its_own_shape() {
        for (body, expected) in [
            (CLICK, EdnaShape::Click),
            (STATUS, EdnaShape::Status),
            (STATUS_FAILED, EdnaShape::Status),
            (MESSAGE, EdnaShape::IncomingMessage),
            (LIST_PICKER, EdnaShape::IncomingMessage),
        ] {
            assert_eq!(edna_shape(body), Ok(expected), "{body}");
        }
    }

    #[test]
    fn an_array_is_a_template_status_list() {
        // The fields edna documents for a template status update, with made-up values.
        let templates = json!([{
            "id": 7,
            "name": "promo",
            "channelType": "WHATSAPP",
            "language": "en",
            "category": "MARKETING",
            "status": "APPROVED",
            "createdAt": "2023-07-21T13:51:47.862Z",
            "updatedAt": "2023-07-21T13:51:47.862Z"
        }]);
        assert_eq!(shape(&templates), EdnaShape::TemplateStatusList);
        assert_eq!(edna_shape(" []"), Ok(EdnaShape::TemplateStatusList));
    }

    #[test]
    fn any_other_object_is_unknown() {
        let category_changed = json!({
            "type": "message_matcher.category_changed",
            "timestamp": "2025-06-16T12:34:56Z",
            "payload": {"id": 123, "name": "Promotion", "channelType": "WHATSAPP"}
        });
        let mut typed_status = fixture(STATUS);
        typed_status["type"] = json!("status");
        let mut click_typed_as_number = fixture(CLICK);
        click_typed_as_number["type"] = json!(1);
        let escaped_click = r#"{"type": "short_link_visit\u0065d"}"#;
        assert_eq!(edna_shape(escaped_click), Ok(EdnaShape::Click));
        let mut status_and_message = fixture(STATUS);
        status_and_message["subscriber"] = fixture(MESSAGE)["subscriber"].clone();
        status_and_message["receivedAt"] = json!("2022-04-29T15:30:08Z");
        for body in [
            json!({}),
            category_changed,
            typed_status,
            click_typed_as_number,
            status_and_message,
            json!({"status": "READ"}),
            json!({"statusAt": "2025-01-30T11:07:55Z"}),
            json!({"subscriber": {"identifier": "35700000000"}}),
            json!({"messageContent": {"type": "TEXT"}, "receivedAt": "2022-04-29T15:30:08Z"}),
            fixture(BOTLINKD_MESSAGE),
            fixture(BOTLINKD_ACK),
        ] {
            assert_eq!(shape(&body), EdnaShape::Unknown, "{body}");
        }
    }

    #[test]
    fn each_discriminator_alone_decides_and_null_counts_as_absent() {
        let mut status = fixture(STATUS);
        status["type"] = Value::Null;
        status.as_object_mut().unwrap().remove("messageId");
        assert_eq!(shape(&status), EdnaShape::Status);
        status["statusAt"] = Value::Null;
        assert_eq!(shape(&status), EdnaShape::Unknown);

        let mut message = fixture(MESSAGE);
        message.as_object_mut().unwrap().remove("messageContent");
        assert_eq!(shape(&message), EdnaShape::IncomingMessage);
        let mut message = fixture(MESSAGE);
        message.as_object_mut().unwrap().remove("receivedAt");
        assert_eq!(shape(&message), EdnaShape::IncomingMessage);
        message["messageContent"] = Value::Null;
        assert_eq!(shape(&message), EdnaShape::Unknown);
    }

    #[test]
    fn a_body_that_is_not_a_json_object_or_array_is_malformed() {
        for bad in [
            "",
            "42",
            "\"READ\"",
            "null",
            "{\"status\": ",
            "[1,",
            "[] {}",
            "{} []",
        ] {
            let err = edna_shape(bad).unwrap_err();
            assert_eq!(err.reason(), "malformed_json", "{bad}: {err}");
        }
    }

    #[test]
    fn a_repeated_discriminator_is_named() {
        let err = edna_shape(r#"{"status": "READ", "status": "SENT"}"#).unwrap_err();
        assert_eq!(err.field(), Some("status"));
    }
}
