//! Acks against a real DynamoDB Local: every ack is an item of its own under its message, in
//! every order the status derived from them only moves forward; a failure is recorded without
//! moving the status; an unknown status is kept and leaves it alone.

use integration_tests::table::{acks_of, events_of, message_status, status_of};
use integration_tests::{ack_event, fresh_table, local_client, receiver, send, text_attr as s};
use lambda_http::http::StatusCode;
use serde_json::json;
use webhook_payload::Route;
use webhook_table::testing as item;

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
        // Every ack is kept, as an item of its own with its raw body.
        let stored = acks_of(&client, &table, &pk).await;
        let mut keys: Vec<String> = stored.iter().map(|i| s(i, item::SK)).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["EVENT#ack#delivered", "EVENT#ack#read", "EVENT#ack#sent"],
            "every ack is kept: {order:?}"
        );
        for ack in &stored {
            assert_eq!(s(ack, item::KIND), "ack");
            assert!(item::raw_body_of(ack).is_some(), "{order:?}");
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
    // An unknown status is an event, kept, and gives the message no status.
    for status in ["played", "deleted"] {
        let (code, body) = send(&acks, &ack_event("ack.json", "wamid.f", status, 1754820000)).await;
        assert_eq!(
            (code, body),
            (StatusCode::OK, json!({ "status": "stored" })),
            "{status}"
        );
    }
    assert_eq!(status_of(&client, &table, pk).await, None);
    let status = message_status(&client, &table, pk).await;
    assert_eq!(status.failed, None);
    let mut other = status.other.clone();
    other.sort();
    assert_eq!(other, ["deleted", "played"]);

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
    let status = message_status(&client, &table, pk).await;
    assert_eq!(
        status.current.as_ref().map(|(s, _)| s.as_str()),
        Some("delivered"),
        "failed never moves the status"
    );
    assert_eq!(
        status.failed.as_ref().map(|f| f.at.as_str()),
        Some("2025-08-10T10:00:01.000Z")
    );
    let mut other = status.other.clone();
    other.sort();
    assert_eq!(other, ["deleted", "played"], "unknown statuses are kept");
    let keys: Vec<String> = events_of(&client, &table, pk)
        .await
        .iter()
        .map(|i| s(i, item::SK))
        .collect();
    // Known and unknown statuses alike are items of their own, one per status.
    assert_eq!(
        keys,
        [
            "EVENT#ack#deleted",
            "EVENT#ack#delivered",
            "EVENT#ack#failed",
            "EVENT#ack#played",
            "EVENT#ack#sent"
        ]
    );
}
