//! Provider timestamps to one sortable form: RFC 3339 UTC with milliseconds.

use time::format_description::well_known::iso8601::{Config, EncodedConfig};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::PayloadError;

/// Fixed width, so that lexical order is time order in DynamoDB sort keys.
const CANONICAL: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// ISO 8601 as `time` parses it: any offset form (`Z`, `+03:00`, `+0300`, `+03`), fractional
/// seconds, basic and extended formats.
const ISO8601_PARSING: EncodedConfig = Config::DEFAULT.encode();

/// Real zones lie within UTC-12 and UTC+14; anything past 18 h (ISO 8601's and Java's bound on
/// offsets) cannot be one.
const MAX_OFFSET_HOURS: i8 = 18;

/// edna's ISO 8601 `timestamp`, converted to the UTC instant it names. Every offset form is
/// applied, never dropped. A date-time without any offset is taken as UTC, as edna documents its
/// timestamps in UTC. Anything else is an error (and the body is quarantined), never a guess.
pub(crate) fn from_iso8601(value: &str, field: &str) -> Result<String, PayloadError> {
    let parsed = OffsetDateTime::parse(value, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(value, &Iso8601::<ISO8601_PARSING>))
        .or_else(|err| {
            if has_offset(value) {
                // An offset that could not be read must not be silently replaced by UTC.
                Err(err)
            } else {
                PrimitiveDateTime::parse(value, &Iso8601::<ISO8601_PARSING>)
                    .map(PrimitiveDateTime::assume_utc)
            }
        });
    match parsed {
        // An offset past MAX_OFFSET_HOURS names no zone: a typo, not a time.
        Ok(at) if at.offset().whole_hours().abs() <= MAX_OFFSET_HOURS => canonical(at, field),
        _ => Err(PayloadError::invalid(
            field,
            "not an ISO 8601 date-time (expected e.g. 2025-07-01T00:00:00Z)",
        )),
    }
}

/// Whether the time part (after `T`) carries an offset designator of any form.
fn has_offset(value: &str) -> bool {
    value
        .split_once(['T', 't'])
        .is_some_and(|(_, time)| time.contains(['Z', 'z', '+', '-', '\u{2212}']))
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

/// Seconds from the canonical time `at` (as [`utc_now`] and the records write it) to `now`, or
/// `None` when `at` is not such a time. Negative when `at` is later than `now`.
pub fn seconds_until(at: &str, now: std::time::SystemTime) -> Option<f64> {
    let at = OffsetDateTime::parse(at, &Rfc3339).ok()?;
    Some((OffsetDateTime::from(now) - at).as_seconds_f64())
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
    fn seconds_until_measures_from_a_canonical_time_and_refuses_anything_else() {
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_millis(90_500);
        assert_eq!(seconds_until("1970-01-01T00:01:00.000Z", now), Some(30.5));
        assert_eq!(seconds_until("1970-01-01T00:02:00.000Z", now), Some(-29.5));
        assert_eq!(seconds_until("", now), None);
        assert_eq!(seconds_until("yesterday", now), None);
    }

    #[test]
    fn every_offset_form_converts_to_the_same_utc_instant() {
        let expected = "2025-08-10T12:32:56.000Z";
        for form in [
            "2025-08-10T12:32:56Z",
            "2025-08-10T12:32:56z",
            "2025-08-10T12:32:56+00:00",
            "2025-08-10T15:32:56+03:00",
            "2025-08-10T15:32:56+0300",
            "2025-08-10T15:32:56+03",
            "2025-08-10T09:02:56-03:30",
            "2025-08-10T09:02:56-0330",
            "2025-08-10T07:32:56-05",
            "2025-08-10T12:32:56",
            "20250810T153256+0300",
            "2025-08-10T15:32:56.000+03:00",
        ] {
            assert_eq!(from_iso8601(form, "t").as_deref(), Ok(expected), "{form}");
        }
    }

    #[test]
    fn fractional_seconds_are_kept_to_the_millisecond() {
        assert_eq!(
            from_iso8601("2025-08-10T12:32:56.1234Z", "t").unwrap(),
            "2025-08-10T12:32:56.123Z"
        );
        assert_eq!(
            from_iso8601("2025-08-10T15:32:56.5+0300", "t").unwrap(),
            "2025-08-10T12:32:56.500Z"
        );
    }

    #[test]
    fn an_offset_crossing_midnight_moves_the_date() {
        assert_eq!(
            from_iso8601("2025-08-10T01:00:00+0300", "t").unwrap(),
            "2025-08-09T22:00:00.000Z"
        );
    }

    #[test]
    fn what_cannot_be_read_unambiguously_is_an_error_naming_the_field() {
        for bad in [
            "",
            "yesterday",
            "2025-13-01T00:00:00Z",
            "1678900000",
            "2025-08-10T15:32:56+3",
            "2025-08-10T15:32:56+03:0",
            "2025-08-10T15:32:56 +03:00",
            "2025-08-10T15:32:56EST",
            "2025-08-10T15:32:56+25:00",
            "10/08/2025 12:32:56",
        ] {
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
