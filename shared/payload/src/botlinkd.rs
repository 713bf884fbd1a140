//! BotLinkd `message` (inbound WhatsApp message) and `ack` (delivery status) events.

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::fields::{extra_fields, lenient_i64, required, required_id};
use crate::record::parse_json;
use crate::{timestamp, PayloadError};

/// A customer wrote to the business number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// `instance_id`: the BotLinkd instance (business number) that received it.
    pub instance_id: String,
    /// `data.from`: the customer's number.
    pub from: String,
    /// `data.to`: the business number.
    pub to: String,
    /// `data.type`: `text`, `image`, a button reply, ...
    pub message_type: String,
    /// `data.body`: present for `text` messages.
    pub body: Option<String>,
    /// `data.message_id`.
    pub message_id: String,
    /// `data.timestamp`: Unix epoch seconds.
    pub timestamp: i64,
    /// `data.timestamp` as RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
    /// The `data` fields not modelled above (media, captions, button payloads), as a JSON object,
    /// so that no field BotLinkd sends is lost.
    pub extra: Option<String>,
}

/// The delivery status of a message the business sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckEvent {
    /// `instance_id`: the BotLinkd instance that sent the message.
    pub instance_id: String,
    /// `data.message_id`: the message the status is about.
    pub message_id: String,
    /// `data.status` as sent: BotLinkd documents `sent`, `delivered` and `read`; WhatsApp also
    /// reports `failed` (and `played` for voice messages), which providers pass on. Any non-empty
    /// status is stored; [`AckEvent::known_status`] says which ones move the message status.
    pub status: String,
    /// `data.timestamp`: Unix epoch seconds.
    pub timestamp: i64,
    /// `data.timestamp` as RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
    /// The `data` fields not modelled above, as a JSON object.
    pub extra: Option<String>,
}

/// A delivery status this product understands. `Sent < Delivered < Read` is the order of
/// progress, and the message's current status only moves forward along it; `Failed` stands
/// beside that order and never moves the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AckStatus {
    /// The message left BotLinkd's server.
    Sent,
    /// Delivered to the user's phone.
    Delivered,
    /// The user opened the chat (blue ticks).
    Read,
    /// WhatsApp could not send or deliver the message.
    Failed,
}

impl AckStatus {
    /// Every status this product knows.
    pub const ALL: [AckStatus; 4] = [
        AckStatus::Sent,
        AckStatus::Delivered,
        AckStatus::Read,
        AckStatus::Failed,
    ];

    /// The status as BotLinkd spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AckStatus::Sent => "sent",
            AckStatus::Delivered => "delivered",
            AckStatus::Read => "read",
            AckStatus::Failed => "failed",
        }
    }

    /// A number that grows with progress, stored so that DynamoDB can compare statuses in a
    /// condition expression; `None` for `Failed`, which is no step of progress.
    pub fn rank(self) -> Option<u8> {
        match self {
            AckStatus::Sent => Some(1),
            AckStatus::Delivered => Some(2),
            AckStatus::Read => Some(3),
            AckStatus::Failed => None,
        }
    }

    /// The known status spelled `value`, if any.
    pub fn parse(value: &str) -> Option<AckStatus> {
        let known = AckStatus::ALL;
        known.into_iter().find(|status| status.as_str() == value)
    }
}

impl fmt::Display for AckStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct BotlinkdWire<'a> {
    instance_id: Option<String>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct MessageDataWire {
    from: Option<String>,
    to: Option<String>,
    #[serde(rename = "type")]
    message_type: Option<String>,
    body: Option<String>,
    message_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    timestamp: Option<i64>,
}

const MESSAGE_FIELDS: &[&str] = &["from", "to", "type", "body", "message_id", "timestamp"];

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct AckDataWire {
    message_id: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    timestamp: Option<i64>,
}

const ACK_FIELDS: &[&str] = &["message_id", "status", "timestamp"];

/// The envelope both BotLinkd events share; `data` is parsed per kind.
fn envelope(body: &str) -> Result<(String, &RawValue), PayloadError> {
    let wire: BotlinkdWire = parse_json(body, "")?;
    let instance_id = required_id(wire.instance_id, "instance_id")?;
    let data = required(wire.data, "data")?;
    Ok((instance_id, data))
}

impl InboundMessage {
    /// Parses and validates a BotLinkd `message` body.
    pub(crate) fn parse(body: &str) -> Result<InboundMessage, PayloadError> {
        let (instance_id, data) = envelope(body)?;
        let wire: MessageDataWire = parse_json(data.get(), "data")?;
        let timestamp = required(wire.timestamp, "data.timestamp")?;
        Ok(InboundMessage {
            instance_id,
            from: required_id(wire.from, "data.from")?,
            to: required(wire.to, "data.to")?,
            message_type: required(wire.message_type, "data.type")?,
            body: wire.body,
            message_id: required_id(wire.message_id, "data.message_id")?,
            timestamp,
            occurred_at: timestamp::from_epoch_seconds(timestamp, "data.timestamp")?,
            extra: extra_fields(data.get(), "data", MESSAGE_FIELDS)?,
        })
    }
}

impl AckEvent {
    /// The status as one this product understands, or `None` for any other.
    pub fn known_status(&self) -> Option<AckStatus> {
        AckStatus::parse(&self.status)
    }

    /// Parses and validates a BotLinkd `ack` body.
    pub(crate) fn parse(body: &str) -> Result<AckEvent, PayloadError> {
        let (instance_id, data) = envelope(body)?;
        let wire: AckDataWire = parse_json(data.get(), "data")?;
        // The status is part of the ack's key, so it gets an id's checks.
        let status = required_id(wire.status, "data.status")?;
        let timestamp = required(wire.timestamp, "data.timestamp")?;
        Ok(AckEvent {
            instance_id,
            message_id: required_id(wire.message_id, "data.message_id")?,
            status,
            timestamp,
            occurred_at: timestamp::from_epoch_seconds(timestamp, "data.timestamp")?,
            extra: extra_fields(data.get(), "data", ACK_FIELDS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_order_by_progress_and_failed_has_no_rank() {
        assert!(AckStatus::Sent.rank() < AckStatus::Delivered.rank());
        assert!(AckStatus::Delivered.rank() < AckStatus::Read.rank());
        assert_eq!(AckStatus::Sent.rank(), Some(1));
        assert_eq!(AckStatus::Failed.rank(), None);
        for status in AckStatus::ALL {
            assert_eq!(AckStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AckStatus::parse("sent"), Some(AckStatus::Sent));
        assert_eq!(AckStatus::parse("READ"), None);
        assert_eq!(AckStatus::parse("played"), None);
    }
}
