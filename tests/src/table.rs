//! Reads of the event table that the integration tests assert on: a partition's events, a
//! message's acks and the status they add up to, the phone timeline, and the whole table.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use webhook_payload::{parse_event, EventRecord, MessageStatus, Route};
use webhook_table::testing as item;

use crate::{partition, payload, text_attr, Item};

/// The event items (sort key `EVENT#...`) of one partition, read consistently.
pub async fn events_of(client: &Client, table: &str, pk: &str) -> Vec<Item> {
    partition(client, table, pk)
        .await
        .into_iter()
        .filter(|item| text_attr(item, item::SK).starts_with("EVENT#"))
        .collect()
}

/// A message's ack items (sort key `EVENT#ack#<status>`), read consistently.
pub async fn acks_of(client: &Client, table: &str, pk: &str) -> Vec<Item> {
    events_of(client, table, pk)
        .await
        .into_iter()
        .filter(|item| text_attr(item, item::SK).starts_with("EVENT#ack#"))
        .collect()
}

/// The event a stored item's raw body parses to, on whichever route takes it.
pub fn record_of(stored: &Item) -> Option<EventRecord> {
    let body = item::raw_body_of(stored)?;
    Route::ALL
        .into_iter()
        .find_map(|route| parse_event(route, &body).ok())
}

/// What a message's stored acks add up to, as the funnel and the console derive it.
pub async fn message_status(client: &Client, table: &str, pk: &str) -> MessageStatus {
    let records: Vec<EventRecord> = acks_of(client, table, pk)
        .await
        .iter()
        .filter_map(record_of)
        .collect();
    MessageStatus::of(&records)
}

/// A message's current status (`sent`, `delivered`, `read`), derived from its acks.
pub async fn status_of(client: &Client, table: &str, pk: &str) -> Option<String> {
    message_status(client, table, pk)
        .await
        .current
        .map(|(status, _)| status.as_str().to_owned())
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

/// Asserts that the documented BotLinkd message and its `read` ack are stored: the message and
/// the ack are the partition's two events, the ack an item of its own with its raw body, and the
/// message's status derived from it is `read`.
pub async fn assert_documented_message_and_read_ack(client: &Client, table: &str) {
    let pk = "MSG#botlinkd#10922#wamid.HBgLM...";
    let kinds: Vec<(String, String)> = events_of(client, table, pk)
        .await
        .iter()
        .map(|i| (text_attr(i, item::SK), text_attr(i, item::KIND)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("EVENT#ack#read".to_owned(), "ack".to_owned()),
            ("EVENT#message".to_owned(), "message".to_owned())
        ]
    );
    let acks = acks_of(client, table, pk).await;
    assert_eq!(
        text_attr(&acks[0], item::RAW_BODY),
        payload("botlinkd-ack.json")
    );
    assert_eq!(status_of(client, table, pk).await.as_deref(), Some("read"));
}
