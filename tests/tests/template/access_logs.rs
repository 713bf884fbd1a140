//! The API's access log: it never records the URL that carries the BotLinkd token, goes to a
//! `/aws/vendedlogs/` group named in the stage's ARN, is one lean JSON line, and is off unless
//! asked for.

use integration_tests::stack::Stack;
use integration_tests::template::{
    access_log_settings, access_log_settings_mut, describe, load_template, resources_of_type,
    sub_string, ACCESS_LOGS_CONDITION,
};
use serde_yaml_ng::Value as Yaml;

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
