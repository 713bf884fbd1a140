//! The record a webhook becomes, and the one entry point that builds it from a request body.

use crate::digest::{body_sha256, object_sha256};
use crate::id::{EventId, Identity, MessageRef};
use crate::json::{Body, Mark, Marks};
use crate::{
    AckEvent, AckStatus, ClickEvent, EdnaIncomingMessage, EdnaStatusEvent, EventKind,
    InboundMessage, PayloadError, Provider, Route,
};

/// One provider event, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// edna Pulse click.
    Click(ClickEvent),
    /// BotLinkd inbound message.
    InboundMessage(InboundMessage),
    /// BotLinkd delivery ack.
    Ack(AckEvent),
    /// edna Pulse message status.
    EdnaStatus(EdnaStatusEvent),
    /// edna Pulse incoming message (boxed: it is the largest by far).
    EdnaMessage(Box<EdnaIncomingMessage>),
    /// An authenticated event of `provider` that this product does not model: valid JSON of
    /// its provider's shape, kept whole (its raw body) and keyed by its body hash.
    Unmodelled(Provider),
}

/// What is written to the table for one event: its key, its fields, and the raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// The idempotency key: a retry of the same event has the same id.
    pub id: EventId,
    /// When the event happened, RFC 3339 UTC with milliseconds (also the phone index's sort key).
    /// Empty for an unmodelled event, whose time is not read: its item takes the receive time.
    pub occurred_at: String,
    /// Hex SHA-256 of the body's canonical JSON ([`body_sha256`]): tells a true retry, even a
    /// re-serialised one, from a different event with the same key.
    pub body_sha256: String,
    /// The request body exactly as received.
    pub raw_body: String,
    /// The validated event.
    pub event: WebhookEvent,
}

/// Turns a webhook body received on `route` into the record to store.
///
/// The body's own discriminator (`type` for edna, `event` for BotLinkd) or, where a provider sends
/// none, its shape decides what it is. Every kind of the route's provider is accepted
/// ([`Route::accepts`]); a well-formed body of the provider that this code does not model is an
/// [`EventKind::Unmodelled`] event, not an error. Errors are for broken bodies: not JSON, a
/// modelled event with a bad field, the other provider's event.
///
/// The body is read once ([`Body::read`]); the provider whose body it is then deserialises the
/// fields of its kind from what was read, and the body hash ([`body_sha256`]) takes the top-level
/// fields as read. (The hash still reads each nested object again: its canonical form sorts
/// every object's keys, which a parse does not need.)
///
/// [`EventKind::Unmodelled`]: crate::EventKind::Unmodelled
pub fn parse_event(route: Route, body: &[u8]) -> Result<EventRecord, PayloadError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| PayloadError::MalformedJson("body is not UTF-8".into()))?;
    let read = Body::read(text, discriminator)?;
    let provider = sender(route, &read)?;
    if !route.accepts(provider) {
        return Err(PayloadError::WrongProvider { provider, route });
    }
    let event = (format(provider).parse)(&read)?;
    let body_sha256 = match &read {
        Body::Object(object) => object_sha256(object),
        Body::Array => body_sha256(body),
    };
    Ok(EventRecord::new(event, text, body_sha256))
}

/// What a provider's module gives the generic parser in its declaration
/// ([`crate::provider::Declaration`]), besides its place in [`CLAIM_ORDER`].
pub(crate) struct Format {
    /// Its discriminators: the top-level fields that tell its bodies, checked as a body is read.
    pub(crate) mark: Marks,
    /// Whether a body, on whatever route it came, is recognisably the provider's.
    pub(crate) claims: fn(&Body) -> Result<bool, PayloadError>,
    /// The event a body is, read on one of the provider's routes: one of its kinds, unmodelled,
    /// or an error.
    pub(crate) parse: fn(&Body) -> Result<WebhookEvent, PayloadError>,
}

/// Each provider's format, as its declaration gives it.
fn format(provider: Provider) -> &'static Format {
    &provider.declaration().format
}

/// The order in which the providers' claims are asked: a body with BotLinkd's `event` is
/// BotLinkd's whatever else it holds; one that names an edna `type`, or has the shape of an edna
/// status or incoming message, is edna's.
const CLAIM_ORDER: [Provider; 2] = [Provider::Botlinkd, Provider::Edna];

