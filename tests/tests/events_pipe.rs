//! Events for automation (README): the table's stream, the opt-in pipes to an EventBridge bus
//! and their role, checked in `template.yaml`; then the pipes' filters, target templates and
//! detail types, read from the template, run over the real stream records that DynamoDB Local
//! writes while the receivers store every kind of event, duplicates, a collision and a
//! quarantined body: exactly one event per newly stored event passes.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_dynamodb::types::AttributeValue as TableValue;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine as _;
use integration_tests::pattern::{at_path, matches_any, parameter, template_path};
use integration_tests::stack::{Stack, ACCOUNT, REGION};
use integration_tests::template::{intrinsic, is_ref, load_template, one_or_many, TABLE};
use integration_tests::wiring::alarms::PIPE_DEAD_LETTER_QUEUE;
use integration_tests::wiring::EVENTS_PIPE_ROLE;
use integration_tests::{
    fixture_event, fresh_table, local_client, local_endpoint, payload, receiver, send, with_body,
};
use lambda_http::http::StatusCode;
use serde_json::{json, Map, Value};
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{AckStatus, Route};
use webhook_receiver::item::{self, ack_attribute, AckField};
use webhook_receiver::{sdk_config, Service};

const PARAMETER: &str = "EventBusArn";
/// A bus in the account and region the stack is evaluated in.
const BUS: &str = "arn:aws:events:eu-west-1:123456789012:event-bus/automation";
const CONDITION: &str = "PublishEvents";
const ROLE: &str = EVENTS_PIPE_ROLE;
const STREAM_ACTIONS: [&str; 4] = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

/// The template's resources of one type, by logical id.
fn resources_of(template: &Yaml, kind: &str) -> BTreeMap<String, Yaml> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some(kind))
        .map(|(id, resource)| (id.as_str().unwrap().to_owned(), resource.clone()))
        .collect()
}

/// `!GetAtt EventTable.StreamArn`, in either form.
fn is_stream_arn(value: &Yaml) -> bool {
    match intrinsic(value) {
        Some((name, Yaml::String(arg))) if name == "Fn::GetAtt" => {
            arg == &format!("{TABLE}.StreamArn")
        }
        Some((name, Yaml::Sequence(parts))) if name == "Fn::GetAtt" => {
            parts.len() == 2
                && parts[0].as_str() == Some(TABLE)
                && parts[1].as_str() == Some("StreamArn")
        }
        _ => false,
    }
}

/// One pipe as the test runs it: its filters, the path of its one-variable input template, and
/// its detail type and time (a JSON path or a static value).
#[derive(Clone)]
struct Pipe {
    id: String,
    filters: Vec<Value>,
    detail_path: String,
    detail_type: String,
    time: String,
}

