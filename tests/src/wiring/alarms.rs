//! What the stack's alarms and dashboard may watch, and how its alarms must be wired: every
//! series the functions' one EMF line per request creates (read from `webhook_receiver::emf_line`
//! over every `Measure`, never from names spelled here), the AWS metrics of the stack's own
//! resources, and for each alarm: a description that says what to do first, the stack's
//! notification target, and only series that exist.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{EventKind, Provider, Route};
use webhook_receiver::{emf_line, Measure, RequestClass};
use webhook_table::{testing as item, FaultCause};

use crate::stack::Stack;
use crate::template::{one_or_many, resources_of_type, template_functions, TABLE};

/// Each modelled kind of each provider, counted as `DeliveryLag` by provider and kind when
/// stored: the one list the alarms' sums of stored events and the dashboard's lag series are
/// checked against (from `Provider::modelled_kinds`).
pub fn stored_kinds() -> Vec<(Provider, EventKind)> {
    Provider::ALL
        .into_iter()
        .flat_map(|provider| {
            provider
                .modelled_kinds()
                .iter()
                .map(move |kind| (provider, *kind))
        })
        .collect()
}

/// `(provider, kind)` of each stored kind, as the `Provider` and `Kind` dimensions carry them.
pub fn stored_series() -> Vec<(&'static str, &'static str)> {
    stored_kinds()
        .into_iter()
        .map(|(provider, kind)| (provider.as_str(), kind.as_str()))
        .collect()
}

/// One CloudWatch series: namespace, metric name and dimension values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Series {
    /// The namespace, e.g. `AWS/Lambda` or the functions' `METRICS_NAMESPACE`.
    pub namespace: String,
    /// The metric name.
    pub metric: String,
    /// Dimension name -> value.
    pub dimensions: BTreeMap<String, String>,
}

impl std::fmt::Display for Series {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {:?}",
            self.namespace, self.metric, self.dimensions
        )
    }
}

/// Every measure a request can produce: each stored kind (also through a route not named for
/// it, where a route accepts it, so that `WrongRoute` is there too), each storage fault cause,
/// and every other outcome.
pub fn every_measure() -> Vec<Measure> {
    let stored = stored_kinds().into_iter().flat_map(|(provider, kind)| {
        let wrong_route_possible = Route::ALL
            .iter()
            .any(|route| route.accepts(provider) && !route.expects(kind));
        [false, true]
            .into_iter()
            .filter(move |wrong| !wrong || wrong_route_possible)
            .map(move |wrong_route| Measure::Stored {
                provider: provider.as_str(),
                kind: kind.as_str(),
                lag_seconds: 1.0,
                wrong_route,
            })
    });
    let failed = FaultCause::ALL.into_iter().map(Measure::Failed);
    let other = RequestClass::ALL
        .into_iter()
        .filter(|class| class.counts_requests() && *class != RequestClass::Failed)
        .map(Measure::Other);
    stored.chain(failed).chain(other).collect()
}

/// The series the EMF line of `measure` creates under `namespace`.
pub fn series_of(namespace: &str, measure: &Measure) -> Vec<Series> {
    let line: Json = serde_json::from_str(&emf_line(namespace, measure, 0)).expect("EMF is JSON");
    let mut series = Vec::new();
    for directive in line["_aws"]["CloudWatchMetrics"]
        .as_array()
        .expect("directives")
    {
        let ns = directive["Namespace"].as_str().expect("a namespace");
        for set in directive["Dimensions"].as_array().expect("dimension sets") {
            let dimensions: BTreeMap<String, String> = set
                .as_array()
                .expect("a dimension set")
                .iter()
                .map(|name| {
                    let name = name.as_str().expect("a dimension name");
                    let value = line[name].as_str().expect("the dimension's value");
                    (name.to_owned(), value.to_owned())
                })
                .collect();
            for metric in directive["Metrics"].as_array().expect("metrics") {
                series.push(Series {
                    namespace: ns.to_owned(),
                    metric: metric["Name"].as_str().expect("a metric name").to_owned(),
                    dimensions: dimensions.clone(),
                });
            }
        }
    }
    series
}

/// Every series the functions emit under `namespace`.
pub fn emitted_series(namespace: &str) -> BTreeSet<Series> {
    every_measure()
        .iter()
        .flat_map(|measure| series_of(namespace, measure))
        .collect()
}

/// The functions' metrics namespace on `stack` (Globals' `METRICS_NAMESPACE`).
pub fn metrics_namespace(stack: &Stack) -> String {
    stack
        .eval(
            &stack.template["Globals"]["Function"]["Environment"]["Variables"]["METRICS_NAMESPACE"],
        )
        .expect("METRICS_NAMESPACE")
}

