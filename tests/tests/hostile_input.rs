//! Hostile and broken input, as property tests over the whole request path.
//!
//! API Gateway v2 events from `fixtures/apigw/` get generated bodies and envelopes and go through
//! `Receiver::respond`, each request with a fresh in-memory store, so a property sees exactly what
//! the request wrote. The generators, the model and the runner are in
//! `integration_tests::hostile`. The properties:
//!
//! - never a panic; only documented statuses, each error with a JSON `{"error": ...}` body;
//! - every authenticated POST with a body up to the cap is answered 200 (`stored` or
//!   `quarantined`), never a 4xx, and after the 200 its raw body is in the store, byte for byte;
//!   a well-formed valid event is stored as an event and everything else is quarantined, exactly
//!   as an independent model of the documented formats (`integration_tests::hostile::model`)
//!   predicts, naming the field when a single field is wrong;
//! - an unauthenticated, misrouted or oversized request is a 4xx and writes nothing.
//!
//! The pure layer (`parse_event`, keys and item sizes) is checked in `tests/parse_event.rs`.
//!
//! Cases per property: `PROPTEST_CASES` (default 2000); each property prints how many ran:
//!   cargo test -p integration-tests --test hostile_input -- --nocapture

use integration_tests::fixture_secret;
use integration_tests::hostile::*;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};
use webhook_payload::{parse_event, CredentialScheme, Route, UrlCheck, WebhookEvent};
use webhook_table::testing as item;

// ---------------------------------------------------------------------------------------------
// Properties of the request path

#[test]
fn arbitrary_bytes_and_json_are_refused_before_any_write_with_a_json_error() {
    let offline = Offline::new();
    check(
        "arbitrary bytes, invalid UTF-8 and arbitrary JSON",
        prop_oneof![bytes_case(), invalid_utf8_case(), json_value_case()],
        |case| check_case(&offline, case),
    );
}

#[test]
fn mutated_documented_payloads_get_the_answer_the_formats_document() {
    // Fields removed, types changed, values replaced by generated strings and numbers, and `#`,
    // `%`, control characters and over-long strings in every id field; as text or base64.
    let offline = Offline::new();
    check(
        "mutated documented payloads",
        mutated_case(),
        |(_, route, mutations, mut body, base64)| {
            for mutation in &mutations {
                apply(&mut body, mutation);
            }
            let text = body.to_string();
            check_case(&offline, Case::json(route, text, &body, base64))
        },
    );
}

#[test]
fn duplicate_keys_extreme_numbers_deep_nesting_and_huge_bodies_get_exact_answers() {
    let offline = Offline::new();
    check(
        "duplicate keys, number literals, deep nesting, body sizes",
        prop_oneof![
            3 => duplicate_case(),
            3 => numbers_case(),
            2 => nesting_case(),
            2 => size_case(),
        ],
        |case| check_case(&offline, case),
    );
}

