//! Hostile and broken input, as property tests over the whole request path.
//!
//! API Gateway v2 events from `fixtures/apigw/` get generated bodies and envelopes and go through
//! `Receiver::respond`, each request with a fresh in-memory store, so a property sees exactly what
//! the request wrote. The properties:
//!
//! - never a panic; only documented statuses, each error with a JSON `{"error": ...}` body;
//! - every authenticated POST with a body up to the cap is answered 200 (`stored` or
//!   `quarantined`), never a 4xx, and after the 200 its raw body is in the store, byte for byte;
//!   a well-formed valid event is stored as an event and everything else is quarantined, exactly
//!   as an independent model of the documented formats (below, [`model`]) predicts, naming the
//!   field when a single field is wrong;
//! - an unauthenticated, misrouted or oversized request is a 4xx and writes nothing;
//! - on the pure layer, `parse_event` never panics, keys keep their segments whatever `#` and `%`
//!   the ids contain, and keys and items stay within DynamoDB's limits.
//!
//! Cases per property: `PROPTEST_CASES` (default 2000); each property prints how many ran:
//!   cargo test -p integration-tests --test hostile_input -- --nocapture

use std::fmt::Debug;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use integration_tests::{
    fixture_event, fixture_of, memory_receiver, request, BOTLINKD_TOKEN, EDNA_KEY,
};
use lambda_http::http::header;
use lambda_http::Body;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use webhook_payload::{parse_event, EventRecord, Route, WebhookEvent};
use webhook_receiver::item::{self, Item};
use webhook_receiver::MAX_BODY_BYTES;

// ---------------------------------------------------------------------------------------------
// The runner

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 2_000;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs `test` on `cases()` values of `strategy`, fails with proptest's minimal failing input,
/// and prints how many cases passed (`-- --nocapture` shows it).
fn check<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let ran = AtomicU32::new(0);
    let started = Instant::now();
    let result = TestRunner::new(config).run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    if let Err(err) = result {
        panic!("{name}: {err}");
    }
    let ran = ran.into_inner();
    assert!(ran >= cases(), "{name}: only {ran} cases ran");
    println!(
        "hostile_input: {name}: {ran} cases passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------------
// The request path, with a fresh in-memory store per request

/// Every route's fixture, and a runtime to drive a receiver per request.
struct Offline {
    runtime: tokio::runtime::Runtime,
    fixtures: Vec<(Route, Value)>,
}

impl Offline {
    fn new() -> Offline {
        Offline {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            fixtures: Route::ALL
                .into_iter()
                .map(|route| (route, fixture_event(fixture_of(route))))
                .collect(),
        }
    }

    fn fixture(&self, route: Route) -> &Value {
        &self.fixtures.iter().find(|(r, _)| *r == route).unwrap().1
    }

    /// POSTs `body` to `route`, as text or (as API Gateway does for binary bodies) base64.
    fn post(&self, route: Route, body: &[u8], base64: bool) -> Answer {
        let mut event = self.fixture(route).clone();
        set_body(&mut event, body, base64);
        self.send(route, &event)
    }

    /// Sends `event` to a receiver wired like the function that serves `route`, with a new store.
    fn send(&self, route: Route, event: &Value) -> Answer {
        let receiver = memory_receiver(route);
        let response = self
            .runtime
            .block_on(receiver.respond(request(event)))
            .expect("infallible");
        let text = match response.body() {
            Body::Empty => None,
            body => Some(String::from_utf8_lossy(body.as_ref()).into_owned()),
        };
        Answer {
            status: response.status().as_u16(),
            content_type: header_text(&response, header::CONTENT_TYPE),
            retry_after: header_text(&response, header::RETRY_AFTER),
            allow: header_text(&response, header::ALLOW),
            json: text.as_deref().map(|t| {
                serde_json::from_str(t).unwrap_or(Value::String(format!("NOT JSON: {t}")))
            }),
            written: receiver.store().items(),
            attempts: receiver.store().write_attempts(),
        }
    }
}

fn header_text(response: &lambda_http::Response<Body>, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap_or("<binary>").to_owned())
}

fn set_body(event: &mut Value, body: &[u8], base64: bool) {
    if base64 {
        event["body"] = Value::String(STANDARD.encode(body));
        event["isBase64Encoded"] = Value::Bool(true);
    } else {
        let text = std::str::from_utf8(body).expect("a text body is UTF-8");
        event["body"] = Value::String(text.to_owned());
        event["isBase64Encoded"] = Value::Bool(false);
    }
}

/// What the handler answered.
struct Answer {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    allow: Option<String>,
    /// The JSON body; `None` for an empty body.
    json: Option<Value>,
    /// What the store holds after the request.
    written: Vec<Item>,
    /// How many writes the request attempted.
    attempts: usize,
}

impl Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Items can hold 256 KiB raw bodies: show what they are, not what they hold.
        let written: Vec<String> = self
            .written
            .iter()
            .map(|i| {
                let text = |name| item::text(i, name).unwrap_or("-");
                format!(
                    "{} {} {} reason={} field={}",
                    text(item::KIND),
                    text(item::PK).chars().take(80).collect::<String>(),
                    text(item::SK).chars().take(80).collect::<String>(),
                    text(item::REASON),
                    text(item::FIELD)
                )
            })
            .collect();
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("retry_after", &self.retry_after)
            .field("allow", &self.allow)
            .field("json", &self.json)
            .field("written", &written)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl Answer {
    /// The `status` of a 200's JSON body.
    fn stored_as(&self) -> Option<&str> {
        (self.status == 200)
            .then(|| self.json.as_ref()?.get("status")?.as_str())
            .flatten()
    }
}

/// Every status the HTTP contract documents for a request that is not stored.
const DOCUMENTED: [u16; 5] = [401, 404, 405, 413, 503];

/// The shape every non-2xx answer has: a documented status, `application/json`, and a JSON
/// object with a non-empty `error` string; 503 also says when to retry. Nothing is written.
fn check_error_shape(answer: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(
        answer.written.is_empty(),
        "a refused request wrote: {answer:?}"
    );
    prop_assert!(
        DOCUMENTED.contains(&answer.status),
        "undocumented status: {answer:?}"
    );
    prop_assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    let error = answer
        .json
        .as_ref()
        .and_then(|body| body.get("error"))
        .and_then(Value::as_str);
    prop_assert!(
        error.is_some_and(|e| !e.is_empty()),
        "no JSON error: {answer:?}"
    );
    if answer.status == 503 {
        prop_assert!(answer.retry_after.is_some(), "503 without Retry-After");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The model: what the documented formats say a body is

/// What the model predicts for one body.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// A valid event: stored as an event.
    Stored,
    /// Not an event: quarantined raw, naming `field` when it is `Some`.
    Quarantined(Option<String>),
    /// Over the size cap: 413, nothing written.
    TooLarge,
    /// The model cannot tell (a generated timestamp string); the answer must still agree with
    /// `parse_event`.
    Undecided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Click,
    Message,
    Ack,
}

/// How a field is validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    /// Any string.
    Str,
    /// Any string, `null` or absent.
    OptStr,
    /// An identifier that goes into a key: non-empty, at most 256 bytes, no control characters.
    Id,
    /// A JSON integer in 0..=u64::MAX, or a string of its digits.
    U64,
    /// Unix epoch seconds whose date is in years 0000..=9999, as a JSON integer or a string of
    /// its digits.
    Epoch,
    /// ISO 8601 date-time.
    Iso,
}

