//! No hot key, against a real DynamoDB Local: a day's quarantined bodies spread over the day's
//! `by_quarantine_day` keys and are still read whole, one page at a time, by the inbox and by
//! `replay`; an identifier that cannot be a phone number gets no `by_phone` key (the event is
//! stored, on no timeline), so unrelated people never share one.

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use integration_tests::table::{index_items, scan_all};
use integration_tests::{
    fixture_event, fresh_table, local_client, payload, receiver, send, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_table::testing as item;
use webhook_table::{replay_day, DynamoDbStore, PageRequest, ReplayResult, Row, StoreSettings};

const BODIES: usize = 40;

#[tokio::test]
async fn a_days_quarantine_spreads_over_its_keys_and_is_listed_whole_page_by_page() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let statuses = receiver(&client, &table, Route::EdnaStatuses);
    // edna changed its time format: every status of the campaign is quarantined.
    for n in 0..BODIES {
        let mut body: Value = serde_json::from_str(&payload("edna-status.json")).unwrap();
        body["messageId"] = json!(1_000 + n);
        body["statusAt"] = json!("30.01.2025 11:07:55");
        let event = with_body(fixture_event("edna-status.json"), &body.to_string());
        let (status, answer) = send(&statuses, &event).await;
        assert_eq!(
            (status, answer),
            (StatusCode::OK, json!({"status": "quarantined"}))
        );
    }
    let today = webhook_payload::utc_now()[..10].to_owned();
    let mut used = 0;
    let mut listed = 0;
    for shard in item::quarantine_shards(&today) {
        let entries = index_items(
            &client,
            &table,
            item::BY_QUARANTINE_DAY_INDEX,
            item::QUARANTINE_SHARD,
            &shard,
        )
        .await;
        used += usize::from(!entries.is_empty());
        listed += entries.len();
        for entry in &entries {
            assert!(
                !entry.contains_key(item::RAW_BODY),
                "the index holds no body"
            );
        }
    }
    assert_eq!(listed, BODIES);
    assert!(used >= 4, "{BODIES} bodies on {used} index keys");

    // The inbox's listing: pages of 7 across the day's keys, every body once, bodies included.
    let store = DynamoDbStore::with_client(client.clone(), StoreSettings::new(&table, 0));
    let mut seen = BTreeSet::new();
    let mut page = PageRequest {
        after: None,
        limit: NonZeroU32::new(7).unwrap(),
    };
    let mut pages = 0;
    loop {
        let found = store.quarantined_on(&today, &page).await.unwrap();
        assert!(found.rows.len() <= 7);
        for row in &found.rows {
            let Row::Quarantined(quarantined) = row else {
                panic!("not a quarantined body: {row:?}");
            };
            assert!(!quarantined.raw_body.is_empty());
            assert!(
                seen.insert(quarantined.key.partition().to_owned()),
                "listed twice"
            );
        }
        pages += 1;
        match found.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
        assert!(pages < 20, "the listing does not end");
    }
    assert_eq!(seen.len(), BODIES);

    // replay reads the same day, shard by shard: every body once (a dry run writes nothing).
    let mut replayed = Vec::new();
    replay_day(&store, &today, false, |one| replayed.push(one))
        .await
        .unwrap();
    assert_eq!(replayed.len(), BODIES);
    assert!(replayed
        .iter()
        .all(|one| matches!(one.result, ReplayResult::StillFails(..))));
}

#[tokio::test]
async fn an_identifier_that_cannot_be_a_number_is_stored_on_no_timeline() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let messages = receiver(&client, &table, Route::EdnaMessages);
    for (id, identifier) in [(501, "anonymous"), (502, "+7 12"), (503, "35700000000")] {
        let mut body: Value = serde_json::from_str(&payload("edna-message.json")).unwrap();
        body["id"] = json!(id);
        body["subscriber"]["identifier"] = json!(identifier);
        let event = with_body(fixture_event("edna-message.json"), &body.to_string());
        let (status, answer) = send(&messages, &event).await;
        assert_eq!(
            (status, answer),
            (StatusCode::OK, json!({"status": "stored"})),
            "{identifier}"
        );
    }
    let stored = scan_all(&client, &table).await;
    assert_eq!(stored.len(), 3);
    let phone_keys: Vec<String> = stored
        .iter()
        .filter_map(|found| item::text(found, item::PHONE_KEY).map(str::to_owned))
        .collect();
    assert_eq!(phone_keys, ["PHONE#35700000000"]);
    // No shared key for the identifiers without a number: `PHONE#` alone holds nothing.
    let shared = index_items(
        &client,
        &table,
        item::BY_PHONE_INDEX,
        item::PHONE_KEY,
        "PHONE#",
    )
    .await;
    assert!(shared.is_empty());
}
