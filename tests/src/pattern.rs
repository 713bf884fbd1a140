//! The part of EventBridge's event pattern syntax that the pipes in `template.yaml` use (exact
//! strings, `prefix`, `exists`), and the JSON paths their targets read (`$.a.b.c`), so that
//! tests/events_published.rs can run the template's filters over real stream records. Any other
//! syntax panics: a pattern this module cannot judge must not pass a test.

use serde_json::Value;

/// Whether `event` matches any of `patterns` (a pipe's `FilterCriteria` ORs its filters).
pub fn matches_any(patterns: &[Value], event: &Value) -> bool {
    patterns.iter().any(|pattern| matches(pattern, event))
}

/// Whether `event` matches the event pattern `pattern` (a JSON object).
pub fn matches(pattern: &Value, event: &Value) -> bool {
    object_matches(pattern, Some(event))
}

/// Every field of the pattern matches; a field absent from the event is judged as absent, so
/// that `{"exists": false}` matches under an object the event does not have (an INSERT record
/// has no `OldImage`).
fn object_matches(pattern: &Value, event: Option<&Value>) -> bool {
    let fields = pattern
        .as_object()
        .unwrap_or_else(|| panic!("a pattern level is an object: {pattern}"));
    fields.iter().all(|(name, rule)| {
        let field = event.and_then(|value| value.get(name));
        match rule {
            Value::Object(_) => object_matches(rule, field),
            Value::Array(matchers) => matchers.iter().any(|matcher| leaf_matches(matcher, field)),
            _ => panic!("a pattern field holds an object or an array: {name}: {rule}"),
        }
    })
}

/// One matcher of a leaf: an exact value, `{"prefix": "..."}` or `{"exists": bool}`. An event
/// array matches when one of its elements does.
fn leaf_matches(matcher: &Value, field: Option<&Value>) -> bool {
    if let Some(Value::Array(values)) = field {
        return values
            .iter()
            .any(|value| leaf_matches(matcher, Some(value)));
    }
    match matcher {
        Value::Object(operator) => match operator.iter().next() {
            Some((name, Value::Bool(wanted))) if name == "exists" && operator.len() == 1 => {
                field.is_some_and(|value| !value.is_object()) == *wanted
            }
            Some((name, Value::String(prefix))) if name == "prefix" && operator.len() == 1 => field
                .and_then(Value::as_str)
                .is_some_and(|text| text.starts_with(prefix.as_str())),
            _ => panic!("unsupported pattern operator: {matcher}"),
        },
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {
            field == Some(matcher)
        }
        Value::Array(_) => panic!("nested arrays are not pattern syntax: {matcher}"),
    }
}

/// The value at a Pipes JSON path of the dotted form `$.a.b.c` (all the template uses).
pub fn at_path<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    let rest = path
        .strip_prefix("$.")
        .unwrap_or_else(|| panic!("unsupported JSON path: {path}"));
    rest.split('.').try_fold(event, |value, name| {
        assert!(
            !name.is_empty() && !name.contains(['[', '*']),
            "unsupported JSON path: {path}"
        );
        value.get(name)
    })
}

/// A dynamic target parameter (`$.a.b`) resolved against `event`, or the static value itself.
pub fn parameter(event: &Value, value: &str) -> Option<String> {
    if value.starts_with("$.") {
        at_path(event, value)
            .and_then(Value::as_str)
            .map(str::to_owned)
    } else {
        Some(value.to_owned())
    }
}

/// The JSON path of an input template that is one variable and nothing else (`<$.a.b>`).
pub fn template_path(template: &str) -> &str {
    template
        .trim()
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        .filter(|path| !path.contains(['<', '>']))
        .unwrap_or_else(|| panic!("not a single-variable input template: {template}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "eventName": "MODIFY",
            "dynamodb": {
                "Keys": {"pk": {"S": "MSG#x"}, "sk": {"S": "EVENT#click#a"}},
                "NewImage": {"kind": {"S": "click"}, "tags": {"SS": ["a", "b"]}},
            }
        })
    }

    #[test]
    fn exact_values_match_equal_values_and_any_element_of_an_array() {
        assert!(matches(
            &json!({"eventName": ["INSERT", "MODIFY"]}),
            &record()
        ));
        assert!(!matches(&json!({"eventName": ["INSERT"]}), &record()));
        assert!(matches(
            &json!({"dynamodb": {"NewImage": {"tags": {"SS": ["b"]}}}}),
            &record()
        ));
        assert!(!matches(
            &json!({"dynamodb": {"NewImage": {"kind": {"S": ["Click"]}}}}),
            &record()
        ));
    }

    #[test]
    fn prefix_matches_the_start_of_a_string_only() {
        let pattern =
            |prefix: &str| json!({"dynamodb": {"Keys": {"sk": {"S": [{"prefix": prefix}]}}}});
        assert!(matches(&pattern("EVENT#"), &record()));
        assert!(!matches(&pattern("click"), &record()));
        assert!(!matches(
            &json!({"dynamodb": {"Keys": {"pk": {"N": [{"prefix": "1"}]}}}}),
            &record()
        ));
    }

    #[test]
    fn exists_judges_leaves_and_absent_objects_count_as_absent_fields() {
        let exists =
            |wanted: bool| json!({"dynamodb": {"OldImage": {"kind": {"S": [{"exists": wanted}]}}}});
        // No OldImage at all (an INSERT).
        assert!(matches(&exists(false), &record()));
        assert!(!matches(&exists(true), &record()));
        let mut with_old = record();
        with_old["dynamodb"]["OldImage"] = json!({"kind": {"S": "click"}});
        assert!(matches(&exists(true), &with_old));
        assert!(!matches(&exists(false), &with_old));
        // An object is not a leaf: `exists` on it is false.
        assert!(!matches(
            &json!({"dynamodb": {"Keys": [{"exists": true}]}}),
            &record()
        ));
    }

    #[test]
    fn every_field_must_match_and_any_filter_may() {
        let both = json!({"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"kind": {"S": ["message"]}}}});
        assert!(!matches(&both, &record()));
        assert!(matches_any(
            &[both, json!({"eventName": ["MODIFY"]})],
            &record()
        ));
        assert!(!matches_any(&[], &record()));
    }

    #[test]
    #[should_panic(expected = "unsupported pattern operator")]
    fn syntax_it_does_not_know_panics() {
        matches(
            &json!({"eventName": [{"anything-but": "REMOVE"}]}),
            &record(),
        );
    }

    #[test]
    fn paths_templates_and_parameters_resolve_against_the_record() {
        let event = record();
        assert_eq!(
            at_path(&event, "$.dynamodb.NewImage.kind.S"),
            Some(&json!("click"))
        );
        assert_eq!(at_path(&event, "$.dynamodb.OldImage.kind.S"), None);
        assert_eq!(
            template_path(" <$.dynamodb.NewImage.kind.S>"),
            "$.dynamodb.NewImage.kind.S"
        );
        assert_eq!(
            parameter(&event, "$.dynamodb.NewImage.kind.S").as_deref(),
            Some("click")
        );
        assert_eq!(parameter(&event, "ack").as_deref(), Some("ack"));
    }
}
