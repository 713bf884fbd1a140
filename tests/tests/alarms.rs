//! The alarms of `template.yaml`, on the stack CloudFormation would create
//! (`integration_tests::stack`) for several sets of parameters: each watches a series the
//! functions' EMF line or AWS emits (proven through `webhook_receiver::emf_line`), says what to do
//! first, and notifies the stack's target (`AlarmTopicArn`, else a topic with `AlarmEmail`
//! subscribed); the rule each one states (README, "Runbook") is the one it computes; and breaking
//! a copy of the template is caught.

use std::collections::BTreeSet;

use integration_tests::stack::{Stack, ACCOUNT, REGION};
use integration_tests::template::{load_template, resources_of_type};
use integration_tests::wiring::alarms::{
    alarm_problems, alarms, mentions, metrics_namespace, stored_series, watched, Series, Watched,
    ALARM_TOPIC, PIPE_DEAD_LETTER_QUEUE,
};
use serde_yaml_ng::Value as Yaml;
use webhook_receiver::{
    FaultCause, OutcomeClass, CAUSE_DIMENSION, DELIVERY_LAG_METRIC, KIND_DIMENSION,
    OUTCOME_DIMENSION, PROVIDER_DIMENSION, REQUESTS_METRIC,
};

const BUS: &str = "arn:aws:events:eu-west-1:123456789012:event-bus/automation";
const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:on-call";

/// The parameter sets every alarm check runs on.
const STACKS: [&[(&str, &str)]; 5] = [
    &[],
    &[("AlarmEmail", "ops@example.com")],
    &[("AlarmTopicArn", TOPIC), ("AlarmEmail", "ops@example.com")],
    &[("QuietHours", "6"), ("EventBusArn", BUS)],
    &[
        ("AlarmEmail", "ops@example.com"),
        ("QuietHours", "12"),
        ("EventBusArn", BUS),
    ],
];

fn problems(template: &Yaml) -> Vec<String> {
    STACKS
        .iter()
        .flat_map(|overrides| {
            alarm_problems(&Stack::new(template, overrides))
                .into_iter()
                .map(move |p| format!("{overrides:?}: {p}"))
        })
        .collect()
}

