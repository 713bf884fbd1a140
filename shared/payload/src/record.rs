//! The record a webhook becomes, and the one entry point that builds it from a request body.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::digest::body_sha256;
use crate::edna_shape::{edna_shape, EdnaShape};
use crate::id::{EventId, MessageRef};
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
pub fn parse_event(route: Route, body: &[u8]) -> Result<EventRecord, PayloadError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| PayloadError::MalformedJson("body is not UTF-8".into()))?;
    let (provider, kind) = identify(route, text)?;
    if !route.accepts(provider) {
        return Err(PayloadError::WrongProvider { provider, route });
    }
    let event = match (provider, kind) {
        (_, EventKind::Click) => WebhookEvent::Click(ClickEvent::parse(text)?),
        (Provider::Botlinkd, EventKind::InboundMessage) => {
            WebhookEvent::InboundMessage(InboundMessage::parse(text)?)
        }
        (Provider::Botlinkd, EventKind::Ack) => WebhookEvent::Ack(AckEvent::parse(text)?),
        (Provider::Edna, EventKind::InboundMessage) => {
            WebhookEvent::EdnaMessage(Box::new(EdnaIncomingMessage::parse(text)?))
        }
        (Provider::Edna, EventKind::Ack) => WebhookEvent::EdnaStatus(EdnaStatusEvent::parse(text)?),
        (_, EventKind::Unmodelled) => WebhookEvent::Unmodelled(provider),
    };
    Ok(EventRecord::new(event, text))
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct Discriminator<'a> {
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    edna_type: Option<Cow<'a, str>>,
    /// Only edna's click wraps its fields in `payload`: a body with one but no `type` is a
    /// click with a missing field, not an unmodelled event.
    payload: Option<IgnoredAny>,
}

/// Who sent a body and what it is, from its discriminator, or its shape where there is none.
fn identify(route: Route, body: &str) -> Result<(Provider, EventKind), PayloadError> {
    if body.trim_start().starts_with('[') {
        // edna sends its template-status updates as a JSON array; BotLinkd sends only objects.
        serde_json::from_str::<IgnoredAny>(body)
            .map_err(|err| PayloadError::MalformedJson(err.to_string()))?;
        return match route.provider() {
            Provider::Edna => Ok((Provider::Edna, EventKind::Unmodelled)),
            Provider::Botlinkd => Err(PayloadError::MalformedJson(
                "the body must be a JSON object".into(),
            )),
        };
    }
    let found: Discriminator = parse_json(body, "")?;
    Ok(match (found.event.as_deref(), found.edna_type.as_deref()) {
        (Some("message"), _) => (Provider::Botlinkd, EventKind::InboundMessage),
        (Some("ack"), _) => (Provider::Botlinkd, EventKind::Ack),
        (Some(_), _) => (Provider::Botlinkd, EventKind::Unmodelled),
        (None, Some("short_link_visited")) => (Provider::Edna, EventKind::Click),
        (None, Some(_)) => (Provider::Edna, EventKind::Unmodelled),
        // edna's status and incoming-message webhooks name no type: their shape tells them.
        (None, None) => match (route.provider(), edna_shape(body)?) {
            (Provider::Edna, _) if found.payload.is_some() => {
                return Err(PayloadError::MissingField("type"))
            }
            (_, EdnaShape::Status) => (Provider::Edna, EventKind::Ack),
            (_, EdnaShape::IncomingMessage) => (Provider::Edna, EventKind::InboundMessage),
            (Provider::Edna, _) => (Provider::Edna, EventKind::Unmodelled),
            (Provider::Botlinkd, _) => return Err(PayloadError::MissingField("event")),
        },
    })
}

/// Deserializes `json` (the body, or a nested object found at `prefix`), naming the offending
/// field on error. The whole input must be one JSON value.
pub(crate) fn parse_json<'a, T: Deserialize<'a>>(
    json: &'a str,
    prefix: &str,
) -> Result<T, PayloadError> {
    // serde's derived structs also accept a JSON array (fields by position); providers only
    // send objects, and a positional body must not slip through as a valid event.
    if !json.trim_start().starts_with('{') {
        return Err(if prefix.is_empty() {
            PayloadError::MalformedJson("the body must be a JSON object".into())
        } else {
            PayloadError::invalid(prefix, "expected a JSON object")
        });
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| PayloadError::from_serde(err, prefix))?;
    de.end()
        .map_err(|err| PayloadError::MalformedJson(err.to_string()))?;
    Ok(value)
}

impl EventRecord {
    fn new(event: WebhookEvent, raw_body: &str) -> EventRecord {
        let body_sha256 = body_sha256(raw_body.as_bytes());
        let (message, discriminator, occurred_at) = match &event {
            WebhookEvent::Click(click) => (
                MessageRef::EdnaSent(click.out_message_id),
                vec![click.short_link.clone(), click.occurred_at.clone()],
                &click.occurred_at,
            ),
            WebhookEvent::InboundMessage(message) => (
                MessageRef::Botlinkd {
                    instance_id: message.instance_id.clone(),
                    message_id: message.message_id.clone(),
                },
                Vec::new(),
                &message.occurred_at,
            ),
            WebhookEvent::Ack(ack) => (
                MessageRef::Botlinkd {
                    instance_id: ack.instance_id.clone(),
                    message_id: ack.message_id.clone(),
                },
                vec![ack.status.clone()],
                &ack.occurred_at,
            ),
            WebhookEvent::EdnaStatus(status) => (
                MessageRef::EdnaSent(status.message_id),
                // edna's statuses are upper case; a retry in another case is the same status.
                vec![status.status.to_ascii_lowercase()],
                &status.occurred_at,
            ),
            WebhookEvent::EdnaMessage(message) => (
                // A reply belongs to the campaign message it answers, so that message's funnel
                // holds it; any other incoming message is a message of its own.
                match message.reply_to.out_message_id {
                    Some(replied) => MessageRef::EdnaSent(replied),
                    None => MessageRef::EdnaReceived(message.id),
                },
                vec![message.id.to_string()],
                &message.occurred_at,
            ),
            WebhookEvent::Unmodelled(provider) => (
                MessageRef::Unmodelled {
                    provider: *provider,
                    body_sha256: body_sha256.clone(),
                },
                Vec::new(),
                &String::new(),
            ),
        };
        let kind = kind_of(&event);
        EventRecord {
            id: EventId {
                message,
                kind,
                discriminator,
            },
            occurred_at: occurred_at.clone(),
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
