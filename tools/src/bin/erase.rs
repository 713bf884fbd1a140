//! Deletes every item tied to one phone number (a person's request to erase their data): their
//! clicks and messages, those messages' acks, status and collisions (unless a body names another
//! number), and the quarantined bodies and unmodelled events in which the number's digits stand
//! alone.
//!
//!   erase --table TABLE --phone NUMBER [--since YYYY-MM-DD] [--page-size N] [--apply]
//!
//! The number may be written as the person gives it (`+44 7700 900123`, `447700900123@c.us`): its
//! digits are what is compared, and fewer than 8 are refused. Quarantined bodies are all searched
//! (the whole retention, or everything when `RetentionDays` is 0), or only those received from
//! `--since` through today (UTC); so are unmodelled events (a Scan of the table filtered to
//! their partitions, since `--since` if given). Without `--apply` it only counts. It prints counts per kind,
//! never the data. If a run stops halfway, run it again: it finishes the job. Credentials,
//! region and endpoint come from the usual AWS chain (environment, `AWS_PROFILE`, SSO).

use std::process::ExitCode;

use webhook_table::{erasable_digits, erase_phone, QuarantineSearch, StoreSettings};
use webhook_tools::{days_through_today, parse_date, read_flags, start, Progress, TableFlags};

const USAGE: &str =
    "usage: erase --table TABLE --phone NUMBER [--since YYYY-MM-DD] [--page-size N] [--apply]";

/// The arguments besides the table's.
struct Args {
    phone: String,
    quarantine: QuarantineSearch,
    apply: bool,
}

fn parse_args(
    args: impl IntoIterator<Item = impl Into<String>>,
) -> Result<(StoreSettings, Args), String> {
    let (mut table, mut phone, mut since, mut apply) = (TableFlags::default(), None, None, false);
    read_flags(args, USAGE, |flag, value| {
        match flag {
            "--phone" => phone = Some(value()?),
            "--since" => since = Some(parse_date(&value()?)?),
            "--apply" => apply = true,
            _ => return table.take(flag, value),
        }
        Ok(true)
    })?;
    let phone = phone.ok_or_else(|| USAGE.to_owned())?;
    erasable_digits(&phone).map_err(|err| err.to_string())?;
    let quarantine = match since {
        Some(since) => QuarantineSearch::Days(days_through_today(Some(since), 0)?),
        None => QuarantineSearch::Everything,
    };
    // Erasure writes nothing that expires: the retention does not matter here.
    let settings = table.settings(0, USAGE)?;
    Ok((
        settings,
        Args {
            phone,
            quarantine,
            apply,
        },
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some((store, args)) = start(parse_args).await else {
        return ExitCode::from(2);
    };
    let mut progress = Progress::start();
    let erased = erase_phone(
        &store,
        &args.phone,
        &args.quarantine,
        args.apply,
        |counts| {
            progress.tick(|| {
                format!(
                    "erase: {} items read, {} of this number so far",
                    counts.read,
                    counts.total()
                )
            })
        },
    );
    match erased.await {
        Ok(counts) => {
            let verb = if args.apply {
                "deleted"
            } else {
                "would delete (dry run; --apply deletes)"
            };
            println!("erase: {verb} {} items", counts.total());
            for (kind, count) in &counts.erased {
                println!("  {kind}: {count}");
            }
            if counts.kept > 0 {
                println!(
                    "  left alone: {} items in this number's messages that name another number",
                    counts.kept
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("erase: {err}; what was deleted stays deleted, run it again to finish");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_are_refused_and_any_written_form_is_taken() {
        for short in ["1", "1234567", "+12 345 67"] {
            let err = parse_args(["--table", "t", "--phone", short])
                .err()
                .unwrap();
            assert!(err.contains("at least 8 digits"), "{short}: {err}");
        }
        let taken = parse_args(["--table", "t", "--phone", "+44 7700 900123"]).unwrap();
        assert_eq!(taken.1.phone, "+44 7700 900123");
        assert_eq!(taken.1.quarantine, QuarantineSearch::Everything);
        assert!(!taken.1.apply);
        let since = parse_args([
            "--table",
            "t",
            "--phone",
            "447700900123",
            "--since",
            "2020-01-01",
        ]);
        assert!(
            matches!(since.unwrap().1.quarantine, QuarantineSearch::Days(days) if days.len() > 365)
        );
    }
}
