//! What identifies an event: the message it belongs to and which of that message's events it is.
//! These are names, not keys: `webhook-table`'s private item module turns them into the table's
//! keys, from a message's [`MessageRef::segments`], as the console turns them into its URLs.

use crate::{EventKind, Provider};

/// The message an event belongs to. The table keeps a message's events together, so that one
/// read gives a message's whole story (its funnel).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageRef {
    /// A BotLinkd message, inbound or sent, by the instance that carried it and WhatsApp's id.
    Botlinkd {
        /// BotLinkd's `instance_id`.
        instance_id: String,
        /// WhatsApp's message id (`wamid.…`).
        message_id: String,
    },
    /// A message the business sent through edna: a click's `outMessageId`, a status's
    /// `messageId`, an incoming message's `replyOutMessageId`.
    EdnaSent(u64),
    /// An edna incoming message that answers no message of ours, by its own `id`.
    EdnaReceived(u64),
    /// An event of `provider` that this product does not model, by its canonical body hash.
    Unmodelled {
        /// Who sent it.
        provider: Provider,
        /// [`crate::body_sha256`] of its body.
        body_sha256: String,
    },
}

impl MessageRef {
    /// Who sent the message's events.
    pub fn provider(&self) -> Provider {
        match self {
            MessageRef::Botlinkd { .. } => Provider::Botlinkd,
            MessageRef::EdnaSent(_) | MessageRef::EdnaReceived(_) => Provider::Edna,
            MessageRef::Unmodelled { provider, .. } => *provider,
        }
    }

    /// The message as text: its provider's name, then the ids that name it (`botlinkd`, the
    /// instance, WhatsApp's id; `edna`, the id of the message sent; `edna`, `in`, the id of a
    /// message received that answers none of ours; the provider, the body hash of an unmodelled
    /// event). The one spelling of a message that table keys and the console's URLs are made of,
    /// so neither needs to know a provider.
    pub fn segments(&self) -> Vec<String> {
        let provider = self.provider().as_str().to_owned();
        match self {
            MessageRef::Botlinkd {
                instance_id,
                message_id,
            } => vec![provider, instance_id.clone(), message_id.clone()],
            MessageRef::EdnaSent(id) => vec![provider, id.to_string()],
            MessageRef::EdnaReceived(id) => vec![provider, RECEIVED.to_owned(), id.to_string()],
            MessageRef::Unmodelled { body_sha256, .. } => vec![provider, body_sha256.clone()],
        }
    }

    /// The message whose [`MessageRef::segments`] are `segments`: a message one of the providers
    /// sent, never an unmodelled event (whose segments name no message).
    pub fn of_segments(segments: &[impl AsRef<str>]) -> Option<MessageRef> {
        let texts: Vec<&str> = segments.iter().map(AsRef::as_ref).collect();
        match texts.as_slice() {
            ["botlinkd", instance_id, message_id] => Some(MessageRef::Botlinkd {
                instance_id: (*instance_id).to_owned(),
                message_id: (*message_id).to_owned(),
            }),
            ["edna", RECEIVED, id] => Some(MessageRef::EdnaReceived(id.parse().ok()?)),
            ["edna", id] => Some(MessageRef::EdnaSent(id.parse().ok()?)),
            _ => None,
        }
    }

    /// The unmodelled event of `provider` whose segments are `segments` (its provider's name and
    /// its body hash).
    pub fn unmodelled_of_segments(segments: &[impl AsRef<str>]) -> Option<MessageRef> {
        let texts: Vec<&str> = segments.iter().map(AsRef::as_ref).collect();
        match texts.as_slice() {
            [provider, body_sha256] => Some(MessageRef::Unmodelled {
                provider: Provider::ALL
                    .into_iter()
                    .find(|known| known.as_str() == *provider)?,
                body_sha256: (*body_sha256).to_owned(),
            }),
            _ => None,
        }
    }
}

/// The segment that marks an edna message received that answers none of ours.
const RECEIVED: &str = "in";

/// One event's identity: a retry of the same event has the same id, and two events that are
/// not the same have different ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId {
    /// The message it belongs to.
    pub message: MessageRef,
    /// What kind of event it is.
    pub kind: EventKind,
    /// What tells it from its message's other events of its kind: a click's link and time, an
    /// ack's status (lower case), an edna incoming message's id; empty where a message has one
    /// event of its kind.
    pub discriminator: Vec<String>,
}

/// What an event of a provider's kind says of its own identity: each provider's module gives it
/// for its events, and [`crate::EventRecord`] builds the [`EventId`] and its time from it.
pub(crate) struct Identity<'a> {
    /// The message it belongs to.
    pub(crate) message: MessageRef,
    /// [`EventId::discriminator`].
    pub(crate) discriminator: Vec<String>,
    /// When it happened, canonical ([`crate::EventRecord::occurred_at`]).
    pub(crate) occurred_at: &'a str,
}

/// A phone number as its digits, the one form keys, erasure and searches compare: a WhatsApp
/// address's device and server parts (`:12`, `@c.us`, `@s.whatsapp.net`) are cut off, then
/// everything but the digits (`+`, spaces, dashes, dots, brackets) is dropped.
/// `+44 7700-900123` and `447700900123@c.us` are both `447700900123`.
pub fn phone_digits(phone: &str) -> String {
    let number = phone.split(['@', ':']).next().unwrap_or_default();
    number.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_its_segments_and_back() {
        let messages = [
            MessageRef::Botlinkd {
                instance_id: "10922".into(),
                message_id: "wamid.HBg/M+x=".into(),
            },
            MessageRef::EdnaSent(5345345),
            MessageRef::EdnaReceived(101),
        ];
        for message in messages {
            assert_eq!(MessageRef::of_segments(&message.segments()), Some(message));
        }
        assert_eq!(
            MessageRef::EdnaReceived(101).segments(),
            ["edna", "in", "101"]
        );
        let unmodelled = MessageRef::Unmodelled {
            provider: Provider::Edna,
            body_sha256: "ab12".into(),
        };
        assert_eq!(MessageRef::of_segments(&unmodelled.segments()), None);
        assert_eq!(
            MessageRef::unmodelled_of_segments(&unmodelled.segments()),
            Some(unmodelled)
        );
        assert_eq!(MessageRef::of_segments(&["edna", "not-a-number"]), None);
    }

    #[test]
    fn a_number_is_its_digits_however_it_is_written() {
        for written in [
            "447123456789",
            "+447123456789",
            "+44 7123 456789",
            "+44-7123-456-789",
            "+44 (7123) 456.789",
            "447123456789@c.us",
            "447123456789@s.whatsapp.net",
            "447123456789:12@s.whatsapp.net",
        ] {
            assert_eq!(phone_digits(written), "447123456789", "{written}");
        }
    }

    #[test]
    fn a_number_keeps_every_digit_and_only_digits() {
        assert_eq!(phone_digits("4477009001234"), "4477009001234");
        assert_eq!(phone_digits("+1"), "1");
        assert_eq!(phone_digits("not a number"), "");
        assert_eq!(phone_digits("@c.us"), "");
    }
}
