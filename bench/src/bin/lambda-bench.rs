//! Runs the release functions under the local Runtime API against DynamoDB Local, with both
//! floors in the same run, and prints the results table (see `scripts/bench`).
//!
//! Usage: `lambda-bench [--events N] [--warmup W] [--functions null,click,inbound-message,ack]
//! [--bin-dir DIR] [--baseline-bin-dir DIR [--baseline-label TEXT]] [--fixtures DIR]
//! [--log-dir DIR] [--ddb-pid PID] [--ddb-warmup N] [--env KEY=VALUE]... [--json FILE]`.
//! With `--baseline-bin-dir`, every function but the null one is also run from that directory's
//! binaries (another revision's, `BENCH_BASELINE`), right before the current one, and the report
//! compares the two.
//! Reads `TABLE_NAME` and `AWS_ENDPOINT_URL_DYNAMODB` (plus region and credentials, passed on to
//! the functions) from the environment.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use bench::events::{distinct_events, dynamodb_requests, load_fixture, run_nonce};
use bench::floor;
use bench::report::{report, write_json, Build, Row};
use bench::runtime_api::{self, FunctionSpec};
use bench::stats::{summarize, Summary};
use webhook_payload::{Function, Provider};
use webhook_receiver::testing::fixture_secret;

/// template.yaml's `METRICS_NAMESPACE` (`WhatsAppWebhooks/${AWS::StackName}`) for scripts/deploy's
/// default stack name, so each request line is as long as it is in Lambda.
const METRICS_NAMESPACE: &str = "WhatsAppWebhooks/whatsapp-webhooks";

struct Options {
    events: usize,
    warmup: usize,
    functions: Vec<String>,
    bin_dir: PathBuf,
    /// Another revision's release binaries, run alongside (`BENCH_BASELINE`).
    baseline_bin_dir: Option<PathBuf>,
    baseline_label: String,
    fixtures: PathBuf,
    log_dir: PathBuf,
    ddb_pid: Option<u32>,
    ddb_warmup: usize,
    env: Vec<(String, String)>,
    json: Option<PathBuf>,
}

/// The API Gateway fixture a function is benchmarked with: the one of its first route (the
/// null function gets the first function's).
fn fixture_for(name: &str) -> &'static str {
    Function::from_binary(name)
        .unwrap_or(Function::ALL[0])
        .routes()[0]
        .apigw_fixture()
}

fn binary_for(name: &str) -> &str {
    match name {
        "null" => "null-lambda",
        other => other,
    }
}

fn parse_options() -> Result<Options, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin_dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut options = Options {
        events: 2_000,
        warmup: 100,
        functions: std::iter::once("null")
            .chain(Function::ALL.map(Function::binary))
            .map(String::from)
            .collect(),
        log_dir: bin_dir.join("bench-logs"),
        bin_dir,
        baseline_bin_dir: None,
        baseline_label: "baseline".into(),
        fixtures: repo.join("fixtures/apigw"),
        ddb_pid: None,
        ddb_warmup: 2_000,
        env: Vec::new(),
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--events" => {
                options.events = value()?.parse().map_err(|e| format!("--events: {e}"))?
            }
            "--warmup" => {
                options.warmup = value()?.parse().map_err(|e| format!("--warmup: {e}"))?
            }
            "--functions" => {
                options.functions = value()?.split(',').map(str::to_owned).collect();
            }
            "--bin-dir" => options.bin_dir = value()?.into(),
            "--baseline-bin-dir" => options.baseline_bin_dir = Some(value()?.into()),
            "--baseline-label" => options.baseline_label = value()?,
            "--fixtures" => options.fixtures = value()?.into(),
            "--log-dir" => options.log_dir = value()?.into(),
            "--ddb-pid" => {
                options.ddb_pid = Some(value()?.parse().map_err(|e| format!("--ddb-pid: {e}"))?);
            }
            "--ddb-warmup" => {
                options.ddb_warmup = value()?.parse().map_err(|e| format!("--ddb-warmup: {e}"))?;
            }
            "--env" => {
                let pair = value()?;
                let (k, v) = pair.split_once('=').ok_or("--env takes KEY=VALUE")?;
                options.env.push((k.to_owned(), v.to_owned()));
            }
            "--json" => options.json = Some(value()?.into()),
            "-h" | "--help" => {
                return Err(
                    "usage: lambda-bench [--events N] [--warmup W] [--functions LIST] \
                     [--bin-dir DIR] [--baseline-bin-dir DIR [--baseline-label TEXT]] \
                     [--fixtures DIR] [--log-dir DIR] [--ddb-pid PID] \
                     [--ddb-warmup N] [--env KEY=VALUE]... [--json FILE]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other}; try --help")),
        }
    }
    if options.warmup == 0 || options.events == 0 {
        return Err("--events and --warmup must be at least 1".into());
    }
    Ok(options)
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

