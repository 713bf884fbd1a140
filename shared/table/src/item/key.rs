//! The table's keys: how an event's identity ([`EventId`]), a message, a phone number and a
//! quarantined body become `pk` and `sk`. Provider values are escaped so that a `#` inside an id
//! can never shift the segments of a key and forge another event's key.

pub use webhook_payload::{compose, key_segments};
use webhook_payload::{phone_digits, EventId, EventRecord, MessageRef, QuarantineRecord};

/// First segment of a message's partition key: `MSG#<provider>#…`.
pub const MESSAGE_PREFIX: &str = "MSG";
/// First segment of an event's sort key: `EVENT#<kind>#…`; a query of a message's events
/// selects `begins_with(sk, "EVENT#")`.
pub const EVENT_PREFIX: &str = "EVENT";
/// Prefix of the sort key of a record that collided with another under the same idempotency key.
pub const COLLISION_PREFIX: &str = "COLLISION#";
/// Partition-key prefix of unmodelled provider events (`UNMODELLED#<provider>#<body hash>`).
pub const UNMODELLED_PREFIX: &str = "UNMODELLED";
/// Partition-key prefix (and sort key) of quarantine items (`QUARANTINE#<body hash>`).
pub const QUARANTINE_PREFIX: &str = "QUARANTINE";
/// Partition-key prefix of the `by_phone` index (`PHONE#<digits>`).
pub const PHONE_PREFIX: &str = "PHONE";

/// The fewest digits a phone number has here: an identifier with fewer gets no `by_phone` key
/// (it is no number to find a person by, and every such identifier would share one key), and
/// `erase` refuses fewer (they would match other people's numbers inside bodies).
pub const MIN_PHONE_DIGITS: usize = 8;

/// Partition keys that one day's quarantined bodies are spread over in `by_quarantine_day`.
/// DynamoDB takes at most 1,000 write units per second for one partition key value, of an index
/// as of the table, and a throttled index entry throttles the table write. Each entry is one
/// write unit (the index projects no body), so a storm of 3,000 quarantined bodies a second puts
/// ~375 a second on each of 8 keys: 2.7 times headroom (docs/capacity.md).
pub const QUARANTINE_SHARDS: u8 = 8;

/// A table item's primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    /// Partition key (`pk`).
    pub pk: String,
    /// Sort key (`sk`).
    pub sk: String,
}

impl ItemKey {
    /// The key under which a different body with this key's idempotency key is kept, so that a
    /// collision never overwrites the first record and a retry of the colliding body is still a
    /// duplicate. It sits outside the `EVENT#` prefix, so that a query for a message's events
    /// finds each event once.
    pub fn collision(&self, body_sha256: &str) -> ItemKey {
        ItemKey {
            pk: self.pk.clone(),
            sk: format!("{COLLISION_PREFIX}{}#{body_sha256}", self.sk),
        }
    }
}

/// The key of an event: `MSG#…` of its message, `EVENT#<kind>#<discriminator…>`.
pub fn event_key(id: &EventId) -> ItemKey {
    let mut sort = vec![EVENT_PREFIX, id.kind.as_str()];
    sort.extend(id.discriminator.iter().map(String::as_str));
    ItemKey {
        pk: message_partition(&id.message),
        sk: compose(&sort),
    }
}

/// The key of an event record ([`event_key`] of its id).
pub fn record_key(record: &EventRecord) -> ItemKey {
    event_key(&record.id)
}

/// The partition of a message: its events (acks included) and its collisions. `MSG#` and the
/// message's segments ([`MessageRef::segments`]), or `UNMODELLED#` and those of an unmodelled
/// event.
pub fn message_partition(message: &MessageRef) -> String {
    let prefix = match message {
        MessageRef::Unmodelled { .. } => UNMODELLED_PREFIX,
        _ => MESSAGE_PREFIX,
    };
    let segments = message.segments();
    let mut parts = vec![prefix];
    parts.extend(segments.iter().map(String::as_str));
    compose(&parts)
}

