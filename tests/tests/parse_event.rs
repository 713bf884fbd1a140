//! The pure layer under hostile input: on every body the request-path properties generate (and
//! the largest valid one), `parse_event` never panics, each key is exactly its segments whatever
//! `#` and `%` the ids contain, and keys and items stay within DynamoDB's limits (the item as the
//! store's own schema code, `webhook-table`'s `item` module, builds it).
//!
//! It lives beside the request-path properties, not in `shared/payload/tests/`, because it draws
//! from the same generators (`integration_tests::hostile`), and because the item it measures is
//! the receiver's: the payload crate stays free of the AWS SDK and of a dev-dependency cycle. It
//! needs no database and no network. The payload crate's own tests
//! (`shared/payload/tests/provider_payloads.rs`) hold the documented examples and every missing
//! and mistyped field.
//!
//! Cases: `PROPTEST_CASES` (default 2000):
//!   cargo test -p integration-tests --test parse_event -- --nocapture

use integration_tests::hostile::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use webhook_payload::{parse_event, EventRecord, WebhookEvent};
use webhook_receiver::MAX_BODY_BYTES;
use webhook_table::testing as item;

/// DynamoDB's limits: partition key 2048 bytes, sort key 1024 bytes, item 400 KB.
const MAX_PK_BYTES: usize = 2048;
const MAX_SK_BYTES: usize = 1024;

/// Splits a key into its segments and undoes the escaping, failing on any `%` that is not one of
/// the two escapes.
fn segments(key: &str) -> Result<Vec<String>, String> {
    key.split('#')
        .map(|segment| {
            let mut out = String::with_capacity(segment.len());
            let mut rest = segment;
            while let Some(at) = rest.find('%') {
                out.push_str(&rest[..at]);
                match rest.get(at..at + 3) {
                    Some("%23") => out.push('#'),
                    Some("%25") => out.push('%'),
                    _ => return Err(format!("stray % in {key}")),
                }
                rest = &rest[at + 3..];
            }
            out.push_str(rest);
            Ok(out)
        })
        .collect()
}

/// The largest item the store writes for `record`, as DynamoDB measures it: the item built by
/// the store's own schema code, stored beside a collision (the longer key), plus the delivery id
/// the store adds.
fn item_bytes(record: &EventRecord) -> usize {
    let collision = item::record_key(record).collision(&record.body_sha256);
    let item = item::event_item(record, &collision, "2025-08-10T12:32:56.000Z");
    item::item_bytes(&item)
        + item::DELIVERY_ID.len()
        + "0123456789abcdef-18446744073709551615".len()
}

/// The phone key's segment: the number's digits, before any `@server` or `:device` part.
fn digits_of(number: &str) -> String {
    let number = number.split(['@', ':']).next().unwrap_or_default();
    number.chars().filter(char::is_ascii_digit).collect()
}

fn expect_segments(actual: &[String], expected: &[&str]) -> Result<(), TestCaseError> {
    prop_assert_eq!(actual, expected, "key segments");
    Ok(())
}

/// The `by_phone` key segments a person's identifier must get: `PHONE` and its digits, or none
/// for an identifier of too few digits to be a number.
fn expected_phone(identifier: &str) -> Option<Vec<String>> {
    let digits = digits_of(identifier);
    (digits.len() >= item::MIN_PHONE_DIGITS).then(|| vec!["PHONE".to_owned(), digits])
}

