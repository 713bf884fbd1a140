//! Reads of the event table that the integration tests assert on: a partition's events, a
//! message's status item, the phone timeline, and the whole table.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use webhook_payload::STATUS_SORT_KEY;

use crate::{partition, text_attr, Item};

/// The event items (sort key `EVENT#...`) of one partition, read consistently.
pub async fn events_of(client: &Client, table: &str, pk: &str) -> Vec<Item> {
    partition(client, table, pk)
        .await
        .into_iter()
        .filter(|item| text_attr(item, "sk").starts_with("EVENT#"))
        .collect()
}

/// A message's status item (the acks kept inline and the current status), read consistently.
pub async fn status_item(client: &Client, table: &str, pk: &str) -> Option<Item> {
    client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(STATUS_SORT_KEY.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// A message's current status, if it has a status item.
pub async fn status_of(client: &Client, table: &str, pk: &str) -> Option<String> {
    status_item(client, table, pk)
        .await
        .map(|item| text_attr(&item, "status"))
}

/// Every item of one phone's timeline, through the `by_phone` index.
pub async fn by_phone(client: &Client, table: &str, phone_key: &str) -> Vec<Item> {
    client
        .query()
        .table_name(table)
        .index_name("by_phone")
        .key_condition_expression("phone_key = :p")
        .expression_attribute_values(":p", AttributeValue::S(phone_key.into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

/// How many items the table holds, read consistently.
pub async fn item_count(client: &Client, table: &str) -> i32 {
    client
        .scan()
        .table_name(table)
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .count
}

/// Every item of the table, read consistently page by page, and how many pages it took.
pub async fn scan_pages(client: &Client, table: &str) -> (Vec<Item>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .limit(1_000)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        pages += 1;
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return (items, pages);
        }
    }
}

/// Every item of the table, read consistently.
pub async fn scan_all(client: &Client, table: &str) -> Vec<Item> {
    scan_pages(client, table).await.0
}
