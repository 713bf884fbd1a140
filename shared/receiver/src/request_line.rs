//! The one log line of a request. It is also the request's EMF document (CloudWatch extracts the
//! metrics from its `_aws` part), so each request writes one line, and only what an operator
//! reads: fields that would say nothing are left out, names are short.
//!
//! Fields, each present only when it says something (docs/operations.md, "Logs"):
//! `level` (WARN and ERROR only: Lambda reads a line without one as INFO), `req` (API Gateway's
//! request id, the same as in the access log), `trace` (X-Ray trace id, only when sampled),
//! `Outcome` (and `Cause`, `Provider`, `Kind` dimension values), `detail` (`collision`, `again`),
//! `route` (when it matters: wrong route, quarantine, unmodelled, refusals), `key` (a 12-hex hash
//! of the event's partition key), `phone` (its last four digits), `reason` and `field` (why a
//! body was quarantined), `auth` (why credentials were refused), `ct` (a declared content type
//! that is not JSON), `op` and `code` (the DynamoDB operation and error code of a fault), `us`
//! (microseconds spent), then the metric values.
//!
//! Never a secret, a body, a phone number, a message id or a key: ids encode phone numbers.

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::{json, Map, Value};
use webhook_payload::{phone_last_four, Route};

use webhook_table::{message_key_hash, Outcome};

use crate::disposition::{Disposition, WebhookError};
use crate::metrics::{Measure, RequestClass};

/// Where the request lines go: stdout in Lambda (CloudWatch Logs), or a buffer in tests.
#[derive(Debug, Clone, Default)]
pub enum LineSink {
    /// Standard output, one write per line.
    #[default]
    Stdout,
    /// A shared buffer (the log budget and privacy tests read it).
    #[cfg(feature = "testing")]
    Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>),
}

impl LineSink {
    /// Writes `line` and its newline at once.
    pub(crate) fn write(&self, line: &str) {
        match self {
            // `println!` rather than a raw stdout write, so that test harnesses capture it.
            LineSink::Stdout => println!("{line}"),
            #[cfg(feature = "testing")]
            LineSink::Buffer(buffer) => {
                let mut buffer = buffer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                buffer.extend_from_slice(line.as_bytes());
                buffer.push(b'\n');
            }
        }
    }
}

/// The line of `request`, received on `route` (none for an unknown path) and handled in
/// `latency_us`: the fields of its `disposition`, then the EMF fields of what it counts, under
/// `namespace` and dated `now`.
pub(crate) fn request_line(
    request: &Request,
    route: Option<Route>,
    disposition: &Disposition,
    latency_us: u64,
    namespace: &str,
    now: SystemTime,
) -> String {
    // What only this disposition says, and whether its event came through the wrong route.
    let mut said = Map::new();
    let wrong_route = match disposition {
        Disposition::Event {
            record,
            outcome,
            wrong_route,
        } => {
            if *outcome == Outcome::StoredCollision {
                said.insert("detail".into(), json!("collision"));
            }
            said.insert("key".into(), json!(message_key_hash(&record.id.message)));
            if let Some(phone) = record.phone() {
                said.insert("phone".into(), json!(phone_last_four(phone)));
            }
            if let Some(declared) = content_type_mismatch(request) {
                said.insert("ct".into(), json!(declared));
            }
            *wrong_route
        }
        Disposition::Quarantined { error, outcome } => {
            if *outcome == Outcome::QuarantinedAgain {
                said.insert("detail".into(), json!("again"));
            }
            said.insert("reason".into(), json!(error.reason()));
            if let Some(field) = error.field() {
                said.insert("field".into(), json!(field));
            }
            if let Some(declared) = content_type_mismatch(request) {
                said.insert("ct".into(), json!(declared));
            }
            false
        }
        Disposition::Error(WebhookError::Unauthorized(err)) => {
            said.insert("auth".into(), json!(err.reason()));
            false
        }
        Disposition::Error(WebhookError::Storage(err)) => {
            if let Some(operation) = err.operation() {
                said.insert("op".into(), json!(operation));
            }
            said.insert("code".into(), json!(err.code()));
            false
        }
        Disposition::Error(WebhookError::StorageTimeout) => {
            said.insert("code".into(), json!("StoreBudgetExceeded"));
            false
        }
        Disposition::UrlCheck | Disposition::Error(_) => false,
    };
    let measure = Measure::of(disposition, now);
    let class = measure.class();
    let mut line = Map::new();
    let level = match class {
        RequestClass::Failed => Some("ERROR"),
        RequestClass::Quarantined
        | RequestClass::Unauthorized
        | RequestClass::TooLarge
        | RequestClass::UnknownPath
        | RequestClass::WrongMethod => Some("WARN"),
        _ if wrong_route => Some("WARN"),
        _ => None,
    };
    if let Some(level) = level {
        line.insert("level".into(), json!(level));
    }
    if let Some(id) = api_request_id(request) {
        line.insert("req".into(), json!(id));
    }
    if let Some(trace) = sampled_trace(request) {
        line.insert("trace".into(), json!(trace));
    }
    let route_matters = wrong_route
        || !matches!(
            class,
            RequestClass::Stored | RequestClass::Duplicate | RequestClass::UrlCheck
        );
    if route_matters {
        if let Some(route) = route {
            line.insert("route".into(), json!(route.path()));
        }
    }
    line.extend(said);
    line.insert("us".into(), json!(latency_us));
    let now_ms = now.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    });
    line.extend(measure.emf_fields(namespace, now_ms));
    Value::Object(line).to_string()
}

/// API Gateway's id of the request, which its access log line carries too.
fn api_request_id(request: &Request) -> Option<&str> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.request_id.as_deref(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The X-Ray trace id, only when the trace is sampled (an unsampled id leads nowhere).
fn sampled_trace(request: &Request) -> Option<&str> {
    let trace = request.lambda_context_ref()?.xray_trace_id.as_deref()?;
    let root = trace.split(';').find_map(|part| part.strip_prefix("Root="));
    trace
        .split(';')
        .any(|part| part == "Sampled=1")
        .then_some(root)
        .flatten()
}

/// The declared content type, when it is not JSON. The body is parsed whatever it says (many
/// HTTP clients default to a form type), and the mismatch is logged.
fn content_type_mismatch(request: &Request) -> Option<String> {
    let declared = request.headers().get(header::CONTENT_TYPE)?;
    let declared = String::from_utf8_lossy(declared.as_bytes());
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        None
    } else {
        // Only the media type: parameters could carry anything.
        Some(essence.chars().take(64).collect())
    }
}
