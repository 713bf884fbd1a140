//! A local Lambda Runtime API: spawns a function binary with `AWS_LAMBDA_RUNTIME_API` pointing
//! here and feeds it events one at a time, as Lambda does.
//!
//! Served: `GET /2018-06-01/runtime/invocation/next`, `POST .../invocation/{id}/response`,
//! `POST .../invocation/{id}/error` and `POST /2018-06-01/runtime/init/error`, over HTTP/1.1 with
//! hyper's server on one thread. Kept cheap: every `next` answer is prebuilt, `TCP_NODELAY` is on,
//! connections are kept alive, no `Date` header.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use crate::http::{read_body, runtime, Body};
use crate::procfs::{self, CpuSample};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";

/// One answer of the Runtime API.
type Answer = Response<Body>;

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
}

enum Report {
    Done(Box<FunctionRun>),
    Failed(String),
}

struct Progress {
    /// The prebuilt `next` answers, each taken when its event is handed out.
    answers: Vec<Option<Answer>>,
    next: usize,
    in_flight: Option<(usize, Instant)>,
    init: Option<(Duration, u64)>,
    first_event: Option<Duration>,
    latencies: Vec<Duration>,
    window_start: Option<(Instant, CpuSample, u64, Option<CpuSample>)>,
    outcomes: BTreeMap<String, usize>,
}

struct Shared {
    pid: u32,
    spawned: Instant,
    /// How many events there are.
    events: usize,
    request_ids: Vec<String>,
    warmup: usize,
    peer_pid: Option<u32>,
    progress: Mutex<Progress>,
    reports: Mutex<Sender<Report>>,
    stop: AtomicBool,
}

impl Shared {
    fn report(&self, report: Report) {
        let _ = self.reports.lock().expect("reports lock").send(report);
    }
}

fn next_answer(
    function: &str,
    request_id: &str,
    deadline_ms: u128,
    event: &[u8],
) -> Result<Answer, String> {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header("lambda-runtime-aws-request-id", request_id)
        .header("lambda-runtime-deadline-ms", deadline_ms.to_string())
        .header(
            "lambda-runtime-invoked-function-arn",
            format!("arn:aws:lambda:us-east-1:123456789012:function:{function}"),
        )
        .header(
            "lambda-runtime-trace-id",
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0",
        )
        .body(Body::new(Bytes::copy_from_slice(event)))
        .map_err(|e| format!("the next answer of {function}: {e}"))
}

