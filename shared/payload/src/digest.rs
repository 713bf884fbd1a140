//! The body hash that tells a provider's retry from a different event under the same key.
//!
//! Providers may re-serialise an event between attempts (key order, spacing), so the hash is taken
//! over a canonical form of the JSON: object keys sorted, insignificant whitespace removed,
//! strings re-escaped minimally, numbers kept exactly as written. A body that is not JSON, or
//! repeats a key in an object, is hashed as its bytes.

use std::borrow::Cow;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::json::{FieldAsSent, Object, Text};

/// serde_json's own nesting limit: deeper bodies are hashed as bytes instead of canonicalised.
const MAX_DEPTH: usize = 128;

/// Hex SHA-256 of the body's canonical JSON form, or of its bytes if it is not JSON.
pub fn body_sha256(body: &[u8]) -> String {
    let canonical = std::str::from_utf8(body).ok().and_then(canonical_json);
    sha256_hex(canonical.as_deref().map_or(body, str::as_bytes))
}

/// [`body_sha256`] of a body that was read as `object`: its top-level fields are taken as read
/// instead of being read again.
pub(crate) fn object_sha256(object: &Object) -> String {
    let fields = object
        .fields_as_sent()
        .map(|(name, value)| (Cow::Borrowed(name), value))
        .collect();
    let mut out = String::with_capacity(object.as_sent().len());
    let canonical = write_object(fields, &mut out, 0).map(|()| out);
    sha256_hex(canonical.as_deref().unwrap_or(object.as_sent()).as_bytes())
}

/// `text` with object keys sorted and no whitespace between tokens; `None` if it is not one
/// JSON value.
pub(crate) fn canonical_json(text: &str) -> Option<String> {
    let value: &RawValue = serde_json::from_str(text).ok()?;
    let mut out = String::with_capacity(text.len());
    write_canonical(value, &mut out, 0)?;
    Some(out)
}

fn write_canonical(value: &RawValue, out: &mut String, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let text = value.get().trim();
    match text.as_bytes().first()? {
        b'{' => {
            let fields = serde_json::from_str::<Entries>(text).ok()?.0;
            write_object(fields, out, depth)?;
        }
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
            out.push('[');
            for (i, item) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out, depth + 1)?;
            }
            out.push(']');
        }
        b'"' => write_string(text, out)?,
        // Numbers, true, false, null: their text is already canonical enough, and keeping it
        // keeps every digit of numbers that do not fit a float.
        _ => out.push_str(text),
    }
    Some(())
}

/// The object of `fields` (at `depth`), its keys sorted; `None` when a name repeats: which value
/// a reader takes is then the reader's choice (serde and most parsers keep the last), so such a
/// body is hashed as its bytes and is a duplicate only of the very same bytes, never of a body
/// without the earlier value.
fn write_object(
    mut fields: Vec<(Cow<str>, FieldAsSent)>,
    out: &mut String,
    depth: usize,
) -> Option<()> {
    fields.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    if fields.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    out.push('{');
    for (i, (name, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&name, out)?;
        out.push(':');
        match value {
            FieldAsSent::Json(value) => write_canonical(value, out, depth + 1)?,
            FieldAsSent::Text(Some(text)) => push_string(text, out)?,
            FieldAsSent::Text(None) => out.push_str("null"),
        }
    }
    out.push('}');
    Some(())
}

/// A JSON string token (`"..."`, as sent), minimally escaped.
fn write_string(token: &str, out: &mut String) -> Option<()> {
    if token.contains('\\') {
        let string: Cow<str> = serde_json::from_str::<Text>(token).ok()?.0;
        push_string(&string, out)
    } else {
        // No escape: a valid token holds no quote, backslash or control character between its
        // quotes, so it is its own minimal form.
        out.push_str(token);
        Some(())
    }
}

/// `string`, JSON-encoded as serde_json encodes it: quotes, backslashes and control characters
/// escaped, nothing else.
fn push_string(string: &str, out: &mut String) -> Option<()> {
    if string.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::to_string(string).ok()?);
    } else {
        out.push('"');
        out.push_str(string);
        out.push('"');
    }
    Some(())
}