use FieldKind::*;

const CLICK_FIELDS: &[(&str, FieldKind)] = &[
    ("version", Str),
    ("timestamp", Iso),
    ("payload.sender", Str),
    ("payload.templateId", U64),
    ("payload.channelType", Str),
    ("payload.outMessageId", U64),
    ("payload.phone", Id),
    ("payload.url", Str),
    ("payload.shortLink", Id),
    ("payload.requestId", OptStr),
];
const MESSAGE_FIELDS: &[(&str, FieldKind)] = &[
    ("instance_id", Id),
    ("data.from", Id),
    ("data.to", Str),
    ("data.type", Str),
    ("data.body", OptStr),
    ("data.message_id", Id),
    ("data.timestamp", Epoch),
];
const ACK_FIELDS: &[(&str, FieldKind)] = &[
    ("instance_id", Id),
    ("data.message_id", Id),
    ("data.status", Id),
    ("data.timestamp", Epoch),
];

impl Kind {
    fn fields(self) -> &'static [(&'static str, FieldKind)] {
        match self {
            Kind::Click => CLICK_FIELDS,
            Kind::Message => MESSAGE_FIELDS,
            Kind::Ack => ACK_FIELDS,
        }
    }

    /// The object that holds the event's own fields.
    fn container(self) -> &'static str {
        match self {
            Kind::Click => "payload",
            Kind::Message | Kind::Ack => "data",
        }
    }

    /// Every path a mutation can touch: the discriminator, the container, and each field.
    fn paths(self) -> Vec<&'static str> {
        let discriminator = match self {
            Kind::Click => "type",
            Kind::Message | Kind::Ack => "event",
        };
        let mut paths = vec![discriminator, self.container()];
        paths.extend(self.fields().iter().map(|(path, _)| *path));
        paths
    }

    /// Routes that store this kind: every route of its provider.
    fn routes(self) -> &'static [Route] {
        match self {
            Kind::Click => &[Route::EdnaClicks],
            Kind::Message | Kind::Ack => &[
                Route::BotlinkdMessages,
                Route::BotlinkdAcks,
                Route::BotlinkdEvents,
            ],
        }
    }
}

/// Field names with a meaning at each level, which generated unknown fields must avoid.
const KNOWN_NAMES: &[&str] = &[
    "event",
    "type",
    "payload",
    "data",
    "version",
    "timestamp",
    "instance_id",
    "sender",
    "templateId",
    "channelType",
    "outMessageId",
    "phone",
    "url",
    "shortLink",
    "requestId",
    "from",
    "to",
    "body",
    "message_id",
    "status",
];

const MIN_EPOCH: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
const MAX_EPOCH: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
const MAX_ID_BYTES: usize = 256;

fn id_ok(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_ID_BYTES && !value.chars().any(char::is_control)
}

