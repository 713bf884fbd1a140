//! The operator commands' reads and writes (`replay`, `erase`): listings read one page at a time,
//! so that no command holds a day (or a person) in memory, a delete that says whether there was
//! anything to delete, and the mark a replayed quarantine item gets.

use std::collections::{HashMap, VecDeque};

use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::dynamodb::Reply;
use super::{DynamoDbStore, StoreError};
use crate::item::{self, Item, ItemKey};

/// Which items an operator command reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listing {
    /// The clicks and messages of one `phone_key`, through `by_phone` (keys and `kind` only).
    Phone(String),
    /// Every item of one partition, read consistently.
    Partition(String),
    /// The quarantine items received on one day (`YYYY-MM-DD`): a Query of each of the day's
    /// `by_quarantine_day` shards in turn, each page's items then read by key.
    QuarantinedOn(String),
    /// Every quarantine item in the table: a Scan of the sparse `by_quarantine_day` index, which
    /// holds the keys of quarantine items and nothing else, each page's items then read by key.
    Quarantine,
    /// Every unmodelled provider event (partition `UNMODELLED#...`), received on or after the
    /// day given (`YYYY-MM-DD`), or all of them: no index lists them, so this is a Scan of the
    /// table that DynamoDB filters (it bills what it reads, not what it returns).
    Unmodelled(Option<String>),
}

/// One read a listing is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// A Query of the table (`index` `None`) or an index for `key = value`.
    Query {
        index: Option<&'static str>,
        key: &'static str,
        value: String,
    },
    /// A Scan of `by_quarantine_day`.
    QuarantineScan,
    /// A Scan of the table filtered to unmodelled events received since the day, if one is given.
    UnmodelledScan(Option<String>),
}

impl Source {
    /// Whether the source answers with index entries that hold keys only: the items are then
    /// read by key, so that every listing hands its caller whole items.
    fn keys_only(&self) -> bool {
        match self {
            Source::Query { index, .. } => *index == Some(item::BY_QUARANTINE_DAY_INDEX),
            Source::QuarantineScan => true,
            Source::UnmodelledScan(_) => false,
        }
    }
}

impl Listing {
    /// The reads this listing is made of, in order.
    fn sources(self) -> VecDeque<Source> {
        let query = |index, key, value| Source::Query { index, key, value };
        match self {
            Listing::Phone(key) => [query(Some(item::BY_PHONE_INDEX), item::PHONE_KEY, key)].into(),
            Listing::Partition(pk) => [query(None, item::PK, pk)].into(),
            Listing::QuarantinedOn(day) => item::quarantine_shards(&day)
                .into_iter()
                .map(|shard| {
                    query(
                        Some(item::BY_QUARANTINE_DAY_INDEX),
                        item::QUARANTINE_SHARD,
                        shard,
                    )
                })
                .collect(),
            Listing::Quarantine => [Source::QuarantineScan].into(),
            Listing::Unmodelled(since) => [Source::UnmodelledScan(since)].into(),
        }
    }
}

/// A listing, read one page (of the store's `page_size`) per call.
pub(crate) struct Pages<'a> {
    store: &'a DynamoDbStore,
    sources: VecDeque<Source>,
    start: Option<HashMap<String, AttributeValue>>,
}

impl Pages<'_> {
    /// The next page, or `None` when the listing is through.
    pub(crate) async fn next(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
        let Some(source) = self.sources.front().cloned() else {
            return Ok(None);
        };
        let store = self.store;
        let limit = store
            .settings
            .page_size
            .map(|size| i32::try_from(size.get()).unwrap_or(i32::MAX));
        let start = self.start.take();
        let (items, next) = match &source {
            Source::UnmodelledScan(since) => {
                let mut scan = store
                    .client
                    .scan()
                    .table_name(&store.settings.table)
                    .set_limit(limit)
                    .set_exclusive_start_key(start)
                    .consistent_read(true)
                    .expression_attribute_names("#pk", item::PK)
                    .expression_attribute_values(
                        ":prefix",
                        AttributeValue::S(format!("{}#", item::UNMODELLED_PREFIX)),
                    );
                scan = match since {
                    None => scan.filter_expression("begins_with(#pk, :prefix)"),
                    Some(day) => scan
                        .filter_expression("begins_with(#pk, :prefix) AND #received >= :since")
                        .expression_attribute_names("#received", item::RECEIVED_AT)
                        .expression_attribute_values(":since", AttributeValue::S(day.clone())),
                };
                let page = scan
                    .send()
                    .await
                    .map_err(|err| StoreError::request("Scan", &err))?;
                (page.items, page.last_evaluated_key)
            }
            Source::QuarantineScan => {
                let page = store
                    .client
                    .scan()
                    .table_name(&store.settings.table)
                    .index_name(item::BY_QUARANTINE_DAY_INDEX)
                    .set_limit(limit)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|err| StoreError::request("Scan", &err))?;
                (page.items, page.last_evaluated_key)
            }
            Source::Query { index, key, value } => {
                let query = store
                    .client
                    .query()
                    .set_exclusive_start_key(start)
                    .set_limit(limit)
                    .table_name(&store.settings.table)
                    .set_index_name(index.map(str::to_owned))
                    // An index cannot be read consistently; the table can.
                    .consistent_read(index.is_none())
                    .key_condition_expression("#key = :value")
                    .expression_attribute_names("#key", *key)
                    .expression_attribute_values(":value", AttributeValue::S(value.clone()));
                let page = query
                    .send()
                    .await
                    .map_err(|err| StoreError::request("Query", &err))?;
                (page.items, page.last_evaluated_key)
            }
        };
        if next.is_none() {
            self.sources.pop_front();
        }
        self.start = next;
        let items = items.unwrap_or_default();
        if !source.keys_only() {
            return Ok(Some(items));
        }
        let keys: Vec<ItemKey> = items.iter().filter_map(item::key_of).collect();
        let (items, _) = store.batch_get(&keys).await?;
        Ok(Some(items))
    }
}

impl DynamoDbStore {
    /// The items of `listing`, page by page.
    pub(crate) fn pages(&self, listing: Listing) -> Pages<'_> {
        Pages {
            store: self,
            sources: listing.sources(),
            start: None,
        }
    }

    /// Deletes the item with `item`'s key; `true` when there was one (a second run, or a stale
    /// index entry, finds nothing to delete and says so).
    pub(crate) async fn delete(&self, item: &Item) -> Result<bool, StoreError> {
        let key = |name: &str| {
            item.get(name)
                .cloned()
                .unwrap_or(AttributeValue::Null(true))
        };
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.settings.table)
            .key(item::PK, key(item::PK))
            .key(item::SK, key(item::SK))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|err| StoreError::request("DeleteItem", &err))?;
        Ok(deleted.attributes.is_some_and(|old| !old.is_empty()))
    }

    /// Marks a quarantine item replayed with `outcome`, once: `false` when it is gone or a
    /// concurrent replay got there first (the event that one stored is the same: same key, same
    /// exactly-once rules).
    pub(crate) async fn mark_replayed(
        &self,
        quarantined: &Item,
        outcome: &str,
    ) -> Result<bool, StoreError> {
        let Some(key) = item::key_of(quarantined) else {
            return Ok(false);
        };
        let update = item::replayed_update(key, outcome, &webhook_payload::utc_now());
        let result = self.update_item(update).send().await;
        let reply = self
            .usage
            .reply("UpdateItem", &result, UpdateItemOutput::consumed_capacity)?;
        Ok(matches!(reply, Reply::Written))
    }
}
