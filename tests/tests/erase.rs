//! Erasure against DynamoDB Local: one phone number with every kind of item (a click, a message,
//! that message's acks, a collision, a quarantined body, an unmodelled BotLinkd `call`) next to
//! another number whose
//! digits contain the first's, with the same kinds. A dry run counts and deletes nothing; `apply`
//! deletes exactly the first number's items, however the operator writes it, and leaves every
//! item of the second; a number of fewer than 8 digits is refused; a run that stops halfway is
//! finished by the next; a throttled delete is retried. Pages are one or two items, so every
//! listing takes several.

use aws_sdk_dynamodb::Client;
use integration_tests::stub::{client_for_stub, Action, Behaviour, Stub};
use integration_tests::table::scan_all;
use integration_tests::{fixture_event, fresh_table, local_client, receiver, send, with_body};
use serde_json::{json, Value};
use webhook_payload::Route;
use webhook_table::testing::{self as item, Item};
use webhook_table::{
    erase_phone, ClientProfile, DynamoDbStore, EraseError, ErasureCounts, QuarantineSearch,
    StoreSettings,
};

/// The number erased, as the providers send it.
const ERASED: &str = "447700900123";
/// Another person's number, whose digits hold all of [`ERASED`]'s.
const KEPT: &str = "4477009001234";
/// The `DeleteItem` operation, as the stub names it.
const DELETE_ITEM: &str = "DeleteItem";

fn settings(table: &str, page_size: u32) -> StoreSettings {
    StoreSettings {
        page_size: std::num::NonZeroU32::new(page_size),
        ..StoreSettings::new(table, 0)
    }
}

/// Every kind of item for `phone` (its messages sent from `phone@c.us`), through the real
/// handlers; person `n`'s ids end in `n`.
async fn person(client: &Client, table: &str, phone: &str, n: u64) {
    let click = json!({
        "payload": { "sender": "c", "templateId": 1, "channelType": "WHATSAPP",
                     "outMessageId": 1000 + n, "phone": format!("+{phone}"),
                     "url": "https://x.example", "shortLink": format!("s{n}") },
        "type": "short_link_visited", "version": "v1", "timestamp": "2025-08-10T12:32:56Z"
    });
    let ack = |status: &str| {
        json!({
            "event": "ack", "instance_id": "10922",
            "data": { "message_id": format!("wamid.person{n}"), "status": status,
                      "timestamp": 1678900001 }
        })
    };
    let requests: [(Route, Value); 7] = [
        (Route::EdnaClicks, click),
        (Route::BotlinkdMessages, message(phone, n, "hello")),
        // Same message id, another text: a collision in the same partition.
        (Route::BotlinkdMessages, message(phone, n, "hello again")),
        (Route::BotlinkdAcks, ack("delivered")),
        (Route::BotlinkdAcks, ack("played")),
        // Authenticated but unreadable: quarantined, with the number in its raw body.
        (
            Route::BotlinkdMessages,
            json!({ "event": "message", "instance_id": "10922", "data": { "from": phone } }),
        ),
        // A BotLinkd event this code does not model: stored as `unmodelled` under its own
        // UNMODELLED# partition, with no phone_key, the number only in its body.
        (
            Route::BotlinkdMessages,
            json!({ "event": "call", "instance_id": "10922",
                    "data": { "from": format!("{phone}@c.us"), "id": format!("call{n}"),
                              "status": "missed", "timestamp": 1678900002 } }),
        ),
    ];
    for (route, body) in requests {
        deliver(client, table, route, &body).await;
    }
}

/// Person `n`'s message, sent from `phone` with `text`.
fn message(phone: &str, n: u64, text: &str) -> Value {
    json!({
        "event": "message", "instance_id": "10922",
        "data": { "from": format!("{phone}@c.us"), "to": "15550123456", "type": "text",
                  "body": text, "message_id": format!("wamid.person{n}"),
                  "timestamp": 1678900000 }
    })
}

async fn deliver(client: &Client, table: &str, route: Route, body: &Value) {
    let fixture = fixture_event(route.apigw_fixture());
    let (status, _) = send(
        &receiver(client, table, route),
        &with_body(fixture, &body.to_string()),
    )
    .await;
    assert_eq!(status, 200);
}

