//! Checks the wiring in `template.yaml`: each function's build, runtime, routes, environment and
//! least-privilege policy, the table's durability settings, the secrets and the outputs, and that
//! the routes agree with `webhook_payload::Route::ALL` and with the `cargo lambda watch` router in
//! Cargo.toml. A route or permission removed by mistake fails here, not in a deployment; the
//! `mutation_*` tests prove that by breaking a copy of the template.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::stack::Stack;
use integration_tests::template::{
    access_log_settings, access_log_settings_mut, cargo_metadata, describe, function_mut,
    load_template, one_or_many, resources_of_type, statement_mut, sub_string, template_functions,
    watch_router, ACCESS_LOGS_CONDITION, TABLE,
};
use integration_tests::wiring::{template_routes, wiring_problems};
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{Function, Route};
use webhook_receiver::item;

/// The function table (`webhook_payload::Function`) is what Cargo.toml's router and
/// template.yaml's functions say: each route path goes to the binary the table gives it.
#[test]
fn the_router_and_the_template_agree_with_the_function_table() {
    let table: BTreeMap<String, String> = Function::ALL
        .iter()
        .flat_map(|function| {
            function
                .routes()
                .iter()
                .map(|route| (route.path().to_owned(), function.binary().to_owned()))
        })
        .collect();
    assert_eq!(
        watch_router(&cargo_metadata()),
        table,
        "[workspace.metadata.lambda.watch.router] in Cargo.toml"
    );
    let mut problems = Vec::new();
    assert_eq!(
        template_routes(&load_template(), &mut problems),
        table,
        "template.yaml: each function's Events paths, by Metadata.BuildProperties.Binary"
    );
    assert!(problems.is_empty(), "{problems:#?}");
    let template = load_template();
    let binaries: BTreeSet<&str> = template_functions(&template)
        .into_iter()
        .map(|(_, binary, _)| binary)
        .collect();
    let table_binaries: BTreeSet<&str> = Function::ALL.iter().map(|f| f.binary()).collect();
    assert_eq!(
        binaries, table_binaries,
        "template.yaml's function binaries"
    );
}

fn assert_no_problems(template: &Yaml) {
    let problems = wiring_problems(template, &cargo_metadata());
    assert!(
        problems.is_empty(),
        "template.yaml wiring problems:\n  - {}",
        problems.join("\n  - ")
    );
}

#[test]
fn template_wiring_is_complete() {
    assert_no_problems(&load_template());
}

/// Breaks a copy of the template with `mutate` and asserts that a problem mentioning `expected` is
/// reported.
fn assert_caught(mutate: impl FnOnce(&mut Yaml), expected: &str) {
    let mut template = load_template();
    mutate(&mut template);
    let problems = wiring_problems(&template, &cargo_metadata());
    assert!(
        problems.iter().any(|problem| problem.contains(expected)),
        "expected a problem mentioning {expected:?}, got {problems:#?}"
    );
}

fn first_event_mut(template: &mut Yaml, function: Function) -> &mut Yaml {
    function_mut(template, function)["Properties"]["Events"]
        .as_mapping_mut()
        .expect("Events is a mapping")
        .values_mut()
        .next()
        .expect("at least one event")
}

fn first_statement_mut(function: &mut Yaml) -> &mut Yaml {
    &mut function["Properties"]["Policies"][0]["Statement"][0]
}

#[test]
fn mutation_a_removed_route_is_caught() {
    assert_caught(
        |t| {
            let events = function_mut(t, Function::InboundMessage)["Properties"]["Events"]
                .as_mapping_mut()
                .unwrap();
            let combined = events
                .iter()
                .find(|(_, e)| {
                    e["Properties"]["Path"].as_str() == Some(Route::BotlinkdEvents.path())
                })
                .map(|(name, _)| name.clone())
                .expect("the combined route");
            events.remove(&combined);
        },
        Route::BotlinkdEvents.path(),
    );
}

#[test]
fn mutation_a_post_only_click_route_is_caught() {
    assert_caught(
        |t| {
            let event = first_event_mut(t, Function::Click);
            event["Properties"]["Method"] = Yaml::from("POST");
        },
        "Method must be ANY",
    );
}

#[test]
fn mutation_a_removed_permission_is_caught() {
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Ack))["Action"] =
                Yaml::from("dynamodb:PutItem");
        },
        "expected exactly",
    );
}

