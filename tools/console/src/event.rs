//! What the console shows of one stored event: an [`Entry`], read from a table row (an event, a
//! status, a collision, a quarantined body) or from a change of the table's stream. The
//! provider's fields come from the raw body, parsed with the same code as the functions.

use webhook_payload::{EventRecord, MessageRef, WebhookEvent};
use webhook_table::{Change, Row};

use crate::time::seconds_between;

/// How much of a message's text a row shows.
const TEXT_CHARS: usize = 80;

/// What became of the event, as far as the table shows it. A duplicate writes nothing, so the
/// stream never holds one (the `Requests` metric counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Stored as its event.
    Stored,
    /// Stored beside another body with the same idempotency key.
    Collision,
    /// Kept raw in quarantine.
    Quarantined,
}

impl EntryOutcome {
    /// The outcome's name, as the console shows and filters it.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryOutcome::Stored => "stored",
            EntryOutcome::Collision => "collision",
            EntryOutcome::Quarantined => "quarantined",
        }
    }
}

/// One event as a row of the live view, a timeline or a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When this receiver stored it (RFC 3339 UTC).
    pub received_at: String,
    /// When it happened, by the provider's clock, when the body says.
    pub occurred_at: Option<String>,
    /// `edna` or `botlinkd`, when known.
    pub provider: Option<String>,
    /// `click`, `message`, `ack`, `unmodelled` or `quarantine`.
    pub kind: String,
    /// What became of it.
    pub outcome: EntryOutcome,
    /// The person's phone number, as its digits.
    pub phone: Option<String>,
    /// An ack's status, lower case.
    pub status: Option<String>,
    /// The start of a message's text.
    pub text: Option<String>,
    /// An edna click's template.
    pub template: Option<u64>,
    /// The message it belongs to.
    pub message: Option<MessageRef>,
    /// A quarantined body's reason.
    pub reason: Option<String>,
}

impl Entry {
    /// Seconds from the provider's time to the receive time: the delivery lag.
    pub fn lag_seconds(&self) -> Option<f64> {
        seconds_between(self.occurred_at.as_deref()?, &self.received_at)
    }
}

#[cfg(test)]
impl Entry {
    /// A stored event of `kind` from `provider`, received at `received_at`, nothing else known:
    /// the rows the feed's and the overview's tests build on.
    pub(crate) fn stored(kind: &str, provider: &str, received_at: &str) -> Entry {
        Entry {
            received_at: received_at.to_owned(),
            occurred_at: None,
            provider: Some(provider.to_owned()),
            kind: kind.to_owned(),
            outcome: EntryOutcome::Stored,
            phone: None,
            status: None,
            text: None,
            template: None,
            message: None,
            reason: None,
        }
    }
}