/// Every provider's discriminators, for the one read of a body.
pub(crate) fn discriminator(name: &str) -> Option<(&'static str, Mark)> {
    CLAIM_ORDER
        .iter()
        .find_map(|provider| (format(*provider).mark)(name))
}

/// Whose body it is: the first provider that claims it, or else the route's (whose parser then
/// decides what a body it does not recognise is: unmodelled, or missing its discriminator).
fn sender(route: Route, body: &Body) -> Result<Provider, PayloadError> {
    for provider in CLAIM_ORDER {
        if (format(provider).claims)(body)? {
            return Ok(provider);
        }
    }
    Ok(route.provider())
}

impl EventRecord {
    /// The record of `event`, read from `raw_body`, whose hash is `body_sha256`.
    fn new(event: WebhookEvent, raw_body: &str, body_sha256: String) -> EventRecord {
        let Identity {
            message,
            discriminator,
            occurred_at,
        } = match &event {
            WebhookEvent::Click(click) => click.identity(),
            WebhookEvent::InboundMessage(message) => message.identity(),
            WebhookEvent::Ack(ack) => ack.identity(),
            WebhookEvent::EdnaStatus(status) => status.identity(),
            WebhookEvent::EdnaMessage(message) => message.identity(),
            // Kept whole and keyed by its body: its time is not read.
            WebhookEvent::Unmodelled(provider) => Identity {
                message: MessageRef::Unmodelled {
                    provider: *provider,
                    body_sha256: body_sha256.clone(),
                },
                discriminator: Vec::new(),
                occurred_at: "",
            },
        };
        let occurred_at = occurred_at.to_owned();
        EventRecord {
            id: EventId {
                message,
                kind: kind_of(&event),
                discriminator,
            },
            occurred_at,
            body_sha256,
            raw_body: raw_body.to_owned(),
            event,
        }
    }

    /// Which kind of event this is.
    pub fn kind(&self) -> EventKind {
        self.id.kind
    }

    /// Who sent it.
    pub fn provider(&self) -> Provider {
        match self.event {
            WebhookEvent::Click(_) | WebhookEvent::EdnaStatus(_) | WebhookEvent::EdnaMessage(_) => {
                Provider::Edna
            }
            WebhookEvent::InboundMessage(_) | WebhookEvent::Ack(_) => Provider::Botlinkd,
            WebhookEvent::Unmodelled(provider) => provider,
        }
    }

    /// The customer's phone number, if the event involves one.
    pub fn phone(&self) -> Option<&str> {
        match &self.event {
            WebhookEvent::Click(click) => Some(&click.phone),
            WebhookEvent::InboundMessage(message) => Some(&message.from),
            WebhookEvent::EdnaMessage(message) => Some(&message.subscriber.identifier),
            WebhookEvent::Ack(_) | WebhookEvent::EdnaStatus(_) | WebhookEvent::Unmodelled(_) => {
                None
            }
        }
    }

    /// The status a BotLinkd ack or an edna message status reports, when it is one this
    /// product knows; `None` for any other status and any other event.
    pub fn known_status(&self) -> Option<AckStatus> {
        match &self.event {
            WebhookEvent::Ack(ack) => ack.known_status(),
            WebhookEvent::EdnaStatus(status) => status.known_status(),
            _ => None,
        }
    }
}

/// Which kind of event `event` is.
fn kind_of(event: &WebhookEvent) -> EventKind {
    match event {
        WebhookEvent::Click(_) => EventKind::Click,
        WebhookEvent::InboundMessage(_) | WebhookEvent::EdnaMessage(_) => EventKind::InboundMessage,
        WebhookEvent::Ack(_) | WebhookEvent::EdnaStatus(_) => EventKind::Ack,
        WebhookEvent::Unmodelled(_) => EventKind::Unmodelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_is_asked_once() {
        for provider in Provider::ALL {
            let asked = CLAIM_ORDER.iter().filter(|p| **p == provider).count();
            assert_eq!(asked, 1, "{provider}");
        }
    }
}