/// The message and collision mark of an event's key, read back: the inverse of
/// [`message_partition`]; `None` for a key that is no event's nor a collision's.
pub fn event_of_key(key: &ItemKey) -> Option<(MessageRef, bool)> {
    let collision = key.sk.starts_with(COLLISION_PREFIX);
    let sort = key.sk.strip_prefix(COLLISION_PREFIX).unwrap_or(&key.sk);
    if key_segments(sort).first().map(String::as_str) != Some(EVENT_PREFIX) {
        return None;
    }
    let segments = key_segments(&key.pk);
    let (prefix, rest) = segments.split_first()?;
    let message = match prefix.as_str() {
        MESSAGE_PREFIX => MessageRef::of_segments(rest)?,
        UNMODELLED_PREFIX => MessageRef::unmodelled_of_segments(rest)?,
        _ => return None,
    };
    Some((message, collision))
}

/// Whether `key` is a quarantined body's.
pub fn is_quarantine_key(key: &ItemKey) -> bool {
    key.sk == QUARANTINE_PREFIX && quarantine_key_of_partition(&key.pk).is_some()
}

/// The key of the quarantined body whose partition key is `pk`, if `pk` is one.
pub fn quarantine_key_of_partition(pk: &str) -> Option<ItemKey> {
    let segments = key_segments(pk);
    match segments.as_slice() {
        [prefix, hash] if prefix == QUARANTINE_PREFIX && !hash.is_empty() => Some(ItemKey {
            pk: pk.to_owned(),
            sk: QUARANTINE_PREFIX.to_owned(),
        }),
        _ => None,
    }
}

/// The key of a quarantined body: one item per distinct body (canonical JSON hash), so a
/// retried body is one item.
pub fn quarantine_key(record: &QuarantineRecord) -> ItemKey {
    ItemKey {
        pk: compose(&[QUARANTINE_PREFIX, &record.body_sha256]),
        sk: QUARANTINE_PREFIX.to_owned(),
    }
}

/// The `by_phone` partition key of a phone number: `PHONE#<its digits>` ([`phone_digits`]), so
/// that the number a person gives and the one a provider sent find the same timeline; `None` for
/// an identifier of fewer than [`MIN_PHONE_DIGITS`] digits, which is on no timeline.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits = phone_digits(phone);
    (digits.len() >= MIN_PHONE_DIGITS).then(|| compose(&[PHONE_PREFIX, &digits]))
}

/// The `by_quarantine_day` partition key of a body with hash `body_sha256` quarantined on `day`
/// (`YYYY-MM-DD`): `<day>#<shard>`, the shard ([`QUARANTINE_SHARDS`]) taken from the hash, so
/// that a day's bodies spread evenly and a retried body lands where it did.
pub fn quarantine_shard(day: &str, body_sha256: &str) -> String {
    let high = body_sha256
        .get(..2)
        .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        .unwrap_or(0);
    compose(&[day, &(high % QUARANTINE_SHARDS).to_string()])
}

