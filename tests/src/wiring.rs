//! Every problem with the wiring in `template.yaml`, by concern: the API, each function's build,
//! runtime, routes, environment, permissions and logs (all against the function table,
//! `webhook_payload::Function`), the local router, the table and the outputs. The template tests
//! assert there are none, and break copies of the template to prove each check can fail.

pub mod alarms;
mod permissions;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use webhook_payload::{Function, Route};
use webhook_receiver::STORE_BUDGET;
use webhook_table::testing as item;

use crate::repo_root;
use crate::stack::Stack;
use crate::template::{
    describe, effective, event_paths, is_ref, is_true, one_or_many, resources, resources_of_type,
    sub_string, template_functions, watch_router, workspace_bins, TABLE,
};
use permissions::{environment_problems, permission_problems};

/// Every problem with the template's wiring; empty when it is right.
pub fn wiring_problems(template: &Yaml, metadata: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    let api_id = api_problems(template, &mut problems);
    let functions = template_functions(template);
    if functions.len() != Function::ALL.len() {
        problems.push(format!(
            "expected {} functions, found {}",
            Function::ALL.len(),
            functions.len()
        ));
    }
    let workspace_bins = workspace_bins(metadata);
    for function in Function::ALL {
        let binary = function.binary();
        let found: Vec<_> = functions.iter().filter(|(_, b, _)| *b == binary).collect();
        let [(id, _, resource)] = found.as_slice() else {
            problems.push(format!(
                "expected one function with BuildProperties.Binary {binary}, found {}",
                found.len()
            ));
            continue;
        };
        let problems = &mut problems;
        build_problems(id, resource, binary, &workspace_bins, problems);
        runtime_problems(template, id, resource, problems);
        route_problems(id, resource, function, api_id, problems);
        environment_problems(template, id, resource, function, problems);
        permission_problems(id, resource, function, problems);
        log_group_problems(template, id, problems);
    }
    router_problems(template, metadata, &mut problems);
    throttle_problems(template, api_id, &mut problems);
    table_problems(template, &mut problems);
    output_problems(template, api_id, &mut problems);
    problems
}

/// The role of the pipes that publish events (docs/events.md): the one IAM
/// resource of the template, whose least privilege tests/events_pipe.rs checks.
pub const EVENTS_PIPE_ROLE: &str = "EventsPipeRole";

/// The SAM transform, the one HTTP API (its logical id is returned), and no IAM resource beside
/// the functions' own inline policies and [`EVENTS_PIPE_ROLE`].
fn api_problems<'a>(template: &'a Yaml, problems: &mut Vec<String>) -> &'a str {
    if template["Transform"].as_str() != Some("AWS::Serverless-2016-10-31") {
        problems.push("Transform must be AWS::Serverless-2016-10-31".into());
    }
    for (id, resource) in resources(template) {
        let kind = resource["Type"].as_str().unwrap_or_default();
        if kind.starts_with("AWS::IAM::") && (kind, id) != ("AWS::IAM::Role", EVENTS_PIPE_ROLE) {
            problems.push(format!(
                "{id}: {kind} resources are not expected; grant through each function's Policies"
            ));
        }
    }
    let apis = resources_of_type(template, "AWS::Serverless::HttpApi");
    match apis.as_slice() {
        [(id, _)] => id,
        _ => {
            problems.push(format!(
                "expected exactly one AWS::Serverless::HttpApi, found {}",
                apis.len()
            ));
            ""
        }
    }
}

/// The rate one WhatsApp number can cause at Meta's highest tier: 1,000 messages a second, each
/// followed by up to three status webhooks (sent, delivered, read).
pub const CAMPAIGN_REQUESTS_PER_SECOND: u64 = 1_000 * 3;

