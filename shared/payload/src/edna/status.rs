//! edna Pulse "Webhook about Changing Message Status": the delivery status of a message sent
//! through edna, edna's counterpart of BotLinkd's `ack`.

use serde::Deserialize;

use crate::id::{Identity, MessageRef};
use crate::json::{lenient_u64, required, required_id, Checked, Object, Skip, Text};
use crate::{timestamp, AckStatus, PayloadError};

/// The status of a message sent through edna Pulse changed.
///
/// Only `messageId`, `status` and `statusAt` are required: they name the message, what happened
/// to it and when. edna's table marks the other fields "Required" too, but its own examples send
/// `requestId: null` and `cascadeStageUUID` is documented as "null or data", so "Required" there
/// means the key is sent, not that it has a value; none of them is needed to store the status.
/// Those edna types (`requestId`, `cascadeId`, `subject`, `subjectId`, `comment`, ...) are
/// checked, not kept: the stored raw body has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnaStatusEvent {
    /// `messageId`: the outgoing message the status is about.
    pub message_id: u64,
    /// `status` exactly as sent (`DELIVERED`, `READ`, `FAILED`, ...); see
    /// [`EdnaStatusEvent::known_status`].
    pub status: String,
    /// `statusAt` normalised to RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
    /// `error`: why the message was not delivered (e.g. `error-subject-unknown`), or `None`.
    pub error: Option<String>,
}

/// edna's documented delivery statuses and what each means for the message's status.
///
/// edna's status tables spell them in lower case (`sent`, `delivered`, ...) while its example
/// bodies send upper case (`DELIVERED`, `READ`, `FAILED`), so they are compared without regard to
/// ASCII case. `undelivered`, `failed` and `expired` are edna's words for a message that did not
/// reach the person ("was not been delivered", "could not be delivered", "did not receive the
/// delivered status ... within 24 hours"). `cancelled` (the sending was cancelled), `delayed`
/// and `enqueued` (not sent yet) are no delivery outcome and leave the status alone.
const DOCUMENTED_STATUSES: [(&str, Option<AckStatus>); 9] = [
    ("sent", Some(AckStatus::Sent)),
    ("delivered", Some(AckStatus::Delivered)),
    ("read", Some(AckStatus::Read)),
    ("undelivered", Some(AckStatus::Failed)),
    ("failed", Some(AckStatus::Failed)),
    ("expired", Some(AckStatus::Failed)),
    ("cancelled", None),
    ("delayed", None),
    ("enqueued", None),
];

/// The status's fields: those kept, and those checked and refused twice but not kept.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
#[allow(dead_code)] // the checked fields are not read
struct StatusWire<'a> {
    request_id: Option<Checked>,
    #[serde(default, deserialize_with = "lenient_u64")]
    message_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    cascade_id: Option<u64>,
    #[serde(rename = "cascadeStageUUID")]
    cascade_stage_uuid: Option<Checked>,
    subject: Option<Checked>,
    #[serde(default, deserialize_with = "lenient_u64")]
    subject_id: Option<u64>,
    status: Option<String>,
    #[serde(borrow)]
    status_at: Option<Text<'a>>,
    error: Option<String>,
    comment: Option<Checked>,
    /// WhatsApp conversation billing, any JSON.
    #[serde(default)]
    payment_data: Skip,
}