/// The function environment: the table, DynamoDB Local, dummy credentials, the fixtures' secrets
/// (`webhook_receiver::testing`, see `fixtures/README.md`), the deployed stack's metrics namespace
/// (the harness adds Lambda's own `AWS_LAMBDA_*`, among them `AWS_LAMBDA_LOG_FORMAT=JSON`).
fn function_env(options: &Options) -> Result<Vec<(String, String)>, String> {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let mut vars = vec![
        ("TABLE_NAME".to_owned(), env("TABLE_NAME")?),
        (
            "AWS_ENDPOINT_URL_DYNAMODB".to_owned(),
            env("AWS_ENDPOINT_URL_DYNAMODB")?,
        ),
        ("AWS_REGION".to_owned(), region.clone()),
        ("AWS_DEFAULT_REGION".to_owned(), region),
        ("AWS_ACCESS_KEY_ID".to_owned(), "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY".to_owned(), "local".to_owned()),
        ("AWS_SESSION_TOKEN".to_owned(), "local".to_owned()),
        ("METRICS_NAMESPACE".to_owned(), METRICS_NAMESPACE.to_owned()),
    ];
    // Each provider's secrets in the variable its declaration reads: the fixtures' secret.
    vars.extend(Provider::ALL.map(|provider| {
        let variable = provider.declaration().credentials.variables.value;
        (variable.to_owned(), fixture_secret(provider).to_owned())
    }));
    vars.extend(options.env.iter().cloned());
    Ok(vars)
}

fn to_bytes(events: &[serde_json::Value]) -> Vec<Vec<u8>> {
    events
        .iter()
        .map(|e| serde_json::to_vec(e).expect("JSON values serialize"))
        .collect()
}

/// The raw DynamoDB writes of `count` distinct events built from `fixture`.
fn floor_events(
    fixture: &serde_json::Value,
    count: usize,
    table: &str,
    host: &str,
) -> Result<Vec<Vec<floor::DynamoDbRequest>>, String> {
    distinct_events(fixture, run_nonce(), count)?
        .iter()
        .map(|event| {
            dynamodb_requests(event, table)?
                .into_iter()
                .map(|(target, body)| floor::dynamodb_http_request(host, target, &body))
                .collect()
        })
        .collect()
}

/// Size of `binary` zipped as Lambda's `bootstrap` (deflate, as `cargo lambda build
/// --output-format zip` does); `None` without the `zip` command.
fn zip_size(binary: &Path, scratch: &Path) -> Option<u64> {
    let dir = scratch.join("zip");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::copy(binary, dir.join("bootstrap")).ok()?;
    let status = Command::new("zip")
        .current_dir(&dir)
        .args(["-q", "-X", "bootstrap.zip", "bootstrap"])
        .status()
        .ok()?;
    let size = status
        .success()
        .then(|| std::fs::metadata(dir.join("bootstrap.zip")).ok())
        .flatten()
        .map(|m| m.len());
    let _ = std::fs::remove_dir_all(&dir);
    size
}

