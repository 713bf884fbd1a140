//! Provider timestamps to one sortable form: RFC 3339 UTC with milliseconds.

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::PayloadError;

/// Fixed width, so that lexical order is time order in DynamoDB sort keys.
const CANONICAL: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// edna's ISO 8601 `timestamp`: RFC 3339 (`2025-08-10T12:32:56Z`, offsets allowed), or ISO 8601
/// without an offset, which edna documents as UTC.
pub(crate) fn from_iso8601(value: &str, field: &str) -> Result<String, PayloadError> {
    let parsed = OffsetDateTime::parse(value, &Rfc3339).or_else(|_| {
        PrimitiveDateTime::parse(value, &Iso8601::DEFAULT).map(PrimitiveDateTime::assume_utc)
    });
    match parsed {
        Ok(at) => canonical(at, field),
        Err(_) => Err(PayloadError::invalid(
            field,
            "not an ISO 8601 timestamp (expected e.g. 2025-07-01T00:00:00Z)",
        )),
    }
}

/// BotLinkd's `timestamp`: Unix epoch seconds.
pub(crate) fn from_epoch_seconds(value: i64, field: &str) -> Result<String, PayloadError> {
    match OffsetDateTime::from_unix_timestamp(value) {
        Ok(at) => canonical(at, field),
        Err(_) => Err(PayloadError::invalid(field, "epoch seconds out of range")),
    }
}

/// The current time in the same canonical form, for `received_at` and `updated_at`.
pub fn utc_now() -> String {
    canonical(OffsetDateTime::now_utc(), "now").unwrap_or_default()
}

fn canonical(at: OffsetDateTime, field: &str) -> Result<String, PayloadError> {
    let utc = at.to_offset(time::UtcOffset::UTC);
    if !(0..=9999).contains(&utc.year()) {
        return Err(PayloadError::invalid(field, "year out of range"));
    }
    utc.format(CANONICAL)
        .map_err(|_| PayloadError::invalid(field, "cannot be formatted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_forms_normalise_to_the_same_instant() {
        let expected = "2025-08-10T12:32:56.000Z";
        assert_eq!(from_iso8601("2025-08-10T12:32:56Z", "t").unwrap(), expected);
        assert_eq!(
            from_iso8601("2025-08-10T15:32:56+03:00", "t").unwrap(),
            expected
        );
        assert_eq!(from_iso8601("2025-08-10T12:32:56", "t").unwrap(), expected);
        assert_eq!(
            from_iso8601("2025-08-10T12:32:56.1234Z", "t").unwrap(),
            "2025-08-10T12:32:56.123Z"
        );
    }

    #[test]
    fn bad_iso8601_names_the_field() {
        for bad in ["", "yesterday", "2025-13-01T00:00:00Z", "1678900000"] {
            let err = from_iso8601(bad, "timestamp").unwrap_err();
            assert_eq!(err.field(), Some("timestamp"), "{bad}");
        }
    }

    #[test]
    fn epoch_seconds_convert_and_out_of_range_is_rejected() {
        assert_eq!(
            from_epoch_seconds(1678900000, "t").unwrap(),
            "2023-03-15T17:06:40.000Z"
        );
        assert!(from_epoch_seconds(i64::MAX, "t").is_err());
        assert!(from_epoch_seconds(-100_000_000_000, "t").is_err());
    }
}
