//! What `template.yaml` sets for a campaign's peak (docs/capacity.md): warm throughput for the
//! table and each index, a concurrency cap for each function, index entries of one write unit,
//! and the alarms that say when an index throttles or the events pipe falls behind. Each check
//! is shown to fail on a template mutated to break it.

use std::collections::BTreeSet;

use integration_tests::stack::Stack;
use integration_tests::template::{
    effective, load_template, one_or_many, table_index_mut, template_functions, TABLE,
};
use integration_tests::wiring::alarms::{watched, EVENTS_PIPE};
use serde_yaml_ng::Value as Yaml;
use webhook_table::testing as item;

const TABLE_WARM: &str = "TableWarmWriteUnits";
const INDEX_WARM: &str = "IndexWarmWriteUnits";
const CONCURRENCY: &str = "FunctionConcurrencyLimit";
const BUS: &str = "arn:aws:events:eu-west-1:123456789012:event-bus/automation";

/// The warm write units `warm` (a `WarmThroughput` value) sets in `stack`, if any.
fn warm_units(stack: &Stack, warm: &Yaml) -> Option<String> {
    stack
        .chosen(warm)
        .and_then(|warm| stack.eval(&warm["WriteUnitsPerSecond"]))
}

/// The table's indexes as deployed with the default parameters (every index).
fn indexes(template: &Yaml) -> Vec<&Yaml> {
    Stack::new(template, &[])
        .items(&template["Resources"][TABLE]["Properties"]["GlobalSecondaryIndexes"])
}

/// What is wrong with the template's capacity settings, checked for each parameter on and off.
fn capacity_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    for parameter in [TABLE_WARM, INDEX_WARM, CONCURRENCY] {
        let declared = &template["Parameters"][parameter];
        if declared["Default"].as_i64() != Some(0) || declared["MinValue"].as_i64() != Some(0) {
            problems.push(format!("{parameter}: must default to 0 (off), minimum 0"));
        }
    }
    let table = &template["Resources"][TABLE]["Properties"];
    for (overrides, table_units, index_units, cap) in [
        (vec![], None, None, None),
        (
            vec![
                (TABLE_WARM, "12000"),
                (INDEX_WARM, "6000"),
                (CONCURRENCY, "300"),
            ],
            Some("12000"),
            Some("6000"),
            Some("300"),
        ),
    ] {
        let stack = Stack::new(template, &overrides);
        let found = warm_units(&stack, &table["WarmThroughput"]);
        if found.as_deref() != table_units {
            problems.push(format!(
                "table warm throughput {found:?} with {overrides:?}"
            ));
        }
        for index in stack.items(&table["GlobalSecondaryIndexes"]) {
            let name = index["IndexName"].as_str().unwrap_or_default();
            let found = warm_units(&stack, &index["WarmThroughput"]);
            if found.as_deref() != index_units {
                problems.push(format!(
                    "{name}: warm throughput {found:?} with {overrides:?}"
                ));
            }
        }
        for (id, _, function) in template_functions(template) {
            let reserved = effective(template, function, "ReservedConcurrentExecutions");
            let found = stack.chosen(reserved).and_then(|value| stack.eval(value));
            if found.as_deref() != cap {
                problems.push(format!(
                    "{id}: reserved concurrency {found:?} with {overrides:?}"
                ));
            }
        }
    }
    // Every index entry is one write unit: keys and `kind`, or keys only; never a body.
    for index in indexes(template) {
        let name = index["IndexName"].as_str().unwrap_or_default();
        let projection = &index["Projection"];
        let lean = match name {
            item::BY_PHONE_INDEX => {
                projection["ProjectionType"].as_str() == Some("INCLUDE")
                    && one_or_many(&projection["NonKeyAttributes"])
                        .iter()
                        .map(|name| name.as_str())
                        .eq([Some(item::KIND)])
            }
            _ => projection["ProjectionType"].as_str() == Some("KEYS_ONLY"),
        };
        if !lean {
            problems.push(format!("{name}: projects more than its listing needs"));
        }
    }
    problems
}

#[test]
fn warm_throughput_and_concurrency_are_off_by_default_and_apply_everywhere_when_set() {
    let template = load_template();
    assert_eq!(capacity_problems(&template), Vec::<String>::new());
}

fn caught(mutate: impl FnOnce(&mut Yaml), expected: &str) {
    let mut template = load_template();
    mutate(&mut template);
    let problems = capacity_problems(&template);
    assert!(
        problems.iter().any(|problem| problem.contains(expected)),
        "{expected:?} not in {problems:?}"
    );
}

/// The table's quarantine index, to edit.
fn quarantine_index(template: &mut Yaml) -> &mut Yaml {
    table_index_mut(template, item::BY_QUARANTINE_DAY_INDEX)
}

#[test]
fn mutation_a_missing_warm_throughput_cap_or_fat_index_is_caught() {
    caught(
        |t| {
            quarantine_index(t)
                .as_mapping_mut()
                .unwrap()
                .remove("WarmThroughput");
        },
        "by_quarantine_day: warm throughput None",
    );
    caught(
        |t| {
            t["Resources"][TABLE]["Properties"]
                .as_mapping_mut()
                .unwrap()
                .remove("WarmThroughput");
        },
        "table warm throughput None",
    );
    caught(
        |t| t["Resources"]["AckFunction"]["Properties"]["ReservedConcurrentExecutions"] = 5.into(),
        "AckFunction: reserved concurrency",
    );
    caught(
        |t| {
            quarantine_index(t)["Projection"] =
                serde_yaml_ng::from_str("ProjectionType: ALL").unwrap()
        },
        "by_quarantine_day: projects more",
    );
    caught(
        |t| t["Parameters"][CONCURRENCY]["Default"] = 100.into(),
        "FunctionConcurrencyLimit: must default to 0",
    );
}

