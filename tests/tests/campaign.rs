//! A campaign at WhatsApp's top tier, as a model of every write it makes (docs/capacity.md).
//!
//! One number sends 1,000 messages a second; each comes back as three statuses (sent, delivered,
//! read: out of order, some retried hours later as edna does), and a share of the messages is
//! clicked or answered. Every webhook goes through the real handler and the store's own item
//! code into a recorder that sizes each write as DynamoDB bills it, and the model checks, second
//! by second, what AWS documents as the limits:
//! - no partition key value of the table or of an index takes over [`KEY_BUDGET`] write units in
//!   a second: half of DynamoDB's 1,000, a margin of 2 for the hash spread and for bodies
//!   larger than these;
//! - every click, message and status is 1 write unit on the table, plus 1 for its `by_phone`
//!   entry where it has one; a quarantined body costs its size, plus 1 for its index entry;
//! - the table's units per second stay under a new on-demand table's 4,000 in a campaign, and
//!   under docs/capacity.md's recommended `TableWarmWriteUnits` in a storm in which every status is
//!   quarantined (a provider changed a field during the campaign);
//! - at the end the table holds exactly what a slow run of the same events holds: nothing lost,
//!   nothing doubled.
//!
//! DynamoDB Local never throttles, so this model, not a load test, is what checks the design
//! against the limits; `cost.rs` checks the sizes it uses against DynamoDB Local's own units.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use integration_tests::{fixture_event, send, test_config, with_body};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::{EventRecord, Function, QuarantineRecord, Route};
use webhook_receiver::{LineSink, Receiver};
use webhook_table::testing::{self as item, Item, ItemKey};
use webhook_table::{Conditional, EventStore, MemoryStore, StoreError};

/// Messages a second at Meta's highest tier.
const MESSAGES_PER_SECOND: u64 = 1_000;
/// Seconds of sending the model runs (the statuses of the last second arrive two seconds later).
const SECONDS: u64 = 3;
/// Write units one partition key value may take in a second, in this model: half of the 1,000
/// DynamoDB documents, for the table and for each index.
const KEY_BUDGET: u64 = 500;
/// A new on-demand table's warm write throughput (units a second), with no pre-warming.
const NEW_TABLE_WRITE_UNITS: u64 = 4_000;
/// docs/capacity.md's recommended `TableWarmWriteUnits` for a stack that must hold a quarantine
/// storm at one number's peak.
const RECOMMENDED_TABLE_WARM_WRITE_UNITS: u64 = 8_000;
/// What DynamoDbStore adds to each item besides what `item::event_item` builds: `delivery_id`
/// (11 + 20 bytes) and `expires_at` (10 + 11).
const STORE_ATTRIBUTE_BYTES: usize = 64;

/// Where a write lands: the table, or an index, under a partition key value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Space {
    Table,
    Index(&'static str),
}

/// One write as DynamoDB bills it.
#[derive(Debug, Clone)]
struct Write {
    second: u64,
    space: Space,
    key: String,
    units: u64,
    /// `kind` of the item, or `quarantine`.
    kind: String,
    /// Whether the item was written (a failed condition writes nothing, and no index entry,
    /// but is billed a unit).
    written: bool,
}

/// What the comparison of two runs reads of an item: its raw body and its phone key.
type Stored = (Option<Vec<u8>>, Option<String>);

/// The in-memory store, with a log of every write it was asked for, sized as DynamoDB bills it.
#[derive(Clone, Default)]
struct Recorder {
    store: Arc<MemoryStore>,
    log: Arc<Mutex<Vec<Write>>>,
    second: Arc<AtomicU64>,
}

fn units_of(bytes: usize) -> u64 {
    (bytes + STORE_ATTRIBUTE_BYTES).div_ceil(1024) as u64
}

/// The size of the index entry of `item` that holds `names` (keys and projected attributes).
fn entry_units(item: &Item, names: &[&str]) -> u64 {
    let entry: Item = names
        .iter()
        .filter_map(|name| Some((name.to_string(), item.get(*name)?.clone())))
        .collect();
    (item::item_bytes(&entry)).div_ceil(1024) as u64
}