fn check_record(body: &[u8], record: &EventRecord) -> Result<(), TestCaseError> {
    prop_assert_eq!(record.raw_body.as_bytes(), body, "raw body not verbatim");
    let key = item::record_key(record);
    let pk = segments(&key.pk).map_err(TestCaseError::fail)?;
    let sk = segments(&key.sk).map_err(TestCaseError::fail)?;
    let phone_key = record.phone().and_then(item::phone_key);
    let phone = phone_key
        .as_deref()
        .map(segments)
        .transpose()
        .map_err(TestCaseError::fail)?;
    // Each key is exactly its segments: a `#` or `%` in an id can neither add nor shift one.
    match &record.event {
        WebhookEvent::Click(c) => {
            expect_segments(&pk, &["MSG", "edna", &c.out_message_id.to_string()])?;
            expect_segments(&sk, &["EVENT", "click", &c.short_link, &record.occurred_at])?;
            prop_assert_eq!(phone, expected_phone(&c.phone));
        }
        WebhookEvent::InboundMessage(m) => {
            expect_segments(&pk, &["MSG", "botlinkd", &m.instance_id, &m.message_id])?;
            expect_segments(&sk, &["EVENT", "message"])?;
            prop_assert_eq!(phone, expected_phone(&m.from));
        }
        WebhookEvent::Ack(a) => {
            expect_segments(&pk, &["MSG", "botlinkd", &a.instance_id, &a.message_id])?;
            expect_segments(&sk, &["EVENT", "ack", a.status.as_str()])?;
            prop_assert_eq!(phone, None);
            // Only a status this product knows ranks in the message's derived status.
            let known = ["sent", "delivered", "read", "failed"].contains(&a.status.as_str());
            prop_assert_eq!(record.known_status().is_some(), known);
        }
        WebhookEvent::EdnaStatus(status) => {
            expect_segments(&pk, &["MSG", "edna", &status.message_id.to_string()])?;
            let lower = status.status.to_ascii_lowercase();
            expect_segments(&sk, &["EVENT", "ack", &lower])?;
            prop_assert_eq!(phone, None);
            prop_assert_eq!(record.known_status(), status.known_status());
        }
        WebhookEvent::EdnaMessage(message) => {
            let partition = match message.reply_to.out_message_id {
                Some(replied) => vec!["MSG".to_owned(), "edna".to_owned(), replied.to_string()],
                None => vec![
                    "MSG".to_owned(),
                    "edna".to_owned(),
                    "in".to_owned(),
                    message.id.to_string(),
                ],
            };
            prop_assert_eq!(&pk, &partition, "key segments");
            expect_segments(&sk, &["EVENT", "message", &message.id.to_string()])?;
            prop_assert_eq!(phone, expected_phone(&message.subscriber.identifier));
            prop_assert!(record.known_status().is_none());
        }
        WebhookEvent::Unmodelled(provider) => {
            // Keyed by the body's hash alone: a retry of the same body is the same key.
            expect_segments(&pk, &["UNMODELLED", provider.as_str(), &record.body_sha256])?;
            expect_segments(&sk, &["EVENT", "unmodelled"])?;
            prop_assert_eq!(phone, None);
            prop_assert!(record.known_status().is_none());
            prop_assert!(
                record.occurred_at.is_empty(),
                "an unmodelled event has no time"
            );
        }
    }
    let collision = item::record_key(record).collision(&record.body_sha256);
    prop_assert!(
        collision.pk.len() <= MAX_PK_BYTES,
        "pk of {} bytes",
        collision.pk.len()
    );
    prop_assert!(
        collision.sk.len() <= MAX_SK_BYTES,
        "sk of {} bytes",
        collision.sk.len()
    );
    prop_assert!(record.occurred_at.len() <= MAX_SK_BYTES);
    prop_assert!(
        !record.occurred_at.is_empty() || matches!(record.event, WebhookEvent::Unmodelled(_))
    );
    if let Some(phone_key) = record.phone().and_then(item::phone_key) {
        prop_assert!(
            phone_key.len() <= MAX_PK_BYTES,
            "phone key of {} bytes",
            phone_key.len()
        );
    }
    if body.len() <= MAX_BODY_BYTES {
        let size = item_bytes(record);
        prop_assert!(size < item::MAX_ITEM_BYTES, "item of {size} bytes");
    }
    Ok(())
}

#[test]
fn parse_event_never_panics_and_its_keys_and_items_fit_dynamodb() {
    let mutated = mutated_case().prop_map(|(_, route, mutations, mut body, _)| {
        for mutation in &mutations {
            apply(&mut body, mutation);
        }
        Case {
            route,
            body: body.to_string().into_bytes(),
            base64: false,
            expect: Expect::Undecided,
        }
    });
    let valid = valid_event().prop_map(|(_, route, body)| Case {
        route,
        body: body.to_string().into_bytes(),
        base64: false,
        expect: Expect::Stored,
    });
    let strategy = prop_oneof![
        3 => valid,
        3 => mutated,
        1 => bytes_case(),
        1 => json_value_case(),
        1 => duplicate_case(),
        1 => numbers_case(),
        1 => nesting_case(),
        1 => largest_case(),
    ];
    check(
        "parse_event on every generated body",
        strategy,
        |case| match parse_event(case.route, &case.body) {
            Ok(record) => check_record(&case.body, &record),
            Err(err) => {
                prop_assert!(case.expect != Expect::Stored, "valid event refused: {err}");
                prop_assert!(!err.to_string().is_empty());
                Ok(())
            }
        },
    );
}