#[test]
fn mutation_a_wider_permission_is_caught() {
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Click))["Action"] =
                Yaml::from("dynamodb:*");
        },
        "no wildcard",
    );
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Click))["Resource"] = Yaml::from("*");
        },
        "must be !GetAtt EventTable.Arn",
    );
    assert_caught(
        |t| {
            let policies = &mut function_mut(t, Function::Click)["Properties"]["Policies"];
            policies
                .as_sequence_mut()
                .unwrap()
                .push(Yaml::from("AmazonDynamoDBFullAccess"));
        },
        "not an inline",
    );
}

#[test]
fn mutation_a_write_outside_the_functions_own_keys_is_caught() {
    for function in Function::ALL {
        fn write_statement(t: &mut Yaml, function: Function) -> &mut Yaml {
            function_mut(t, function)["Properties"]["Policies"]
                .as_sequence_mut()
                .unwrap()
                .iter_mut()
                .flat_map(|p| p["Statement"].as_sequence_mut().unwrap().iter_mut())
                .find(|s| {
                    one_or_many(&s["Action"])
                        .iter()
                        .any(|a| a.as_str() == Some("dynamodb:PutItem"))
                })
                .expect("the write statement")
        }
        assert_caught(
            |t| {
                write_statement(t, function)
                    .as_mapping_mut()
                    .unwrap()
                    .remove("Condition");
            },
            "limited to its own keys",
        );
        assert_caught(
            |t| {
                write_statement(t, function)["Condition"]["ForAllValues:StringLike"]
                    ["dynamodb:LeadingKeys"] = Yaml::from("*");
            },
            "limited to its own keys",
        );
        // Every message, or the other provider's.
        for wider in ["MSG#*", "MSG#botlinkd#*"] {
            if function == Function::Click || wider == "MSG#*" {
                assert_caught(
                    |t| {
                        let keys = &mut write_statement(t, function)["Condition"]
                            ["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                        keys[0] = Yaml::from(wider);
                    },
                    "limited to its own keys",
                );
            }
        }
    }
}

#[test]
fn mutation_a_table_without_deletion_protection_or_a_small_throttle_is_caught() {
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]
                .as_mapping_mut()
                .unwrap()
                .remove("DeletionProtectionEnabled");
        },
        "DeletionProtectionEnabled must be true",
    );
    assert_caught(
        |t| t["Parameters"]["ApiThrottleRateLimit"]["Default"] = Yaml::from(1000),
        "a campaign needs 3000/s",
    );
    assert_caught(
        |t| t["Parameters"]["ApiThrottleBurstLimit"]["Default"] = Yaml::from(500),
        "a burst at least the rate",
    );
    assert_caught(
        |t| {
            let api = resources_of_type(t, "AWS::Serverless::HttpApi")[0]
                .0
                .to_owned();
            t["Resources"][api.as_str()]["Properties"]["DefaultRouteSettings"]
                ["ThrottlingRateLimit"] = Yaml::from(1000);
        },
        "ThrottlingRateLimit must be !Ref ApiThrottleRateLimit",
    );
}

#[test]
fn mutation_a_warm_up_read_of_more_than_its_key_is_caught() {
    assert_caught(
        |t| {
            statement_mut(t, Function::InboundMessage, "dynamodb:GetItem")
                .as_mapping_mut()
                .unwrap()
                .remove("Condition");
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            statement_mut(t, Function::InboundMessage, "dynamodb:GetItem")["Condition"]
                ["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] = Yaml::from("*");
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, Function::Click))["Action"] =
                serde_yaml_ng::from_str("[dynamodb:PutItem, dynamodb:GetItem]").unwrap();
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            function_mut(t, Function::Ack)["Properties"]["Environment"]["Variables"]
                ["DYNAMODB_WARM_UP"] = Yaml::from("true");
        },
        "DYNAMODB_WARM_UP must be !Ref DynamoDbWarmUp",
    );
}

#[test]
fn mutation_a_lost_table_name_or_echoed_secret_is_caught() {
    assert_caught(
        |t| {
            t["Globals"]["Function"]["Environment"]["Variables"]
                .as_mapping_mut()
                .unwrap()
                .remove("TABLE_NAME");
        },
        "TABLE_NAME",
    );
    assert_caught(
        |t| {
            t["Globals"]["Function"]["Environment"]["Variables"]["BOTLINKD_TOKENS"] =
                Yaml::from("a-token-in-clear-0123456789abcdef");
        },
        "BOTLINKD_TOKENS would put the secrets' values in Lambda's environment",
    );
}

#[test]
fn mutation_a_table_that_is_not_retained_is_caught() {
    assert_caught(
        |t| t["Resources"][TABLE]["DeletionPolicy"] = Yaml::from("Delete"),
        "DeletionPolicy must be Retain",
    );
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]
                .as_mapping_mut()
                .unwrap()
                .remove("PointInTimeRecoverySpecification");
        },
        "point-in-time recovery",
    );
}

