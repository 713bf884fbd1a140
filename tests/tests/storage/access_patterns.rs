//! The access patterns of docs/table.md answer: everything from a phone, newest first, on the phone
//! index; everything about a message, and the current status its acks add up to, in one Query on
//! its partition.

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::table::status_of;
use integration_tests::{
    ack_event, fixture_event, fresh_table, local_client, partition, receiver, send, text_attr as s,
    with_body,
};
use serde_json::json;
use webhook_payload::Route;
use webhook_table::testing as item;

#[tokio::test]
async fn the_readme_access_patterns_work() {
    let client = local_client();
    let table = fresh_table(&client).await;
    // A customer writes in, then clicks a link: both are "everything from phone P".
    let message = json!({
        "event": "message", "instance_id": "10922",
        "data": { "from": "79991234567", "to": "15550123456", "type": "text", "body": "hi",
                  "message_id": "wamid.in1", "timestamp": 1754820000 }
    });
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    send(
        &messages,
        &with_body(fixture_event("message.json"), &message.to_string()),
    )
    .await;
    send(
        &receiver(&client, &table, Route::EdnaClicks),
        &fixture_event("click.json"),
    )
    .await;

    let newest_first = client
        .query()
        .table_name(&table)
        .index_name(item::BY_PHONE_INDEX)
        .key_condition_expression("#phone_key = :p")
        .expression_attribute_names("#phone_key", item::PHONE_KEY)
        .expression_attribute_values(":p", AttributeValue::S("PHONE#79991234567".into()))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    let kinds: Vec<String> = newest_first.iter().map(|i| s(i, item::KIND)).collect();
    assert_eq!(
        kinds,
        ["click", "message"],
        "click (12:32:56) is newer than the message (10:00:00)"
    );

    // All events of a message, and its current status.
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    for status in ["sent", "delivered"] {
        send(
            &acks,
            &ack_event("ack.json", "wamid.out1", status, 1754820001),
        )
        .await;
    }
    // Everything about message X is one Query on its partition: each ack is an item there.
    let message = partition(&client, &table, "MSG#botlinkd#10922#wamid.out1").await;
    let sks: Vec<String> = message.iter().map(|i| s(i, item::SK)).collect();
    assert_eq!(sks, ["EVENT#ack#delivered", "EVENT#ack#sent"]);
    assert!(message.iter().all(|i| item::raw_body_of(i).is_some()));
    assert_eq!(
        status_of(&client, &table, "MSG#botlinkd#10922#wamid.out1")
            .await
            .as_deref(),
        Some("delivered")
    );
}
