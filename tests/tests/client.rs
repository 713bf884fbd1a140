//! The functions' DynamoDB client: a DynamoDB that refuses connections or never answers is a 503
//! (the client's timeouts and the handler's store budget end the wait), never a 200; the warm-up reads one key, writes nothing and fails fast
//! when offline; the client reads its region, credentials and endpoint from the environment.

use std::time::Instant;

use aws_sdk_dynamodb::Client;
use integration_tests::table::item_count;
use integration_tests::{
    client_for, closed_endpoint, fixture_event, fresh_table, local_client, receiver, send,
};
use lambda_http::http::StatusCode;
use webhook_payload::Route;
use webhook_table::{DynamoDbStore, StoreError, StoreSettings};

/// A 503 for `fixture`: an end state, reached only because the waits are cut (how long it took
/// is printed; the budgets are asserted where they are set, in the receiver's unit tests).
async fn assert_503(client: &Client, fixture: &str, route: Route) {
    let handler = receiver(client, "events", route);
    let started = Instant::now();
    let (status, body) = send(&handler, &fixture_event(fixture)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    eprintln!("{fixture}: 503 after {:?}", started.elapsed());
}

#[tokio::test]
async fn unreachable_dynamodb_is_a_503() {
    let endpoint = closed_endpoint();
    let client = client_for(&endpoint);
    assert_503(&client, "click.json", Route::EdnaClicks).await;
    assert_503(&client, "ack.json", Route::BotlinkdAcks).await;
}

#[tokio::test]
async fn silent_dynamodb_is_a_503_not_an_endless_wait() {
    // Accepts connections and never answers: the worst case for a client without timeouts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = client_for(&endpoint);
    assert_503(&client, "click.json", Route::EdnaClicks).await;
    assert_503(&client, "message.json", Route::BotlinkdMessages).await;
    assert_503(&client, "ack.json", Route::BotlinkdAcks).await;
    holder.abort();
}

#[tokio::test]
async fn the_warm_up_reads_its_own_key_writes_nothing_and_fails_fast_when_offline() {
    let client = local_client();
    let table = fresh_table(&client).await;
    DynamoDbStore::with_client(client.clone(), StoreSettings::new(&table, 0))
        .warm_up()
        .await
        .expect("warm-up against DynamoDB Local");
    assert_eq!(item_count(&client, &table).await, 0);

    // Unreachable: an error within the client's budget, so a cold start is never held up long.
    let endpoint = closed_endpoint();
    let started = Instant::now();
    let err = DynamoDbStore::with_client(client_for(&endpoint), StoreSettings::new(&table, 0))
        .warm_up()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Request {
                operation: "GetItem",
                ..
            }
        ),
        "{err:?}"
    );
    eprintln!("offline warm-up failed after {:?}", started.elapsed());
}

#[tokio::test]
async fn the_functions_client_reads_region_credentials_and_endpoint_from_the_environment() {
    // scripts/test exports AWS_REGION, the credentials and AWS_ENDPOINT_URL_DYNAMODB, as Lambda
    // (region, credentials) and cargo lambda watch (all three) do for the functions.
    let table = fresh_table(&local_client()).await;
    DynamoDbStore::for_function(StoreSettings::new(&table, 0))
        .warm_up()
        .await
        .expect("a read through the functions' own client");
}
