//! edna Pulse "Webhook about Changing Message Status": the delivery status of a message sent
//! through edna, edna's counterpart of BotLinkd's `ack`.

use serde::Deserialize;

use crate::fields::{extra_fields, json_text, lenient_u64, required, required_id};
use crate::record::parse_json;
use crate::{timestamp, AckStatus, PayloadError};

/// The status of a message sent through edna Pulse changed.
///
/// Only `messageId`, `status` and `statusAt` are required: they name the message, what happened
/// to it and when. edna's table marks the other fields "Required" too, but its own examples send
/// `requestId: null` and `cascadeStageUUID` is documented as "null or data", so "Required" there
/// means the key is sent, not that it has a value; none of them is needed to store the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnaStatusEvent {
    /// `requestId`: the API request the message was generated from (`null` in edna's `FAILED`
    /// example, and absent for messages not sent through the API).
    pub request_id: Option<String>,
    /// `messageId`: the outgoing message the status is about.
    pub message_id: u64,
    /// `cascadeId`: the cascade the message was sent by.
    pub cascade_id: Option<u64>,
    /// `cascadeStageUUID`: the cascade stage, "null or data".
    pub cascade_stage_uuid: Option<String>,
    /// `subject`: the channel name.
    pub subject: Option<String>,
    /// `subjectId`: the channel id.
    pub subject_id: Option<u64>,
    /// `status` exactly as sent (`DELIVERED`, `READ`, `FAILED`, ...); see
    /// [`EdnaStatusEvent::known_status`].
    pub status: String,
    /// `statusAt` exactly as sent.
    pub status_at: String,
    /// `statusAt` normalised to RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
    /// `error`: why the message was not delivered (e.g. `error-subject-unknown`), or `None`.
    pub error: Option<String>,
    /// `comment`: the text comment given when the message was sent, or `None`.
    pub comment: Option<String>,
    /// `paymentData` (WhatsApp conversation billing: `@type`, `conversationId`,
    /// `conversationType`, `chargeable`, `type`) as the JSON text edna sent, or `None`.
    pub payment_data: Option<String>,
    /// The top-level fields not modelled above, as a JSON object, so that none is lost.
    pub extra: Option<String>,
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
struct StatusWire {
    request_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    message_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    cascade_id: Option<u64>,
    #[serde(rename = "cascadeStageUUID")]
    cascade_stage_uuid: Option<String>,
    subject: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    subject_id: Option<u64>,
    status: Option<String>,
    status_at: Option<String>,
    error: Option<String>,
    comment: Option<String>,
    #[serde(default, deserialize_with = "json_text")]
    payment_data: Option<String>,
}

