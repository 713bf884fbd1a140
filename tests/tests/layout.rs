//! The code's shape, as docs/layout.md draws it, kept by tests: the table crate and the Lambda
//! pipeline are apart, only the table crate knows the table's attribute names and key prefixes,
//! and the request's log line reads the request's one result value without reaching back into
//! the handler.

use std::path::Path;

use integration_tests::repo_root;
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