/// Every `by_quarantine_day` partition key of `day`: what a reader of a day's quarantine queries.
pub fn quarantine_shards(day: &str) -> Vec<String> {
    (0..QUARANTINE_SHARDS)
        .map(|shard| compose(&[day, &shard.to_string()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use webhook_payload::{EventKind, Provider};

    use super::*;

    #[test]
    fn a_phone_key_is_the_same_however_the_number_is_written() {
        for written in [
            "447123456789",
            "+44 7123 456789",
            "+44-7123-456-789",
            "447123456789:12@s.whatsapp.net",
        ] {
            assert_eq!(
                phone_key(written).as_deref(),
                Some("PHONE#447123456789"),
                "{written}"
            );
        }
    }

    #[test]
    fn an_identifier_that_cannot_be_a_number_gets_no_phone_key() {
        for identifier in ["", "anonymous", "user@example.com", "+1234567", "1234-567"] {
            assert_eq!(phone_key(identifier), None, "{identifier}");
        }
        assert_eq!(phone_key("12345678").as_deref(), Some("PHONE#12345678"));
    }

    #[test]
    fn a_days_quarantine_spreads_over_its_shards_and_a_body_keeps_its_shard() {
        let day = "2026-11-30";
        let shards = quarantine_shards(day);
        assert_eq!(shards.len(), usize::from(QUARANTINE_SHARDS));
        let mut used = std::collections::BTreeSet::new();
        for n in 0..40 {
            let sha = webhook_payload::body_sha256(format!("{{\"n\":{n}}}").as_bytes());
            let shard = quarantine_shard(day, &sha);
            assert!(shards.contains(&shard), "{shard}");
            assert_eq!(shard, quarantine_shard(day, &sha));
            used.insert(shard);
        }
        assert!(used.len() >= 4, "{used:?}");
        assert_eq!(quarantine_shard(day, "zz"), "2026-11-30#0");
    }

    #[test]
    fn each_message_has_its_own_partition() {
        let botlinkd = MessageRef::Botlinkd {
            instance_id: "10922".into(),
            message_id: "wamid.X".into(),
        };
        let unmodelled = MessageRef::Unmodelled {
            provider: Provider::Edna,
            body_sha256: "ab12".into(),
        };
        assert_eq!(message_partition(&botlinkd), "MSG#botlinkd#10922#wamid.X");
        assert_eq!(
            message_partition(&MessageRef::EdnaSent(8681748)),
            "MSG#edna#8681748"
        );
        assert_eq!(
            message_partition(&MessageRef::EdnaReceived(101)),
            "MSG#edna#in#101"
        );
        assert_eq!(message_partition(&unmodelled), "UNMODELLED#edna#ab12");
    }

    #[test]
    fn an_event_key_names_its_kind_then_its_discriminator() {
        let id = EventId {
            message: MessageRef::EdnaSent(8681748),
            kind: EventKind::Click,
            discriminator: vec![
                "https://s.ed.na/x#y".into(),
                "2025-01-30T11:07:55.000Z".into(),
            ],
        };
        assert_eq!(
            event_key(&id).sk,
            "EVENT#click#https://s.ed.na/x%23y#2025-01-30T11:07:55.000Z"
        );
        let ack = EventId {
            message: MessageRef::EdnaSent(8681748),
            kind: EventKind::Ack,
            discriminator: vec!["delivered".into()],
        };
        assert_eq!(event_key(&ack).sk, "EVENT#ack#delivered");
    }

    /// Keys are the table's data: a deployed table holds items under them, so a retry after an
    /// upgrade must find the same key. The documented examples pin them.
    #[test]
    fn the_documented_examples_keep_their_keys() {
        use webhook_payload::{parse_event, Route};
        let fixture = |name: &str| {
            std::fs::read(format!(
                "{}/../../fixtures/payloads/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        for (route, name, pk, sk, phone) in [
            (
                Route::EdnaClicks,
                "edna-click.json",
                "MSG#edna#5345345",
                "EVENT#click#f42kL#2025-08-10T12:32:56.000Z",
                Some("PHONE#79991234567"),
            ),
            (
                Route::BotlinkdMessages,
                "botlinkd-message.json",
                "MSG#botlinkd#10922#wamid.HBgLM...",
                "EVENT#message",
                Some("PHONE#447123456789"),
            ),
            (
                Route::BotlinkdAcks,
                "botlinkd-ack.json",
                "MSG#botlinkd#10922#wamid.HBgLM...",
                "EVENT#ack#read",
                None,
            ),
            (
                Route::EdnaStatuses,
                "edna-status.json",
                "MSG#edna#8681748",
                "EVENT#ack#delivered",
                None,
            ),
            (
                Route::EdnaMessages,
                "edna-message.json",
                "MSG#edna#5043874",
                "EVENT#message#101",
                Some("PHONE#35700000000"),
            ),
        ] {
            let record = parse_event(route, &fixture(name)).unwrap();
            let key = record_key(&record);
            assert_eq!((key.pk.as_str(), key.sk.as_str()), (pk, sk), "{name}");
            assert_eq!(
                record.phone().and_then(phone_key).as_deref(),
                phone,
                "{name}"
            );
        }
    }

    #[test]
    fn collision_key_keeps_the_partition_and_extends_the_sort_key() {
        let key = ItemKey {
            pk: "MSG#x".into(),
            sk: "EVENT#ack#read".into(),
        };
        let collision = key.collision("abc");
        assert_eq!(collision.pk, key.pk);
        assert_eq!(collision.sk, "COLLISION#EVENT#ack#read#abc");
        assert!(!collision.sk.starts_with("EVENT#"));
    }
}
