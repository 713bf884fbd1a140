//! The console's reads: a person's timeline, a message's partition, a day's quarantine inbox and
//! one item. GetItem, Query and BatchGetItem only, never Scan; every list one bounded page at a
//! time, with an opaque cursor to the next; each answer says how many read units it cost, as
//! DynamoDB reported them.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;

use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, KeysAndAttributes, ReturnConsumedCapacity,
};
use webhook_payload::MessageRef;

use super::{DynamoDbStore, StoreError};
use crate::item::{self, Item, ItemKey};
use crate::row::{Row, RowKey};

/// Items of a partition the message view reads at most: a message has a handful (its events, its
/// acks, collisions); a partition that somehow holds more is cut here, and says so.
pub const MAX_MESSAGE_ITEMS: usize = 500;

/// BatchGetItem's limit of keys per request.
const MAX_BATCH_KEYS: usize = 100;

/// One page of a listing, as its items were read (the store's own; readers get a [`Page`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ItemPage {
    /// The items, in the listing's order.
    pub(crate) items: Vec<Item>,
    /// Where the next page starts (its last key, encoded), when there is one.
    pub(crate) next: Option<Cursor>,
    /// Read units DynamoDB reported for the page (table and index).
    pub(crate) read_units: f64,
}

impl ItemPage {
    /// The page as its readers see it: each item as the row it stands for.
    fn rows(self) -> Page {
        Page {
            rows: self.items.iter().filter_map(Row::of_item).collect(),
            next: self.next,
            read_units: self.read_units,
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The rows, in the listing's order.
    pub rows: Vec<Row>,
    /// Where the next page starts (its last key, encoded), when there is one.
    pub next: Option<Cursor>,
    /// Read units DynamoDB reported for the page (table and index).
    pub read_units: f64,
}

/// Which page of a listing to read: the first, or the one after a [`Cursor`]; at most `limit`
/// items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Where the page starts: `None` for the first page.
    pub after: Option<Cursor>,
    /// Items a page holds at most.
    pub limit: NonZeroU32,
}

/// Where a listing goes on: the last key DynamoDB read, as text that is safe in a URL (hex of
/// its JSON), so the console can put it in a link. Only string key attributes are carried; a
/// cursor that does not decode starts the listing over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor as URL-safe text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor read back from a URL.
    pub fn from_text(text: &str) -> Cursor {
        Cursor(text.to_owned())
    }

    fn encode(key: &Item) -> Cursor {
        let strings: BTreeMap<&str, &str> = key
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.as_s().ok()?.as_str())))
            .collect();
        let json = serde_json::to_string(&strings).unwrap_or_default();
        Cursor(json.bytes().map(|byte| format!("{byte:02x}")).collect())
    }

    fn decode(&self) -> Option<Item> {
        let text = &self.0;
        if !text.len().is_multiple_of(2) || !text.is_ascii() {
            return None;
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let strings: BTreeMap<String, String> = serde_json::from_slice(&bytes).ok()?;
        if strings.is_empty() {
            return None;
        }
        Some(
            strings
                .into_iter()
                .map(|(name, value)| (name, AttributeValue::S(value)))
                .collect(),
        )
    }
}

