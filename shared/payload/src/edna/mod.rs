//! edna Pulse: its webhooks' formats, how a body of edna's is told apart, and what identifies
//! each event.
//!
//! edna may send every kind to one URL, and only the click names its kind (`type`), so the others
//! are told apart by the fields edna documents for them: a message status by `status` and
//! `statusAt`, an incoming message by `subscriber` with `messageContent` or `receivedAt`. A
//! template-status update is a JSON array. Anything else edna sends is an unmodelled edna event.

mod click;
mod message;
mod status;

pub use click::ClickEvent;
pub use message::{EdnaIncomingMessage, EdnaMessageContent, EdnaReplyTo, EdnaSubscriber};
pub use status::EdnaStatusEvent;

use crate::json::{Body, Mark};
use crate::provider::{CredentialScheme, Credentials, Declaration, SecretVariables, UrlCheck};
use crate::record::{Format, WebhookEvent};
use crate::{EventKind, PayloadError, Provider, Route};

/// Everything the rest of the code knows about edna Pulse.
pub(crate) static DECLARATION: Declaration = Declaration {
    name: "edna",
    display_name: "edna Pulse",
    modelled_kinds: &[EventKind::Click, EventKind::InboundMessage, EventKind::Ack],
    events_route: Route::EdnaEvents,
    format: Format {
        mark,
        claims,
        parse,
    },
    // edna sends the key it generated with every webhook, but none of its pages names the
    // header: a guessed header name could turn every click into a 401.
    credentials: Credentials {
        scheme: CredentialScheme::AnyHeaderOrBearer,
        variables: SecretVariables {
            value: "EDNA_API_KEYS",
            parameter: "EDNA_API_KEYS_PARAMETER",
        },
        // "Authenticate webhooks from edna Pulse" is optional in edna's dashboard.
        disabled_by: Some("EDNA_AUTH_DISABLED"),
        min_chars: 1,
        // edna's pages do not say how long its keys are, so a short one is reported, not
        // refused: a guess offered in every header of one request may find it.
        guessable_below_chars: Some(16),
        secret_noun: "key",
    },
    // edna sends HEAD, without its key, to a URL before it registers it, and needs a 200.
    url_check: Some(UrlCheck::Head),
};

/// edna's discriminators: the click's `type` (a string), and `payload`, which only the click
/// sends.
fn mark(name: &str) -> Option<(&'static str, Mark)> {
    match name {
        "type" => Some(("type", Mark::Text)),
        "payload" => Some(("payload", Mark::Once)),
        _ => None,
    }
}

/// The edna Pulse webhook a body looks like. Only the shape is checked: the kind's own parser
/// then validates the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A link-button click: `type` is `short_link_visited`.
    Click,
    /// A message status: no `type`, and both `status` and `statusAt`.
    Status,
    /// An incoming message: no `type`, and `subscriber` with `messageContent` or `receivedAt`.
    IncomingMessage,
    /// A template status update: edna sends those as a JSON array of templates.
    TemplateStatusList,
    /// An object with another `type`: an edna event this product does not model.
    OtherType,
    /// Any other JSON object.
    Unknown,
}

/// The click's `type`, the one edna documents.
const CLICK_TYPE: &str = "short_link_visited";

/// The fields whose presence tells a status from an incoming message; each may appear once.
const SHAPE_FIELDS: [&str; 5] = [
    "status",
    "statusAt",
    "subscriber",
    "messageContent",
    "receivedAt",
];

/// Which edna webhook `body` is. `null` counts as absent.
///
/// A status is recognised by `status` and `statusAt` alone, not by `messageId`: a status without
/// the message it is about is then reported by the status parser as missing `messageId`, instead
/// of passing as an event of an unknown kind.
fn shape(body: &Body) -> Result<Shape, PayloadError> {
    let Some(object) = body.object() else {
        return Ok(Shape::TemplateStatusList);
    };
    match object.text("type") {
        Some(CLICK_TYPE) => return Ok(Shape::Click),
        Some(_) => return Ok(Shape::OtherType),
        None => {}
    }
    if let Some(repeated) = object.first_repeat(&SHAPE_FIELDS) {
        return Err(PayloadError::repeated(repeated));
    }
    let is_status = object.has("status") && object.has("statusAt");
    let is_message =
        object.has("subscriber") && (object.has("messageContent") || object.has("receivedAt"));
    Ok(match (is_status, is_message) {
        (true, false) => Shape::Status,
        (false, true) => Shape::IncomingMessage,
        // Neither, or the fields of both: no documented shape.
        _ => Shape::Unknown,
    })
}

/// Whether `body`, on whatever route, is edna's: it names a `type`, or has the shape of a status
/// or an incoming message. An array is edna's only on edna's own routes.
fn claims(body: &Body) -> Result<bool, PayloadError> {
    Ok(matches!(
        shape(body)?,
        Shape::Click | Shape::OtherType | Shape::Status | Shape::IncomingMessage
    ))
}

/// The event an edna body is, read on an edna route.
fn parse(body: &Body) -> Result<WebhookEvent, PayloadError> {
    let shape = shape(body)?;
    let Some(object) = body.object() else {
        return Ok(WebhookEvent::Unmodelled(Provider::Edna));
    };
    // Only edna's click wraps its fields in `payload`: a body with one but no `type` is a click
    // with a missing field, not a status or an unmodelled event.
    let untyped = matches!(
        shape,
        Shape::Status | Shape::IncomingMessage | Shape::Unknown
    );
    if untyped && object.has("payload") {
        return Err(PayloadError::MissingField("type"));
    }
    Ok(match shape {
        Shape::Click => WebhookEvent::Click(ClickEvent::parse(object)?),
        Shape::Status => WebhookEvent::EdnaStatus(EdnaStatusEvent::parse(object)?),
        Shape::IncomingMessage => {
            WebhookEvent::EdnaMessage(Box::new(EdnaIncomingMessage::parse(object)?))
        }
        Shape::TemplateStatusList | Shape::OtherType | Shape::Unknown => {
            WebhookEvent::Unmodelled(Provider::Edna)
        }
    })
}

