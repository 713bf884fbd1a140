//! Delivery statuses: the ones this product understands ([`AckStatus`], what each provider's
//! statuses map to), and a message's status, derived where it is read from the acks stored for
//! it. The table keeps every ack as an immutable item of its own; nothing stores "the current
//! status", so no write reads or modifies another and acks may arrive in any order, late or twice.

use std::fmt;

use crate::{EventRecord, WebhookEvent};

/// A delivery status this product understands. `Sent < Delivered < Read` is the order of
/// progress, and the message's current status only moves forward along it; `Failed` stands
/// beside that order and never moves the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AckStatus {
    /// The message left BotLinkd's server.
    Sent,
    /// Delivered to the user's phone.
    Delivered,
    /// The user opened the chat (blue ticks).
    Read,
    /// WhatsApp could not send or deliver the message.
    Failed,
}

impl AckStatus {
    /// Every status this product knows.
    pub const ALL: [AckStatus; 4] = [
        AckStatus::Sent,
        AckStatus::Delivered,
        AckStatus::Read,
        AckStatus::Failed,
    ];

    /// The status as BotLinkd spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AckStatus::Sent => "sent",
            AckStatus::Delivered => "delivered",
            AckStatus::Read => "read",
            AckStatus::Failed => "failed",
        }
    }

    /// A number that grows with progress, stored so that DynamoDB can compare statuses in a
    /// condition expression; `None` for `Failed`, which is no step of progress.
    pub fn rank(self) -> Option<u8> {
        match self {
            AckStatus::Sent => Some(1),
            AckStatus::Delivered => Some(2),
            AckStatus::Read => Some(3),
            AckStatus::Failed => None,
        }
    }

    /// The known status spelled `value`, if any.
    pub fn parse(value: &str) -> Option<AckStatus> {
        let known = AckStatus::ALL;
        known.into_iter().find(|status| status.as_str() == value)
    }
}

impl fmt::Display for AckStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a message's acks say of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageStatus {
    /// The furthest of `sent`, `delivered` and `read` that an ack reported, with the time of
    /// that ack (the earliest, if it came twice). WhatsApp may skip `delivered` when a message
    /// is read at once, and report `delivered` after `read`: the rank decides, not arrival.
    pub current: Option<(AckStatus, String)>,
    /// When the message failed (edna's `undelivered`, `expired` and `failed`, WhatsApp's
    /// `failed`), with the provider's error when it gave one. Failure stands beside progress:
    /// a multi-device recipient can report `delivered` after `failed`, and both are true.
    pub failed: Option<Failure>,
    /// Statuses this product does not rank (`played`, edna's `cancelled`, ...), lower case, in
    /// time order: kept and shown, and they leave [`MessageStatus::current`] alone.
    pub other: Vec<String>,
}

/// The first failure an ack reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// When it happened (RFC 3339 UTC, ms).
    pub at: String,
    /// The provider's error, if it named one (edna's `error`).
    pub error: Option<String>,
}

impl MessageStatus {
    /// The status that `events`, a message's stored events in any order, add up to; events
    /// other than acks are passed over.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a EventRecord>) -> MessageStatus {
        let mut acks: Vec<&EventRecord> = events
            .into_iter()
            .filter(|record| {
                matches!(
                    record.event,
                    WebhookEvent::Ack(_) | WebhookEvent::EdnaStatus(_)
                )
            })
            .collect();
        acks.sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at));
        let mut status = MessageStatus::default();
        for ack in acks {
            match ack.known_status() {
                Some(AckStatus::Failed) => {
                    if status.failed.is_none() {
                        status.failed = Some(Failure {
                            at: ack.occurred_at.clone(),
                            error: error_of(ack),
                        });
                    }
                }
                Some(known) => {
                    let further = status
                        .current
                        .as_ref()
                        .is_none_or(|(current, _)| current.rank() < known.rank());
                    if further {
                        status.current = Some((known, ack.occurred_at.clone()));
                    }
                }
                None => status.other.push(status_word(ack)),
            }
        }
        status
    }
}

fn error_of(ack: &EventRecord) -> Option<String> {
    match &ack.event {
        WebhookEvent::EdnaStatus(status) => status.error.clone(),
        _ => None,
    }
}

