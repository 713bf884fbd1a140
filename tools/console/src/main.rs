//! A web console over the event table, on the operator's own machine: live events from the
//! table's stream, a person's timeline, a message's funnel, the quarantine inbox (with replay),
//! and the last 24 hours in charts.
//!
//!   console --table TABLE [--listen 127.0.0.1:9100] [--allow-host NAME]... [--keep N]
//!
//! It reads with GetItem, Query, BatchGetItem and the stream (never Scan), and writes only when
//! the operator replays a quarantined body (what `replay --apply` writes, keeping the quarantined
//! body's own expiry). It answers only requests for its own loopback address or a host named by
//! `--allow-host`; off loopback it refuses to start without one. Credentials, region and
//! endpoint come from the usual AWS chain (environment, `AWS_PROFILE`, SSO);
//! `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local (scripts/console does).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use webhook_table::{StoreSettings, DEFAULT_RETENTION_DAYS};
use webhook_tools::{parse_number, read_flags, start, TableFlags};

use webhook_console::{follow_stream, hosts_of, router, Console, DEFAULT_CAPACITY};

const USAGE: &str =
    "usage: console --table TABLE [--listen 127.0.0.1:9100] [--allow-host NAME]... [--keep N]";

/// The arguments besides the table's.
#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    keep: usize,
    /// The `Host` values it answers ([`hosts_of`]).
    hosts: Vec<String>,
}

fn parse_args(
    args: impl IntoIterator<Item = impl Into<String>>,
) -> Result<(StoreSettings, Args), String> {
    let mut table = TableFlags::default();
    let mut listen: SocketAddr = ([127, 0, 0, 1], 9100).into();
    let mut keep = DEFAULT_CAPACITY;
    let mut allowed = Vec::new();
    read_flags(args, USAGE, |flag, value| {
        match flag {
            "--listen" => {
                listen = value()?
                    .parse()
                    .map_err(|_| format!("--listen takes an address and port: {USAGE}"))?
            }
            "--keep" => keep = parse_number(flag, &value()?)?,
            "--allow-host" => allowed.push(value()?),
            _ => return table.take(flag, value),
        }
        Ok(true)
    })?;
    let hosts = hosts_of(listen, &allowed).map_err(|err| format!("{err}\n{USAGE}"))?;
    // What the console writes (a replay) keeps its quarantined body's expiry: no retention here.
    let settings = table.settings(DEFAULT_RETENTION_DAYS, USAGE)?;
    Ok((
        settings,
        Args {
            listen,
            keep,
            hosts,
        },
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
             it as {} reads the table (and can replay quarantined bodies) with your credentials",
            args.listen,
            args.hosts.join(", ")
        );
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("console: cannot listen on {}: {err}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let console = Arc::new(Console::new(store, args.keep, args.hosts));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_loopback_it_refuses_to_start_without_an_allow_list() {
        let err = parse_args(["--table", "t", "--listen", "0.0.0.0:9100"]).unwrap_err();
        assert!(err.contains("--allow-host"), "{err}");
        let (_, args) = parse_args([
            "--table",
            "t",
            "--listen",
            "0.0.0.0:9100",
            "--allow-host",
            "console.example",
            "--allow-host",
            "10.0.0.5",
        ])
        .unwrap();
        assert_eq!(args.hosts, ["console.example:9100", "10.0.0.5:9100"]);
        let (_, args) = parse_args(["--table", "t"]).unwrap();
        assert_eq!(args.hosts, ["127.0.0.1:9100", "localhost:9100"]);
        assert!(parse_args(["--table", "t", "--retention-days", "30"]).is_err());
    }
}
