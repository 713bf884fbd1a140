//! The table's item schema: every attribute name, and the items an event, a quarantined body and
//! a message's acks become. The store, the bench and the tests all build items here.
//!
//! Items are lean, because DynamoDB bills a write unit per started KB (and again per index
//! entry): an event item holds its keys, what the indexes and documented queries need, and the
//! raw body. The provider's fields are not copied out of the raw body; readers parse it.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use webhook_payload::{EventKind, EventRecord, MessageRef, QuarantineRecord};

mod key;
mod update;

pub use key::{
    event_of_key, is_quarantine_key, message_partition, phone_key, quarantine_key,
    quarantine_key_of_partition, quarantine_shard, quarantine_shards, record_key, ItemKey,
    COLLISION_PREFIX, MIN_PHONE_DIGITS, UNMODELLED_PREFIX,
};
// What only the tests read of the layout (`crate::testing`).
#[cfg(any(test, feature = "testing"))]
pub use key::{
    compose, event_key, key_segments, EVENT_PREFIX, MESSAGE_PREFIX, PHONE_PREFIX,
    QUARANTINE_PREFIX, QUARANTINE_SHARDS,
};

pub use update::Update;

/// A table item.
pub type Item = HashMap<String, AttributeValue>;

/// Partition key.
pub const PK: &str = "pk";
/// Sort key.
pub const SK: &str = "sk";
/// `click`, `message`, `ack`, `unmodelled` or `quarantine`.
pub const KIND: &str = "kind";
/// `edna` or `botlinkd`.
pub const PROVIDER: &str = "provider";
/// When the event happened (RFC 3339 UTC, ms); sort key of `by_phone`.
pub const OCCURRED_AT: &str = "occurred_at";
/// When this receiver got it.
pub const RECEIVED_AT: &str = "received_at";
/// Canonical body hash: a retry's is the same.
pub const BODY_SHA256: &str = "body_sha256";
/// The body exactly as received.
pub const RAW_BODY: &str = "raw_body";
/// Partition key of `by_phone`.
pub const PHONE_KEY: &str = "phone_key";
/// On a collision record: the sort key of the record it collided with.
pub const COLLISION_OF: &str = "collision_of";
/// Which conditional write created the item (see `DynamoDbStore`).
pub const DELIVERY_ID: &str = "delivery_id";
/// When DynamoDB's TTL deletes the item (epoch seconds); absent when items are kept forever.
pub const EXPIRES_AT: &str = "expires_at";
/// Quarantine: the route the body arrived on.
pub const ROUTE: &str = "route";
/// Quarantine: why the body could not be parsed (`PayloadError::reason`).
pub const REASON: &str = "reason";
/// Quarantine: the field to blame, when there is one.
pub const FIELD: &str = "field";
/// Quarantine: the parser's message (may quote the body: stored, never logged).
pub const DETAIL: &str = "detail";
/// Quarantine: the day received and a shard of it (`YYYY-MM-DD#<0-7>`, [`quarantine_shard`]),
/// partition key of `by_quarantine_day`.
pub const QUARANTINE_SHARD: &str = "quarantine_shard";
/// Quarantine: when a replay stored it as an event.
pub const REPLAYED_AT: &str = "replayed_at";
/// Quarantine: what the replay's write did (`stored`, `duplicate`, `stored:collision`).
pub const REPLAY_OUTCOME: &str = "replay_outcome";
/// `kind` of a quarantine item.
pub const KIND_QUARANTINE: &str = "quarantine";

/// The condition of every PutItem: no item has its key yet. `#pk` stands for [`PK`].
pub const PUT_IF_ABSENT: &str = "attribute_not_exists(#pk)";

/// Name of the index that lists clicks and messages by phone number.
pub const BY_PHONE_INDEX: &str = "by_phone";
/// Name of the index that lists quarantine items by day, each day spread over
/// [`QUARANTINE_SHARDS`] keys; it holds their keys only (the items are read by key).
pub const BY_QUARANTINE_DAY_INDEX: &str = "by_quarantine_day";

/// DynamoDB's item size limit (400 KB, counted as 1024-byte KB).
#[cfg(any(test, feature = "testing"))]
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// How much of the parser's message a quarantine item keeps.
const MAX_DETAIL_BYTES: usize = 1024;

