//! Reads of the event table that the integration tests assert on: a partition's events, a
//! message's status item, the phone timeline, and the whole table.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use webhook_payload::AckStatus;
use webhook_receiver::item::{self, ack_attribute, AckField, STATUS_SORT_KEY};

use crate::{partition, payload, text_attr, Item};

/// The event items (sort key `EVENT#...`) of one partition, read consistently.
pub async fn events_of(client: &Client, table: &str, pk: &str) -> Vec<Item> {
    partition(client, table, pk)
        .await
        .into_iter()
        .filter(|item| text_attr(item, item::SK).starts_with("EVENT#"))
        .collect()
}

/// A message's status item (the acks kept inline and the current status), read consistently.
pub async fn status_item(client: &Client, table: &str, pk: &str) -> Option<Item> {
    client
        .get_item()
        .table_name(table)
        .key(item::PK, AttributeValue::S(pk.into()))
        .key(item::SK, AttributeValue::S(STATUS_SORT_KEY.into()))
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
        .map(|item| text_attr(&item, item::STATUS))
}

/// Every item of one phone's timeline, through the `by_phone` index.
pub async fn by_phone(client: &Client, table: &str, phone_key: &str) -> Vec<Item> {
    index_items(
        client,
        table,
        item::BY_PHONE_INDEX,
        item::PHONE_KEY,
        phone_key,
    )
    .await
}

/// Every item whose `key` is `value` in the global secondary index `index` (first page).
pub async fn index_items(
    client: &Client,
    table: &str,
    index: &str,
    key: &str,
    value: &str,
) -> Vec<Item> {
    client
        .query()
        .table_name(table)
        .index_name(index)
        .key_condition_expression(format!("{key} = :v"))
        .expression_attribute_values(":v", AttributeValue::S(value.into()))
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

/// Asserts that the documented BotLinkd message and its `read` ack are stored: the message is the
/// partition's one event, and the ack's raw body and status are in the message's status item.
pub async fn assert_documented_message_and_read_ack(client: &Client, table: &str) {
    let pk = "MSG#botlinkd#10922#wamid.HBgLM...";
    let kinds: Vec<String> = events_of(client, table, pk)
        .await
        .iter()
        .map(|i| text_attr(i, item::KIND))
        .collect();
    assert_eq!(kinds, ["message"]);
    let acks = status_item(client, table, pk).await.unwrap();
    assert_eq!(
        text_attr(&acks, &ack_attribute(AckStatus::Read, AckField::Body)),
        payload("botlinkd-ack.json")
    );
    assert_eq!(status_of(client, table, pk).await.as_deref(), Some("read"));
}