fn status_word(ack: &EventRecord) -> String {
    match &ack.event {
        WebhookEvent::Ack(ack) => ack.status.to_ascii_lowercase(),
        WebhookEvent::EdnaStatus(status) => status.status.to_ascii_lowercase(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_event, Route};

    #[test]
    fn statuses_order_by_progress_and_failed_has_no_rank() {
        assert!(AckStatus::Sent.rank() < AckStatus::Delivered.rank());
        assert!(AckStatus::Delivered.rank() < AckStatus::Read.rank());
        assert_eq!(AckStatus::Sent.rank(), Some(1));
        assert_eq!(AckStatus::Failed.rank(), None);
        for status in AckStatus::ALL {
            assert_eq!(AckStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AckStatus::parse("sent"), Some(AckStatus::Sent));
        assert_eq!(AckStatus::parse("READ"), None);
        assert_eq!(AckStatus::parse("played"), None);
    }

    const EDNA_STATUS: &str = include_str!("../../../fixtures/payloads/edna-status.json");
    const ACK: &str = include_str!("../../../fixtures/payloads/botlinkd-ack.json");

    fn edna(status: &str, at: &str, error: Option<&str>) -> EventRecord {
        let mut body: serde_json::Value = serde_json::from_str(EDNA_STATUS).unwrap();
        body["status"] = status.into();
        body["statusAt"] = at.into();
        body["error"] = error.into();
        parse_event(Route::EdnaStatuses, body.to_string().as_bytes()).unwrap()
    }

    fn botlinkd(status: &str, timestamp: i64) -> EventRecord {
        let mut body: serde_json::Value = serde_json::from_str(ACK).unwrap();
        body["data"]["status"] = status.into();
        body["data"]["timestamp"] = timestamp.into();
        parse_event(Route::BotlinkdAcks, body.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn the_highest_rank_wins_whatever_the_order_of_arrival() {
        let read = edna("READ", "2025-01-30T11:09:00Z", None);
        let sent = edna("SENT", "2025-01-30T11:07:00Z", None);
        let delivered = edna("DELIVERED", "2025-01-30T11:08:00Z", None);
        let status = MessageStatus::of([&read, &delivered, &sent, &read]);
        assert_eq!(
            status.current,
            Some((AckStatus::Read, "2025-01-30T11:09:00.000Z".into()))
        );
        assert_eq!((status.failed, status.other), (None, Vec::new()));
        // A late `delivered` stamped after `read` does not move it back.
        let late = edna("DELIVERED", "2025-01-30T12:00:00Z", None);
        let status = MessageStatus::of([&read, &late]);
        assert_eq!(status.current.map(|(s, _)| s), Some(AckStatus::Read));
    }

    #[test]
    fn failed_keeps_its_time_and_error_beside_the_progress() {
        let delivered = edna("DELIVERED", "2025-01-30T11:08:00Z", None);
        let failed = edna("FAILED", "2025-01-30T11:07:30Z", Some("user-blocked"));
        let status = MessageStatus::of([&delivered, &failed]);
        assert_eq!(status.current.map(|(s, _)| s), Some(AckStatus::Delivered));
        assert_eq!(
            status.failed,
            Some(Failure {
                at: "2025-01-30T11:07:30.000Z".into(),
                error: Some("user-blocked".into())
            })
        );
        let whatsapp = botlinkd("failed", 1_700_000_000);
        let status = MessageStatus::of([&whatsapp]);
        assert_eq!(status.current, None);
        assert_eq!(status.failed.map(|f| f.error), Some(None));
    }

    #[test]
    fn unknown_statuses_are_kept_and_leave_the_rank_alone() {
        let sent = botlinkd("sent", 1_700_000_000);
        let played = botlinkd("played", 1_700_000_100);
        let cancelled = edna("CANCELLED", "2025-01-30T11:07:00Z", None);
        let status = MessageStatus::of([&played, &sent]);
        assert_eq!(status.current.map(|(s, _)| s), Some(AckStatus::Sent));
        assert_eq!(status.other, ["played"]);
        assert_eq!(MessageStatus::of([&cancelled]).other, ["cancelled"]);
        assert_eq!(MessageStatus::of([&cancelled]).current, None);
    }
}
