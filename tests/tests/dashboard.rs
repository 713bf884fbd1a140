//! The dashboard, checked on the stack CloudFormation would create (`integration_tests::stack`):
//! it plots only metrics the stack emits (the same check as the alarms',
//! `integration_tests::wiring::alarms::is_emitted`), each function, outcome, storage fault cause
//! and stored kind (its count and p50/p90 lag) has its series, and every alarm that exists, the
//! opt-in ones included, has a widget.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::stack::{Stack, REGION};
use integration_tests::template::{load_template, resources_of_type, template_functions};
use integration_tests::wiring::alarms::{
    alarms, is_emitted, metrics_namespace, stored_series, Series,
};
use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use webhook_receiver::{
    RequestClass, CAUSE_DIMENSION, DELIVERY_LAG_METRIC, KIND_DIMENSION, OUTCOME_DIMENSION,
    PROVIDER_DIMENSION, REQUESTS_METRIC,
};
use webhook_table::FaultCause;

/// The dashboard's body as CloudWatch receives it on the stack deployed with `overrides`.
fn dashboard_body_on(template: &Yaml, overrides: &[(&str, &str)]) -> Json {
    let dashboards = resources_of_type(template, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "one dashboard");
    let stack = Stack::new(template, overrides);
    let body = stack
        .eval(&dashboards[0].1["Properties"]["DashboardBody"])
        .expect("a body");
    serde_json::from_str(&body).expect("the dashboard body is JSON")
}

/// The dashboard's body with every parameter's default.
fn dashboard_body(template: &Yaml) -> Json {
    dashboard_body_on(template, &[])
}

/// The stacks the dashboard is checked on: defaults, and with the opt-in alarms.
const STACKS: [&[(&str, &str)]; 2] = [
    &[],
    &[
        ("QuietHours", "6"),
        (
            "EventBusArn",
            "arn:aws:events:eu-west-1:123456789012:event-bus/automation",
        ),
    ],
];

/// What is wrong with the dashboard on every stack of [`STACKS`].
fn dashboard_problems(template: &Yaml) -> Vec<String> {
    STACKS
        .iter()
        .flat_map(|overrides| {
            dashboard_problems_on(template, overrides)
                .into_iter()
                .map(move |p| format!("{overrides:?}: {p}"))
        })
        .collect()
}