/// Reads `text` as every route reads a body, for the tests of one kind's parser.
#[cfg(test)]
fn object_of(text: &str) -> Result<crate::json::Object<'_>, PayloadError> {
    crate::json::Object::read(text, crate::record::discriminator)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    const CLICK: &str = include_str!("../../../../fixtures/payloads/edna-click.json");
    const STATUS: &str = include_str!("../../../../fixtures/payloads/edna-status.json");
    const STATUS_FAILED: &str =
        include_str!("../../../../fixtures/payloads/edna-status-failed.json");
    const MESSAGE: &str = include_str!("../../../../fixtures/payloads/edna-message.json");
    const LIST_PICKER: &str =
        include_str!("../../../../fixtures/payloads/edna-message-list-picker.json");
    const BOTLINKD_MESSAGE: &str =
        include_str!("../../../../fixtures/payloads/botlinkd-message.json");
    const BOTLINKD_ACK: &str = include_str!("../../../../fixtures/payloads/botlinkd-ack.json");

    fn edna_shape(text: &str) -> Result<Shape, PayloadError> {
        shape(&Body::read(text, crate::record::discriminator)?)
    }

    fn shape_of(body: &Value) -> Shape {
        edna_shape(&body.to_string()).unwrap()
    }

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn each_documented_example_is_its_own_shape() {
        for (body, expected) in [
            (CLICK, Shape::Click),
            (STATUS, Shape::Status),
            (STATUS_FAILED, Shape::Status),
            (MESSAGE, Shape::IncomingMessage),
            (LIST_PICKER, Shape::IncomingMessage),
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
        assert_eq!(shape_of(&templates), Shape::TemplateStatusList);
        assert_eq!(edna_shape(" []"), Ok(Shape::TemplateStatusList));
    }

    #[test]
    fn another_type_is_another_edna_event_and_any_other_object_is_unknown() {
        let category_changed = json!({
            "type": "message_matcher.category_changed",
            "timestamp": "2025-06-16T12:34:56Z",
            "payload": {"id": 123, "name": "Promotion", "channelType": "WHATSAPP"}
        });
        let mut typed_status = fixture(STATUS);
        typed_status["type"] = json!("status");
        for body in [category_changed, typed_status] {
            assert_eq!(shape_of(&body), Shape::OtherType, "{body}");
        }
        let escaped_click = r#"{"type": "short_link_visit\u0065d"}"#;
        assert_eq!(edna_shape(escaped_click), Ok(Shape::Click));
        // A `type` that is no string is no event of any kind: a broken field.
        let mut click_typed_as_number = fixture(CLICK);
        click_typed_as_number["type"] = json!(1);
        let err = edna_shape(&click_typed_as_number.to_string()).unwrap_err();
        assert_eq!(err.field(), Some("type"), "{err}");
        let mut status_and_message = fixture(STATUS);
        status_and_message["subscriber"] = fixture(MESSAGE)["subscriber"].clone();
        status_and_message["receivedAt"] = json!("2022-04-29T15:30:08Z");
        for body in [
            json!({}),
            status_and_message,
            json!({"status": "READ"}),
            json!({"statusAt": "2025-01-30T11:07:55Z"}),
            json!({"subscriber": {"identifier": "35700000000"}}),
            json!({"messageContent": {"type": "TEXT"}, "receivedAt": "2022-04-29T15:30:08Z"}),
            fixture(BOTLINKD_MESSAGE),
            fixture(BOTLINKD_ACK),
        ] {
            assert_eq!(shape_of(&body), Shape::Unknown, "{body}");
        }
    }

    #[test]
    fn each_discriminator_alone_decides_and_null_counts_as_absent() {
        let mut status = fixture(STATUS);
        status["type"] = Value::Null;
        status.as_object_mut().unwrap().remove("messageId");
        assert_eq!(shape_of(&status), Shape::Status);
        status["statusAt"] = Value::Null;
        assert_eq!(shape_of(&status), Shape::Unknown);

        let mut message = fixture(MESSAGE);
        message.as_object_mut().unwrap().remove("messageContent");
        assert_eq!(shape_of(&message), Shape::IncomingMessage);
        let mut message = fixture(MESSAGE);
        message.as_object_mut().unwrap().remove("receivedAt");
        assert_eq!(shape_of(&message), Shape::IncomingMessage);
        message["messageContent"] = Value::Null;
        assert_eq!(shape_of(&message), Shape::Unknown);
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
        let err = edna_shape(r#"{"payload": {}, "type": "x", "payload": {}}"#).unwrap_err();
        assert_eq!(err.field(), Some("payload"));
    }

    #[test]
    fn each_documented_body_is_read_whole_once() {
        for body in [CLICK, STATUS, MESSAGE, LIST_PICKER] {
            let event = crate::parse_event(crate::Route::EdnaEvents, body.as_bytes());
            assert!(event.is_ok(), "{event:?}");
            assert_eq!(crate::json::reads_of(body), 1, "{body}");
        }
    }
}
