//! Floor (a): the handler's DynamoDB writes sent as plain HTTP/1.1 (hyper's client) over one
//! kept-alive connection, with no SDK, no signing and no Lambda runtime in the way.

use std::time::{Duration, Instant};

use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{header, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::http::{read_body, runtime, Body};

/// How long the floor waits for one answer before it gives up.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// One prebuilt request of the DynamoDB JSON protocol.
pub type DynamoDbRequest = Request<Body>;

/// A DynamoDB endpoint's `host:port` from its URL (`http://127.0.0.1:8000`).
pub fn host_port(endpoint: &str) -> Result<String, String> {
    let rest = endpoint.strip_prefix("http://").ok_or_else(|| {
        format!("{endpoint}: only http:// endpoints (DynamoDB Local) are supported")
    })?;
    Ok(rest.trim_end_matches('/').to_owned())
}

/// One HTTP request of the DynamoDB JSON protocol, built before the clock starts. DynamoDB Local
/// checks that a SigV4 header is there, not what it says.
pub fn dynamodb_http_request(
    host: &str,
    target: &str,
    body: &[u8],
) -> Result<DynamoDbRequest, String> {
    Request::post("/")
        // hyper's client connection leaves the Host header to the caller.
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-amz-json-1.0")
        .header("x-amz-target", target)
        .header("x-amz-date", "20260101T000000Z")
        .header(
            header::AUTHORIZATION,
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0",
        )
        // Content-Length comes from the body's exact size.
        .body(Body::new(Bytes::copy_from_slice(body)))
        .map_err(|e| format!("a DynamoDB request to {host} ({target}): {e}"))
}

/// What the floor measured: each event's time (all its requests, sent to last byte of the answer
/// read), and the write units DynamoDB reported for all of them (`ConsumedCapacity`, table plus
/// indexes, which every request asks for).
pub struct FloorRun {
    /// One per event.
    pub latencies: Vec<Duration>,
    /// Requests sent.
    pub calls: usize,
    /// Write units reported, summed.
    pub units: f64,
}

/// The write units a DynamoDB response reports (`ConsumedCapacity.CapacityUnits`), 0 if none.
fn consumed_units(body: &[u8]) -> f64 {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|answer| answer["ConsumedCapacity"]["CapacityUnits"].as_f64())
        .unwrap_or(0.0)
}

/// Sends each event's requests in order over one connection and times each event. Any non-200
/// answer is an error.
pub fn run(host: &str, events: Vec<Vec<DynamoDbRequest>>) -> Result<FloorRun, String> {
    runtime()
        .map_err(|e| format!("tokio runtime: {e}"))?
        .block_on(run_on_one_connection(host, events))
}

async fn run_on_one_connection(
    host: &str,
    events: Vec<Vec<DynamoDbRequest>>,
) -> Result<FloorRun, String> {
    let stream = TcpStream::connect(host)
        .await
        .map_err(|e| format!("connect {host}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP/1.1 to {host}: {e}"))?;
    // Drives the connection; dropped with the runtime when the run is over.
    tokio::spawn(connection);
    let mut latencies = Vec::with_capacity(events.len());
    let (mut calls, mut units) = (0, 0.0);
    for requests in events {
        let started = Instant::now();
        for request in requests {
            let exchange = async {
                sender.ready().await?;
                let (head, body) = sender.send_request(request).await?.into_parts();
                Ok::<_, hyper::Error>((head.status, read_body(body).await?))
            };
            let (status, body) = tokio::time::timeout(ANSWER_TIMEOUT, exchange)
                .await
                .map_err(|_| format!("no answer from DynamoDB Local in {ANSWER_TIMEOUT:?}"))?
                .map_err(|e| format!("DynamoDB Local: {e}"))?;
            if status != hyper::StatusCode::OK {
                return Err(format!(
                    "DynamoDB Local answered {status}: {}",
                    String::from_utf8_lossy(&body)
                ));
            }
            calls += 1;
            units += consumed_units(&body);
        }
        latencies.push(started.elapsed());
    }
    Ok(FloorRun {
        latencies,
        calls,
        units,
    })
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use hyper::server::conn::http1 as server_http1;
    use hyper::service::service_fn;
    use hyper::Response;

    use super::*;

    /// A stand-in DynamoDB on 127.0.0.1 that answers every request with `status` and 1.5 write
    /// units; returns its `host:port`.
    fn serve_forever(status: u16) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let host = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            runtime().unwrap().block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                while let Ok((stream, _)) = listener.accept().await {
                    let service =
                        service_fn(move |request: Request<hyper::body::Incoming>| async move {
                            assert!(request.headers().contains_key(header::HOST));
                            let body = read_body(request.into_body()).await.unwrap();
                            assert_eq!(&body[..], b"{}");
                            Ok::<_, Infallible>(
                                Response::builder()
                                    .status(status)
                                    .body(Body::from(
                                        r#"{"ConsumedCapacity":{"CapacityUnits":1.5}}"#,
                                    ))
                                    .unwrap(),
                            )
                        });
                    tokio::spawn(
                        server_http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service),
                    );
                }
            });
        });
        host
    }

    fn requests(host: &str, events: usize, per_event: usize) -> Vec<Vec<DynamoDbRequest>> {
        (0..events)
            .map(|_| {
                (0..per_event)
                    .map(|_| {
                        dynamodb_http_request(host, "DynamoDB_20120810.PutItem", b"{}").unwrap()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn times_each_event_and_sums_calls_and_write_units_over_one_connection() {
        let host = serve_forever(200);
        let run = run(&host, requests(&host, 3, 2)).unwrap();
        assert_eq!(run.latencies.len(), 3);
        assert_eq!(run.calls, 6);
        assert_eq!(run.units, 9.0);
    }

    #[test]
    fn an_answer_other_than_200_is_an_error() {
        let host = serve_forever(400);
        let err = run(&host, requests(&host, 1, 1)).err().unwrap();
        assert!(err.contains("400"), "{err}");
    }
}