/// `202 {"status":"OK"}`, Lambda's answer to a posted response or error.
fn accepted() -> Answer {
    let mut answer = Response::new(Body::from(r#"{"status":"OK"}"#));
    *answer.status_mut() = StatusCode::ACCEPTED;
    answer.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    answer
}

/// `404` with no body, for any other request.
fn not_found() -> Answer {
    let mut answer = Response::new(Body::default());
    *answer.status_mut() = StatusCode::NOT_FOUND;
    answer
}

/// `200 stored`, `200` (no body), `500 -` ... from a `lambda_http` API Gateway v2 response.
fn outcome(body: &[u8]) -> String {
    let Ok(response) = serde_json::from_slice::<serde_json::Value>(body) else {
        return "unparsable".into();
    };
    let status = response["statusCode"].as_u64().unwrap_or(0);
    let inner = response["body"]
        .as_str()
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
        .and_then(|b| b["status"].as_str().map(str::to_owned));
    match inner {
        Some(inner) => format!("{status} {inner}"),
        None => status.to_string(),
    }
}

/// Runs `spec.binary` under the local Runtime API until every event is answered.
pub fn run(spec: &FunctionSpec) -> Result<FunctionRun, String> {
    assert!(spec.warmup >= 1 && spec.warmup < spec.events.len());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let server_runtime = runtime().map_err(|e| format!("tokio runtime: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let deadline_ms = (SystemTime::now() + Duration::from_secs(900))
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    let request_ids: Vec<String> = (0..spec.events.len())
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let answers = spec
        .events
        .iter()
        .zip(&request_ids)
        .map(|(event, id)| next_answer(&spec.name, id, deadline_ms, event).map(Some))
        .collect::<Result<_, _>>()?;
    let log =
        std::fs::File::create(&spec.log).map_err(|e| format!("{}: {e}", spec.log.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;

    let mut command = Command::new(&spec.binary);
    command
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
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

    let (tx, rx) = mpsc::channel();
    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", spec.binary.display()))?;
    let shared = Arc::new(Shared {
        pid: child.id(),
        spawned,
        events: spec.events.len(),
        request_ids,
        warmup: spec.warmup,
        peer_pid: spec.peer_pid,
        progress: Mutex::new(Progress {
            answers,
            next: 0,
            in_flight: None,
            init: None,
            first_event: None,
            latencies: Vec::with_capacity(spec.events.len()),
            window_start: None,
            outcomes: BTreeMap::new(),
        }),
        reports: Mutex::new(tx),
        stop: AtomicBool::new(false),
    });
    let acceptor = {
        let shared = Arc::clone(&shared);
        // Dropping the runtime when `accept` returns drops every connection (and a parked `next`).
        thread::spawn(move || server_runtime.block_on(accept(listener, shared)))
    };

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
            let done = shared.progress.lock().map(|p| p.next).unwrap_or(0);
            break Err(format!(
                "timed out after {:?} with {done} of {} events handed out",
                spec.timeout,
                spec.events.len()
            ));
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    shared.stop.store(true, Ordering::SeqCst);
    let _ = std::net::TcpStream::connect(address);
    let _ = acceptor.join();
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

/// Accepts connections until `stop` is set (and one more connection wakes it).
async fn accept(listener: std::net::TcpListener, shared: Arc<Shared>) {
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => return shared.report(Report::Failed(format!("listen: {e}"))),
    };
    loop {
        let accepted = listener.accept().await;
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok((stream, _)) = accepted else { continue };
        tokio::spawn(serve(Arc::clone(&shared), stream));
    }
}

/// Serves one kept-alive connection of the function.
async fn serve(shared: Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { handle(&shared, request).await }
    });
    // A connection the function drops (when it is stopped) ends here with an error: nothing to do.
    let _ = http1::Builder::new()
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(shared: &Shared, request: Request<Incoming>) -> Result<Answer, hyper::Error> {
    let (head, body) = request.into_parts();
    let body = read_body(body).await?;
    let (method, path) = (&head.method, head.uri.path());
    if method == Method::GET && path == NEXT {
        return match hand_out(shared) {
            Some(answer) => Ok(answer),
            // Every event is answered: park this poll until the function is stopped.
            None => std::future::pending().await,
        };
    }
    if method == Method::POST && path == INIT_ERROR {
        shared.report(Report::Failed(format!(
            "init error: {}",
            String::from_utf8_lossy(&body)
        )));
        return Ok(accepted());
    }
    if let (true, Some(rest)) = (method == Method::POST, path.strip_prefix(INVOCATION)) {
        let received = Instant::now();
        if let Some(id) = rest.strip_suffix("/response") {
            responded(shared, id, received, &body);
            return Ok(accepted());
        }
        if rest.ends_with("/error") {
            shared.report(Report::Failed(format!(
                "invocation error: {}",
                String::from_utf8_lossy(&body)
            )));
            return Ok(accepted());
        }
    }
    Ok(not_found())
}

/// The next event's prebuilt answer, if any is left; notes init at the first poll.
fn hand_out(shared: &Shared) -> Option<Answer> {
    let mut progress = shared.progress.lock().expect("progress lock");
    if progress.init.is_none() {
        let at = shared.spawned.elapsed();
        progress.init = Some((at, procfs::cpu(shared.pid).schedstat_ns));
    }
    let index = progress.next;
    let answer = progress.answers.get_mut(index).and_then(Option::take)?;
    progress.next += 1;
    progress.in_flight = Some((index, Instant::now()));
    Some(answer)
}

fn responded(shared: &Shared, id: &str, received: Instant, body: &[u8]) {
    let mut progress = shared.progress.lock().expect("progress lock");
    let Some((index, handed_out)) = progress.in_flight.take() else {
        shared.report(Report::Failed(format!(
            "response for {id} with no event in flight"
        )));
        return;
    };
    if shared.request_ids[index] != id {
        shared.report(Report::Failed(format!(
            "response for {id}, but {} is in flight",
            shared.request_ids[index]
        )));
        return;
    }
    let latency = received - handed_out;
    if index == 0 {
        progress.first_event = Some(latency);
    }
    if index >= shared.warmup {
        progress.latencies.push(latency);
    }
    *progress.outcomes.entry(outcome(body)).or_default() += 1;
    if index + 1 == shared.warmup {
        progress.window_start = Some((
            Instant::now(),
            procfs::cpu(shared.pid),
            procfs::own_cpu_ns(),
            shared.peer_pid.map(procfs::cpu),
        ));
    }
    if index + 1 == shared.events {
        let end = procfs::cpu(shared.pid);
        let harness_end = procfs::own_cpu_ns();
        let peer_end = shared.peer_pid.map(procfs::cpu);
        let (start_at, start, harness_start, peer_start) =
            progress.window_start.take().expect("window started");
        let (init_wall, init_cpu_ns) = progress.init.expect("init seen");
        let run = FunctionRun {
            init_wall,
            init_cpu_ns,
            first_event: progress.first_event.unwrap_or_default(),
            latencies: std::mem::take(&mut progress.latencies),
            cpu_ns: end.since(&start),
            cpu_stat_ns: end.stat_since(&start),
            wall: start_at.elapsed(),
            harness_cpu_ns: harness_end.saturating_sub(harness_start),
            peer_cpu_ns: peer_start.zip(peer_end).map(|(s, e)| e.since(&s)),
            peak_rss_kib: procfs::status_kib(shared.pid, "VmHWM").unwrap_or(0),
            threads: end.threads,
            outcomes: std::mem::take(&mut progress.outcomes),
        };
        shared.report(Report::Done(Box::new(run)));
    }
}
