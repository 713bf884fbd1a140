//! A body read once: its top-level fields in the order they were sent, each value kept as the
//! JSON text it was sent as, so that what a body is can be told from its fields before any of
//! them is deserialised, and then the fields of that kind alone are deserialised.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer, UnitDeserializer};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{not_an_object, read_json, reader, traced_error, untraced, Text};
use crate::PayloadError;

/// How the one read treats a top-level field that tells bodies apart (a discriminator), the way a
/// derived struct that declares it would: a second occurrence is refused when it is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// A string or `null`, checked and decoded as it is read.
    Text,
    /// Any JSON value.
    Once,
}

/// Which top-level fields are discriminators: for a field's name, that name as a `&'static str`
/// (serde's duplicate-field error takes one) and its [`Mark`].
pub(crate) type Marks = fn(&str) -> Option<(&'static str, Mark)>;

/// A request body, read once.
pub(crate) enum Body<'a> {
    /// A JSON array (edna's template-status updates): checked to be JSON, not read further.
    Array,
    /// A JSON object.
    Object(Object<'a>),
}

impl<'a> Body<'a> {
    /// Reads `text`, which must be one JSON array or object. A body whose first character (after
    /// any whitespace) is neither `[` nor `{` is malformed, whatever follows.
    pub(crate) fn read(text: &'a str, marks: Marks) -> Result<Body<'a>, PayloadError> {
        if text.trim_start().starts_with('[') {
            let mut de = reader(text);
            IgnoredAny::deserialize(&mut de)
                .and_then(|_| de.end())
                .map_err(|err| PayloadError::MalformedJson(err.to_string()))?;
            return Ok(Body::Array);
        }
        Object::read(text, marks).map(Body::Object)
    }

    /// The body's object, unless it is an array.
    pub(crate) fn object(&self) -> Option<&Object<'a>> {
        match self {
            Body::Array => None,
            Body::Object(object) => Some(object),
        }
    }
}

/// A JSON object's top-level fields, in the order sent, repeats included.
pub(crate) struct Object<'a> {
    /// The object's whole text.
    text: &'a str,
    fields: Vec<(Cow<'a, str>, Value<'a>)>,
}

/// A top-level field's value as the one read kept it, for the body hash.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldAsSent<'a> {
    /// The JSON text sent.
    Json(&'a RawValue),
    /// A [`Mark::Text`] field's string, decoded; `None` for `null`.
    Text(Option<&'a str>),
}

/// A top-level field's value.
enum Value<'a> {
    /// As sent.
    Raw(&'a RawValue),
    /// A [`Mark::Text`] field's string, `None` for `null`.
    Text(Option<Cow<'a, str>>),
}

impl<'a> Object<'a> {
    /// Reads `text`, which must be one JSON object. The discriminators `marks` names are checked
    /// as they are met; every other value is only checked to be JSON.
    pub(crate) fn read(text: &'a str, marks: Marks) -> Result<Object<'a>, PayloadError> {
        if !text.trim_start().starts_with('{') {
            return Err(not_an_object());
        }
        let fields = read_json(text, "", FieldsSeed { marks })?;
        Ok(Object { text, fields })
    }

    /// The string value of the [`Mark::Text`] field `name`; `None` when it is absent or `null`.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .and_then(|(_, value)| match value {
                Value::Text(text) => text.as_deref(),
                Value::Raw(_) => None,
            })
    }

    /// The value of the field `name` as sent, or `None` when it is absent or `null`. The first
    /// occurrence: callers ask only for fields that a read or [`Object::first_repeat`] has
    /// checked to appear once.
    pub(crate) fn raw(&self, name: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .and_then(|(_, value)| match value {
                Value::Raw(raw) if raw.get() != "null" => Some(*raw),
                _ => None,
            })
    }

    /// Whether the field `name` is present and not `null`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .is_some_and(|(_, value)| match value {
                Value::Raw(raw) => raw.get() != "null",
                Value::Text(text) => text.is_some(),
            })
    }

    /// The first of `names` to appear a second time, in the order sent: the field a derived
    /// struct that declares `names` would report as repeated.
    pub(crate) fn first_repeat(&self, names: &[&'static str]) -> Option<&'static str> {
        self.fields.iter().enumerate().find_map(|(at, (field, _))| {
            let name = names.iter().find(|name| **name == field)?;
            let repeated = self.fields[..at]
                .iter()
                .any(|(earlier, _)| earlier == field);
            repeated.then_some(*name)
        })
    }

    /// The object's whole text, as sent.
    pub(crate) fn as_sent(&self) -> &'a str {
        self.text
    }

    /// Every field in the order sent, repeats included.
    pub(crate) fn fields_as_sent(&self) -> impl Iterator<Item = (&str, FieldAsSent<'_>)> {
        self.fields.iter().map(|(name, value)| {
            let value = match value {
                Value::Raw(raw) => FieldAsSent::Json(raw),
                Value::Text(text) => FieldAsSent::Text(text.as_deref()),
            };
            (name.as_ref(), value)
        })
    }

    /// Deserialises the fields into `T` (a derived wire struct), exactly as reading the object's
    /// text into `T` would: fields in the order sent, a repeated declared field refused where it
    /// is met, the first bad value named. Only the values `T` declares are read; fields it does
    /// not declare are not looked at again.
    pub(crate) fn fields<T: Deserialize<'a>>(&self) -> Result<T, PayloadError> {
        T::deserialize(FieldsDeserializer(&self.fields)).map_err(|first| {
            // The path to the fault, and a syntax error's position in the body (a number out of
            // range, a lone surrogate), come from reading the text itself.
            traced_error(self.text, "", PhantomData::<T>).unwrap_or_else(|| untraced(first, ""))
        })
    }
}