/// The item of an event `record` written under `key` (its own key, or a collision key): keys,
/// `kind`, the times, the body hash, the raw body, and `phone_key` for the `by_phone` index.
pub fn event_item(record: &EventRecord, key: &ItemKey, received_at: &str) -> Item {
    let s = |value: &str| AttributeValue::S(value.to_owned());
    let mut item: Item = HashMap::with_capacity(10);
    item.insert(PK.into(), s(&key.pk));
    item.insert(SK.into(), s(&key.sk));
    item.insert(KIND.into(), s(record.kind().as_str()));
    // An unmodelled event's time is not read: the receive time stands in (the pipe dates events
    // by `occurred_at`).
    let occurred_at = match record.occurred_at.as_str() {
        "" => received_at,
        at => at,
    };
    item.insert(OCCURRED_AT.into(), s(occurred_at));
    item.insert(RECEIVED_AT.into(), s(received_at));
    item.insert(BODY_SHA256.into(), s(&record.body_sha256));
    item.insert(RAW_BODY.into(), s(&record.raw_body));
    if key.sk.starts_with(COLLISION_PREFIX) {
        // A collision is kept, but out of the phone timeline: it is not a second event there.
        // Only here is the record's own key needed (the caller wrote its item first).
        item.insert(COLLISION_OF.into(), s(&record_key(record).sk));
    } else if let Some(key) = record.phone().and_then(phone_key) {
        item.insert(PHONE_KEY.into(), s(&key));
    }
    item
}

/// The item of a quarantined body, received at `received_at` (canonical UTC time).
pub fn quarantine_item(record: &QuarantineRecord, received_at: &str) -> Item {
    let s = |value: &str| AttributeValue::S(value.to_owned());
    let mut item: Item = HashMap::with_capacity(16);
    let key = quarantine_key(record);
    item.insert(PK.into(), AttributeValue::S(key.pk));
    item.insert(SK.into(), AttributeValue::S(key.sk));
    item.insert(KIND.into(), s(KIND_QUARANTINE));
    item.insert(PROVIDER.into(), s(record.route.provider().as_str()));
    item.insert(ROUTE.into(), s(record.route.path()));
    item.insert(REASON.into(), s(record.reason));
    if let Some(field) = &record.field {
        item.insert(FIELD.into(), s(field));
    }
    item.insert(DETAIL.into(), s(truncate(&record.detail, MAX_DETAIL_BYTES)));
    item.insert(BODY_SHA256.into(), s(&record.body_sha256));
    item.insert(RAW_BODY.into(), raw_body_value(&record.raw_body));
    item.insert(RECEIVED_AT.into(), s(received_at));
    let day = received_at.get(..10).unwrap_or(received_at);
    item.insert(
        QUARANTINE_SHARD.into(),
        s(&quarantine_shard(day, &record.body_sha256)),
    );
    item
}

/// The raw body as a string when it is UTF-8 (readable in the console), else as bytes.
fn raw_body_value(body: &[u8]) -> AttributeValue {
    match std::str::from_utf8(body) {
        Ok(text) => AttributeValue::S(text.to_owned()),
        Err(_) => AttributeValue::B(Blob::new(body)),
    }
}

/// The raw body of an item, whichever type it was stored as.
pub fn raw_body_of(item: &Item) -> Option<Vec<u8>> {
    match item.get(RAW_BODY)? {
        AttributeValue::S(text) => Some(text.as_bytes().to_vec()),
        AttributeValue::B(blob) => Some(blob.as_ref().to_vec()),
        _ => None,
    }
}

/// Whether `item` holds `body` as received (an event's or a quarantined body's `raw_body`).
#[cfg(any(test, feature = "testing"))]
pub fn holds_body(item: &Item, body: &[u8]) -> bool {
    raw_body_of(item).as_deref() == Some(body)
}

/// An item's primary key, when it has one.
pub fn key_of(item: &Item) -> Option<ItemKey> {
    Some(ItemKey {
        pk: text(item, PK)?.to_owned(),
        sk: text(item, SK)?.to_owned(),
    })
}

/// The UpdateItem that marks the quarantine item at `key` replayed at `at`, with what the
/// replay's write did (`outcome`); only an item that exists and is not marked yet.
pub fn replayed_update(key: ItemKey, outcome: &str, at: &str) -> Update {
    let s = |value: &str| AttributeValue::S(value.to_owned());
    Update {
        key,
        update_expression: "SET #replayed_at = :at, #replay_outcome = :outcome".into(),
        condition_expression: "attribute_exists(#pk) AND attribute_not_exists(#replayed_at)".into(),
        names: vec![
            ("#pk", PK.into()),
            ("#replayed_at", REPLAYED_AT.into()),
            ("#replay_outcome", REPLAY_OUTCOME.into()),
        ],
        values: vec![(":at", s(at)), (":outcome", s(outcome))],
    }
}

