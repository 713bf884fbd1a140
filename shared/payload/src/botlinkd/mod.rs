//! BotLinkd: its webhooks' formats (`message`, an inbound WhatsApp message, and `ack`, a delivery
//! status), the envelope both share, and what identifies each event. BotLinkd names every event
//! (`event`), so its name alone tells a body of BotLinkd's.

mod ack;
mod message;

pub use ack::AckEvent;
pub use message::InboundMessage;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::id::MessageRef;
use crate::json::{not_an_object, required, required_id, Body, Mark, Object, Skip};
use crate::provider::{CredentialScheme, Credentials, Declaration, SecretVariables};
use crate::record::{Format, WebhookEvent};
use crate::{EventKind, PayloadError, Provider, Route};

/// Everything the rest of the code knows about BotLinkd.
pub(crate) static DECLARATION: Declaration = Declaration {
    name: "botlinkd",
    display_name: "BotLinkd",
    modelled_kinds: &[EventKind::InboundMessage, EventKind::Ack],
    events_route: Route::BotlinkdEvents,
    format: Format {
        mark,
        claims,
        parse,
    },
    // BotLinkd signs nothing, so the URL it is given carries a secret token.
    credentials: Credentials {
        scheme: CredentialScheme::QueryParameter("token"),
        variables: SecretVariables {
            value: "BOTLINKD_TOKENS",
            parameter: "BOTLINKD_TOKENS_PARAMETER",
        },
        disabled_by: None,
        // We generate the token: 128 bits of entropy, hex-encoded.
        min_chars: 32,
        guessable_below_chars: None,
        secret_noun: "token",
    },
    // BotLinkd sends to a URL without checking it first.
    url_check: None,
};

/// BotLinkd's discriminator: `event`, a string.
fn mark(name: &str) -> Option<(&'static str, Mark)> {
    (name == "event").then_some(("event", Mark::Text))
}

/// Whether `body`, on whatever route, is BotLinkd's: it names an `event`.
fn claims(body: &Body) -> Result<bool, PayloadError> {
    Ok(body.object().is_some_and(|object| object.has("event")))
}

/// The event a BotLinkd body is, read on a BotLinkd route: `message` and `ack` are modelled, any
/// other `event` is kept unmodelled. BotLinkd sends only objects, and names every event.
fn parse(body: &Body) -> Result<WebhookEvent, PayloadError> {
    let Some(object) = body.object() else {
        return Err(not_an_object());
    };
    Ok(match object.text("event") {
        Some("message") => WebhookEvent::InboundMessage(InboundMessage::parse(object)?),
        Some("ack") => WebhookEvent::Ack(AckEvent::parse(object)?),
        Some(_) => WebhookEvent::Unmodelled(Provider::Botlinkd),
        None => return Err(PayloadError::MissingField("event")),
    })
}

/// The envelope both BotLinkd events share (`event` is read with the body's discriminators);
/// `data` is read on its own, per kind.
#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
#[allow(dead_code)] // `data` is declared to be refused twice, and read as sent
struct EnvelopeWire {
    instance_id: Option<String>,
    #[serde(default)]
    data: Skip,
}

/// The envelope's `instance_id` and `data`.
fn envelope<'a>(body: &Object<'a>) -> Result<(String, &'a RawValue), PayloadError> {
    let wire: EnvelopeWire = body.fields()?;
    let instance_id = required_id(wire.instance_id, "instance_id")?;
    let data = required(body.raw("data"), "data")?;
    Ok((instance_id, data))
}

/// The message a BotLinkd event belongs to: its instance and WhatsApp's id, for a message and
/// for each of its acks alike.
fn message_of(instance_id: &str, message_id: &str) -> MessageRef {
    MessageRef::Botlinkd {
        instance_id: instance_id.to_owned(),
        message_id: message_id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{parse_event, Route};

    const MESSAGE: &str = include_str!("../../../../fixtures/payloads/botlinkd-message.json");
    const ACK: &str = include_str!("../../../../fixtures/payloads/botlinkd-ack.json");

    #[test]
    fn each_documented_body_is_read_whole_once() {
        for body in [MESSAGE, ACK] {
            let event = parse_event(Route::BotlinkdEvents, body.as_bytes());
            assert!(event.is_ok(), "{event:?}");
            assert_eq!(crate::json::reads_of(body), 1, "{body}");
        }
    }

    #[test]
    fn data_fields_not_modelled_are_accepted_and_not_read() {
        let with_extra = MESSAGE.replacen(
            "\"data\": {",
            r#""data": {"media": {"size": 1e400}, "caption": "\ud800", "caption": null,"#,
            1,
        );
        assert_ne!(with_extra, MESSAGE);
        let event = |body: &str| parse_event(Route::BotlinkdMessages, body.as_bytes());
        assert_eq!(
            event(&with_extra).map(|record| record.event),
            event(MESSAGE).map(|record| record.event)
        );
        let ack = ACK.replacen("\"data\": {", r#""data": {"x": [1e400],"#, 1);
        assert_ne!(ack, ACK);
        assert_eq!(
            parse_event(Route::BotlinkdAcks, ack.as_bytes()).map(|record| record.event),
            parse_event(Route::BotlinkdAcks, ACK.as_bytes()).map(|record| record.event)
        );
    }
}
