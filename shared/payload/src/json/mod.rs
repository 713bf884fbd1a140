//! The bottom layer: JSON read into the providers' wire structs, with errors that name the field.
//! The providers' formats build on it; it knows no provider and no record.
//!
//! A body is read once ([`Body::read`]): its top-level fields are kept as the text they were sent
//! as, so that the provider can tell what the body is and then deserialise the fields of that
//! kind alone ([`Object::fields`]). Nested objects are read where a kind needs them
//! ([`parse_json`]).
//!
//! Errors are worked out twice: a read that fails is read again, tracking the path to the fault,
//! because tracking it costs an allocation per field name and only broken bodies need it.

mod fields;
mod object;

#[cfg(test)]
use std::cell::RefCell;

use serde::de::DeserializeSeed;
use serde::Deserialize;
use serde_path_to_error::Track;

use crate::PayloadError;

pub(crate) use fields::{lenient_i64, lenient_u64, required, required_id, Checked, Skip, Text};
pub(crate) use object::{Body, FieldAsSent, Mark, Marks, Object};

/// Deserializes `json` (the body, or a nested object found at `prefix`), naming the offending
/// field on error. The whole input must be one JSON object.
pub(crate) fn parse_json<'a, T: Deserialize<'a>>(
    json: &'a str,
    prefix: &str,
) -> Result<T, PayloadError> {
    // serde's derived structs also accept a JSON array (fields by position); providers only
    // send objects, and a positional body must not slip through as a valid event.
    if !json.trim_start().starts_with('{') {
        return Err(if prefix.is_empty() {
            not_an_object()
        } else {
            PayloadError::invalid(prefix, "expected a JSON object")
        });
    }
    read_json(json, prefix, std::marker::PhantomData::<T>)
}

/// The error for a body that is not a JSON object.
pub(crate) fn not_an_object() -> PayloadError {
    PayloadError::MalformedJson("the body must be a JSON object".into())
}

/// Reads `json` with `seed` to its end. On error, reads it again with the path tracked
/// ([`traced_error`]).
fn read_json<'a, S: DeserializeSeed<'a> + Clone>(
    json: &'a str,
    prefix: &str,
    seed: S,
) -> Result<S::Value, PayloadError> {
    let mut de = reader(json);
    let read = seed
        .clone()
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value));
    read.map_err(|first| {
        traced_error(json, prefix, seed).unwrap_or_else(|| untraced(first, prefix))
    })
}

/// The error of reading `json` with `seed`, naming the field at fault, as the serde path tracker
/// finds it; `None` if the read succeeds.
fn traced_error<'a, S: DeserializeSeed<'a>>(
    json: &'a str,
    prefix: &str,
    seed: S,
) -> Option<PayloadError> {
    let mut de = reader(json);
    let mut track = Track::new();
    match seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track)) {
        Err(err) => Some(PayloadError::from_serde(
            serde_path_to_error::Error::new(track.path(), err),
            prefix,
        )),
        Ok(_) => de
            .end()
            .err()
            .map(|err| PayloadError::MalformedJson(err.to_string())),
    }
}

/// `err` without a path, for a read that failed once and not when traced (never seen: both reads
/// run the same code on the same text).
fn untraced(err: serde_json::Error, prefix: &str) -> PayloadError {
    PayloadError::from_serde(
        serde_path_to_error::Error::new(Track::new().path(), err),
        prefix,
    )
}

/// A JSON reader over `text`. Tests count the readers made over a whole body ([`reads_of`]).
fn reader(text: &str) -> serde_json::Deserializer<serde_json::de::StrRead<'_>> {
    #[cfg(test)]
    READS.with(|reads| {
        reads
            .borrow_mut()
            .push((text.as_ptr() as usize, text.len()))
    });
    serde_json::Deserializer::from_str(text)
}

#[cfg(test)]
thread_local! {
    /// The start and length of each text a reader was made over, on this thread.
    static READS: RefCell<Vec<(usize, usize)>> = const { RefCell::new(Vec::new()) };
}

/// How many readers were made over exactly `text` on this thread since the last call (which
/// forgets them): how many times a body was read whole.
#[cfg(test)]
pub(crate) fn reads_of(text: &str) -> usize {
    let span = (text.as_ptr() as usize, text.len());
    READS.with(|reads| {
        let mut reads = reads.borrow_mut();
        let count = reads.iter().filter(|read| **read == span).count();
        reads.clear();
        count
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)] // read for their errors
    struct Wire {
        #[serde(default, deserialize_with = "lenient_u64")]
        message_id: Option<u64>,
        status: Option<String>,
    }

    #[test]
    fn an_error_names_the_field_with_the_prefix_and_a_repeat_names_the_repeated_field() {
        let err = parse_json::<Wire>(r#"{"status": 1}"#, "").unwrap_err();
        assert_eq!(err.field(), Some("status"), "{err}");
        let err = parse_json::<Wire>(r#"{"messageId": "x"}"#, "data").unwrap_err();
        assert_eq!(err.field(), Some("data.messageId"), "{err}");
        let err = parse_json::<Wire>(r#"{"status": "a", "status": "b"}"#, "").unwrap_err();
        assert_eq!(
            err,
            PayloadError::InvalidField {
                field: "status".into(),
                reason: "appears more than once".into()
            }
        );
    }

    #[test]
    fn only_one_json_object_is_read() {
        for bad in [
            "",
            "[]",
            "[1, 2]",
            "\"x\"",
            "{} {}",
            "{\"status\": \"a\"",
            "{\"a\":1}x",
        ] {
            let err = parse_json::<Wire>(bad, "").unwrap_err();
            assert_eq!(err.reason(), "malformed_json", "{bad}: {err}");
        }
        let err = parse_json::<Wire>("[]", "payload").unwrap_err();
        assert_eq!(err.field(), Some("payload"), "{err}");
    }

    #[test]
    fn a_syntax_error_keeps_its_position_in_the_text() {
        let err = parse_json::<Wire>("{\n  \"status\": \"a\",\n  \"messageId\": 1e400\n}", "")
            .unwrap_err();
        assert_eq!(
            err,
            PayloadError::MalformedJson("number out of range at line 3 column 20".into())
        );
    }
}