/// The erased and the kept person, and the table as it was before any erasure.
async fn two_people(client: &Client) -> (String, Vec<Item>) {
    let table = fresh_table(client).await;
    person(client, &table, ERASED, 1).await;
    person(client, &table, KEPT, 2).await;
    (table.clone(), scan_all(client, &table).await)
}

/// What erasing [`ERASED`] finds: one item of each kind, and two acks (`delivered` and `played`,
/// each an item of its own).
fn one_of_each() -> Vec<(String, usize)> {
    [
        ("ack", 2),
        ("click", 1),
        ("collision", 1),
        ("message", 1),
        ("quarantine", 1),
        ("unmodelled", 1),
    ]
    .into_iter()
    .map(|(kind, count)| (kind.to_owned(), count))
    .collect()
}

fn erased_kinds(counts: &ErasureCounts) -> Vec<(String, usize)> {
    counts.erased.clone().into_iter().collect()
}

/// The sorted keys of `items`.
fn keys<'a>(items: impl IntoIterator<Item = &'a Item>) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = items
        .into_iter()
        .map(|i| {
            let text = |name| item::text(i, name).unwrap_or_default().to_owned();
            (text(item::PK), text(item::SK))
        })
        .collect();
    keys.sort();
    keys
}

/// Person 2's items (the kept number's): its click's and message's partitions, its quarantined
/// body and its unmodelled call.
fn of_kept_person(item: &Item) -> bool {
    let pk = item::text(item, item::PK).unwrap_or_default();
    let body = item::raw_body_of(item)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    pk == "MSG#edna#1002"
        || pk.ends_with("person2")
        || body.contains(&format!("\"{KEPT}\""))
        || body.contains("\"call2\"")
}

/// Asserts that exactly the kept person's items are left of `before`.
async fn assert_only_the_kept_person_is_left(client: &Client, table: &str, before: &[Item]) {
    let kept_before = keys(before.iter().filter(|i| of_kept_person(i)));
    assert_eq!(kept_before.len(), 7);
    assert_eq!(
        keys(&scan_all(client, table).await),
        kept_before,
        "exactly the other number's items are left"
    );
}

#[tokio::test]
async fn erasing_a_number_deletes_its_items_and_nothing_of_a_longer_number() {
    let client = local_client();
    let (table, before) = two_people(&client).await;
    // As the erase command opens it: its own client profile (credentials and endpoint from the
    // usual chain), here with pages of one item.
    let store = DynamoDbStore::for_operator(settings(&table, 1)).await;
    let today = vec![webhook_payload::utc_now()[..10].to_owned()];

    let mut pages = 0;
    let counted = erase_phone(
        &store,
        "+44 7700 900123",
        &QuarantineSearch::Days(today),
        false,
        |_| pages += 1,
    )
    .await
    .unwrap();
    assert_eq!(erased_kinds(&counted), one_of_each());
    assert!(pages > 3, "one progress report per page: {pages}");
    assert_eq!(
        scan_all(&client, &table).await,
        before,
        "a dry run deletes nothing"
    );

    let everything = QuarantineSearch::Everything;
    let deleted = erase_phone(&store, "447700900123@c.us", &everything, true, |_| {})
        .await
        .unwrap();
    assert_eq!(erased_kinds(&deleted), one_of_each());
    assert_only_the_kept_person_is_left(&client, &table, &before).await;

    let again = erase_phone(&store, ERASED, &everything, true, |_| {})
        .await
        .unwrap();
    assert_eq!(again.total(), 0, "{again:?}");
}

#[tokio::test]
async fn a_number_of_fewer_than_eight_digits_is_refused_and_nothing_is_deleted() {
    let client = local_client();
    let (table, before) = two_people(&client).await;
    let store = DynamoDbStore::with_client(client.clone(), settings(&table, 2));
    for short in ["1", "1234567", "+4 47-700"] {
        let refused = erase_phone(&store, short, &QuarantineSearch::Everything, true, |_| {
            panic!("nothing is read for a number that is refused")
        })
        .await;
        assert!(
            matches!(refused, Err(EraseError::TooShort(_))),
            "{short}: {refused:?}"
        );
    }
    assert_eq!(scan_all(&client, &table).await, before);
}

