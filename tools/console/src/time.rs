//! The few time calculations the console makes, on the table's RFC 3339 UTC strings.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// `at` as the table writes times, to the millisecond.
pub fn rfc3339(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// A table time read back.
pub fn parse(at: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(at, &Rfc3339).ok()
}

/// Seconds from `from` to `to`, both RFC 3339.
pub fn seconds_between(from: &str, to: &str) -> Option<f64> {
    Some((parse(to)? - parse(from)?).as_seconds_f64())
}

/// A duration as people read it: `45 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`.
pub fn human(seconds: f64) -> String {
    let sign = if seconds < 0.0 { "−" } else { "" };
    let total = Duration::seconds_f64(seconds.abs()).whole_seconds();
    let (d, h, m, s) = (
        total / 86_400,
        total / 3_600 % 24,
        total / 60 % 60,
        total % 60,
    );
    let text = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {s} s")
    } else {
        format!("{s} s")
    };
    format!("{sign}{text}")
}

/// Today's date (UTC), `YYYY-MM-DD`, the quarantine inbox's day.
pub fn today() -> String {
    rfc3339(OffsetDateTime::now_utc())[..10].to_owned()
}

/// The day before or after `day` (`YYYY-MM-DD`), if `day` is a date.
pub fn day_step(day: &str, days: i64) -> Option<String> {
    let at = parse(&format!("{day}T00:00:00Z"))? + Duration::days(days);
    Some(rfc3339(at)[..10].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lag_between_two_table_times() {
        assert_eq!(
            seconds_between("2025-08-10T12:32:56.000Z", "2025-08-10T12:33:01.500Z"),
            Some(5.5)
        );
        assert_eq!(seconds_between("not a time", "2025-08-10T12:33:01Z"), None);
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human(45.2), "45 s");
        assert_eq!(human(185.0), "3 min 5 s");
        assert_eq!(human(7_800.0), "2 h 10 min");
        assert_eq!(human(273_600.0), "3 d 4 h");
        assert_eq!(human(-5.0), "−5 s");
    }

    #[test]
    fn days_step_across_months_and_years() {
        assert_eq!(day_step("2026-12-31", 1).as_deref(), Some("2027-01-01"));
        assert_eq!(day_step("2026-03-01", -1).as_deref(), Some("2026-02-28"));
        assert_eq!(day_step("yesterday", 1), None);
    }
}