fn pipes(template: &Yaml) -> Vec<Pipe> {
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

#[test]
fn the_table_streams_old_and_new_images_of_every_write() {
    let template = load_template();
    let stream = &template["Resources"][TABLE]["Properties"]["StreamSpecification"];
    // Old images too: a new ack is an attribute that the new image has and the old one lacks.
    assert_eq!(
        stream["StreamViewType"].as_str(),
        Some("NEW_AND_OLD_IMAGES")
    );
}

#[test]
fn the_pipes_and_their_role_exist_only_when_an_event_bus_is_given() {
    let template = load_template();
    let parameter = &template["Parameters"][PARAMETER];
    assert_eq!(parameter["Default"].as_str(), Some(""), "off by default");
    let condition = &template["Conditions"][CONDITION];
    let (not, args) = intrinsic(condition).expect("!Not [...]");
    assert_eq!(not, "Fn::Not");
    let (equals, pair) = intrinsic(&args[0]).expect("!Equals [...]");
    assert_eq!(equals, "Fn::Equals");
    assert!(is_ref(&pair[0], PARAMETER) && pair[1].as_str() == Some(""));

    let pipes = resources_of(&template, "AWS::Pipes::Pipe");
    assert!(!pipes.is_empty());
    let role = ROLE.to_owned();
    for id in pipes.keys().chain([&role]) {
        assert_eq!(
            template["Resources"][id.as_str()]["Condition"].as_str(),
            Some(CONDITION),
            "{id}"
        );
    }
}

#[test]
fn each_pipe_reads_the_table_stream_and_puts_events_on_the_given_bus_only() {
    let template = load_template();
    let pipes = resources_of(&template, "AWS::Pipes::Pipe");
    for (id, pipe) in &pipes {
        let properties = &pipe["Properties"];
        assert!(is_stream_arn(&properties["Source"]), "{id}: source");
        let target = intrinsic(&properties["Target"]).expect("!If [EventBusHere, ...]");
        assert!(
            target.0 == "Fn::If" && is_ref(&target.1[1], PARAMETER),
            "{id}: target"
        );
        let role = intrinsic(&properties["RoleArn"]).expect("RoleArn");
        assert_eq!(
            (role.0.as_str(), role.1.as_str()),
            ("Fn::GetAtt", Some(&*format!("{ROLE}.Arn"))),
            "{id}: role"
        );
        let stream = &properties["SourceParameters"]["DynamoDBStreamParameters"];
        // From now on, not the table's last 24 hours; a record that keeps failing is dropped
        // after a bounded number of retries instead of holding its shard for a day.
        assert_eq!(stream["StartingPosition"].as_str(), Some("LATEST"), "{id}");
        assert!(
            stream["MaximumRetryAttempts"]
                .as_i64()
                .is_some_and(|n| (0..=100).contains(&n)),
            "{id}: bounded retries"
        );
        let bus = &properties["TargetParameters"]["EventBridgeEventBusParameters"];
        let source = intrinsic(&bus["Source"]).expect("!Sub source");
        assert_eq!(
            (source.0.as_str(), source.1.as_str()),
            ("Fn::Sub", Some("whatsapp-webhooks/${AWS::StackName}")),
            "{id}: one source for all pipes (README)"
        );
    }
}

/// `!GetAtt PipeDeadLetterQueue.Arn`, in either form.
fn is_dead_letter_queue_arn(value: &Yaml) -> bool {
    match intrinsic(value) {
        Some((name, Yaml::String(arg))) if name == "Fn::GetAtt" => {
            arg == &format!("{PIPE_DEAD_LETTER_QUEUE}.Arn")
        }
        Some((name, Yaml::Sequence(parts))) if name == "Fn::GetAtt" => {
            parts.len() == 2
                && parts[0].as_str() == Some(PIPE_DEAD_LETTER_QUEUE)
                && parts[1].as_str() == Some("Arn")
        }
        _ => false,
    }
}

#[test]
fn the_pipe_role_reads_exactly_the_table_stream_and_puts_events_on_exactly_the_bus() {
    let template = load_template();
    let role = &template["Resources"][ROLE]["Properties"];
    let trust = one_or_many(&role["AssumeRolePolicyDocument"]["Statement"]);
    assert_eq!(trust.len(), 1);
    assert_eq!(
        trust[0]["Principal"]["Service"].as_str(),
        Some("pipes.amazonaws.com")
    );
    let condition = &trust[0]["Condition"];
    assert!(
        is_ref(
            &condition["StringEquals"]["aws:SourceAccount"],
            "AWS::AccountId"
        ),
        "only pipes of this account assume it"
    );
    let stack = Stack::new(&template, &[(PARAMETER, BUS)]);
    assert_eq!(
        stack.eval(&condition["ArnLike"]["aws:SourceArn"]),
        Some(format!("arn:aws:pipes:{REGION}:{ACCOUNT}:pipe/*")),
        "only pipes of this account and region assume it"
    );
    assert_eq!(condition.as_mapping().map(|c| c.len()), Some(2));
    assert!(role["ManagedPolicyArns"].is_null(), "no managed policies");
    let policies = one_or_many(&role["Policies"]);
    assert_eq!(policies.len(), 1);
    let statements = one_or_many(&policies[0]["PolicyDocument"]["Statement"]);
    assert_eq!(statements.len(), 3);
    for statement in &statements {
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
        assert!(statement["Condition"].is_null() && statement["NotAction"].is_null());
        let mut actions: Vec<&str> = one_or_many(&statement["Action"])
            .iter()
            .map(|action| action.as_str().expect("an action is a string"))
            .collect();
        actions.sort_unstable();
        let resources = one_or_many(&statement["Resource"]);
        assert_eq!(resources.len(), 1, "one resource per statement");
        if actions == STREAM_ACTIONS {
            assert!(
                is_stream_arn(resources[0]),
                "stream actions: the stream only"
            );
        } else if actions == ["sqs:SendMessage"] {
            assert!(
                is_dead_letter_queue_arn(resources[0]),
                "SendMessage: the dead-letter queue only"
            );
        } else {
            assert_eq!(actions, ["events:PutEvents"]);
            assert!(is_ref(resources[0], PARAMETER), "PutEvents: the bus only");
        }
    }
}

#[test]
fn what_a_pipe_cannot_deliver_goes_to_one_encrypted_dead_letter_queue() {
    let template = load_template();
    let queue = &template["Resources"][PIPE_DEAD_LETTER_QUEUE];
    assert_eq!(queue["Type"].as_str(), Some("AWS::SQS::Queue"));
    assert_eq!(queue["Condition"].as_str(), Some(CONDITION));
    assert_eq!(
        queue["Properties"]["SqsManagedSseEnabled"].as_bool(),
        Some(true),
        "encrypted at rest"
    );
    for (id, pipe) in resources_of(&template, "AWS::Pipes::Pipe") {
        let stream = &pipe["Properties"]["SourceParameters"]["DynamoDBStreamParameters"];
        assert!(
            is_dead_letter_queue_arn(&stream["DeadLetterConfig"]["Arn"]),
            "{id}: DeadLetterConfig.Arn must be !GetAtt {PIPE_DEAD_LETTER_QUEUE}.Arn"
        );
    }
}

#[test]
fn the_pipes_target_the_bus_only_in_this_account_and_region() {
    let template = load_template();
    let target = |bus: &str| -> BTreeMap<String, String> {
        let stack = Stack::new(&template, &[(PARAMETER, bus)]);
        resources_of(&template, "AWS::Pipes::Pipe")
            .into_iter()
            .map(|(id, pipe)| (id, stack.eval(&pipe["Properties"]["Target"]).unwrap()))
            .collect()
    };
    for (id, arn) in target(BUS) {
        assert_eq!(arn, BUS, "{id}");
    }
    let elsewhere = [
        BUS.replace(REGION, "us-east-1"),
        BUS.replace(ACCOUNT, "210987654321"),
    ];
    for bus in elsewhere {
        for (id, arn) in target(&bus) {
            assert!(
                arn.starts_with(&format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/"))
                    && arn.ends_with("EventBusArn-is-not-in-this-account-and-Region"),
                "{id}: {bus} gives {arn}"
            );
        }
    }
}

#[test]
fn there_is_one_pipe_for_event_items_and_one_per_known_ack_status() {
    let template = load_template();
    let pipes = pipes(&template);
    assert_eq!(pipes.len(), 1 + AckStatus::ALL.len());
    let mut bodies: Vec<&str> = pipes.iter().map(|p| p.detail_path.as_str()).collect();
    bodies.sort_unstable();
    let mut expected: Vec<String> = AckStatus::ALL
        .iter()
        .map(|status| {
            format!(
                "$.dynamodb.NewImage.{}.S",
                ack_attribute(*status, AckField::Body)
            )
        })
        .chain([format!("$.dynamodb.NewImage.{}.S", item::RAW_BODY)])
        .collect();
    expected.sort_unstable();
    assert_eq!(bodies, expected);
}

/// A DynamoDB Streams attribute value as DynamoDB JSON, the form Pipes filters and templates see.
fn attribute_json(value: &AttributeValue) -> Value {
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

fn image_json(image: &std::collections::HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        image
            .iter()
            .map(|(name, value)| (name.clone(), attribute_json(value)))
            .collect::<Map<_, _>>(),
    )
}

/// A stream record as the event a DynamoDB stream pipe filters (the Lambda/Pipes record shape).
fn record_json(record: &Record) -> Value {
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

/// Every record of `table`'s stream so far, from DynamoDB Local's Streams API.
async fn stream_records(table: &str) -> Vec<Value> {
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
fn published(pipes: &[Pipe], record: &Value) -> Vec<(String, String, String, Value)> {
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

fn ack(message_id: &str, status: &str, timestamp: i64) -> String {
    json!({
        "event": "ack",
        "instance_id": "10922",
        "data": { "message_id": message_id, "status": status, "timestamp": timestamp }
    })
    .to_string()
}

#[tokio::test]
async fn the_pipes_publish_each_new_event_once_and_nothing_else() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let clicks = receiver(&client, &table, Route::EdnaClicks);
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    let acks = receiver(&client, &table, Route::BotlinkdAcks);

    let click = fixture_event("click.json");
    let message = fixture_event("message.json");
    let message_body: Value = serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
    let message_id = message_body["data"]["message_id"].as_str().unwrap();
    // `read` before `delivered`: the late ack is kept without moving the status (a second
    // UpdateItem, after the first failed its condition).
    let sent = ack(message_id, "sent", 1_678_900_010);
    let read = ack(message_id, "read", 1_678_900_030);
    let delivered = ack(message_id, "delivered", 1_678_900_020);
    // An unknown status: an item of its own.
    let played = ack(message_id, "played", 1_678_900_040);
    let mut other_body = message_body.clone();
    other_body["data"]["body"] = json!("Same message id, another text");
    let collision = with_body(message.clone(), &other_body.to_string());
    let quarantined = with_body(fixture_event("message.json"), "{\"event\":");

    let ack_event = |body: &str| with_body(fixture_event("ack.json"), body);
    let steps: Vec<(&_, Value, &str)> = vec![
        (&clicks, click.clone(), "stored"),
        (&messages, message.clone(), "stored"),
        (&acks, ack_event(&sent), "stored"),
        (&acks, ack_event(&read), "stored"),
        (&acks, ack_event(&delivered), "stored"),
        (&acks, ack_event(&played), "stored"),
        (&clicks, click.clone(), "duplicate"),
        (&messages, message.clone(), "duplicate"),
        (&acks, ack_event(&sent), "duplicate"),
        (&acks, ack_event(&read), "duplicate"),
        (&acks, ack_event(&delivered), "duplicate"),
        (&acks, ack_event(&played), "duplicate"),
        (&messages, collision, "stored"),
        (&messages, quarantined.clone(), "quarantined"),
        (&messages, quarantined, "quarantined"),
    ];
    for (receiver, event, outcome) in &steps {
        let (status, body) = send(*receiver, event).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "status": outcome }))
        );
    }
    // Deletions (as TTL and erase make them) are REMOVE records.
    let click_raw = click["body"].as_str().unwrap();
    let click_body: Value = serde_json::from_str(click_raw).unwrap();
    let click_item = webhook_payload::parse_event(Route::EdnaClicks, click_raw.as_bytes()).unwrap();
    client
        .delete_item()
        .table_name(&table)
        .key(item::PK, TableValue::S(click_item.key.pk.clone()))
        .key(item::SK, TableValue::S(click_item.key.sk.clone()))
        .send()
        .await
        .expect("delete the click");

    let records = stream_records(&table).await;
    let kinds_seen = |prefix: &str| {
        records
            .iter()
            .filter(|r| {
                at_path(r, "$.dynamodb.Keys.sk.S")
                    .and_then(Value::as_str)
                    .is_some_and(|sk| sk.starts_with(prefix))
            })
            .count()
    };
    // The stream did carry what must not be published.
    assert!(kinds_seen("COLLISION#") >= 1, "a collision record");
    assert!(kinds_seen("QUARANTINE") >= 1, "a quarantine record");
    assert!(records.iter().any(|r| r["eventName"] == "REMOVE"));

    let template = load_template();
    let pipes = pipes(&template);
    let events: Vec<(String, String, String, Value)> =
        records.iter().flat_map(|r| published(&pipes, r)).collect();
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|(pipe, detail_type, _, _)| (pipe.clone(), detail_type.clone()))
        .collect();
    let body = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let expected_details = [
        ("click", click_body.clone()),
        ("message", message_body.clone()),
        ("ack", body(&sent)),
        ("ack", body(&read)),
        ("ack", body(&delivered)),
        ("ack", body(&played)),
    ];
    assert_eq!(events.len(), expected_details.len(), "{summary:?}");
    for (detail_type, detail) in &expected_details {
        let found: Vec<_> = events
            .iter()
            .filter(|(_, t, _, d)| t == detail_type && d == detail)
            .collect();
        assert_eq!(found.len(), 1, "{detail_type} {detail}: {summary:?}");
    }
    // Each event's time is when it happened, as stored (occurred_at / <status>_at).
    for (pipe, _, time, _) in &events {
        assert!(
            time.ends_with('Z') && time.len() == "2023-03-15T17:06:40.000Z".len(),
            "{pipe}: {time}"
        );
    }
    let read_event = events
        .iter()
        .find(|(_, _, _, d)| d == &body(&read))
        .unwrap();
    assert_eq!(read_event.0, "ReadAckPipe");
    assert_eq!(read_event.2, "2023-03-15T17:07:10.000Z");

    // The old-image clause is what keeps a later ack from publishing the earlier ones again.
    let without_old_image: Vec<Pipe> = pipes
        .iter()
        .map(|pipe| {
            let mut pipe = pipe.clone();
            for filter in &mut pipe.filters {
                if let Some(dynamodb) = filter["dynamodb"].as_object_mut() {
                    dynamodb.remove("OldImage");
                }
            }
            pipe
        })
        .collect();
    let republished = records
        .iter()
        .flat_map(|r| published(&without_old_image, r))
        .count();
    assert!(republished > events.len(), "{republished}");

    // The README's rule for "every inbound text message" matches the message event, as
    // EventBridge would see it, and nothing else.
    let rule = json!({
        "source": [{ "prefix": "whatsapp-webhooks/" }],
        "detail-type": ["message"],
        "detail": { "data": { "type": ["text"] } }
    });
    let on_bus: Vec<Value> = events
        .iter()
        .map(|(_, detail_type, _, detail)| {
            json!({ "source": "whatsapp-webhooks/stack", "detail-type": detail_type, "detail": detail })
        })
        .collect();
    let texts: Vec<&Value> = on_bus
        .iter()
        .filter(|e| matches_any(std::slice::from_ref(&rule), e))
        .collect();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["detail"], message_body);
}

