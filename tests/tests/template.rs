//! Checks the wiring in `template.yaml`: each function's build, runtime, routes, environment and
//! least-privilege policy, the table's durability settings, the secrets and the outputs, and that
//! the routes agree with `webhook_payload::Route::ALL` and with the `cargo lambda watch` router in
//! Cargo.toml. A route or permission removed by mistake fails here, not in a deployment; the
//! `mutation_*` tests prove that by breaking a copy of the template.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use webhook_payload::Route;
use webhook_receiver::{STORE_BUDGET, WARM_UP_KEY};

/// What each function must look like, keyed by the binary it runs.
struct Expected {
    binary: &'static str,
    routes: &'static [&'static str],
    actions: &'static [&'static str],
    secrets: &'static [&'static str],
}

const FUNCTIONS: [Expected; 3] = [
    Expected {
        binary: "click",
        routes: &["/edna/clicks"],
        actions: &["dynamodb:GetItem", "dynamodb:PutItem"],
        secrets: &["EDNA_API_KEYS"],
    },
    Expected {
        binary: "inbound-message",
        routes: &["/botlinkd/messages", "/botlinkd/events"],
        actions: &[
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        secrets: &["BOTLINKD_TOKENS"],
    },
    Expected {
        binary: "ack",
        routes: &["/botlinkd/acks"],
        actions: &[
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        secrets: &["BOTLINKD_TOKENS"],
    },
];

const TABLE: &str = "EventTable";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load_template() -> Yaml {
    let text =
        std::fs::read_to_string(repo_root().join("template.yaml")).expect("read template.yaml");
    serde_yaml_ng::from_str(&text).expect("template.yaml is YAML")
}

/// The workspace as cargo (and so `cargo lambda`) sees it: packages, bin targets and metadata.
fn cargo_metadata() -> Json {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(repo_root())
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// An intrinsic function in either the short (`!Ref X`) or the long (`{Ref: X}`) form, as
/// (`Ref` | `Fn::GetAtt` | `Fn::Sub` | ..., argument).
fn intrinsic(value: &Yaml) -> Option<(String, &Yaml)> {
    match value {
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let name = if name == "Ref" || name == "Condition" {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            Some((name, &tagged.value))
        }
        Yaml::Mapping(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next()?;
            let key = key.as_str()?;
            (key == "Ref" || key.starts_with("Fn::")).then(|| (key.to_owned(), arg))
        }
        _ => None,
    }
}

fn is_ref(value: &Yaml, logical_id: &str) -> bool {
    matches!(intrinsic(value), Some((name, arg)) if name == "Ref" && arg.as_str() == Some(logical_id))
}

/// `!GetAtt EventTable.Arn` or `{Fn::GetAtt: [EventTable, Arn]}`.
fn is_table_arn(value: &Yaml) -> bool {
    match intrinsic(value) {
        Some((name, arg)) if name == "Fn::GetAtt" => match arg {
            Yaml::String(s) => s == &format!("{TABLE}.Arn"),
            Yaml::Sequence(parts) => {
                parts.len() == 2
                    && parts[0].as_str() == Some(TABLE)
                    && parts[1].as_str() == Some("Arn")
            }
            _ => false,
        },
        _ => false,
    }
}

/// The string argument of `!Sub "..."` (or of the list form's first element).
fn sub_string(value: &Yaml) -> Option<&str> {
    match intrinsic(value)? {
        (name, arg) if name == "Fn::Sub" => match arg {
            Yaml::String(s) => Some(s),
            Yaml::Sequence(parts) => parts.first()?.as_str(),
            _ => None,
        },
        _ => None,
    }
}

/// CloudFormation takes `true` and `"true"` alike.
/// `{ForAllValues:StringEquals: {dynamodb:LeadingKeys: [WARM_UP_KEY]}}` and nothing more.
fn only_warm_up_key(condition: &Yaml) -> bool {
    let Some(conditions) = condition.as_mapping().filter(|map| map.len() == 1) else {
        return false;
    };
    let Some(keys) = conditions
        .get("ForAllValues:StringEquals")
        .and_then(Yaml::as_mapping)
        .filter(|map| map.len() == 1)
        .and_then(|map| map.get("dynamodb:LeadingKeys"))
    else {
        return false;
    };
    let keys = one_or_many(keys);
    keys.len() == 1 && keys[0].as_str() == Some(WARM_UP_KEY)
}

fn is_true(value: &Yaml) -> bool {
    value.as_bool() == Some(true) || value.as_str() == Some("true")
}

/// A scalar or a list of scalars, as a list.
fn one_or_many(value: &Yaml) -> Vec<&Yaml> {
    match value {
        Yaml::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn describe(value: &Yaml) -> String {
    serde_yaml_ng::to_string(value)
        .unwrap_or_default()
        .trim()
        .replace('\n', " ")
}

fn resources(template: &Yaml) -> Vec<(&str, &Yaml)> {
    template["Resources"]
        .as_mapping()
        .map(|map| {
            map.iter()
                .filter_map(|(id, resource)| Some((id.as_str()?, resource)))
                .collect()
        })
        .unwrap_or_default()
}

fn resources_of_type<'a>(template: &'a Yaml, kind: &str) -> Vec<(&'a str, &'a Yaml)> {
    resources(template)
        .into_iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some(kind))
        .collect()
}

/// A function property, falling back to `Globals.Function`.
fn effective<'a>(template: &'a Yaml, function: &'a Yaml, property: &str) -> &'a Yaml {
    match function["Properties"].get(property) {
        Some(value) => value,
        None => &template["Globals"]["Function"][property],
    }
}

/// Environment variables from `Globals.Function` overlaid with the function's own.
fn environment<'a>(template: &'a Yaml, function: &'a Yaml) -> BTreeMap<String, &'a Yaml> {
    let mut vars = BTreeMap::new();
    for source in [
        &template["Globals"]["Function"]["Environment"]["Variables"],
        &function["Properties"]["Environment"]["Variables"],
    ] {
        if let Some(map) = source.as_mapping() {
            for (name, value) in map {
                if let Some(name) = name.as_str() {
                    vars.insert(name.to_owned(), value);
                }
            }
        }
    }
    vars
}

/// Every problem with the template's wiring; empty when it is right.
fn wiring_problems(template: &Yaml, metadata: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |message: String| problems.push(message);

    if template["Transform"].as_str() != Some("AWS::Serverless-2016-10-31") {
        fail("Transform must be AWS::Serverless-2016-10-31".into());
    }

    // The one HTTP API.
    let apis = resources_of_type(template, "AWS::Serverless::HttpApi");
    let api_id = match apis.as_slice() {
        [(id, _)] => *id,
        _ => {
            fail(format!(
                "expected exactly one AWS::Serverless::HttpApi, found {}",
                apis.len()
            ));
            ""
        }
    };

    // Nothing but the functions' own inline policies may grant them anything.
    for (id, resource) in resources(template) {
        let kind = resource["Type"].as_str().unwrap_or_default();
        if kind.starts_with("AWS::IAM::") {
            fail(format!(
                "{id}: {kind} resources are not expected; grant through each function's Policies"
            ));
        }
    }

    // Binaries the workspace actually builds.
    let workspace_bins: BTreeSet<String> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|package| package["targets"].as_array().into_iter().flatten())
        .filter(|target| {
            target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .filter_map(|target| target["name"].as_str().map(str::to_owned))
        .collect();

    let functions = resources_of_type(template, "AWS::Serverless::Function");
    if functions.len() != FUNCTIONS.len() {
        fail(format!(
            "expected {} functions, found {}",
            FUNCTIONS.len(),
            functions.len()
        ));
    }
    // path -> binary, as API Gateway will route it.
    let mut template_routes: BTreeMap<String, String> = BTreeMap::new();

    for expected in &FUNCTIONS {
        let binary = expected.binary;
        let found: Vec<_> = functions
            .iter()
            .filter(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
            .collect();
        let (id, function) = match found.as_slice() {
            [(id, function)] => (*id, *function),
            _ => {
                fail(format!(
                    "expected one function with BuildProperties.Binary {binary}, found {}",
                    found.len()
                ));
                continue;
            }
        };

        // Build.
        if function["Metadata"]["BuildMethod"].as_str() != Some("rust-cargolambda") {
            fail(format!(
                "{id}: Metadata.BuildMethod must be rust-cargolambda"
            ));
        }
        if !workspace_bins.contains(binary) {
            fail(format!(
                "{id}: the workspace has no bin target named {binary}"
            ));
        }
        match function["Properties"]["CodeUri"].as_str() {
            Some(code_uri) if repo_root().join(code_uri).join("Cargo.toml").is_file() => {}
            other => fail(format!(
                "{id}: CodeUri {other:?} must be a folder of the workspace with a Cargo.toml"
            )),
        }

        // Runtime.
        if effective(template, function, "Runtime").as_str() != Some("provided.al2023") {
            fail(format!("{id}: Runtime must be provided.al2023"));
        }
        if effective(template, function, "Handler").as_str() != Some("bootstrap") {
            fail(format!("{id}: Handler must be bootstrap"));
        }
        let architectures = effective(template, function, "Architectures");
        if architectures.as_sequence().map(Vec::as_slice) != Some(&[Yaml::from("arm64")][..]) {
            fail(format!(
                "{id}: Architectures must be [arm64], found {}",
                describe(architectures)
            ));
        }
        match effective(template, function, "Timeout").as_u64() {
            Some(seconds) if u128::from(seconds) * 1000 > STORE_BUDGET.as_millis() => {}
            other => fail(format!(
                "{id}: Timeout {other:?} s must exceed the handler's {} ms store budget, so the \
                 function answers 503 itself instead of being killed",
                STORE_BUDGET.as_millis()
            )),
        }

        // Routes.
        let mut routes = BTreeSet::new();
        for (name, event) in function["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap_or_default();
            let properties = &event["Properties"];
            if event["Type"].as_str() != Some("HttpApi") {
                fail(format!("{id}.{name}: event Type must be HttpApi"));
                continue;
            }
            if !is_ref(&properties["ApiId"], api_id) {
                fail(format!("{id}.{name}: ApiId must be !Ref {api_id}"));
            }
            if properties["Method"].as_str() != Some("ANY") {
                fail(format!(
                    "{id}.{name}: Method must be ANY (edna Pulse checks the URL with HEAD; the \
                     function answers 405 itself for other methods)"
                ));
            }
            if properties["PayloadFormatVersion"].as_str() != Some("2.0") {
                fail(format!("{id}.{name}: PayloadFormatVersion must be \"2.0\""));
            }
            let path = properties["Path"].as_str().unwrap_or_default().to_owned();
            if let Some(other) = template_routes.insert(path.clone(), binary.to_owned()) {
                fail(format!(
                    "route {path} is wired to both {other} and {binary}"
                ));
            }
            routes.insert(path);
        }
        let want: BTreeSet<String> = expected.routes.iter().map(|r| r.to_string()).collect();
        if routes != want {
            fail(format!(
                "{id}: routes are {routes:?}, expected {want:?} (each with Method ANY)"
            ));
        }

        // Environment.
        let env = environment(template, function);
        if !env.get("TABLE_NAME").is_some_and(|v| is_ref(v, TABLE)) {
            fail(format!("{id}: TABLE_NAME must be !Ref {TABLE}"));
        }
        if !env
            .get("DYNAMODB_WARM_UP")
            .is_some_and(|v| is_ref(v, "DynamoDbWarmUp"))
        {
            fail(format!(
                "{id}: DYNAMODB_WARM_UP must be !Ref DynamoDbWarmUp"
            ));
        }
        for secret in expected.secrets {
            let parameter = env.get(*secret).and_then(|v| match intrinsic(v) {
                Some((name, arg)) if name == "Ref" => arg.as_str(),
                _ => None,
            });
            match parameter {
                Some(parameter) if is_true(&template["Parameters"][parameter]["NoEcho"]) => {}
                Some(parameter) => fail(format!(
                    "{id}: {secret} comes from parameter {parameter}, which must be NoEcho: true"
                )),
                None => fail(format!(
                    "{id}: {secret} must be set from a NoEcho parameter (!Ref)"
                )),
            }
        }

        // Permissions: inline statements only, on the table's ARN only, exactly these actions.
        if function["Properties"].get("Role").is_some() {
            fail(format!(
                "{id}: a Role would bypass the checked Policies; use Policies"
            ));
        }
        let mut actions = BTreeSet::new();
        for policy in function["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let Some(statements) = policy
                .as_mapping()
                .filter(|map| map.len() == 1)
                .and_then(|_| policy.get("Statement"))
            else {
                fail(format!(
                    "{id}: policy {} is not an inline {{Statement: [...]}}; managed policies and SAM \
                     policy templates grant more than the handler uses",
                    describe(policy)
                ));
                continue;
            };
            for statement in one_or_many(statements) {
                if statement["Effect"].as_str() != Some("Allow") {
                    fail(format!("{id}: only Allow statements are expected"));
                }
                for forbidden in ["NotAction", "NotResource", "Principal"] {
                    if statement.get(forbidden).is_some() {
                        fail(format!(
                            "{id}: {forbidden} is not allowed in a function policy"
                        ));
                    }
                }
                let statement_actions = one_or_many(&statement["Action"]);
                let reads = statement_actions
                    .iter()
                    .any(|action| action.as_str() == Some("dynamodb:GetItem"));
                if reads
                    && (statement_actions.len() != 1 || !only_warm_up_key(&statement["Condition"]))
                {
                    fail(format!(
                        "{id}: dynamodb:GetItem must stand alone in a statement whose Condition is \
                         ForAllValues:StringEquals dynamodb:LeadingKeys [{WARM_UP_KEY}]: the \
                         warm-up reads that key, and the functions must not read events"
                    ));
                }
                for action in statement_actions {
                    match action.as_str() {
                        Some(action) if !action.contains('*') => {
                            actions.insert(action.to_owned());
                        }
                        _ => fail(format!(
                            "{id}: action {} must be one named action, no wildcard",
                            describe(action)
                        )),
                    }
                }
                for resource in one_or_many(&statement["Resource"]) {
                    if !is_table_arn(resource) {
                        fail(format!(
                            "{id}: resource {} must be !GetAtt {TABLE}.Arn",
                            describe(resource)
                        ));
                    }
                }
            }
        }
        let want: BTreeSet<String> = expected.actions.iter().map(|a| a.to_string()).collect();
        if actions != want {
            fail(format!(
                "{id}: allowed actions are {actions:?}, expected exactly {want:?}"
            ));
        }

        // Logs kept for a bounded time.
        let log_group = resources_of_type(template, "AWS::Logs::LogGroup")
            .into_iter()
            .find(|(_, group)| {
                sub_string(&group["Properties"]["LogGroupName"])
                    == Some(&format!("/aws/lambda/${{{id}}}"))
            });
        match log_group {
            Some((_, group)) if !group["Properties"]["RetentionInDays"].is_null() => {}
            _ => fail(format!(
                "{id}: needs a log group /aws/lambda/${{{id}}} with RetentionInDays"
            )),
        }
    }

    // The routes agree with the code and with the local router.
    let code_routes: BTreeSet<String> = Route::ALL.iter().map(|r| r.path().to_owned()).collect();
    let template_paths: BTreeSet<String> = template_routes.keys().cloned().collect();
    if template_paths != code_routes {
        fail(format!(
            "template routes {template_paths:?} differ from Route::ALL {code_routes:?}"
        ));
    }
    let router: BTreeMap<String, String> = metadata["metadata"]["lambda"]["watch"]["router"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(path, function)| {
            (
                path.clone(),
                function.as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    if router != template_routes {
        fail(format!(
            "[workspace.metadata.lambda.watch.router] in Cargo.toml is {router:?}, but template.yaml \
             routes {template_routes:?}"
        ));
    }

    // The table: on demand, recoverable, encrypted, kept when the stack goes.
    let table = &template["Resources"][TABLE];
    if table["Type"].as_str() != Some("AWS::DynamoDB::Table") {
        fail(format!("{TABLE} must be an AWS::DynamoDB::Table"));
    }
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        if table[policy].as_str() != Some("Retain") {
            fail(format!("{TABLE}: {policy} must be Retain"));
        }
    }
    let table_properties = &table["Properties"];
    if table_properties["BillingMode"].as_str() != Some("PAY_PER_REQUEST") {
        fail(format!("{TABLE}: BillingMode must be PAY_PER_REQUEST"));
    }
    if !is_true(&table_properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
    {
        fail(format!("{TABLE}: point-in-time recovery must be enabled"));
    }
    if !is_true(&table_properties["SSESpecification"]["SSEEnabled"]) {
        fail(format!("{TABLE}: SSESpecification.SSEEnabled must be true"));
    }

    // Outputs: a ready-to-paste URL per route, and the table name.
    let outputs: Vec<&Yaml> = template["Outputs"]
        .as_mapping()
        .into_iter()
        .flatten()
        .map(|(_, output)| &output["Value"])
        .collect();
    for path in &code_routes {
        let has_url = outputs.iter().any(|value| {
            sub_string(value).is_some_and(|url| {
                url.starts_with(&format!("https://${{{api_id}}}.execute-api."))
                    && url.ends_with(path.as_str())
            })
        });
        if !has_url {
            fail(format!(
                "Outputs: no !Sub https://${{{api_id}}}.execute-api...{path} URL"
            ));
        }
    }
    if !outputs.iter().any(|value| is_ref(value, TABLE)) {
        fail(format!("Outputs: no output with Value !Ref {TABLE}"));
    }

    problems
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

fn function_mut<'a>(template: &'a mut Yaml, binary: &str) -> &'a mut Yaml {
    let resources = template["Resources"].as_mapping_mut().expect("Resources");
    resources
        .values_mut()
        .find(|f| f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
        .expect("function")
}

fn first_event_mut<'a>(template: &'a mut Yaml, binary: &str) -> &'a mut Yaml {
    function_mut(template, binary)["Properties"]["Events"]
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
fn mutation_a_removed_route_is_caught() {
    assert_caught(
        |t| {
            let events = function_mut(t, "inbound-message")["Properties"]["Events"]
                .as_mapping_mut()
                .unwrap();
            let combined = events
                .iter()
                .find(|(_, e)| e["Properties"]["Path"].as_str() == Some("/botlinkd/events"))
                .map(|(name, _)| name.clone())
                .expect("the combined route");
            events.remove(&combined);
        },
        "/botlinkd/events",
    );
}

#[test]
fn mutation_a_post_only_click_route_is_caught() {
    assert_caught(
        |t| {
            let event = first_event_mut(t, "click");
            event["Properties"]["Method"] = Yaml::from("POST");
        },
        "Method must be ANY",
    );
}

#[test]
fn mutation_a_removed_permission_is_caught() {
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, "ack"))["Action"] = Yaml::from("dynamodb:PutItem");
        },
        "expected exactly",
    );
}

#[test]
fn mutation_a_wider_permission_is_caught() {
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, "click"))["Action"] = Yaml::from("dynamodb:*");
        },
        "no wildcard",
    );
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, "click"))["Resource"] = Yaml::from("*");
        },
        "must be !GetAtt EventTable.Arn",
    );
    assert_caught(
        |t| {
            let policies = &mut function_mut(t, "click")["Properties"]["Policies"];
            policies
                .as_sequence_mut()
                .unwrap()
                .push(Yaml::from("AmazonDynamoDBFullAccess"));
        },
        "not an inline",
    );
}

