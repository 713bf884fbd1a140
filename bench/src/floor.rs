//! Floor (a): the handler's DynamoDB writes sent as raw HTTP over one kept-alive connection,
//! with no SDK, no signing and no Lambda runtime in the way.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::http::read_message;

/// A DynamoDB endpoint's `host:port` from its URL (`http://127.0.0.1:8000`).
pub fn host_port(endpoint: &str) -> Result<String, String> {
    let rest = endpoint.strip_prefix("http://").ok_or_else(|| {
        format!("{endpoint}: only http:// endpoints (DynamoDB Local) are supported")
    })?;
    Ok(rest.trim_end_matches('/').to_owned())
}

/// One HTTP request of the DynamoDB JSON protocol, ready to write in one call. DynamoDB Local
/// checks that a SigV4 header is there, not what it says.
pub fn dynamodb_http_request(host: &str, target: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: {target}\r\nX-Amz-Date: 20260101T000000Z\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// What the floor measured: each event's time (all its requests, first byte written to last byte
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
pub fn run(host: &str, events: &[Vec<Vec<u8>>]) -> Result<FloorRun, String> {
    let stream = TcpStream::connect(host).map_err(|e| format!("connect {host}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut latencies = Vec::with_capacity(events.len());
    let (mut calls, mut units) = (0, 0.0);
    for requests in events {
        let started = Instant::now();
        for request in requests {
            writer
                .write_all(request)
                .map_err(|e| format!("write to DynamoDB Local: {e}"))?;
            let response = read_message(&mut reader)
                .map_err(|e| format!("read from DynamoDB Local: {e}"))?
                .ok_or("DynamoDB Local closed the connection")?;
            if response.status() != 200 {
                return Err(format!(
                    "DynamoDB Local answered {}: {}",
                    response.start_line,
                    String::from_utf8_lossy(&response.body)
                ));
            }
            calls += 1;
            units += consumed_units(&response.body);
        }
        latencies.push(started.elapsed());
    }
    Ok(FloorRun {
        latencies,
        calls,
        units,
    })
}
