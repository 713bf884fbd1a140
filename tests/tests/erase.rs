//! Erasure against DynamoDB Local: one phone number with every kind of item (a click, a message,
//! that message's acks and status, a collision, a quarantined body) next to another phone with
//! the same kinds. A dry run counts and deletes nothing; `apply` deletes exactly the first
//! phone's items and leaves every item of the second.

use aws_sdk_dynamodb::Client;
use integration_tests::table::scan_all;
use integration_tests::{fixture_event, fresh_table, local_client, receiver, send, with_body};
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_receiver::item::{self, Item};
use webhook_receiver::{erase_phone, DynamoDbStore};

/// Every kind of item for `phone`, through the real handlers.
async fn person(client: &Client, table: &str, phone: &str, n: u64) {
    let click = json!({
        "payload": { "sender": "c", "templateId": 1, "channelType": "WHATSAPP",
                     "outMessageId": 1000 + n, "phone": phone, "url": "https://x.example",
                     "shortLink": format!("s{n}") },
        "type": "short_link_visited", "version": "v1", "timestamp": "2025-08-10T12:32:56Z"
    });
    let message = |text: &str| {
        json!({
            "event": "message", "instance_id": "10922",
            "data": { "from": phone, "to": "15550123456", "type": "text", "body": text,
                      "message_id": format!("wamid.person{n}"), "timestamp": 1678900000 }
        })
    };
    let ack = |status: &str| {
        json!({
            "event": "ack", "instance_id": "10922",
            "data": { "message_id": format!("wamid.person{n}"), "status": status,
                      "timestamp": 1678900001 }
        })
    };
    let requests: [(Route, &str, Value); 6] = [
        (Route::EdnaClicks, "click.json", click),
        (Route::BotlinkdMessages, "message.json", message("hello")),
        // Same message id, another text: a collision in the same partition.
        (
            Route::BotlinkdMessages,
            "message.json",
            message("hello again"),
        ),
        (Route::BotlinkdAcks, "ack.json", ack("delivered")),
        (Route::BotlinkdAcks, "ack.json", ack("played")),
        // Authenticated but unreadable: quarantined, with the number in its raw body.
        (
            Route::BotlinkdMessages,
            "message.json",
            json!({ "event": "message", "instance_id": "10922", "data": { "from": phone } }),
        ),
    ];
    for (route, fixture, body) in requests {
        let (status, _) = send(
            &receiver(client, table, route),
            &with_body(fixture_event(fixture), &body.to_string()),
        )
        .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn erasing_a_phone_deletes_its_items_and_nothing_of_another_phone() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let (erased, kept) = ("447700900111", "447700900222");
    person(&client, &table, erased, 1).await;
    person(&client, &table, kept, 2).await;
    let before = scan_all(&client, &table).await;
    let store = DynamoDbStore::new(client.clone(), &table);
    let today = vec![webhook_payload::utc_now()[..10].to_owned()];

    let counted = erase_phone(&store, &format!("+{erased}"), &today, false)
        .await
        .unwrap();
    let expected: Vec<(String, usize)> = [
        ("ack", 1),
        ("click", 1),
        ("collision", 1),
        ("message", 1),
        ("quarantine", 1),
        ("status", 1),
    ]
    .into_iter()
    .map(|(kind, n)| (kind.to_owned(), n))
    .collect();
    assert_eq!(counted.into_iter().collect::<Vec<_>>(), expected);
    assert_eq!(
        scan_all(&client, &table).await.len(),
        before.len(),
        "a dry run deletes nothing"
    );

    let deleted = erase_phone(&store, erased, &today, true).await.unwrap();
    assert_eq!(deleted.into_iter().collect::<Vec<_>>(), expected);
    let after = scan_all(&client, &table).await;
    // Person n's items: its click's and message's partitions, and its quarantined body.
    let of_person = |item: &Item, n: u64, phone: &str| {
        let pk = item::text(item, item::PK).unwrap_or_default();
        pk == format!("MSG#edna#{}", 1000 + n)
            || pk.ends_with(&format!("person{n}"))
            || item::raw_body_of(item).is_some_and(|b| String::from_utf8_lossy(&b).contains(phone))
    };
    let keys = |items: Vec<&Item>| {
        let mut keys: Vec<(String, String)> = items
            .into_iter()
            .map(|i| {
                let text = |name| item::text(i, name).unwrap_or_default().to_owned();
                (text(item::PK), text(item::SK))
            })
            .collect();
        keys.sort();
        keys
    };
    let kept_before = keys(before.iter().filter(|i| of_person(i, 2, kept)).collect());
    assert_eq!(kept_before.len(), 6);
    assert_eq!(
        keys(after.iter().collect()),
        kept_before,
        "exactly the other phone's items are left"
    );
    assert!(before
        .iter()
        .all(|i| of_person(i, 1, erased) != of_person(i, 2, kept)));

    let again = erase_phone(&store, erased, &today, true).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
}
