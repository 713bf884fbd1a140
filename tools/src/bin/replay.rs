//! Re-parses quarantined webhook bodies with the current code and stores each one that now
//! parses as the event it is (same keys, same exactly-once rules as a live request).
//!
//!   replay --table TABLE [--day YYYY-MM-DD]... [--since YYYY-MM-DD] [--page-size N] [--apply]
//!
//! Without `--day`, every day from `--since` (default: 30 days ago) through today (UTC). Without
//! `--apply` it only says what it would do. A stored event keeps the quarantine item's own
//! `expires_at` (none on a stack that keeps everything): the retention is the stack's, which
//! chose it when the body arrived, never the tool's. Credentials, region and endpoint come from the
//! usual AWS chain (environment, `AWS_PROFILE`, SSO). It prints hashed keys, routes and reasons,
//! never a body; on a long run a progress line goes to stderr.

use std::process::ExitCode;

use webhook_table::{replay_day, ReplayResult, Replayed, StoreSettings, DEFAULT_RETENTION_DAYS};
use webhook_tools::{days_through_today, parse_date, read_flags, start, Progress, TableFlags};

/// Days looked back when no day is named.
const DEFAULT_DAYS_BACK: i64 = 30;

const USAGE: &str = "usage: replay --table TABLE [--day YYYY-MM-DD]... [--since YYYY-MM-DD] \
                     [--page-size N] [--apply]";

/// The arguments besides the table's.
struct Args {
    days: Vec<String>,
    apply: bool,
}

fn parse_args(
    args: impl IntoIterator<Item = impl Into<String>>,
) -> Result<(StoreSettings, Args), String> {
    let (mut table, mut days, mut since, mut apply) = (TableFlags::default(), vec![], None, false);
    read_flags(args, USAGE, |flag, value| {
        match flag {
            "--day" => days.push(parse_date(&value()?)?.to_string()),
            "--since" => since = Some(parse_date(&value()?)?),
            "--apply" => apply = true,
            _ => return table.take(flag, value),
        }
        Ok(true)
    })?;
    if days.is_empty() {
        days = days_through_today(since, DEFAULT_DAYS_BACK)?;
    }
    // Every event replay stores keeps its quarantine item's expiry: this retention writes nothing.
    let settings = table.settings(DEFAULT_RETENTION_DAYS, USAGE)?;
    Ok((settings, Args { days, apply }))
}

/// What the run did so far.
#[derive(Default)]
struct Tally {
    read: usize,
    would: usize,
    stored: usize,
    failing: usize,
    done: usize,
}

impl Tally {
    /// Counts one result and prints its line (none for a body replayed before).
    fn add(&mut self, day: &str, item: Replayed) {
        self.read += 1;
        let what = match &item.result {
            ReplayResult::AlreadyReplayed => {
                self.done += 1;
                return;
            }
            ReplayResult::StillFails(reason, field) => {
                self.failing += 1;
                format!("still fails: {reason} {}", field.as_deref().unwrap_or("-"))
            }
            ReplayResult::WouldStore(kind) => {
                self.would += 1;
                format!("would store as {kind}")
            }
            ReplayResult::Stored(kind, outcome) => {
                self.stored += 1;
                format!("{} as {kind}", outcome.as_str())
            }
        };
        println!("{day} {} {} {}: {what}", item.key, item.route, item.reason);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some((store, args)) = start(parse_args).await else {
        return ExitCode::from(2);
    };
    let (mut tally, mut progress) = (Tally::default(), Progress::start());
    for day in &args.days {
        let replayed = replay_day(&store, day, args.apply, |item| {
            tally.add(day, item);
            progress.tick(|| format!("replay: {day}: {} bodies read so far", tally.read));
        });
        if let Err(err) = replayed.await {
            eprintln!("replay: {day}: {err}");
            return ExitCode::FAILURE;
        }
    }
    let mode = if args.apply {
        "applied"
    } else {
        "dry run, nothing written; --apply stores them"
    };
    println!(
        "replay ({mode}): {} stored, {} would be stored, {} still fail, {} replayed before",
        tally.stored, tally.would, tally.failing, tally.done
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_default_to_the_last_thirty_and_no_retention_is_taken() {
        let default = parse_args(["--table", "t"]).unwrap();
        assert_eq!(default.1.days.len(), 31);
        let given = parse_args(["--table", "t", "--day", "2026-11-30"]).unwrap();
        assert_eq!(given.1.days, ["2026-11-30"]);
        // The stack chose each body's retention when it arrived: the tool takes none.
        assert!(parse_args(["--table", "t", "--retention-days", "0"]).is_err());
    }
}
