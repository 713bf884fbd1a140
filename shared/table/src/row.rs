//! What the table's readers get back: each item as what it stands for ([`Row`]), never an
//! attribute map. Only this crate knows attribute names and key prefixes; the console, replay's
//! callers and the tests read rows.

use webhook_payload::{parse_event, EventKind, EventRecord, MessageRef, Provider, Route};

use crate::item::{self, Item, ItemKey};

/// One item of the table, as what it stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A click or an inbound message, stored as itself.
    Event(StoredEvent),
    /// A status of a message the business sent (a BotLinkd ack, an edna message status).
    Status(StoredEvent),
    /// A different body that arrived under a key already taken, kept beside the first.
    Collision(StoredEvent),
    /// An event of its provider that this product does not model, kept whole.
    Unmodelled(StoredEvent),
    /// An authenticated body that is no event, kept raw for a replay.
    Quarantined(QuarantinedBody),
}

/// Where a row lives in the table: opaque to readers, who hand it back to the store (replay,
/// the console's feed dropping an erased item's rows).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowKey(pub(crate) ItemKey);

impl RowKey {
    /// The key's partition, as text a page can carry and give back ([`RowKey::of_quarantined`]).
    pub fn partition(&self) -> &str {
        &self.0.pk
    }

    /// The key of the quarantined body whose [`RowKey::partition`] is `partition`; `None` when
    /// `partition` is no quarantined body's.
    pub fn of_quarantined(partition: &str) -> Option<RowKey> {
        let key = item::quarantine_key_of_partition(partition)?;
        Some(RowKey(key))
    }
}

/// An event item (or a collision kept beside one): its identity, times and raw body.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Where it is stored.
    pub key: RowKey,
    /// What kind of event it is.
    pub kind: EventKind,
    /// The message it belongs to (an unmodelled event is its own).
    pub message: MessageRef,
    /// When it happened, by the provider's clock (RFC 3339 UTC; the receive time where the body
    /// has none).
    pub occurred_at: String,
    /// When this receiver stored it (RFC 3339 UTC).
    pub received_at: String,
    /// The body, as received.
    pub raw_body: Vec<u8>,
}

impl StoredEvent {
    /// Who sent it: its message's provider.
    pub fn provider(&self) -> Provider {
        self.message.provider()
    }

    /// The event its raw body parses to, with the functions' own parser, through its provider's
    /// route that accepts every kind; `None` when today's parser no longer reads it.
    pub fn record(&self) -> Option<EventRecord> {
        parse_event(self.provider().events_route(), &self.raw_body).ok()
    }
}

/// A quarantined body: why it is no event, and whether it was replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedBody {
    /// Where it is stored.
    pub key: RowKey,
    /// The route it came in on, if it is one of today's.
    pub route: Option<Route>,
    /// When this receiver stored it (RFC 3339 UTC).
    pub received_at: String,
    /// Why it is no event (`malformed_json`, `missing_field`, ...).
    pub reason: String,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// The parser's message (at most 1 KiB).
    pub detail: String,
    /// The body, as received (not always UTF-8).
    pub raw_body: Vec<u8>,
    /// When it was replayed and what the replay's write did, once it was.
    pub replayed: Option<ReplayMark>,
}

/// The mark a replay leaves on a quarantined body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayMark {
    /// When (RFC 3339 UTC).
    pub at: String,
    /// What the replay's write did (`stored`, `duplicate`, ...).
    pub outcome: String,
}