/// Whether `series` is one this stack emits: a series of the functions' EMF lines, or an AWS
/// metric of one of the stack's own resources, with the dimensions AWS publishes it under.
pub fn is_emitted(stack: &Stack, series: &Series) -> bool {
    let namespace = metrics_namespace(stack);
    if series.namespace == namespace {
        return emitted_series(&namespace).contains(series);
    }
    let dims = &series.dimensions;
    let only = |name: &str, value: &str| {
        dims.len() == 1 && dims.get(name).map(String::as_str) == Some(value)
    };
    let functions: BTreeSet<String> = template_functions(stack.template)
        .into_iter()
        .map(|(id, _, _)| format!("<{id}>"))
        .collect();
    let table = format!("<{TABLE}>");
    let api = resources_of_type(stack.template, "AWS::Serverless::HttpApi")
        .first()
        .map(|(id, _)| format!("<{id}>"))
        .unwrap_or_default();
    let metric = series.metric.as_str();
    match series.namespace.as_str() {
        "AWS/Lambda" => {
            ["Duration", "Errors", "Throttles", "Invocations"].contains(&metric)
                && dims.len() == 1
                && dims
                    .get("FunctionName")
                    .is_some_and(|name| functions.contains(name))
        }
        "AWS/DynamoDB" => match metric {
            "ConsumedWriteCapacityUnits" => only("TableName", &table),
            // The table's own, or one of its indexes' (a throttled index entry throttles the
            // table write, and only the index's series counts it).
            "WriteThrottleEvents" => {
                only("TableName", &table)
                    || (dims.len() == 2
                        && dims.get("TableName") == Some(&table)
                        && dims.get("GlobalSecondaryIndexName").is_some_and(|index| {
                            [item::BY_PHONE_INDEX, item::BY_QUARANTINE_DAY_INDEX]
                                .contains(&index.as_str())
                        }))
            }
            "ThrottledRequests" => {
                dims.len() == 2
                    && dims.get("TableName") == Some(&table)
                    && matches!(dims.get("Operation").map(String::as_str), Some("PutItem"))
            }
            _ => false,
        },
        // HTTP APIs publish by ApiId (and ApiId + Stage).
        "AWS/ApiGateway" => {
            ["Count", "4xx", "5xx", "Latency", "IntegrationLatency"].contains(&metric)
                && only("ApiId", &api)
        }
        // The one events pipe's executions (only with EventBusArn).
        "AWS/EventBridge/Pipes" => {
            ["ExecutionFailed", "ExecutionThrottled"].contains(&metric)
                && stack.exists(EVENTS_PIPE)
                && only("PipeName", &format!("<{EVENTS_PIPE}>"))
        }
        "AWS/SQS" => {
            metric == "ApproximateNumberOfMessagesVisible"
                && stack.exists(PIPE_DEAD_LETTER_QUEUE)
                && only(
                    "QueueName",
                    &format!("<{PIPE_DEAD_LETTER_QUEUE}.QueueName>"),
                )
        }
        _ => false,
    }
}

/// The one pipe that publishes new events from the table's stream.
pub const EVENTS_PIPE: &str = "EventsPipe";
/// The queue that keeps what the pipes could not deliver.
pub const PIPE_DEAD_LETTER_QUEUE: &str = "PipeDeadLetterQueue";
/// The topic the stack creates for `AlarmEmail`.
pub const ALARM_TOPIC: &str = "AlarmTopic";

/// One metric an alarm reads: the series, its statistic and period.
#[derive(Debug, Clone)]
pub struct Watched {
    /// The metric math id (empty for a single-metric alarm).
    pub id: String,
    /// The series.
    pub series: Series,
    /// `Sum`, `SampleCount`, `p90`, ...
    pub stat: String,
    /// Seconds.
    pub period: u64,
}

fn series_from(stack: &Stack, namespace: &Yaml, metric: &Yaml, dimensions: &Yaml) -> Series {
    Series {
        namespace: stack.eval(namespace).expect("a namespace"),
        metric: stack.eval(metric).expect("a metric name"),
        dimensions: one_or_many(dimensions)
            .into_iter()
            .filter(|d| !d.is_null())
            .map(|d| {
                (
                    stack.eval(&d["Name"]).expect("a dimension name"),
                    stack.eval(&d["Value"]).expect("a dimension value"),
                )
            })
            .collect(),
    }
}

