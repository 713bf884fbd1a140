//! Retention: every item written carries `expires_at` (epoch seconds), `RetentionDays` after its
//! write, and the table's TTL deletes it; 0 keeps items forever. An event stored by `replay`
//! expires as a live one written at that moment does. The template, the functions' default, the
//! tools' default, the local stack and these tests share one value (`DEFAULT_RETENTION_DAYS`).

use std::time::{SystemTime, UNIX_EPOCH};

use integration_tests::table::scan_all;
use integration_tests::template::load_template;
use integration_tests::{
    fixture_event, fresh_table, local_client, partition, receiver, send, with_body,
};
use webhook_payload::{parse_event, PayloadError, QuarantineRecord, Route};
use webhook_receiver::Receiver;
use webhook_table::testing::{self as item, Item};
use webhook_table::{
    replay_day, replay_one, DynamoDbStore, EventStore, StoreSettings, DEFAULT_RETENTION_DAYS,
};

#[test]
fn the_template_turns_ttl_on_for_expires_at_and_passes_its_retention_to_the_functions() {
    let template = load_template();
    let parameter = &template["Parameters"]["RetentionDays"];
    assert_eq!(
        parameter["Default"].as_u64(),
        Some(u64::from(DEFAULT_RETENTION_DAYS)),
        "the template's default is the functions' default"
    );
    assert_eq!(parameter["MinValue"].as_u64(), Some(0));
    let ttl = &template["Resources"]["EventTable"]["Properties"]["TimeToLiveSpecification"];
    assert_eq!(ttl["AttributeName"].as_str(), Some(item::EXPIRES_AT));
    assert_eq!(ttl["Enabled"].as_bool(), Some(true));
    let env = &template["Globals"]["Function"]["Environment"]["Variables"]["RETENTION_DAYS"];
    assert!(
        integration_tests::template::is_ref(env, "RetentionDays"),
        "RETENTION_DAYS: {env:?}"
    );
    // The local stack sets no other value: it runs with the same default.
    let local = &integration_tests::template::cargo_metadata()["packages"];
    assert!(!local.to_string().contains("RETENTION_DAYS"));
    let manifest =
        std::fs::read_to_string(integration_tests::repo_root().join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("RETENTION_DAYS"));
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn expires_at(item: &Item) -> Option<u64> {
    item.get(item::EXPIRES_AT)?.as_n().ok()?.parse().ok()
}

#[tokio::test]
async fn every_item_expires_after_the_retention_period_and_zero_keeps_it() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let before = now_s();
    for (route, fixture) in [
        (Route::EdnaClicks, "click.json"),
        (Route::BotlinkdMessages, "message.json"),
        (Route::BotlinkdAcks, "ack.json"),
    ] {
        send(&receiver(&client, &table, route), &fixture_event(fixture)).await;
    }
    let quarantined = with_body(fixture_event("ack.json"), "{not json");
    send(
        &receiver(&client, &table, Route::BotlinkdAcks),
        &quarantined,
    )
    .await;
    let after = now_s();
    let items = scan_all(&client, &table).await;
    assert_eq!(items.len(), 4, "click, message, ack, quarantine");
    let period = u64::from(DEFAULT_RETENTION_DAYS) * 86_400;
    for item in &items {
        let at = expires_at(item).unwrap_or_else(|| panic!("no expires_at: {item:?}"));
        assert!((before + period..=after + period).contains(&at), "{at}");
    }

    // 0: kept forever, no expires_at.
    let forever = Receiver::new(
        DynamoDbStore::with_client(client.clone(), StoreSettings::new(&table, 0)),
        integration_tests::test_config(Route::EdnaClicks),
        webhook_payload::Function::serving(Route::EdnaClicks).routes(),
    );
    let mut click: serde_json::Value =
        serde_json::from_str(fixture_event("click.json")["body"].as_str().unwrap()).unwrap();
    click["payload"]["outMessageId"] = serde_json::json!(42);
    send(
        &forever,
        &with_body(fixture_event("click.json"), &click.to_string()),
    )
    .await;
    let kept = partition(&client, &table, "MSG#edna#42").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(expires_at(&kept[0]), None);
}

/// Quarantines the click fixture's body through a store of `stack_retention_days` (the stack
/// that received it), replays it as the replay command does (its own store, the tool's default
/// retention), and answers the quarantine item's and the replayed event's `expires_at`.
/// `one`: through `replay_one`, as the console's Replay button does, instead of `replay_day`.
async fn quarantined_then_replayed(
    stack_retention_days: u32,
    one: bool,
) -> (Option<u64>, Option<u64>) {
    let client = local_client();
    let table = fresh_table(&client).await;
    let stack = DynamoDbStore::with_client(
        client.clone(),
        StoreSettings::new(&table, stack_retention_days),
    );
    let body = fixture_event("click.json")["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let older_rule = PayloadError::MalformedJson("what an older release could not read".into());
    let quarantined = QuarantineRecord::new(Route::EdnaClicks, body.as_bytes(), &older_rule);
    stack.put_quarantine(&quarantined).await.unwrap();
    let quarantine_item = scan_all(&client, &table).await;
    assert_eq!(quarantine_item.len(), 1);

    // As the replay command opens it: its own client profile, the tool's default retention.
    let settings = StoreSettings::new(&table, DEFAULT_RETENTION_DAYS);
    let tool = DynamoDbStore::for_operator(settings).await;
    if one {
        let key = item::quarantine_key(&quarantined);
        let replayed = replay_one(&tool, &item::row_key(key), true).await.unwrap();
        assert!(replayed.is_some());
    } else {
        let today = &webhook_payload::utc_now()[..10];
        let mut results = vec![];
        replay_day(&tool, today, true, |replayed| results.push(replayed))
            .await
            .unwrap();
        assert_eq!(results.len(), 1, "{results:?}");
    }
    let live = parse_event(Route::EdnaClicks, body.as_bytes()).unwrap();
    let replayed = partition(&client, &table, &item::record_key(&live).pk).await;
    assert_eq!(replayed.len(), 1, "the click, stored by replay");
    (expires_at(&quarantine_item[0]), expires_at(&replayed[0]))
}

#[tokio::test]
async fn a_replayed_event_keeps_the_quarantined_items_own_expiry() {
    // A 30-day stack: the event expires with its quarantined body, not 400 days after replay.
    // The replay command and the console's Replay alike.
    for one in [false, true] {
        let before = now_s();
        let (quarantined, replayed) = quarantined_then_replayed(30, one).await;
        let quarantined = quarantined.expect("a 30-day stack's quarantine item expires");
        assert!(quarantined >= before + 30 * 86_400 && quarantined < before + 31 * 86_400);
        assert_eq!(replayed, Some(quarantined), "replay_one: {one}");

        // A keep-forever stack: the replayed event has no expiry either.
        let (quarantined, replayed) = quarantined_then_replayed(0, one).await;
        assert_eq!((quarantined, replayed), (None, None), "replay_one: {one}");
    }
}