impl Row {
    /// The row an item stands for; `None` for an item that is no row (the warm-up key).
    pub(crate) fn of_item(found: &Item) -> Option<Row> {
        let key = item::key_of(found)?;
        let text = |name: &str| item::text(found, name).map(str::to_owned);
        let received_at = text(item::RECEIVED_AT).unwrap_or_default();
        if item::is_quarantine_key(&key) {
            return Some(Row::Quarantined(QuarantinedBody {
                route: item::text(found, item::ROUTE).and_then(Route::for_path),
                received_at,
                reason: text(item::REASON).unwrap_or_default(),
                field: text(item::FIELD),
                detail: text(item::DETAIL).unwrap_or_default(),
                raw_body: item::raw_body_of(found).unwrap_or_default(),
                replayed: text(item::REPLAYED_AT).map(|at| ReplayMark {
                    at,
                    outcome: text(item::REPLAY_OUTCOME).unwrap_or_default(),
                }),
                key: RowKey(key),
            }));
        }
        let (message, collision) = item::event_of_key(&key)?;
        let kind = item::kind_of(item::text(found, item::KIND)?)?;
        let event = StoredEvent {
            occurred_at: text(item::OCCURRED_AT).unwrap_or_else(|| received_at.clone()),
            received_at,
            raw_body: item::raw_body_of(found).unwrap_or_default(),
            key: RowKey(key),
            kind,
            message,
        };
        Some(match (collision, kind) {
            (true, _) => Row::Collision(event),
            (false, EventKind::Unmodelled) => Row::Unmodelled(event),
            (false, EventKind::Ack) => Row::Status(event),
            (false, EventKind::Click | EventKind::InboundMessage) => Row::Event(event),
        })
    }

    /// Where it is stored.
    pub fn key(&self) -> &RowKey {
        match self {
            Row::Event(event)
            | Row::Status(event)
            | Row::Collision(event)
            | Row::Unmodelled(event) => &event.key,
            Row::Quarantined(body) => &body.key,
        }
    }

    /// When this receiver stored it.
    pub fn received_at(&self) -> &str {
        match self {
            Row::Event(event)
            | Row::Status(event)
            | Row::Collision(event)
            | Row::Unmodelled(event) => &event.received_at,
            Row::Quarantined(body) => &body.received_at,
        }
    }

    /// The stored event, for every row but a quarantined body.
    pub fn event(&self) -> Option<&StoredEvent> {
        match self {
            Row::Event(event)
            | Row::Status(event)
            | Row::Collision(event)
            | Row::Unmodelled(event) => Some(event),
            Row::Quarantined(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use webhook_payload::QuarantineRecord;

    use super::*;
    use crate::item::{event_item, quarantine_item, record_key};

    const NOW: &str = "2026-12-07T10:00:00.000Z";

    fn stored(route: Route, body: &str) -> Row {
        let record = parse_event(route, body.as_bytes()).unwrap();
        Row::of_item(&event_item(&record, &record_key(&record), NOW)).unwrap()
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../fixtures/payloads/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn each_item_reads_back_as_what_it_stands_for() {
        let click = stored(Route::EdnaClicks, &fixture("edna-click.json"));
        let Row::Event(event) = &click else {
            panic!("{click:?}")
        };
        assert_eq!(event.kind, EventKind::Click);
        assert_eq!(event.provider(), Provider::Edna);
        assert!(matches!(event.message, MessageRef::EdnaSent(_)));
        assert_eq!(event.received_at, NOW);
        assert_eq!(event.record().unwrap().kind(), EventKind::Click);

        let ack = stored(Route::BotlinkdAcks, &fixture("botlinkd-ack.json"));
        assert!(matches!(&ack, Row::Status(event) if event.provider() == Provider::Botlinkd));

        let record = parse_event(
            Route::BotlinkdMessages,
            fixture("botlinkd-message.json").as_bytes(),
        )
        .unwrap();
        let collision = record_key(&record).collision(&record.body_sha256);
        let row = Row::of_item(&event_item(&record, &collision, NOW)).unwrap();
        assert!(matches!(&row, Row::Collision(event) if event.message == record.id.message));
    }

    #[test]
    fn a_quarantined_body_keeps_its_bytes_reason_and_key() {
        let error = webhook_payload::PayloadError::MalformedJson("bad".into());
        let record = QuarantineRecord::new(Route::BotlinkdAcks, &[0xff, b'{'], &error);
        let row = Row::of_item(&quarantine_item(&record, NOW)).unwrap();
        let Row::Quarantined(body) = &row else {
            panic!("{row:?}")
        };
        assert_eq!(body.raw_body, [0xff, b'{']);
        assert_eq!(body.reason, "malformed_json");
        assert_eq!(body.route, Some(Route::BotlinkdAcks));
        assert_eq!(body.replayed, None);
        assert_eq!(
            RowKey::of_quarantined(body.key.partition()).as_ref(),
            Some(&body.key)
        );
        assert_eq!(RowKey::of_quarantined("MSG#edna#1"), None);
    }
}