#[test]
fn every_alarm_watches_what_the_stack_emits_says_what_to_do_and_notifies_its_target() {
    let problems = problems(&load_template());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn ours(stack: &Stack, metric: &str, dimensions: &[(&str, &str)]) -> Series {
    Series {
        namespace: metrics_namespace(stack),
        metric: metric.to_owned(),
        dimensions: dimensions
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn requests(stack: &Stack, class: OutcomeClass) -> Series {
    ours(
        stack,
        REQUESTS_METRIC,
        &[(OUTCOME_DIMENSION, class.as_str())],
    )
}

fn lag(stack: &Stack, (provider, kind): (&str, &str)) -> Series {
    ours(
        stack,
        DELIVERY_LAG_METRIC,
        &[(PROVIDER_DIMENSION, provider), (KIND_DIMENSION, kind)],
    )
}

/// An alarm's watched metrics as (series, stat, period), and its expressions.
fn read(stack: &Stack, id: &str) -> (BTreeSet<(Series, String, u64)>, Vec<String>) {
    let alarm = &stack.template["Resources"][id]["Properties"];
    assert!(!alarm.is_null(), "no alarm {id}");
    let (metrics, expressions) = watched(stack, alarm);
    (
        metrics
            .into_iter()
            .map(
                |Watched {
                     series,
                     stat,
                     period,
                     ..
                 }| (series, stat, period),
            )
            .collect(),
        expressions.into_iter().map(|(_, e)| e).collect(),
    )
}

fn number(stack: &Stack, id: &str, property: &str) -> f64 {
    stack
        .eval(&stack.template["Resources"][id]["Properties"][property])
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{id}.{property}"))
}

fn text<'a>(stack: &'a Stack, id: &str, property: &str) -> &'a str {
    stack.template["Resources"][id]["Properties"][property]
        .as_str()
        .unwrap_or_default()
}

/// What each alarm computes, for the rule README's runbook and docs/deploy.md state.
fn rule_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    let stack = Stack::new(template, &[]);
    let s = &stack;
    let mut expect = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    let stored: Vec<_> = stored_series();
    let set = |items: Vec<(Series, &str, u64)>| -> BTreeSet<(Series, String, u64)> {
        items
            .into_iter()
            .map(|(series, stat, period)| (series, stat.to_owned(), period))
            .collect()
    };

    // A burst of 401 (>= 5 in 15 min) while nothing is stored or recognised as a duplicate.
    let (metrics, expressions) = read(s, "RefusedCredentialsAlarm");
    let want = set(stored
        .iter()
        .map(|combo| (lag(s, *combo), "SampleCount", 900))
        .chain([
            (requests(s, OutcomeClass::Unauthorized), "Sum", 900),
            (requests(s, OutcomeClass::Duplicate), "Sum", 900),
        ])
        .collect());
    expect(
        metrics == want,
        &format!("RefusedCredentialsAlarm watches {metrics:?}, expected {want:?}"),
    );
    let expression = expressions.first().cloned().unwrap_or_default();
    expect(
        expression.contains("FILL(unauthorized, 0) >= 5") && expression.contains("== 0"),
        &format!("RefusedCredentialsAlarm: {expression} is not \"unauthorized >= 5 and nothing stored == 0\""),
    );

    // Any oversized body; any quarantined body (not an unmodelled event); any storage fault.
    for (id, class) in [
        ("OversizedBodyAlarm", OutcomeClass::TooLarge),
        ("QuarantinedEventsAlarm", OutcomeClass::Quarantined),
        ("FailedEventsAlarm", OutcomeClass::Failed),
    ] {
        let (metrics, _) = read(s, id);
        let want = set(vec![(requests(s, class), "Sum", 300)]);
        expect(
            metrics == want,
            &format!("{id} watches {metrics:?}, expected {want:?}"),
        );
        expect(
            number(s, id, "Threshold") == 1.0,
            &format!("{id}: fires on the first one"),
        );
    }

    // Permanent storage errors, at once: exactly the causes metrics.rs calls permanent.
    let (metrics, _) = read(s, "PermanentStorageErrorAlarm");
    let want = set(FaultCause::ALL
        .into_iter()
        .filter(|cause| cause.is_permanent())
        .map(|cause| {
            (
                ours(s, REQUESTS_METRIC, &[(CAUSE_DIMENSION, cause.as_str())]),
                "Sum",
                60,
            )
        })
        .collect());
    expect(
        metrics == want,
        &format!("PermanentStorageErrorAlarm watches {metrics:?}, expected {want:?}"),
    );

    // The worst p90 lag of any stored kind, against LagAlarmSeconds.
    let (metrics, expressions) = read(s, "DeliveryLagAlarm");
    let want = set(stored
        .iter()
        .map(|combo| (lag(s, *combo), "p90", 900))
        .collect());
    expect(
        metrics == want,
        &format!("DeliveryLagAlarm watches {metrics:?}, expected {want:?}"),
    );
    expect(
        expressions.iter().any(|e| e.starts_with("MAX(")),
        "DeliveryLagAlarm: MAX over the p90s",
    );
    expect(
        number(s, "DeliveryLagAlarm", "Threshold") == 900.0
            && number(
                &Stack::new(template, &[("LagAlarmSeconds", "300")]),
                "DeliveryLagAlarm",
                "Threshold",
            ) == 300.0,
        "DeliveryLagAlarm: Threshold is LagAlarmSeconds (default 900)",
    );

    // AWS's own metrics: API Gateway 4xx share and 5xx, table write throttling.
    let api = resources_of_type(template, "AWS::Serverless::HttpApi")[0].0;
    let aws = |namespace: &str, metric: &str, name: &str, value: String| Series {
        namespace: namespace.to_owned(),
        metric: metric.to_owned(),
        dimensions: [(name.to_owned(), value)].into_iter().collect(),
    };
    let (metrics, expressions) = read(s, "Api4xxAlarm");
    let want = set(vec![
        (
            aws("AWS/ApiGateway", "4xx", "ApiId", format!("<{api}>")),
            "Sum",
            900,
        ),
        (
            aws("AWS/ApiGateway", "Count", "ApiId", format!("<{api}>")),
            "Sum",
            900,
        ),
    ]);
    expect(metrics == want, &format!("Api4xxAlarm watches {metrics:?}"));
    expect(
        expressions
            .iter()
            .any(|e| e.contains("100 * FILL(refused, 0) / requests"))
            && number(s, "Api4xxAlarm", "Threshold") == 10.0,
        "Api4xxAlarm: 4xx >= 10% of requests",
    );
    let (metrics, _) = read(s, "Api5xxAlarm");
    expect(
        metrics
            == set(vec![(
                aws("AWS/ApiGateway", "5xx", "ApiId", format!("<{api}>")),
                "Sum",
                300,
            )]),
        "Api5xxAlarm watches the API's 5xx",
    );
    let (metrics, _) = read(s, "TableWriteThrottleAlarm");
    expect(
        metrics
            == set(vec![(
                aws(
                    "AWS/DynamoDB",
                    "WriteThrottleEvents",
                    "TableName",
                    "<EventTable>".into(),
                ),
                "Sum",
                300,
            )])
            && number(s, "TableWriteThrottleAlarm", "Threshold") == 1.0,
        "TableWriteThrottleAlarm: any WriteThrottleEvents of the table",
    );
    problems
}

