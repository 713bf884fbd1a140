//! The message's status item: which acks it keeps inline, their attributes, and the conditional
//! UpdateItems that write them. The expressions name attributes only through `#` placeholders
//! bound to this module's names, so each attribute name is written once in the crate.

use std::fmt::Write as _;

use aws_sdk_dynamodb::types::AttributeValue;
use webhook_payload::{AckStatus, EventRecord, MessageRef, StatusChange, WebhookEvent};

use super::key::{status_key, ItemKey};
use super::{EXPIRES_AT, KIND, KIND_STATUS, STATUS, STATUS_AT, STATUS_RANK};

/// Largest ack body kept inside its message's status item. Documented acks are ~150 bytes; a
/// larger one is stored as an item of its own, so that the status item (one per message, up to
/// four known statuses) stays small and far from the item limit.
pub const MAX_INLINE_ACK_BYTES: usize = 4 * 1024;

/// Hex digits of the body hash kept per ack: 64 bits tell a retry from another body under the
/// same message and status, and the status item stays under 1 KB with three acks.
pub const ACK_SHA_CHARS: usize = 16;

/// What the status item keeps of each ack of a known status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckField {
    /// When it happened (RFC 3339 UTC, ms). For `failed`, also set by a `failed` ack kept as an
    /// item of its own ([`status_update`]): when the message first failed.
    At,
    /// The raw body.
    Body,
    /// The body hash, shortened ([`ACK_SHA_CHARS`]): a retry's is the same.
    Sha,
    /// The conditional write that stored it (see `DynamoDbStore`).
    DeliveryId,
}

/// The status item's attribute for one field of the ack of `status`: `read_at`, `read_body`,
/// `read_sha`, `read_id`.
pub fn ack_attribute(status: AckStatus, field: AckField) -> String {
    let suffix = match field {
        AckField::At => "at",
        AckField::Body => "body",
        AckField::Sha => "sha",
        AckField::DeliveryId => "id",
    };
    format!("{}_{suffix}", status.as_str())
}

/// The known status of an ack that is kept inside its message's status item, or `None` for an
/// ack stored as an item of its own (an unknown status, or a body over
/// [`MAX_INLINE_ACK_BYTES`]).
pub fn inline_ack_status(record: &EventRecord) -> Option<AckStatus> {
    match &record.event {
        WebhookEvent::Ack(_) | WebhookEvent::EdnaStatus(_)
            if record.raw_body.len() <= MAX_INLINE_ACK_BYTES =>
        {
            record.known_status()
        }
        _ => None,
    }
}

/// The short body hash kept per inline ack.
pub fn ack_sha(record: &EventRecord) -> &str {
    &record.body_sha256[..ACK_SHA_CHARS]
}

