//! edna Pulse "Webhook about Receiving Incoming Messages": a person wrote to the business, edna's
//! counterpart of BotLinkd's `message`.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::fields::{extra_fields, json_text, lenient_u64, required, required_id};
use crate::record::parse_json;
use crate::{timestamp, PayloadError};

/// A person wrote to a channel of the business on edna Pulse.
///
/// Required are the message's `id`, the sender's `subscriber.identifier`, `messageContent` with
/// its `type`, and `receivedAt`: which message, from whom, what kind and when. Everything else
/// is kept when present, nested as edna nests it; fields of `subscriber` and `userInfo` that are
/// not modelled stay only in the stored raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnaIncomingMessage {
    /// `id`: edna's id of the incoming message.
    pub id: u64,
    /// `subject`: the channel name that received it.
    pub subject: Option<String>,
    /// `subjectId`: the channel id.
    pub subject_id: Option<u64>,
    /// `subscriber`: who wrote.
    pub subscriber: EdnaSubscriber,
    /// `userInfo`: the sender's profile, empty when edna sends none.
    pub user_info: EdnaUserInfo,
    /// `messageContent`: what was written.
    pub content: EdnaMessageContent,
    /// `receivedAt` exactly as sent.
    pub received_at: String,
    /// `receivedAt` normalised to RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
    /// `replyOutMessageId`, `replyOutMessageExternalRequestId` and `replyInMessageId`: what the
    /// message answers, empty when it answers nothing.
    pub reply_to: EdnaReplyTo,
    /// The top-level fields not modelled above, as a JSON object, so that none is lost.
    pub extra: Option<String>,
}

/// edna's `subscriber` of an incoming message: the person who wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnaSubscriber {
    /// `subscriber.id`: edna's internal id of the sender.
    pub id: Option<u64>,
    /// `subscriber.identifier`: the sender's address, their phone number on WhatsApp.
    pub identifier: String,
}

/// edna's `userInfo` of an incoming message: the sender's profile, as far as edna sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
pub struct EdnaUserInfo {
    /// `userInfo.userName`.
    pub user_name: Option<String>,
    /// `userInfo.firstName`.
    pub first_name: Option<String>,
    /// `userInfo.lastName`.
    pub last_name: Option<String>,
    /// `userInfo.avatarUrl`.
    pub avatar_url: Option<String>,
}

/// What an incoming message answers: edna sends it as three top-level `reply*` fields, kept
/// together here because they mean one thing, the message's place in a conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdnaReplyTo {
    /// `replyOutMessageId`: the outgoing (campaign) message it answers, if any.
    pub out_message_id: Option<u64>,
    /// `replyOutMessageExternalRequestId`: the API `requestId` of that outgoing message.
    pub out_message_external_request_id: Option<String>,
    /// `replyInMessageId`: the incoming message it answers (e.g. a menu choice), if any.
    pub in_message_id: Option<u64>,
}

/// edna's `messageContent`. The object-valued parts are kept as the JSON text edna sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnaMessageContent {
    /// `type`: `TEXT`, `LIST_PICKER`, `PRODUCT`, `IMAGE`, ...
    pub message_type: String,
    /// `text`.
    pub text: Option<String>,
    /// `caption` of a media message.
    pub caption: Option<String>,
    /// `payload`: the code of the button that was pressed.
    pub payload: Option<String>,
    /// `attachment` (a file or media) as JSON text.
    pub attachment: Option<String>,
    /// `location` as JSON text.
    pub location: Option<String>,
    /// `story` as JSON text.
    pub story: Option<String>,
    /// `items` (the chosen menu items) as JSON text.
    pub items: Option<String>,
    /// The `messageContent` fields not modelled above, as a JSON object.
    pub extra: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
struct MessageWire<'a> {
    #[serde(default, deserialize_with = "lenient_u64")]
    id: Option<u64>,
    subject: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    subject_id: Option<u64>,
    #[serde(borrow)]
    subscriber: Option<&'a RawValue>,
    #[serde(borrow)]
    user_info: Option<&'a RawValue>,
    #[serde(borrow)]
    message_content: Option<&'a RawValue>,
    received_at: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    reply_out_message_id: Option<u64>,
    reply_out_message_external_request_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    reply_in_message_id: Option<u64>,
}

/// The top-level fields [`MessageWire`] models, as edna names them.
const MESSAGE_FIELDS: &[&str] = &[
    "id",
    "subject",
    "subjectId",
    "subscriber",
    "userInfo",
    "messageContent",
    "receivedAt",
    "replyOutMessageId",
    "replyOutMessageExternalRequestId",
    "replyInMessageId",
];

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct SubscriberWire {
    #[serde(default, deserialize_with = "lenient_u64")]
    id: Option<u64>,
    identifier: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct ContentWire {
    #[serde(rename = "type")]
    message_type: Option<String>,
    text: Option<String>,
    caption: Option<String>,
    payload: Option<String>,
    #[serde(default, deserialize_with = "json_text")]
    attachment: Option<String>,
    #[serde(default, deserialize_with = "json_text")]
    location: Option<String>,
    #[serde(default, deserialize_with = "json_text")]
    story: Option<String>,
    #[serde(default, deserialize_with = "json_text")]
    items: Option<String>,
}

/// The `messageContent` fields [`ContentWire`] models.
const CONTENT_FIELDS: &[&str] = &[
    "type",
    "text",
    "caption",
    "payload",
    "attachment",
    "location",
    "story",
    "items",
];

impl EdnaIncomingMessage {
    /// Parses and validates an incoming-message webhook body.
    pub(crate) fn parse(body: &str) -> Result<EdnaIncomingMessage, PayloadError> {
        let wire: MessageWire = parse_json(body, "")?;
        let id = required(wire.id, "id")?;
        let subscriber = required(wire.subscriber, "subscriber")?;
        let subscriber: SubscriberWire = parse_json(subscriber.get(), "subscriber")?;
        let subscriber = EdnaSubscriber {
            id: subscriber.id,
            identifier: required_id(subscriber.identifier, "subscriber.identifier")?,
        };
        let user_info = match wire.user_info {
            Some(raw) => parse_json(raw.get(), "userInfo")?,
            None => EdnaUserInfo::default(),
        };
        let content = EdnaMessageContent::parse(required(wire.message_content, "messageContent")?)?;
        let received_at = required(wire.received_at, "receivedAt")?;
        let occurred_at = timestamp::from_iso8601(&received_at, "receivedAt")?;
        Ok(EdnaIncomingMessage {
            id,
            subject: wire.subject,
            subject_id: wire.subject_id,
            subscriber,
            user_info,
            content,
            received_at,
            occurred_at,
            reply_to: EdnaReplyTo {
                out_message_id: wire.reply_out_message_id,
                out_message_external_request_id: wire.reply_out_message_external_request_id,
                in_message_id: wire.reply_in_message_id,
            },
            extra: extra_fields(body, "", MESSAGE_FIELDS)?,
        })
    }
}

impl EdnaMessageContent {
    fn parse(raw: &RawValue) -> Result<EdnaMessageContent, PayloadError> {
        let wire: ContentWire = parse_json(raw.get(), "messageContent")?;
        Ok(EdnaMessageContent {
            message_type: required(wire.message_type, "messageContent.type")?,
            text: wire.text,
            caption: wire.caption,
            payload: wire.payload,
            attachment: wire.attachment,
            location: wire.location,
            story: wire.story,
            items: wire.items,
            extra: extra_fields(raw.get(), "messageContent", CONTENT_FIELDS)?,
        })
    }
}

#[cfg(test)]
mod tests;
