//! The events pipes of `template.yaml` as the tests run them: each pipe's filters, input template,
//! detail type and time, applied to the stream records that DynamoDB Local writes.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use serde_yaml_ng::Value as Yaml;
use webhook_table::{sdk_config, Service};

use crate::pattern::{at_path, matches_any, parameter, template_path};
use crate::{local_client, local_endpoint};

/// The resources of `template` of type `kind`, by logical id.
pub fn resources_of(template: &Yaml, kind: &str) -> BTreeMap<String, Yaml> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some(kind))
        .map(|(id, resource)| (id.as_str().unwrap().to_owned(), resource.clone()))
        .collect()
}

/// One pipe as the test runs it: its filters, the path of its one-variable input template, and
/// its detail type and time (a JSON path or a static value).
#[derive(Clone)]
pub struct Pipe {
    /// The pipe's logical id.
    pub id: String,
    /// Its filter patterns.
    pub filters: Vec<Value>,
    /// The JSON path its input template reads.
    pub detail_path: String,
    /// Its detail type: a JSON path or a static value.
    pub detail_type: String,
    /// Its time: a JSON path or a static value.
    pub time: String,
}

/// The pipes of `template`, as [`published`] runs them.
pub fn pipes(template: &Yaml) -> Vec<Pipe> {
    resources_of(template, "AWS::Pipes::Pipe")
        .into_iter()
        .map(|(id, pipe)| {
            let properties = &pipe["Properties"];
            let filters = properties["SourceParameters"]["FilterCriteria"]["Filters"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{id}: every pipe filters"))
                .iter()
                .map(|filter| {
                    let text = filter["Pattern"].as_str().expect("a pattern is a string");
                    serde_json::from_str(text).unwrap_or_else(|e| panic!("{id}: {e}: {text}"))
                })
                .collect();
            let target = &properties["TargetParameters"];
            let bus = &target["EventBridgeEventBusParameters"];
            let text = |value: &Yaml, what: &str| {
                value
                    .as_str()
                    .unwrap_or_else(|| panic!("{id}: {what} is a plain string"))
                    .to_owned()
            };
            Pipe {
                detail_path: template_path(&text(&target["InputTemplate"], "InputTemplate"))
                    .to_owned(),
                detail_type: text(&bus["DetailType"], "DetailType"),
                time: text(&bus["Time"], "Time"),
                filters,
                id,
            }
        })
        .collect()
}

/// A DynamoDB Streams attribute value as DynamoDB JSON, the form Pipes filters and templates see.
pub fn attribute_json(value: &AttributeValue) -> Value {
    let base64 = |bytes: &[u8]| json!(base64::engine::general_purpose::STANDARD.encode(bytes));
    match value {
        AttributeValue::S(text) => json!({ "S": text }),
        AttributeValue::N(number) => json!({ "N": number }),
        AttributeValue::B(blob) => json!({ "B": base64(blob.as_ref()) }),
        AttributeValue::Bool(flag) => json!({ "BOOL": flag }),
        AttributeValue::Null(flag) => json!({ "NULL": flag }),
        AttributeValue::Ss(items) => json!({ "SS": items }),
        AttributeValue::Ns(items) => json!({ "NS": items }),
        AttributeValue::Bs(items) => json!({
            "BS": items.iter().map(|b| base64(b.as_ref())).collect::<Vec<_>>()
        }),
        AttributeValue::L(items) => {
            json!({ "L": items.iter().map(attribute_json).collect::<Vec<_>>() })
        }
        AttributeValue::M(map) => json!({ "M": image_json(map) }),
        other => panic!("unexpected attribute value {other:?}"),
    }
}

pub fn image_json(image: &std::collections::HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        image
            .iter()
            .map(|(name, value)| (name.clone(), attribute_json(value)))
            .collect::<Map<_, _>>(),
    )
}

/// A stream record as the event a DynamoDB stream pipe filters (the Lambda/Pipes record shape).
pub fn record_json(record: &Record) -> Value {
    let data = record.dynamodb().expect("stream record data");
    let mut dynamodb = Map::new();
    for (name, image) in [
        ("Keys", data.keys()),
        ("NewImage", data.new_image()),
        ("OldImage", data.old_image()),
    ] {
        if let Some(image) = image {
            dynamodb.insert(name.to_owned(), image_json(image));
        }
    }
    json!({
        "eventName": record.event_name().expect("event name").as_str(),
        "eventSource": "aws:dynamodb",
        "dynamodb": dynamodb,
    })
}

/// The records of `table`'s stream once `done` holds of them: DynamoDB Local writes a stream
/// record a moment after the write it records (later still on a busy machine), so the stream is
/// read again until it holds what the writes made, or for at most a minute; the caller's
/// assertions then say what is missing.
pub async fn stream_records_once(table: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut records = stream_records(table).await;
    for _ in 0..240 {
        if done(&records) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        records = stream_records(table).await;
    }
    records
}

/// Every record of `table`'s stream so far, from DynamoDB Local's Streams API.
pub async fn stream_records(table: &str) -> Vec<Value> {
    let stream_arn = local_client()
        .describe_table()
        .table_name(table)
        .send()
        .await
        .expect("describe table")
        .table()
        .and_then(|t| t.latest_stream_arn())
        .expect("the table has a stream (create_table_request applies the template's)")
        .to_owned();
    let endpoint = local_endpoint();
    let config = sdk_config(
        Service::DynamoDb,
        |name| match name {
            "AWS_REGION" => Some("us-east-1".to_owned()),
            "AWS_ENDPOINT_URL_DYNAMODB" => Some(endpoint.clone()),
            _ => None,
        },
        SharedCredentialsProvider::new(Credentials::new("local", "local", None, None, "tests")),
    );
    let streams = aws_sdk_dynamodbstreams::Client::new(&config);
    let description = streams
        .describe_stream()
        .stream_arn(&stream_arn)
        .send()
        .await
        .expect("describe stream")
        .stream_description
        .expect("stream description");
    let mut records = Vec::new();
    for shard in description.shards() {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&stream_arn)
            .shard_id(shard.shard_id().expect("shard id"))
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("shard iterator")
            .shard_iterator;
        while let Some(current) = iterator {
            let page = streams
                .get_records()
                .shard_iterator(current)
                .send()
                .await
                .expect("get records");
            if page.records().is_empty() {
                break;
            }
            records.extend(page.records().iter().map(record_json));
            iterator = page.next_shard_iterator;
        }
    }
    records
}

/// What EventBridge would get from the pipes for `record`: (pipe, detail-type, time, detail).
pub fn published(pipes: &[Pipe], record: &Value) -> Vec<(String, String, String, Value)> {
    pipes
        .iter()
        .filter(|pipe| matches_any(&pipe.filters, record))
        .map(|pipe| {
            let body = at_path(record, &pipe.detail_path)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{}: no {} in {record}", pipe.id, pipe.detail_path));
            let detail: Value = serde_json::from_str(body).expect("the detail is JSON");
            let detail_type = parameter(record, &pipe.detail_type).expect("detail type");
            let time = parameter(record, &pipe.time).expect("time");
            (pipe.id.clone(), detail_type, time, detail)
        })
        .collect()
}