fn run_suite(options: &Options) -> Result<Vec<Row>, String> {
    let table = env("TABLE_NAME")?;
    let host = floor::host_port(&env("AWS_ENDPOINT_URL_DYNAMODB")?)?;
    let function_env = function_env(options)?;
    std::fs::create_dir_all(&options.log_dir)
        .map_err(|e| format!("{}: {e}", options.log_dir.display()))?;
    let total = options.warmup + options.events;

    if options.ddb_warmup > 0 {
        eprintln!(
            "[bench] warming up DynamoDB Local's JVM: {} raw writes of each kind",
            options.ddb_warmup
        );
        for fixture in ["click.json", "message.json", "ack.json"] {
            let fixture = load_fixture(&options.fixtures.join(fixture))?;
            floor::run(
                &host,
                floor_events(&fixture, options.ddb_warmup, &table, &host)?,
            )?;
        }
    }

    let mut rows = Vec::new();
    for name in &options.functions {
        let fixture = load_fixture(&options.fixtures.join(fixture_for(name)))?;
        let floor = if name == "null" {
            FloorA::default()
        } else {
            eprintln!("[bench] {name}: floor (a), {total} raw writes");
            let requests = floor_events(&fixture, total, &table, &host)?;
            let cpu_before = bench::procfs::own_cpu_ns();
            let floor_run = floor::run(&host, requests)?;
            let cpu_us = (bench::procfs::own_cpu_ns() - cpu_before) as f64 / 1e3 / total as f64;
            // What a user pays DynamoDB for: calls and write units per event, as reported.
            eprintln!(
                "[bench] {name}: writes per event: {:.2} calls, {:.2} WRU (table + index)",
                floor_run.calls as f64 / total as f64,
                floor_run.units / total as f64
            );
            FloorA {
                latency: Some(summarize(&floor_run.latencies[options.warmup..])),
                client_cpu_us: Some(cpu_us),
            }
        };
        // The null function is the harness's own floor: the current tree's only.
        let builds = match &options.baseline_bin_dir {
            Some(dir) if name != "null" => vec![
                (Build::Baseline(options.baseline_label.clone()), dir),
                (Build::Current, &options.bin_dir),
            ],
            _ => vec![(Build::Current, &options.bin_dir)],
        };
        for (build, bin_dir) in builds {
            rows.push(run_function(
                options,
                &function_env,
                name,
                &fixture,
                floor,
                build,
                bin_dir,
            )?);
        }
    }
    Ok(rows)
}

/// A function's floor (a), measured once and shared by its baseline and current rows; none for the
/// null function.
#[derive(Clone, Copy, Default)]
struct FloorA {
    latency: Option<Summary>,
    client_cpu_us: Option<f64>,
}

/// Runs `name`'s binary from `bin_dir` through the Runtime API on fresh events from `fixture`.
fn run_function(
    options: &Options,
    function_env: &[(String, String)],
    name: &str,
    fixture: &serde_json::Value,
    floor: FloorA,
    build: Build,
    bin_dir: &Path,
) -> Result<Row, String> {
    let total = options.warmup + options.events;
    let binary = bin_dir.join(binary_for(name));
    let binary_bytes = std::fs::metadata(&binary)
        .map_err(|e| format!("{}: {e}", binary.display()))?
        .len();
    let (label, log) = match &build {
        Build::Current => (name.to_owned(), format!("{name}.log")),
        Build::Baseline(_) => (
            format!("{name} ({})", build.describe()),
            format!("{name}.baseline.log"),
        ),
    };
    eprintln!("[bench] {label}: {total} events through the Runtime API");
    let spec = FunctionSpec {
        name: name.to_owned(),
        binary: binary.clone(),
        events: to_bytes(&distinct_events(fixture, run_nonce(), total)?),
        warmup: options.warmup,
        env: function_env.to_vec(),
        log: options.log_dir.join(log),
        timeout: Duration::from_secs(60) + Duration::from_millis(50) * total as u32,
        peer_pid: options.ddb_pid,
    };
    let run = runtime_api::run(&spec)?;
    let expected = if name == "null" { "200" } else { "200 stored" };
    if run.outcomes.keys().any(|outcome| outcome != expected) {
        return Err(format!(
            "{label}: expected every response to be {expected:?}, got {:?}",
            run.outcomes
        ));
    }
    Ok(Row {
        name: name.to_owned(),
        build,
        latency: summarize(&run.latencies),
        zip_bytes: zip_size(&binary, &options.log_dir),
        run,
        floor: floor.latency,
        floor_cpu_us: floor.client_cpu_us,
        binary_bytes,
    })
}

fn main() -> ExitCode {
    let result = parse_options().and_then(|options| {
        let rows = run_suite(&options)?;
        print!("{}", report(options.events, options.warmup, &rows));
        if let Some(path) = &options.json {
            write_json(path, options.events, options.warmup, &rows)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("lambda-bench: {err}");
            ExitCode::FAILURE
        }
    }
}