/// A partition of one of the table's indexes.
enum Index<'a> {
    /// `by_phone`: one person's clicks and messages.
    Phone(&'a str),
    /// `by_quarantine_day`: the keys of the quarantine items of one shard of a day.
    QuarantineShard(&'a str),
}

fn units(consumed: Option<&ConsumedCapacity>) -> f64 {
    consumed
        .and_then(ConsumedCapacity::capacity_units)
        .unwrap_or(0.0)
}

impl DynamoDbStore {
    /// The clicks and messages of the person at `phone` (written any way: its digits are its
    /// key, [`item::phone_key`]), newest first, one `page` at a time:
    /// a Query of `by_phone` (which holds keys and `kind`), then one BatchGetItem of the page's
    /// items, eventually consistent (half the units of a consistent read).
    /// A number of fewer than `item::MIN_PHONE_DIGITS` digits has no timeline: an empty page.
    pub async fn timeline(&self, phone: &str, page: &PageRequest) -> Result<Page, StoreError> {
        let Some(phone_key) = item::phone_key(phone) else {
            return Ok(Page::default());
        };
        Ok(self.timeline_items(&phone_key, page).await?.rows())
    }

    async fn timeline_items(
        &self,
        phone_key: &str,
        page: &PageRequest,
    ) -> Result<ItemPage, StoreError> {
        let found = self.index_page(Index::Phone(phone_key), page).await?;
        let read_units = units(found.consumed_capacity());
        let next = found.last_evaluated_key().map(Cursor::encode);
        let keys: Vec<ItemKey> = found.items().iter().filter_map(item::key_of).collect();
        self.page_of_keys(&keys, next, read_units).await
    }

    /// The items at `keys`, in that order, as a page that goes on at `next`; `read_units` are
    /// those of the index read that found the keys.
    async fn page_of_keys(
        &self,
        keys: &[ItemKey],
        next: Option<Cursor>,
        read_units: f64,
    ) -> Result<ItemPage, StoreError> {
        let (mut items, batch_units) = self.batch_get(keys).await?;
        // BatchGetItem answers in any order: put the items back in the index's order.
        let position: HashMap<&ItemKey, usize> =
            keys.iter().enumerate().map(|(at, key)| (key, at)).collect();
        items.sort_by_key(|found| {
            item::key_of(found)
                .and_then(|key| position.get(&key).copied())
                .unwrap_or(usize::MAX)
        });
        Ok(ItemPage {
            items,
            next,
            read_units: read_units + batch_units,
        })
    }

    /// Every row of `message` (its events, statuses and collisions), in sort-key order, read
    /// consistently, up to `MAX_MESSAGE_ITEMS` (500); `next` is set when it holds more.
    pub async fn message(&self, message: &MessageRef) -> Result<Page, StoreError> {
        Ok(self
            .partition(&item::message_partition(message))
            .await?
            .rows())
    }

    /// Every item of the partition `pk`, as [`DynamoDbStore::message`] reads it.
    pub(crate) async fn partition(&self, pk: &str) -> Result<ItemPage, StoreError> {
        let mut page = ItemPage::default();
        let mut start = None;
        loop {
            let found = self
                .client
                .query()
                .table_name(&self.settings.table)
                .key_condition_expression("#key = :value")
                .expression_attribute_names("#key", item::PK)
                .expression_attribute_values(":value", AttributeValue::S(pk.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|err| StoreError::request("Query", &err))?;
            page.read_units += units(found.consumed_capacity());
            start = found.last_evaluated_key;
            page.items.extend(found.items.unwrap_or_default());
            if page.items.len() >= MAX_MESSAGE_ITEMS {
                page.items.truncate(MAX_MESSAGE_ITEMS);
                page.next = start.as_ref().map(Cursor::encode);
                return Ok(page);
            }
            if start.is_none() {
                return Ok(page);
            }
        }
    }

    /// The quarantine items received on `day` (`YYYY-MM-DD`), one `page` at a time: the day's
    /// `by_quarantine_day` shards ([`item::quarantine_shards`]) are read one after the other,
    /// each newest first, and each page's items are then read by key (the index holds keys
    /// only). Within a page the items are newest first; across pages, shard by shard.
    pub async fn quarantined_on(&self, day: &str, page: &PageRequest) -> Result<Page, StoreError> {
        Ok(self.quarantined_items(day, page).await?.rows())
    }

    async fn quarantined_items(
        &self,
        day: &str,
        page: &PageRequest,
    ) -> Result<ItemPage, StoreError> {
        let shards = item::quarantine_shards(day);
        // A cursor names its shard: a key inside it, or (when a shard ended with the page) only
        // the shard to start next.
        let (mut shard, mut start) = match page.after.as_ref().and_then(Cursor::decode) {
            Some(key) => {
                let named = item::text(&key, item::QUARANTINE_SHARD)
                    .and_then(|named| shards.iter().position(|shard| shard == named));
                match named {
                    Some(at) if key.contains_key(item::PK) => (at, Some(key)),
                    Some(at) => (at, None),
                    None => (0, None),
                }
            }
            None => (0, None),
        };
        let limit = page.limit.get() as usize;
        let mut keys: Vec<ItemKey> = Vec::new();
        let mut read_units = 0.0;
        let next = loop {
            let room = u32::try_from(limit - keys.len()).unwrap_or(u32::MAX);
            let request = PageRequest {
                after: None,
                limit: NonZeroU32::new(room).unwrap_or(NonZeroU32::MIN),
            };
            let found = self
                .query_page(
                    Index::QuarantineShard(&shards[shard]),
                    &request,
                    start.take(),
                )
                .await?;
            read_units += units(found.consumed_capacity());
            keys.extend(found.items().iter().filter_map(item::key_of));
            match found.last_evaluated_key() {
                Some(last) if keys.len() >= limit => break Some(Cursor::encode(last)),
                Some(last) => start = Some(last.clone()),
                None => {
                    shard += 1;
                    let Some(following) = shards.get(shard) else {
                        break None;
                    };
                    if keys.len() >= limit {
                        let at = HashMap::from([(
                            item::QUARANTINE_SHARD.to_owned(),
                            AttributeValue::S(following.clone()),
                        )]);
                        break Some(Cursor::encode(&at));
                    }
                }
            }
        };
        let mut page = self.page_of_keys(&keys, next, read_units).await?;
        page.items.sort_by(|a, b| {
            item::text(b, item::RECEIVED_AT).cmp(&item::text(a, item::RECEIVED_AT))
        });
        Ok(page)
    }

    /// One page of `index`'s partition, newest (highest sort key) first.
    async fn index_page(
        &self,
        index: Index<'_>,
        page: &PageRequest,
    ) -> Result<QueryOutput, StoreError> {
        let start = page.after.as_ref().and_then(Cursor::decode);
        self.query_page(index, page, start).await
    }

    /// One page of `index`'s partition from `start`, newest (highest sort key) first.
    async fn query_page(
        &self,
        index: Index<'_>,
        page: &PageRequest,
        start: Option<Item>,
    ) -> Result<QueryOutput, StoreError> {
        let (index, key, value) = match index {
            Index::Phone(phone_key) => (item::BY_PHONE_INDEX, item::PHONE_KEY, phone_key),
            Index::QuarantineShard(shard) => {
                (item::BY_QUARANTINE_DAY_INDEX, item::QUARANTINE_SHARD, shard)
            }
        };
        self.client
            .query()
            .table_name(&self.settings.table)
            .index_name(index)
            .key_condition_expression("#key = :value")
            .expression_attribute_names("#key", key)
            .expression_attribute_values(":value", AttributeValue::S(value.to_owned()))
            .scan_index_forward(false)
            .limit(i32::try_from(page.limit.get()).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| StoreError::request("Query", &err))
    }

    /// The row at `key`, read consistently, if there is one.
    pub async fn row(&self, key: &RowKey) -> Result<Option<Row>, StoreError> {
        let (found, _) = self.item(&key.0).await?;
        Ok(found.as_ref().and_then(Row::of_item))
    }

    /// The item at `key`, read consistently, if there is one, and the read units it cost.
    pub(crate) async fn item(&self, key: &ItemKey) -> Result<(Option<Item>, f64), StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.settings.table)
            .key(item::PK, AttributeValue::S(key.pk.clone()))
            .key(item::SK, AttributeValue::S(key.sk.clone()))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| StoreError::request("GetItem", &err))?;
        Ok((found.item.clone(), units(found.consumed_capacity())))
    }

    /// The items at `keys` (those that exist), eventually consistent, in any order, and the read
    /// units they cost. Keys DynamoDB leaves unprocessed (throttling) are asked again.
    pub(super) async fn batch_get(&self, keys: &[ItemKey]) -> Result<(Vec<Item>, f64), StoreError> {
        let mut items = Vec::with_capacity(keys.len());
        let mut read_units = 0.0;
        for chunk in keys.chunks(MAX_BATCH_KEYS) {
            let wanted: Vec<Item> = chunk
                .iter()
                .map(|key| {
                    HashMap::from([
                        (item::PK.to_owned(), AttributeValue::S(key.pk.clone())),
                        (item::SK.to_owned(), AttributeValue::S(key.sk.clone())),
                    ])
                })
                .collect();
            let mut request = KeysAndAttributes::builder()
                .set_keys(Some(wanted))
                .build()
                .map_err(|_| StoreError::Request {
                    operation: "BatchGetItem",
                    cause: super::FaultCause::Validation,
                    code: "ConstructionFailure".to_owned(),
                })?;
            // Unprocessed keys come back when DynamoDB throttles; the client's retries already
            // back off between calls, so a few rounds are enough.
            for _ in 0..5 {
                let found = self
                    .client
                    .batch_get_item()
                    .request_items(&self.settings.table, request)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|err| StoreError::request("BatchGetItem", &err))?;
                read_units += found
                    .consumed_capacity()
                    .iter()
                    .filter_map(ConsumedCapacity::capacity_units)
                    .sum::<f64>();
                let mut found = found;
                if let Some(mut responses) = found.responses.take() {
                    items.extend(responses.remove(&self.settings.table).unwrap_or_default());
                }
                match found
                    .unprocessed_keys
                    .take()
                    .and_then(|mut left| left.remove(&self.settings.table))
                {
                    Some(left) if !left.keys().is_empty() => request = left,
                    _ => break,
                }
            }
        }
        Ok((items, read_units))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_gives_back_the_key_it_was_made_from() {
        let key: Item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("MSG#edna#1".into())),
            (
                "sk".to_owned(),
                AttributeValue::S("EVENT#click#a b&c".into()),
            ),
            (
                "occurred_at".to_owned(),
                AttributeValue::S("2025-08-10T12:32:56.000Z".into()),
            ),
        ]);
        let cursor = Cursor::encode(&key);
        assert!(cursor.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(Cursor::from_text(cursor.as_str()).decode(), Some(key));
    }

    #[test]
    fn a_cursor_that_does_not_decode_starts_over() {
        // "", "zz", "abc", "{", "[]", "{}", and {"pk": 1}.
        for text in ["", "zz", "abc", "7b", "5b5d", "7b7d", "7b22706b223a317d"] {
            assert_eq!(Cursor::from_text(text).decode(), None, "{text}");
        }
    }
}
