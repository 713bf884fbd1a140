//! The console's HTTP side: its routes, the stream follower that fills the live feed, the guard
//! that keeps other sites and other hosts out, and the one place errors become status codes.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::Markup;
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use webhook_payload::{key_hash, phone_digits, phone_key, ItemKey, QUARANTINE_PREFIX};
use webhook_receiver::{replay_one, Cursor, DynamoDbStore, ReplayResult, StoreError, TableStream};

use crate::charts;
use crate::event::{row_of_item, rows_of_change, MessageRef, Row};
use crate::feed::{Feed, Filter};
use crate::message::MessageView;
use crate::overview::Overview;
use crate::pages::{self, segment, Frame, Shown};
use crate::time::{rfc3339, today};

/// Rows a timeline or an inbox page shows.
const PAGE_ROWS: u32 = 50;
/// Rows the live view renders; the page keeps up to 1,000 as it polls.
const LIVE_ROWS: usize = 200;
/// How often the stream is read.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// What the console runs on.
pub struct Console {
    /// The table, through the store (the one boundary that calls DynamoDB).
    store: DynamoDbStore,
    /// The table's name, shown on every page.
    table: String,
    /// The live feed.
    feed: RwLock<Feed>,
    /// The last stream error, while the stream cannot be read.
    stream_error: RwLock<Option<String>>,
    /// The stream has been read to its end once: what it brings now was just written.
    caught_up: AtomicBool,
    /// The `Host` values a request may carry; empty: any (the operator chose a non-local address).
    hosts: Vec<String>,
}

/// Why a request could not be answered; [`IntoResponse`] maps each to its status, in one place.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The table could not be read or written.
    #[error("the table could not be read: {0}")]
    Store(#[from] StoreError),
    /// The URL names nothing the console knows.
    #[error("{0}")]
    NotFound(String),
    /// The request is not one the console takes.
    #[error("{0}")]
    BadRequest(String),
    /// The request came from another site or for another host.
    #[error("{0}")]
    Forbidden(&'static str),
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = match &self {
            ConsoleError::Store(_) => StatusCode::BAD_GATEWAY,
            ConsoleError::NotFound(_) => StatusCode::NOT_FOUND,
            ConsoleError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ConsoleError::Forbidden(_) => StatusCode::FORBIDDEN,
        };
        let frame = Frame {
            title: "Problem",
            table: "",
            shown: Shown { reveal: false },
            read_units: None,
        };
        let heading = status.canonical_reason().unwrap_or("Problem");
        (
            status,
            pages::layout(&frame, pages::problem(heading, &self.to_string())),
        )
            .into_response()
    }
}

type Answer<T = Markup> = Result<T, ConsoleError>;

/// The console's routes over `console`.
pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/", get(live))
        .route("/api/events", get(events_after))
        .route("/people", get(find_person))
        .route("/people/{number}", get(person))
        .route("/messages/{*ids}", get(message))
        .route("/quarantine", get(quarantine))
        .route("/api/replay", post(replay))
        .route("/overview", get(overview))
        .layer(middleware::from_fn_with_state(console.clone(), guard))
        .with_state(console)
}

/// Keeps out what a local console must not serve: a request for another host name (DNS
/// rebinding: a web page whose name resolves to 127.0.0.1) and a write from another site's page
/// (a write must carry `x-console-request`, which a cross-site form cannot set).
async fn guard(State(console): State<Arc<Console>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    if !console.hosts.is_empty() && !console.hosts.iter().any(|allowed| allowed == host) {
        return ConsoleError::Forbidden("this console answers on its own address only")
            .into_response();
    }
    if request.method() != Method::GET && !request.headers().contains_key("x-console-request") {
        return ConsoleError::Forbidden("writes come from the console's own page only")
            .into_response();
    }
    next.run(request).await
}

/// The query parameters the pages take.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    provider: Option<String>,
    kind: Option<String>,
    reveal: Option<String>,
    after: Option<String>,
    day: Option<String>,
    number: Option<String>,
}

impl Params {
    fn shown(&self) -> Shown {
        Shown {
            reveal: self.reveal.as_deref() == Some("1"),
        }
    }

    fn filter(&self) -> Filter {
        let chosen = |value: &Option<String>| value.clone().filter(|value| !value.is_empty());
        Filter {
            provider: chosen(&self.provider),
            kind: chosen(&self.kind),
        }
    }

    fn cursor(&self) -> Option<Cursor> {
        self.after.as_deref().map(Cursor::from_text)
    }
}

