//! What a page of the console costs with a busy day in memory: 10,000 events of the last 24 hours
//! (clicks, messages, acks, quarantined bodies) in the live feed, then the
//! live view (its newest 200 rows) and the overview (every row aggregated, four SVG charts)
//! rendered through the router, as a browser asks for them. Neither reads the table.
//!   cargo bench -p webhook-console --bench render

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use criterion::{criterion_group, criterion_main, Criterion};
use tower::ServiceExt;
use webhook_console::{router, Console};
use webhook_payload::{parse_event, Route};
use webhook_table::testing::{event_item, record_key, row_of_item, Item};
use webhook_table::{Change, DynamoDbStore, StoreSettings};

const EVENTS: usize = 10_000;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../fixtures/payloads/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn insert(new: Item) -> Change {
    Change::Inserted(row_of_item(&new).expect("an event item is a row"))
}

/// `EVENTS` changes spread over the last 23 hours: a quarter each clicks, BotLinkd messages,
/// edna statuses and clicks of other templates, each an item inserted.
fn busy_day() -> Vec<Change> {
    let now = time::OffsetDateTime::now_utc();
    let (click, message, status) = (
        fixture("edna-click.json"),
        fixture("botlinkd-message.json"),
        fixture("edna-status.json"),
    );
    (0..EVENTS)
        .map(|n| {
            let at = now - time::Duration::seconds((n as i64 * 8) % 82_800);
            let received = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            );
            let (route, body) = match n % 4 {
                0 => (
                    Route::EdnaClicks,
                    click.replace("5345345", &(n + 1).to_string()),
                ),
                1 => (
                    Route::BotlinkdMessages,
                    message.replace("wamid.HBgLM...", &format!("wamid.{n}")),
                ),
                2 => (
                    Route::EdnaStatuses,
                    status.replace("8681748", &(n + 1).to_string()),
                ),
                _ => (
                    Route::EdnaClicks,
                    click.replace(
                        "\"templateId\": 1333",
                        &format!("\"templateId\": {}", n % 7),
                    ),
                ),
            };
            let record = parse_event(route, body.as_bytes()).expect("a fixture");
            insert(event_item(&record, &record_key(&record), &received))
        })
        .collect()
}

/// The process's resident memory in KiB (Linux), to show what the feed's events take.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn console() -> Arc<Console> {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .build();
    let store = DynamoDbStore::with_client(
        aws_sdk_dynamodb::Client::from_conf(config),
        StoreSettings::new("bench", 0),
    );
    let console = Arc::new(Console::new(store, EVENTS, Vec::new()));
    let changes = busy_day();
    let before = resident_kib();
    console.take(&changes);
    drop(changes);
    if let (Some(before), Some(after)) = (before, resident_kib()) {
        eprintln!(
            "{EVENTS} events in the feed: resident memory +{} KiB (~{} bytes an event)",
            after.saturating_sub(before),
            after.saturating_sub(before) * 1024 / EVENTS as u64
        );
    }
    console
}

fn pages(c: &mut Criterion) {
    let console = console();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let render = |path: &'static str| {
        let console = console.clone();
        let runtime = &runtime;
        move || {
            runtime.block_on(async {
                let answer = router(console.clone())
                    .oneshot(Request::get(path).body(Body::empty()).expect("request"))
                    .await
                    .expect("answer");
                assert!(answer.status().is_success());
                axum::body::to_bytes(answer.into_body(), usize::MAX)
                    .await
                    .expect("body")
            })
        }
    };
    let mut group = c.benchmark_group("console_10k_events");
    for path in ["/", "/overview"] {
        let page = render(path)();
        eprintln!("{path}: {} bytes of HTML", page.len());
        let once = render(path);
        group.bench_function(path, |b| b.iter(|| black_box(once())));
    }
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
