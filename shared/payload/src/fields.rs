//! Field checks shared by both providers' formats.

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

#[cfg(test)]
mod tests {
    use super::*;

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