fn get_item_statement_mut<'a>(template: &'a mut Yaml, binary: &str) -> &'a mut Yaml {
    function_mut(template, binary)["Properties"]["Policies"][0]["Statement"]
        .as_sequence_mut()
        .and_then(|statements| {
            statements
                .iter_mut()
                .find(|s| s["Action"].as_str() == Some("dynamodb:GetItem"))
        })
        .expect("a GetItem statement")
}

#[test]
fn mutation_a_warm_up_read_of_more_than_its_key_is_caught() {
    assert_caught(
        |t| {
            get_item_statement_mut(t, "inbound-message")
                .as_mapping_mut()
                .unwrap()
                .remove("Condition");
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            get_item_statement_mut(t, "inbound-message")["Condition"]
                ["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] = Yaml::from("*");
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            first_statement_mut(function_mut(t, "click"))["Action"] =
                serde_yaml_ng::from_str("[dynamodb:PutItem, dynamodb:GetItem]").unwrap();
        },
        "must stand alone",
    );
    assert_caught(
        |t| {
            function_mut(t, "ack")["Properties"]["Environment"]["Variables"]["DYNAMODB_WARM_UP"] =
                Yaml::from("true");
        },
        "DYNAMODB_WARM_UP must be !Ref DynamoDbWarmUp",
    );
}

#[test]
fn mutation_a_lost_table_name_or_echoed_secret_is_caught() {
    assert_caught(
        |t| {
            t["Globals"]["Function"]["Environment"]["Variables"]
                .as_mapping_mut()
                .unwrap()
                .remove("TABLE_NAME");
        },
        "TABLE_NAME",
    );
    assert_caught(
        |t| {
            t["Parameters"]["BotlinkdTokens"]
                .as_mapping_mut()
                .unwrap()
                .remove("NoEcho");
        },
        "NoEcho",
    );
}

#[test]
fn mutation_a_table_that_is_not_retained_is_caught() {
    assert_caught(
        |t| t["Resources"][TABLE]["DeletionPolicy"] = Yaml::from("Delete"),
        "DeletionPolicy must be Retain",
    );
    assert_caught(
        |t| {
            t["Resources"][TABLE]["Properties"]
                .as_mapping_mut()
                .unwrap()
                .remove("PointInTimeRecoverySpecification");
        },
        "point-in-time recovery",
    );
}

#[test]
fn mutation_a_missing_output_or_router_mismatch_is_caught() {
    assert_caught(
        |t| {
            let outputs = t["Outputs"].as_mapping_mut().unwrap();
            let url = outputs
                .iter()
                .find(|(_, o)| {
                    sub_string(&o["Value"]).is_some_and(|s| s.ends_with("/botlinkd/acks"))
                })
                .map(|(name, _)| name.clone())
                .expect("the acks URL output");
            outputs.remove(&url);
        },
        "/botlinkd/acks URL",
    );
    // The router check compares against the template: re-route one path in the template.
    assert_caught(
        |t| {
            let event = first_event_mut(t, "ack");
            event["Properties"]["Path"] = Yaml::from("/botlinkd/ack");
        },
        "Route::ALL",
    );
}

#[test]
fn the_failed_and_quarantined_alarms_watch_the_metric_the_functions_emit() {
    let template = load_template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    let namespace =
        sub_string(&globals["METRICS_NAMESPACE"]).expect("Globals set METRICS_NAMESPACE with !Sub");
    for (name, class) in [
        ("FailedEventsAlarm", webhook_receiver::OutcomeClass::Failed),
        (
            "QuarantinedEventsAlarm",
            webhook_receiver::OutcomeClass::Quarantined,
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
        let line: serde_json::Value =
            serde_json::from_str(&webhook_receiver::emf_line("ns", class, false, 0)).unwrap();
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

#[test]
fn api_access_logs_never_record_the_url_that_carries_the_botlinkd_token() {
    let template = load_template();
    let (_, api) = resources_of_type(&template, "AWS::Serverless::HttpApi")
        .into_iter()
        .next()
        .expect("one HttpApi");
    let format = api["Properties"]["AccessLogSettings"]["Format"]
        .as_str()
        .expect("access logs are configured with an explicit format");
    for leaky in [
        "$context.path",
        "$context.requestUri",
        "querystring",
        "queryString",
    ] {
        assert!(!format.contains(leaky), "access log format logs {leaky}");
    }
    assert!(format.contains("$context.routeKey"), "{format}");
}

/// Every problem with where the API writes its access log; empty when it is right. The group sits
/// under `/aws/vendedlogs/` (so the account's CloudWatch Logs resource policy, 5,120 characters at
/// most, cannot run out of room for it), and the stage's `DestinationArn` is built from the group's
/// name, not `!GetAtt ...Arn`, whose `:*` suffix hides the group from `sam logs`.
fn access_log_problems(template: &Yaml) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, api) in resources_of_type(template, "AWS::Serverless::HttpApi") {
        let destination = &api["Properties"]["AccessLogSettings"]["DestinationArn"];
        let Some(arn) = sub_string(destination) else {
            problems.push(format!(
                "{id}: AccessLogSettings.DestinationArn must be a !Sub of the log group's name, found {}",
                describe(destination)
            ));
            continue;
        };
        let Some(group) = arn
            .strip_prefix(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${",
            )
            .and_then(|rest| rest.strip_suffix('}'))
        else {
            problems.push(format!(
                "{id}: DestinationArn must be arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{<the group>}}, found {arn}"
            ));
            continue;
        };
        let resource = &template["Resources"][group];
        if resource["Type"].as_str() != Some("AWS::Logs::LogGroup") {
            problems.push(format!(
                "{id}: DestinationArn names {group}, which is not a log group"
            ));
            continue;
        }
        let name = sub_string(&resource["Properties"]["LogGroupName"])
            .or_else(|| resource["Properties"]["LogGroupName"].as_str());
        if !name.is_some_and(|name| name.starts_with("/aws/vendedlogs/")) {
            problems.push(format!(
                "{group}: LogGroupName must start with /aws/vendedlogs/, found {}",
                describe(&resource["Properties"]["LogGroupName"])
            ));
        }
        if resource["Properties"]["RetentionInDays"].is_null() {
            problems.push(format!("{group}: no RetentionInDays"));
        }
    }
    problems
}

#[test]
fn api_access_logs_go_to_a_vendedlogs_group_named_in_the_arn() {
    let problems = access_log_problems(&load_template());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn mutation_an_access_log_arn_from_getatt_or_a_group_outside_vendedlogs_is_caught() {
    let api_id = |template: &Yaml| {
        resources_of_type(template, "AWS::Serverless::HttpApi")[0]
            .0
            .to_owned()
    };
    let mut template = load_template();
    let api = api_id(&template);
    template["Resources"][api.as_str()]["Properties"]["AccessLogSettings"]["DestinationArn"] =
        serde_yaml_ng::from_str("!GetAtt ApiAccessLogGroup.Arn").unwrap();
    let problems = access_log_problems(&template);
    assert!(
        problems.iter().any(|p| p.contains("must be a !Sub")),
        "{problems:#?}"
    );

    let mut template = load_template();
    template["Resources"]["ApiAccessLogGroup"]["Properties"]["LogGroupName"] =
        serde_yaml_ng::from_str("!Sub /aws/apigateway/${AWS::StackName}").unwrap();
    let problems = access_log_problems(&template);
    assert!(
        problems.iter().any(|p| p.contains("/aws/vendedlogs/")),
        "{problems:#?}"
    );
}