impl Recorder {
    fn log(&self, item: &Item, kind: &str, written: bool) {
        let second = self.second.load(Ordering::SeqCst);
        let text = |name: &str| item::text(item, name).unwrap_or_default().to_owned();
        let mut log = self.log.lock().unwrap();
        log.push(Write {
            second,
            space: Space::Table,
            key: text(item::PK),
            units: if written {
                units_of(item::item_bytes(item))
            } else {
                1
            },
            kind: kind.to_owned(),
            written,
        });
        if !written {
            return;
        }
        let indexes = [
            (
                item::BY_PHONE_INDEX,
                item::PHONE_KEY,
                &[
                    item::PK,
                    item::SK,
                    item::PHONE_KEY,
                    item::OCCURRED_AT,
                    item::KIND,
                ][..],
            ),
            (
                item::BY_QUARANTINE_DAY_INDEX,
                item::QUARANTINE_SHARD,
                &[
                    item::PK,
                    item::SK,
                    item::QUARANTINE_SHARD,
                    item::RECEIVED_AT,
                ][..],
            ),
        ];
        for (index, key, projected) in indexes {
            if item.contains_key(key) {
                log.push(Write {
                    second,
                    space: Space::Index(index),
                    key: text(key),
                    units: entry_units(item, projected),
                    kind: kind.to_owned(),
                    written,
                });
            }
        }
    }

    /// The table's items as the comparison needs them: key -> raw body and phone key.
    fn contents(&self) -> BTreeMap<(String, String), Stored> {
        self.store
            .items()
            .iter()
            .map(|found| {
                let text = |name| item::text(found, name).map(str::to_owned);
                (
                    (text(item::PK).unwrap(), text(item::SK).unwrap()),
                    (item::raw_body_of(found), text(item::PHONE_KEY)),
                )
            })
            .collect()
    }
}

impl EventStore for Recorder {
    async fn put_event(
        &self,
        record: &EventRecord,
        key: &ItemKey,
    ) -> Result<Conditional, StoreError> {
        let found = self.store.put_event(record, key).await?;
        let sized = item::event_item(record, key, &webhook_payload::utc_now());
        let kind = record.kind().as_str();
        self.log(&sized, kind, found == Conditional::Written);
        Ok(found)
    }

    async fn put_quarantine(&self, record: &QuarantineRecord) -> Result<Conditional, StoreError> {
        let found = self.store.put_quarantine(record).await?;
        let sized = item::quarantine_item(record, &webhook_payload::utc_now());
        self.log(&sized, item::KIND_QUARANTINE, found == Conditional::Written);
        Ok(found)
    }
}

/// A small deterministic generator (xorshift), so that every run sends the same campaign.
struct Shuffle(u64);

impl Shuffle {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for at in (1..items.len()).rev() {
            let other = (self.next() % (at as u64 + 1)) as usize;
            items.swap(at, other);
        }
    }
}

/// Which provider a campaign goes through: this test's own list, because each campaign's bodies
/// are written here (a provider without one has no campaign, and needs nothing here).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Provider {
    Edna,
    Botlinkd,
}

/// One webhook of the campaign: when it arrives, on which route, with which body.
#[derive(Debug, Clone, PartialEq)]
struct Webhook {
    second: u64,
    route: Route,
    body: String,
}

/// The provider's time of an event in `second` of the campaign.
fn time_of(second: u64) -> String {
    format!("2026-12-07T10:{:02}:{:02}Z", second / 60, second % 60)
}

/// An edna status as a campaign sends it: UUID request and stage, a 32-character conversation
/// id (`cost.rs` measures this body at DynamoDB Local). `broken`: the provider changed the time
/// format, and the body cannot be read any more (quarantined).
fn edna_status(message: u64, status: &str, second: u64, broken: bool) -> String {
    let at = if broken {
        format!("07.12.2026 10:00:{:02}", second % 60)
    } else {
        time_of(second)
    };
    json!({
        "requestId": format!("3f8e2a7c-5b1d-4e9a-8c6f-{message:012}"),
        "messageId": message,
        "cascadeId": 11,
        "cascadeStageUUID": "9b2d6c1e-7f3a-4d8b-a5e0-6c7d8e9f0a1b",
        "subject": "shop_whatsapp_main_sender",
        "subjectId": 2,
        "status": status,
        "statusAt": at,
        "error": null,
        "comment": "autumn-sale-2026 / segment B / wave 3",
        "paymentData": {
            "@type": "WhatsAppConversationPaymentData",
            "conversationId": format!("8f3c1d9e2b7a4c6f9e1d{message:012}"),
            "conversationType": "marketing",
            "chargeable": true,
            "type": "WHATSAPP_CONVERSATION"
        }
    })
    .to_string()
}

fn person(message: u64) -> String {
    format!("4477009{:05}", message % 100_000)
}

fn wamid(message: u64) -> String {
    format!("wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSMzI1RkU0MjZDMTc3NjYz{message:010}")
}

