//! The operator commands' reads and writes (`replay`, `erase`): listings read one page at a time,
//! so that no command holds a day (or a person) in memory, a delete that says whether there was
//! anything to delete, and the mark a replayed quarantine item gets.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::conditional::Answer;
use super::{DynamoDbStore, StoreError};
use crate::item::{self, Item};

/// Which items an operator command reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listing {
    /// The clicks and messages of one `phone_key`, through `by_phone` (keys and `kind` only).
    Phone(String),
    /// Every item of one partition, read consistently.
    Partition(String),
    /// The quarantine items received on one day (`YYYY-MM-DD`), through `by_quarantine_day`.
    QuarantinedOn(String),
    /// Every quarantine item in the table: a Scan of the sparse `by_quarantine_day` index, which
    /// holds quarantine items and nothing else.
    Quarantine,
    /// Every unmodelled provider event (partition `UNMODELLED#...`), received on or after the
    /// day given (`YYYY-MM-DD`), or all of them: no index lists them, so this is a Scan of the
    /// table that DynamoDB filters (it bills what it reads, not what it returns).
    Unmodelled(Option<String>),
}

impl Listing {
    /// The index, key attribute and value a Query of this listing names; `None` for the Scan.
    fn query(&self) -> Option<(Option<&'static str>, &'static str, &str)> {
        match self {
            Listing::Phone(key) => Some((Some(item::BY_PHONE_INDEX), item::PHONE_KEY, key)),
            Listing::Partition(pk) => Some((None, item::PK, pk)),
            Listing::QuarantinedOn(day) => Some((
                Some(item::BY_QUARANTINE_DAY_INDEX),
                item::QUARANTINED_ON,
                day,
            )),
            Listing::Quarantine | Listing::Unmodelled(_) => None,
        }
    }
}

/// A listing, read one page (of the store's `page_size`) per call.
pub(crate) struct Pages<'a> {
    store: &'a DynamoDbStore,
    listing: Listing,
    start: Option<HashMap<String, AttributeValue>>,
    done: bool,
}

impl Pages<'_> {
    /// The next page, or `None` when the listing is through.
    pub(crate) async fn next(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let store = self.store;
        let limit = store
            .settings
            .page_size
            .map(|size| i32::try_from(size.get()).unwrap_or(i32::MAX));
        let start = self.start.take();
        let (items, next) = match self.listing.query() {
            None if matches!(self.listing, Listing::Unmodelled(_)) => {
                let Listing::Unmodelled(since) = &self.listing else {
                    unreachable!("matched above")
                };
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
            None => {
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
            Some((index, key, value)) => {
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
                    .expression_attribute_names("#key", key)
                    .expression_attribute_values(":value", AttributeValue::S(value.to_owned()));
                let page = query
                    .send()
                    .await
                    .map_err(|err| StoreError::request("Query", &err))?;
                (page.items, page.last_evaluated_key)
            }
        };
        self.done = next.is_none();
        self.start = next;
        Ok(Some(items.unwrap_or_default()))
    }
}

impl DynamoDbStore {
    /// The items of `listing`, page by page.
    pub(crate) fn pages(&self, listing: Listing) -> Pages<'_> {
        Pages {
            store: self,
            listing,
            start: None,
            done: false,
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
        let answer =
            self.usage
                .answer("UpdateItem", &result, UpdateItemOutput::consumed_capacity)?;
        Ok(matches!(answer, Answer::Written))
    }
}