impl Console {
    /// A console over `store`, keeping up to `keep` events of the stream, answering requests for
    /// `hosts` only ([`hosts_of`]; empty: any).
    pub fn new(store: DynamoDbStore, keep: usize, hosts: Vec<String>) -> Console {
        Console {
            table: store.table().to_owned(),
            store,
            feed: RwLock::new(Feed::new(keep)),
            stream_error: RwLock::new(None),
            caught_up: AtomicBool::new(false),
            hosts,
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn frame<'a>(&'a self, title: &'a str, shown: Shown, read_units: Option<f64>) -> Frame<'a> {
        Frame {
            title,
            table: &self.table,
            shown,
            read_units,
        }
    }

    /// Adds the rows of `changes` to the feed, and lets go of those older than 24 hours.
    pub fn take(&self, changes: &[webhook_receiver::Change]) {
        // A stream record's time is rounded (to the minute in DynamoDB Local); once the console
        // has caught up, a record it reads was written within the last poll, so now is closer.
        // Only acks kept in a status item take this time: every other item carries its own.
        let now = time::OffsetDateTime::now_utc();
        let caught_up = self.caught_up.load(Ordering::Relaxed);
        if changes.is_empty() {
            self.caught_up.store(true, Ordering::Relaxed);
        }
        let mut feed = self
            .feed
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for change in changes {
            let received_at = match caught_up {
                true => rfc3339(now),
                false => crate::time::rfc3339_of_epoch(change.recorded_at),
            };
            for row in rows_of_change(change, &received_at) {
                feed.push(row);
            }
        }
        feed.forget_before(&rfc3339(now - time::Duration::hours(24)));
    }

    fn stream_error(&self) -> Option<String> {
        self.stream_error
            .read()
            .ok()
            .and_then(|error| error.clone())
    }
}

async fn live(State(console): State<Arc<Console>>, Query(params): Query<Params>) -> Markup {
    let shown = params.shown();
    let filter = params.filter();
    let content = {
        let feed = console
            .feed
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let rows = feed.after(0, &filter, LIVE_ROWS);
        pages::live(&rows, &feed, &filter, shown)
    };
    pages::layout(&console.frame("Live", shown, Some(0.0)), content)
}

/// What a polling live page gets: the rows after the ones it has, as HTML.
#[derive(Debug, serde::Serialize)]
struct NewRows {
    next: u64,
    events: Vec<NewRow>,
    stream_error: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct NewRow {
    seq: u64,
    html: String,
}

async fn events_after(
    State(console): State<Arc<Console>>,
    Query(params): Query<Params>,
) -> Json<NewRows> {
    let shown = params.shown();
    let after = params
        .after
        .as_deref()
        .and_then(|after| after.parse().ok())
        .unwrap_or(0);
    let feed = console
        .feed
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let events = feed
        .after(after, &params.filter(), LIVE_ROWS)
        .into_iter()
        .map(|(seq, row)| NewRow {
            seq,
            html: pages::live_row(seq, row, shown).into_string(),
        })
        .collect();
    Json(NewRows {
        next: feed.next() - 1,
        events,
        stream_error: console.stream_error(),
    })
}

async fn find_person(Query(params): Query<Params>) -> Redirect {
    let number = params.number.unwrap_or_default();
    Redirect::to(&format!("/people/{}", segment(number.trim())))
}

async fn person(
    State(console): State<Arc<Console>>,
    Path(number): Path<String>,
    Query(params): Query<Params>,
) -> Answer {
    let digits = phone_digits(&number);
    if digits.is_empty() {
        return Err(ConsoleError::BadRequest(
            "a phone number has digits: +44 7123 456789, 447123456789".into(),
        ));
    }
    let limit = NonZeroU32::new(PAGE_ROWS).unwrap_or(NonZeroU32::MIN);
    let page = console
        .store
        .timeline(&phone_key(&digits), params.cursor().as_ref(), limit)
        .await?;
    let rows: Vec<Row> = page.items.iter().filter_map(row_of_item).collect();
    let shown = params.shown();
    let content = pages::person(
        &digits,
        &rows,
        page.next.as_ref().map(Cursor::as_str),
        shown,
    );
    Ok(pages::layout(
        &console.frame("Timeline", shown, Some(page.read_units)),
        content,
    ))
}

/// `/messages/<provider>/<ids...>`, each segment percent-escaped: read from the raw path, so that
/// an id holding `/` (base64 in a WhatsApp id) stays one segment.
async fn message(
    State(console): State<Arc<Console>>,
    uri: Uri,
    Query(params): Query<Params>,
) -> Answer {
    let mut segments = uri
        .path()
        .trim_start_matches("/messages/")
        .split('/')
        .map(|part| percent_decode_str(part).decode_utf8_lossy().into_owned());
    let provider = segments.next().unwrap_or_default();
    let ids: Vec<String> = segments.collect();
    if ids.is_empty() || ids.iter().any(String::is_empty) {
        return Err(ConsoleError::NotFound(
            "a message is /messages/<provider>/<its ids>".into(),
        ));
    }
    let message = MessageRef { provider, ids };
    let page = console.store.partition(&message.partition()).await?;
    if page.items.is_empty() {
        return Err(ConsoleError::NotFound(
            "no item of this message is stored".into(),
        ));
    }
    let view = MessageView::of(&page.items);
    let shown = params.shown();
    let content = pages::message(&message, &view, page.next.is_some(), shown);
    Ok(pages::layout(
        &console.frame("Message", shown, Some(page.read_units)),
        content,
    ))
}

async fn quarantine(State(console): State<Arc<Console>>, Query(params): Query<Params>) -> Answer {
    let day = params.day.clone().unwrap_or_else(today);
    if crate::time::day_step(&day, 0).as_deref() != Some(day.as_str()) {
        return Err(ConsoleError::BadRequest("a day is YYYY-MM-DD".into()));
    }
    let limit = NonZeroU32::new(PAGE_ROWS).unwrap_or(NonZeroU32::MIN);
    let page = console
        .store
        .quarantined_on(&day, params.cursor().as_ref(), limit)
        .await?;
    let shown = params.shown();
    let content = pages::quarantine(
        &day,
        &page.items,
        page.next.as_ref().map(Cursor::as_str),
        shown,
    );
    Ok(pages::layout(
        &console.frame("Quarantine", shown, Some(page.read_units)),
        content,
    ))
}

/// A replay asked for from the inbox.
#[derive(Debug, Deserialize)]
struct ReplayRequest {
    pk: String,
    apply: bool,
}

#[derive(Debug, serde::Serialize)]
struct ReplayAnswer {
    result: String,
}

async fn replay(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Json(request): Json<ReplayRequest>,
) -> Answer<(StatusCode, Json<ReplayAnswer>)> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !json || !request.pk.starts_with(QUARANTINE_PREFIX) {
        return Err(ConsoleError::BadRequest(
            "a replay names a quarantine item".into(),
        ));
    }
    let key = ItemKey {
        pk: request.pk.clone(),
        sk: QUARANTINE_PREFIX.to_owned(),
    };
    let replayed = match replay_one(&console.store, &key, request.apply).await {
        Ok(replayed) => replayed,
        // The page shows the answer in the row: JSON, like every other answer of this route.
        Err(err) => {
            let result = format!("failed: {err}");
            eprintln!("console: replay of {}: {result}", key_hash(&key.pk));
            return Ok((StatusCode::BAD_GATEWAY, Json(ReplayAnswer { result })));
        }
    };
    let result = match replayed.map(|replayed| replayed.result) {
        None => "not found: nothing is quarantined under this key".to_owned(),
        Some(ReplayResult::AlreadyReplayed) => "already replayed".to_owned(),
        Some(ReplayResult::StillFails(reason, field)) => match field {
            Some(field) => format!("still fails: {reason} ({field})"),
            None => format!("still fails: {reason}"),
        },
        Some(ReplayResult::WouldStore(kind)) => format!("would store a {kind}"),
        Some(ReplayResult::Stored(kind, outcome)) => {
            format!("{}: {kind}", outcome.as_str())
        }
    };
    eprintln!(
        "console: replay{} of {}: {result}",
        if request.apply { "" } else { " (dry run)" },
        key_hash(&key.pk)
    );
    Ok((StatusCode::OK, Json(ReplayAnswer { result })))
}

async fn overview(State(console): State<Arc<Console>>) -> Markup {
    let content = {
        let feed = console
            .feed
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let overview = Overview::of(feed.rows(), time::OffsetDateTime::now_utc());
        charts::overview(&overview, feed.len())
    };
    pages::layout(
        &console.frame("Overview", Shown { reveal: false }, Some(0.0)),
        content,
    )
}

/// Follows the table's stream into the feed for as long as the console runs: every second, and
/// after an error every 5 s, saying on the live page why it cannot read.
pub async fn follow_stream(console: Arc<Console>) {
    let mut stream: Option<TableStream> = None;
    loop {
        let polled = match stream.as_mut() {
            Some(open) => open.poll().await,
            None => match console.store.stream().await {
                Ok(open) => {
                    stream = Some(open);
                    continue;
                }
                Err(err) => Err(err),
            },
        };
        match polled {
            Ok(changes) => {
                console.take(&changes);
                if let Ok(mut error) = console.stream_error.write() {
                    *error = None;
                }
                tokio::time::sleep(POLL_EVERY).await;
            }
            Err(err) => {
                eprintln!("console: the stream could not be read: {err}");
                if let Ok(mut error) = console.stream_error.write() {
                    *error = Some(err.to_string());
                }
                // An open stream keeps its place (each shard goes on after its last record);
                // only a stream that could not be opened is opened again.
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// The `Host` values a console listening on `address` answers: the address itself, and
/// `localhost` with its port when it is a loopback address; none (any host) otherwise.
pub fn hosts_of(address: SocketAddr) -> Vec<String> {
    if !address.ip().is_loopback() {
        return Vec::new();
    }
    let port = address.port();
    let mut hosts = vec![address.to_string(), format!("localhost:{port}")];
    if address.is_ipv4() {
        hosts.push(format!("127.0.0.1:{port}"));
    }
    hosts.dedup();
    hosts
}
