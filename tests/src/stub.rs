//! A stub DynamoDB for the fault tests: a hyper HTTP/1.1 server on 127.0.0.1 that plays DynamoDB (or a
//! proxy in front of DynamoDB Local), does what a [`Behaviour`] says with each request, and counts
//! the requests it gets, so a test can show that the SDK retried and stayed within its budget.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryPartition;
use aws_sdk_dynamodb::Client;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1 as client_http1;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, http, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::{client_for, local_endpoint};

/// The `X-Amz-Target` operation of a conditional put.
pub const PUT_ITEM: &str = "PutItem";

/// What the stub does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answers with this HTTP status and a DynamoDB JSON error of this `__type`.
    Error(u16, &'static str),
    /// Reads the request and never answers.
    Silent,
    /// Waits, then answers 200 `{}` (a successful PutItem).
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

    /// The operations that arrived, each once, sorted.
    pub fn operations(&self) -> Vec<String> {
        let mut operations = self.log.lock().unwrap().clone();
        operations.sort();
        operations.dedup();
        operations
    }

    /// How many requests arrived in all.
    pub fn total(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

/// The stub's answer to one request.
type Answer = Response<Full<Bytes>>;

/// Serves one connection with hyper, answering each request as `behaviour` says.
async fn serve(socket: TcpStream, behaviour: Arc<Mutex<Behaviour>>, log: Arc<Mutex<Vec<String>>>) {
    let service = service_fn(move |request| {
        let (behaviour, log) = (Arc::clone(&behaviour), Arc::clone(&log));
        async move { Ok::<_, Infallible>(answer(request, &behaviour, &log).await) }
    });
    // A connection the client drops (after its timeout) ends here with an error: nothing to do.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(socket), service)
        .await;
}

/// Reads one request whole, logs its operation, and does the action it gets.
async fn answer(
    request: Request<Incoming>,
    behaviour: &Mutex<Behaviour>,
    log: &Mutex<Vec<String>>,
) -> Answer {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or_default()
        .to_owned();
    let (head, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    log.lock().unwrap().push(operation.clone());
    let action = {
        let mut behaviour = behaviour.lock().unwrap();
        match behaviour
            .first
            .get_mut(operation.as_str())
            .filter(|f| !f.is_empty())
        {
            Some(first) => first.remove(0),
            None => behaviour
                .actions
                .get(operation.as_str())
                .unwrap_or(&behaviour.default)
                .clone(),
        }
    };
    match action {
        Action::Error(status, error_type) => dynamodb_error(status, error_type),
        // Keep the connection open and unanswered until the client gives up.
        Action::Silent => std::future::pending().await,
        Action::SlowSuccess(delay) => {
            tokio::time::sleep(delay).await;
            http_response(200, "{}")
        }
        Action::Forward => forward(&head, body).await,
        Action::DelayThenForward(delay) => {
            tokio::time::sleep(delay).await;
            forward(&head, body).await
        }
        Action::ForwardThenError => {
            forward(&head, body).await;
            dynamodb_error(500, "InternalServerError")
        }
    }
}

fn http_response(status: u16, body: &str) -> Answer {
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "stub")
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("a valid response")
}

fn dynamodb_error(status: u16, error_type: &str) -> Answer {
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

/// Sends the request (`head` and `body`) to DynamoDB Local on a fresh connection and returns
/// its answer.
async fn forward(head: &http::request::Parts, body: Bytes) -> Answer {
    let upstream = local_endpoint();
    let address = upstream.trim_start_matches("http://").trim_end_matches('/');
    let stream = TcpStream::connect(address).await.expect("DynamoDB Local");
    let (mut sender, connection) = client_http1::handshake(TokioIo::new(stream))
        .await
        .expect("HTTP/1.1 to DynamoDB Local");
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(head.method.clone())
        .uri(head.uri.clone());
    for (name, value) in &head.headers {
        if name != header::CONNECTION {
            request = request.header(name, value);
        }
    }
    let request = request
        .header(header::CONNECTION, "close")
        .body(Full::new(body))
        .expect("a valid request");
    let answer = sender
        .send_request(request)
        .await
        .expect("DynamoDB Local answers");
    let (mut head, body) = answer.into_parts();
    let body = body.collect().await.expect("the whole answer").to_bytes();
    // The body is passed on whole, with its length.
    head.headers.remove(header::TRANSFER_ENCODING);
    Response::from_parts(head, Full::new(body))
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