#[tokio::test]
async fn a_collision_that_names_another_number_is_left_alone() {
    let client = local_client();
    let (table, _) = two_people(&client).await;
    // A message under person 1's message id, sent from the other number.
    deliver(
        &client,
        &table,
        Route::BotlinkdMessages,
        &message(KEPT, 1, "mine?"),
    )
    .await;
    let store = DynamoDbStore::with_client(client.clone(), settings(&table, 2));
    let deleted = erase_phone(&store, ERASED, &QuarantineSearch::Everything, true, |_| {})
        .await
        .unwrap();
    assert_eq!(erased_kinds(&deleted), one_of_each());
    assert_eq!(deleted.kept, 1);
    let left = scan_all(&client, &table).await;
    let foreign = left
        .iter()
        .filter(|i| item::text(i, item::PK).is_some_and(|pk| pk.ends_with("person1")))
        .collect::<Vec<_>>();
    assert_eq!(foreign.len(), 1, "{foreign:?}");
    assert!(foreign[0].contains_key(item::COLLISION_OF));
}

#[tokio::test]
async fn an_erasure_that_stopped_halfway_is_finished_by_the_next_run() {
    let client = local_client();
    // Stopped after each number of deletes it makes: the rest fail beyond the client's retries.
    for done in 0..7 {
        let (table, before) = two_people(&client).await;
        let stub = Stub::start(
            Behaviour::always(Action::Forward)
                .first(DELETE_ITEM, vec![Action::Forward; done])
                .on(DELETE_ITEM, Action::Error(500, "InternalServerError")),
        )
        .await;
        let failing = client_for_stub(&stub.endpoint, &format!("erase-stops-{done}"));
        let failing = DynamoDbStore::with_client(failing, settings(&table, 2));
        let stopped = erase_phone(
            &failing,
            ERASED,
            &QuarantineSearch::Everything,
            true,
            |_| {},
        )
        .await;
        assert!(
            matches!(stopped, Err(EraseError::Store(_))),
            "{done}: {stopped:?}"
        );
        assert_eq!(
            scan_all(&client, &table).await.len(),
            before.len() - done,
            "{done} deleted before it stopped"
        );

        let store = DynamoDbStore::with_client(client.clone(), settings(&table, 2));
        let finished = erase_phone(&store, ERASED, &QuarantineSearch::Everything, true, |_| {})
            .await
            .unwrap();
        assert_eq!(finished.total(), 7 - done, "{done}: {finished:?}");
        assert_only_the_kept_person_is_left(&client, &table, &before).await;
    }
}

#[tokio::test]
async fn a_throttled_delete_is_retried_by_the_operator_client() {
    let client = local_client();
    let (table, before) = two_people(&client).await;
    // The last delete of the run (its unmodelled call) is throttled. Once throttled, the
    // adaptive client sends slower (here ~10 s before the retry: its rate was low), which the
    // run's earlier calls need not wait for.
    let mut deletes = vec![Action::Forward; 6];
    deletes.push(Action::Error(400, "ThrottlingException"));
    let stub = Stub::start(Behaviour::always(Action::Forward).first(DELETE_ITEM, deletes)).await;
    let config = client_for_stub(&stub.endpoint, "erase-throttled")
        .config()
        .to_builder();
    let operator = Client::from_conf(ClientProfile::Operator.configure(config).build());
    let store = DynamoDbStore::with_client(operator, settings(&table, 0));
    let deleted = erase_phone(&store, ERASED, &QuarantineSearch::Everything, true, |_| {})
        .await
        .unwrap();
    assert_eq!(erased_kinds(&deleted), one_of_each());
    assert_eq!(
        stub.count(DELETE_ITEM),
        7 + 1,
        "the throttled attempt was tried again"
    );
    assert_only_the_kept_person_is_left(&client, &table, &before).await;
}

