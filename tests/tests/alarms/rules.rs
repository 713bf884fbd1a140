//! The rule each alarm states (README, "Runbook"; docs/deploy.md) is the one it computes: the
//! series it watches, with which statistic and period, its expressions and its threshold.

use std::collections::BTreeSet;

use integration_tests::stack::Stack;
use integration_tests::template::{load_template, resources_of_type};
use integration_tests::wiring::alarms::{stored_series, Series};
use serde_yaml_ng::Value as Yaml;
use webhook_receiver::{FaultCause, OutcomeClass, CAUSE_DIMENSION, REQUESTS_METRIC};

use super::{lag, number, ours, read, requests};

/// What each alarm computes, for the rule README's runbook and docs/deploy.md state.
pub(super) fn rule_problems(template: &Yaml) -> Vec<String> {
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
