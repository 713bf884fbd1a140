//! Acks against a real DynamoDB Local: in every order a message's status only moves forward and
//! every ack is kept in its status item; a failure is recorded without moving the status; an
//! unknown status is an event of its own.

use integration_tests::table::{events_of, status_item, status_of};
use integration_tests::{ack_event, fresh_table, local_client, receiver, send, text_attr as s};
use lambda_http::http::StatusCode;
use serde_json::json;
use webhook_payload::{AckStatus, Route};
use webhook_receiver::item::{self, ack_attribute, AckField};

#[tokio::test]
async fn acks_in_every_order_end_at_read_and_never_move_back() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    let orders = [
        ["sent", "delivered", "read"],
        ["sent", "read", "delivered"],
        ["delivered", "sent", "read"],
        ["delivered", "read", "sent"],
        ["read", "sent", "delivered"],
        ["read", "delivered", "sent"],
    ];
    let rank = |status: &str| {
        ["sent", "delivered", "read"]
            .iter()
            .position(|s| *s == status)
    };
    for (n, order) in orders.iter().enumerate() {
        let message_id = format!("wamid.order{n}");
        let mut highest = None;
        for (i, status) in order.iter().enumerate() {
            let (code, _) = send(
                &acks,
                &ack_event("ack.json", &message_id, status, 1678900000 + i as i64),
            )
            .await;
            assert_eq!(code, StatusCode::OK);
            highest = highest.max(rank(status));
            let pk = format!("MSG#botlinkd#10922#{message_id}");
            let current = status_of(&client, &table, &pk).await;
            assert_eq!(
                current.as_deref().and_then(rank),
                highest,
                "{order:?} after {status}"
            );
        }
        let pk = format!("MSG#botlinkd#10922#{message_id}");
        assert_eq!(
            status_of(&client, &table, &pk).await.as_deref(),
            Some("read"),
            "{order:?}"
        );
        let acks = status_item(&client, &table, &pk).await.unwrap();
        for status in order {
            assert!(
                acks.contains_key(&format!("{status}_body")),
                "every ack is kept: {order:?}"
            );
        }
    }
}

#[tokio::test]
async fn read_without_delivered_is_fine() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    assert_eq!(
        send(&acks, &ack_event("ack.json", "wamid.r", "read", 1))
            .await
            .0,
        StatusCode::OK
    );
    let pk = "MSG#botlinkd#10922#wamid.r";
    assert_eq!(
        status_of(&client, &table, pk).await.as_deref(),
        Some("read")
    );
}

#[tokio::test]
async fn a_failed_ack_is_recorded_without_moving_the_status_and_unknown_statuses_leave_it_alone() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let acks = receiver(&client, &table, Route::BotlinkdAcks);
    let pk = "MSG#botlinkd#10922#wamid.f";
    // An unknown status is an event, and creates no status item.
    for status in ["played", "deleted"] {
        let (code, body) = send(&acks, &ack_event("ack.json", "wamid.f", status, 1754820000)).await;
        assert_eq!(
            (code, body),
            (StatusCode::OK, json!({ "status": "stored" })),
            "{status}"
        );
    }
    assert!(status_item(&client, &table, pk).await.is_none());

    for (status, at) in [
        ("delivered", 1754820002),
        ("failed", 1754820001),
        ("sent", 1754820000),
    ] {
        let (code, body) = send(&acks, &ack_event("ack.json", "wamid.f", status, at)).await;
        assert_eq!(
            (code, body),
            (StatusCode::OK, json!({ "status": "stored" })),
            "{status}"
        );
    }
    // A retried `failed` is a duplicate and keeps the first failure time.
    let (_, body) = send(
        &acks,
        &ack_event("ack.json", "wamid.f", "failed", 1754820001),
    )
    .await;
    assert_eq!(body, json!({ "status": "duplicate" }));
    let item = status_item(&client, &table, pk).await.unwrap();
    assert_eq!(
        s(&item, item::STATUS),
        "delivered",
        "failed never moves the status"
    );
    assert_eq!(
        s(&item, &ack_attribute(AckStatus::Failed, AckField::At)),
        "2025-08-10T10:00:01.000Z"
    );
    let kinds: Vec<String> = events_of(&client, &table, pk)
        .await
        .iter()
        .map(|i| s(i, item::SK))
        .collect();
    // Known statuses live in the status item; the others are items of their own.
    assert_eq!(kinds, ["EVENT#ack#deleted", "EVENT#ack#played"]);
    for status in ["sent", "delivered", "failed"] {
        assert!(item.contains_key(&format!("{status}_body")), "{status}");
    }
}