/// edna's statuses and incoming messages: a person's reply, the status and the click of the
/// message sent to them (its partition), and a message of theirs that replies to nothing.
async fn edna_person(client: &Client, table: &str, phone: &str, n: u64) {
    let out = 2000 + n;
    let click = json!({
        "payload": { "sender": "c", "templateId": 1, "channelType": "WHATSAPP",
                     "outMessageId": out, "phone": phone,
                     "url": "https://x.example", "shortLink": format!("e{n}") },
        "type": "short_link_visited", "version": "v1", "timestamp": "2025-08-10T12:32:56Z"
    });
    let status = json!({ "messageId": out, "status": "READ", "statusAt": "2025-08-10T12:30:00Z" });
    let message = |id: u64, reply: Option<u64>| {
        json!({
            "id": id, "subscriber": { "id": n, "identifier": phone },
            "messageContent": { "type": "TEXT", "text": "thanks" },
            "receivedAt": "2025-08-10T12:40:00Z", "replyOutMessageId": reply
        })
    };
    for (route, body) in [
        (Route::EdnaClicks, click),
        (Route::EdnaStatuses, status),
        (Route::EdnaMessages, message(3000 + n, Some(out))),
        (Route::EdnaEvents, message(4000 + n, None)),
    ] {
        deliver(client, table, route, &body).await;
    }
}

#[tokio::test]
async fn erasing_a_number_deletes_its_edna_messages_and_the_status_and_click_of_messages_to_it() {
    let client = local_client();
    let table = fresh_table(&client).await;
    edna_person(&client, &table, ERASED, 1).await;
    edna_person(&client, &table, KEPT, 2).await;
    let kept_partitions = ["MSG#edna#2002", "MSG#edna#in#4002"];
    let before = scan_all(&client, &table).await;
    let kept: Vec<(String, String)> = keys(
        before
            .iter()
            .filter(|i| kept_partitions.contains(&item::text(i, item::PK).unwrap_or_default())),
    );
    // A click, a status (an ack item) and a reply in the message's partition, and a message of
    // its own.
    assert_eq!(kept.len(), 4, "{kept:?}");
    let store = DynamoDbStore::with_client(client.clone(), settings(&table, 2));
    erase_phone(&store, ERASED, &QuarantineSearch::Everything, true, |_| {})
        .await
        .unwrap();
    assert_eq!(keys(&scan_all(&client, &table).await), kept);
}

/// The DynamoDB actions of the erase policy that docs/deploy.md gives (its JSON block with the
/// `EraseReads` statement), without the `dynamodb:` prefix, sorted.
fn documented_erase_actions() -> Vec<String> {
    let guide = std::fs::read_to_string(integration_tests::repo_root().join("docs/deploy.md"))
        .expect("docs/deploy.md");
    let block = guide
        .split("```json")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("\"EraseReads\""))
        .expect("docs/deploy.md gives the erase policy as JSON");
    let policy: Value = serde_json::from_str(block).expect("the erase policy is JSON");
    let mut actions: Vec<String> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|statement| statement["Action"].as_array().cloned().unwrap_or_default())
        .map(|action| {
            let action = action.as_str().expect("an action").to_owned();
            action
                .strip_prefix("dynamodb:")
                .unwrap_or_else(|| panic!("{action} is no DynamoDB action"))
                .to_owned()
        })
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

#[tokio::test]
async fn the_documented_erase_policy_names_every_action_erase_calls_and_no_other() {
    let client = local_client();
    let mut called = Vec::new();
    // Without --since (the Scans) and with it (day Queries), dry run and applied.
    for (search, apply) in [
        (QuarantineSearch::Everything, false),
        (
            QuarantineSearch::Days(vec![webhook_payload::utc_now()[..10].to_owned()]),
            true,
        ),
        (QuarantineSearch::Everything, true),
    ] {
        let (table, _) = two_people(&client).await;
        let stub = Stub::start(Behaviour::always(Action::Forward)).await;
        let through = client_for_stub(&stub.endpoint, "erase-policy");
        let store = DynamoDbStore::with_client(through, settings(&table, 2));
        erase_phone(&store, ERASED, &search, apply, |_| {})
            .await
            .unwrap();
        called.extend(stub.operations());
    }
    called.sort();
    called.dedup();
    assert_eq!(
        called,
        documented_erase_actions(),
        "docs/deploy.md's erase policy lists exactly what erase calls"
    );
}