/// Every name-value pair of a JSON object, in order, repeats included.
struct Entries<'a>(Vec<(Cow<'a, str>, FieldAsSent<'a>)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Entries<'a>, M::Error> {
                let mut entries = Vec::new();
                while let Some((Text(name), value)) = map.next_entry::<Text, &'de RawValue>()? {
                    entries.push((name, FieldAsSent::Json(value)));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visit(std::marker::PhantomData))
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(HEX[usize::from(byte >> 4)] as char);
        hex.push(HEX[usize::from(byte & 0xf)] as char);
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_and_whitespace_do_not_change_the_hash() {
        let compact = r#"{"event":"ack","instance_id":"10922","data":{"message_id":"m","status":"read","timestamp":1678900055}}"#;
        let reordered = "{ \"data\" : {\"timestamp\": 1678900055,\n \"status\":\"read\", \"message_id\":\"m\"},\r\n\t\"instance_id\":\"10922\", \"event\":\"ack\" }\n";
        assert_eq!(
            body_sha256(compact.as_bytes()),
            body_sha256(reordered.as_bytes())
        );
    }

    #[test]
    fn a_repeated_key_is_hashed_as_bytes_never_as_the_body_without_its_earlier_value() {
        let repeated = r#"{"a":{"status":"read","status":"sent"},"b":1}"#;
        let last_wins = r#"{"a":{"status":"sent"},"b":1}"#;
        assert_ne!(
            body_sha256(repeated.as_bytes()),
            body_sha256(last_wins.as_bytes())
        );
        assert_eq!(
            body_sha256(repeated.as_bytes()),
            sha256_hex(repeated.as_bytes())
        );
        assert_eq!(canonical_json(repeated), None);
        // The same bytes again are still the same body.
        assert_eq!(
            body_sha256(repeated.as_bytes()),
            body_sha256(repeated.to_owned().as_bytes())
        );
    }

    #[test]
    fn a_read_objects_hash_is_its_bodys_hash() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let bodies = [
            include_str!("../../../fixtures/payloads/edna-click.json").to_owned(),
            include_str!("../../../fixtures/payloads/botlinkd-ack.json").to_owned(),
            "{}".to_owned(),
            r#" { "type" : "a\"b\u00e9" , "event" : null , "payload" : {"z" : 1 , "y" : [2] } } "#
                .to_owned(),
            r#"{"e\u0076ent":"ack","event2":"\ud83d\ude00","b":"\/","a":"x\ny","a\"":1}"#
                .to_owned(),
            r#"{"x":1,"y":{"a":1,"a":2}}"#.to_owned(),
            r#"{"x":1,"x":1}"#.to_owned(),
            format!(r#"{{"deep":{deep},"z":1e400}}"#),
            format!(r#"{{"deep":[{deep}]}}"#),
        ];
        for body in bodies {
            let object = Object::read(&body, crate::record::discriminator).unwrap();
            assert_eq!(
                object_sha256(&object),
                body_sha256(body.as_bytes()),
                "{body}"
            );
        }
    }

    #[test]
    fn escapes_that_mean_the_same_string_hash_the_same() {
        assert_eq!(
            body_sha256(br#"{"a":"\u00e9\/"}"#),
            body_sha256("{\"a\":\"é/\"}".as_bytes())
        );
    }

    #[test]
    fn any_change_of_content_changes_the_hash() {
        let base = body_sha256(br#"{"a":[1,2],"b":"x"}"#);
        for other in [
            r#"{"a":[2,1],"b":"x"}"#,
            r#"{"a":[1,2],"b":"y"}"#,
            r#"{"a":[1,2],"b":"x","c":null}"#,
            r#"{"a":[1,2.0],"b":"x"}"#,
            r#"{"a":[1,2],"B":"x"}"#,
        ] {
            assert_ne!(body_sha256(other.as_bytes()), base, "{other}");
        }
    }

    #[test]
    fn canonical_form_sorts_keys_and_drops_whitespace_keeping_number_text() {
        assert_eq!(
            canonical_json(
                " { \"b\" : 1e400 , \"a\" : [ true , null , 12345678901234567890123 ] } "
            )
            .as_deref(),
            Some(r#"{"a":[true,null,12345678901234567890123],"b":1e400}"#)
        );
    }

    #[test]
    fn non_json_and_over_deep_bodies_hash_their_bytes() {
        for body in ["not json", "{\"a\":1", "{} {}"] {
            assert_eq!(
                body_sha256(body.as_bytes()),
                sha256_hex(body.as_bytes()),
                "{body}"
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(body_sha256(deep.as_bytes()), sha256_hex(deep.as_bytes()));
        assert_eq!(body_sha256(&[0xff, 0xfe]), sha256_hex(&[0xff, 0xfe]));
    }
}