impl EdnaStatusEvent {
    /// The status as one this product understands, or `None` for any other (kept, and leaves the
    /// message's status alone).
    pub fn known_status(&self) -> Option<AckStatus> {
        DOCUMENTED_STATUSES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&self.status))
            .and_then(|(_, known)| *known)
    }

    /// Parses and validates a message-status webhook body.
    pub(crate) fn parse(body: &Object) -> Result<EdnaStatusEvent, PayloadError> {
        let wire: StatusWire = body.fields()?;
        let message_id = required(wire.message_id, "messageId")?;
        // The status will be part of the status event's key, so it gets an id's checks.
        let status = required_id(wire.status, "status")?;
        let status_at = required(wire.status_at, "statusAt")?;
        let occurred_at = timestamp::from_iso8601(&status_at.0, "statusAt")?;
        Ok(EdnaStatusEvent {
            message_id,
            status,
            occurred_at,
            error: wire.error,
        })
    }

    /// A status belongs to the message it is about, and is told from the message's other
    /// statuses by its status, in lower case: edna's statuses are upper case, and a retry in
    /// another case is the same status.
    pub(crate) fn identity(&self) -> Identity<'_> {
        Identity {
            message: MessageRef::EdnaSent(self.message_id),
            discriminator: vec![self.status.to_ascii_lowercase()],
            occurred_at: &self.occurred_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    const STATUS: &str = include_str!("../../../../fixtures/payloads/edna-status.json");
    const FAILED: &str = include_str!("../../../../fixtures/payloads/edna-status-failed.json");

    /// Reads `text` as every route reads a body, then as a status.
    fn parse(text: &str) -> Result<EdnaStatusEvent, PayloadError> {
        EdnaStatusEvent::parse(&crate::edna::object_of(text)?)
    }

    fn documented() -> Value {
        serde_json::from_str(STATUS).unwrap()
    }

    /// edna's documented example with one top-level field replaced (or added).
    fn with(field: &str, value: Value) -> String {
        let mut body = documented();
        body[field] = value;
        body.to_string()
    }

    /// edna's documented example without one top-level field.
    fn without(field: &str) -> String {
        let mut body = documented();
        body.as_object_mut().unwrap().remove(field).unwrap();
        body.to_string()
    }

    #[test]
    fn the_documented_example_keeps_what_is_read() {
        let parsed = parse(STATUS).unwrap();
        assert_eq!(
            parsed,
            EdnaStatusEvent {
                message_id: 8681748,
                status: "DELIVERED".into(),
                occurred_at: "2025-01-30T11:07:55.000Z".into(),
                error: None,
            }
        );
        assert_eq!(parsed.known_status(), Some(AckStatus::Delivered));
    }

    #[test]
    fn the_documented_failure_names_no_message_until_it_has_a_message_id() {
        assert_eq!(parse(FAILED), Err(PayloadError::MissingField("messageId")));
        let mut body: Value = serde_json::from_str(FAILED).unwrap();
        body["messageId"] = json!(8681748);
        let parsed = parse(&body.to_string()).unwrap();
        assert_eq!(parsed.known_status(), Some(AckStatus::Failed));
        assert_eq!(parsed.error.as_deref(), Some("error-subject-unknown"));
        assert_eq!(parsed.occurred_at, "2021-01-21T08:00:00.000Z");
    }

    #[test]
    fn each_required_field_missing_or_null_is_named() {
        for field in ["messageId", "status", "statusAt"] {
            let expected = Err(PayloadError::MissingField(field));
            assert_eq!(parse(&without(field)), expected, "{field}");
            assert_eq!(parse(&with(field, Value::Null)), expected);
        }
    }

    #[test]
    fn every_other_field_may_be_absent_or_null() {
        let optional = [
            "requestId",
            "cascadeId",
            "cascadeStageUUID",
            "subject",
            "subjectId",
            "error",
            "comment",
            "paymentData",
        ];
        let mut body = documented();
        for field in optional {
            body[field] = Value::Null;
        }
        let nulls = parse(&body.to_string()).unwrap();
        for field in optional {
            body.as_object_mut().unwrap().remove(field);
        }
        let absent = parse(&body.to_string()).unwrap();
        assert_eq!(nulls, absent);
        assert_eq!(absent.error, None);
    }

    #[test]
    fn numbers_may_arrive_quoted() {
        let parsed = parse(&with("messageId", json!("8681748"))).unwrap();
        assert_eq!(parsed.message_id, 8681748);
    }

    #[test]
    fn status_at_with_an_offset_is_normalised_to_utc() {
        let parsed = parse(&with("statusAt", json!("2025-01-30T14:07:55+03:00"))).unwrap();
        assert_eq!(parsed.occurred_at, "2025-01-30T11:07:55.000Z");
        let parsed = parse(&with("statusAt", json!("2025-01-30T01:07:55.25+0300"))).unwrap();
        assert_eq!(parsed.occurred_at, "2025-01-29T22:07:55.250Z");
    }

    #[test]
    fn documented_statuses_map_in_either_case_and_others_are_kept_unranked() {
        let status = |value: &str| parse(&with("status", json!(value))).unwrap().known_status();
        // Grouped by what they mean, in the cases edna's tables and examples use.
        for (expected, values) in [
            (Some(AckStatus::Sent), &["SENT", "sent"][..]),
            (Some(AckStatus::Delivered), &["DELIVERED", "Delivered"]),
            (Some(AckStatus::Read), &["READ", "read"]),
            (
                Some(AckStatus::Failed),
                &["FAILED", "UNDELIVERED", "expired"],
            ),
            (
                None,
                &["CANCELLED", "DELAYED", "ENQUEUED", "PENDING", "PLAYED"],
            ),
        ] {
            for value in values {
                assert_eq!(status(value), expected, "{value}");
            }
        }
        for (name, known) in DOCUMENTED_STATUSES {
            assert_eq!(status(&name.to_ascii_uppercase()), known, "{name}");
        }
        let kept = parse(&with("status", json!("PENDING"))).unwrap();
        assert_eq!(kept.status, "PENDING");
    }

    #[test]
    fn fields_not_modelled_are_accepted_and_not_read() {
        // Values that no field type would take (a number beyond f64, a lone surrogate), in fields
        // edna does not document, sent twice: not read, so not refused. The stored raw body keeps
        // them.
        let mut body = documented().to_string();
        body.pop();
        body.push_str(r#","channelType":"WHATSAPP","lastMessage":{"id":1e400,"text":"\ud800"}"#);
        body.push_str(r#","lastMessage":null}"#);
        assert_eq!(parse(&body), parse(STATUS));
        // The documented fields nothing keeps are still checked.
        let err = parse(&with("comment", json!(1))).unwrap_err();
        assert_eq!(err.field(), Some("comment"));
        let err = parse(&body.replace(r#""paymentData""#, r#""paymentData":1,"paymentData""#))
            .unwrap_err();
        assert_eq!(err.field(), Some("paymentData"), "{err}");
    }

    #[test]
    fn a_body_that_is_not_one_json_object_is_malformed() {
        for bad in ["", "[]", "\"DELIVERED\"", "{\"messageId\": 1", "{} {}"] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.reason(), "malformed_json", "{bad}: {err}");
        }
    }
}
