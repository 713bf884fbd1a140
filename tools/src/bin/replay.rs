//! Re-parses quarantined webhook bodies with the current code and stores each one that now
//! parses as the event it is (same keys, same exactly-once rules as a live request).
//!
//!   replay --table TABLE [--day YYYY-MM-DD]... [--since YYYY-MM-DD] [--apply]
//!
//! Without `--day`, every day from `--since` (default: 30 days ago) through today (UTC). Without
//! `--apply` it only says what it would do. The client reads the region, credentials and endpoint
//! from the environment (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, ..., `AWS_ENDPOINT_URL_DYNAMODB`). It
//! prints hashed keys, routes and reasons, never a body.

use std::process::ExitCode;

use webhook_receiver::{dynamodb_client, replay_day, DynamoDbStore, ReplayResult};
use webhook_tools::{days_through_today, parse_date};

/// Days looked back when no day is named.
const DEFAULT_DAYS_BACK: i64 = 30;

struct Args {
    table: String,
    days: Vec<String>,
    apply: bool,
}

fn usage() -> String {
    "usage: replay --table TABLE [--day YYYY-MM-DD]... [--since YYYY-MM-DD] [--apply]".into()
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut table, mut days, mut since, mut apply) = (None, Vec::new(), None, false);
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--table" => table = Some(value()?),
            "--day" => days.push(parse_date(&value()?)?.to_string()),
            "--since" => since = Some(parse_date(&value()?)?),
            "--apply" => apply = true,
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other}\n{}", usage())),
        }
    }
    let table = table.ok_or_else(usage)?;
    if days.is_empty() {
        days = days_through_today(since, DEFAULT_DAYS_BACK)?;
    }
    Ok(Args { table, days, apply })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let store = DynamoDbStore::new(dynamodb_client(), &args.table);
    let (mut would, mut stored, mut failing, mut done) = (0, 0, 0, 0);
    for day in &args.days {
        let results = match replay_day(&store, day, args.apply).await {
            Ok(results) => results,
            Err(err) => {
                eprintln!("replay: {day}: {err}");
                return ExitCode::FAILURE;
            }
        };
        for item in results {
            let what = match &item.result {
                ReplayResult::AlreadyReplayed => {
                    done += 1;
                    continue;
                }
                ReplayResult::StillFails(reason, field) => {
                    failing += 1;
                    format!("still fails: {reason} {}", field.as_deref().unwrap_or("-"))
                }
                ReplayResult::WouldStore(kind) => {
                    would += 1;
                    format!("would store as {kind}")
                }
                ReplayResult::Stored(kind, outcome) => {
                    stored += 1;
                    format!("{} as {kind}", outcome.as_str())
                }
            };
            println!("{day} {} {} {}: {what}", item.key, item.route, item.reason);
        }
    }
    let mode = if args.apply {
        "applied"
    } else {
        "dry run, nothing written; --apply stores them"
    };
    println!(
        "replay ({mode}): {stored} stored, {would} would be stored, {failing} still fail, \
         {done} replayed before"
    );
    ExitCode::SUCCESS
}
