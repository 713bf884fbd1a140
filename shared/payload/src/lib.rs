//! Provider webhook formats, their validation, and the record each event becomes: its identity
//! ([`EventId`]), fields and raw body. Table keys are `webhook-receiver`'s business; only the
//! escaping that joins their segments ([`compose`], [`key_segments`]) lives here, as pure text.
//!
//! Everything here is pure: bytes in, [`EventRecord`] or [`PayloadError`] (and then a
//! [`QuarantineRecord`]) out. The HTTP layer and the DynamoDB store live in `webhook-receiver`.
//!
//! `json` is the bottom layer: it reads JSON and knows no provider and no record. Each provider is
//! a module on top of it (`edna`, `botlinkd`: its wire formats, how its bodies are told apart, its
//! identity rules, and its [`Declaration`]), `provider` maps each [`Provider`] to its declaration,
//! and `record` reads a body once and hands it to the provider whose body it is.

mod botlinkd;
mod digest;
mod edna;
mod error;
mod function;
mod id;
mod json;
mod key_text;
mod mask;
mod provider;
mod quarantine;
mod record;
mod route;
mod status;
mod timestamp;

pub use botlinkd::{AckEvent, InboundMessage};
pub use digest::body_sha256;
pub use edna::{
    ClickEvent, EdnaIncomingMessage, EdnaMessageContent, EdnaReplyTo, EdnaStatusEvent,
    EdnaSubscriber,
};
pub use error::PayloadError;
pub use function::Function;
pub use id::{phone_digits, EventId, MessageRef};
pub use key_text::{compose, key_segments};
pub use mask::{
    is_number_separator, mask_digit_runs, mask_number_in, masked, MAX_JOINER, PHONE_DIGITS,
};
pub use provider::{
    CredentialScheme, Credentials, Declaration, Provider, SecretVariables, UrlCheck,
};
pub use quarantine::QuarantineRecord;
pub use record::{parse_event, EventRecord, WebhookEvent};
pub use route::{EventKind, Route};
pub use status::{AckStatus, Failure, MessageStatus};
pub use timestamp::{seconds_until, utc_now};

/// A short, stable stand-in for a key in logs. Keys hold message ids, and a WhatsApp message id
/// (`wamid.` + base64) encodes the other party's phone number, so a key is never logged itself.
pub fn key_hash(key: &str) -> String {
    let mut hash = digest::sha256_hex(key.as_bytes());
    hash.truncate(12);
    hash
}

/// What logs show of a phone number: the last four of its digits ([`phone_digits`]), enough to
/// tell people apart in a support case.
pub fn phone_last_four(phone: &str) -> String {
    let mut digits = phone_digits(phone);
    digits.drain(..digits.len().saturating_sub(4));
    digits
}

#[cfg(test)]
mod tests {
    use super::{key_hash, phone_last_four};

    #[test]
    fn key_hash_is_short_stable_and_shows_nothing_of_the_key() {
        let key = "MSG#botlinkd#10922#wamid.HBgMNDQ3MTIzNDU2Nzg5FQIAEhgUM0VCMDRFQjE5";
        assert_eq!(key_hash(key), key_hash(key));
        assert_eq!(key_hash(key).len(), 12);
        assert_ne!(key_hash(key), key_hash("MSG#botlinkd#10922#wamid.other"));
        assert!(!key.contains(&key_hash(key)));
    }

    #[test]
    fn phone_last_four_keeps_only_the_last_four_digits_of_the_number() {
        let cases = [
            ("447123456789", "6789"),
            ("+44 7123 456789", "6789"),
            ("447123456789@c.us", "6789"),
            // A WhatsApp address's device part is no digit of the number.
            ("447123456789:12@s.whatsapp.net", "6789"),
            ("1234", "1234"),
            ("12", "12"),
            ("", ""),
        ];
        for (phone, shown) in cases {
            assert_eq!(phone_last_four(phone), shown, "{phone}");
        }
    }
}
