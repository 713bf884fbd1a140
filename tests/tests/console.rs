//! The console against a real DynamoDB Local with the table's stream on (the table from
//! template.yaml, as scripts/run-local builds it): events stored by the receivers show up in the
//! live feed from the stream, the person's timeline, the message's funnel and the quarantine
//! inbox read through the store, numbers are masked until revealed, replay from the inbox stores
//! the event once, and requests from another host or another site are refused.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use integration_tests::{
    client_for, closed_endpoint, fixture_event, fresh_table, local_client, partition, payload,
    receiver, send, with_body,
};
use serde_json::{json, Value};
use tower::ServiceExt;
use webhook_console::{follow_stream, hosts_of, router, Console};
use webhook_payload::{parse_event, QuarantineRecord, Route};
use webhook_table::{DynamoDbStore, EventStore, StoreSettings};

const PERSON: &str = "447123456789";

/// A console over `table`, following its stream, that answers `hosts` (empty: any).
fn console(client: &aws_sdk_dynamodb::Client, table: &str, hosts: Vec<String>) -> Arc<Console> {
    let store = DynamoDbStore::with_client(client.clone(), StoreSettings::new(table, 0));
    let console = Arc::new(Console::new(store, 1_000, hosts));
    tokio::spawn(follow_stream(console.clone()));
    console
}

/// One request to the console: its status and body.
async fn call(console: &Arc<Console>, request: Request<Body>) -> (StatusCode, String) {
    let answer = router(console.clone())
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = answer.status();
    let body = axum::body::to_bytes(answer.into_body(), 4 << 20)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn get(console: &Arc<Console>, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).body(Body::empty()).expect("request");
    call(console, request).await
}

async fn replay(console: &Arc<Console>, pk: &str, apply: bool) -> (StatusCode, String) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/replay")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-console-request", "1")
        .body(Body::from(json!({ "pk": pk, "apply": apply }).to_string()))
        .expect("request");
    call(console, request).await
}

