//! BotLinkd `message`: a customer wrote to the business number.

use serde::Deserialize;

use super::{envelope, message_of};
use crate::id::Identity;
use crate::json::{lenient_i64, parse_json, required, required_id, Checked, Object};
use crate::{timestamp, PayloadError};

/// A customer wrote to the business number.
///
/// `data.to` and `data.type` are required and checked but not kept; the fields BotLinkd sends
/// for other types (media, captions, button payloads) are not read. The stored raw body has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// `instance_id`: the BotLinkd instance (business number) that received it.
    pub instance_id: String,
    /// `data.from`: the customer's number.
    pub from: String,
    /// `data.body`: present for `text` messages.
    pub body: Option<String>,
    /// `data.message_id`.
    pub message_id: String,
    /// `data.timestamp` (Unix epoch seconds) as RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct MessageDataWire {
    from: Option<String>,
    to: Option<Checked>,
    #[serde(rename = "type")]
    message_type: Option<Checked>,
    body: Option<String>,
    message_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    timestamp: Option<i64>,
}

impl InboundMessage {
    /// Parses and validates a BotLinkd `message` body.
    pub(crate) fn parse(object: &Object) -> Result<InboundMessage, PayloadError> {
        let (instance_id, data) = envelope(object)?;
        let wire: MessageDataWire = parse_json(data.get(), "data")?;
        let timestamp = required(wire.timestamp, "data.timestamp")?;
        let from = required_id(wire.from, "data.from")?;
        required(wire.to, "data.to")?;
        required(wire.message_type, "data.type")?;
        let message_id = required_id(wire.message_id, "data.message_id")?;
        Ok(InboundMessage {
            instance_id,
            from,
            body: wire.body,
            message_id,
            occurred_at: timestamp::from_epoch_seconds(timestamp, "data.timestamp")?,
        })
    }

    /// A message is a message of its own, by its instance and WhatsApp's id, and the only event
    /// of its kind there.
    pub(crate) fn identity(&self) -> Identity<'_> {
        Identity {
            message: message_of(&self.instance_id, &self.message_id),
            discriminator: Vec::new(),
            occurred_at: &self.occurred_at,
        }
    }
}