/// The alarms of a campaign's failure modes, as (series metric, dimension values) they watch.
fn watched_series(stack: &Stack, id: &str) -> BTreeSet<(String, Vec<String>)> {
    let alarm = &stack.template["Resources"][id]["Properties"];
    assert!(!alarm.is_null(), "no alarm {id}");
    watched(stack, alarm)
        .0
        .into_iter()
        .map(|w| (w.series.metric, w.series.dimensions.into_values().collect()))
        .collect()
}

/// What is wrong with the alarms of a campaign's failure modes: an index throttling (each index's
/// own series: the table's does not count it) and the events pipe falling behind.
fn alarm_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    let stack = Stack::new(template, &[("EventBusArn", BUS)]);
    let table = format!("<{TABLE}>");
    // Dimension values in the order of their names: GlobalSecondaryIndexName, TableName.
    let indexes: BTreeSet<(String, Vec<String>)> =
        [item::BY_PHONE_INDEX, item::BY_QUARANTINE_DAY_INDEX]
            .into_iter()
            .map(|index| {
                let dimensions = vec![index.to_owned(), table.clone()];
                ("WriteThrottleEvents".to_owned(), dimensions)
            })
            .collect();
    let pipe = format!("<{EVENTS_PIPE}>");
    let pipe_series: BTreeSet<(String, Vec<String>)> = [
        ("ExecutionFailed".to_owned(), vec![pipe.clone()]),
        ("ExecutionThrottled".to_owned(), vec![pipe]),
    ]
    .into();
    for (id, expected) in [
        ("IndexWriteThrottleAlarm", indexes),
        ("PipeExecutionAlarm", pipe_series),
    ] {
        let found = watched_series(&stack, id);
        if found != expected {
            problems.push(format!("{id} watches {found:?}, expected {expected:?}"));
        }
    }
    // Without a bus there is no pipe, and no alarm for it.
    if Stack::new(template, &[]).exists("PipeExecutionAlarm") {
        problems.push("PipeExecutionAlarm exists without EventBusArn".to_owned());
    }
    problems
}

#[test]
fn index_throttling_and_a_pipe_falling_behind_are_alarmed() {
    assert_eq!(alarm_problems(&load_template()), Vec::<String>::new());
}

#[test]
fn mutation_an_alarm_blind_to_an_index_or_to_throttled_pipe_executions_is_caught() {
    let caught = |id: &str, edit: fn(&mut Yaml), expected: &str| {
        let mut template = load_template();
        edit(&mut template["Resources"][id]["Properties"]);
        let problems = alarm_problems(&template);
        assert!(
            problems.iter().any(|problem| problem.contains(expected)),
            "{expected:?} not in {problems:?}"
        );
    };
    // The table's own series instead of the quarantine index's.
    caught(
        "IndexWriteThrottleAlarm",
        |alarm| {
            let dimensions = &mut alarm["Metrics"][2]["MetricStat"]["Metric"]["Dimensions"];
            dimensions.as_sequence_mut().unwrap().pop();
        },
        "IndexWriteThrottleAlarm watches",
    );
    // Failed executions only: a throttled pipe falls behind silently.
    caught(
        "PipeExecutionAlarm",
        |alarm| {
            alarm["Metrics"].as_sequence_mut().unwrap().pop();
        },
        "PipeExecutionAlarm watches",
    );
}

/// Upgrading a stack made before the sharded index: CloudFormation adds or deletes one index per
/// update, so `QuarantineIndex=false` deploys the table without it (the old index goes), and the
/// next deploy, with the default, adds the new one. Without the index, no attribute definition
/// is left that no key uses (DynamoDB refuses one).
#[test]
fn the_quarantine_index_can_be_left_out_for_one_upgrading_deploy() {
    let template = load_template();
    let table = &template["Resources"][TABLE]["Properties"];
    let deployed = |overrides: &[(&str, &str)]| -> (Vec<String>, BTreeSet<String>) {
        let stack = Stack::new(&template, overrides);
        let indexes = stack
            .items(&table["GlobalSecondaryIndexes"])
            .iter()
            .map(|index| index["IndexName"].as_str().unwrap().to_owned())
            .collect();
        let defined = stack
            .items(&table["AttributeDefinitions"])
            .iter()
            .map(|attribute| attribute["AttributeName"].as_str().unwrap().to_owned())
            .collect();
        (indexes, defined)
    };
    let keys_used = |template: &Yaml, overrides: &[(&str, &str)]| -> BTreeSet<String> {
        let stack = Stack::new(template, overrides);
        let key_names = |schema: &Yaml| -> Vec<String> {
            one_or_many(schema)
                .iter()
                .map(|key| key["AttributeName"].as_str().unwrap().to_owned())
                .collect()
        };
        let mut used: BTreeSet<String> = key_names(&table["KeySchema"]).into_iter().collect();
        for index in stack.items(&table["GlobalSecondaryIndexes"]) {
            used.extend(key_names(&index["KeySchema"]));
        }
        used
    };
    let (indexes, defined) = deployed(&[]);
    assert_eq!(
        indexes,
        [item::BY_PHONE_INDEX, item::BY_QUARANTINE_DAY_INDEX]
    );
    assert_eq!(defined, keys_used(&template, &[]));
    let off = [("QuarantineIndex", "false")];
    let (indexes, defined) = deployed(&off);
    assert_eq!(indexes, [item::BY_PHONE_INDEX]);
    assert_eq!(defined, keys_used(&template, &off));
    assert_eq!(
        template["Parameters"]["QuarantineIndex"]["Default"].as_str(),
        Some("true")
    );
}
