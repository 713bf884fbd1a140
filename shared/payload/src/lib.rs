//! Provider webhook formats, their validation, and the DynamoDB-agnostic record each event becomes.
//!
//! Everything here is pure: bytes in, [`EventRecord`] or [`PayloadError`] out. The HTTP layer and the
//! DynamoDB store live in `webhook-receiver`.

mod botlinkd;
mod edna;
mod error;
mod fields;
mod key;
mod record;
mod route;
mod timestamp;

pub use botlinkd::{AckEvent, AckStatus, InboundMessage};
pub use edna::ClickEvent;
pub use error::PayloadError;
pub use key::{ItemKey, STATUS_SORT_KEY};
pub use record::{parse_event, Attr, EventRecord, StatusChange, WebhookEvent};
pub use route::{EventKind, Provider, Route};
pub use timestamp::utc_now;

/// Masks a phone number for logs: only the last four digits stay readable.
pub fn mask_phone(phone: &str) -> String {
    let keep = phone.chars().count().saturating_sub(4);
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| if i < keep { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mask_phone;

    #[test]
    fn mask_phone_keeps_only_the_last_four_characters() {
        assert_eq!(mask_phone("447123456789"), "********6789");
        assert_eq!(mask_phone("1234"), "1234");
        assert_eq!(mask_phone(""), "");
    }
}
