//! What the payload tests share: the documented bodies, and a parse of one with a field changed.

#![allow(dead_code)] // each test binary uses its own share of these

use serde_json::Value;
use webhook_payload::{parse_event, EventRecord, PayloadError, Route};

pub const CLICK: &str = include_str!("../../../../fixtures/payloads/edna-click.json");
pub const MESSAGE: &str = include_str!("../../../../fixtures/payloads/botlinkd-message.json");
pub const ACK: &str = include_str!("../../../../fixtures/payloads/botlinkd-ack.json");
pub const EDNA_STATUS: &str = include_str!("../../../../fixtures/payloads/edna-status.json");
pub const EDNA_MESSAGE: &str = include_str!("../../../../fixtures/payloads/edna-message.json");
/// Each documented example with the route it is sent to.
pub const EXAMPLES: [(Route, &str); 3] = [
    (Route::EdnaClicks, CLICK),
    (Route::BotlinkdMessages, MESSAGE),
    (Route::BotlinkdAcks, ACK),
];

pub fn parse(route: Route, body: &Value) -> Result<EventRecord, PayloadError> {
    parse_event(route, body.to_string().as_bytes())
}

/// Parses a documented body with the field at a dotted path replaced.
pub fn parse_with(
    route: Route,
    body: &str,
    path: &str,
    value: Value,
) -> Result<EventRecord, PayloadError> {
    parse(route, &with(fixture(body), path, value))
}

pub fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Removes the field at a dotted path.
pub fn without(mut body: Value, path: &str) -> Value {
    let (parent, leaf) = path.rsplit_once('.').map_or(("", path), |(p, l)| (p, l));
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(&format!("/{}", parent.replace('.', "/")))
            .unwrap()
    };
    target.as_object_mut().unwrap().remove(leaf).unwrap();
    body
}

/// Replaces the field at a dotted path.
pub fn with(mut body: Value, path: &str, value: Value) -> Value {
    *body
        .pointer_mut(&format!("/{}", path.replace('.', "/")))
        .unwrap() = value;
    body
}