/// Reads an object's fields ([`Object::read`]).
#[derive(Clone, Copy)]
struct FieldsSeed {
    marks: Marks,
}

impl<'de> DeserializeSeed<'de> for FieldsSeed {
    type Value = Vec<(Cow<'de, str>, Value<'de>)>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed {
    type Value = Vec<(Cow<'de, str>, Value<'de>)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields: Self::Value = Vec::with_capacity(16);
        while let Some(Text(name)) = map.next_key()? {
            let value = match (self.marks)(&name) {
                Some((known, _)) if fields.iter().any(|(earlier, _)| *earlier == name) => {
                    return Err(de::Error::duplicate_field(known));
                }
                Some((_, Mark::Text)) => {
                    Value::Text(map.next_value::<Option<Text>>()?.map(|text| text.0))
                }
                Some((_, Mark::Once)) | None => Value::Raw(map.next_value()?),
            };
            fields.push((name, value));
        }
        Ok(fields)
    }
}

/// A read object's fields as a serde map, for [`Object::fields`].
struct FieldsDeserializer<'o, 'a>(&'o [(Cow<'a, str>, Value<'a>)]);

impl<'de> Deserializer<'de> for FieldsDeserializer<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(FieldsAccess {
            fields: self.0.iter(),
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct FieldsAccess<'o, 'a> {
    fields: std::slice::Iter<'o, (Cow<'a, str>, Value<'a>)>,
    value: Option<&'o Value<'a>>,
}

impl<'o, 'a> MapAccess<'a> for FieldsAccess<'o, 'a> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((name, value)) = self.fields.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        match name {
            Cow::Borrowed(name) => seed.deserialize(BorrowedStrDeserializer::new(name)),
            Cow::Owned(name) => seed.deserialize(StrDeserializer::<Self::Error>::new(name)),
        }
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(Value::Raw(raw)) => seed.deserialize(RawDeserializer(raw)),
            Some(Value::Text(Some(Cow::Borrowed(text)))) => {
                seed.deserialize(BorrowedStrDeserializer::new(text))
            }
            Some(Value::Text(Some(Cow::Owned(text)))) => {
                seed.deserialize(StrDeserializer::<Self::Error>::new(text))
            }
            Some(Value::Text(None)) => seed.deserialize(UnitDeserializer::new()),
            None => Err(de::Error::custom("a value asked for before its key")),
        }
    }
}

/// One value as sent: deserialised by serde_json as it would be inside the object, except that a
/// value nobody declared (serde's `IgnoredAny`, [`super::Skip`]) is not read again.
struct RawDeserializer<'a>(&'a RawValue);

macro_rules! forward_to_json {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'a>>(
            self,
            $($arg: $ty,)*
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            reader(self.0.get()).$method($($arg,)* visitor)
        }
    )*};
}

