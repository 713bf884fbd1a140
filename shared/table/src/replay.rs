//! Replay of quarantined bodies with the current parser: each one that now parses is stored as
//! the event it is, through the same [`EventStore::store_event`] as a live request, then marked
//! replayed. The event keeps the quarantine item's own `expires_at` (none on a keep-forever
//! stack): the stack that received the body chose its retention, not the replaying tool.

use webhook_payload::{key_hash, parse_event, Route};

use crate::item::{self, Item};
use crate::row::RowKey;
use crate::store::{DynamoDbStore, EventStore, Listing, Outcome, StoreError};

/// What replay did, or would do, with one quarantined body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayResult {
    /// Replayed before: left alone.
    AlreadyReplayed,
    /// The current code cannot parse it either (`reason`, `field`).
    StillFails(&'static str, Option<String>),
    /// It parses as an event of this kind; a dry run stops here.
    WouldStore(&'static str),
    /// It was stored as an event of this kind with this outcome, and marked replayed.
    Stored(&'static str, Outcome),
}

/// One quarantined body and what became of it. Nothing in it is personal data: the key is hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// A short hash of the quarantine item's key (`webhook_payload::key_hash`).
    pub key: String,
    /// The route it arrived on.
    pub route: String,
    /// Why it was quarantined.
    pub reason: String,
    /// What replay did.
    pub result: ReplayResult,
}

/// Replays every quarantine item received on `day` (`YYYY-MM-DD`), read through the
/// `by_quarantine_day` index one page at a time, and hands each result to `each` as it is done.
/// With `apply` false nothing is written.
pub async fn replay_day(
    store: &DynamoDbStore,
    day: &str,
    apply: bool,
    mut each: impl FnMut(Replayed),
) -> Result<(), StoreError> {
    let mut pages = store.pages(Listing::QuarantinedOn(day.to_owned()));
    while let Some(page) = pages.next().await? {
        for quarantined in &page {
            each(replay_item(store, quarantined, apply).await?);
        }
    }
    Ok(())
}

/// Replays the one quarantine item at `key` (the console's "try replay" and "replay"), exactly
/// as [`replay_day`] would; `None` when there is no quarantine item there.
pub async fn replay_one(
    store: &DynamoDbStore,
    key: &RowKey,
    apply: bool,
) -> Result<Option<Replayed>, StoreError> {
    let (found, _) = store.item(&key.0).await?;
    match found {
        Some(quarantined)
            if item::text(&quarantined, item::KIND) == Some(item::KIND_QUARANTINE) =>
        {
            Ok(Some(replay_item(store, &quarantined, apply).await?))
        }
        _ => Ok(None),
    }
}

async fn replay_item(
    store: &DynamoDbStore,
    quarantined: &Item,
    apply: bool,
) -> Result<Replayed, StoreError> {
    let text = |name| item::text(quarantined, name).unwrap_or_default().to_owned();
    let mut replayed = Replayed {
        key: key_hash(&text(item::PK)),
        route: text(item::ROUTE),
        reason: text(item::REASON),
        result: ReplayResult::AlreadyReplayed,
    };
    if quarantined.contains_key(item::REPLAYED_AT) {
        return Ok(replayed);
    }
    let (Some(route), Some(body)) = (
        Route::for_path(&replayed.route),
        item::raw_body_of(quarantined),
    ) else {
        replayed.result = ReplayResult::StillFails("unreadable_quarantine_item", None);
        return Ok(replayed);
    };
    let record = match parse_event(route, &body) {
        Ok(record) => record,
        Err(err) => {
            replayed.result =
                ReplayResult::StillFails(err.reason(), err.field().map(str::to_owned));
            return Ok(replayed);
        }
    };
    let kind = record.kind().as_str();
    if !apply {
        replayed.result = ReplayResult::WouldStore(kind);
        return Ok(replayed);
    }
    let outcome = store
        .expiring_as(quarantined_expiry(quarantined))
        .store_event(&record)
        .await?;
    // Marked once: a concurrent replay that got there first stored the same event.
    store.mark_replayed(quarantined, outcome.as_str()).await?;
    replayed.result = ReplayResult::Stored(kind, outcome);
    Ok(replayed)
}

/// The quarantine item's `expires_at`, which its event keeps; `None` when it has none (the stack
/// keeps everything).
fn quarantined_expiry(quarantined: &Item) -> Option<u64> {
    quarantined.get(item::EXPIRES_AT)?.as_n().ok()?.parse().ok()
}