/// Whether a value is acceptable for a field: `Some(true)`, `Some(false)`, or `None` when the
/// model cannot tell (a timestamp string that is neither clearly valid nor clearly invalid).
fn field_ok(kind: FieldKind, value: Option<&Value>) -> Option<bool> {
    let value = value.filter(|v| !v.is_null());
    let Some(value) = value else {
        return Some(kind == OptStr);
    };
    // Quoted integers: digits only (a leading minus for epochs), read as the number they spell.
    let quoted = |text: &str, signed: bool| {
        let digits = if signed {
            text.strip_prefix('-').unwrap_or(text)
        } else {
            text
        };
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    Some(match kind {
        Str | OptStr => value.is_string(),
        Id => value.as_str().is_some_and(id_ok),
        U64 => {
            value.is_u64()
                || value
                    .as_str()
                    .is_some_and(|t| quoted(t, false) && t.parse::<u64>().is_ok())
        }
        Epoch => value
            .as_i64()
            .or_else(|| {
                value
                    .as_str()
                    .filter(|t| quoted(t, true))
                    .and_then(|t| t.parse().ok())
            })
            .is_some_and(|t| (MIN_EPOCH..=MAX_EPOCH).contains(&t)),
        Iso => {
            let Some(text) = value.as_str() else {
                return Some(false);
            };
            if iso_clearly_valid(text) {
                true
            } else if !text.bytes().any(|b| b.is_ascii_digit()) {
                false
            } else {
                return None;
            }
        }
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.f+][Z|±HH:MM]` with year 0001..=9998, day 01..=28 and in-range time:
/// the forms [`iso_timestamp`] generates, which any ISO 8601 parser must accept.
fn iso_clearly_valid(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return false;
    }
    if b[16] != b':' || !(1..=9998).contains(&year) || !(1..=12).contains(&month) {
        return false;
    }
    if !(1..=28).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return false;
        }
        rest = &fraction[len..];
    }
    match rest.as_bytes() {
        [] | [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2]
            if matches!(sign, b'+' | b'-')
                && [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) =>
        {
            let hh = u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0');
            let mm = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
            // No offset beyond 18 h names a zone; the parser refuses them.
            hh <= 18 && mm < 60
        }
        _ => false,
    }
}

fn get<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    body.pointer(&format!("/{}", path.replace('.', "/")))
}

/// What the documented formats make of `body` sent to `route`: refused (and with which status
/// and field) or stored.
fn model(route: Route, body: &Value) -> Expect {
    let Some(object) = body.as_object() else {
        return Expect::Quarantined(None);
    };
    // The discriminators: BotLinkd's `event`, edna's `type`; each a string when present.
    let bad: Vec<&str> = ["event", "type"]
        .into_iter()
        .filter(|name| {
            object
                .get(*name)
                .is_some_and(|v| !v.is_null() && !v.is_string())
        })
        .collect();
    if !bad.is_empty() {
        return Expect::Quarantined((bad.len() == 1).then(|| bad[0].to_owned()));
    }
    let event = object.get("event").and_then(Value::as_str);
    let edna_type = object.get("type").and_then(Value::as_str);
    let kind = match (event, edna_type) {
        (Some("message"), _) => Kind::Message,
        (Some("ack"), _) => Kind::Ack,
        (Some(_), _) => return Expect::Quarantined(None),
        (None, Some("short_link_visited")) => Kind::Click,
        (None, Some(_)) => return Expect::Quarantined(None),
        (None, None) => {
            let missing = if route == Route::EdnaClicks {
                "type"
            } else {
                "event"
            };
            return Expect::Quarantined(Some(missing.to_owned()));
        }
    };
    if !kind.routes().contains(&route) {
        return Expect::Quarantined(None);
    }
    let mut problems = Vec::new();
    let mut undecided = false;
    match object.get(kind.container()) {
        Some(Value::Object(_)) => {
            for (path, field) in kind.fields() {
                match field_ok(*field, get(body, path)) {
                    Some(true) => {}
                    Some(false) => problems.push(*path),
                    None => undecided = true,
                }
            }
        }
        _ => {
            problems.push(kind.container());
            // The top-level fields are still checked.
            for (path, field) in kind.fields().iter().filter(|(p, _)| !p.contains('.')) {
                if field_ok(*field, object.get(*path)) == Some(false) {
                    problems.push(*path);
                }
            }
        }
    }
    match problems.as_slice() {
        [] if undecided => Expect::Undecided,
        [] => Expect::Stored,
        [only] if !undecided => Expect::Quarantined(Some((*only).to_owned())),
        _ => Expect::Quarantined(None),
    }
}

/// `model`, after the handler's size limit.
fn model_text(route: Route, text: &str, body: &Value) -> Expect {
    if text.len() > MAX_BODY_BYTES {
        Expect::TooLarge
    } else {
        model(route, body)
    }
}

/// What the handler must make of an authenticated POST: decided by `parse_event`.
fn outcome_from_parser(route: Route, body: &[u8]) -> &'static str {
    if body.len() > MAX_BODY_BYTES {
        return "413";
    }
    match parse_event(route, body) {
        Ok(_) => "stored",
        Err(_) => "quarantined",
    }
}

/// One generated POST body and what must come of it.
#[derive(Clone)]
struct Case {
    route: Route,
    body: Vec<u8>,
    base64: bool,
    expect: Expect,
}

impl Case {
    /// A case whose body is `text`, the serialisation of `body`, with its modelled answer.
    fn json(route: Route, text: String, body: &Value, base64: bool) -> Case {
        let expect = model_text(route, &text, body);
        Case {
            route,
            body: text.into_bytes(),
            base64,
            expect,
        }
    }
}

impl Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        let shown: String = body.chars().take(600).collect();
        f.debug_struct("Case")
            .field("route", &self.route)
            .field("base64", &self.base64)
            .field("expect", &self.expect)
            .field("body_len", &self.body.len())
            .field("body", &shown)
            .finish()
    }
}

/// The whole check for one authenticated POST: never a 4xx but 413, the raw body in the store
/// after every 200, agreement with the pure layer, and the model's prediction.
fn check_case(offline: &Offline, case: Case) -> Result<(), TestCaseError> {
    let base64 = case.base64 || std::str::from_utf8(&case.body).is_err();
    let answer = offline.post(case.route, &case.body, base64);
    let expected = outcome_from_parser(case.route, &case.body);
    if expected == "413" {
        prop_assert_eq!(answer.status, 413, "{:?}", answer);
        check_error_shape(&answer)?;
        prop_assert_eq!(answer.attempts, 0);
        prop_assert_eq!(&case.expect, &Expect::TooLarge);
        return Ok(());
    }
    let outcome = answer.stored_as().unwrap_or("error");
    prop_assert_eq!(
        outcome,
        expected,
        "the handler disagrees with parse_event: {:?}",
        answer
    );
    let holding: Vec<&Item> = answer
        .written
        .iter()
        .filter(|i| item::raw_body_of(i).as_deref() == Some(case.body.as_slice()))
        .collect();
    prop_assert_eq!(
        holding.len(),
        1,
        "one item holds the raw body: {:?}",
        answer
    );
    let quarantined = item::text(holding[0], item::KIND) == Some("quarantine");
    prop_assert_eq!(quarantined, outcome == "quarantined");
    match &case.expect {
        Expect::Stored => {
            prop_assert_eq!(outcome, "stored", "valid event not stored: {:?}", answer)
        }
        Expect::Quarantined(field) => {
            prop_assert_eq!(outcome, "quarantined", "{:?}", answer);
            if let Some(field) = field {
                prop_assert_eq!(
                    item::text(holding[0], item::FIELD),
                    Some(field.as_str()),
                    "{:?}",
                    answer
                );
            }
        }
        Expect::TooLarge => prop_assert!(false, "a body under the cap was modelled too large"),
        Expect::Undecided => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generators

/// Characters that break naive key building, escaping and logging.
const TRICKY: &[char] = &[
    '#', '%', '2', '3', '5', 'a', 'Z', '.', '/', '\\', '"', '\'', ' ', '+', ':', '&', '=', '?',
    '\u{a0}', '\u{ad}', '\u{200b}', '\u{202e}', '\u{2028}', '\u{feff}', 'é', 'ß', '日', '😀',
];
/// Control characters, which no id may contain.
const CONTROLS: &[char] = &[
    '\0', '\u{1}', '\t', '\n', '\r', '\u{1b}', '\u{1f}', '\u{7f}', '\u{85}', '\u{9f}',
];

fn text_of(chars: &'static [char], len: std::ops::Range<usize>) -> BoxedStrategy<String> {
    proptest::collection::vec(select(chars), len)
        .prop_map(|c| c.into_iter().collect())
        .boxed()
}

/// Ids a provider could plausibly send, including every character that needs escaping in a key
/// and the longest accepted ones.
fn valid_id() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Za-z0-9._:=+-]{1,40}",
        4 => text_of(TRICKY, 1..40),
        1 => "\\PC{1,60}".prop_filter("fits an id", |s| id_ok(s)),
        1 => select(vec![
            "#".repeat(256),
            "%".repeat(256),
            "%23".repeat(85),
            "😀".repeat(64),
            "é".repeat(128),
            "x".repeat(256),
        ]),
    ]
    .boxed()
}

/// Any string a mutation may put in an id field: valid ids, and empty, over-long or control
/// ones.
fn any_id() -> BoxedStrategy<String> {
    let with_control = (
        text_of(TRICKY, 0..20),
        select(CONTROLS),
        text_of(TRICKY, 0..20),
    )
        .prop_map(|(a, c, b)| format!("{a}{c}{b}"));
    prop_oneof![
        3 => valid_id(),
        2 => with_control,
        1 => Just(String::new()),
        1 => select(vec![
            "x".repeat(257),
            "#".repeat(257),
            "é".repeat(129),
            "😀".repeat(65),
            "a".repeat(5000),
        ]),
    ]
    .boxed()
}

/// Strings of lengths around every limit, in 1- to 4-byte characters.
fn long_string() -> BoxedStrategy<String> {
    (
        select(vec!['x', '#', 'é', '😀', '\u{1}']),
        prop_oneof![
            select(vec![
                0usize, 1, 63, 64, 65, 128, 129, 255, 256, 257, 1024, 16_384
            ]),
            0usize..70_000,
            select(vec![65_000usize, 65_536, 70_000]),
        ],
    )
        .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect())
        .boxed()
}

fn free_text() -> BoxedStrategy<String> {
    prop_oneof![3 => any::<String>(), 1 => text_of(TRICKY, 0..30), 1 => text_of(CONTROLS, 0..5)]
        .boxed()
}

fn iso_timestamp() -> BoxedStrategy<String> {
    let offset = prop_oneof![
        Just(String::new()),
        Just("Z".to_owned()),
        (select(vec!['+', '-']), 0u32..19, 0u32..60)
            .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
    ];
    let fraction = prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"];
    (
        1u32..=9998,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        fraction,
        offset,
    )
        .prop_map(|(y, mo, d, h, mi, s, f, o)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}{o}")
        })
        .boxed()
}

fn epoch() -> BoxedStrategy<i64> {
    prop_oneof![
        3 => 1_500_000_000i64..1_900_000_000,
        1 => MIN_EPOCH..=MAX_EPOCH,
        1 => select(vec![MIN_EPOCH, MAX_EPOCH, 0, -1]),
    ]
    .boxed()
}

/// Any JSON value, a few levels deep.
fn arb_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        free_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z_#%]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Fields no format knows, which must be ignored (edna) or kept in `extra` (BotLinkd `data`).
fn unknown_fields() -> BoxedStrategy<Vec<(String, Value)>> {
    proptest::collection::vec(
        (
            "[a-zA-Z_#%]{1,10}".prop_filter("unknown", |n| !KNOWN_NAMES.contains(&n.as_str())),
            arb_json(),
        ),
        0..3,
    )
    .boxed()
}

fn with_unknown(mut object: Map<String, Value>, unknown: Vec<(String, Value)>) -> Value {
    for (name, value) in unknown {
        object.insert(name, value);
    }
    Value::Object(object)
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// A valid edna click, with generated values in every field.
fn click_body() -> BoxedStrategy<Value> {
    let request_id = prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        valid_id().prop_map(|id| Some(Value::String(id))),
    ];
    let payload = (
        (free_text(), any::<u64>(), free_text(), any::<u64>()),
        (valid_id(), free_text(), valid_id(), request_id),
        unknown_fields(),
    )
        .prop_map(
            |((sender, template, channel, out), (phone, url, short, request_id), extra)| {
                let mut payload = object(json!({
                    "sender": sender, "templateId": template, "channelType": channel,
                    "outMessageId": out, "phone": phone, "url": url, "shortLink": short,
                }));
                if let Some(id) = request_id {
                    payload.insert("requestId".into(), id);
                }
                with_unknown(payload, extra)
            },
        );
    (payload, free_text(), iso_timestamp(), unknown_fields())
        .prop_map(|(payload, version, timestamp, extra)| {
            let top = object(json!({
                "payload": payload, "type": "short_link_visited",
                "version": version, "timestamp": timestamp,
            }));
            with_unknown(top, extra)
        })
        .boxed()
}

/// A valid BotLinkd inbound message.
fn message_body() -> BoxedStrategy<Value> {
    let body = prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        free_text().prop_map(|t| Some(Value::String(t)))
    ];
    (
        (valid_id(), valid_id(), free_text(), free_text()),
        (body, valid_id(), epoch()),
        unknown_fields(),
        unknown_fields(),
    )
        .prop_map(
            |((instance, from, to, kind), (body, id, ts), data_extra, top_extra)| {
                let mut data = object(json!({
                    "from": from, "to": to, "type": kind, "message_id": id, "timestamp": ts,
                }));
                if let Some(body) = body {
                    data.insert("body".into(), body);
                }
                let top = object(json!({
                    "event": "message", "instance_id": instance,
                    "data": with_unknown(data, data_extra),
                }));
                with_unknown(top, top_extra)
            },
        )
        .boxed()
}

/// A valid BotLinkd ack.
fn ack_body() -> BoxedStrategy<Value> {
    (
        valid_id(),
        valid_id(),
        select(vec!["sent", "delivered", "read"]),
        epoch(),
        unknown_fields(),
        unknown_fields(),
    )
        .prop_map(|(instance, id, status, ts, data_extra, top_extra)| {
            let data = object(json!({ "message_id": id, "status": status, "timestamp": ts }));
            let top = object(json!({
                "event": "ack", "instance_id": instance, "data": with_unknown(data, data_extra),
            }));
            with_unknown(top, top_extra)
        })
        .boxed()
}

/// A valid event of any kind, and a route that stores it.
fn valid_event() -> BoxedStrategy<(Kind, Route, Value)> {
    let of = |kind: Kind, body: BoxedStrategy<Value>| {
        (select(kind.routes()), body).prop_map(move |(route, body)| (kind, route, body))
    };
    prop_oneof![
        of(Kind::Click, click_body()),
        of(Kind::Message, message_body()),
        of(Kind::Ack, ack_body()),
    ]
    .boxed()
}

/// A route: usually one that stores `kind`, sometimes any.
fn route_for(kind: Kind) -> BoxedStrategy<Route> {
    prop_oneof![5 => select(kind.routes()), 1 => select(Route::ALL.to_vec())].boxed()
}

/// A value a mutation writes into a field: every JSON type, and strings and numbers aimed at
/// the field checks.
fn replacement() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => arb_json(),
        3 => any_id().prop_map(Value::String),
        1 => long_string().prop_map(Value::String),
        1 => iso_timestamp().prop_map(Value::String),
        1 => "[0-9T:Z.+ -]{0,30}".prop_map(Value::String),
        1 => select(vec!["sent", "delivered", "read", "READ", "seen", "", "message", "ack",
                         "short_link_visited", "presence"]).prop_map(Value::from),
        1 => select(vec![0i64, -1, 1, i64::MIN, i64::MAX, MIN_EPOCH - 1, MAX_EPOCH + 1]).prop_map(Value::from),
        1 => select(vec![u64::MAX, 1 << 63]).prop_map(Value::from),
        1 => select(vec![0.0f64, -0.0, 0.5, 1e300, -1e-300]).prop_map(Value::from),
    ]
    .boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    Remove(&'static str),
    Replace(&'static str, Value),
}

fn apply(body: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Remove(path) => apply_at(body, path, None),
        Mutation::Replace(path, value) => apply_at(body, path, Some(value.clone())),
    }
}

/// Sets (or, with `None`, removes) the field at a dotted path.
fn apply_at(body: &mut Value, path: &str, replacement: Option<Value>) {
    let (parent, leaf) = path.rsplit_once('.').unwrap_or(("", path));
    let parent = if parent.is_empty() {
        Some(body)
    } else {
        body.pointer_mut(&format!("/{}", parent.replace('.', "/")))
    };
    // A mutation under a container that an earlier one removed or replaced does nothing.
    if let Some(Value::Object(map)) = parent {
        match replacement {
            Some(value) => {
                map.insert(leaf.to_owned(), value);
            }
            None => {
                map.remove(leaf);
            }
        }
    }
}

fn mutation(kind: Kind) -> BoxedStrategy<Mutation> {
    let paths = kind.paths();
    prop_oneof![
        1 => select(paths.clone()).prop_map(Mutation::Remove),
        4 => (select(paths), replacement()).prop_map(|(p, v)| Mutation::Replace(p, v)),
    ]
    .boxed()
}

/// A documented kind of event, valid, then changed by 0 to 2 mutations, sent to a route.
fn mutated_case() -> BoxedStrategy<(Kind, Route, Vec<Mutation>, Value, bool)> {
    select(vec![Kind::Click, Kind::Message, Kind::Ack])
        .prop_flat_map(|kind| {
            let body = match kind {
                Kind::Click => click_body(),
                Kind::Message => message_body(),
                Kind::Ack => ack_body(),
            };
            (
                Just(kind),
                route_for(kind),
                proptest::collection::vec(mutation(kind), 0..=2),
                body,
                any::<bool>(),
            )
        })
        .boxed()
}

/// `body` serialized with the JSON text `raw` in place of the value at `path` (which need not
/// exist yet): the way to put text that no `serde_json::Value` can hold (1e400, -0, duplicate
/// keys, 10,000 levels of nesting) into an otherwise valid body.
fn with_raw(body: &Value, path: &str, raw: &str) -> String {
    const MARK: &str = "\u{1}RAW\u{1}";
    let mut body = body.clone();
    apply_at(&mut body, path, Some(Value::String(MARK.into())));
    let text = body.to_string();
    let quoted = Value::String(MARK.into()).to_string();
    assert_eq!(text.matches(&quoted).count(), 1, "{path} is not in {text}");
    text.replacen(&quoted, raw, 1)
}

/// Number literals from the JSON grammar's edges, and text that is not a number at all.
fn number_literal() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(vec![
            "1e400", "-1e400", "1e-400", "-0", "0", "-1", "1.0", "1E2", "0.0", "-0.0",
            "18446744073709551615", "18446744073709551616", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "253402300799", "253402300800", "-62167219200", "-62167219201", "1678900000",
            "01", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1e", ".5", "5.", "-", "1_000",
        ]).prop_map(str::to_owned),
        2 => "-?[0-9]{1,25}(\\.[0-9]{1,5})?([eE][+-]?[0-9]{1,4})?",
    ]
    .boxed()
}

/// Whether `text` is a JSON number, per RFC 8259's grammar.
fn json_number(text: &str) -> bool {
    let b = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || (b[0] == b'0' && int_len > 1) {
        return false;
    }
    let mut rest = &b[int_len..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    if let Some(exponent) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exponent = exponent
            .strip_prefix(b"+")
            .or_else(|| exponent.strip_prefix(b"-"))
            .unwrap_or(exponent);
        let n = exponent.iter().take_while(|c| c.is_ascii_digit()).count();
        return n > 0 && n == exponent.len();
    }
    rest.is_empty()
}

/// What a number literal in a field must give. Integers are read as integers only when they have
/// no fraction, no exponent and no minus zero (`-0` is a float to JSON parsers).
fn number_expectation(kind: Option<FieldKind>, literal: &str, path: &str) -> Expect {
    if !json_number(literal) {
        return Expect::Quarantined(None);
    }
    let integer = !literal.contains(['.', 'e', 'E']) && literal != "-0";
    let ok = match kind {
        None => true,
        Some(U64) => integer && literal.parse::<u64>().is_ok(),
        Some(Epoch) => {
            integer
                && literal
                    .parse::<i64>()
                    .is_ok_and(|t| (MIN_EPOCH..=MAX_EPOCH).contains(&t))
        }
        Some(other) => unreachable!("{other:?} is not numeric"),
    };
    if ok {
        Expect::Stored
    } else if literal.contains(['e', 'E']) || literal.len() > 18 {
        // An out-of-range number is a syntax error to serde, reported without a field.
        Expect::Quarantined(None)
    } else {
        Expect::Quarantined(Some(path.to_owned()))
    }
}

fn numbers_case() -> BoxedStrategy<Case> {
    (valid_event(), number_literal(), 0usize..4, any::<bool>())
        .prop_map(|((kind, route, body), literal, slot, base64)| {
            let numeric: Vec<(&str, Option<FieldKind>)> = match kind {
                Kind::Click => vec![
                    ("payload.templateId", Some(U64)),
                    ("payload.outMessageId", Some(U64)),
                    ("payload.x_number", None),
                    ("x_number", None),
                ],
                Kind::Message | Kind::Ack => vec![
                    ("data.timestamp", Some(Epoch)),
                    ("data.timestamp", Some(Epoch)),
                    ("data.x_number", None),
                    ("x_number", None),
                ],
            };
            let (path, field) = numeric[slot];
            let text = with_raw(&body, path, &literal);
            // The kind is decided on the whole body, which only a syntax error stops; fields are
            // read after the route check.
            let expect = if !kind.routes().contains(&route) {
                Expect::Quarantined(None)
            } else {
                number_expectation(field, &literal, path)
            };
            Case {
                route,
                body: text.into_bytes(),
                base64,
                expect,
            }
        })
        .boxed()
}

/// The same key twice in one object: a parser-differential trick (which value wins?) that must
/// be refused for every field with a meaning, also when the second spelling is escaped.
fn duplicate_case() -> BoxedStrategy<Case> {
    (
        valid_event(),
        any::<prop::sample::Index>(),
        any::<bool>(),
        replacement(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|((kind, route, body), pick, escape, other, same, base64)| {
            // Known fields present in this body, plus one unknown field.
            let mut paths: Vec<String> = kind
                .paths()
                .into_iter()
                .filter(|p| get(&body, p).is_some())
                .map(str::to_owned)
                .collect();
            paths.push(format!("{}.x_dup", kind.container()));
            paths.push("x_dup".into());
            let path = pick.get(&paths).clone();
            let (parent, leaf) = path.rsplit_once('.').unwrap_or(("", &path));
            let value = if same {
                get(&body, &path).cloned().unwrap_or(Value::Null)
            } else {
                other
            };
            let key = if escape {
                let mut chars = leaf.chars();
                let first = chars.next().unwrap();
                format!("\"\\u{:04x}{}\"", first as u32, chars.as_str())
            } else {
                Value::String(leaf.to_owned()).to_string()
            };
            // The object holding the key, with the key written twice.
            let container = if parent.is_empty() {
                &body
            } else {
                get(&body, parent).unwrap()
            };
            let container_text = container.to_string();
            let doubled = format!(
                "{},{key}:{value}}}",
                &container_text[..container_text.len() - 1]
            );
            let doubled = if container_text == "{}" {
                format!("{{{key}:{value}}}")
            } else {
                doubled
            };
            let text = if parent.is_empty() {
                doubled
            } else {
                with_raw(&body, parent, &doubled)
            };
            let unknown = leaf == "x_dup";
            let expect = if text.len() > MAX_BODY_BYTES {
                Expect::TooLarge
            } else if unknown {
                model(route, &body)
            } else if !kind.routes().contains(&route) && !matches!(path.as_str(), "event" | "type")
            {
                Expect::Quarantined(None)
            } else {
                Expect::Quarantined(Some(path.clone()))
            };
            Case {
                route,
                body: text.into_bytes(),
                base64,
                expect,
            }
        })
        .boxed()
}

/// 1 to 20,000 levels of arrays or objects: as the body, in an unknown field, in the event's
/// container, or in a field with a meaning.
fn nesting_case() -> BoxedStrategy<Case> {
    let depth = prop_oneof![6 => 1usize..200, 1 => Just(10_000), 1 => 5_000usize..20_000];
    (
        valid_event(),
        depth,
        any::<bool>(),
        0usize..5,
        any::<bool>(),
    )
        .prop_map(|((kind, route, body), depth, arrays, place, base64)| {
            let nested = if arrays {
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            } else {
                format!("{}0{}", "{\"a\":".repeat(depth), "}".repeat(depth))
            };
            let known = match kind {
                Kind::Click => "payload.phone",
                Kind::Message => "data.message_id",
                Kind::Ack => "data.status",
            };
            let (text, expect) = match place {
                0 => (nested, Expect::Quarantined(None)),
                1 => (with_raw(&body, "deep", &nested), model(route, &body)),
                2 => (
                    with_raw(&body, &format!("{}.deep", kind.container()), &nested),
                    model(route, &body),
                ),
                _ => {
                    let mut expect = model(route, &body);
                    if expect == Expect::Stored {
                        expect = Expect::Quarantined(Some(known.to_owned()));
                    }
                    (with_raw(&body, known, &nested), expect)
                }
            };
            let expect = if text.len() > MAX_BODY_BYTES {
                Expect::TooLarge
            } else {
                expect
            };
            Case {
                route,
                body: text.into_bytes(),
                base64,
                expect,
            }
        })
        .boxed()
}

/// Valid events padded with an unknown field to sizes around the 64 KiB limit, and far over it.
fn size_case() -> BoxedStrategy<Case> {
    let size = prop_oneof![
        20 => (MAX_BODY_BYTES - 64)..=(MAX_BODY_BYTES + 64),
        1 => Just(1_000_000usize),
    ];
    (valid_event(), size, any::<bool>(), any::<bool>())
        .prop_map(|((kind, route, body), size, in_container, base64)| {
            let path = if in_container {
                format!("{}.pad", kind.container())
            } else {
                "pad".into()
            };
            let base = with_raw(&body, &path, "\"\"");
            let pad = "p".repeat(size.saturating_sub(base.len()));
            let text = with_raw(&body, &path, &format!("\"{pad}\""));
            Case::json(route, text, &body, base64)
        })
        .boxed()
}

/// Invalid UTF-8 (stray continuation bytes, overlong forms, surrogates, truncated sequences)
/// inside an otherwise valid event; only a base64 body can carry it.
fn invalid_utf8_case() -> BoxedStrategy<Case> {
    let bad: Vec<&'static [u8]> = vec![
        &[0xff],
        &[0x80],
        &[0xc0, 0x80],
        &[0xc3],
        &[0xe2, 0x82],
        &[0xed, 0xa0, 0x80],
        &[0xf4, 0x90, 0x80, 0x80],
        &[0xf8, 0x88, 0x80, 0x80, 0x80],
    ];
    (valid_event(), select(bad), any::<prop::sample::Index>())
        .prop_map(|((_, route, body), bad, at)| {
            let mut bytes = body.to_string().into_bytes();
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, bad.iter().copied());
            let expect = if bytes.len() > MAX_BODY_BYTES {
                Expect::TooLarge
            } else {
                Expect::Quarantined(None)
            };
            Case {
                route,
                body: bytes,
                base64: true,
                expect,
            }
        })
        .boxed()
}

/// Arbitrary bytes, alone or after a plausible beginning.
fn bytes_case() -> BoxedStrategy<Case> {
    let prefix = select(vec![
        "",
        "{",
        "{\"event\":\"ack\",\"instance_id\":\"1\",\"data\":",
        "{\"type\":\"short_link_visited\",\"payload\":",
        "\u{feff}{",
    ]);
    (
        select(Route::ALL.to_vec()),
        prefix,
        proptest::collection::vec(any::<u8>(), 0..2048),
        any::<bool>(),
    )
        .prop_map(|(route, prefix, bytes, base64)| {
            let mut body = prefix.as_bytes().to_vec();
            body.extend(bytes);
            Case {
                route,
                body,
                base64,
                expect: Expect::Quarantined(None),
            }
        })
        .boxed()
}

/// Any JSON value as the body, with keys biased towards the ones that mean something.
fn json_value_case() -> BoxedStrategy<Case> {
    let key = prop_oneof![
        select(KNOWN_NAMES.to_vec()).prop_map(str::to_owned),
        "[a-z_]{0,6}"
    ];
    let value = arb_json();
    let discriminator = prop_oneof![
        Just(None),
        select(vec![
            ("event", "message"),
            ("event", "ack"),
            ("type", "short_link_visited"),
            ("event", "x")
        ])
        .prop_map(Some),
    ];
    (
        select(Route::ALL.to_vec()),
        proptest::collection::btree_map(key, value.clone(), 0..6),
        discriminator,
        prop_oneof![9 => Just(None), 1 => value.prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(route, map, discriminator, whole, base64)| {
            let mut body = Value::Object(map.into_iter().collect());
            if let Some((name, value)) = discriminator {
                body[name] = Value::from(value);
            }
            if let Some(whole) = whole {
                body = whole;
            }
            let text = body.to_string();
            Case::json(route, text, &body, base64)
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Properties of the request path

#[test]
fn arbitrary_bytes_and_json_are_refused_before_any_write_with_a_json_error() {
    let offline = Offline::new();
    check(
        "arbitrary bytes, invalid UTF-8 and arbitrary JSON",
        prop_oneof![bytes_case(), invalid_utf8_case(), json_value_case()],
        |case| check_case(&offline, case),
    );
}

#[test]
fn mutated_documented_payloads_get_the_answer_the_formats_document() {
    // Fields removed, types changed, values replaced by generated strings and numbers, and `#`,
    // `%`, control characters and over-long strings in every id field; as text or base64.
    let offline = Offline::new();
    check(
        "mutated documented payloads",
        mutated_case(),
        |(_, route, mutations, mut body, base64)| {
            for mutation in &mutations {
                apply(&mut body, mutation);
            }
            let text = body.to_string();
            check_case(&offline, Case::json(route, text, &body, base64))
        },
    );
}

#[test]
fn duplicate_keys_extreme_numbers_deep_nesting_and_huge_bodies_get_exact_answers() {
    let offline = Offline::new();
    check(
        "duplicate keys, number literals, deep nesting, body sizes",
        prop_oneof![
            3 => duplicate_case(),
            3 => numbers_case(),
            2 => nesting_case(),
            2 => size_case(),
        ],
        |case| check_case(&offline, case),
    );
}

/// What goes wrong with a request's envelope.
#[derive(Debug, Clone)]
struct Envelope {
    route: Route,
    path: PathShape,
    method: &'static str,
    content_type: Option<(&'static str, bool)>,
    credentials: Credentials,
    valid_body: bool,
}

#[derive(Debug, Clone)]
enum PathShape {
    Exact,
    StagePrefix,
    TrailingSlash,
    Other(String),
}

#[derive(Debug, Clone)]
enum Credentials {
    Good,
    Missing,
    Wrong(String),
}

fn envelope() -> BoxedStrategy<(Envelope, Value)> {
    let path = prop_oneof![
        3 => Just(PathShape::Exact),
        1 => Just(PathShape::StagePrefix),
        1 => Just(PathShape::TrailingSlash),
        1 => "/[a-z/]{0,20}".prop_filter("not a route", |p| {
            Route::ALL.iter().all(|r| !p.trim_end_matches('/').ends_with(r.path()))
        }).prop_map(PathShape::Other),
    ];
    let method = prop_oneof![
        4 => Just("POST"),
        1 => select(vec!["HEAD", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    ];
    // (content type, whether it declares JSON)
    let content_type = prop_oneof![
        3 => Just(Some(("application/json", true))),
        1 => Just(None),
        2 => select(vec![
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/cloudevents+json", true),
            (" application/json ", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("", false),
            ("application/jsonp", false),
            ("json", false),
            ("application/json-seq", false),
            ("multipart/form-data; boundary=x", false),
        ]).prop_map(Some),
    ];
    let credentials = prop_oneof![
        4 => Just(Credentials::Good),
        1 => Just(Credentials::Missing),
        1 => "[A-Za-z0-9-]{0,40}".prop_map(Credentials::Wrong),
    ];
    (
        valid_event(),
        path,
        method,
        content_type,
        credentials,
        any::<bool>(),
    )
        .prop_map(
            |((_, route, body), path, method, content_type, credentials, valid_body)| {
                (
                    Envelope {
                        route,
                        path,
                        method,
                        content_type,
                        credentials,
                        valid_body,
                    },
                    body,
                )
            },
        )
        .boxed()
}

#[test]
fn the_request_envelope_is_checked_in_the_documented_order() {
    // path (404), method (405; HEAD on the edna route is 200 without a key), credentials (401),
    // and only then the body: stored or quarantined whatever its declared content type.
    let offline = Offline::new();
    check("request envelopes", envelope(), |(envelope, body)| {
        let mut event = offline.fixture(envelope.route).clone();
        let text = if envelope.valid_body {
            body.to_string()
        } else {
            "{\"event\":".into()
        };
        set_body(&mut event, text.as_bytes(), false);
        let route_path = envelope.route.path();
        let path = match &envelope.path {
            PathShape::Exact => route_path.to_owned(),
            PathShape::StagePrefix => format!("/prod{route_path}"),
            PathShape::TrailingSlash => format!("{route_path}/"),
            PathShape::Other(other) => other.clone(),
        };
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
        event["requestContext"]["http"]["method"] = json!(envelope.method);
        let headers = event["headers"].as_object_mut().unwrap();
        headers.remove("content-type");
        if let Some((content_type, _)) = envelope.content_type {
            headers.insert("content-type".into(), json!(content_type));
        }
        let edna = envelope.route == Route::EdnaClicks;
        let secret = if edna { EDNA_KEY } else { BOTLINKD_TOKEN };
        let presented = match &envelope.credentials {
            Credentials::Good => Some(secret.to_owned()),
            Credentials::Missing => None,
            Credentials::Wrong(wrong) if wrong == secret => Some(format!("{wrong}x")),
            Credentials::Wrong(wrong) => Some(wrong.clone()),
        };
        if edna {
            headers.remove("x-api-key");
            if let Some(key) = &presented {
                headers.insert("x-api-key".into(), json!(key));
            }
        } else {
            let object = event.as_object_mut().unwrap();
            object.remove("queryStringParameters");
            object.insert("rawQueryString".into(), json!(""));
            if let Some(token) = &presented {
                event["queryStringParameters"] = json!({ "token": token });
                event["rawQueryString"] = json!(format!("token={token}"));
            }
        }

        let answer = offline.send(envelope.route, &event);
        let expected = if matches!(envelope.path, PathShape::Other(_)) {
            404
        } else if envelope.method == "HEAD" && edna {
            200
        } else if envelope.method != "POST" {
            405
        } else if !matches!(envelope.credentials, Credentials::Good) {
            401
        } else {
            200
        };
        prop_assert_eq!(answer.status, expected, "{:?}", answer);
        let posted = envelope.method == "POST";
        if expected == 200 && posted {
            let outcome = if envelope.valid_body {
                "stored"
            } else {
                "quarantined"
            };
            prop_assert_eq!(answer.stored_as(), Some(outcome), "{:?}", answer);
            let holding = answer
                .written
                .iter()
                .filter(|i| item::raw_body_of(i).as_deref() == Some(text.as_bytes()))
                .count();
            prop_assert_eq!(holding, 1, "the raw body is stored: {:?}", answer);
        } else if expected == 200 {
            prop_assert!(
                answer.json.is_none(),
                "HEAD answered with a body: {answer:?}"
            );
            prop_assert_eq!(answer.attempts, 0, "HEAD wrote");
        } else {
            check_error_shape(&answer)?;
        }
        if expected == 405 {
            let allow = if edna { "POST, HEAD" } else { "POST" };
            prop_assert_eq!(answer.allow.as_deref(), Some(allow));
        }
        if expected == 401 {
            let text = answer.json.as_ref().unwrap().to_string();
            prop_assert!(!text.contains(secret), "the secret leaked into {text}");
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Explicit examples from the brief, so that each has a named failure

#[test]
fn ten_thousand_nested_arrays_never_overflow_the_stack() {
    let offline = Offline::new();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let ack = r#"{"event":"ack","instance_id":"1","data":{"message_id":"m","status":"read","timestamp":1}}"#;
    let cases = [
        (deep.clone(), "quarantined"),
        (format!("{{\"event\":{deep}}}"), "quarantined"),
        (ack.replacen("\"m\"", &deep, 1), "quarantined"),
        // Unknown fields are ignored at the top and kept verbatim in `extra` inside `data`.
        (
            ack.replacen("{\"event\"", &format!("{{\"deep\":{deep},\"event\""), 1),
            "stored",
        ),
        (
            ack.replacen(
                "\"timestamp\":1",
                &format!("\"timestamp\":1,\"deep\":{deep}"),
                1,
            ),
            "stored",
        ),
    ];
    for (body, outcome) in cases {
        let answer = offline.post(Route::BotlinkdAcks, body.as_bytes(), false);
        assert_eq!(answer.stored_as(), Some(outcome), "{:.80}", body);
    }
}

#[test]
fn extreme_numbers_in_numeric_fields_are_quarantined_and_in_unknown_fields_are_kept() {
    let offline = Offline::new();
    let ack = |timestamp: &str| {
        format!(
            r#"{{"event":"ack","instance_id":"1","data":{{"message_id":"m","status":"read","timestamp":{timestamp}}}}}"#
        )
    };
    for literal in [
        "1e400",
        "-0",
        "1e-400",
        "1.0",
        "18446744073709551616",
        "253402300800",
    ] {
        let answer = offline.post(Route::BotlinkdAcks, ack(literal).as_bytes(), false);
        assert_eq!(answer.stored_as(), Some("quarantined"), "{literal}");
    }
    assert_eq!(
        offline
            .post(Route::BotlinkdAcks, ack("-1").as_bytes(), false)
            .stored_as(),
        Some("stored")
    );
    let kept = ack("1").replacen("\"timestamp\":1", "\"timestamp\":1,\"x\":1e400", 1);
    assert_eq!(
        offline
            .post(Route::BotlinkdAcks, kept.as_bytes(), false)
            .stored_as(),
        Some("stored")
    );
    let record = parse_event(Route::BotlinkdAcks, kept.as_bytes()).unwrap();
    let WebhookEvent::Ack(parsed) = record.event else {
        unreachable!()
    };
    assert_eq!(parsed.extra.as_deref(), Some(r#"{"x":1e400}"#));
}

#[test]
fn an_edna_payload_given_as_a_positional_array_is_quarantined_naming_payload() {
    // The body itself must be an object (parse_json checks it), but the nested `payload` is
    // deserialized by serde's derived visitor, which also accepts a sequence of field values.
    let offline = Offline::new();
    let body = r#"{"payload":["test-channel",1333,"WHATSAPP",5345345,"79991234567","google.ru","f42kL",null],"type":"short_link_visited","version":"v1","timestamp":"2025-08-10T12:32:56Z"}"#;
    let answer = offline.post(Route::EdnaClicks, body.as_bytes(), false);
    assert_eq!(answer.stored_as(), Some("quarantined"), "{answer:?}");
    assert_eq!(item::text(&answer.written[0], item::FIELD), Some("payload"));
}

// ---------------------------------------------------------------------------------------------
// The pure layer

/// DynamoDB's limits: partition key 2048 bytes, sort key 1024 bytes, item 400 KB.
const MAX_PK_BYTES: usize = 2048;
const MAX_SK_BYTES: usize = 1024;

/// Splits a key into its segments and undoes the escaping, failing on any `%` that is not one of
/// the two escapes.
fn segments(key: &str) -> Result<Vec<String>, String> {
    key.split('#')
        .map(|segment| {
            let mut out = String::with_capacity(segment.len());
            let mut rest = segment;
            while let Some(at) = rest.find('%') {
                out.push_str(&rest[..at]);
                match rest.get(at..at + 3) {
                    Some("%23") => out.push('#'),
                    Some("%25") => out.push('%'),
                    _ => return Err(format!("stray % in {key}")),
                }
                rest = &rest[at + 3..];
            }
            out.push_str(rest);
            Ok(out)
        })
        .collect()
}

/// The largest item the store writes for `record`, as DynamoDB measures it: the item built by
/// the store's own schema code, stored beside a collision (the longer key), plus the delivery id
/// the store adds.
fn item_bytes(record: &EventRecord) -> usize {
    let collision = record.key.collision(&record.body_sha256);
    let item = item::event_item(record, &collision, "2025-08-10T12:32:56.000Z");
    item::item_bytes(&item)
        + item::DELIVERY_ID.len()
        + "0123456789abcdef-18446744073709551615".len()
}

fn expect_segments(actual: &[String], expected: &[&str]) -> Result<(), TestCaseError> {
    prop_assert_eq!(actual, expected, "key segments");
    Ok(())
}

fn check_record(body: &[u8], record: &EventRecord) -> Result<(), TestCaseError> {
    prop_assert_eq!(record.raw_body.as_bytes(), body, "raw body not verbatim");
    let pk = segments(&record.key.pk).map_err(TestCaseError::fail)?;
    let sk = segments(&record.key.sk).map_err(TestCaseError::fail)?;
    let phone = record
        .phone_key
        .as_deref()
        .map(segments)
        .transpose()
        .map_err(TestCaseError::fail)?;
    // Each key is exactly its segments: a `#` or `%` in an id can neither add nor shift one.
    match &record.event {
        WebhookEvent::Click(c) => {
            expect_segments(&pk, &["MSG", "edna", &c.out_message_id.to_string()])?;
            expect_segments(&sk, &["EVENT", "click", &c.short_link, &record.occurred_at])?;
            let number = c.phone.strip_prefix('+').unwrap_or(&c.phone);
            prop_assert_eq!(phone, Some(vec!["PHONE".to_owned(), number.to_owned()]));
        }
        WebhookEvent::InboundMessage(m) => {
            expect_segments(&pk, &["MSG", "botlinkd", &m.instance_id, &m.message_id])?;
            expect_segments(&sk, &["EVENT", "message"])?;
            let number = m.from.strip_prefix('+').unwrap_or(&m.from);
            prop_assert_eq!(phone, Some(vec!["PHONE".to_owned(), number.to_owned()]));
        }
        WebhookEvent::Ack(a) => {
            expect_segments(&pk, &["MSG", "botlinkd", &a.instance_id, &a.message_id])?;
            expect_segments(&sk, &["EVENT", "ack", a.status.as_str()])?;
            prop_assert_eq!(phone, None);
            // Only a status this product knows touches the status item.
            let known = ["sent", "delivered", "read", "failed"].contains(&a.status.as_str());
            prop_assert_eq!(record.status_change().is_some(), known);
            if let Some(status) = record.status_change() {
                prop_assert_eq!(&status.key.pk, &record.key.pk);
            }
        }
    }
    let collision = record.key.collision(&record.body_sha256);
    prop_assert!(
        collision.pk.len() <= MAX_PK_BYTES,
        "pk of {} bytes",
        collision.pk.len()
    );
    prop_assert!(
        collision.sk.len() <= MAX_SK_BYTES,
        "sk of {} bytes",
        collision.sk.len()
    );
    prop_assert!(!record.occurred_at.is_empty() && record.occurred_at.len() <= MAX_SK_BYTES);
    if let Some(phone_key) = &record.phone_key {
        prop_assert!(
            phone_key.len() <= MAX_PK_BYTES,
            "phone key of {} bytes",
            phone_key.len()
        );
    }
    if body.len() <= MAX_BODY_BYTES {
        let size = item_bytes(record);
        prop_assert!(size < item::MAX_ITEM_BYTES, "item of {size} bytes");
    }
    Ok(())
}

/// A valid BotLinkd message as large as the handler lets through: a long text body, big extra
/// fields, and ids at their longest, all escaping-heavy.
fn largest_case() -> BoxedStrategy<Case> {
    (
        select(vec!["#".repeat(256), "%".repeat(256), "😀".repeat(64)]),
        select(vec!['x', 'é', '😀', '"', '\u{1}']),
        0usize..=100,
    )
        .prop_map(|(id, fill, split)| {
            let body = json!({
                "event": "message", "instance_id": id,
                "data": { "from": id, "to": "1", "type": "text", "body": "",
                          "message_id": id, "timestamp": 1, "media": "" },
            });
            let base = body.to_string().len();
            let per_char = Value::String(fill.to_string()).to_string().len() - 2;
            let room = (MAX_BODY_BYTES - base) / per_char;
            let text: String = std::iter::repeat_n(fill, room * split / 100).collect();
            let media: String = std::iter::repeat_n(fill, room - room * split / 100).collect();
            let mut body = body;
            body["data"]["body"] = json!(text);
            body["data"]["media"] = json!(media);
            let text = body.to_string();
            assert!(text.len() <= MAX_BODY_BYTES);
            Case {
                route: Route::BotlinkdEvents,
                body: text.into_bytes(),
                base64: false,
                expect: Expect::Stored,
            }
        })
        .boxed()
}

#[test]
fn parse_event_never_panics_and_its_keys_and_items_fit_dynamodb() {
    let mutated = mutated_case().prop_map(|(_, route, mutations, mut body, _)| {
        for mutation in &mutations {
            apply(&mut body, mutation);
        }
        Case {
            route,
            body: body.to_string().into_bytes(),
            base64: false,
            expect: Expect::Undecided,
        }
    });
    let valid = valid_event().prop_map(|(_, route, body)| Case {
        route,
        body: body.to_string().into_bytes(),
        base64: false,
        expect: Expect::Stored,
    });
    let strategy = prop_oneof![
        3 => valid,
        3 => mutated,
        1 => bytes_case(),
        1 => json_value_case(),
        1 => duplicate_case(),
        1 => numbers_case(),
        1 => nesting_case(),
        1 => largest_case(),
    ];
    check(
        "parse_event on every generated body",
        strategy,
        |case| match parse_event(case.route, &case.body) {
            Ok(record) => check_record(&case.body, &record),
            Err(err) => {
                prop_assert!(case.expect != Expect::Stored, "valid event refused: {err}");
                prop_assert!(!err.to_string().is_empty());
                Ok(())
            }
        },
    );
}