/// The top-level fields [`StatusWire`] models, as edna names them.
const STATUS_FIELDS: &[&str] = &[
    "requestId",
    "messageId",
    "cascadeId",
    "cascadeStageUUID",
    "subject",
    "subjectId",
    "status",
    "statusAt",
    "error",
    "comment",
    "paymentData",
];

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
    pub(crate) fn parse(body: &str) -> Result<EdnaStatusEvent, PayloadError> {
        let wire: StatusWire = parse_json(body, "")?;
        let message_id = required(wire.message_id, "messageId")?;
        // The status will be part of the status event's key, so it gets an id's checks.
        let status = required_id(wire.status, "status")?;
        let status_at = required(wire.status_at, "statusAt")?;
        let occurred_at = timestamp::from_iso8601(&status_at, "statusAt")?;
        let extra = extra_fields(body, "", STATUS_FIELDS)?;
        Ok(EdnaStatusEvent {
            request_id: wire.request_id,
            message_id,
            cascade_id: wire.cascade_id,
            cascade_stage_uuid: wire.cascade_stage_uuid,
            subject: wire.subject,
            subject_id: wire.subject_id,
            status,
            status_at,
            occurred_at,
            error: wire.error,
            comment: wire.comment,
            payment_data: wire.payment_data,
            extra,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    const STATUS: &str = include_str!("../../../fixtures/payloads/edna-status.json");
    const FAILED: &str = include_str!("../../../fixtures/payloads/edna-status-failed.json");

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
    fn the_documented_example_keeps_every_field() {
        let payment_data = json!({
            "@type": "WhatsAppConversationPaymentData",
            "conversationId": "test0001",
            "conversationType": "marketing",
            "chargeable": true,
            "type": "WHATSAPP_CONVERSATION"
        });
        let parsed = EdnaStatusEvent::parse(STATUS).unwrap();
        assert_eq!(
            parsed,
            EdnaStatusEvent {
                request_id: Some("test-00135".into()),
                message_id: 8681748,
                cascade_id: Some(11),
                cascade_stage_uuid: Some("001-test001".into()),
                subject: Some("test_subject".into()),
                subject_id: Some(2),
                status: "DELIVERED".into(),
                status_at: "2025-01-30T11:07:55Z".into(),
                occurred_at: "2025-01-30T11:07:55.000Z".into(),
                error: None,
                comment: None,
                payment_data: parsed.payment_data.clone(),
                extra: None,
            }
        );
        let kept: Value = serde_json::from_str(parsed.payment_data.as_deref().unwrap()).unwrap();
        assert_eq!(kept, payment_data);
        assert_eq!(parsed.known_status(), Some(AckStatus::Delivered));
    }

    #[test]
    fn the_documented_failure_names_no_message_until_it_has_a_message_id() {
        assert_eq!(
            EdnaStatusEvent::parse(FAILED),
            Err(PayloadError::MissingField("messageId"))
        );
        let mut body: Value = serde_json::from_str(FAILED).unwrap();
        body["messageId"] = json!(8681748);
        let parsed = EdnaStatusEvent::parse(&body.to_string()).unwrap();
        assert_eq!(parsed.known_status(), Some(AckStatus::Failed));
        assert_eq!(parsed.error.as_deref(), Some("error-subject-unknown"));
        assert_eq!(parsed.comment.as_deref(), Some("Comment"));
        assert_eq!(parsed.request_id, None);
        assert_eq!(parsed.payment_data, None);
        assert_eq!(parsed.occurred_at, "2021-01-21T08:00:00.000Z");
    }

    #[test]
    fn each_required_field_missing_or_null_is_named() {
        for field in ["messageId", "status", "statusAt"] {
            let expected = Err(PayloadError::MissingField(field));
            assert_eq!(EdnaStatusEvent::parse(&without(field)), expected, "{field}");
            assert_eq!(EdnaStatusEvent::parse(&with(field, Value::Null)), expected);
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
        let nulls = EdnaStatusEvent::parse(&body.to_string()).unwrap();
        for field in optional {
            body.as_object_mut().unwrap().remove(field);
        }
        let absent = EdnaStatusEvent::parse(&body.to_string()).unwrap();
        assert_eq!(nulls, absent);
        assert_eq!(absent.request_id, None);
        assert_eq!(absent.payment_data, None);
        assert_eq!(absent.extra, None);
    }

    #[test]
    fn numbers_may_arrive_quoted() {
        let parsed = EdnaStatusEvent::parse(&with("messageId", json!("8681748"))).unwrap();
        assert_eq!(parsed.message_id, 8681748);
    }

    #[test]
    fn status_at_with_an_offset_is_normalised_to_utc_and_kept_as_sent() {
        let parsed =
            EdnaStatusEvent::parse(&with("statusAt", json!("2025-01-30T14:07:55+03:00"))).unwrap();
        assert_eq!(parsed.status_at, "2025-01-30T14:07:55+03:00");
        assert_eq!(parsed.occurred_at, "2025-01-30T11:07:55.000Z");
        let parsed =
            EdnaStatusEvent::parse(&with("statusAt", json!("2025-01-30T01:07:55.25+0300")))
                .unwrap();
        assert_eq!(parsed.occurred_at, "2025-01-29T22:07:55.250Z");
    }

    #[test]
    fn documented_statuses_map_in_either_case_and_others_are_kept_unranked() {
        let status = |value: &str| {
            EdnaStatusEvent::parse(&with("status", json!(value)))
                .unwrap()
                .known_status()
        };
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
        let kept = EdnaStatusEvent::parse(&with("status", json!("PENDING"))).unwrap();
        assert_eq!(kept.status, "PENDING");
    }

    #[test]
    fn fields_not_modelled_are_kept_as_extra() {
        let mut body = documented();
        body["channelType"] = json!("WHATSAPP");
        body["lastMessage"] = json!({"id": 1, "text": null});
        let parsed = EdnaStatusEvent::parse(&body.to_string()).unwrap();
        let extra: Value = serde_json::from_str(parsed.extra.as_deref().unwrap()).unwrap();
        assert_eq!(
            extra,
            json!({"channelType": "WHATSAPP", "lastMessage": {"id": 1, "text": null}})
        );
    }

    #[test]
    fn a_body_that_is_not_one_json_object_is_malformed() {
        for bad in ["", "[]", "\"DELIVERED\"", "{\"messageId\": 1", "{} {}"] {
            let err = EdnaStatusEvent::parse(bad).unwrap_err();
            assert_eq!(err.reason(), "malformed_json", "{bad}: {err}");
        }
    }
}