#[tokio::test]
async fn edna_events_are_published_as_objects_and_unmodelled_events_are_not() {
    let client = local_client();
    let table = fresh_table(&client).await;
    let edna = receiver(&client, &table, Route::EdnaEvents);
    let botlinkd = receiver(&client, &table, Route::BotlinkdEvents);
    let on_edna = |body: &str| with_body(fixture_event("click.json"), body);
    let status =
        |name: &str| payload("edna-status.json").replace("\"DELIVERED\"", &format!("\"{name}\""));
    let message = payload("edna-message.json");
    let template_status = payload("edna-template-status.json");
    let presence = payload("botlinkd-ack.json").replace("\"ack\"", "\"presence\"");
    let steps = [
        (&edna, on_edna(&payload("edna-click.json"))),
        (&edna, on_edna(&status("READ"))),
        (&edna, on_edna(&status("SENT"))),
        (&edna, on_edna(&status("DELIVERED"))),
        (&edna, on_edna(&message)),
        (&edna, on_edna(&template_status)),
        (
            &botlinkd,
            with_body(fixture_event("events-ack.json"), &presence),
        ),
    ];
    for (receiver, event) in &steps {
        let (code, answer) = send(*receiver, event).await;
        assert_eq!(
            (code, answer),
            (StatusCode::OK, json!({ "status": "stored" }))
        );
    }

    let records = stream_records(&table).await;
    let pipes = pipes(&load_template());
    let events: Vec<(String, String, String, Value)> =
        records.iter().flat_map(|r| published(&pipes, r)).collect();
    let summary: Vec<(&str, &str)> = events
        .iter()
        .map(|(pipe, detail_type, _, _)| (pipe.as_str(), detail_type.as_str()))
        .collect();
    let body = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let expected = [
        ("EventsPipe", "click", body(&payload("edna-click.json"))),
        ("ReadAckPipe", "ack", body(&status("READ"))),
        ("SentAckPipe", "ack", body(&status("SENT"))),
        ("DeliveredAckPipe", "ack", body(&status("DELIVERED"))),
        ("EventsPipe", "message", body(&message)),
    ];
    assert_eq!(events.len(), expected.len(), "{summary:?}");
    for (pipe, detail_type, detail) in &expected {
        let found = events
            .iter()
            .filter(|(p, t, _, d)| p == pipe && t == detail_type && d == detail)
            .count();
        assert_eq!(found, 1, "{pipe} {detail_type}: {summary:?}");
    }
    // EventBridge takes only a JSON object as a detail: an edna template-status array on the bus
    // would fail into the dead-letter queue every time.
    assert!(
        events.iter().all(|(_, _, _, detail)| detail.is_object()),
        "{summary:?}"
    );
    assert!(
        body(&template_status).is_array(),
        "the fixture is the array edna documents"
    );
    // Without the pipe's kind prefixes, both unmodelled events would have been published.
    let every_event_item: Vec<Pipe> = pipes
        .iter()
        .map(|pipe| {
            let mut pipe = pipe.clone();
            for filter in pipe.filters.iter_mut().filter(|_| pipe.id == "EventsPipe") {
                if let Some(sk) = filter.pointer_mut("/dynamodb/Keys/sk/S") {
                    *sk = json!([{ "prefix": "EVENT#" }]);
                }
            }
            pipe
        })
        .collect();
    let unfiltered = records
        .iter()
        .flat_map(|r| published(&every_event_item, r))
        .count();
    assert_eq!(unfiltered, expected.len() + 2);
}
