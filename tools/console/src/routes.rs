//! The console's routes: its pages and its two JSON routes (the live view's polling, the inbox's replay).

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use maud::Markup;
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use webhook_payload::{key_hash, phone_digits, MessageRef};
use webhook_table::{replay_one, Cursor, PageRequest, ReplayResult, Row, RowKey};

use crate::charts;
use crate::event::{entry_of_row, Entry};
use crate::feed::Filter;
use crate::guard::{guard, Answer, ConsoleError};
use crate::message::MessageView;
use crate::overview::Overview;
use crate::pages::{self, segment, Shown};
use crate::server::Console;
use crate::time::today;

/// Rows a timeline or an inbox page shows.
const PAGE_ROWS: u32 = 50;
/// Rows the live view renders; the page keeps up to 1,000 as it polls.
const LIVE_ROWS: usize = 200;

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

/// The query parameters the pages take.
#[derive(Debug, Default, Deserialize)]
struct Params {
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

    /// The page of a timeline or an inbox that the link asks for.
    fn page(&self) -> PageRequest {
        PageRequest {
            after: self.after.as_deref().map(Cursor::from_text),
            limit: NonZeroU32::new(PAGE_ROWS).unwrap_or(NonZeroU32::MIN),
        }
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
    let page = console.store.timeline(&digits, &params.page()).await?;
    let rows: Vec<Entry> = page.rows.iter().map(entry_of_row).collect();
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
    let segments = uri
        .path()
        .trim_start_matches("/messages/")
        .split('/')
        .map(|part| percent_decode_str(part).decode_utf8_lossy().into_owned());
    let segments: Vec<String> = segments.collect();
    let Some(message) = MessageRef::of_segments(&segments) else {
        return Err(ConsoleError::NotFound(
            "a message is /messages/<provider>/<its ids>".into(),
        ));
    };
    let page = console.store.message(&message).await?;
    if page.rows.is_empty() {
        return Err(ConsoleError::NotFound(
            "no item of this message is stored".into(),
        ));
    }
    let view = MessageView::of(&page.rows);
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
    let page = console.store.quarantined_on(&day, &params.page()).await?;
    let shown = params.shown();
    let bodies: Vec<_> = page
        .rows
        .iter()
        .filter_map(|row| match row {
            Row::Quarantined(body) => Some(body),
            _ => None,
        })
        .collect();
    let content = pages::quarantine(&day, &bodies, page.next.as_ref().map(Cursor::as_str), shown);
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
    let key = RowKey::of_quarantined(&request.pk).filter(|_| json);
    let Some(key) = key else {
        return Err(ConsoleError::BadRequest(
            "a replay names a quarantine item".into(),
        ));
    };
    let replayed = match replay_one(&console.store, &key, request.apply).await {
        Ok(replayed) => replayed,
        // The page shows the answer in the row: JSON, like every other answer of this route.
        Err(err) => {
            let result = format!("failed: {err}");
            eprintln!("console: replay of {}: {result}", key_hash(key.partition()));
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
        key_hash(key.partition())
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