/// The webhooks of one message sent in `second`: its statuses, and a click or a reply for some.
fn webhooks_of(provider: Provider, message: u64, second: u64, storm: bool) -> Vec<Webhook> {
    let mut hooks = Vec::new();
    // Read before delivered for one message in ten: WhatsApp reports them out of order.
    let (delivered, read) = if message.is_multiple_of(10) {
        (second + 2, second + 1)
    } else {
        (second + 1, second + 2)
    };
    for (status, at) in [("sent", second), ("delivered", delivered), ("read", read)] {
        let (route, body) = match provider {
            Provider::Edna => (
                Route::EdnaStatuses,
                edna_status(message, &status.to_ascii_uppercase(), at, storm),
            ),
            Provider::Botlinkd => {
                let timestamp: Value = if storm {
                    json!(format!("07.12.2026 10:00:{:02}", at % 60))
                } else {
                    json!(1_765_101_600 + at)
                };
                let ack = json!({"event": "ack", "instance_id": "10922",
                    "data": {"message_id": wamid(message), "status": status, "timestamp": timestamp}});
                (Route::BotlinkdAcks, ack.to_string())
            }
        };
        hooks.push(Webhook {
            second: at,
            route,
            body,
        });
    }
    if message.is_multiple_of(20) && provider == Provider::Edna {
        let click = json!({"type": "short_link_visited", "version": "v1",
            "timestamp": time_of(second + 2), "payload": {
            "sender": "shop_whatsapp_main_sender", "templateId": 1333, "channelType": "WHATSAPP",
            "outMessageId": message, "phone": person(message),
            "url": "https://shop.example.com/autumn-sale?utm_source=whatsapp",
            "shortLink": "f42kL", "requestId": format!("3f8e2a7c-5b1d-4e9a-8c6f-{message:012}")}});
        hooks.push(Webhook {
            second: second + 2,
            route: Route::EdnaClicks,
            body: click.to_string(),
        });
    }
    if message.is_multiple_of(50) {
        let (route, body) = match provider {
            Provider::Edna => (
                Route::EdnaMessages,
                json!({"id": message + 1_000_000, "subject": "shop_whatsapp_main_sender",
                    "subjectId": 2, "subscriber": {"id": message, "identifier": person(message)},
                    "userInfo": {"userName": null, "firstName": "Ann", "lastName": null, "avatarUrl": null},
                    "messageContent": {"type": "TEXT", "attachment": null, "location": null,
                        "caption": null, "text": "Is the sale on tomorrow too?", "payload": null,
                        "story": null, "items": null},
                    "receivedAt": time_of(second + 3), "replyOutMessageId": message,
                    "replyOutMessageExternalRequestId": null, "replyInMessageId": null})
                .to_string(),
            ),
            Provider::Botlinkd => (
                Route::BotlinkdMessages,
                json!({"event": "message", "instance_id": "10922", "data": {
                    "message_id": format!("{}-reply", wamid(message)), "from": person(message),
                    "to": "15550123456", "type": "text", "body": "Is the sale on tomorrow too?",
                    "timestamp": 1_765_101_600 + second + 3}})
                .to_string(),
            ),
        };
        hooks.push(Webhook {
            second: second + 3,
            route,
            body,
        });
    }
    hooks
}

/// The whole campaign in order of arrival: each second's webhooks shuffled, and one status in
/// twenty sent again 4 seconds later (edna's first retry, BotLinkd's after a slow answer).
fn campaign(provider: Provider, storm: bool) -> (Vec<Webhook>, Vec<Webhook>) {
    let mut unique: Vec<Webhook> = (0..SECONDS * MESSAGES_PER_SECOND)
        .flat_map(|n| webhooks_of(provider, n + 1, n / MESSAGES_PER_SECOND, storm))
        .collect();
    unique.sort_by_key(|hook| hook.second);
    let mut arrivals = unique.clone();
    let retries: Vec<Webhook> = unique
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 20 == 7)
        .map(|(_, hook)| Webhook {
            second: hook.second + 4,
            ..hook.clone()
        })
        .collect();
    arrivals.extend(retries);
    arrivals.sort_by_key(|hook| hook.second);
    let mut shuffle = Shuffle(0x9E37_79B9_7F4A_7C15);
    let mut start = 0;
    while start < arrivals.len() {
        let second = arrivals[start].second;
        let end = start + arrivals[start..].partition_point(|hook| hook.second == second);
        shuffle.shuffle(&mut arrivals[start..end]);
        start = end;
    }
    (arrivals, unique)
}

