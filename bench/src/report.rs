//! The results of a `lambda-bench` run: the Markdown table, the per-function details, the
//! verdict on each of BENCHMARKS.md's targets, the comparison with a baseline revision's binaries
//! (`BENCH_BASELINE`), and the JSON file `scripts/bench` keeps.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use webhook_payload::Function;

use crate::runtime_api::FunctionRun;
use crate::stats::{ms, Summary};

/// Which tree a row's binary was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Build {
    /// The working tree's release binaries.
    Current,
    /// A baseline revision's release binaries (`BENCH_BASELINE`), named by its label.
    Baseline(String),
}

impl Build {
    /// `current`, or `baseline LABEL`.
    pub fn describe(&self) -> String {
        match self {
            Build::Current => "current".into(),
            Build::Baseline(label) => format!("baseline {label}"),
        }
    }
}

/// One function's results and its floor (a).
pub struct Row {
    /// The function's name (`null` for the null function).
    pub name: String,
    /// The tree the binary comes from.
    pub build: Build,
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

/// `1234567` as `1,234,567`, and negative numbers with a minus sign.
fn grouped(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

impl Row {
    /// The name in tables: the function's, with the baseline's label for a baseline row.
    fn label(&self) -> String {
        match &self.build {
            Build::Current => self.name.clone(),
            Build::Baseline(label) => format!("{} (baseline {label})", self.name),
        }
    }
}

/// One function's current binary against its baseline, measured in the same run.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The function's name.
    pub name: String,
    /// The baseline's label (its short commit id).
    pub baseline: String,
    /// CPU per measured event, µs: baseline, current.
    pub cpu_us: (f64, f64),
    /// Release binary bytes: baseline, current.
    pub binary_bytes: (u64, u64),
}

impl Change {
    /// CPU per event, current against baseline, in percent (negative: cheaper now).
    pub fn cpu_percent(&self) -> f64 {
        percent(self.cpu_us.1 - self.cpu_us.0, self.cpu_us.0)
    }

    /// Binary size, current minus baseline, in bytes.
    pub fn binary_delta(&self) -> i128 {
        i128::from(self.binary_bytes.1) - i128::from(self.binary_bytes.0)
    }

    /// Binary size, current against baseline, in percent.
    pub fn binary_percent(&self) -> f64 {
        percent(self.binary_delta() as f64, self.binary_bytes.0 as f64)
    }
}

fn percent(delta: f64, of: f64) -> f64 {
    if of == 0.0 {
        0.0
    } else {
        delta / of * 100.0
    }
}

/// Every function measured both ways, as (baseline row, current row), in run order.
fn pairs(rows: &[Row]) -> Vec<(&Row, &Row)> {
    rows.iter()
        .filter(|row| matches!(row.build, Build::Baseline(_)))
        .filter_map(|baseline| {
            let current = rows
                .iter()
                .find(|r| r.build == Build::Current && r.name == baseline.name)?;
            Some((baseline, current))
        })
        .collect()
}

/// Every function measured both ways: its current binary against its baseline.
pub fn changes(rows: &[Row]) -> Vec<Change> {
    pairs(rows)
        .into_iter()
        .map(|(baseline, current)| Change {
            name: baseline.name.clone(),
            baseline: match &baseline.build {
                Build::Baseline(label) => label.clone(),
                Build::Current => unreachable!("pairs() starts from baseline rows"),
            },
            cpu_us: (
                baseline.run.cpu_us_per_event(),
                current.run.cpu_us_per_event(),
            ),
            binary_bytes: (baseline.binary_bytes, current.binary_bytes),
        })
        .collect()
}

/// The comparison section: per function, the baseline row and the current row, then one line of
/// change per function. Empty without baseline rows.
fn comparison(rows: &[Row]) -> String {
    let pairs = pairs(rows);
    let mut out = String::new();
    let Some((first, _)) = pairs.first() else {
        return out;
    };
    let _ = writeln!(
        out,
        "\nCurrent against {} (its release binaries, measured in this run against the same DynamoDB \
         Local, each function's baseline right before its current binary):\n",
        first.build.describe()
    );
    let _ = writeln!(
        out,
        "| function | build | CPU/event µs | p50 ms | p99 ms | peak RSS MB | log bytes per event | binary bytes |"
    );
    let _ = writeln!(out, "|{}", "---|".repeat(8));
    for row in pairs
        .iter()
        .flat_map(|&(baseline, current)| [baseline, current])
    {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {} | {} | {:.1} | {:.0} | {} |",
            row.name,
            row.build.describe(),
            row.run.cpu_us_per_event(),
            ms(row.latency.p50),
            ms(row.latency.p99),
            row.run.peak_rss_kib as f64 / 1024.0,
            row.run.log_bytes_per_event(),
            grouped(i128::from(row.binary_bytes)),
        );
    }
    let _ = writeln!(out);
    for change in changes(rows) {
        let _ = writeln!(
            out,
            "Δ {}: CPU/event {:+.1}% ({:.0} → {:.0} µs); binary {} B ({:+.2}%; {} → {} B)",
            change.name,
            change.cpu_percent(),
            change.cpu_us.0,
            change.cpu_us.1,
            signed(change.binary_delta()),
            change.binary_percent(),
            grouped(i128::from(change.binary_bytes.0)),
            grouped(i128::from(change.binary_bytes.1)),
        );
    }
    out
}