/// What is wrong with the dashboard: a series of a metric the stack does not emit, a function,
/// outcome, cause, stored kind or alarm without its series or widget.
fn dashboard_problems_on(template: &Yaml, overrides: &[(&str, &str)]) -> Vec<String> {
    let mut problems = Vec::new();
    let stack = Stack::new(template, overrides);
    let namespace = metrics_namespace(&stack);
    let functions: BTreeSet<String> = template_functions(template)
        .into_iter()
        .map(|(id, _, _)| format!("<{id}>"))
        .collect();
    // Every series plotted, with the statistics it is plotted with.
    let mut plotted: BTreeMap<Series, BTreeSet<String>> = BTreeMap::new();
    let mut alarm_widgets = BTreeSet::new();
    let body = dashboard_body_on(template, overrides);
    for widget in body["widgets"].as_array().expect("widgets") {
        let properties = &widget["properties"];
        match widget["type"].as_str() {
            Some("metric") => {
                let default_stat = properties["stat"].as_str().unwrap_or_default();
                for series in properties["metrics"].as_array().expect("metrics") {
                    let items = series.as_array().expect("a series");
                    let parts: Vec<&str> = items.iter().filter_map(Json::as_str).collect();
                    if parts.len() < 2 || !parts.len().is_multiple_of(2) || parts.contains(&"...") {
                        problems.push(format!("series {series}: namespace, name, dimension pairs"));
                        continue;
                    }
                    let stat = items
                        .iter()
                        .find_map(|item| item["stat"].as_str())
                        .unwrap_or(default_stat);
                    let found = Series {
                        namespace: parts[0].to_owned(),
                        metric: parts[1].to_owned(),
                        dimensions: parts[2..]
                            .chunks(2)
                            .map(|pair| (pair[0].to_owned(), pair[1].to_owned()))
                            .collect(),
                    };
                    if !is_emitted(&stack, &found) {
                        problems.push(format!("series {series} is not a metric this stack emits"));
                    }
                    plotted.entry(found).or_default().insert(stat.to_owned());
                }
            }
            Some("alarm") => {
                for alarm in properties["alarms"].as_array().expect("alarms") {
                    alarm_widgets.insert(alarm.as_str().unwrap_or_default().to_owned());
                }
            }
            Some("log") => {
                let query = properties["query"].as_str().unwrap_or_default();
                let groups: BTreeSet<String> = functions
                    .iter()
                    .map(|f| format!("'/aws/lambda/{f}'"))
                    .filter(|group| query.contains(group.as_str()))
                    .collect();
                if groups.len() != 1 || !query.contains("by outcome") {
                    problems.push(format!(
                        "log widget {query:?}: one function's log group, counted by outcome"
                    ));
                }
            }
            other => problems.push(format!("widget type {other:?} is not checked here")),
        }
    }
    let ours = |metric: &str, dimensions: &[(&str, &str)]| Series {
        namespace: namespace.clone(),
        metric: metric.to_owned(),
        dimensions: dimensions
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let mut want: Vec<(Series, &str)> = Vec::new();
    // Stored events (the lag's sample count) and their lag, by provider and kind.
    for (provider, kind) in stored_series() {
        let lag = ours(
            DELIVERY_LAG_METRIC,
            &[(PROVIDER_DIMENSION, provider), (KIND_DIMENSION, kind)],
        );
        for stat in ["SampleCount", "p50", "p90"] {
            want.push((lag.clone(), stat));
        }
    }
    // Every other outcome, and every storage fault cause.
    for class in RequestClass::ALL
        .into_iter()
        .filter(|c| c.counts_requests())
    {
        want.push((
            ours(REQUESTS_METRIC, &[(OUTCOME_DIMENSION, class.as_str())]),
            "Sum",
        ));
    }
    for cause in FaultCause::ALL {
        want.push((
            ours(REQUESTS_METRIC, &[(CAUSE_DIMENSION, cause.as_str())]),
            "Sum",
        ));
    }
    for function in &functions {
        for name in ["Duration", "Errors", "Throttles"] {
            let series = Series {
                namespace: "AWS/Lambda".to_owned(),
                metric: name.to_owned(),
                dimensions: [("FunctionName".to_owned(), function.clone())].into(),
            };
            want.push((series, if name == "Duration" { "p99" } else { "Sum" }));
        }
    }
    for (series, stat) in want {
        if !plotted
            .get(&series)
            .is_some_and(|stats| stats.contains(stat))
        {
            problems.push(format!("{series} is not plotted as {stat}"));
        }
    }
    for name in ["ConsumedWriteCapacityUnits", "ThrottledRequests"] {
        if !plotted
            .keys()
            .any(|series| series.namespace == "AWS/DynamoDB" && series.metric == name)
        {
            problems.push(format!("AWS/DynamoDB {name} is not plotted"));
        }
    }
    let alarms: BTreeSet<String> = alarms(&stack)
        .into_iter()
        .map(|(id, _)| format!("<{id}.Arn>"))
        .collect();
    if alarm_widgets != alarms {
        problems.push(format!(
            "the alarm widget shows {alarm_widgets:?}, expected every alarm: {alarms:?}"
        ));
    }
    problems
}

#[test]
fn the_dashboard_plots_only_what_the_stack_emits_and_every_alarm() {
    let template = load_template();
    let problems = dashboard_problems(&template);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let output = &template["Outputs"]["DashboardUrl"]["Value"];
    let url = Stack::new(&template, &[]).eval(output).expect("a URL");
    assert_eq!(
        url,
        format!(
            "https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}\
             #dashboards/dashboard/<Dashboard>"
        )
    );
}

/// The template with its dashboard body replaced by `edit` applied to the evaluated body.
fn with_dashboard(edit: impl FnOnce(&mut Json)) -> Yaml {
    let mut template = load_template();
    let mut body = dashboard_body(&template);
    edit(&mut body);
    let id = resources_of_type(&template, "AWS::CloudWatch::Dashboard")[0]
        .0
        .to_owned();
    template["Resources"][id.as_str()]["Properties"]["DashboardBody"] =
        Yaml::from(body.to_string());
    template
}

#[test]
fn dashboard_mutations_are_caught() {
    // with_dashboard's body is the one of the default stack.
    let caught = |template: Yaml, expected: &str| {
        let problems = dashboard_problems_on(&template, &[]);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected:?} in {problems:?}"
        );
    };
    // A provider or outcome the functions never emit (a typo), and a lost outcome.
    caught(
        with_dashboard(|body| body["widgets"][0]["properties"]["metrics"][0][3] = "ednaa".into()),
        "is not a metric this stack emits",
    );
    caught(
        with_dashboard(|body| {
            let metrics = body["widgets"][0]["properties"]["metrics"]
                .as_array_mut()
                .unwrap();
            let last = metrics.len() - 1;
            metrics[last][3] = "rejected".into();
        }),
        "is not a metric this stack emits",
    );
    caught(
        with_dashboard(|body| {
            body["widgets"][0]["properties"]["metrics"]
                .as_array_mut()
                .unwrap()
                .pop();
        }),
        "is not plotted as Sum",
    );
    // A lag percentile or a cause left out.
    caught(
        with_dashboard(|body| {
            body["widgets"][2]["properties"]["metrics"]
                .as_array_mut()
                .unwrap()
                .retain(|series| series[6]["stat"] != "p90");
        }),
        "is not plotted as p90",
    );
    caught(
        with_dashboard(|body| {
            body["widgets"][3]["properties"]["metrics"]
                .as_array_mut()
                .unwrap()
                .remove(0);
        }),
        "is not plotted as Sum",
    );
    // A metric name no one emits.
    caught(
        with_dashboard(|body| body["widgets"][0]["properties"]["metrics"][0][1] = "Request".into()),
        "is not a metric this stack emits",
    );
    // An alarm without its widget.
    caught(
        with_dashboard(|body| {
            body["widgets"][1]["properties"]["alarms"]
                .as_array_mut()
                .unwrap()
                .pop();
        }),
        "expected every alarm",
    );
}
