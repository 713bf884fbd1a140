//! The record a webhook becomes, and the one entry point that builds it from a request body.

use std::borrow::Cow;

use serde::Deserialize;

use crate::digest::body_sha256;
use crate::key::{compose, phone_key, ItemKey, STATUS_SORT_KEY};
use crate::{
    AckEvent, AckStatus, ClickEvent, EventKind, InboundMessage, PayloadError, Provider, Route,
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
}

/// What is written to the table for one event: its key, its fields, and the raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// The idempotency key: a retry of the same event has the same key.
    pub key: ItemKey,
    /// When the event happened, RFC 3339 UTC with milliseconds (also the phone index's sort key).
    pub occurred_at: String,
    /// Partition key of the `by_phone` index, for events that involve a customer's phone.
    pub phone_key: Option<String>,
    /// Hex SHA-256 of the body's canonical JSON ([`body_sha256`]): tells a true retry, even a
    /// re-serialised one, from a different event with the same key.
    pub body_sha256: String,
    /// The request body exactly as received.
    pub raw_body: String,
    /// The validated event.
    pub event: WebhookEvent,
}

/// What an ack of a known status does to its message's status item: `sent`, `delivered` and
/// `read` move it forward only; `failed` is recorded beside it and never moves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The message's status item.
    pub key: ItemKey,
    /// The status the ack reports.
    pub status: AckStatus,
    /// When the ack happened.
    pub occurred_at: String,
}

/// Turns a webhook body received on `route` into the record to store.
///
/// The body's own discriminator (`type` for edna, `event` for BotLinkd) decides what it is; every
/// kind of the route's provider is accepted ([`Route::accepts`]).
pub fn parse_event(route: Route, body: &[u8]) -> Result<EventRecord, PayloadError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| PayloadError::MalformedJson("body is not UTF-8".into()))?;
    let kind = identify(route, text)?;
    if !route.accepts(kind) {
        return Err(PayloadError::WrongProvider { kind, route });
    }
    let event = match kind {
        EventKind::Click => WebhookEvent::Click(ClickEvent::parse(text)?),
        EventKind::InboundMessage => WebhookEvent::InboundMessage(InboundMessage::parse(text)?),
        EventKind::Ack => WebhookEvent::Ack(AckEvent::parse(text)?),
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
}

fn identify(route: Route, body: &str) -> Result<EventKind, PayloadError> {
    let found: Discriminator = parse_json(body, "")?;
    match (found.event.as_deref(), found.edna_type.as_deref()) {
        (Some("message"), _) => Ok(EventKind::InboundMessage),
        (Some("ack"), _) => Ok(EventKind::Ack),
        (Some(other), _) => Err(PayloadError::UnsupportedEvent {
            provider: Provider::Botlinkd,
            name: other.to_owned(),
        }),
        (None, Some("short_link_visited")) => Ok(EventKind::Click),
        (None, Some(other)) => Err(PayloadError::UnsupportedEvent {
            provider: Provider::Edna,
            name: other.to_owned(),
        }),
        (None, None) => Err(PayloadError::MissingField(match route.provider() {
            Provider::Edna => "type",
            Provider::Botlinkd => "event",
        })),
    }
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
        let (key, occurred_at, phone) = match &event {
            WebhookEvent::Click(click) => (
                ItemKey {
                    pk: compose(&["MSG", "edna", &click.out_message_id.to_string()]),
                    sk: compose(&[
                        "EVENT",
                        EventKind::Click.as_str(),
                        &click.short_link,
                        &click.occurred_at,
                    ]),
                },
                &click.occurred_at,
                Some(&click.phone),
            ),
            WebhookEvent::InboundMessage(message) => (
                ItemKey {
                    pk: message_partition(&message.instance_id, &message.message_id),
                    sk: compose(&["EVENT", EventKind::InboundMessage.as_str()]),
                },
                &message.occurred_at,
                Some(&message.from),
            ),
            WebhookEvent::Ack(ack) => (
                ItemKey {
                    pk: message_partition(&ack.instance_id, &ack.message_id),
                    sk: compose(&["EVENT", EventKind::Ack.as_str(), &ack.status]),
                },
                &ack.occurred_at,
                None,
            ),
        };
        EventRecord {
            key,
            occurred_at: occurred_at.clone(),
            phone_key: phone.map(|phone| phone_key(phone)),
            body_sha256: body_sha256(raw_body.as_bytes()),
            raw_body: raw_body.to_owned(),
            event,
        }
    }

    /// Which kind of event this is.
    pub fn kind(&self) -> EventKind {
        match self.event {
            WebhookEvent::Click(_) => EventKind::Click,
            WebhookEvent::InboundMessage(_) => EventKind::InboundMessage,
            WebhookEvent::Ack(_) => EventKind::Ack,
        }
    }

    /// Who sent it.
    pub fn provider(&self) -> Provider {
        self.kind().provider()
    }

    /// The customer's phone number, if the event involves one.
    pub fn phone(&self) -> Option<&str> {
        match &self.event {
            WebhookEvent::Click(click) => Some(&click.phone),
            WebhookEvent::InboundMessage(message) => Some(&message.from),
            WebhookEvent::Ack(_) => None,
        }
    }

    /// What an ack does to its message's status item; `None` for other events and for acks of a
    /// status this product does not know (they are stored as events and leave the status alone).
    pub fn status_change(&self) -> Option<StatusChange> {
        let WebhookEvent::Ack(ack) = &self.event else {
            return None;
        };
        Some(StatusChange {
            key: ItemKey {
                pk: self.key.pk.clone(),
                sk: STATUS_SORT_KEY.to_owned(),
            },
            status: ack.known_status()?,
            occurred_at: ack.occurred_at.clone(),
        })
    }
}

fn message_partition(instance_id: &str, message_id: &str) -> String {
    compose(&["MSG", "botlinkd", instance_id, message_id])
}