/// `+1,234`, `-56` or `+0`.
fn signed(n: i128) -> String {
    if n < 0 {
        grouped(n)
    } else {
        format!("+{}", grouped(n))
    }
}

fn signed_ms(a: Duration, minus: &[Duration]) -> f64 {
    minus
        .iter()
        .fold(a.as_secs_f64() * 1e3, |acc, d| acc - d.as_secs_f64() * 1e3)
}

/// The printed report of `events` measured events per function after `warmup` warm-up events.
pub fn report(events: usize, warmup: usize, rows: &[Row]) -> String {
    let null = rows
        .iter()
        .find(|r| r.name == "null" && r.build == Build::Current);
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
            row.label(),
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
            row.label(),
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
    out.push_str(&comparison(rows));
    let _ = writeln!(out, "\nTargets (BENCHMARKS.md), current binaries:");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    for row in rows
        .iter()
        .filter(|r| r.name != "null" && r.build == Build::Current)
    {
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

/// The results as JSON: every row (`build` tells current from baseline rows), the baseline's label
/// and, per function measured both ways, the change.
pub fn to_json(events: usize, warmup: usize, rows: &[Row]) -> Value {
    let summary = |s: Summary| {
        json!({ "p50_ms": s.p50.as_secs_f64() * 1e3, "p99_ms": s.p99.as_secs_f64() * 1e3,
                "max_ms": s.max.as_secs_f64() * 1e3, "mean_ms": s.mean.as_secs_f64() * 1e3 })
    };
    let results: Vec<_> = rows
        .iter()
        .map(|row| {
            json!({
                "function": row.name,
                "build": match row.build { Build::Current => "current", Build::Baseline(_) => "baseline" },
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
    let changes: Vec<_> = changes(rows)
        .iter()
        .map(|change| {
            json!({
                "function": change.name,
                "cpu_us_per_event": { "baseline": change.cpu_us.0, "current": change.cpu_us.1 },
                "cpu_change_percent": change.cpu_percent(),
                "binary_bytes": { "baseline": change.binary_bytes.0, "current": change.binary_bytes.1 },
                "binary_change_bytes": change.binary_delta() as i64,
                "binary_change_percent": change.binary_percent(),
            })
        })
        .collect();
    let baseline = rows.iter().find_map(|row| match &row.build {
        Build::Baseline(label) => Some(label.clone()),
        Build::Current => None,
    });
    json!({
        "events": events,
        "warmup": warmup,
        "baseline": baseline,
        "results": results,
        "changes": changes,
    })
}

/// Writes the results to `path` as JSON ([`to_json`]).
pub fn write_json(path: &Path, events: usize, warmup: usize, rows: &[Row]) -> Result<(), String> {
    let doc = to_json(events, warmup, rows);
    std::fs::write(path, serde_json::to_string_pretty(&doc).expect("JSON"))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime_api::FunctionRun;
    use crate::stats::summarize;

    /// A row of 100 measured events of 1 ms, `cpu_us` of CPU each.
    fn row(name: &str, build: Build, cpu_us: u64, binary_bytes: u64) -> Row {
        let latencies = vec![Duration::from_millis(1); 100];
        Row {
            name: name.into(),
            build,
            latency: summarize(&latencies),
            run: FunctionRun {
                init_wall: Duration::from_millis(2),
                init_cpu_ns: 1_500_000,
                first_event: Duration::from_millis(3),
                cpu_ns: cpu_us * 1_000 * 100,
                cpu_stat_ns: cpu_us * 1_000 * 100,
                wall: Duration::from_millis(100),
                harness_cpu_ns: 0,
                peer_cpu_ns: None,
                init_log_bytes: 0,
                log_bytes: 290 * 100,
                peak_rss_kib: 7_400,
                threads: 1,
                outcomes: Default::default(),
                latencies,
            },
            floor: None,
            floor_cpu_us: None,
            binary_bytes,
            zip_bytes: None,
        }
    }

    fn baseline() -> Build {
        Build::Baseline("009e045".into())
    }

    fn rows() -> Vec<Row> {
        vec![
            row("null", Build::Current, 100, 1_000_000),
            row("click", baseline(), 300, 6_705_600),
            row("click", Build::Current, 330, 6_700_000),
            row("ack", baseline(), 400, 7_000_000),
            row("ack", Build::Current, 400, 7_000_000),
        ]
    }

    #[test]
    fn pairs_each_baseline_row_with_the_current_row_of_its_function() {
        let changes = changes(&rows());
        assert_eq!(
            changes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["click", "ack"]
        );
        let click = &changes[0];
        assert_eq!(click.baseline, "009e045");
        assert!((click.cpu_percent() - 10.0).abs() < 1e-9);
        assert_eq!(click.binary_delta(), -5_600);
        assert!((click.binary_percent() - (-5_600.0 / 6_705_600.0 * 100.0)).abs() < 1e-9);
        assert_eq!(
            (changes[1].cpu_percent(), changes[1].binary_delta()),
            (0.0, 0)
        );
    }

    #[test]
    fn prints_both_rows_and_a_change_line_per_function() {
        let text = report(100, 10, &rows());
        assert!(text.contains("| click (baseline 009e045) | "), "{text}");
        assert!(
            text.contains(
                "| click | baseline 009e045 | 300 | 1.000 | 1.000 | 7.2 | 290 | 6,705,600 |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| click | current | 330 | 1.000 | 1.000 | 7.2 | 290 | 6,700,000 |"),
            "{text}"
        );
        assert!(text.contains("Δ click: CPU/event +10.0% (300 → 330 µs); binary -5,600 B (-0.08%; 6,705,600 → 6,700,000 B)"), "{text}");
        assert!(text.contains("Δ ack: CPU/event +0.0% (400 → 400 µs); binary +0 B (+0.00%; 7,000,000 → 7,000,000 B)"), "{text}");
        // The targets judge the current binaries only.
        assert_eq!(text.matches("- click: ").count(), 1, "{text}");
    }

    #[test]
    fn without_a_baseline_there_is_no_comparison() {
        let current: Vec<Row> = rows()
            .into_iter()
            .filter(|r| r.build == Build::Current)
            .collect();
        let text = report(100, 10, &current);
        assert!(!text.contains("Δ ") && !text.contains("baseline"), "{text}");
        assert_eq!(to_json(100, 10, &current)["baseline"], Value::Null);
    }

    #[test]
    fn json_holds_both_builds_and_the_changes() {
        let doc = to_json(100, 10, &rows());
        assert_eq!(doc["baseline"], "009e045");
        let builds: Vec<_> = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["function"], r["build"]))
            .collect();
        assert_eq!(
            builds,
            [
                r#""null" "current""#,
                r#""click" "baseline""#,
                r#""click" "current""#,
                r#""ack" "baseline""#,
                r#""ack" "current""#
            ]
        );
        let click = &doc["changes"][0];
        assert_eq!(click["function"], "click");
        assert_eq!(click["binary_change_bytes"], -5_600);
        assert_eq!(click["binary_bytes"]["baseline"], 6_705_600);
        assert_eq!(click["cpu_us_per_event"]["current"], 330.0);
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(-6_705_600), "-6,705,600");
        assert_eq!(signed(0), "+0");
        assert_eq!(signed(12_345), "+12,345");
    }
}