/// The event kind whose stored name (`kind`) is `name`; `None` for a quarantined body's.
pub fn kind_of(name: &str) -> Option<EventKind> {
    [
        EventKind::Click,
        EventKind::InboundMessage,
        EventKind::Ack,
        EventKind::Unmodelled,
    ]
    .into_iter()
    .find(|kind| kind.as_str() == name)
}

/// What a log line shows of `message`'s partition key: a 12-hex hash
/// ([`webhook_payload::key_hash`]), since keys hold message ids and ids encode phone numbers.
pub fn message_key_hash(message: &MessageRef) -> String {
    webhook_payload::key_hash(&message_partition(message))
}

/// A string attribute of an item.
pub fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|value| value.as_s().ok())
        .map(String::as_str)
}

fn truncate(text: &str, max_bytes: usize) -> &str {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// An item's size as DynamoDB counts it (names plus values), rounded up for numbers.
#[cfg(any(test, feature = "testing"))]
pub fn item_bytes(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| attr_bytes(name, value))
        .sum()
}

#[cfg(any(test, feature = "testing"))]
fn attr_bytes(name: &str, value: &AttributeValue) -> usize {
    name.len()
        + match value {
            AttributeValue::S(text) => text.len(),
            // At most 21 bytes; the digit count plus one bounds it from above.
            AttributeValue::N(number) => number.len() + 1,
            AttributeValue::B(blob) => blob.as_ref().len(),
            _ => 1,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhook_payload::{parse_event, Route};

    const MESSAGE: &str = include_str!("../../../fixtures/payloads/botlinkd-message.json");

    #[test]
    fn an_event_item_keeps_keys_index_attributes_and_the_raw_body_only() {
        let record = parse_event(Route::BotlinkdMessages, MESSAGE.as_bytes()).unwrap();
        let item = event_item(&record, &record_key(&record), "2026-01-01T00:00:00.000Z");
        let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                BODY_SHA256,
                KIND,
                OCCURRED_AT,
                PHONE_KEY,
                PK,
                RAW_BODY,
                RECEIVED_AT,
                SK
            ]
        );
        assert_eq!(text(&item, PHONE_KEY), Some("PHONE#447123456789"));
        assert_eq!(text(&item, RAW_BODY), Some(MESSAGE));
    }

    #[test]
    fn a_body_at_the_cap_fits_the_item_limit() {
        let mut value: serde_json::Value = serde_json::from_str(MESSAGE).unwrap();
        value["data"]["body"] = serde_json::json!("");
        let room = 256 * 1024 - value.to_string().len();
        value["data"]["body"] = serde_json::json!("x".repeat(room));
        let body = value.to_string();
        assert_eq!(body.len(), 256 * 1024);
        let record = parse_event(Route::BotlinkdMessages, body.as_bytes()).unwrap();
        let key = record_key(&record).collision(&record.body_sha256);
        let item = event_item(&record, &key, "2026-01-01T00:00:00.000Z");
        assert!(item_bytes(&item) + 64 < MAX_ITEM_BYTES);
    }

    #[test]
    fn a_collision_item_stays_out_of_the_phone_index() {
        let record = parse_event(Route::BotlinkdMessages, MESSAGE.as_bytes()).unwrap();
        let key = record_key(&record).collision(&record.body_sha256);
        let item = event_item(&record, &key, "2026-01-01T00:00:00.000Z");
        assert!(!item.contains_key(PHONE_KEY));
        assert_eq!(
            text(&item, COLLISION_OF),
            Some(record_key(&record).sk.as_str())
        );
    }

    #[test]
    fn a_quarantine_item_keeps_the_bytes_and_is_listed_under_a_shard_of_its_day() {
        let error = webhook_payload::PayloadError::MalformedJson("x".repeat(5000));
        let record = QuarantineRecord::new(Route::BotlinkdAcks, &[0xff, b'{'], &error);
        let item = quarantine_item(&record, "2026-11-30T01:02:03.000Z");
        assert_eq!(raw_body_of(&item), Some(vec![0xff, b'{']));
        let shard = text(&item, QUARANTINE_SHARD).unwrap();
        assert!(quarantine_shards("2026-11-30").iter().any(|s| s == shard));
        assert_eq!(text(&item, ROUTE), Some(Route::BotlinkdAcks.path()));
        assert_eq!(text(&item, REASON), Some("malformed_json"));
        assert!(text(&item, DETAIL).unwrap().len() <= MAX_DETAIL_BYTES);
    }
}
