//! The results of a `lambda-bench` run: the Markdown table, the per-function details, the
//! verdict on each of BENCHMARKS.md's targets, and the JSON file `scripts/bench` keeps.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use webhook_payload::Function;

use crate::runtime_api::FunctionRun;
use crate::stats::{ms, Summary};

/// One function's results and its floor (a).
pub struct Row {
    /// The function's name (`null` for the null function).
    pub name: String,
    /// What the Runtime API harness measured.
    pub run: FunctionRun,
    /// The latency of the measured events.
    pub latency: Summary,
    /// The latency of the same writes sent raw (floor (a)); `None` for the null function.
    pub floor: Option<Summary>,
    /// The harness's own CPU per floor (a) event: raw HTTP client cost, µs.
    pub floor_cpu_us: Option<f64>,
    /// The release binary's size.
    pub binary_bytes: u64,
    /// The binary zipped as Lambda's `bootstrap`; `None` without the `zip` command.
    pub zip_bytes: Option<u64>,
}

/// The product's per-event CPU targets (µs over the null function), as BENCHMARKS.md lists them.
fn cpu_target_us(name: &str) -> Option<f64> {
    match Function::from_binary(name)? {
        Function::Click | Function::InboundMessage => Some(100.0),
        Function::Ack => Some(150.0),
    }
}

/// Issue 22's budget for a stored event's log bytes (shared/receiver/tests/request_line.rs checks
/// the line itself against the same figure).
const LOG_BUDGET_BYTES: u64 = 350;

fn mb(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / 1e6)
}

fn signed_ms(a: Duration, minus: &[Duration]) -> f64 {
    minus
        .iter()
        .fold(a.as_secs_f64() * 1e3, |acc, d| acc - d.as_secs_f64() * 1e3)
}

/// The printed report of `events` measured events per function after `warmup` warm-up events.
pub fn report(events: usize, warmup: usize, rows: &[Row]) -> String {
    let null = rows.iter().find(|r| r.name == "null");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} measured events per function after {} warm-up events; latency in ms, CPU in µs per event, \
         log bytes per event as the function wrote them (stdout + stderr, init and warm-up excluded).\n",
        events, warmup
    );
    let _ = writeln!(
        out,
        "| function | init ms | init CPU ms | 1st event ms | p50 | p99 | max | floor (a) p50 / p99 | overhead p50 / p99 | CPU/event | − null | peak RSS MB | log bytes per event | binary MB | zip MB |"
    );
    let _ = writeln!(out, "|{}", "---|".repeat(15));
    for row in rows {
        let floor = row
            .floor
            .map_or("-".into(), |f| format!("{} / {}", ms(f.p50), ms(f.p99)));
        let overhead = match (row.floor, null) {
            (Some(f), Some(n)) => format!(
                "{:.3} / {:.3}",
                signed_ms(row.latency.p50, &[f.p50, n.latency.p50]),
                signed_ms(row.latency.p99, &[f.p99, n.latency.p99])
            ),
            _ => "-".into(),
        };
        let cpu = row.run.cpu_us_per_event();
        let over_null = match null {
            Some(n) if n.name != row.name => format!("{:.0}", cpu - n.run.cpu_us_per_event()),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {:.1} | {:.0} | {} | {} |",
            row.name,
            row.run.init_wall.as_secs_f64() * 1e3,
            row.run.init_cpu_ns as f64 / 1e6,
            ms(row.run.first_event),
            ms(row.latency.p50),
            ms(row.latency.p99),
            ms(row.latency.max),
            floor,
            overhead,
            cpu,
            over_null,
            row.run.peak_rss_kib as f64 / 1024.0,
            row.run.log_bytes_per_event(),
            mb(row.binary_bytes),
            row.zip_bytes.map_or("-".into(), mb),
        );
    }
    let _ = writeln!(out);
    for row in rows {
        let n = row.latency.count.max(1) as f64;
        let _ = writeln!(
            out,
            "{}: {} threads; init log {} B; CPU/event by utime+stime {:.0} µs; harness CPU/event {:.0} µs{}{}; mean {} ms",
            row.name,
            row.run.threads,
            row.run.init_log_bytes,
            row.run.cpu_stat_ns as f64 / 1e3 / n,
            row.run.harness_cpu_ns as f64 / 1e3 / n,
            row.run
                .peer_cpu_ns
                .map_or(String::new(), |p| format!("; DynamoDB Local CPU/event {:.0} µs", p as f64 / 1e3 / n)),
            row.floor_cpu_us
                .map_or(String::new(), |c| format!("; floor (a) client CPU/event {c:.0} µs")),
            ms(row.latency.mean),
        );
    }
    let _ = writeln!(out, "\nTargets (BENCHMARKS.md):");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    for row in rows.iter().filter(|r| r.name != "null") {
        let mut checks = Vec::new();
        if let (Some(target), Some(n)) = (cpu_target_us(&row.name), null) {
            let over = row.run.cpu_us_per_event() - n.run.cpu_us_per_event();
            checks.push(format!(
                "CPU−null {over:.0} ≤ {target:.0} µs {}",
                verdict(over <= target)
            ));
        }
        if let (Some(f), Some(n)) = (row.floor, null) {
            let p50 = signed_ms(row.latency.p50, &[f.p50, n.latency.p50]);
            let p99 = signed_ms(row.latency.p99, &[f.p99, n.latency.p99]);
            checks.push(format!(
                "overhead p50 {p50:.3} ≤ 0.3 ms {}",
                verdict(p50 <= 0.3)
            ));
            checks.push(format!(
                "overhead p99 {p99:.3} ≤ 1 ms {}",
                verdict(p99 <= 1.0)
            ));
        }
        let init = row.run.init_wall.as_secs_f64() * 1e3;
        checks.push(format!("init {init:.1} ≤ 10 ms {}", verdict(init <= 10.0)));
        let log = row.run.log_bytes_per_event();
        checks.push(format!(
            "log {log:.0} ≤ {LOG_BUDGET_BYTES} B {}",
            verdict(log <= LOG_BUDGET_BYTES as f64)
        ));
        let rss = row.run.peak_rss_kib as f64 / 1024.0;
        checks.push(format!("RSS {rss:.1} ≤ 10 MB {}", verdict(rss <= 10.0)));
        checks.push(format!(
            "binary {} ≤ 6 MB {}",
            mb(row.binary_bytes),
            verdict(row.binary_bytes <= 6_000_000)
        ));
        if let Some(zip) = row.zip_bytes {
            checks.push(format!(
                "zip {} ≤ 3 MB {}",
                mb(zip),
                verdict(zip <= 3_000_000)
            ));
        }
        let _ = writeln!(out, "- {}: {}", row.name, checks.join("; "));
    }
    out
}

