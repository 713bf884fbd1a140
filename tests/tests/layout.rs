//! The code's shape, as docs/layout.md draws it, kept by tests: the table crate and the Lambda
//! pipeline are apart, only the table crate knows the table's attribute names and key prefixes,
//! and the request's log line reads the request's one result value without reaching back into
//! the handler. Nothing but the way each function is built (as its own package) keeps the other
//! products' features out of the functions: no `default-members`, no feature flag.

use std::path::Path;

use integration_tests::repo_root;
use integration_tests::template::cargo_metadata;
use serde_json::{json, Value as Json};
use webhook_payload::Function;
use webhook_table::testing as item;

/// The `.rs` files under `dir` (relative to the repository), recursively, with their text.
fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(path: &Path, found: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path.display().to_string(), text));
            }
        }
    }
    let mut found = Vec::new();
    walk(&repo_root().join(dir), &mut found);
    assert!(!found.is_empty(), "no sources under {dir}");
    found
}

fn manifest(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap()
}

/// The `[dependencies]` section of a manifest (not its dev-dependencies).
fn dependencies(path: &str) -> String {
    let text = manifest(path);
    let start = text
        .find("[dependencies]")
        .expect("a [dependencies] section");
    let rest = &text[start + "[dependencies]".len()..];
    rest[..rest.find("\n[").unwrap_or(rest.len())].to_owned()
}

#[test]
fn no_crate_holds_both_the_request_handler_and_the_table_store() {
    let pipeline = dependencies("shared/receiver/Cargo.toml");
    assert!(pipeline.contains("webhook-table"), "{pipeline}");
    assert!(!pipeline.contains("aws-sdk-dynamodb"), "{pipeline}");
    let table = dependencies("shared/table/Cargo.toml");
    assert!(!table.contains("lambda_http"), "{table}");
    assert!(!table.contains("webhook-receiver"), "{table}");
    for (path, text) in sources("shared/receiver/src") {
        assert!(
            !text.contains("aws_sdk_dynamodb::"),
            "{path} calls DynamoDB"
        );
    }
}

#[test]
fn the_table_crate_exports_no_item_module_and_no_raw_items() {
    let lib = manifest("shared/table/src/lib.rs");
    assert!(lib.contains("\nmod item;"), "the item module is private");
    assert!(!lib.contains("pub mod item"));
    // Outside tests, its readers get rows: no public method of the store returns an `Item`.
    for (path, text) in sources("shared/table/src/store") {
        for line in text
            .lines()
            .filter(|line| line.trim_start().starts_with("pub "))
        {
            assert!(
                !line.contains("Item>") && !line.contains("Item,") && !line.contains("Item)"),
                "{path}: {line}"
            );
        }
    }
}

#[test]
fn the_console_spells_no_table_attribute_or_key_prefix() {
    let attributes = [
        item::PK,
        item::SK,
        item::OCCURRED_AT,
        item::RECEIVED_AT,
        item::BODY_SHA256,
        item::RAW_BODY,
        item::PHONE_KEY,
        item::COLLISION_OF,
        item::DELIVERY_ID,
        item::EXPIRES_AT,
        item::ROUTE,
        item::REASON,
        item::FIELD,
        item::DETAIL,
        item::QUARANTINE_SHARD,
        item::REPLAYED_AT,
        item::REPLAY_OUTCOME,
        item::BY_PHONE_INDEX,
        item::BY_QUARANTINE_DAY_INDEX,
        // `kind` and `provider` are also the console's own filter names, and `quarantine` its
        // label for a quarantined body's entry: not checked.
    ];
    let prefixes = [
        item::MESSAGE_PREFIX,
        item::EVENT_PREFIX,
        item::UNMODELLED_PREFIX,
        item::QUARANTINE_PREFIX,
        item::PHONE_PREFIX,
        item::COLLISION_PREFIX.trim_end_matches('#'),
    ];
    for (path, text) in sources("tools/console/src") {
        for attribute in attributes {
            assert!(
                !text.contains(&format!("\"{attribute}\"")),
                "{path} spells the attribute {attribute:?}"
            );
        }
        for prefix in prefixes {
            assert!(
                !text.contains(&format!("\"{prefix}#")) && !text.contains(&format!("\"{prefix}\"")),
                "{path} spells the key prefix {prefix:?}"
            );
        }
        assert!(
            !text.contains("webhook_table::testing") || text.contains("#[cfg(test)]"),
            "{path} reads the table's layout outside its tests"
        );
    }
}
#[test]
fn the_request_line_does_not_import_the_handler() {
    let line = manifest("shared/receiver/src/request_line.rs");
    assert!(
        !line.contains("crate::handler"),
        "request_line.rs imports the handler"
    );
    assert!(
        line.contains("crate::disposition::"),
        "request_line.rs reads the Disposition"
    );
}

/// The workspace's members by package id, as `cargo metadata` lists them under `key`.
fn member_ids(metadata: &Json, key: &str) -> Vec<String> {
    let mut ids: Vec<String> = metadata[key]
        .as_array()
        .unwrap_or_else(|| panic!("cargo metadata has no {key}"))
        .iter()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

/// The functions stay small because each is built as its own package (template.yaml's CodeUri is
/// its folder; the template tests check that), not because the root's selection leaves the other
/// products out: a bare `cargo build` in the root selects every member, no crate of ours has a
/// feature but `testing` (test helpers), and no function turns that on.
#[test]
fn no_default_members_or_feature_keeps_a_product_out_of_the_functions() {
    let metadata = cargo_metadata();
    assert_eq!(
        member_ids(&metadata, "workspace_default_members"),
        member_ids(&metadata, "workspace_members"),
        "Cargo.toml narrows what the root selects (default-members); the functions must stay \
         small by being built as their own packages instead"
    );
    let packages = metadata["packages"].as_array().expect("packages");
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let features: Vec<&String> = package["features"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(feature, _)| feature)
            .filter(|feature| *feature != "testing")
            .collect();
        assert!(features.is_empty(), "{name} has the features {features:?}");
    }
    for function in Function::ALL {
        let binary = function.binary();
        let has_bin = |package: &&Json| {
            let mut targets = package["targets"].as_array().into_iter().flatten();
            targets.any(|target| target["name"] == binary && target["kind"] == json!(["bin"]))
        };
        let package = packages
            .iter()
            .find(has_bin)
            .unwrap_or_else(|| panic!("no package has the bin {binary}"));
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            if dependency["kind"].is_null() && dependency["path"].is_string() {
                assert_eq!(
                    dependency["features"],
                    json!([]),
                    "{binary} turns on features of {}",
                    dependency["name"]
                );
            }
        }
    }
}
