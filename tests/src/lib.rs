//! Shared helpers for the integration tests: the table from `template.yaml`, DynamoDB Local
//! clients, API Gateway fixtures, and a receiver wired like the deployed functions.

pub mod hostile;
pub mod pattern;
pub mod pipes;
pub mod stack;
pub mod stub;
pub mod table;
pub mod template;
pub mod wiring;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodb::Client;
use serde_json::Value;
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{Function, Route};
use webhook_receiver::Receiver;
use webhook_table::{ClientProfile, DynamoDbStore, StoreSettings};

pub use webhook_receiver::testing::{
    fixture_event, fixture_secret, memory_receiver, payload, request, send, test_config, with_body,
    BOTLINKD_TOKEN, EDNA_KEY,
};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// DynamoDB Local's endpoint, as `scripts/test` exports it.
pub fn local_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests with scripts/test, which starts DynamoDB Local")
}

/// A client for `endpoint` with the production timeouts and retries and dummy credentials.
pub fn client_for(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .endpoint_url(endpoint);
    Client::from_conf(ClientProfile::Function.configure(config).build())
}

/// How many attempts the functions' client settings (`ClientProfile::Function`) make per DynamoDB
/// call, read from the client they build.
pub fn max_attempts() -> usize {
    client_for("http://127.0.0.1:1")
        .config()
        .retry_config()
        .map_or(1, |retry| retry.max_attempts() as usize)
}

/// An `http://` endpoint on a port that was just closed: a DynamoDB that refuses connections.
pub fn closed_endpoint() -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let endpoint = format!("http://{}", closed.local_addr().expect("its address"));
    drop(closed);
    endpoint
}

/// A client for DynamoDB Local.
pub fn local_client() -> Client {
    client_for(&local_endpoint())
}

/// The event table's definition, read from `template.yaml` (the only definition there is).
pub fn create_table_request(
    client: &Client,
    table_name: &str,
) -> aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder {
    let template = template::load_template();
    // As deployed with the default parameters (every index).
    let stack = stack::Stack::new(&template, &[]);
    let properties = &template["Resources"]["EventTable"]["Properties"];
    let text = |value: &Yaml| {
        value
            .as_str()
            .expect("a string in the table definition")
            .to_owned()
    };
    let key_schema = |value: &Yaml| -> Vec<KeySchemaElement> {
        value
            .as_sequence()
            .expect("KeySchema")
            .iter()
            .map(|key| {
                KeySchemaElement::builder()
                    .attribute_name(text(&key["AttributeName"]))
                    .key_type(KeyType::from(text(&key["KeyType"]).as_str()))
                    .build()
                    .expect("key schema element")
            })
            .collect()
    };
    let mut request = client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::from(text(&properties["BillingMode"]).as_str()))
        .set_key_schema(Some(key_schema(&properties["KeySchema"])));
    // The stream the pipes read (tests/events_published.rs reads it from DynamoDB Local).
    if let Some(view) = properties["StreamSpecification"]["StreamViewType"].as_str() {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view))
                .build()
                .expect("stream specification"),
        );
    }
    for attribute in stack.items(&properties["AttributeDefinitions"]) {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&attribute["AttributeName"]))
                .attribute_type(ScalarAttributeType::from(
                    text(&attribute["AttributeType"]).as_str(),
                ))
                .build()
                .expect("attribute definition"),
        );
    }
    for index in stack.items(&properties["GlobalSecondaryIndexes"]) {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(&index["IndexName"]))
                .set_key_schema(Some(key_schema(&index["KeySchema"])))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(
                            text(&index["Projection"]["ProjectionType"]).as_str(),
                        ))
                        .set_non_key_attributes(
                            index["Projection"]["NonKeyAttributes"]
                                .as_sequence()
                                .map(|names| names.iter().map(text).collect()),
                        )
                        .build(),
                )
                .build()
                .expect("global secondary index"),
        );
    }
    request
}

/// Creates a table named `table_name` from the template, unless it exists.
pub async fn ensure_table(
    client: &Client,
    table_name: &str,
) -> Result<(), aws_sdk_dynamodb::Error> {
    match create_table_request(client, table_name).send().await {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}

/// A new, empty table for one test.
pub async fn fresh_table(client: &Client) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "events-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    ensure_table(client, &name)
        .await
        .expect("create table in DynamoDB Local");
    name
}

/// A receiver wired like the function that serves `route`, keeping items as long as the
/// deployed functions do (the configuration's retention).
pub fn receiver(client: &Client, table: &str, route: Route) -> Receiver<DynamoDbStore> {
    let config = test_config(route);
    Receiver::new(
        DynamoDbStore::with_client(
            client.clone(),
            StoreSettings::new(table, config.store.retention_days),
        ),
        config,
        Function::serving(route).routes(),
    )
}

/// The API Gateway fixture `fixture` carrying a BotLinkd ack of `message_id` with `status`.
pub fn ack_event(fixture: &str, message_id: &str, status: &str, timestamp: i64) -> Value {
    let body = serde_json::json!({
        "event": "ack",
        "instance_id": "10922",
        "data": { "message_id": message_id, "status": status, "timestamp": timestamp }
    });
    with_body(fixture_event(fixture), &body.to_string())
}

/// The API Gateway fixture whose path is `route` ([`Route::apigw_fixture`]).
pub fn fixture_of(route: Route) -> &'static str {
    route.apigw_fixture()
}

/// A table item.
pub type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// A string attribute of an item; panics (in a test) when it is absent.
pub fn text_attr(item: &Item, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .unwrap_or_else(|| panic!("no string attribute {name} in {item:?}"))
        .clone()
}

/// Every item of one partition, read consistently.
pub async fn partition(client: &Client, table: &str, pk: &str) -> Vec<Item> {
    client
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", webhook_table::testing::PK)
        .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("query DynamoDB Local")
        .items
        .unwrap_or_default()
}
