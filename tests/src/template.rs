//! Reading `template.yaml` and the workspace as SAM and `cargo lambda` read them: CloudFormation
//! intrinsics in both forms, `Globals` fallbacks, and `cargo metadata`. Used by the template and
//! documentation tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use webhook_payload::Function;
use webhook_table::WARM_UP_KEY;

use crate::repo_root;

/// The event table's logical id.
pub const TABLE: &str = "EventTable";

/// `template.yaml`, parsed (CloudFormation's `!Ref`/`!Sub` tags kept as tagged values).
pub fn load_template() -> Yaml {
    let text =
        std::fs::read_to_string(repo_root().join("template.yaml")).expect("read template.yaml");
    serde_yaml_ng::from_str(&text).expect("template.yaml is YAML")
}

/// The workspace as cargo (and so `cargo lambda`) sees it: packages, bin targets and metadata.
pub fn cargo_metadata() -> Json {
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
pub fn intrinsic(value: &Yaml) -> Option<(String, &Yaml)> {
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

/// `!Ref logical_id`, in either form.
pub fn is_ref(value: &Yaml, logical_id: &str) -> bool {
    matches!(intrinsic(value), Some((name, arg)) if name == "Ref" && arg.as_str() == Some(logical_id))
}

/// `!GetAtt EventTable.Arn` or `{Fn::GetAtt: [EventTable, Arn]}`.
pub fn is_table_arn(value: &Yaml) -> bool {
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
pub fn sub_string(value: &Yaml) -> Option<&str> {
    match intrinsic(value)? {
        (name, arg) if name == "Fn::Sub" => match arg {
            Yaml::String(s) => Some(s),
            Yaml::Sequence(parts) => parts.first()?.as_str(),
            _ => None,
        },
        _ => None,
    }
}

/// `{ForAllValues:StringEquals: {dynamodb:LeadingKeys: [WARM_UP_KEY]}}` and nothing more.
pub fn only_warm_up_key(condition: &Yaml) -> bool {
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

/// CloudFormation takes `true` and `"true"` alike.
pub fn is_true(value: &Yaml) -> bool {
    value.as_bool() == Some(true) || value.as_str() == Some("true")
}

/// A scalar or a list of scalars, as a list.
pub fn one_or_many(value: &Yaml) -> Vec<&Yaml> {
    match value {
        Yaml::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// A YAML value on one line, for a problem's message.
pub fn describe(value: &Yaml) -> String {
    serde_yaml_ng::to_string(value)
        .unwrap_or_default()
        .trim()
        .replace('\n', " ")
}

/// Every resource of the template, as (logical id, resource).
pub fn resources(template: &Yaml) -> Vec<(&str, &Yaml)> {
    template["Resources"]
        .as_mapping()
        .map(|map| {
            map.iter()
                .filter_map(|(id, resource)| Some((id.as_str()?, resource)))
                .collect()
        })
        .unwrap_or_default()
}

/// The resources of one `Type`.
pub fn resources_of_type<'a>(template: &'a Yaml, kind: &str) -> Vec<(&'a str, &'a Yaml)> {
    resources(template)
        .into_iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some(kind))
        .collect()
}

/// A function property, falling back to `Globals.Function`.
pub fn effective<'a>(template: &'a Yaml, function: &'a Yaml, property: &str) -> &'a Yaml {
    match function["Properties"].get(property) {
        Some(value) => value,
        None => &template["Globals"]["Function"][property],
    }
}

/// Environment variables from `Globals.Function` overlaid with the function's own.
pub fn environment<'a>(template: &'a Yaml, function: &'a Yaml) -> BTreeMap<String, &'a Yaml> {
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

/// The bin targets the workspace builds, by name, each with the folder of every package that
/// has a bin of that name (the folder of its Cargo.toml, as `cargo metadata` spells it).
pub fn workspace_bins(metadata: &Json) -> BTreeMap<String, Vec<PathBuf>> {
    let mut bins: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let folder = Path::new(package["manifest_path"].as_str().unwrap_or_default())
            .parent()
            .unwrap_or(Path::new(""))
            .to_owned();
        for target in package["targets"].as_array().into_iter().flatten() {
            let is_bin = target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"));
            if let (true, Some(name)) = (is_bin, target["name"].as_str()) {
                bins.entry(name.to_owned())
                    .or_default()
                    .push(folder.clone());
            }
        }
    }
    bins
}

/// `[workspace.metadata.lambda.watch.router]` in Cargo.toml: path -> binary, as
/// `cargo lambda watch` routes it.
pub fn watch_router(metadata: &Json) -> BTreeMap<String, String> {
    metadata["metadata"]["lambda"]["watch"]["router"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(path, binary)| (path.clone(), binary.as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// The template's functions as (logical id, `Metadata.BuildProperties.Binary`, resource).
pub fn template_functions(template: &Yaml) -> Vec<(&str, &str, &Yaml)> {
    resources_of_type(template, "AWS::Serverless::Function")
        .into_iter()
        .map(|(id, function)| {
            let binary = function["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap_or_default();
            (id, binary, function)
        })
        .collect()
}

/// The `Path` of each of a function's events, by event name.
pub fn event_paths(function: &Yaml) -> Vec<(&str, &str)> {
    function["Properties"]["Events"]
        .as_mapping()
        .into_iter()
        .flatten()
        .map(|(name, event)| {
            (
                name.as_str().unwrap_or_default(),
                event["Properties"]["Path"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

/// A function's resource, for a test that changes the template.
pub fn function_mut(template: &mut Yaml, function: Function) -> &mut Yaml {
    let id = template_functions(template)
        .into_iter()
        .find(|(_, binary, _)| *binary == function.binary())
        .map(|(id, _, _)| id.to_owned())
        .expect("the function");
    &mut template["Resources"][id.as_str()]
}

/// The statement of a function's inline policies that allows `action`.
pub fn statement_mut<'t>(template: &'t mut Yaml, function: Function, action: &str) -> &'t mut Yaml {
    function_mut(template, function)["Properties"]["Policies"]
        .as_sequence_mut()
        .expect("Policies is a list")
        .iter_mut()
        .flat_map(|policy| {
            policy["Statement"]
                .as_sequence_mut()
                .expect("Statement is a list")
                .iter_mut()
        })
        .find(|statement| statement["Action"].as_str() == Some(action))
        .expect("the statement")
}

/// The condition under which the API writes its access log (`ApiAccessLogs`).
pub const ACCESS_LOGS_CONDITION: &str = "ApiAccessLogsOn";

/// An API's `AccessLogSettings` as written when access logs are on: the mapping itself, or the
/// first branch of `!If [ApiAccessLogsOn, {...}, !Ref AWS::NoValue]`.
pub fn access_log_settings(api: &Yaml) -> &Yaml {
    let settings = &api["Properties"]["AccessLogSettings"];
    match intrinsic(settings) {
        Some((name, arg)) if name == "Fn::If" => &arg[1],
        _ => settings,
    }
}

/// [`access_log_settings`], to change it.
pub fn access_log_settings_mut(api: &mut Yaml) -> &mut Yaml {
    let settings = &mut api["Properties"]["AccessLogSettings"];
    if intrinsic(settings).is_some_and(|(name, _)| name == "Fn::If") {
        return match settings {
            Yaml::Tagged(tagged) => &mut tagged.value[1],
            Yaml::Mapping(map) => &mut map.values_mut().next().expect("!If's arguments")[1],
            _ => unreachable!("an intrinsic is tagged or a one-key mapping"),
        };
    }
    settings
}

/// The table's index `name`, to edit in a test: the index itself, or the branch of the `!If` that
/// deploys it.
pub fn table_index_mut<'t>(template: &'t mut Yaml, name: &str) -> &'t mut Yaml {
    let indexes = template["Resources"][TABLE]["Properties"]["GlobalSecondaryIndexes"]
        .as_sequence_mut()
        .expect("GlobalSecondaryIndexes");
    for index in indexes {
        let index = match index {
            Yaml::Tagged(tagged) => &mut tagged.value[1],
            plain => plain,
        };
        if index["IndexName"].as_str() == Some(name) {
            return index;
        }
    }
    panic!("no index {name}")
}