/// The API's throttle comes from `ApiThrottleRateLimit` and `ApiThrottleBurstLimit`, whose
/// defaults carry a campaign ([`CAMPAIGN_REQUESTS_PER_SECOND`]) with a burst at least as large.
fn throttle_problems(template: &Yaml, api_id: &str, problems: &mut Vec<String>) {
    let settings = &template["Resources"][api_id]["Properties"]["DefaultRouteSettings"];
    let default = |parameter: &str| template["Parameters"][parameter]["Default"].as_u64();
    for (property, parameter) in [
        ("ThrottlingRateLimit", "ApiThrottleRateLimit"),
        ("ThrottlingBurstLimit", "ApiThrottleBurstLimit"),
    ] {
        if !is_ref(&settings[property], parameter) {
            problems.push(format!(
                "{api_id}: DefaultRouteSettings.{property} must be !Ref {parameter}"
            ));
        }
    }
    let rate = default("ApiThrottleRateLimit").unwrap_or_default();
    let burst = default("ApiThrottleBurstLimit").unwrap_or_default();
    if rate < CAMPAIGN_REQUESTS_PER_SECOND || burst < rate {
        problems.push(format!(
            "ApiThrottleRateLimit defaults to {rate}/s and ApiThrottleBurstLimit to {burst}: a \
             campaign needs {CAMPAIGN_REQUESTS_PER_SECOND}/s (1,000 messages/s, three acks each) \
             and a burst at least the rate"
        ));
    }
}

/// Built by cargo-lambda in the folder of the one package that has the binary: cargo run there
/// selects that package alone, so the function's dependencies get its own features only (the
/// workspace root would select every member and unify the tools', tests' and bench's features
/// into them).
fn build_problems(
    id: &str,
    function: &Yaml,
    binary: &str,
    workspace_bins: &BTreeMap<String, Vec<PathBuf>>,
    problems: &mut Vec<String>,
) {
    if function["Metadata"]["BuildMethod"].as_str() != Some("rust-cargolambda") {
        problems.push(format!(
            "{id}: Metadata.BuildMethod must be rust-cargolambda"
        ));
    }
    let folders = workspace_bins
        .get(binary)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let [folder] = folders else {
        problems.push(format!(
            "{id}: expected one workspace package with a bin target named {binary}, found {}",
            folders.len()
        ));
        return;
    };
    let root = repo_root().canonicalize().unwrap_or_else(|_| repo_root());
    let folder = folder.canonicalize().unwrap_or_else(|_| folder.clone());
    let code_uri = function["Properties"]["CodeUri"].as_str();
    let built_in = code_uri.and_then(|code_uri| root.join(code_uri).canonicalize().ok());
    if built_in.as_ref() != Some(&folder) {
        problems.push(format!(
            "{id}: CodeUri {} must be {}, the folder of the package with the bin target \
             {binary}, so that SAM's cargo lambda build selects that package alone",
            code_uri.map_or_else(|| "(none)".to_owned(), |code_uri| format!("{code_uri:?}")),
            folder.strip_prefix(&root).unwrap_or(&folder).display()
        ));
    }
}

/// `provided.al2023` on arm64, and a timeout longer than the handler's store budget.
fn runtime_problems(template: &Yaml, id: &str, function: &Yaml, problems: &mut Vec<String>) {
    if effective(template, function, "Runtime").as_str() != Some("provided.al2023") {
        problems.push(format!("{id}: Runtime must be provided.al2023"));
    }
    if effective(template, function, "Handler").as_str() != Some("bootstrap") {
        problems.push(format!("{id}: Handler must be bootstrap"));
    }
    let architectures = effective(template, function, "Architectures");
    if architectures.as_sequence().map(Vec::as_slice) != Some(&[Yaml::from("arm64")][..]) {
        problems.push(format!(
            "{id}: Architectures must be [arm64], found {}",
            describe(architectures)
        ));
    }
    match effective(template, function, "Timeout").as_u64() {
        Some(seconds) if u128::from(seconds) * 1000 > STORE_BUDGET.as_millis() => {}
        other => problems.push(format!(
            "{id}: Timeout {other:?} s must exceed the handler's {} ms store budget, so the \
             function answers 503 itself instead of being killed",
            STORE_BUDGET.as_millis()
        )),
    }
}

