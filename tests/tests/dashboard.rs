//! The dashboard, checked on the stack CloudFormation would create (`integration_tests::stack`):
//! it plots only metrics the stack emits, each function and outcome has its series, and every
//! alarm has a widget.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::stack::{Stack, REGION};
use integration_tests::template::{load_template, resources_of_type, template_functions};
use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use webhook_receiver::{OutcomeClass, REQUESTS_METRIC, WRONG_ROUTE_METRIC};

/// The dashboard's body as CloudWatch receives it.
fn dashboard_body(template: &Yaml) -> Json {
    let dashboards = resources_of_type(template, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "one dashboard");
    let stack = Stack::new(template, &[]);
    let body = stack
        .eval(&dashboards[0].1["Properties"]["DashboardBody"])
        .expect("a body");
    serde_json::from_str(&body).expect("the dashboard body is JSON")
}

/// What is wrong with the dashboard: a series of a metric the stack does not emit, a function,
/// outcome or alarm without its series or widget.
fn dashboard_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    let stack = Stack::new(template, &[]);
    let namespace = stack
        .eval(&template["Globals"]["Function"]["Environment"]["Variables"]["METRICS_NAMESPACE"])
        .expect("METRICS_NAMESPACE");
    let table = format!("<{}>", integration_tests::template::TABLE);
    let functions: BTreeSet<String> = template_functions(template)
        .into_iter()
        .map(|(id, _, _)| format!("<{id}>"))
        .collect();
    let our_metrics = [REQUESTS_METRIC, WRONG_ROUTE_METRIC];
    let outcomes: BTreeSet<String> = OutcomeClass::ALL
        .iter()
        .map(|class| class.as_str().to_owned())
        .collect();
    // (namespace, metric) -> the dimension values plotted.
    let mut plotted: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut alarm_widgets = BTreeSet::new();
    let body = dashboard_body(template);
    for widget in body["widgets"].as_array().expect("widgets") {
        let properties = &widget["properties"];
        match widget["type"].as_str() {
            Some("metric") => {
                for series in properties["metrics"].as_array().expect("metrics") {
                    let parts: Vec<&str> = series
                        .as_array()
                        .expect("a series")
                        .iter()
                        .filter_map(Json::as_str)
                        .collect();
                    if parts.len() < 2 || !parts.len().is_multiple_of(2) || parts.contains(&"...") {
                        problems.push(format!("series {series}: namespace, name, dimension pairs"));
                        continue;
                    }
                    let (ns, name) = (parts[0], parts[1]);
                    let dimensions: BTreeMap<&str, &str> = parts[2..]
                        .chunks(2)
                        .map(|pair| (pair[0], pair[1]))
                        .collect();
                    let emitted = match ns {
                        ns if ns == namespace => {
                            our_metrics.contains(&name)
                                && dimensions.keys().copied().eq(["Outcome"])
                                && outcomes.contains(dimensions["Outcome"])
                        }
                        "AWS/Lambda" => {
                            ["Duration", "Errors", "Throttles", "Invocations"].contains(&name)
                                && dimensions.keys().copied().eq(["FunctionName"])
                                && functions.contains(dimensions["FunctionName"])
                        }
                        "AWS/DynamoDB" => {
                            let operation = dimensions.get("Operation").copied();
                            dimensions.get("TableName") == Some(&table.as_str())
                                && match name {
                                    "ConsumedWriteCapacityUnits" | "WriteThrottleEvents" => {
                                        dimensions.len() == 1
                                    }
                                    "ThrottledRequests" => {
                                        dimensions.len() == 2
                                            && matches!(operation, Some("PutItem" | "UpdateItem"))
                                    }
                                    _ => false,
                                }
                        }
                        _ => false,
                    };
                    if !emitted {
                        problems.push(format!("series {series} is not a metric this stack emits"));
                    }
                    let value = dimensions
                        .values()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>();
                    plotted
                        .entry((ns.to_owned(), name.to_owned()))
                        .or_default()
                        .extend(value);
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
    let requests = plotted
        .get(&(namespace.clone(), REQUESTS_METRIC.to_owned()))
        .cloned()
        .unwrap_or_default();
    if requests != outcomes {
        problems.push(format!(
            "Requests is plotted for outcomes {requests:?}, expected every one: {outcomes:?}"
        ));
    }
    for name in ["Duration", "Errors", "Throttles"] {
        let by_function = plotted
            .get(&("AWS/Lambda".to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_default();
        if by_function != functions {
            problems.push(format!(
                "AWS/Lambda {name} is plotted for {by_function:?}, expected {functions:?}"
            ));
        }
    }
    for name in ["ConsumedWriteCapacityUnits", "ThrottledRequests"] {
        if !plotted.contains_key(&("AWS/DynamoDB".to_owned(), name.to_owned())) {
            problems.push(format!("AWS/DynamoDB {name} is not plotted"));
        }
    }
    let alarms: BTreeSet<String> = resources_of_type(template, "AWS::CloudWatch::Alarm")
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
    let caught = |template: Yaml, expected: &str| {
        let problems = dashboard_problems(&template);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected:?} in {problems:?}"
        );
    };
    // An outcome the functions never emit (a typo), and a lost one.
    caught(
        with_dashboard(|body| body["widgets"][0]["properties"]["metrics"][0][3] = "store".into()),
        "is not a metric this stack emits",
    );
    caught(
        with_dashboard(|body| {
            body["widgets"][0]["properties"]["metrics"]
                .as_array_mut()
                .unwrap()
                .pop();
        }),
        "expected every one",
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
