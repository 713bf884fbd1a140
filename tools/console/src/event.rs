//! What the console shows of one stored event: a [`Row`], read from a table item (an event, an
//! ack, a collision, a quarantined body) or from a change of the table's stream. The provider's
//! fields come from the raw body, parsed with the same code as the functions.

use receiver::item::{
    self, key_segments, Item, COLLISION_PREFIX, MESSAGE_PREFIX, QUARANTINE_PREFIX,
    UNMODELLED_PREFIX,
};
use receiver::{Change, ChangeKind};
use webhook_payload::{parse_event, EventRecord, Route, WebhookEvent};
use webhook_receiver as receiver;

use crate::time::seconds_between;

/// How much of a message's text a row shows.
const TEXT_CHARS: usize = 80;

/// What became of the event, as far as the table shows it. A duplicate writes nothing, so the
/// stream never holds one (the `Requests` metric counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    /// Stored as its event.
    Stored,
    /// Stored beside another body with the same idempotency key.
    Collision,
    /// Kept raw in quarantine.
    Quarantined,
}

impl RowOutcome {
    /// The outcome's name, as the console shows and filters it.
    pub fn as_str(self) -> &'static str {
        match self {
            RowOutcome::Stored => "stored",
            RowOutcome::Collision => "collision",
            RowOutcome::Quarantined => "quarantined",
        }
    }
}

/// A message's page: its provider and the ids after it in its partition key
/// (`MSG#<provider>#<ids...>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    /// The provider's name.
    pub provider: String,
    /// The ids of the partition key after the provider (`10922`, `wamid...`; `5345345`; `in`, `101`).
    pub ids: Vec<String>,
}

impl MessageRef {
    /// The message whose partition is `pk`, if `pk` is a message's.
    pub fn of_partition(pk: &str) -> Option<MessageRef> {
        let mut segments = key_segments(pk).into_iter();
        if segments.next()? != MESSAGE_PREFIX {
            return None;
        }
        let provider = segments.next()?;
        let ids: Vec<String> = segments.collect();
        (!ids.is_empty()).then_some(MessageRef { provider, ids })
    }

    /// The partition key of this message.
    pub fn partition(&self) -> String {
        let mut segments = vec![MESSAGE_PREFIX, self.provider.as_str()];
        segments.extend(self.ids.iter().map(String::as_str));
        item::compose(&segments)
    }
}

/// One event as a row of the live view, a timeline or a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// When this receiver stored it (RFC 3339 UTC).
    pub received_at: String,
    /// When it happened, by the provider's clock, when the body says.
    pub occurred_at: Option<String>,
    /// `edna` or `botlinkd`, when known.
    pub provider: Option<String>,
    /// `click`, `message`, `ack`, `unmodelled` or `quarantine`.
    pub kind: String,
    /// What became of it.
    pub outcome: RowOutcome,
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

impl Row {
    /// Seconds from the provider's time to the receive time: the delivery lag.
    pub fn lag_seconds(&self) -> Option<f64> {
        seconds_between(self.occurred_at.as_deref()?, &self.received_at)
    }
}

#[cfg(test)]
impl Row {
    /// A stored event of `kind` from `provider`, received at `received_at`, nothing else known:
    /// the rows the feed's and the overview's tests build on.
    pub(crate) fn stored(kind: &str, provider: &str, received_at: &str) -> Row {
        Row {
            received_at: received_at.to_owned(),
            occurred_at: None,
            provider: Some(provider.to_owned()),
            kind: kind.to_owned(),
            outcome: RowOutcome::Stored,
            phone: None,
            status: None,
            text: None,
            template: None,
            message: None,
            reason: None,
        }
    }
}

/// The route a stored body of `provider` is read back through: its provider's one URL, which
/// accepts every kind of event it sends.
fn route_of(provider: &str) -> Option<Route> {
    match provider {
        "edna" => Some(Route::EdnaEvents),
        "botlinkd" => Some(Route::BotlinkdEvents),
        _ => None,
    }
}

/// The record a stored raw body of `provider` parses to, if it does.
pub fn parse_stored(provider: &str, body: &[u8]) -> Option<EventRecord> {
    parse_event(route_of(provider)?, body).ok()
}

