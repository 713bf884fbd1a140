//! BotLinkd `ack`: the delivery status of a message the business sent.

use serde::Deserialize;

use super::{envelope, message_of};
use crate::id::Identity;
use crate::json::{lenient_i64, parse_json, required, required_id, Object};
use crate::{timestamp, AckStatus, PayloadError};

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
    /// `data.timestamp` (Unix epoch seconds) as RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct AckDataWire {
    message_id: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    timestamp: Option<i64>,
}

impl AckEvent {
    /// The status as one this product understands, or `None` for any other.
    pub fn known_status(&self) -> Option<AckStatus> {
        AckStatus::parse(&self.status)
    }

    /// Parses and validates a BotLinkd `ack` body.
    pub(crate) fn parse(object: &Object) -> Result<AckEvent, PayloadError> {
        let (instance_id, data) = envelope(object)?;
        let wire: AckDataWire = parse_json(data.get(), "data")?;
        // The status is part of the ack's key, so it gets an id's checks.
        let status = required_id(wire.status, "data.status")?;
        let timestamp = required(wire.timestamp, "data.timestamp")?;
        let message_id = required_id(wire.message_id, "data.message_id")?;
        Ok(AckEvent {
            instance_id,
            message_id,
            status,
            occurred_at: timestamp::from_epoch_seconds(timestamp, "data.timestamp")?,
        })
    }

    /// An ack belongs to the message it is about, and is told from the message's other acks by
    /// its status: each status of a message is one event.
    pub(crate) fn identity(&self) -> Identity<'_> {
        Identity {
            message: message_of(&self.instance_id, &self.message_id),
            discriminator: vec![self.status.clone()],
            occurred_at: &self.occurred_at,
        }
    }
}
