//! Breaking a copy of the template is caught: a series the functions never print, an alarm that
//! notifies nobody or says nothing about what to do, a metric no expression reads, and a rule that
//! is not the one stated.

use integration_tests::template::load_template;
use serde_yaml_ng::Value as Yaml;

use super::problems;
use super::rules::rule_problems;

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
    // The old rule: a burst of refusals fires only while nothing at all is stored, so a
    // rotation half done (statuses refused, clicks stored) stays silent.
    caught(
        &with_alarm("RefusedCredentialsAlarm", |a| {
            a["Metrics"][0]["Expression"] = "IF(FILL(unauthorized, 0) >= 5 AND (FILL(edna_click, 0) + FILL(edna_message, 0) + FILL(edna_ack, 0) + FILL(botlinkd_message, 0) + FILL(botlinkd_ack, 0) + FILL(duplicate, 0)) == 0, 1, 0)".into();
        }),
        rule_problems,
        "edna statuses refused while clicks and BotLinkd are stored",
    );
    // Any 401 at all: a scanner's few among real traffic would page someone.
    caught(
        &with_alarm("RefusedCredentialsAlarm", |a| {
            a["Metrics"][0]["Expression"] = "IF(FILL(unauthorized, 0) >= 5, 1, 0)".into();
        }),
        rule_problems,
        "a scanner's few 401s among real traffic",
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