/// Writes the results to `path` as JSON.
pub fn write_json(path: &Path, events: usize, warmup: usize, rows: &[Row]) -> Result<(), String> {
    let summary = |s: Summary| {
        json!({ "p50_ms": s.p50.as_secs_f64() * 1e3, "p99_ms": s.p99.as_secs_f64() * 1e3,
                "max_ms": s.max.as_secs_f64() * 1e3, "mean_ms": s.mean.as_secs_f64() * 1e3 })
    };
    let rows: Vec<_> = rows
        .iter()
        .map(|row| {
            json!({
                "function": row.name,
                "events": row.latency.count,
                "init_ms": row.run.init_wall.as_secs_f64() * 1e3,
                "init_cpu_ms": row.run.init_cpu_ns as f64 / 1e6,
                "first_event_ms": row.run.first_event.as_secs_f64() * 1e3,
                "latency": summary(row.latency),
                "floor_a": row.floor.map(summary),
                "floor_a_client_cpu_us": row.floor_cpu_us,
                "cpu_us_per_event": row.run.cpu_us_per_event(),
                "cpu_stat_us_per_event": row.run.cpu_stat_ns as f64 / 1e3 / row.latency.count.max(1) as f64,
                "peak_rss_kib": row.run.peak_rss_kib,
                "log_bytes_per_event": row.run.log_bytes_per_event(),
                "init_log_bytes": row.run.init_log_bytes,
                "binary_bytes": row.binary_bytes,
                "zip_bytes": row.zip_bytes,
            })
        })
        .collect();
    let doc = json!({ "events": events, "warmup": warmup, "results": rows });
    std::fs::write(path, serde_json::to_string_pretty(&doc).expect("JSON"))
        .map_err(|e| format!("{}: {e}", path.display()))
}