#[test]
fn each_alarm_computes_the_rule_it_states() {
    let problems = rule_problems(&load_template());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn quiet_alarms_exist_only_when_asked_one_per_provider_over_its_stored_kinds() {
    let template = load_template();
    let quiet = |stack: &Stack| -> Vec<String> {
        alarms(stack)
            .into_iter()
            .map(|(id, _)| id.to_owned())
            .filter(|id| id.ends_with("QuietAlarm"))
            .collect()
    };
    assert!(
        quiet(&Stack::new(&template, &[])).is_empty(),
        "off by default"
    );
    let stack = Stack::new(&template, &[("QuietHours", "6")]);
    let ids = quiet(&stack);
    let providers: BTreeSet<&str> = stored_series().iter().map(|(p, _)| *p).collect();
    assert_eq!(ids.len(), providers.len(), "{ids:?}");
    let mut covered = BTreeSet::new();
    for id in &ids {
        let (metrics, _) = read(&stack, id);
        let provider_of: BTreeSet<String> = metrics
            .iter()
            .map(|(series, _, _)| series.dimensions[PROVIDER_DIMENSION].clone())
            .collect();
        assert_eq!(provider_of.len(), 1, "{id}: one provider");
        let provider = provider_of.into_iter().next().unwrap();
        let want: BTreeSet<(Series, String, u64)> = stored_series()
            .into_iter()
            .filter(|(p, _)| *p == provider)
            .map(|combo| (lag(&stack, combo), "SampleCount".to_owned(), 3600))
            .collect();
        assert_eq!(metrics, want, "{id}: every stored kind of {provider}");
        assert_eq!(text(&stack, id, "TreatMissingData"), "breaching", "{id}");
        assert_eq!(
            text(&stack, id, "ComparisonOperator"),
            "LessThanThreshold",
            "{id}"
        );
        assert_eq!(
            number(&stack, id, "EvaluationPeriods"),
            6.0,
            "{id}: QuietHours hours"
        );
        covered.insert(provider);
    }
    assert_eq!(covered.len(), providers.len());
}

#[test]
fn an_alarm_email_gets_a_topic_with_its_subscription_unless_a_topic_is_given() {
    let template = load_template();
    let topic = |overrides: &[(&str, &str)]| {
        let stack = Stack::new(&template, overrides);
        stack.exists(ALARM_TOPIC).then(|| {
            let subscriptions = &template["Resources"][ALARM_TOPIC]["Properties"]["Subscription"];
            let subscription = &subscriptions[0];
            (
                subscription["Protocol"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                stack.eval(&subscription["Endpoint"]).unwrap_or_default(),
            )
        })
    };
    assert_eq!(topic(&[]), None);
    assert_eq!(
        topic(&[("AlarmEmail", "ops@example.com")]),
        Some(("email".to_owned(), "ops@example.com".to_owned()))
    );
    assert_eq!(
        topic(&[("AlarmEmail", "ops@example.com"), ("AlarmTopicArn", TOPIC)]),
        None
    );
}

#[test]
fn the_pipes_dead_letter_alarm_exists_with_the_pipes() {
    let template = load_template();
    let ids = |overrides: &[(&str, &str)]| -> BTreeSet<String> {
        alarms(&Stack::new(&template, overrides))
            .into_iter()
            .map(|(id, _)| id.to_owned())
            .collect()
    };
    assert!(!ids(&[]).contains("PipeDeadLetterAlarm"));
    assert!(ids(&[("EventBusArn", BUS)]).contains("PipeDeadLetterAlarm"));
    let stack = Stack::new(&template, &[("EventBusArn", BUS)]);
    let (metrics, _) = read(&stack, "PipeDeadLetterAlarm");
    let queue = metrics.iter().next().expect("one metric");
    assert_eq!(queue.0.metric, "ApproximateNumberOfMessagesVisible");
    assert_eq!(
        queue.0.dimensions["QueueName"],
        format!("<{PIPE_DEAD_LETTER_QUEUE}.QueueName>")
    );
    assert_eq!(number(&stack, "PipeDeadLetterAlarm", "Threshold"), 1.0);
}

/// A copy of the template with `edit` applied to one alarm's properties.
fn with_alarm(id: &str, edit: impl FnOnce(&mut Yaml)) -> Yaml {
    let mut template = load_template();
    edit(&mut template["Resources"][id]["Properties"]);
    template
}

fn caught(template: &Yaml, checks: fn(&Yaml) -> Vec<String>, expected: &str) {
    let problems = checks(template);
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "expected {expected:?} in {problems:#?}"
    );
}

fn metric_stat<'a>(properties: &'a mut Yaml, id: &str) -> &'a mut Yaml {
    properties["Metrics"]
        .as_sequence_mut()
        .unwrap()
        .iter_mut()
        .find(|q| q["Id"].as_str() == Some(id))
        .map(|q| &mut q["MetricStat"]["Metric"])
        .unwrap_or_else(|| panic!("no metric {id}"))
}

