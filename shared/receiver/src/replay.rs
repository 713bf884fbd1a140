//! Replay of quarantined bodies with the current parser: each one that now parses is stored as
//! the event it is, through the same [`store_event`] as a live request, then marked replayed.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use webhook_payload::{key_hash, parse_event, Route};

use crate::ingest::{store_event, Outcome};
use crate::item::{self, Item};
use crate::store::{DynamoDbStore, StoreError};

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
/// `by_quarantine_day` index. With `apply` false nothing is written.
pub async fn replay_day(
    store: &DynamoDbStore,
    day: &str,
    apply: bool,
) -> Result<Vec<Replayed>, StoreError> {
    let quarantined = store.quarantined_on(day).await?;
    let mut results = Vec::with_capacity(quarantined.len());
    for quarantined in &quarantined {
        results.push(replay_item(store, quarantined, apply).await?);
    }
    Ok(results)
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
    let outcome = store_event(store, &record).await?;
    mark_replayed(store, quarantined, outcome).await?;
    replayed.result = ReplayResult::Stored(kind, outcome);
    Ok(replayed)
}

/// Marks a quarantine item replayed, once: a concurrent replay that got there first wins, and
/// the event it stored is the same one (same key, same exactly-once rules).
async fn mark_replayed(
    store: &DynamoDbStore,
    quarantined: &Item,
    outcome: Outcome,
) -> Result<(), StoreError> {
    let key = |name: &str| {
        quarantined
            .get(name)
            .cloned()
            .unwrap_or(AttributeValue::Null(true))
    };
    let result = store
        .client()
        .update_item()
        .table_name(store.table())
        .key(item::PK, key(item::PK))
        .key(item::SK, key(item::SK))
        .update_expression("SET #replayed_at = :now, #replay_outcome = :outcome")
        .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#replayed_at)")
        .expression_attribute_names("#pk", item::PK)
        .expression_attribute_names("#replayed_at", item::REPLAYED_AT)
        .expression_attribute_names("#replay_outcome", item::REPLAY_OUTCOME)
        .expression_attribute_values(":now", AttributeValue::S(webhook_payload::utc_now()))
        .expression_attribute_values(":outcome", AttributeValue::S(outcome.as_str().to_owned()))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(()),
            _ => Err(StoreError::request("UpdateItem", &err)),
        },
    }
}