/// Exactly the function's routes from the function table, each an `ANY` route of the one API in
/// payload format 2.0.
fn route_problems(
    id: &str,
    function: &Yaml,
    expected: Function,
    api_id: &str,
    problems: &mut Vec<String>,
) {
    let mut routes = BTreeSet::new();
    for (name, event) in function["Properties"]["Events"]
        .as_mapping()
        .into_iter()
        .flatten()
    {
        let name = name.as_str().unwrap_or_default();
        let properties = &event["Properties"];
        if event["Type"].as_str() != Some("HttpApi") {
            problems.push(format!("{id}.{name}: event Type must be HttpApi"));
            continue;
        }
        if !is_ref(&properties["ApiId"], api_id) {
            problems.push(format!("{id}.{name}: ApiId must be !Ref {api_id}"));
        }
        if properties["Method"].as_str() != Some("ANY") {
            problems.push(format!(
                "{id}.{name}: Method must be ANY (edna Pulse checks the URL with HEAD; the \
                 function answers 405 itself for other methods)"
            ));
        }
        if properties["PayloadFormatVersion"].as_str() != Some("2.0") {
            problems.push(format!("{id}.{name}: PayloadFormatVersion must be \"2.0\""));
        }
        routes.insert(properties["Path"].as_str().unwrap_or_default().to_owned());
    }
    let want: BTreeSet<String> = expected
        .routes()
        .iter()
        .map(|route| route.path().to_owned())
        .collect();
    if routes != want {
        problems.push(format!(
            "{id}: routes are {routes:?}, expected {want:?} (each with Method ANY)"
        ));
    }
}

/// Logs kept for a bounded time.
fn log_group_problems(template: &Yaml, id: &str, problems: &mut Vec<String>) {
    let log_group = resources_of_type(template, "AWS::Logs::LogGroup")
        .into_iter()
        .find(|(_, group)| {
            sub_string(&group["Properties"]["LogGroupName"])
                == Some(&format!("/aws/lambda/${{{id}}}"))
        });
    match log_group {
        Some((_, group)) if !group["Properties"]["RetentionInDays"].is_null() => {}
        _ => problems.push(format!(
            "{id}: needs a log group /aws/lambda/${{{id}}} with RetentionInDays"
        )),
    }
}

/// The template's routes: path -> binary, as API Gateway will route them; a path wired to two
/// functions is a problem.
pub fn template_routes(template: &Yaml, problems: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut routes = BTreeMap::new();
    for (_, binary, function) in template_functions(template) {
        for (_, path) in event_paths(function) {
            if let Some(other) = routes.insert(path.to_owned(), binary.to_owned()) {
                problems.push(format!(
                    "route {path} is wired to both {other} and {binary}"
                ));
            }
        }
    }
    routes
}

/// The template's routes are `Route::ALL`, and the local router routes them the same way.
fn router_problems(template: &Yaml, metadata: &Json, problems: &mut Vec<String>) {
    let template_routes = template_routes(template, problems);
    let code_routes: BTreeSet<String> = Route::ALL.iter().map(|r| r.path().to_owned()).collect();
    let template_paths: BTreeSet<String> = template_routes.keys().cloned().collect();
    if template_paths != code_routes {
        problems.push(format!(
            "template routes {template_paths:?} differ from Route::ALL {code_routes:?}"
        ));
    }
    let router = watch_router(metadata);
    if router != template_routes {
        problems.push(format!(
            "[workspace.metadata.lambda.watch.router] in Cargo.toml is {router:?}, but template.yaml \
             routes {template_routes:?}"
        ));
    }
}