/// Sends `webhooks` through receivers wired like the deployed functions, over one recorder.
async fn run(webhooks: &[Webhook]) -> Recorder {
    let recorder = Recorder::default();
    let mut receivers: BTreeMap<&str, Receiver<Recorder>> = BTreeMap::new();
    for hook in webhooks {
        let receiver = receivers.entry(hook.route.path()).or_insert_with(|| {
            // Request lines are kept in memory: 10,000 of them on stdout would only slow the run.
            Receiver::new(
                recorder.clone(),
                test_config(hook.route),
                Function::serving(hook.route).routes(),
            )
            .with_lines(LineSink::Buffer(Default::default()))
        });
        recorder.second.store(hook.second, Ordering::SeqCst);
        let event = with_body(fixture_event(hook.route.apigw_fixture()), &hook.body);
        let (status, _) = send(receiver, &event).await;
        assert_eq!(status, StatusCode::OK, "{}", hook.body);
    }
    recorder
}

/// What the model found: the most units one key took in a second, per space, and the most
/// units the table and each index took in a second.
#[derive(Debug, Default)]
struct Peaks {
    hottest_key: BTreeMap<Space, (u64, String)>,
    busiest_second: BTreeMap<Space, u64>,
}

fn peaks(log: &[Write]) -> Peaks {
    let mut per_key: BTreeMap<(u64, Space, String), u64> = BTreeMap::new();
    let mut per_second: BTreeMap<(u64, Space), u64> = BTreeMap::new();
    for write in log {
        *per_key
            .entry((write.second, write.space.clone(), write.key.clone()))
            .or_default() += write.units;
        *per_second
            .entry((write.second, write.space.clone()))
            .or_default() += write.units;
    }
    let mut found = Peaks::default();
    for ((_, space, key), units) in per_key {
        let hottest = found.hottest_key.entry(space).or_default();
        if units > hottest.0 {
            *hottest = (units, key);
        }
    }
    for ((_, space), units) in per_second {
        let busiest = found.busiest_second.entry(space).or_default();
        *busiest = (*busiest).max(units);
    }
    found
}

async fn check(provider: Provider, storm: bool) {
    let (arrivals, unique) = campaign(provider, storm);
    let recorder = run(&arrivals).await;
    let log = recorder.log.lock().unwrap().clone();
    let found = peaks(&log);
    println!(
        "{provider:?} storm={storm}: {} webhooks, {found:?}",
        arrivals.len()
    );

    for (space, (units, key)) in &found.hottest_key {
        assert!(
            *units <= KEY_BUDGET,
            "{space:?} key {} took {units} units in one second",
            webhook_payload::key_hash(key)
        );
    }
    for write in log.iter().filter(|write| write.written) {
        match (&write.space, write.kind.as_str()) {
            (_, "quarantine") => assert!(write.units <= 2, "{write:?}"),
            (Space::Table | Space::Index(_), _) => assert_eq!(write.units, 1, "{write:?}"),
        }
    }
    let table = found.busiest_second[&Space::Table];
    let budget = if storm {
        RECOMMENDED_TABLE_WARM_WRITE_UNITS
    } else {
        NEW_TABLE_WRITE_UNITS
    };
    assert!(
        table <= budget,
        "the table took {table} units in one second"
    );
    for (space, units) in &found.busiest_second {
        if let Space::Index(index) = space {
            assert!(*units <= NEW_TABLE_WRITE_UNITS, "{index} took {units}/s");
        }
    }
    // Each status written once, as an ack or (in a storm) in quarantine, whatever the retries.
    let written = |kind: &str| {
        log.iter()
            .filter(|write| write.space == Space::Table && write.written && write.kind == kind)
            .count() as u64
    };
    let statuses = 3 * SECONDS * MESSAGES_PER_SECOND;
    match storm {
        false => assert_eq!((written("ack"), written("quarantine")), (statuses, 0)),
        true => assert_eq!((written("ack"), written("quarantine")), (0, statuses)),
    }

    // The same events, once each and in order, one at a time: the table must be the same.
    let slow = run(&unique).await;
    assert_eq!(
        recorder.contents(),
        slow.contents(),
        "{provider:?} storm={storm}"
    );
    let kinds: BTreeSet<String> = log.iter().map(|write| write.kind.clone()).collect();
    println!("  kinds written: {kinds:?}; busiest second of the table: {table} units");
}

#[tokio::test]
async fn an_edna_campaign_at_the_top_tier_stays_within_every_limit() {
    check(Provider::Edna, false).await;
}

#[tokio::test]
async fn an_edna_quarantine_storm_at_the_top_tier_stays_within_every_limit() {
    check(Provider::Edna, true).await;
}

#[tokio::test]
async fn a_botlinkd_campaign_at_the_top_tier_stays_within_every_limit() {
    check(Provider::Botlinkd, false).await;
}

#[tokio::test]
async fn a_botlinkd_quarantine_storm_at_the_top_tier_stays_within_every_limit() {
    check(Provider::Botlinkd, true).await;
}
