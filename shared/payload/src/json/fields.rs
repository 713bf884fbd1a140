//! Field types and checks that the providers' wire structs share.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;

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

/// A string field's value, borrowed from the body unless it holds escapes. Reads as `String`
/// does (same errors), without copying.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visit<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(value)))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(value.to_owned())))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(value)))
            }
        }
        de.deserialize_string(Visit(PhantomData))
    }
}

/// A string field that is checked (a string, with the errors `String` gives) but not kept: a
/// field the spec requires or types, that nothing reads.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visit;
        impl Visitor<'_> for Visit {
            type Value = Checked;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Checked, E> {
                Ok(Checked)
            }
        }
        de.deserialize_string(Visit)
    }
}

/// A field of any JSON value that is not read (declared only so that a wire struct refuses it
/// twice, as it always has). Declare it `#[serde(default)]`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_ignored_any(IgnoredAny).map(|_| Skip)
    }
}

/// An optional unsigned integer that may also arrive as a string of digits (`"1333"`): some
/// senders quote numbers, and the value is the same. `null` and absence are `None`.
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    de.deserialize_any(Lenient::<u64>(PhantomData))
}

/// [`lenient_u64`] for a signed integer (epoch seconds).
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
    de.deserialize_any(Lenient::<i64>(PhantomData))
}

struct Lenient<T>(PhantomData<T>);

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
