//! Checks the wiring in `template.yaml`: each function's build, runtime, routes, environment and
//! least-privilege policy, the table's durability settings, the secrets and the outputs, and that
//! the routes agree with `webhook_payload::Route::ALL` and with the `cargo lambda watch` router in
//! Cargo.toml. A route or permission removed by mistake fails here, not in a deployment; the
//! `mutation_*` tests prove that by breaking a copy of the template.
//!
//! The tests are grouped by topic in the modules under `template/`; the helpers they share
//! (`assert_caught` and the accessors of a function's first event and statement) are here.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::template::{
    cargo_metadata, function_mut, load_template, sub_string, template_functions, watch_router,
};
use integration_tests::wiring::{template_routes, wiring_problems};
use serde_yaml_ng::Value as Yaml;
use webhook_payload::Function;

// Plain files in tests/tests/template/, named by path: Cargo makes no test target of them.
#[path = "template/access_logs.rs"]
mod access_logs;
#[path = "template/routes_and_policies.rs"]
mod routes_and_policies;
#[path = "template/table_and_outputs.rs"]
mod table_and_outputs;

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

/// A function built in the workspace root (where cargo selects every member and unifies the
/// tools', tests' and bench's features into the function's dependencies) or in another
/// function's folder is caught.
#[test]
fn mutation_a_function_built_outside_its_own_package_folder_is_caught() {
    for code_uri in [".", "functions/ack", "functions/nowhere"] {
        assert_caught(
            |t| function_mut(t, Function::Click)["Properties"]["CodeUri"] = Yaml::from(code_uri),
            "ClickFunction: CodeUri",
        );
    }
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
fn the_failed_and_quarantined_alarms_watch_the_metric_the_functions_emit() {
    let template = load_template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    let namespace =
        sub_string(&globals["METRICS_NAMESPACE"]).expect("Globals set METRICS_NAMESPACE with !Sub");
    for (name, class) in [
        ("FailedEventsAlarm", webhook_receiver::RequestClass::Failed),
        (
            "QuarantinedEventsAlarm",
            webhook_receiver::RequestClass::Quarantined,
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