impl<'a> Deserializer<'a> for RawDeserializer<'a> {
    type Error = serde_json::Error;

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    forward_to_json! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::json::{lenient_u64, parse_json, Checked, Skip};

    fn marks(name: &str) -> Option<(&'static str, Mark)> {
        match name {
            "kind" => Some(("kind", Mark::Text)),
            "payload" => Some(("payload", Mark::Once)),
            _ => None,
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Wire<'a> {
        #[serde(default, deserialize_with = "lenient_u64")]
        message_id: Option<u64>,
        #[serde(borrow)]
        status: Option<Text<'a>>,
        comment: Option<Checked>,
        #[serde(default)]
        data: Skip,
    }

    fn fields(text: &str) -> Result<Wire<'_>, PayloadError> {
        Object::read(text, marks)?.fields()
    }

    #[test]
    fn the_fields_of_a_read_object_deserialise_as_its_text_would() {
        for text in [
            r#"{"messageId": "12", "status": "READ", "other": [1e400, "\ud800"], "data": {}}"#,
            r#"{"status": "RE\u0041D", "kind": "a", "payload": 1, "other": 1, "other": 2}"#,
            r#"{"messageId": 12, "comment": null}"#,
            r#"{"messageId": "x"}"#,
            r#"{"messageId": 1e400}"#,
            r#"{"status": "a", "messageId": -1, "status": "b"}"#,
            r#"{"status": "a", "status": "b", "messageId": -1}"#,
            r#"{"status": "\ud800"}"#,
            r#"{"comment": 1, "data": 1, "data": 2}"#,
            "{\n\"data\": null,\n\"status\": \"\\ud800\"\n}",
            "{}",
        ] {
            assert_eq!(fields(text), parse_json::<Wire>(text, ""), "{text}");
        }
    }

    #[test]
    fn discriminators_are_checked_as_they_are_read() {
        let read = |text| Object::read(text, marks).map(|_| ()).unwrap_err();
        assert_eq!(read(r#"{"kind": 1, "x": }"#).field(), Some("kind"));
        assert_eq!(read(r#"{"kind": [1, "x": }"#).field(), Some("kind"));
        assert_eq!(
            read(r#"{"payload": 1, "payload": {"#).field(),
            Some("payload")
        );
        assert_eq!(read(r#"{"kind": null, "kind": "a"}"#).field(), Some("kind"));
        assert_eq!(
            read(r#"{"x": 1, "kind": 1e400}"#).reason(),
            "malformed_json"
        );
        // Any other field may repeat and hold any JSON: it is not read.
        let object =
            Object::read(r#"{"a": 1e400, "a": "\ud800", "kind": "k\u0069nd"}"#, marks).unwrap();
        assert_eq!(object.text("kind"), Some("kind"));
        assert_eq!(object.first_repeat(&["kind", "a"]), Some("a"));
    }

    #[test]
    fn null_counts_as_absent() {
        let object = Object::read(r#"{"kind": null, "payload": null, "x": 0}"#, marks).unwrap();
        for name in ["kind", "payload", "y"] {
            assert!(!object.has(name), "{name}");
        }
        assert_eq!(object.raw("payload").map(RawValue::get), None);
        assert_eq!(object.raw("x").map(RawValue::get), Some("0"));
        assert!(object.has("x"));
    }

    #[test]
    fn the_first_field_to_repeat_is_named_in_the_order_sent() {
        let object = Object::read(r#"{"b": 1, "a": 1, "c": 0, "a": 2, "b": 2}"#, marks).unwrap();
        assert_eq!(object.first_repeat(&["b", "a"]), Some("a"));
        assert_eq!(object.first_repeat(&["b", "c"]), Some("b"));
        assert_eq!(object.first_repeat(&["c"]), None);
    }

    #[test]
    fn an_array_is_checked_to_be_json_and_anything_else_is_not_a_body() {
        assert!(matches!(Body::read(" [1, {}]", marks), Ok(Body::Array)));
        for bad in ["[1,", "[] {}", "", "42", "null", "\"x\"", "{", "{} []"] {
            let err = Body::read(bad, marks).map(|_| ()).unwrap_err();
            assert_eq!(err.reason(), "malformed_json", "{bad}: {err}");
        }
    }
}
