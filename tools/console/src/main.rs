//! A web console over the event table, on the operator's own machine: live events from the
//! table's stream, a person's timeline, a message's funnel, the quarantine inbox (with replay),
//! and the last 24 hours in charts.
//!
//!   console --table TABLE [--listen 127.0.0.1:9100] [--keep N] [--retention-days N]
//!
//! It reads with GetItem, Query, BatchGetItem and the stream (never Scan), and writes only when
//! the operator replays a quarantined body (what `replay --apply` writes, expiring after
//! `--retention-days`, default 400 as the stack's `RetentionDays`). Credentials, region and
//! endpoint come from the usual AWS chain (environment, `AWS_PROFILE`, SSO);
//! `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local (scripts/console does).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use webhook_receiver::{StoreSettings, DEFAULT_RETENTION_DAYS};
use webhook_tools::{parse_number, read_flags, start, TableFlags};

use webhook_console::{follow_stream, hosts_of, router, Console, DEFAULT_CAPACITY};

const USAGE: &str =
    "usage: console --table TABLE [--listen 127.0.0.1:9100] [--keep N] [--retention-days N]";

/// The arguments besides the table's.
struct Args {
    listen: SocketAddr,
    keep: usize,
}

fn parse_args(
    args: impl IntoIterator<Item = impl Into<String>>,
) -> Result<(StoreSettings, Args), String> {
    let mut table = TableFlags::default();
    let mut listen: SocketAddr = ([127, 0, 0, 1], 9100).into();
    let mut keep = DEFAULT_CAPACITY;
    let mut retention_days = DEFAULT_RETENTION_DAYS;
    read_flags(args, USAGE, |flag, value| {
        match flag {
            "--listen" => {
                listen = value()?
                    .parse()
                    .map_err(|_| format!("--listen takes an address and port: {USAGE}"))?
            }
            "--keep" => keep = parse_number(flag, &value()?)?,
            "--retention-days" => retention_days = parse_number(flag, &value()?)?,
            _ => return table.take(flag, value),
        }
        Ok(true)
    })?;
    Ok((
        table.settings(retention_days, USAGE)?,
        Args { listen, keep },
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some((store, args)) = start(parse_args).await else {
        return ExitCode::from(2);
    };
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "console: WARNING: listening on {}, not on this machine only: anyone who can reach \
             it reads the table (and can replay quarantined bodies) with your credentials",
            args.listen
        );
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("console: cannot listen on {}: {err}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let console = Arc::new(Console::new(store, args.keep, hosts_of(args.listen)));
    tokio::spawn(follow_stream(console.clone()));
    eprintln!(
        "console: http://{} (table {}); Ctrl-C stops it",
        args.listen,
        console.table()
    );
    let served = axum::serve(listener, router(console))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("console: {err}");
            ExitCode::FAILURE
        }
    }
}
