//! What the operator commands share: their arguments (the table, the page size, the days they
//! look at) and the progress line of a long run.

use std::num::NonZeroU32;
use std::time::{Duration as Elapsed, Instant};

use time::{Date, Duration, OffsetDateTime};
use webhook_table::{DynamoDbStore, StoreSettings};

/// The table and the rest of a command's arguments, read from the command line by `parse`; the
/// table is opened through the operator tools' client ([`ClientProfile::Operator`]). `None` when
/// the arguments are wrong: the message (or the usage) is printed, and the command exits with 2.
pub async fn start<T>(
    parse: impl FnOnce(std::iter::Skip<std::env::Args>) -> Result<(StoreSettings, T), String>,
) -> Option<(DynamoDbStore, T)> {
    match parse(std::env::args().skip(1)) {
        Ok((settings, args)) => Some((DynamoDbStore::for_operator(settings).await, args)),
        Err(message) => {
            eprintln!("{message}");
            None
        }
    }
}

/// Reads `--flag [value]` arguments: `each` is handed every flag and a way to take its value,
/// and answers whether it knows the flag. `-h`/`--help` and an unknown flag end with `usage`.
pub fn read_flags(
    args: impl IntoIterator<Item = impl Into<String>>,
    usage: &str,
    mut each: impl FnMut(&str, &mut dyn FnMut() -> Result<String, String>) -> Result<bool, String>,
) -> Result<(), String> {
    let mut args = args.into_iter().map(Into::into);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(usage.to_owned());
        }
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        if !each(&flag, &mut value)? {
            return Err(format!("unknown argument {flag}\n{usage}"));
        }
    }
    Ok(())
}

/// The flags that say which table a command works on: `--table TABLE` and `--page-size N`
/// (items per read; DynamoDB's own 1 MB pages without it).
#[derive(Debug, Default)]
pub struct TableFlags {
    table: Option<String>,
    page_size: Option<NonZeroU32>,
}

impl TableFlags {
    /// Takes `flag` if it is one of these; `value` gives its value.
    pub fn take(
        &mut self,
        flag: &str,
        value: &mut dyn FnMut() -> Result<String, String>,
    ) -> Result<bool, String> {
        match flag {
            "--table" => self.table = Some(value()?),
            "--page-size" => self.page_size = Some(parse_number(flag, &value()?)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The store's settings, items written expiring after `retention_days`; `--table` is
    /// required.
    pub fn settings(self, retention_days: u32, usage: &str) -> Result<StoreSettings, String> {
        let table = self.table.ok_or_else(|| usage.to_owned())?;
        Ok(StoreSettings {
            page_size: self.page_size,
            ..StoreSettings::new(table, retention_days)
        })
    }
}

/// A number argument of `flag`.
pub fn parse_number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} takes a whole number: {text}"))
}

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

/// A progress line on stderr for long runs: at most one every few seconds, none for a short run.
#[derive(Debug)]
pub struct Progress {
    last: Instant,
}

impl Progress {
    /// How long a run goes before its first progress line, and between two.
    const EVERY: Elapsed = Elapsed::from_secs(5);

    /// Starts counting now.
    pub fn start() -> Progress {
        Progress {
            last: Instant::now(),
        }
    }

    /// Prints `line()` if the last line (or the start) is long enough ago.
    pub fn tick(&mut self, line: impl FnOnce() -> String) {
        if self.last.elapsed() >= Self::EVERY {
            eprintln!("{}", line());
            self.last = Instant::now();
        }
    }
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

    fn flags(args: &[&str]) -> Result<StoreSettings, String> {
        let mut table = TableFlags::default();
        read_flags(
            args.iter().map(|a| a.to_string()),
            "usage",
            |flag, value| table.take(flag, value),
        )?;
        table.settings(7, "usage")
    }

    #[test]
    fn the_table_flags_make_the_store_settings() {
        let settings = flags(&["--table", "t", "--page-size", "2"]).unwrap();
        assert_eq!(settings.table, "t");
        assert_eq!(settings.retention_days, 7);
        assert_eq!(settings.page_size, NonZeroU32::new(2));
        assert_eq!(flags(&["--table", "t"]).unwrap().page_size, None);
        assert_eq!(flags(&[]).unwrap_err(), "usage");
        for wrong in [
            &["--table", "t", "--page-size", "0"][..],
            &["--table", "t", "--page-size", "x"],
            &["--table"],
            &["--table", "t", "--other"],
        ] {
            assert!(flags(wrong).is_err(), "{wrong:?}");
        }
    }
}