#[test]
fn alarm_mutations_are_caught() {
    // A metric name or a dimension value the functions never print.
    caught(
        &with_alarm("OversizedBodyAlarm", |a| a["MetricName"] = "Request".into()),
        problems,
        "is not a series this stack emits",
    );
    caught(
        &with_alarm("RefusedCredentialsAlarm", |a| {
            metric_stat(a, "unauthorized")["Dimensions"][0]["Value"] = "rejected".into();
        }),
        problems,
        "is not a series this stack emits",
    );
    // Lag by provider alone: the functions publish it by provider and kind.
    caught(
        &with_alarm("DeliveryLagAlarm", |a| {
            metric_stat(a, "edna_click")["Dimensions"]
                .as_sequence_mut()
                .unwrap()
                .pop();
        }),
        problems,
        "is not a series this stack emits",
    );
    // An alarm that notifies nobody, or says nothing about what to do.
    caught(
        &with_alarm("TableWriteThrottleAlarm", |a| {
            a.as_mapping_mut().unwrap().remove("AlarmActions");
        }),
        problems,
        "AlarmActions is []",
    );
    caught(
        &with_alarm("Api4xxAlarm", |a| a["AlarmDescription"] = "4xx".into()),
        problems,
        "First:",
    );
    // A metric no expression reads.
    caught(
        &with_alarm("PermanentStorageErrorAlarm", |a| {
            a["Metrics"][0]["Expression"] = "FILL(access_denied, 0)".into();
        }),
        problems,
        "no expression reads validation",
    );
    // A stored kind left out of the refused-credentials rule, a transient cause counted as
    // permanent, lag on the average.
    caught(
        &with_alarm("RefusedCredentialsAlarm", |a| {
            let metrics = a["Metrics"].as_sequence_mut().unwrap();
            metrics.retain(|q| q["Id"].as_str() != Some("botlinkd_ack"));
        }),
        rule_problems,
        "RefusedCredentialsAlarm watches",
    );
    caught(
        &with_alarm("PermanentStorageErrorAlarm", |a| {
            metric_stat(a, "validation")["Dimensions"][0]["Value"] = "throttled".into();
        }),
        rule_problems,
        "PermanentStorageErrorAlarm watches",
    );
    caught(
        &with_alarm("DeliveryLagAlarm", |a| {
            a["Metrics"][1]["MetricStat"]["Stat"] = "Average".into();
        }),
        rule_problems,
        "DeliveryLagAlarm watches",
    );
}

#[test]
fn the_alarm_helpers_read_what_they_should() {
    assert!(mentions("FILL(botlinkd_ack, 0) + x", "botlinkd_ack"));
    assert!(!mentions("FILL(botlinkd_ack, 0)", "ack"));
    // The stack is in the account and region the bus and topic above name.
    assert!(BUS.contains(REGION) && BUS.contains(ACCOUNT) && TOPIC.contains(ACCOUNT));
}