/// The live feed's rows once it holds at least `count` (the stream is read every second; the
/// wait is for an end state, with room for a slow machine).
async fn live_rows(console: &Arc<Console>, count: usize) -> Vec<String> {
    for _ in 0..240 {
        let (status, body) = get(console, "/api/events?after=0").await;
        assert_eq!(status, StatusCode::OK);
        let answer: Value = serde_json::from_str(&body).expect("JSON");
        let rows: Vec<String> = answer["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|event| event["html"].as_str().unwrap_or_default().to_owned())
            .collect();
        if rows.len() >= count {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the live feed never held {count} rows");
}

fn row_with<'a>(rows: &'a [String], needles: &[&str]) -> &'a str {
    rows.iter()
        .find(|row| needles.iter().all(|needle| row.contains(needle)))
        .unwrap_or_else(|| panic!("no live row with {needles:?} in {rows:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_receivers_store_shows_in_every_view_masked_until_revealed() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let console = console(&client, &table, Vec::new());
    let stored = |route, fixture: &'static str, body: String| {
        let client = client.clone();
        let table = table.clone();
        async move {
            let handler = receiver(&client, &table, route);
            let (status, _) = send(&handler, &with_body(fixture_event(fixture), &body)).await;
            assert_eq!(status, lambda_http::http::StatusCode::OK, "{body}");
        }
    };
    stored(
        Route::BotlinkdMessages,
        "message.json",
        payload("botlinkd-message.json"),
    )
    .await;
    stored(
        Route::BotlinkdAcks,
        "ack.json",
        payload("botlinkd-ack.json"),
    )
    .await;
    stored(Route::EdnaClicks, "click.json", payload("edna-click.json")).await;
    stored(
        Route::EdnaStatuses,
        Route::EdnaStatuses.apigw_fixture(),
        payload("edna-status.json"),
    )
    .await;
    // An authenticated body that cannot be a message: quarantined.
    let broken = payload("botlinkd-message.json").replace("\"from\"", "\"sender\"");
    stored(Route::BotlinkdMessages, "message.json", broken).await;

    // Live: one row per event, from the stream (each ack an item of its own).
    let rows = live_rows(&console, 5).await;
    row_with(
        &rows,
        &[
            "data-kind=\"message\"",
            "Hello, where is my order?",
            "•••6789",
        ],
    );
    row_with(
        &rows,
        &["data-provider=\"botlinkd\"", "data-kind=\"ack\"", ">read<"],
    );
    row_with(
        &rows,
        &["data-kind=\"click\"", "•••4567", "/messages/edna/5345345"],
    );
    row_with(
        &rows,
        &["data-provider=\"edna\"", "data-kind=\"ack\"", ">delivered<"],
    );
    row_with(
        &rows,
        &["data-kind=\"quarantine\"", "data-outcome=\"quarantined\""],
    );
    let (_, live) = get(&console, "/?provider=edna").await;
    assert!(live.contains("/messages/edna/5345345") && !live.contains("Hello, where"));

    // A person's timeline, the number typed as people do.
    let (status, timeline) = get(&console, "/people/+44%207123-456789").await;
    assert_eq!(status, StatusCode::OK);
    assert!(timeline.contains("Hello, where is my order?"), "{timeline}");
    assert!(timeline.contains("•••6789"));
    let (_, revealed) = get(&console, "/people/447123456789?reveal=1").await;
    assert!(revealed.contains(PERSON));

    // The message's funnel: replied, then read 55 s later, with its raw bodies.
    let (status, message) = get(&console, "/messages/botlinkd/10922/wamid.HBgLM...").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        message.contains(r#"<strong id="current-status">read</strong>"#),
        "{message}"
    );
    assert!(message.contains(r#"data-step="replied""#) && message.contains(r#"data-step="read""#));
    assert!(
        message.contains("55 s"),
        "time between the steps: {message}"
    );
    assert!(message.contains(r#"<details class="raw">"#));
    let (_, edna) = get(&console, "/messages/edna/8681748").await;
    assert!(edna.contains(r#"<strong id="current-status">delivered</strong>"#));
    let (status, _) = get(&console, "/messages/edna/1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // No page shows a whole number until "reveal".
    for path in [
        "/",
        "/people/447123456789",
        "/messages/botlinkd/10922/wamid.HBgLM...",
        "/messages/edna/5345345",
        "/quarantine",
        "/overview",
    ] {
        let (status, page) = get(&console, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for number in [PERSON, "79991234567"] {
            assert!(!page.contains(number), "{path} shows {number}");
        }
    }
    let (_, click) = get(&console, "/messages/edna/5345345?reveal=1").await;
    assert!(click.contains("79991234567"));

    // The overview counts what came.
    let (_, overview) = get(&console, "/overview").await;
    for chart in [
        "events-per-hour",
        "delivery-funnel",
        "clicks-per-template",
        "delivery-lag",
    ] {
        assert!(
            overview.contains(&format!("<svg id=\"{chart}\"")),
            "{chart}"
        );
    }
    assert!(overview.contains(r#"<tr data-template="1333"><td>1333</td><td class="count">1</td>"#));
    assert!(overview.contains(r#"<tr data-step="read"><td>read</td><td class="count">1</td>"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_from_the_inbox_stores_the_event_once_and_only_from_the_console_page() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let store = DynamoDbStore::with_client(client.clone(), StoreSettings::new(&table, 0));
    // A body quarantined by an older parser that today's reads as a message.
    let body = payload("botlinkd-message.json").replace("wamid.HBgLM...", "wamid.replayed");
    let error = parse_event(Route::BotlinkdMessages, b"{}").expect_err("not a message");
    let record = QuarantineRecord::new(Route::BotlinkdMessages, body.as_bytes(), &error);
    store.put_quarantine(&record).await.expect("quarantined");
    let key = webhook_table::testing::quarantine_key(&record);
    let console = console(&client, &table, Vec::new());

    let (status, inbox) = get(&console, "/quarantine").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        inbox.contains(&format!("data-pk=\"{}\"", key.pk)),
        "{inbox}"
    );
    assert!(inbox.contains("button class=\"replay\""));

    // Without the console page's header (a form on another site): refused, nothing written.
    let forged = Request::builder()
        .method(Method::POST)
        .uri("/api/replay")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "pk": key.pk, "apply": true }).to_string(),
        ))
        .expect("request");
    assert_eq!(call(&console, forged).await.0, StatusCode::FORBIDDEN);

    let (status, dry) = replay(&console, &key.pk, false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(dry.contains("would store a message"), "{dry}");
    let pk = "MSG#botlinkd#10922#wamid.replayed";
    assert!(
        partition(&client, &table, pk).await.is_empty(),
        "a dry run writes nothing"
    );

    let (_, stored) = replay(&console, &key.pk, true).await;
    assert!(stored.contains("stored: message"), "{stored}");
    assert_eq!(partition(&client, &table, pk).await.len(), 1);
    let (_, again) = replay(&console, &key.pk, true).await;
    assert!(again.contains("already replayed"), "{again}");
    assert_eq!(partition(&client, &table, pk).await.len(), 1);
    let (_, inbox) = get(&console, "/quarantine").await;
    assert!(
        inbox.contains("replayed 20"),
        "the inbox shows the mark: {inbox}"
    );

    let (status, _) = replay(&console, "MSG#botlinkd#10922#wamid.replayed", true).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only quarantine items replay"
    );
}

#[tokio::test]
async fn a_console_on_this_machine_answers_for_its_own_address_only() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let console = console(
        &client,
        &table,
        hosts_of(([127, 0, 0, 1], 9100).into(), &[]).unwrap(),
    );
    for (host, expected) in [
        ("127.0.0.1:9100", StatusCode::OK),
        ("localhost:9100", StatusCode::OK),
        ("attacker.example:9100", StatusCode::FORBIDDEN),
        ("127.0.0.1:9101", StatusCode::FORBIDDEN),
    ] {
        let request = Request::get("/overview")
            .header(header::HOST, host)
            .body(Body::empty())
            .expect("request");
        assert_eq!(call(&console, request).await.0, expected, "{host}");
    }
}

#[tokio::test]
async fn a_console_off_loopback_answers_its_allowed_hosts_only_and_no_page_can_be_framed() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let allowed = vec!["console.example".to_owned()];
    let hosts = hosts_of(([0, 0, 0, 0], 9100).into(), &allowed).unwrap();
    let console = console(&client, &table, hosts);
    for (path, host, expected) in [
        ("/overview", "console.example:9100", StatusCode::OK),
        ("/", "CONSOLE.example:9100", StatusCode::OK),
        (
            "/api/events?reveal=1",
            "attacker.example:9100",
            StatusCode::FORBIDDEN,
        ),
        ("/overview", "attacker.example", StatusCode::FORBIDDEN),
        ("/overview", "0.0.0.0:9100", StatusCode::FORBIDDEN),
        ("/overview", "", StatusCode::FORBIDDEN),
        ("/quarantine", "console.example:9100", StatusCode::OK),
        ("/nowhere", "console.example:9100", StatusCode::NOT_FOUND),
    ] {
        let request = Request::get(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .expect("request");
        let answer = router(console.clone())
            .oneshot(request)
            .await
            .expect("the router answers");
        assert_eq!(answer.status(), expected, "{path} for {host:?}");
        // Every answer, a refusal too, refuses to be framed.
        let headers = answer.headers();
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            "frame-ancestors 'none'",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_table_that_cannot_be_read_is_a_502_that_says_why_not_a_crash() {
    // A console whose DynamoDB refuses connections; its stream follower retries on its own.
    let client = client_for(&closed_endpoint());
    let console = console(&client, "events", Vec::new());
    let (status, page) = get(&console, "/people/447123456789").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        page.contains("DynamoDB Query failed: DispatchFailure"),
        "{page}"
    );
    let (status, answer) = replay(&console, "QUARANTINE#abc", true).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let answer: Value = serde_json::from_str(&answer).expect("the inbox gets JSON");
    assert!(
        answer["result"]
            .as_str()
            .unwrap_or_default()
            .starts_with("failed: DynamoDB GetItem failed"),
        "{answer}"
    );
    // The live view and the overview still answer from memory, and say the stream is down.
    for _ in 0..240 {
        let (status, body) = get(&console, "/api/events?after=0").await;
        assert_eq!(status, StatusCode::OK);
        if serde_json::from_str::<Value>(&body).expect("JSON")["stream_error"].is_string() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the live view never said the stream could not be read");
}

#[tokio::test]
async fn a_raw_body_is_shown_as_stored_keys_duplicates_and_digits_kept() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let store = DynamoDbStore::with_client(client.clone(), StoreSettings::new(&table, 0));
    // What a Value round trip would sort, merge and round.
    let body = r#"{"zeta":1,"alpha":2,"zeta":12345678901234567890123,"tiny":1e-400}"#;
    let error = parse_event(Route::BotlinkdMessages, b"{}").expect_err("not a message");
    let record = QuarantineRecord::new(Route::BotlinkdMessages, body.as_bytes(), &error);
    store.put_quarantine(&record).await.expect("quarantined");
    let console = console(&client, &table, Vec::new());
    let (status, inbox) = get(&console, "/quarantine?reveal=1").await;
    assert_eq!(status, StatusCode::OK);
    let shown = |key: &str| format!("&quot;{key}&quot;: ");
    let first = inbox.find(&shown("zeta")).expect("zeta shown");
    let alpha = inbox.find(&shown("alpha")).expect("alpha shown");
    assert!(first < alpha, "the keys keep their order: {inbox}");
    assert_eq!(
        inbox.matches(&shown("zeta")).count(),
        2,
        "both zetas: {inbox}"
    );
    for digits in ["12345678901234567890123", "1e-400"] {
        assert!(inbox.contains(digits), "{digits} as stored: {inbox}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_persons_rows_leave_the_live_feed_when_the_stream_removes_them() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let console = console(&client, &table, Vec::new());
    let handler = receiver(&client, &table, Route::BotlinkdMessages);
    let message = payload("botlinkd-message.json");
    let (status, _) = send(
        &handler,
        &with_body(fixture_event("message.json"), &message),
    )
    .await;
    assert_eq!(status, lambda_http::http::StatusCode::OK);
    let click = receiver(&client, &table, Route::EdnaClicks);
    let (status, _) = send(&click, &fixture_event("click.json")).await;
    assert_eq!(status, lambda_http::http::StatusCode::OK);
    let rows = live_rows(&console, 2).await;
    row_with(&rows, &["data-kind=\"message\""]);

    let store = DynamoDbStore::with_client(client.clone(), StoreSettings::new(&table, 0));
    let erased = webhook_table::erase_phone(
        &store,
        PERSON,
        &webhook_table::QuarantineSearch::Everything,
        true,
        |_| {},
    )
    .await
    .expect("erased");
    assert!(erased.total() >= 1, "{erased:?}");
    for _ in 0..240 {
        let (_, body) = get(&console, "/api/events?after=0").await;
        let answer: Value = serde_json::from_str(&body).expect("JSON");
        let rows: Vec<&str> = answer["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|event| event["html"].as_str())
            .collect();
        if !rows.iter().any(|row| row.contains("data-kind=\"message\"")) {
            // The other person's click stays.
            assert!(
                rows.iter().any(|row| row.contains("data-kind=\"click\"")),
                "{rows:?}"
            );
            let (_, live) = get(&console, "/?reveal=1").await;
            assert!(!live.contains(PERSON), "the live page forgot the number");
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the erased message's row stayed in the live feed");
}
