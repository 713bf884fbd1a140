//! The body hash that tells a provider's retry from a different event under the same key.
//!
//! Providers may re-serialise an event between attempts (key order, spacing), so the hash is taken
//! over a canonical form of the JSON: object keys sorted, insignificant whitespace removed,
//! strings re-escaped minimally, numbers kept exactly as written. A body that is not JSON, or
//! repeats a key in an object, is hashed as its bytes.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// serde_json's own nesting limit: deeper bodies are hashed as bytes instead of canonicalised.
const MAX_DEPTH: usize = 128;

/// Hex SHA-256 of the body's canonical JSON form, or of its bytes if it is not JSON.
pub fn body_sha256(body: &[u8]) -> String {
    let canonical = std::str::from_utf8(body).ok().and_then(canonical_json);
    sha256_hex(canonical.as_deref().map_or(body, str::as_bytes))
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
            let fields = unique_fields(text)?;
            out.push('{');
            for (i, (name, field)) in fields.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(&name).ok()?);
                out.push(':');
                write_canonical(field, out, depth + 1)?;
            }
            out.push('}');
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
        b'"' => {
            let string: String = serde_json::from_str(text).ok()?;
            out.push_str(&serde_json::to_string(&string).ok()?);
        }
        // Numbers, true, false, null: their text is already canonical enough, and keeping it
        // keeps every digit of numbers that do not fit a float.
        _ => out.push_str(text),
    }
    Some(())
}

/// An object's fields by name, or `None` when a name repeats: which value a reader takes is then
/// the reader's choice (serde and most parsers keep the last), so such a body is hashed as its
/// bytes and is a duplicate only of the very same bytes, never of a body without the earlier
/// value.
fn unique_fields(object: &str) -> Option<BTreeMap<String, &RawValue>> {
    let entries: Vec<(String, &RawValue)> = serde_json::from_str::<Entries>(object).ok()?.0;
    let count = entries.len();
    let fields: BTreeMap<String, &RawValue> = entries.into_iter().collect();
    (fields.len() == count).then_some(fields)
}

/// Every name-value pair of a JSON object, in order, repeats included.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

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
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
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