#[test]
fn mutation_keys_or_indexes_other_than_the_stores_are_caught() {
    assert_caught(
        |t| t["Resources"][TABLE]["Properties"]["KeySchema"][1]["AttributeName"] = Yaml::from("id"),
        "KeySchema must be",
    );
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]["GlobalSecondaryIndexes"][0]["IndexName"] =
                Yaml::from("by_number");
        },
        &format!("no index {}", item::BY_PHONE_INDEX),
    );
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]["GlobalSecondaryIndexes"][1]["KeySchema"][1]
                ["AttributeName"] = Yaml::from(item::OCCURRED_AT);
        },
        &format!("no index {}", item::BY_QUARANTINE_DAY_INDEX),
    );
}

#[test]
fn mutation_a_missing_output_or_router_mismatch_is_caught() {
    assert_caught(
        |t| {
            let outputs = t["Outputs"].as_mapping_mut().unwrap();
            let url = outputs
                .iter()
                .find(|(_, o)| {
                    sub_string(&o["Value"]).is_some_and(|s| s.ends_with(Route::BotlinkdAcks.path()))
                })
                .map(|(name, _)| name.clone())
                .expect("the acks URL output");
            outputs.remove(&url);
        },
        &format!("{} URL", Route::BotlinkdAcks.path()),
    );
    // The router check compares against the template: re-route one path in the template.
    assert_caught(
        |t| {
            let event = first_event_mut(t, Function::Ack);
            // A path no route has.
            event["Properties"]["Path"] =
                Yaml::from(Route::BotlinkdAcks.path().trim_end_matches('s'));
        },
        "Route::ALL",
    );
}

#[test]
fn the_failed_and_quarantined_alarms_watch_the_metric_the_functions_emit() {
    let template = load_template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    let namespace =
        sub_string(&globals["METRICS_NAMESPACE"]).expect("Globals set METRICS_NAMESPACE with !Sub");
    for (name, class) in [
        ("FailedEventsAlarm", webhook_receiver::OutcomeClass::Failed),
        (
            "QuarantinedEventsAlarm",
            webhook_receiver::OutcomeClass::Quarantined,
        ),
    ] {
        let alarm = &template["Resources"][name]["Properties"];
        assert_eq!(sub_string(&alarm["Namespace"]), Some(namespace), "{name}");
        assert_eq!(alarm["MetricName"].as_str(), Some("Requests"), "{name}");
        let dimension = &alarm["Dimensions"][0];
        assert_eq!(dimension["Name"].as_str(), Some("Outcome"), "{name}");
        // Fires on the first one.
        assert_eq!(alarm["Threshold"].as_f64(), Some(1.0), "{name}");
        // The same name and value the functions print (webhook_receiver::emf_line).
        let line: serde_json::Value = serde_json::from_str(&webhook_receiver::emf_line(
            "ns",
            &webhook_receiver::Measure::Other(class),
            0,
        ))
        .unwrap();
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            "Requests"
        );
        assert_eq!(
            line["Outcome"].as_str(),
            dimension["Value"].as_str(),
            "{name}"
        );
    }
}

#[test]
fn api_access_logs_never_record_the_url_that_carries_the_botlinkd_token() {
    let template = load_template();
    let (_, api) = resources_of_type(&template, "AWS::Serverless::HttpApi")
        .into_iter()
        .next()
        .expect("one HttpApi");
    let format = access_log_settings(api)["Format"]
        .as_str()
        .expect("access logs are configured with an explicit format");
    for leaky in [
        "$context.path",
        "$context.requestUri",
        "querystring",
        "queryString",
    ] {
        assert!(!format.contains(leaky), "access log format logs {leaky}");
    }
    assert!(format.contains("$context.routeKey"), "{format}");
}

