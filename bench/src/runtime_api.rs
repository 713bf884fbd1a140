//! A local Lambda Runtime API: spawns a function binary with `AWS_LAMBDA_RUNTIME_API` pointing
//! here and feeds it events one at a time, as Lambda does.
//!
//! Served by `server`: `GET /2018-06-01/runtime/invocation/next`,
//! `POST .../invocation/{id}/response`, `POST .../invocation/{id}/error` and
//! `POST /2018-06-01/runtime/init/error`, over HTTP/1.1 with hyper's server on one thread. Kept
//! cheap: every `next` answer is prebuilt, `TCP_NODELAY` is on, connections are kept alive, no
//! `Date` header.

mod server;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::http::runtime;
use server::{Invocations, Report, Server, Shared};

/// What to run and what to feed it.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// Name in reports and in `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: String,
    /// The release binary (Lambda's `bootstrap`).
    pub binary: PathBuf,
    /// The events (API Gateway v2 JSON), handed out in order.
    pub events: Vec<Vec<u8>>,
    /// How many of the first events are not measured (at least 1: the cold first event).
    pub warmup: usize,
    /// The function's environment, besides the `AWS_LAMBDA_*` variables the harness sets.
    pub env: Vec<(String, String)>,
    /// Where the function's stdout and stderr go.
    pub log: PathBuf,
    /// Give up after this long.
    pub timeout: Duration,
    /// Also sample this process's CPU over the measured window (DynamoDB Local's JVM).
    pub peer_pid: Option<u32>,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct FunctionRun {
    /// Spawn to the first `next` request: Lambda's Init Duration.
    pub init_wall: Duration,
    /// CPU the process used up to its first `next` request.
    pub init_cpu_ns: u64,
    /// Latency of the very first event (cold connections).
    pub first_event: Duration,
    /// Latencies of the measured events (event handed out to response posted).
    pub latencies: Vec<Duration>,
    /// Function CPU over the measured events, all threads (schedstat).
    pub cpu_ns: u64,
    /// The same by utime + stime (tick resolution, includes exited threads).
    pub cpu_stat_ns: u64,
    /// Wall time of the measured events.
    pub wall: Duration,
    /// The harness's own CPU over the measured events.
    pub harness_cpu_ns: u64,
    /// The peer process's CPU over the measured events, if one was given.
    pub peer_cpu_ns: Option<u64>,
    /// Bytes the function wrote to its log (stdout and stderr) before its first `next` poll.
    pub init_log_bytes: u64,
    /// Bytes the function wrote to its log over the measured events (warm-up and init excluded).
    pub log_bytes: u64,
    /// Peak RSS (VmHWM), KiB.
    pub peak_rss_kib: u64,
    /// Live threads of the function at the end.
    pub threads: usize,
    /// Responses by status code and `status` field of the body, e.g. `200 stored`.
    pub outcomes: BTreeMap<String, usize>,
}

impl FunctionRun {
    /// Function CPU per measured event, microseconds.
    pub fn cpu_us_per_event(&self) -> f64 {
        self.cpu_ns as f64 / 1e3 / self.latencies.len().max(1) as f64
    }

    /// Log bytes per measured event: what CloudWatch Logs ingests per event, as written.
    pub fn log_bytes_per_event(&self) -> f64 {
        self.log_bytes as f64 / self.latencies.len().max(1) as f64
    }
}

/// Runs `spec.binary` under the local Runtime API until every event is answered.
pub fn run(spec: &FunctionSpec) -> Result<FunctionRun, String> {
    assert!(spec.warmup >= 1 && spec.warmup < spec.events.len());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let server_runtime = runtime().map_err(|e| format!("tokio runtime: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let invocations = Invocations::prebuild(spec)?;
    let mut command = lambda_command(spec, address)?;

    let (tx, rx) = mpsc::channel();
    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", spec.binary.display()))?;
    let shared = Shared::new(child.id(), spawned, spec, invocations, tx);
    let server = Server::start(listener, address, server_runtime, shared);

    let started = Instant::now();
    let result = loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Report::Done(run)) => break Ok(*run),
            Ok(Report::Failed(reason)) => break Err(reason),
            Err(RecvTimeoutError::Disconnected) => break Err("harness stopped".into()),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!("the function exited early ({status})"));
        }
        if started.elapsed() > spec.timeout {
            break Err(format!(
                "timed out after {:?} with {} of {} events handed out",
                spec.timeout,
                server.handed_out(),
                spec.events.len()
            ));
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    server.stop();
    result.map_err(|reason| {
        let log = std::fs::read_to_string(&spec.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "{}: {reason}\n--- last lines of {}:\n{}",
            spec.name,
            spec.log.display(),
            tail.join("\n")
        )
    })
}

/// The function's process with the environment Lambda gives it, logging to `spec.log`.
fn lambda_command(spec: &FunctionSpec, runtime_api: SocketAddr) -> Result<Command, String> {
    let log =
        std::fs::File::create(&spec.log).map_err(|e| format!("{}: {e}", spec.log.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    let mut command = Command::new(&spec.binary);
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", spec.name),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        // template.yaml's LoggingConfig (LogFormat: JSON, ApplicationLogLevel: INFO).
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .env("LAMBDA_TASK_ROOT", "/var/task")
        .env("LAMBDA_RUNTIME_DIR", "/var/runtime")
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    Ok(command)
}
