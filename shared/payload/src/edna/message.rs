//! edna Pulse "Webhook about Receiving Incoming Messages": a person wrote to the business, edna's
//! counterpart of BotLinkd's `message`.

use serde::Deserialize;

use crate::id::{Identity, MessageRef};
use crate::json::{lenient_u64, parse_json, required, required_id, Checked, Object, Skip, Text};
use crate::{timestamp, PayloadError};

/// A person wrote to a channel of the business on edna Pulse.
///
/// Required are the message's `id`, the sender's `subscriber.identifier`, `messageContent` with
/// its `type`, and `receivedAt`: which message, from whom, what kind and when. The other fields
/// edna documents are checked when present (`subject`, `userInfo`, `messageContent.payload`,
/// ...) and kept only where something reads them; the stored raw body has them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnaIncomingMessage {
    /// `id`: edna's id of the incoming message.
    pub id: u64,
    /// `subscriber`: who wrote.
    pub subscriber: EdnaSubscriber,
    /// `messageContent`: what was written.
    pub content: EdnaMessageContent,
    /// `receivedAt` normalised to RFC 3339 UTC with milliseconds.
    pub occurred_at: String,
    /// What the message answers, empty when it answers nothing.
    pub reply_to: EdnaReplyTo,
}

/// edna's `subscriber` of an incoming message: the person who wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnaSubscriber {
    /// `subscriber.identifier`: the sender's address, their phone number on WhatsApp.
    pub identifier: String,
}

/// What an incoming message answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdnaReplyTo {
    /// `replyOutMessageId`: the outgoing (campaign) message it answers, if any.
    pub out_message_id: Option<u64>,
}

/// edna's `messageContent`, as far as it is shown: its text, or a media message's caption.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdnaMessageContent {
    /// `text`.
    pub text: Option<String>,
    /// `caption` of a media message.
    pub caption: Option<String>,
}

/// The message's top-level fields: those kept, and those checked and refused twice but not kept.
/// The objects (`subscriber`, `userInfo`, `messageContent`) are read on their own.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
#[allow(dead_code)] // the checked fields are not read
struct MessageWire<'a> {
    #[serde(default, deserialize_with = "lenient_u64")]
    id: Option<u64>,
    subject: Option<Checked>,
    #[serde(default, deserialize_with = "lenient_u64")]
    subject_id: Option<u64>,
    #[serde(default)]
    subscriber: Skip,
    #[serde(default)]
    user_info: Skip,
    #[serde(default)]
    message_content: Skip,
    #[serde(borrow)]
    received_at: Option<Text<'a>>,
    #[serde(default, deserialize_with = "lenient_u64")]
    reply_out_message_id: Option<u64>,
    reply_out_message_external_request_id: Option<Checked>,
    #[serde(default, deserialize_with = "lenient_u64")]
    reply_in_message_id: Option<u64>,
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
#[allow(dead_code)] // the checked fields are not read
struct SubscriberWire {
    #[serde(default, deserialize_with = "lenient_u64")]
    id: Option<u64>,
    identifier: Option<String>,
}

/// edna's `userInfo`, the sender's profile: checked, not kept.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a JSON object")]
#[allow(dead_code)] // checked, not read
struct UserInfoWire {
    user_name: Option<Checked>,
    first_name: Option<Checked>,
    last_name: Option<Checked>,
    avatar_url: Option<Checked>,
}

/// `messageContent`. The object-valued parts (media, location, story, the chosen menu items) are
/// any JSON, not read.
#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
#[allow(dead_code)] // the checked fields are not read
struct ContentWire {
    #[serde(rename = "type")]
    message_type: Option<Checked>,
    text: Option<String>,
    caption: Option<String>,
    payload: Option<Checked>,
    #[serde(default)]
    attachment: Skip,
    #[serde(default)]
    location: Skip,
    #[serde(default)]
    story: Skip,
    #[serde(default)]
    items: Skip,
}

impl EdnaIncomingMessage {
    /// Parses and validates an incoming-message webhook body.
    pub(crate) fn parse(body: &Object) -> Result<EdnaIncomingMessage, PayloadError> {
        let wire: MessageWire = body.fields()?;
        let id = required(wire.id, "id")?;
        let subscriber = required(body.raw("subscriber"), "subscriber")?;
        let subscriber: SubscriberWire = parse_json(subscriber.get(), "subscriber")?;
        let subscriber = EdnaSubscriber {
            identifier: required_id(subscriber.identifier, "subscriber.identifier")?,
        };
        if let Some(user_info) = body.raw("userInfo") {
            parse_json::<UserInfoWire>(user_info.get(), "userInfo")?;
        }
        let content = required(body.raw("messageContent"), "messageContent")?;
        let content: ContentWire = parse_json(content.get(), "messageContent")?;
        required(content.message_type, "messageContent.type")?;
        let received_at = required(wire.received_at, "receivedAt")?;
        let occurred_at = timestamp::from_iso8601(&received_at.0, "receivedAt")?;
        Ok(EdnaIncomingMessage {
            id,
            subscriber,
            content: EdnaMessageContent {
                text: content.text,
                caption: content.caption,
            },
            occurred_at,
            reply_to: EdnaReplyTo {
                out_message_id: wire.reply_out_message_id,
            },
        })
    }

    /// A reply belongs to the campaign message it answers, so that message's funnel holds it; any
    /// other incoming message is a message of its own. Either way its own id tells it apart.
    pub(crate) fn identity(&self) -> Identity<'_> {
        Identity {
            message: match self.reply_to.out_message_id {
                Some(replied) => MessageRef::EdnaSent(replied),
                None => MessageRef::EdnaReceived(self.id),
            },
            discriminator: vec![self.id.to_string()],
            occurred_at: &self.occurred_at,
        }
    }
}

#[cfg(test)]
mod tests;