fn start_of(text: &str) -> String {
    match text.char_indices().nth(TEXT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The entry of a table row: what the table says of it, and what its raw body says, parsed with
/// the functions' own code.
pub fn entry_of_row(row: &Row) -> Entry {
    let event = match row {
        Row::Quarantined(body) => {
            return Entry {
                received_at: body.received_at.clone(),
                occurred_at: None,
                provider: body.route.map(|route| route.provider().as_str().to_owned()),
                kind: "quarantine".to_owned(),
                outcome: EntryOutcome::Quarantined,
                phone: None,
                status: None,
                text: None,
                template: None,
                message: None,
                reason: Some(body.reason.clone()),
            }
        }
        Row::Event(event) | Row::Status(event) | Row::Collision(event) | Row::Unmodelled(event) => {
            event
        }
    };
    let mut entry = Entry {
        received_at: event.received_at.clone(),
        occurred_at: Some(event.occurred_at.clone()),
        provider: Some(event.provider().as_str().to_owned()),
        kind: event.kind.as_str().to_owned(),
        outcome: match row {
            Row::Collision(_) => EntryOutcome::Collision,
            _ => EntryOutcome::Stored,
        },
        phone: None,
        status: None,
        text: None,
        template: None,
        // An unmodelled event is its own message, with no page of its own.
        message: match event.message {
            MessageRef::Unmodelled { .. } => None,
            ref message => Some(message.clone()),
        },
        reason: None,
    };
    if let Some(record) = event.record() {
        fill_from(&mut entry, &record);
    }
    entry
}

/// Copies what a row shows from the parsed event.
fn fill_from(row: &mut Entry, record: &EventRecord) {
    row.phone = record.phone().map(webhook_payload::phone_digits);
    match &record.event {
        WebhookEvent::Click(click) => row.template = Some(click.template_id),
        WebhookEvent::InboundMessage(message) => row.text = message.body.as_deref().map(start_of),
        WebhookEvent::EdnaMessage(message) => {
            row.text = message
                .content
                .text
                .as_deref()
                .or(message.content.caption.as_deref())
                .map(start_of)
        }
        WebhookEvent::Ack(ack) => row.status = Some(ack.status.to_ascii_lowercase()),
        WebhookEvent::EdnaStatus(status) => row.status = Some(status.status.to_ascii_lowercase()),
        WebhookEvent::Unmodelled(_) => {}
    }
}

/// The entries a change of the table's stream adds: an inserted event (acks included),
/// collision or quarantined body. Every provider event is an item written once, so only an
/// insert adds an entry; replay marks and removals add none.
pub fn entries_of_change(change: &Change) -> Vec<Entry> {
    match change {
        Change::Inserted(row) => vec![entry_of_row(row)],
        Change::Modified(_) | Change::Removed(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhook_payload::{parse_event, QuarantineRecord, Route};
    use webhook_table::testing::{event_item, quarantine_item, record_key, row_of_item};

    const CLICK: &str = include_str!("../../../fixtures/payloads/edna-click.json");
    const MESSAGE: &str = include_str!("../../../fixtures/payloads/botlinkd-message.json");
    const EDNA_STATUS: &str = include_str!("../../../fixtures/payloads/edna-status.json");
    const NOW: &str = "2026-12-04T10:00:00.000Z";

    fn stored(route: Route, body: &str) -> Row {
        let record = parse_event(route, body.as_bytes()).unwrap();
        row_of_item(&event_item(&record, &record_key(&record), NOW)).unwrap()
    }

    #[test]
    fn a_click_item_reads_as_its_row() {
        let row = entry_of_row(&stored(Route::EdnaClicks, CLICK));
        assert_eq!(row.kind, "click");
        assert_eq!(row.provider.as_deref(), Some("edna"));
        assert_eq!(row.phone.as_deref(), Some("79991234567"));
        assert_eq!(row.template, Some(1333));
        assert_eq!(row.outcome, EntryOutcome::Stored);
        assert_eq!(row.received_at, NOW);
        assert_eq!(row.lag_seconds().map(|lag| lag > 0.0), Some(true));
        let message = row.message.unwrap();
        assert_eq!(message, MessageRef::EdnaSent(5345345));
        assert_eq!(message.segments(), ["edna", "5345345"]);
        assert_eq!(MessageRef::of_segments(&message.segments()), Some(message));
    }

    #[test]
    fn a_message_item_shows_the_start_of_its_text() {
        let row = entry_of_row(&stored(Route::BotlinkdMessages, MESSAGE));
        assert_eq!(row.text.as_deref(), Some("Hello, where is my order?"));
        assert_eq!(row.phone.as_deref(), Some("447123456789"));
        let long = MESSAGE.replace("Hello, where is my order?", &"x".repeat(200));
        let row = entry_of_row(&stored(Route::BotlinkdMessages, &long));
        assert_eq!(row.text.unwrap().chars().count(), TEXT_CHARS + 1);
    }

    #[test]
    fn a_quarantined_body_reads_as_a_quarantine_row() {
        let body = br#"{"event":"message","instance_id":"1","data":{}}"#;
        let err = parse_event(Route::BotlinkdMessages, body).unwrap_err();
        let record = QuarantineRecord::new(Route::BotlinkdMessages, body, &err);
        let row = entry_of_row(&row_of_item(&quarantine_item(&record, NOW)).unwrap());
        assert_eq!(row.kind, "quarantine");
        assert_eq!(row.outcome, EntryOutcome::Quarantined);
        assert_eq!(row.provider.as_deref(), Some("botlinkd"));
        assert!(row.reason.is_some());
    }

    #[test]
    fn an_inserted_ack_is_one_row_and_a_later_change_of_it_none() {
        let new = stored(Route::EdnaStatuses, EDNA_STATUS);
        let change = Change::Inserted(new.clone());
        let rows = entries_of_change(&change);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].kind, "ack");
        assert_eq!(rows[0].status.as_deref(), Some("delivered"));
        assert_eq!(rows[0].received_at, NOW);
        let again = Change::Modified(new);
        assert!(entries_of_change(&again).is_empty());
    }
}
