//! What the operator commands share: the days they look at.

use time::{Date, Duration, OffsetDateTime};

/// A `YYYY-MM-DD` argument.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| format!("not a date (YYYY-MM-DD): {text}"))
}

/// Every day from `since` (default: `days_back` days ago) through today (UTC), as `YYYY-MM-DD`.
pub fn days_through_today(since: Option<Date>, days_back: i64) -> Result<Vec<String>, String> {
    let today = OffsetDateTime::now_utc().date();
    let mut day = since.unwrap_or(today - Duration::days(days_back));
    let mut days = Vec::new();
    while day <= today {
        days.push(day.to_string());
        day = day.next_day().ok_or("date out of range")?;
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_run_from_since_through_today() {
        let today = OffsetDateTime::now_utc().date();
        let days = days_through_today(Some(today - Duration::days(2)), 30).unwrap();
        assert_eq!(days.len(), 3);
        assert_eq!(days.last(), Some(&today.to_string()));
        assert_eq!(days_through_today(None, 30).unwrap().len(), 31);
        assert!(parse_date("2026-02-30").is_err());
        assert_eq!(parse_date("2026-11-30").unwrap().to_string(), "2026-11-30");
    }
}