fn start_of(text: &str) -> String {
    match text.char_indices().nth(TEXT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The row of an event, collision or quarantine item; `None` for any other item (the warm-up
/// key).
pub fn row_of_item(item: &Item) -> Option<Row> {
    let pk = item::text(item, item::PK)?;
    let sk = item::text(item, item::SK)?;
    let received_at = item::text(item, item::RECEIVED_AT)
        .unwrap_or_default()
        .to_owned();
    if pk.starts_with(QUARANTINE_PREFIX) {
        let route = item::text(item, item::ROUTE).and_then(Route::for_path);
        return Some(Row {
            received_at,
            occurred_at: None,
            provider: route.map(|route| route.provider().as_str().to_owned()),
            kind: item::KIND_QUARANTINE.to_owned(),
            outcome: RowOutcome::Quarantined,
            phone: None,
            status: None,
            text: None,
            template: None,
            message: None,
            reason: item::text(item, item::REASON).map(str::to_owned),
        });
    }
    let outcome = if sk.starts_with(COLLISION_PREFIX) {
        RowOutcome::Collision
    } else if sk.starts_with("EVENT#") {
        RowOutcome::Stored
    } else {
        return None;
    };
    let segments = key_segments(pk);
    let provider = match segments.first().map(String::as_str) {
        Some(MESSAGE_PREFIX | UNMODELLED_PREFIX) => segments.get(1).cloned(),
        _ => None,
    };
    let mut row = Row {
        received_at,
        occurred_at: item::text(item, item::OCCURRED_AT).map(str::to_owned),
        provider,
        kind: item::text(item, item::KIND).unwrap_or("unknown").to_owned(),
        outcome,
        phone: None,
        status: None,
        text: None,
        template: None,
        message: MessageRef::of_partition(pk),
        reason: None,
    };
    if let (Some(provider), Some(body)) = (&row.provider, item::raw_body_of(item)) {
        if let Some(record) = parse_stored(provider, &body) {
            fill_from(&mut row, &record);
        }
    }
    Some(row)
}

/// Copies what a row shows from the parsed event.
fn fill_from(row: &mut Row, record: &EventRecord) {
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

/// The rows a change of the table's stream adds: an inserted event (acks included), collision
/// or quarantine item. Every provider event is an item written once, so only an INSERT adds a
/// row; replay marks and removals add none.
pub fn rows_of_change(change: &Change) -> Vec<Row> {
    match (&change.operation, &change.new) {
        (ChangeKind::Insert, Some(new)) => row_of_item(new).into_iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use receiver::item::{event_item, quarantine_item};
    use webhook_payload::QuarantineRecord;

    const CLICK: &str = include_str!("../../../fixtures/payloads/edna-click.json");
    const MESSAGE: &str = include_str!("../../../fixtures/payloads/botlinkd-message.json");
    const EDNA_STATUS: &str = include_str!("../../../fixtures/payloads/edna-status.json");
    const NOW: &str = "2026-12-04T10:00:00.000Z";

    fn stored(route: Route, body: &str) -> Item {
        let record = parse_event(route, body.as_bytes()).unwrap();
        event_item(&record, &item::record_key(&record), NOW)
    }

    #[test]
    fn a_click_item_reads_as_its_row() {
        let row = row_of_item(&stored(Route::EdnaClicks, CLICK)).unwrap();
        assert_eq!(row.kind, "click");
        assert_eq!(row.provider.as_deref(), Some("edna"));
        assert_eq!(row.phone.as_deref(), Some("79991234567"));
        assert_eq!(row.template, Some(1333));
        assert_eq!(row.outcome, RowOutcome::Stored);
        assert_eq!(row.received_at, NOW);
        assert_eq!(row.lag_seconds().map(|lag| lag > 0.0), Some(true));
        let message = row.message.unwrap();
        assert_eq!(
            (message.provider.as_str(), message.ids.as_slice()),
            ("edna", &["5345345".to_owned()][..])
        );
    }

    #[test]
    fn a_message_item_shows_the_start_of_its_text() {
        let row = row_of_item(&stored(Route::BotlinkdMessages, MESSAGE)).unwrap();
        assert_eq!(row.text.as_deref(), Some("Hello, where is my order?"));
        assert_eq!(row.phone.as_deref(), Some("447123456789"));
        let long = MESSAGE.replace("Hello, where is my order?", &"x".repeat(200));
        let row = row_of_item(&stored(Route::BotlinkdMessages, &long)).unwrap();
        assert_eq!(row.text.unwrap().chars().count(), TEXT_CHARS + 1);
    }

    #[test]
    fn a_quarantined_body_reads_as_a_quarantine_row() {
        let body = br#"{"event":"message","instance_id":"1","data":{}}"#;
        let err = parse_event(Route::BotlinkdMessages, body).unwrap_err();
        let record = QuarantineRecord::new(Route::BotlinkdMessages, body, &err);
        let row = row_of_item(&quarantine_item(&record, NOW)).unwrap();
        assert_eq!(row.kind, "quarantine");
        assert_eq!(row.outcome, RowOutcome::Quarantined);
        assert_eq!(row.provider.as_deref(), Some("botlinkd"));
        assert!(row.reason.is_some());
    }

    #[test]
    fn an_inserted_ack_is_one_row_and_a_later_change_of_it_none() {
        let new = stored(Route::EdnaStatuses, EDNA_STATUS);
        let change = Change {
            operation: ChangeKind::Insert,
            old: None,
            new: Some(new.clone()),
        };
        let rows = rows_of_change(&change);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].kind, "ack");
        assert_eq!(rows[0].status.as_deref(), Some("delivered"));
        assert_eq!(rows[0].received_at, NOW);
        let again = Change {
            operation: ChangeKind::Modify,
            old: Some(new.clone()),
            new: Some(new),
        };
        assert!(rows_of_change(&again).is_empty());
    }
}