/// What goes wrong with a request's envelope.
#[derive(Debug, Clone)]
struct Envelope {
    route: Route,
    path: PathShape,
    method: &'static str,
    content_type: Option<(&'static str, bool)>,
    credentials: Credentials,
    valid_body: bool,
}

#[derive(Debug, Clone)]
enum PathShape {
    Exact,
    StagePrefix,
    TrailingSlash,
    Other(String),
}

#[derive(Debug, Clone)]
enum Credentials {
    Good,
    Missing,
    Wrong(String),
}

fn envelope() -> BoxedStrategy<(Envelope, Value)> {
    let path = prop_oneof![
        3 => Just(PathShape::Exact),
        1 => Just(PathShape::StagePrefix),
        1 => Just(PathShape::TrailingSlash),
        1 => "/[a-z/]{0,20}".prop_filter("not a route", |p| {
            Route::ALL.iter().all(|r| !p.trim_end_matches('/').ends_with(r.path()))
        }).prop_map(PathShape::Other),
    ];
    let method = prop_oneof![
        4 => Just("POST"),
        1 => select(vec!["HEAD", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    ];
    // (content type, whether it declares JSON)
    let content_type = prop_oneof![
        3 => Just(Some(("application/json", true))),
        1 => Just(None),
        2 => select(vec![
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/cloudevents+json", true),
            (" application/json ", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("", false),
            ("application/jsonp", false),
            ("json", false),
            ("application/json-seq", false),
            ("multipart/form-data; boundary=x", false),
        ]).prop_map(Some),
    ];
    let credentials = prop_oneof![
        4 => Just(Credentials::Good),
        1 => Just(Credentials::Missing),
        1 => "[A-Za-z0-9-]{0,40}".prop_map(Credentials::Wrong),
    ];
    (
        valid_event(),
        path,
        method,
        content_type,
        credentials,
        any::<bool>(),
    )
        .prop_map(
            |((_, route, body), path, method, content_type, credentials, valid_body)| {
                (
                    Envelope {
                        route,
                        path,
                        method,
                        content_type,
                        credentials,
                        valid_body,
                    },
                    body,
                )
            },
        )
        .boxed()
}

#[test]
fn the_request_envelope_is_checked_in_the_documented_order() {
    // path (404), method (405; HEAD is 200 without credentials where the provider checks URLs
    // with it), credentials (401, presented as the provider's declared scheme says),
    // and only then the body: stored or quarantined whatever its declared content type.
    let offline = Offline::new();
    check("request envelopes", envelope(), |(envelope, body)| {
        let mut event = offline.fixture(envelope.route).clone();
        let text = if envelope.valid_body {
            body.to_string()
        } else {
            "{\"event\":".into()
        };
        set_body(&mut event, text.as_bytes(), false);
        let route_path = envelope.route.path();
        let path = match &envelope.path {
            PathShape::Exact => route_path.to_owned(),
            PathShape::StagePrefix => format!("/prod{route_path}"),
            PathShape::TrailingSlash => format!("{route_path}/"),
            PathShape::Other(other) => other.clone(),
        };
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
        event["requestContext"]["http"]["method"] = json!(envelope.method);
        let headers = event["headers"].as_object_mut().unwrap();
        headers.remove("content-type");
        if let Some((content_type, _)) = envelope.content_type {
            headers.insert("content-type".into(), json!(content_type));
        }
        let provider = envelope.route.provider();
        let secret = fixture_secret(provider);
        let presented = match &envelope.credentials {
            Credentials::Good => Some(secret.to_owned()),
            Credentials::Missing => None,
            Credentials::Wrong(wrong) if wrong == secret => Some(format!("{wrong}x")),
            Credentials::Wrong(wrong) => Some(wrong.clone()),
        };
        // The fixture's own credentials go, wherever it carries them; the presented ones go
        // where the provider's declared scheme puts them.
        headers.retain(|_, value| value.as_str().is_none_or(|v| !v.contains(secret)));
        let object = event.as_object_mut().unwrap();
        object.remove("queryStringParameters");
        object.insert("rawQueryString".into(), json!(""));
        match (provider.declaration().credentials.scheme, &presented) {
            (_, None) => {}
            (CredentialScheme::AnyHeaderOrBearer, Some(key)) => {
                event["headers"]["x-api-key"] = json!(key);
            }
            (CredentialScheme::QueryParameter(name), Some(token)) => {
                event["queryStringParameters"] = json!({ name: token });
                event["rawQueryString"] = json!(format!("{name}={token}"));
            }
        }
        // A provider that checks a URL with a HEAD gets a 200 for it, without credentials.
        let head_check = match envelope.route.url_check() {
            Some(UrlCheck::Head) => true,
            None => false,
        };

        let answer = offline.send(envelope.route, &event);
        let expected = if matches!(envelope.path, PathShape::Other(_)) {
            404
        } else if envelope.method == "HEAD" && head_check {
            200
        } else if envelope.method != "POST" {
            405
        } else if !matches!(envelope.credentials, Credentials::Good) {
            401
        } else {
            200
        };
        prop_assert_eq!(answer.status, expected, "{:?}", answer);
        let posted = envelope.method == "POST";
        if expected == 200 && posted {
            let outcome = if envelope.valid_body {
                "stored"
            } else {
                "quarantined"
            };
            prop_assert_eq!(answer.stored_as(), Some(outcome), "{:?}", answer);
            let holding = answer
                .written
                .iter()
                .filter(|i| item::holds_body(i, text.as_bytes()))
                .count();
            prop_assert_eq!(holding, 1, "the raw body is stored: {:?}", answer);
        } else if expected == 200 {
            prop_assert!(
                answer.json.is_none(),
                "HEAD answered with a body: {answer:?}"
            );
            prop_assert_eq!(answer.attempts, 0, "HEAD wrote");
        } else {
            check_error_shape(&answer)?;
        }
        if expected == 405 {
            let allow = if head_check { "POST, HEAD" } else { "POST" };
            prop_assert_eq!(answer.allow.as_deref(), Some(allow));
        }
        if expected == 401 {
            let text = answer.json.as_ref().unwrap().to_string();
            prop_assert!(!text.contains(secret), "the secret leaked into {text}");
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Explicit examples, so that each known hostile body has a named failure

#[test]
fn ten_thousand_nested_arrays_never_overflow_the_stack() {
    let offline = Offline::new();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let ack = r#"{"event":"ack","instance_id":"1","data":{"message_id":"m","status":"read","timestamp":1}}"#;
    let cases = [
        (deep.clone(), "quarantined"),
        (format!("{{\"event\":{deep}}}"), "quarantined"),
        (ack.replacen("\"m\"", &deep, 1), "quarantined"),
        // Unknown fields are ignored at the top and kept verbatim in `extra` inside `data`.
        (
            ack.replacen("{\"event\"", &format!("{{\"deep\":{deep},\"event\""), 1),
            "stored",
        ),
        (
            ack.replacen(
                "\"timestamp\":1",
                &format!("\"timestamp\":1,\"deep\":{deep}"),
                1,
            ),
            "stored",
        ),
    ];
    for (body, outcome) in cases {
        let answer = offline.post(Route::BotlinkdAcks, body.as_bytes(), false);
        assert_eq!(answer.stored_as(), Some(outcome), "{:.80}", body);
    }
}

#[test]
fn extreme_numbers_in_numeric_fields_are_quarantined_and_in_unknown_fields_are_kept() {
    let offline = Offline::new();
    let ack = |timestamp: &str| {
        format!(
            r#"{{"event":"ack","instance_id":"1","data":{{"message_id":"m","status":"read","timestamp":{timestamp}}}}}"#
        )
    };
    for literal in [
        "1e400",
        "-0",
        "1e-400",
        "1.0",
        "18446744073709551616",
        "253402300800",
    ] {
        let answer = offline.post(Route::BotlinkdAcks, ack(literal).as_bytes(), false);
        assert_eq!(answer.stored_as(), Some("quarantined"), "{literal}");
    }
    assert_eq!(
        offline
            .post(Route::BotlinkdAcks, ack("-1").as_bytes(), false)
            .stored_as(),
        Some("stored")
    );
    let kept = ack("1").replacen("\"timestamp\":1", "\"timestamp\":1,\"x\":1e400", 1);
    assert_eq!(
        offline
            .post(Route::BotlinkdAcks, kept.as_bytes(), false)
            .stored_as(),
        Some("stored")
    );
    // Not parsed (no field type takes it): kept in the raw body.
    let record = parse_event(Route::BotlinkdAcks, kept.as_bytes()).unwrap();
    assert!(matches!(record.event, WebhookEvent::Ack(_)));
    assert!(record.raw_body.contains(r#""x":1e400"#));
}

#[test]
fn an_edna_payload_given_as_a_positional_array_is_quarantined_naming_payload() {
    // The body itself must be an object (parse_json checks it), but the nested `payload` is
    // deserialized by serde's derived visitor, which also accepts a sequence of field values.
    let offline = Offline::new();
    let body = r#"{"payload":["test-channel",1333,"WHATSAPP",5345345,"79991234567","google.ru","f42kL",null],"type":"short_link_visited","version":"v1","timestamp":"2025-08-10T12:32:56Z"}"#;
    let answer = offline.post(Route::EdnaClicks, body.as_bytes(), false);
    assert_eq!(answer.stored_as(), Some("quarantined"), "{answer:?}");
    assert_eq!(item::text(&answer.written[0], item::FIELD), Some("payload"));
}