/// Every problem with where the API writes its access log; empty when it is right. The group sits
/// under `/aws/vendedlogs/` (so the account's CloudWatch Logs resource policy, 5,120 characters at
/// most, cannot run out of room for it), and the stage's `DestinationArn` is built from the group's
/// name, not `!GetAtt ...Arn`, whose `:*` suffix hides the group from `sam logs`.
fn access_log_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, api) in resources_of_type(template, "AWS::Serverless::HttpApi") {
        let destination = &access_log_settings(api)["DestinationArn"];
        let Some(arn) = sub_string(destination) else {
            problems.push(format!(
                "{id}: AccessLogSettings.DestinationArn must be a !Sub of the log group's name, found {}",
                describe(destination)
            ));
            continue;
        };
        let Some(group) = arn
            .strip_prefix(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${",
            )
            .and_then(|rest| rest.strip_suffix('}'))
        else {
            problems.push(format!(
                "{id}: DestinationArn must be arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{<the group>}}, found {arn}"
            ));
            continue;
        };
        let resource = &template["Resources"][group];
        if resource["Type"].as_str() != Some("AWS::Logs::LogGroup") {
            problems.push(format!(
                "{id}: DestinationArn names {group}, which is not a log group"
            ));
            continue;
        }
        let name = sub_string(&resource["Properties"]["LogGroupName"])
            .or_else(|| resource["Properties"]["LogGroupName"].as_str());
        if !name.is_some_and(|name| name.starts_with("/aws/vendedlogs/")) {
            problems.push(format!(
                "{group}: LogGroupName must start with /aws/vendedlogs/, found {}",
                describe(&resource["Properties"]["LogGroupName"])
            ));
        }
        if resource["Properties"]["RetentionInDays"].is_null() {
            problems.push(format!("{group}: no RetentionInDays"));
        }
    }
    problems
}

#[test]
fn api_access_logs_go_to_a_vendedlogs_group_named_in_the_arn() {
    let problems = access_log_problems(&load_template());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn mutation_an_access_log_arn_from_getatt_or_a_group_outside_vendedlogs_is_caught() {
    let api_id = |template: &Yaml| {
        resources_of_type(template, "AWS::Serverless::HttpApi")[0]
            .0
            .to_owned()
    };
    let mut template = load_template();
    let api = api_id(&template);
    access_log_settings_mut(&mut template["Resources"][api.as_str()])["DestinationArn"] =
        serde_yaml_ng::from_str("!GetAtt ApiAccessLogGroup.Arn").unwrap();
    let problems = access_log_problems(&template);
    assert!(
        problems.iter().any(|p| p.contains("must be a !Sub")),
        "{problems:#?}"
    );

    let mut template = load_template();
    template["Resources"]["ApiAccessLogGroup"]["Properties"]["LogGroupName"] =
        serde_yaml_ng::from_str("!Sub /aws/apigateway/${AWS::StackName}").unwrap();
    let problems = access_log_problems(&template);
    assert!(
        problems.iter().any(|p| p.contains("/aws/vendedlogs/")),
        "{problems:#?}"
    );
}

/// What API Gateway writes for a refused BotLinkd ack, filled in as it would be: a request id of
/// its usual length, the route, a source IP and latency.
fn access_log_line(format: &str) -> String {
    [
        ("$context.requestId", "Jt1Y3hQ2IAMEVbQ="),
        ("$context.status", "401"),
        ("$context.routeKey", "ANY /botlinkd/acks"),
        ("$context.identity.sourceIp", "203.0.113.195"),
        ("$context.responseLatency", "12"),
        ("$context.integrationErrorMessage", "-"),
    ]
    .into_iter()
    .fold(format.to_owned(), |line, (variable, value)| {
        line.replace(variable, value)
    })
}

#[test]
fn the_access_log_line_is_lean_json_and_can_be_turned_off() {
    let template = load_template();
    let (id, api) = resources_of_type(&template, "AWS::Serverless::HttpApi")[0];
    let format = access_log_settings(api)["Format"]
        .as_str()
        .expect("a format");
    let line = access_log_line(format);
    assert!(
        !line.contains("$context"),
        "a variable not filled in: {line}"
    );
    let fields: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    assert_eq!(fields.as_object().map(|f| f.len()), Some(6), "{line}");
    assert!(
        line.len() <= 120,
        "{} bytes, over the 120 of issue 22: {line}",
        line.len()
    );
    // Off by default (what the function's own line says costs nothing more); off, the stage has
    // no access log and the group does not exist.
    let settings = &api["Properties"]["AccessLogSettings"];
    let group = "ApiAccessLogGroup";
    for (value, on) in [("true", true), ("false", false)] {
        let stack = Stack::new(&template, &[("ApiAccessLogs", value)]);
        assert_eq!(stack.condition(ACCESS_LOGS_CONDITION), on, "{id}");
        assert_eq!(
            stack.exists(group),
            on,
            "{group} with ApiAccessLogs={value}"
        );
        let (name, arg) = integration_tests::template::intrinsic(settings).expect("an !If");
        assert_eq!(
            (name.as_str(), arg[0].as_str()),
            ("Fn::If", Some(ACCESS_LOGS_CONDITION))
        );
        assert!(stack.eval(&arg[2]).is_none(), "off: AWS::NoValue");
    }
    assert_eq!(
        template["Parameters"]["ApiAccessLogs"]["Default"].as_str(),
        Some("false")
    );
}
