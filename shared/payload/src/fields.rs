//! Field checks shared by both providers' formats.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::record::parse_json;
use crate::PayloadError;

/// Longest identifier accepted in a key part, in bytes. edna documents 256 characters for
/// `requestId`; keeping every id within 256 bytes keeps escaped keys well inside DynamoDB's
/// 2048-byte partition-key and 1024-byte sort-key limits.
pub(crate) const MAX_ID_BYTES: usize = 256;

/// Unwraps a required field, naming it when it is absent or `null`.
pub(crate) fn required<T>(value: Option<T>, field: &'static str) -> Result<T, PayloadError> {
    value.ok_or(PayloadError::MissingField(field))
}

/// A required identifier that becomes part of a DynamoDB key: non-empty, at most
/// [`MAX_ID_BYTES`], and free of control characters (which no provider id contains and which
/// would make keys unreadable).
pub(crate) fn required_id(
    value: Option<String>,
    field: &'static str,
) -> Result<String, PayloadError> {
    let value = required(value, field)?;
    check_id(&value, field)?;
    Ok(value)
}

/// The checks of [`required_id`] for an optional identifier.
pub(crate) fn check_id(value: &str, field: &str) -> Result<(), PayloadError> {
    if value.is_empty() {
        return Err(PayloadError::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(PayloadError::invalid(
            field,
            format!("longer than {MAX_ID_BYTES} bytes"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(PayloadError::invalid(field, "contains control characters"));
    }
    Ok(())
}

/// The fields of the JSON object `object` (the text of the object found at `prefix`, empty for the
/// body itself) that are not in `known`, re-encoded as a JSON object, or `None` when there are
/// none (the common case), so that no field a provider sends is lost.
pub(crate) fn extra_fields(
    object: &str,
    prefix: &str,
    known: &[&str],
) -> Result<Option<String>, PayloadError> {
    let fields: BTreeMap<Cow<str>, &RawValue> = parse_json(object, prefix)?;
    let extra: BTreeMap<&str, &RawValue> = fields
        .iter()
        .filter(|(name, _)| !known.contains(&name.as_ref()))
        .map(|(name, value)| (name.as_ref(), *value))
        .collect();
    if extra.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&extra).map(Some).map_err(|err| {
        PayloadError::invalid(
            if prefix.is_empty() { "body" } else { prefix },
            err.to_string(),
        )
    })
}

/// An optional JSON value of any type, kept as the text the sender wrote (`null` and absence are
/// `None`): parts a provider documents loosely (media, billing data) are stored, not modelled.
pub(crate) fn json_text<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    let raw: Option<&'de RawValue> = Deserialize::deserialize(de)?;
    Ok(raw.map(|raw| raw.get().to_owned()))
}

/// An optional unsigned integer that may also arrive as a string of digits (`"1333"`): some
/// senders quote numbers, and the value is the same. `null` and absence are `None`.
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    de.deserialize_any(Lenient::<u64>(std::marker::PhantomData))
}

/// [`lenient_u64`] for a signed integer (epoch seconds).
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
    de.deserialize_any(Lenient::<i64>(std::marker::PhantomData))
}

struct Lenient<T>(std::marker::PhantomData<T>);

impl<'de, T> Visitor<'de> for Lenient<T>
where
    T: TryFrom<u64> + TryFrom<i64> + std::str::FromStr,
{
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer, or a string of digits")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Some)
            .map_err(|_| E::custom(format!("integer {value} out of range")))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Some)
            .map_err(|_| E::custom(format!("integer {value} out of range")))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        let digits = value.strip_prefix('-').unwrap_or(value);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::invalid_value(de::Unexpected::Str(value), &self));
        }
        value
            .parse()
            .map(Some)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Numbers {
        #[serde(default, deserialize_with = "lenient_u64")]
        unsigned: Option<u64>,
        #[serde(default, deserialize_with = "lenient_i64")]
        signed: Option<i64>,
    }

    #[test]
    fn numbers_may_arrive_quoted_and_are_the_same_number() {
        let parse = |json: &str| serde_json::from_str::<Numbers>(json).ok();
        let both = |unsigned, signed| {
            Some(Numbers {
                unsigned: Some(unsigned),
                signed: Some(signed),
            })
        };
        assert_eq!(parse(r#"{"unsigned":1333,"signed":-5}"#), both(1333, -5));
        assert_eq!(
            parse(r#"{"unsigned":"1333","signed":"-5"}"#),
            both(1333, -5)
        );
        assert_eq!(
            parse(r#"{"unsigned":null}"#),
            Some(Numbers {
                unsigned: None,
                signed: None
            })
        );
        for bad in [
            r#"{"unsigned":-1}"#,
            r#"{"unsigned":"-1"}"#,
            r#"{"unsigned":"12a"}"#,
            r#"{"unsigned":""}"#,
            r#"{"unsigned":" 1"}"#,
            r#"{"unsigned":1.5}"#,
            r#"{"unsigned":"18446744073709551616"}"#,
            r#"{"signed":"-"}"#,
            r#"{"signed":true}"#,
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_text_keeps_any_value_as_sent_and_null_as_none() {
        #[derive(serde::Deserialize)]
        struct Part {
            #[serde(default, deserialize_with = "json_text")]
            part: Option<String>,
        }
        let part = |json: &str| {
            serde_json::from_str::<Part>(json)
                .map(|wire| wire.part)
                .ok()
        };
        for sent in [
            r#"{"url": "a.jpg",  "size": 1}"#,
            "[1, 2]",
            "\"x\"",
            "0.50",
            "true",
        ] {
            assert_eq!(
                part(&format!(r#"{{"part": {sent}}}"#)),
                Some(Some(sent.into()))
            );
        }
        assert_eq!(part(r#"{"part": null}"#), Some(None));
        assert_eq!(part("{}"), Some(None));
        assert_eq!(part(r#"{"part": [1,}"#), None);
    }

    #[test]
    fn required_id_names_the_field_for_each_failure() {
        assert_eq!(
            required_id(None, "data.message_id"),
            Err(PayloadError::MissingField("data.message_id"))
        );
        for bad in [
            String::new(),
            "a\u{0}b".into(),
            "x".repeat(MAX_ID_BYTES + 1),
        ] {
            let err = required_id(Some(bad), "data.message_id").unwrap_err();
            assert_eq!(err.field(), Some("data.message_id"), "{err}");
        }
        assert_eq!(
            required_id(Some("x".repeat(MAX_ID_BYTES)), "f").map(|s| s.len()),
            Ok(MAX_ID_BYTES)
        );
    }
}
