//! Deletes every item linked to one phone number (a person's request to erase their data): their
//! clicks and messages, those messages' acks and status, and quarantined bodies that contain the
//! number.
//!
//!   erase --table TABLE --phone NUMBER [--since YYYY-MM-DD] [--apply]
//!
//! Quarantined bodies are searched day by day from `--since` (default: 400 days ago) through
//! today (UTC). Without `--apply` it only counts. It prints counts per kind, never the data. The
//! client reads the region, credentials and endpoint from the environment, as `replay` does.

use std::process::ExitCode;

use webhook_receiver::{dynamodb_client, erase_phone, DynamoDbStore};
use webhook_tools::{days_through_today, parse_date};

/// Days of quarantine searched when `--since` is not given.
const DEFAULT_DAYS_BACK: i64 = 400;

fn usage() -> String {
    "usage: erase --table TABLE --phone NUMBER [--since YYYY-MM-DD] [--apply]".into()
}

fn parse_args(
    args: impl Iterator<Item = String>,
) -> Result<(String, String, Vec<String>, bool), String> {
    let (mut table, mut phone, mut since, mut apply) = (None, None, None, false);
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--table" => table = Some(value()?),
            "--phone" => phone = Some(value()?),
            "--since" => since = Some(parse_date(&value()?)?),
            "--apply" => apply = true,
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other}\n{}", usage())),
        }
    }
    let phone = phone.ok_or_else(usage)?;
    if phone.trim_start_matches('+').is_empty()
        || !phone
            .trim_start_matches('+')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return Err(
            "--phone takes the number as the providers send it: digits, optionally after +".into(),
        );
    }
    let days = days_through_today(since, DEFAULT_DAYS_BACK)?;
    Ok((table.ok_or_else(usage)?, phone, days, apply))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (table, phone, days, apply) = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let store = DynamoDbStore::new(dynamodb_client(), &table);
    match erase_phone(&store, &phone, &days, apply).await {
        Ok(counts) => {
            let verb = if apply {
                "deleted"
            } else {
                "would delete (dry run; --apply deletes)"
            };
            let total: usize = counts.values().sum();
            println!("erase: {verb} {total} items");
            for (kind, count) in counts {
                println!("  {kind}: {count}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("erase: {err}");
            ExitCode::FAILURE
        }
    }
}
