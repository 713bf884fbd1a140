//! An authenticated body that could not become an event: kept byte for byte, with why, so that a
//! newer parser can replay it. Refusing it would lose it, since providers give up after their
//! retries.

use crate::digest::body_sha256;
use crate::{PayloadError, Route};

/// What is written for a quarantined body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRecord {
    /// The route it arrived on, which decides how a replay parses it.
    pub route: Route,
    /// The request body exactly as received (not necessarily UTF-8).
    pub raw_body: Vec<u8>,
    /// Hash of the body, as for events ([`body_sha256`]): a retried body, even re-serialised,
    /// has the same, so the store keeps one item per distinct body.
    pub body_sha256: String,
    /// [`PayloadError::reason`].
    pub reason: &'static str,
    /// [`PayloadError::field`], when one field is to blame.
    pub field: Option<String>,
    /// The parser's full message. It can quote the body, so it is stored, never logged.
    pub detail: String,
}

impl QuarantineRecord {
    /// The quarantine record of `body`, received on `route`, that failed with `error`.
    pub fn new(route: Route, body: &[u8], error: &PayloadError) -> QuarantineRecord {
        let body_sha256 = body_sha256(body);
        QuarantineRecord {
            route,
            raw_body: body.to_vec(),
            body_sha256,
            reason: error.reason(),
            field: error.field().map(str::to_owned),
            detail: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_body_reserialised_is_the_same_quarantine_item() {
        let error = PayloadError::MissingField("data");
        let a = QuarantineRecord::new(Route::BotlinkdAcks, br#"{"event":"ack","x":1}"#, &error);
        let b = QuarantineRecord::new(
            Route::BotlinkdAcks,
            b"{ \"x\": 1, \"event\": \"ack\" }",
            &error,
        );
        assert_eq!(a.body_sha256, b.body_sha256);
        assert_ne!(a.raw_body, b.raw_body);
        assert_eq!(a.reason, "missing_field");
        assert_eq!(a.field.as_deref(), Some("data"));
    }
}
