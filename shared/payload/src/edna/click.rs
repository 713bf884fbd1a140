//! edna Pulse `short_link_visited` (click on a WhatsApp link button).

use serde::Deserialize;

use crate::id::{Identity, MessageRef};
use crate::json::{lenient_u64, parse_json, required, required_id, Checked, Object, Text};
use crate::{timestamp, PayloadError};

/// A recipient clicked a link button in a WhatsApp message sent through edna Pulse.
///
/// Every field edna documents as required is checked (`payload.sender`, `payload.channelType`,
/// `payload.url`, `version`, ...); those nothing reads are not kept: the stored raw body has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickEvent {
    /// `payload.templateId`.
    pub template_id: u64,
    /// `payload.outMessageId`: the message the button belongs to.
    pub out_message_id: u64,
    /// `payload.phone`: the recipient who clicked.
    pub phone: String,
    /// `payload.shortLink`: the per-recipient part of the short link.
    pub short_link: String,
    /// `timestamp` normalised to RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
}

/// The click's top-level fields but its discriminators (`type` and `payload`, checked as the body
/// is read; `payload` is then read on its own).
#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct ClickWire<'a> {
    version: Option<Checked>,
    #[serde(borrow)]
    timestamp: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
struct ClickPayloadWire {
    sender: Option<Checked>,
    #[serde(default, deserialize_with = "lenient_u64")]
    template_id: Option<u64>,
    channel_type: Option<Checked>,
    #[serde(default, deserialize_with = "lenient_u64")]
    out_message_id: Option<u64>,
    phone: Option<String>,
    url: Option<Checked>,
    short_link: Option<String>,
    /// Only for messages sent through the API; any string, even empty. Checked, not kept.
    #[allow(dead_code)]
    request_id: Option<Checked>,
}

impl ClickEvent {
    /// Parses and validates a click webhook body.
    pub(crate) fn parse(body: &Object) -> Result<ClickEvent, PayloadError> {
        let wire: ClickWire = body.fields()?;
        let payload: ClickPayloadWire =
            parse_json(required(body.raw("payload"), "payload")?.get(), "payload")?;
        let timestamp = required(wire.timestamp, "timestamp")?;
        let occurred_at = timestamp::from_iso8601(&timestamp.0, "timestamp")?;
        required(payload.sender, "payload.sender")?;
        let template_id = required(payload.template_id, "payload.templateId")?;
        required(payload.channel_type, "payload.channelType")?;
        let out_message_id = required(payload.out_message_id, "payload.outMessageId")?;
        let phone = required_id(payload.phone, "payload.phone")?;
        required(payload.url, "payload.url")?;
        let short_link = required_id(payload.short_link, "payload.shortLink")?;
        required(wire.version, "version")?;
        Ok(ClickEvent {
            template_id,
            out_message_id,
            phone,
            short_link,
            occurred_at,
        })
    }

    /// A click belongs to the message its button was in, and is told from the other clicks on
    /// it by its short link and time: a person may click twice.
    pub(crate) fn identity(&self) -> Identity<'_> {
        Identity {
            message: MessageRef::EdnaSent(self.out_message_id),
            discriminator: vec![self.short_link.clone(), self.occurred_at.clone()],
            occurred_at: &self.occurred_at,
        }
    }
}