/// The table: on demand, recoverable, encrypted, kept when the stack goes.
fn table_problems(template: &Yaml, problems: &mut Vec<String>) {
    let table = &template["Resources"][TABLE];
    if table["Type"].as_str() != Some("AWS::DynamoDB::Table") {
        problems.push(format!("{TABLE} must be an AWS::DynamoDB::Table"));
    }
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        if table[policy].as_str() != Some("Retain") {
            problems.push(format!("{TABLE}: {policy} must be Retain"));
        }
    }
    let properties = &table["Properties"];
    if properties["BillingMode"].as_str() != Some("PAY_PER_REQUEST") {
        problems.push(format!("{TABLE}: BillingMode must be PAY_PER_REQUEST"));
    }
    if !is_true(&properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]) {
        problems.push(format!("{TABLE}: point-in-time recovery must be enabled"));
    }
    if !is_true(&properties["SSESpecification"]["SSEEnabled"]) {
        problems.push(format!("{TABLE}: SSESpecification.SSEEnabled must be true"));
    }
    if !is_true(&properties["DeletionProtectionEnabled"]) {
        problems.push(format!(
            "{TABLE}: DeletionProtectionEnabled must be true (a DeleteTable by hand is refused)"
        ));
    }
    key_problems(&Stack::new(template, &[]), properties, problems);
}

/// The keys and indexes are the ones item.rs writes and the store queries.
/// `stack`: the template as deployed with its default parameters (every index).
fn key_problems<'a>(stack: &Stack<'a>, properties: &'a Yaml, problems: &mut Vec<String>) {
    let keys = |schema: &Yaml| -> Vec<(String, String)> {
        one_or_many(schema)
            .into_iter()
            .map(|key| {
                let text = |name: &str| key[name].as_str().unwrap_or_default().to_owned();
                (text("AttributeName"), text("KeyType"))
            })
            .collect()
    };
    let pair = |hash: &str, range: &str| {
        vec![
            (hash.to_owned(), "HASH".to_owned()),
            (range.to_owned(), "RANGE".to_owned()),
        ]
    };
    if keys(&properties["KeySchema"]) != pair(item::PK, item::SK) {
        problems.push(format!(
            "{TABLE}: KeySchema must be {} (HASH) and {} (RANGE)",
            item::PK,
            item::SK
        ));
    }
    let indexes = [
        (item::BY_PHONE_INDEX, item::PHONE_KEY, item::OCCURRED_AT),
        (
            item::BY_QUARANTINE_DAY_INDEX,
            item::QUARANTINE_SHARD,
            item::RECEIVED_AT,
        ),
    ];
    for (name, hash, range) in indexes {
        let index = stack
            .items(&properties["GlobalSecondaryIndexes"])
            .into_iter()
            .find(|index| index["IndexName"].as_str() == Some(name));
        match index {
            Some(index) if keys(&index["KeySchema"]) == pair(hash, range) => {}
            _ => problems.push(format!(
                "{TABLE}: no index {name} on {hash} (HASH) and {range} (RANGE)"
            )),
        }
    }
}

/// Outputs: a ready-to-paste URL per route, and the table name.
fn output_problems(template: &Yaml, api_id: &str, problems: &mut Vec<String>) {
    let outputs: Vec<&Yaml> = template["Outputs"]
        .as_mapping()
        .into_iter()
        .flatten()
        .map(|(_, output)| &output["Value"])
        .collect();
    for route in Route::ALL {
        let path = route.path();
        let has_url = outputs.iter().any(|value| {
            sub_string(value).is_some_and(|url| {
                url.starts_with(&format!("https://${{{api_id}}}.execute-api."))
                    && url.ends_with(path)
            })
        });
        if !has_url {
            problems.push(format!(
                "Outputs: no !Sub https://${{{api_id}}}.execute-api...{path} URL"
            ));
        }
    }
    if !outputs.iter().any(|value| is_ref(value, TABLE)) {
        problems.push(format!("Outputs: no output with Value !Ref {TABLE}"));
    }
}