/// One conditional UpdateItem of a message's status item, as data: the store sends it through
/// the SDK and the bench's floor as raw JSON, from this one definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The message's status item.
    pub key: ItemKey,
    /// `SET #a = :a, ...`.
    pub update_expression: String,
    /// What must hold for the write to happen.
    pub condition_expression: String,
    /// `#name` placeholders and the attributes they stand for.
    pub names: Vec<(&'static str, String)>,
    /// `:value` placeholders.
    pub values: Vec<(&'static str, AttributeValue)>,
}

impl Update {
    fn on_status_item(message: &MessageRef) -> Update {
        Update {
            key: status_key(message),
            update_expression: String::new(),
            condition_expression: String::new(),
            names: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Adds `name = placeholder` to the SET clause, `name` standing for `attribute`.
    fn set(&mut self, name: &'static str, attribute: impl Into<String>, placeholder: &'static str) {
        let separator = if self.update_expression.is_empty() {
            "SET "
        } else {
            ", "
        };
        let _ = write!(self.update_expression, "{separator}{name} = {placeholder}");
        self.names.push((name, attribute.into()));
    }

    /// [`Update::set`] with a new value for `placeholder`.
    fn set_to(
        &mut self,
        name: &'static str,
        attribute: impl Into<String>,
        placeholder: &'static str,
        value: AttributeValue,
    ) {
        self.set(name, attribute, placeholder);
        self.values.push((placeholder, value));
    }

    /// Adds a condition, joined to the others with AND.
    fn require(&mut self, condition: &str) {
        if self.condition_expression.is_empty() {
            self.condition_expression.push_str(condition);
        } else {
            let _ = write!(self.condition_expression, " AND ({condition})");
        }
    }

    /// Moves the current status to `status` (of `rank`) at `:at`, only forward.
    fn advance(&mut self, status: AckStatus, rank: u8) {
        self.set_to("#status", STATUS, ":status", s(status.as_str()));
        self.set_to("#rank", STATUS_RANK, ":rank", n(rank));
        self.set("#status_at", STATUS_AT, ":at");
        self.require("attribute_not_exists(#rank) OR #rank < :rank");
    }

    /// Marks the item a status item, and keeps it for the retention period from this write.
    fn finish(mut self, expires_at: Option<u64>) -> Update {
        self.set_to("#kind", KIND, ":kind", s(KIND_STATUS));
        if let Some(expires_at) = expires_at {
            self.set_to("#expires", EXPIRES_AT, ":expires", n(expires_at));
        }
        self
    }
}

/// The update that keeps `record`, an ack of `status`, in its message's status item; with
/// `advance` (the status's rank) it also moves the current status, on condition that this is a
/// step forward.
pub fn ack_update(
    record: &EventRecord,
    status: AckStatus,
    advance: Option<u8>,
    delivery_id: &str,
    expires_at: Option<u64>,
) -> Update {
    let attribute = |field| ack_attribute(status, field);
    let mut update = Update::on_status_item(&record.id.message);
    update.set_to(
        "#at",
        attribute(AckField::At),
        ":at",
        s(&record.occurred_at),
    );
    update.set_to(
        "#body",
        attribute(AckField::Body),
        ":body",
        s(&record.raw_body),
    );
    update.set_to("#sha", attribute(AckField::Sha), ":sha", s(ack_sha(record)));
    update.set_to(
        "#id",
        attribute(AckField::DeliveryId),
        ":id",
        s(delivery_id),
    );
    update.require("attribute_not_exists(#sha)");
    if let Some(rank) = advance {
        update.advance(status, rank);
    }
    update.finish(expires_at)
}

/// The update of a message's status by an ack kept as an item of its own: `sent`, `delivered`
/// and `read` move the status forward only; `failed` records when the message first failed and
/// never moves it.
pub fn status_update(change: &StatusChange, expires_at: Option<u64>) -> Update {
    let mut update = Update::on_status_item(&change.message);
    update.values.push((":at", s(&change.occurred_at)));
    match change.status.rank() {
        Some(rank) => update.advance(change.status, rank),
        None => {
            let failed_at = ack_attribute(change.status, AckField::At);
            update.set("#failed_at", failed_at, ":at");
            update.require("attribute_not_exists(#failed_at)");
        }
    }
    update.finish(expires_at)
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhook_payload::{parse_event, Route};

    const ACK: &str = include_str!("../../../../fixtures/payloads/botlinkd-ack.json");
    const MESSAGE: &str = include_str!("../../../../fixtures/payloads/botlinkd-message.json");

    fn names(update: &Update) -> Vec<(&str, &str)> {
        update
            .names
            .iter()
            .map(|(name, attribute)| (*name, attribute.as_str()))
            .collect()
    }

    #[test]
    fn only_acks_of_known_statuses_with_small_bodies_are_kept_inline() {
        let ack = |status: &str, pad: usize| {
            let body = format!(
                r#"{{"event":"ack","instance_id":"1","data":{{"message_id":"m","status":"{status}","timestamp":1,"pad":"{}"}}}}"#,
                "p".repeat(pad)
            );
            parse_event(Route::BotlinkdAcks, body.as_bytes()).unwrap()
        };
        assert_eq!(inline_ack_status(&ack("read", 0)), Some(AckStatus::Read));
        assert_eq!(
            inline_ack_status(&ack("failed", 0)),
            Some(AckStatus::Failed)
        );
        assert_eq!(inline_ack_status(&ack("played", 0)), None);
        assert_eq!(inline_ack_status(&ack("read", MAX_INLINE_ACK_BYTES)), None);
        let message = parse_event(Route::BotlinkdMessages, MESSAGE.as_bytes()).unwrap();
        assert_eq!(inline_ack_status(&message), None);
        assert_eq!(ack_attribute(AckStatus::Read, AckField::At), "read_at");
        assert_eq!(ack_attribute(AckStatus::Failed, AckField::At), "failed_at");
    }

    #[test]
    fn an_inline_ack_that_moves_the_status_is_one_conditional_update() {
        let record = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
        let update = ack_update(
            &record,
            AckStatus::Read,
            Some(3),
            "d-1",
            Some(1_800_000_000),
        );
        assert_eq!(update.key.sk, crate::item::STATUS_SORT_KEY);
        assert_eq!(
            update.update_expression,
            "SET #at = :at, #body = :body, #sha = :sha, #id = :id, #status = :status, \
             #rank = :rank, #status_at = :at, #kind = :kind, #expires = :expires"
        );
        assert_eq!(
            update.condition_expression,
            "attribute_not_exists(#sha) AND (attribute_not_exists(#rank) OR #rank < :rank)"
        );
        assert_eq!(
            names(&update),
            [
                ("#at", "read_at"),
                ("#body", "read_body"),
                ("#sha", "read_sha"),
                ("#id", "read_id"),
                ("#status", STATUS),
                ("#rank", STATUS_RANK),
                ("#status_at", STATUS_AT),
                ("#kind", KIND),
                ("#expires", EXPIRES_AT),
            ]
        );
        let value = |placeholder| {
            update
                .values
                .iter()
                .find(|(p, _)| *p == placeholder)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(value(":rank"), Some(n(3)));
        assert_eq!(value(":kind"), Some(s(KIND_STATUS)));
        assert_eq!(value(":body"), Some(s(ACK)));
        assert_eq!(update.values.len(), 8, "each placeholder bound once");
    }

    #[test]
    fn a_late_inline_ack_only_adds_itself() {
        let record = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
        let update = ack_update(&record, AckStatus::Sent, None, "d-1", None);
        assert!(!update.update_expression.contains("#status"));
        assert_eq!(update.condition_expression, "attribute_not_exists(#sha)");
    }

    #[test]
    fn a_status_change_moves_forward_only_and_failed_is_recorded_once() {
        let record = parse_event(Route::BotlinkdAcks, ACK.as_bytes()).unwrap();
        let read = record.status_change().unwrap();
        let update = status_update(&read, None);
        assert_eq!(
            update.update_expression,
            "SET #status = :status, #rank = :rank, #status_at = :at, #kind = :kind"
        );
        assert_eq!(
            update.condition_expression,
            "attribute_not_exists(#rank) OR #rank < :rank"
        );
        let failed = StatusChange {
            status: AckStatus::Failed,
            ..read
        };
        let update = status_update(&failed, Some(1));
        assert_eq!(
            update.update_expression,
            "SET #failed_at = :at, #kind = :kind, #expires = :expires"
        );
        assert_eq!(
            update.condition_expression,
            "attribute_not_exists(#failed_at)"
        );
        assert!(names(&update).contains(&("#failed_at", "failed_at")));
    }
}
