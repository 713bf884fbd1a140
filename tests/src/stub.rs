//! A stub DynamoDB for the fault tests: an HTTP/1.1 server on 127.0.0.1 that plays DynamoDB (or a
//! proxy in front of DynamoDB Local), does what a [`Behaviour`] says with each request, and counts
//! the requests it gets, so a test can show that the SDK retried and stayed within its budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryPartition;
use aws_sdk_dynamodb::Client;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::{client_for, local_endpoint};

/// The `X-Amz-Target` operation of a conditional put.
pub const PUT_ITEM: &str = "PutItem";
/// The `X-Amz-Target` operation of an update (an ack, a status change).
pub const UPDATE_ITEM: &str = "UpdateItem";

/// What the stub does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answers with this HTTP status and a DynamoDB JSON error of this `__type`.
    Error(u16, &'static str),
    /// Reads the request and never answers.
    Silent,
    /// Waits, then answers 200 `{}` (a successful PutItem or UpdateItem).
    SlowSuccess(Duration),
    /// Passes the request to DynamoDB Local and its answer back.
    Forward,
    /// Waits, then forwards.
    DelayThenForward(Duration),
    /// Forwards, so the write happens, then answers 500 instead: the answer is lost.
    ForwardThenError,
}

/// A DynamoDB stand-in: one action per operation (`PutItem`, `UpdateItem`, ...), possibly
/// different for the first calls, and a log of every request it received.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Action per operation, for the calls after `first`.
    actions: HashMap<&'static str, Action>,
    /// Action when no other applies.
    default: Action,
    /// Actions for the first calls of an operation, in order.
    first: HashMap<&'static str, Vec<Action>>,
}

impl Behaviour {
    /// Does `action` with every request.
    pub fn always(action: Action) -> Behaviour {
        Behaviour {
            actions: HashMap::new(),
            default: action,
            first: HashMap::new(),
        }
    }

    /// Does `action` with every request for `operation` (after its `first` actions).
    pub fn on(mut self, operation: &'static str, action: Action) -> Behaviour {
        self.actions.insert(operation, action);
        self
    }

    /// Does `actions`, in order, with the first requests for `operation`.
    pub fn first(mut self, operation: &'static str, actions: Vec<Action>) -> Behaviour {
        self.first.insert(operation, actions);
        self
    }
}

/// A running stub; stops (with every connection it holds) when dropped.
pub struct Stub {
    /// The stub's `http://127.0.0.1:port`.
    pub endpoint: String,
    log: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Stub {
    /// Starts a stub that does what `behaviour` says.
    pub async fn start(behaviour: Behaviour) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Mutex::new(behaviour));
        let server_log = Arc::clone(&log);
        let server = tokio::spawn(async move {
            // Dropping the set (when the server task is aborted) aborts every connection.
            let mut connections = JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                connections.spawn(serve(socket, Arc::clone(&shared), Arc::clone(&server_log)));
            }
        });
        Stub {
            endpoint,
            log,
            server,
        }
    }

    /// How many requests for `operation` arrived.
    pub fn count(&self, operation: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|o| *o == operation)
            .count()
    }

    /// How many requests arrived in all.
    pub fn total(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

/// One HTTP/1.1 request as read from the socket.
struct HttpRequest {
    operation: String,
    head: Vec<String>,
    body: Vec<u8>,
}

async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<HttpRequest> {
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head_text = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let head: Vec<String> = head_text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let header = |name: &str| {
        head.iter().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let operation = header("x-amz-target")
        .and_then(|t| t.rsplit('.').next().map(str::to_owned))
        .unwrap_or_default();
    while buffer.len() < head_end + length {
        let mut chunk = [0u8; 8192];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[head_end..head_end + length].to_vec();
    buffer.drain(..head_end + length);
    Some(HttpRequest {
        operation,
        head,
        body,
    })
}

fn http_response(status: u16, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/x-amz-json-1.0\r\n\
         content-length: {}\r\nx-amzn-requestid: stub\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn dynamodb_error(status: u16, error_type: &str) -> Vec<u8> {
    let body = json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{error_type}"),
        "message": if error_type.contains("Throughput") || error_type.contains("Throttling") {
            "Rate exceeded"
        } else {
            "The server encountered an internal error trying to fulfill the request"
        },
    });
    http_response(status, &body.to_string())
}

/// Sends `request` to DynamoDB Local on a fresh connection and returns its whole answer.
async fn forward(request: &HttpRequest) -> Vec<u8> {
    let upstream = local_endpoint();
    let address = upstream.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).await.expect("DynamoDB Local");
    let mut out = Vec::new();
    for line in &request.head {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out.extend_from_slice(&request.body);
    stream.write_all(&out).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    answer
}

async fn serve(
    mut socket: TcpStream,
    behaviour: Arc<Mutex<Behaviour>>,
    log: Arc<Mutex<Vec<String>>>,
) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut socket, &mut buffer).await {
        log.lock().unwrap().push(request.operation.clone());
        let action = {
            let mut behaviour = behaviour.lock().unwrap();
            let operation = request.operation.as_str();
            match behaviour.first.get_mut(operation).filter(|f| !f.is_empty()) {
                Some(first) => first.remove(0),
                None => behaviour
                    .actions
                    .get(operation)
                    .unwrap_or(&behaviour.default)
                    .clone(),
            }
        };
        let answer = match action {
            Action::Error(status, error_type) => dynamodb_error(status, error_type),
            Action::Silent => {
                // Keep the connection open and unanswered until the client gives up.
                let mut sink = [0u8; 1024];
                while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            Action::SlowSuccess(delay) => {
                tokio::time::sleep(delay).await;
                http_response(200, "{}")
            }
            Action::Forward => forward(&request).await,
            Action::DelayThenForward(delay) => {
                tokio::time::sleep(delay).await;
                forward(&request).await
            }
            Action::ForwardThenError => {
                forward(&request).await;
                dynamodb_error(500, "InternalServerError")
            }
        };
        if socket.write_all(&answer).await.is_err() {
            return;
        }
    }
}

/// The production client for `endpoint`, in its own retry partition: the SDK's retry quota is
/// process-wide per partition, and tests running side by side must not spend each other's (a
/// fresh Lambda container starts with a full quota too).
pub fn client_for_stub(endpoint: &str, partition: &str) -> Client {
    let config = client_for(endpoint)
        .config()
        .to_builder()
        .retry_partition(RetryPartition::new(partition.to_owned()));
    Client::from_conf(config.build())
}
