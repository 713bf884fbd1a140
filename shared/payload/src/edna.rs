//! edna Pulse `short_link_visited` (click on a WhatsApp link button).

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::fields::{lenient_u64, required, required_id};
use crate::record::parse_json;
use crate::{timestamp, PayloadError};

/// A recipient clicked a link button in a WhatsApp message sent through edna Pulse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickEvent {
    /// `payload.sender`: the channel name.
    pub sender: String,
    /// `payload.templateId`.
    pub template_id: u64,
    /// `payload.channelType`, e.g. `WHATSAPP`.
    pub channel_type: String,
    /// `payload.outMessageId`: the message the button belongs to.
    pub out_message_id: u64,
    /// `payload.phone`: the recipient who clicked.
    pub phone: String,
    /// `payload.url`: the button's original link.
    pub url: String,
    /// `payload.shortLink`: the per-recipient part of the short link.
    pub short_link: String,
    /// `payload.requestId`: only for messages sent through the API. Kept as sent, even empty: it
    /// is no part of a key.
    pub request_id: Option<String>,
    /// `type`: always `short_link_visited` here.
    pub event_type: String,
    /// `version` of edna's webhook format.
    pub version: String,
    /// `timestamp` exactly as sent.
    pub timestamp: String,
    /// `timestamp` normalised to RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct ClickWire<'a> {
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    version: Option<String>,
    timestamp: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
struct ClickPayloadWire {
    sender: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    template_id: Option<u64>,
    channel_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    out_message_id: Option<u64>,
    phone: Option<String>,
    url: Option<String>,
    short_link: Option<String>,
    request_id: Option<String>,
}

impl ClickEvent {
    /// Parses and validates a click webhook body.
    pub(crate) fn parse(body: &str) -> Result<ClickEvent, PayloadError> {
        let wire: ClickWire = parse_json(body, "")?;
        let payload: ClickPayloadWire =
            parse_json(required(wire.payload, "payload")?.get(), "payload")?;
        let timestamp = required(wire.timestamp, "timestamp")?;
        let occurred_at = timestamp::from_iso8601(&timestamp, "timestamp")?;
        let request_id = payload.request_id;
        Ok(ClickEvent {
            sender: required(payload.sender, "payload.sender")?,
            template_id: required(payload.template_id, "payload.templateId")?,
            channel_type: required(payload.channel_type, "payload.channelType")?,
            out_message_id: required(payload.out_message_id, "payload.outMessageId")?,
            phone: required_id(payload.phone, "payload.phone")?,
            url: required(payload.url, "payload.url")?,
            short_link: required_id(payload.short_link, "payload.shortLink")?,
            request_id,
            event_type: required(wire.event_type, "type")?,
            version: required(wire.version, "version")?,
            timestamp,
            occurred_at,
        })
    }
}
