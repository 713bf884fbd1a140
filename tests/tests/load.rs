//! Load without loss, against DynamoDB Local: N distinct events (edna clicks, BotLinkd messages,
//! and BotLinkd acks whose statuses sent/delivered/read arrive in any order over shared message
//! ids), each delivered 3 times in shuffled order with up to `LOAD_CONCURRENCY` deliveries in
//! flight, and one event in 100 also hit by a burst of 50 concurrent identical deliveries.
//! A delivery answered 503 (DynamoDB Local overloaded, a cold JVM) is retried as edna Pulse
//! retries, on its schedule compressed from seconds to milliseconds (4, 8, 16 ... 2048 ms, ten
//! re-sends): a 503 under overload is the right answer, and the test asserts the end state.
//! Then the table is counted: exactly N event records, none missing, none extra, every
//! message's status the highest it received, every delivery finally answered 200, and at most
//! one `stored` answer per event (none only where a 503'd attempt had written it).
//!
//! N is `LOAD_EVENTS` (default 1000, for CI). The full count:
//!   LOAD_EVENTS=10000 scripts/test
//!   LOAD_EVENTS=10000 cargo test -p integration-tests --test load -- --nocapture
//!     (with DynamoDB Local running and AWS_ENDPOINT_URL_DYNAMODB set)

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::table::{record_of, scan_pages};
use integration_tests::{
    fixture_event, fixture_of, fresh_table, local_client, receiver, send, text_attr, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinSet;
use webhook_payload::{parse_event, EventRecord, MessageStatus, Route, WebhookEvent};
use webhook_receiver::Receiver;
use webhook_table::testing::record_key;
use webhook_table::{testing as item, DynamoDbStore};

const DEFAULT_EVENTS: usize = 1_000;
/// Every event is delivered this many times.
const DELIVERIES: usize = 3;
/// One event in `BURST_EVERY` also gets `BURST` identical deliveries at once.
const BURST: usize = 50;
const BURST_EVERY: usize = 100;
const DEFAULT_CONCURRENCY: usize = 32;
/// edna Pulse's older documented schedule (10 re-sends at 4, 8, 16 ... 2048 s), in milliseconds.
const RETRY_AFTER_MS: [u64; 10] = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// splitmix64: a seeded generator, so a failing run can be repeated with `LOAD_SEED`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// One distinct event and where it is sent.
struct Planned {
    route: Route,
    /// The API Gateway v2 event that carries it.
    event: Value,
    pk: String,
    sk: String,
    body_sha256: String,
}

const STATUSES: [&str; 3] = ["sent", "delivered", "read"];
const INSTANCES: [&str; 3] = ["10922", "10923", "20001"];

/// `n` distinct events, and the status each acked message must end with.
fn plan(n: usize, rng: &mut Rng) -> (Vec<Planned>, HashMap<String, &'static str>) {
    let base_time = 1_754_000_000i64;
    // Acked messages with statuses still to send: (instance, message id, statuses left).
    let mut open: Vec<(&str, String, Vec<&'static str>)> = Vec::new();
    let mut acked: Vec<(&str, String)> = Vec::new();
    let mut planned = Vec::with_capacity(n);
    let mut next_message = 0;
    for i in 0..n {
        let roll = rng.below(10);
        let (route, body) = if roll < 3 {
            let body = json!({
                "payload": {
                    "sender": "load-channel", "templateId": 1333, "channelType": "WHATSAPP",
                    "outMessageId": 7_000_000 + i, "phone": format!("7999{}", rng.digits(7)),
                    "url": format!("https://example.invalid/p/{i}"),
                    "shortLink": format!("s{:x}", rng.next() & 0xffff_ffff),
                    "requestId": format!("req-{i}"),
                },
                "type": "short_link_visited", "version": "v1",
                "timestamp": format!("2025-08-10T12:{:02}:{:02}Z", (i / 60) % 60, i % 60),
            });
            (Route::EdnaClicks, body)
        } else if roll < 6 {
            let instance = INSTANCES[rng.below(INSTANCES.len())];
            // Some customers' messages share an id with an acked one: same partition.
            let (instance, message_id) = if !acked.is_empty() && rng.below(4) == 0 {
                acked.swap_remove(rng.below(acked.len()))
            } else {
                (instance, format!("wamid.in.{i}"))
            };
            let body = json!({
                "event": "message", "instance_id": instance,
                "data": { "from": format!("44{}", rng.digits(10)), "to": "15550123456",
                          "type": "text", "body": format!("message {i}"),
                          "message_id": message_id, "timestamp": base_time + i as i64 },
            });
            let route = [Route::BotlinkdMessages, Route::BotlinkdEvents][rng.below(2)];
            (route, body)
        } else {
            if open.is_empty() || rng.below(3) == 0 {
                let mut statuses = STATUSES.to_vec();
                rng.shuffle(&mut statuses);
                statuses.truncate(1 + rng.below(3));
                let instance = INSTANCES[rng.below(INSTANCES.len())];
                open.push((instance, format!("wamid.out.{next_message}"), statuses));
                next_message += 1;
            }
            let at = rng.below(open.len());
            let status = open[at].2.pop().unwrap();
            let (instance, message_id) = (open[at].0, open[at].1.clone());
            if open[at].2.is_empty() {
                open.swap_remove(at);
                acked.push((instance, message_id.clone()));
            }
            let body = json!({
                "event": "ack", "instance_id": instance,
                "data": { "message_id": message_id, "status": status,
                          "timestamp": base_time + i as i64 },
            });
            let route = [Route::BotlinkdAcks, Route::BotlinkdEvents][rng.below(2)];
            (route, body)
        };
        let text = body.to_string();
        let record = parse_event(route, text.as_bytes()).expect("planned events are valid");
        let key = record_key(&record);
        planned.push(Planned {
            route,
            event: with_body(fixture_event(fixture_of(route)), &text),
            pk: key.pk,
            sk: key.sk,
            body_sha256: record.body_sha256.clone(),
        });
    }
    // The highest status each acked message received, from the events themselves.
    let mut highest: HashMap<String, &'static str> = HashMap::new();
    for p in &planned {
        let body = p.event["body"].as_str().unwrap();
        if let WebhookEvent::Ack(ack) = parse_event(p.route, body.as_bytes()).unwrap().event {
            let status = STATUSES
                .into_iter()
                .find(|s| *s == ack.status)
                .expect("planned statuses");
            let entry = highest.entry(p.pk.clone()).or_insert(status);
            let rank = |s: &str| STATUSES.iter().position(|known| *known == s);
            if rank(status) > rank(entry) {
                *entry = status;
            }
        }
    }
    (planned, highest)
}

/// What the provider saw for one delivery, after its retries.
struct Delivery {
    event: usize,
    status: StatusCode,
    body: Value,
    /// Attempts answered 503 before the last answer.
    unavailable: usize,
}

/// One delivery as a provider makes it: re-sent after each 503 on [`RETRY_AFTER_MS`].
async fn deliver(
    receivers: Arc<Vec<(Route, Receiver<DynamoDbStore>)>>,
    planned: Arc<Vec<Planned>>,
    event: usize,
) -> Delivery {
    let p = &planned[event];
    let handler = &receivers.iter().find(|(r, _)| *r == p.route).unwrap().1;
    let mut unavailable = 0;
    loop {
        let (status, body) = send(handler, &p.event).await;
        match RETRY_AFTER_MS.get(unavailable) {
            Some(wait) if status == StatusCode::SERVICE_UNAVAILABLE => {
                unavailable += 1;
                tokio::time::sleep(Duration::from_millis(*wait)).await;
            }
            _ => {
                return Delivery {
                    event,
                    status,
                    body,
                    unavailable,
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_delivered_three_times_and_in_bursts_is_stored_exactly_once() {
    let n = env_number("LOAD_EVENTS", DEFAULT_EVENTS as u64) as usize;
    let concurrency = env_number("LOAD_CONCURRENCY", DEFAULT_CONCURRENCY as u64) as usize;
    let seed = env_number("LOAD_SEED", 0x10ad);
    let mut rng = Rng(seed);
    let (planned, highest) = plan(n, &mut rng);
    let keys: HashSet<(&str, &str)> = planned
        .iter()
        .map(|p| (p.pk.as_str(), p.sk.as_str()))
        .collect();
    assert_eq!(keys.len(), n, "the plan has {n} distinct events");

    let client = local_client();
    let table = fresh_table(&client).await;
    // One receiver per route, like the warm functions, all writing the same table.
    let receivers: Arc<Vec<(Route, Receiver<DynamoDbStore>)>> = Arc::new(
        Route::ALL
            .into_iter()
            .map(|route| (route, receiver(&client, &table, route)))
            .collect(),
    );
    let planned = Arc::new(planned);

    // Jobs: three single deliveries per event, and a burst of 50 for one event in 100,
    // all in shuffled order so an event's deliveries (and a message's acks) overlap.
    let mut jobs: Vec<(usize, usize)> = (0..n)
        .flat_map(|event| std::iter::repeat_n((event, 1), DELIVERIES))
        .collect();
    jobs.extend((0..n).step_by(BURST_EVERY).map(|event| (event, BURST)));
    rng.shuffle(&mut jobs);
    let bursts = n.div_ceil(BURST_EVERY);
    let expected_deliveries = n * DELIVERIES + bursts * BURST;

    let started = Instant::now();
    let mut answers: Vec<Delivery> = Vec::with_capacity(expected_deliveries);
    let mut in_flight = JoinSet::new();
    for (event, copies) in jobs {
        for _ in 0..copies {
            in_flight.spawn(deliver(Arc::clone(&receivers), Arc::clone(&planned), event));
        }
        while in_flight.len() >= concurrency {
            answers.push(in_flight.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(done) = in_flight.join_next().await {
        answers.push(done.unwrap());
    }
    let sending = started.elapsed();
    assert_eq!(answers.len(), expected_deliveries);

    // Every delivery ends in a 200: `stored` at most once per event, `duplicate` for the other
    // copies. An event without a `stored` answer must have had a 503'd attempt that wrote it.
    let mut stored = vec![0usize; n];
    let mut duplicate = vec![0usize; n];
    let mut unavailable = vec![0usize; n];
    let mut failed = Vec::new();
    for answer in &answers {
        unavailable[answer.event] += answer.unavailable;
        match (answer.status, answer.body["status"].as_str()) {
            (StatusCode::OK, Some("stored")) => stored[answer.event] += 1,
            (StatusCode::OK, Some("duplicate")) => duplicate[answer.event] += 1,
            _ => failed.push(format!(
                "event {}: {} {}",
                answer.event, answer.status, answer.body
            )),
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {expected_deliveries} deliveries not answered 200, e.g. {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    for event in 0..n {
        let copies = DELIVERIES + if event % BURST_EVERY == 0 { BURST } else { 0 };
        assert_eq!(
            stored[event] + duplicate[event],
            copies,
            "answers for event {event}"
        );
        assert!(
            stored[event] == 1 || (stored[event] == 0 && unavailable[event] > 0),
            "event {event}: {} `stored` answers, {} attempts answered 503",
            stored[event],
            unavailable[event]
        );
    }
    let retried: usize = unavailable.iter().sum();

    // The table: exactly the planned events, each once and intact, and the statuses.
    let (items, pages) = scan_pages(&client, &table).await;
    let expected: BTreeMap<(String, String), &str> = planned
        .iter()
        .map(|p| ((p.pk.clone(), p.sk.clone()), p.body_sha256.as_str()))
        .collect();
    let mut records: BTreeMap<(String, String), String> = BTreeMap::new();
    // Each ack is an item of its own; a message's status is derived from its acks.
    let mut acks: HashMap<String, Vec<EventRecord>> = HashMap::new();
    let mut other = Vec::new();
    for item in &items {
        let key = (text_attr(item, item::PK), text_attr(item, item::SK));
        if key.1.starts_with("EVENT#") {
            let previous = records.insert(key.clone(), text_attr(item, item::BODY_SHA256));
            assert!(previous.is_none(), "scan returned {key:?} twice");
            if key.1.starts_with("EVENT#ack#") {
                let ack = record_of(item).unwrap_or_else(|| panic!("ack {key:?} parses"));
                acks.entry(key.0.clone()).or_default().push(ack);
            }
        } else {
            other.push(key);
        }
    }
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !records.contains_key(*k))
        .collect();
    let extra: Vec<_> = records
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let altered: Vec<_> = expected
        .iter()
        .filter(|(k, sha)| records.get(*k).is_some_and(|stored| stored != *sha))
        .collect();
    assert!(
        other.is_empty(),
        "unexpected items: {:?}",
        &other[..other.len().min(5)]
    );
    assert_eq!(
        (records.len(), missing.len(), extra.len(), altered.len()),
        (n, 0, 0, 0),
        "records, missing, extra, altered; e.g. missing {:?}, extra {:?}",
        &missing[..missing.len().min(3)],
        &extra[..extra.len().min(3)]
    );
    let statuses: HashMap<String, String> = acks
        .iter()
        .filter_map(|(pk, records)| {
            let (status, _) = MessageStatus::of(records).current?;
            Some((pk.clone(), status.as_str().to_owned()))
        })
        .collect();
    let wrong_status: Vec<_> = highest
        .iter()
        .filter(|(pk, status)| statuses.get(*pk).map(String::as_str) != Some(**status))
        .collect();
    assert_eq!(
        statuses.len(),
        highest.len(),
        "one status per acked message"
    );
    assert!(
        wrong_status.is_empty(),
        "{} messages without their highest status, e.g. {:?}",
        wrong_status.len(),
        &wrong_status[..wrong_status.len().min(3)]
    );

    println!(
        "load: {n} events, {expected_deliveries} deliveries ({bursts} bursts of {BURST}, \
         {concurrency} in flight) in {:.1} s ({:.0} deliveries/s); {retried} attempts answered \
         503 and re-sent; table: {} event records, \
         0 missing, 0 extra, {} message statuses all at their highest, {pages} scan pages; \
         total {:.1} s",
        sending.as_secs_f64(),
        expected_deliveries as f64 / sending.as_secs_f64(),
        records.len(),
        statuses.len(),
        started.elapsed().as_secs_f64()
    );
}
