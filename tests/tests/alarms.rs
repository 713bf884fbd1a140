//! The alarms of `template.yaml`, on the stack CloudFormation would create
//! (`integration_tests::stack`) for several sets of parameters: each watches a series the
//! functions' EMF line or AWS emits (proven through `webhook_receiver::emf_line`), says what to do
//! first, and notifies the stack's target (`AlarmTopicArn`, else a topic with `AlarmEmail`
//! subscribed); the rule each one states (docs/operations.md) is the one it computes; and breaking
//! a copy of the template is caught.
//!
//! The tests are grouped by topic in the modules under `alarms/`; the parameter sets and the
//! helpers that read an alarm's series and properties, which they share, are here.

use std::collections::BTreeSet;

use integration_tests::stack::{Stack, ACCOUNT, REGION};
use integration_tests::template::load_template;
use integration_tests::wiring::alarms::{
    alarm_problems, mentions, metrics_namespace, watched, Series, Watched,
};
use serde_yaml_ng::Value as Yaml;
use webhook_receiver::{
    RequestClass, DELIVERY_LAG_METRIC, KIND_DIMENSION, OUTCOME_DIMENSION, PROVIDER_DIMENSION,
    REQUESTS_METRIC,
};

// Plain files in tests/tests/alarms/, named by path: Cargo makes no test target of them.
#[path = "alarms/conditional.rs"]
mod conditional;
#[path = "alarms/mutations.rs"]
mod mutations;
#[path = "alarms/rules.rs"]
mod rules;

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

fn requests(stack: &Stack, class: RequestClass) -> Series {
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

#[test]
fn the_alarm_helpers_read_what_they_should() {
    assert!(mentions("FILL(botlinkd_ack, 0) + x", "botlinkd_ack"));
    assert!(!mentions("FILL(botlinkd_ack, 0)", "ack"));
    // The stack is in the account and region the bus and topic above name.
    assert!(BUS.contains(REGION) && BUS.contains(ACCOUNT) && TOPIC.contains(ACCOUNT));
}
