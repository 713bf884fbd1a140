//! The HTTP side of the local Runtime API: hyper's server on one thread hands out the prebuilt
//! `next` answers one at a time, times each response and samples CPU at the window's edges.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

use super::{FunctionRun, FunctionSpec};
use crate::http::{read_body, Body};
use crate::procfs::{self, CpuSample};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";

/// One answer of the Runtime API.
type Answer = Response<Body>;

/// What the server tells [`super::run`]: the run is measured, or it cannot go on.
pub(super) enum Report {
    Done(Box<FunctionRun>),
    Failed(String),
}

struct Progress {
    /// The prebuilt `next` answers, each taken when its event is handed out.
    answers: Vec<Option<Answer>>,
    next: usize,
    in_flight: Option<(usize, Instant)>,
    /// Spawn to the first `next` poll, CPU then, and the log's size then (what init wrote).
    init: Option<(Duration, u64, u64)>,
    first_event: Option<Duration>,
    latencies: Vec<Duration>,
    window_start: Option<WindowStart>,
    outcomes: BTreeMap<String, usize>,
}

/// The measured window's start: when the last warm-up response came, the function's, the
/// harness's and the peer's CPU then, and the log's size then.
struct WindowStart {
    at: Instant,
    cpu: CpuSample,
    harness_cpu_ns: u64,
    peer_cpu: Option<CpuSample>,
    log_bytes: u64,
}

/// The size of the function's log so far. The function writes each request's line before it
/// posts the response, so at a response the log holds every line of the events answered.
fn log_size(log: &Path) -> u64 {
    std::fs::metadata(log).map_or(0, |m| m.len())
}

/// The server's state, shared by its connections.
pub(super) struct Shared {
    pid: u32,
    spawned: Instant,
    /// How many events there are.
    events: usize,
    request_ids: Vec<String>,
    warmup: usize,
    peer_pid: Option<u32>,
    log: PathBuf,
    progress: Mutex<Progress>,
    reports: Mutex<Sender<Report>>,
    stop: AtomicBool,
}

impl Shared {
    pub(super) fn new(
        pid: u32,
        spawned: Instant,
        spec: &FunctionSpec,
        invocations: Invocations,
        reports: Sender<Report>,
    ) -> Self {
        Shared {
            pid,
            spawned,
            events: spec.events.len(),
            request_ids: invocations.request_ids,
            warmup: spec.warmup,
            peer_pid: spec.peer_pid,
            log: spec.log.clone(),
            progress: Mutex::new(Progress {
                answers: invocations.answers,
                next: 0,
                in_flight: None,
                init: None,
                first_event: None,
                latencies: Vec::with_capacity(spec.events.len()),
                window_start: None,
                outcomes: BTreeMap::new(),
            }),
            reports: Mutex::new(reports),
            stop: AtomicBool::new(false),
        }
    }

    fn report(&self, report: Report) {
        let _ = self.reports.lock().expect("reports lock").send(report);
    }
}

/// The prebuilt `next` answers and their request ids, made before the function is spawned so that
/// building them is not counted in its init.
pub(super) struct Invocations {
    answers: Vec<Option<Answer>>,
    request_ids: Vec<String>,
}

impl Invocations {
    pub(super) fn prebuild(spec: &FunctionSpec) -> Result<Self, String> {
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
        Ok(Invocations {
            answers,
            request_ids,
        })
    }
}

/// hyper's server on its own thread, until [`Server::stop`].
pub(super) struct Server {
    shared: Arc<Shared>,
    address: SocketAddr,
    acceptor: JoinHandle<()>,
}

impl Server {
    /// Serves on `listener`, bound at `address`.
    pub(super) fn start(
        listener: std::net::TcpListener,
        address: SocketAddr,
        runtime: Runtime,
        shared: Shared,
    ) -> Self {
        let shared = Arc::new(shared);
        let acceptor = {
            let shared = Arc::clone(&shared);
            // Dropping the runtime when `accept` returns drops every connection (and a parked
            // `next`).
            thread::spawn(move || runtime.block_on(accept(listener, shared)))
        };
        Server {
            shared,
            address,
            acceptor,
        }
    }

    /// How many events have been handed out so far.
    pub(super) fn handed_out(&self) -> usize {
        self.shared.progress.lock().map(|p| p.next).unwrap_or(0)
    }

    pub(super) fn stop(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which sees `stop` and returns.
        let _ = std::net::TcpStream::connect(self.address);
        let _ = self.acceptor.join();
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
        let cpu_ns = procfs::cpu(shared.pid).schedstat_ns;
        progress.init = Some((at, cpu_ns, log_size(&shared.log)));
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
        progress.window_start = Some(WindowStart {
            at: Instant::now(),
            cpu: procfs::cpu(shared.pid),
            harness_cpu_ns: procfs::own_cpu_ns(),
            peer_cpu: shared.peer_pid.map(procfs::cpu),
            log_bytes: log_size(&shared.log),
        });
    }
    if index + 1 == shared.events {
        let end = procfs::cpu(shared.pid);
        let harness_end = procfs::own_cpu_ns();
        let peer_end = shared.peer_pid.map(procfs::cpu);
        let log_end = log_size(&shared.log);
        let start = progress.window_start.take().expect("window started");
        let (init_wall, init_cpu_ns, init_log_bytes) = progress.init.expect("init seen");
        let run = FunctionRun {
            init_wall,
            init_cpu_ns,
            first_event: progress.first_event.unwrap_or_default(),
            latencies: std::mem::take(&mut progress.latencies),
            cpu_ns: end.since(&start.cpu),
            cpu_stat_ns: end.stat_since(&start.cpu),
            wall: start.at.elapsed(),
            harness_cpu_ns: harness_end.saturating_sub(start.harness_cpu_ns),
            peer_cpu_ns: start.peer_cpu.zip(peer_end).map(|(s, e)| e.since(&s)),
            init_log_bytes,
            log_bytes: log_end.saturating_sub(start.log_bytes),
            peak_rss_kib: procfs::status_kib(shared.pid, "VmHWM").unwrap_or(0),
            threads: end.threads,
            outcomes: std::mem::take(&mut progress.outcomes),
        };
        shared.report(Report::Done(Box::new(run)));
    }
}
