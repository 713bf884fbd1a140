//! HTTP/1.1 for the harness and the raw DynamoDB floor goes through hyper, the HTTP library the
//! AWS SDK and lambda_http already bring (same major version), not a parser of our own. This
//! module holds the little both sides share: the body type, reading a body, and the runtime.

use std::io;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};

/// A body sent whole: a prebuilt request of the floor, or an answer of the Runtime API.
pub type Body = Full<Bytes>;

/// A single-threaded tokio runtime with I/O and timers: the floor's client and the Runtime API's
/// server each run on one, so neither adds a thread pool to what the harness measures.
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Reads a received body whole (hyper decodes `Content-Length` and chunked framing).
pub async fn read_body(body: Incoming) -> Result<Bytes, hyper::Error> {
    Ok(body.collect().await?.to_bytes())
}