/// The metrics an alarm's properties read, and its metric math expressions as (id, expression).
pub fn watched(stack: &Stack, alarm: &Yaml) -> (Vec<Watched>, Vec<(String, String)>) {
    let mut metrics = Vec::new();
    let mut expressions = Vec::new();
    if alarm["Metrics"].is_null() {
        let statistic = if alarm["Statistic"].is_null() {
            &alarm["ExtendedStatistic"]
        } else {
            &alarm["Statistic"]
        };
        metrics.push(Watched {
            id: String::new(),
            series: series_from(
                stack,
                &alarm["Namespace"],
                &alarm["MetricName"],
                &alarm["Dimensions"],
            ),
            stat: stack.eval(statistic).unwrap_or_default(),
            period: stack
                .eval(&alarm["Period"])
                .and_then(|p| p.parse().ok())
                .unwrap_or_default(),
        });
    }
    for query in one_or_many(&alarm["Metrics"])
        .into_iter()
        .filter(|q| !q.is_null())
    {
        let id = query["Id"].as_str().unwrap_or_default().to_owned();
        if let Some(expression) = query["Expression"].as_str() {
            expressions.push((id, expression.to_owned()));
            continue;
        }
        let stat = &query["MetricStat"];
        let metric = &stat["Metric"];
        metrics.push(Watched {
            id,
            series: series_from(
                stack,
                &metric["Namespace"],
                &metric["MetricName"],
                &metric["Dimensions"],
            ),
            stat: stack.eval(&stat["Stat"]).unwrap_or_default(),
            period: stack
                .eval(&stat["Period"])
                .and_then(|p| p.parse().ok())
                .unwrap_or_default(),
        });
    }
    (metrics, expressions)
}

/// The alarms that exist on `stack`, by logical id.
pub fn alarms<'a>(stack: &Stack<'a>) -> Vec<(&'a str, &'a Yaml)> {
    resources_of_type(stack.template, "AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(id, _)| stack.exists(id))
        .collect()
}

/// What every alarm on `stack` must notify: the given topic, else the stack's own topic when an
/// e-mail is given, else nothing.
pub fn expected_actions(stack: &Stack) -> Vec<String> {
    let given = &stack.parameters["AlarmTopicArn"];
    if !given.is_empty() {
        vec![given.clone()]
    } else if !stack.parameters["AlarmEmail"].is_empty() {
        vec![format!("<{ALARM_TOPIC}>")]
    } else {
        Vec::new()
    }
}

/// A list property that may be `!If [c, [..], !Ref AWS::NoValue]`, evaluated.
fn actions(stack: &Stack, value: &Yaml) -> Vec<String> {
    if value.is_null() {
        return Vec::new();
    }
    if let Some((name, arg)) = crate::template::intrinsic(value) {
        assert_eq!(name, "Fn::If", "actions are a list or an !If");
        let args = arg.as_sequence().expect("!If [c, a, b]");
        let branch = if stack.condition(args[0].as_str().expect("a condition")) {
            &args[1]
        } else {
            &args[2]
        };
        return match crate::template::intrinsic(branch) {
            Some((name, _)) if name == "Ref" && stack.eval(branch).is_none() => Vec::new(),
            _ => actions(stack, branch),
        };
    }
    stack.list(value)
}

/// Every problem with the alarms on `stack`: a description without what to do first, actions
/// other than the stack's notification target, a series nobody emits, or metric math whose
/// metrics no expression reads.
pub fn alarm_problems(stack: &Stack) -> Vec<String> {
    let mut problems = Vec::new();
    let want = expected_actions(stack);
    for (id, alarm) in alarms(stack) {
        let properties = &alarm["Properties"];
        let description = properties["AlarmDescription"].as_str().unwrap_or_default();
        if !description.contains("First:") {
            problems.push(format!(
                "{id}: AlarmDescription must say what happened and, after \"First:\", what to do"
            ));
        }
        for property in ["AlarmActions", "OKActions"] {
            let got = actions(stack, &properties[property]);
            if got != want {
                problems.push(format!("{id}: {property} is {got:?}, expected {want:?}"));
            }
        }
        let (metrics, expressions) = watched(stack, properties);
        if metrics.is_empty() {
            problems.push(format!("{id}: watches no metric"));
        }
        for watched in &metrics {
            if !is_emitted(stack, &watched.series) {
                problems.push(format!(
                    "{id}: {} is not a series this stack emits",
                    watched.series
                ));
            }
            if !expressions.is_empty() && !expressions.iter().any(|(_, e)| mentions(e, &watched.id))
            {
                problems.push(format!("{id}: no expression reads {}", watched.id));
            }
        }
        let returned = one_or_many(&properties["Metrics"])
            .into_iter()
            .filter(|q| !q.is_null() && q["ReturnData"].as_bool() != Some(false))
            .count();
        if !expressions.is_empty() && returned != 1 {
            problems.push(format!(
                "{id}: {returned} queries return data; metric math alarms need exactly one"
            ));
        }
    }
    problems
}

/// Whether `expression` names the metric math id `id` (as a whole word).
pub fn mentions(expression: &str, id: &str) -> bool {
    expression
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|word| word == id)
}
