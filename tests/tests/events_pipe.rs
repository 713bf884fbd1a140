//! docs/events.md: the table's stream, the opt-in pipe to an EventBridge bus and
//! its role, checked in `template.yaml`. What the pipe publishes from the stream records DynamoDB
//! Local writes is checked in `events_published.rs`.

use std::collections::BTreeMap;

use integration_tests::pattern::matches_any;
use integration_tests::pipes::{pipes, resources_of};
use integration_tests::stack::{Stack, ACCOUNT, REGION};
use integration_tests::template::{intrinsic, is_ref, load_template, one_or_many, TABLE};
use integration_tests::wiring::alarms::PIPE_DEAD_LETTER_QUEUE;
use integration_tests::wiring::EVENTS_PIPE_ROLE;
use serde_json::json;
use serde_yaml_ng::Value as Yaml;
use webhook_table::testing as item;

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

#[test]
fn the_table_streams_old_and_new_images_of_every_write() {
    let template = load_template();
    let stream = &template["Resources"][TABLE]["Properties"]["StreamSpecification"];
    // Old images too: a change or removal (a replayed quarantine item, TTL, erase) shows what it
    // changed to a reader of the stream.
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
            "{id}: one source for all pipes (docs/events.md)"
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

/// A stream record of `event_name` for an item with sort key `sk`.
fn record(event_name: &str, sk: &str) -> serde_json::Value {
    let image = json!({
        "pk": { "S": "MSG#botlinkd#10922#wamid.x" },
        "sk": { "S": sk },
        "kind": { "S": "ack" },
        "raw_body": { "S": "{}" },
        "occurred_at": { "S": "2025-08-10T10:00:00.000Z" },
    });
    let keys = json!({ "pk": image["pk"], "sk": image["sk"] });
    let mut record = json!({
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": { "Keys": keys },
    });
    if event_name != "REMOVE" {
        record["dynamodb"]["NewImage"] = image.clone();
    }
    if event_name != "INSERT" {
        record["dynamodb"]["OldImage"] = image;
    }
    record
}

#[test]
fn there_is_one_pipe_and_it_publishes_the_raw_body_of_each_new_event_item() {
    let template = load_template();
    let pipes = pipes(&template);
    assert_eq!(pipes.len(), 1, "one pipe for every event item");
    let pipe = &pipes[0];
    assert_eq!(
        pipe.detail_path,
        format!("$.dynamodb.NewImage.{}.S", item::RAW_BODY),
        "the detail is the raw body"
    );
    assert_eq!(
        pipe.detail_type,
        format!("$.dynamodb.NewImage.{}.S", item::KIND)
    );
    assert_eq!(
        pipe.time,
        format!("$.dynamodb.NewImage.{}.S", item::OCCURRED_AT)
    );
    let passes = |event_name: &str, sk: &str| matches_any(&pipe.filters, &record(event_name, sk));
    for sk in [
        "EVENT#click#8681748",
        "EVENT#message",
        "EVENT#ack#read",
        "EVENT#ack#sent",
        "EVENT#ack#delivered",
        "EVENT#ack#failed",
        "EVENT#ack#played",
    ] {
        assert!(passes("INSERT", sk), "an INSERT of {sk} is published");
        for other in ["MODIFY", "REMOVE"] {
            assert!(!passes(other, sk), "a {other} of {sk} is not published");
        }
    }
    for sk in [
        "EVENT#unmodelled",
        "COLLISION#EVENT#ack#read#0123456789ab",
        "COLLISION#EVENT#message#0123456789ab",
        "QUARANTINE",
        "STATUS",
        "EVENT#acknowledged",
    ] {
        assert!(!passes("INSERT", sk), "an INSERT of {sk} is not published");
    }
}

/// How many readers `template` attaches to the table's stream: its pipes and event source
/// mappings (a Lambda function reading the stream).
fn stream_readers(template: &Yaml) -> Vec<String> {
    ["AWS::Pipes::Pipe", "AWS::Lambda::EventSourceMapping"]
        .into_iter()
        .flat_map(|kind| resources_of(template, kind).into_keys())
        .collect()
}

/// DynamoDB Streams serves a shard to at most two readers at once; a third is throttled and every
/// reader falls behind. The console (`scripts/console`, outside the stack) is one, so the stack
/// may declare one more.
fn too_many_stream_readers(template: &Yaml) -> Option<String> {
    let readers = stream_readers(template);
    (readers.len() > 1).then(|| {
        format!(
            "the stream has at most two readers and the console is one: the template declares {readers:?}"
        )
    })
}

#[test]
fn the_stream_has_at_most_two_readers_and_the_template_declares_one() {
    let template = load_template();
    assert_eq!(stream_readers(&template), ["EventsPipe"]);
    assert_eq!(too_many_stream_readers(&template), None);

    // A second pipe, or a function reading the stream, is caught.
    let mut two_pipes = template.clone();
    let pipe = two_pipes["Resources"]["EventsPipe"].clone();
    two_pipes["Resources"]
        .as_mapping_mut()
        .expect("Resources")
        .insert("SecondPipe".into(), pipe);
    let problem = too_many_stream_readers(&two_pipes).expect("a second pipe is caught");
    assert!(problem.contains("SecondPipe"), "{problem}");

    let mut mapping = template.clone();
    let reader: Yaml = serde_yaml_ng::from_str(
        "Type: AWS::Lambda::EventSourceMapping\nProperties:\n  EventSourceArn: !GetAtt EventTable.StreamArn\n  FunctionName: !Ref ClickFunction\n  StartingPosition: LATEST\n",
    )
    .expect("an event source mapping");
    mapping["Resources"]
        .as_mapping_mut()
        .expect("Resources")
        .insert("StreamReader".into(), reader);
    let problem = too_many_stream_readers(&mapping).expect("a stream-reading function is caught");
    assert!(problem.contains("StreamReader"), "{problem}");
}
