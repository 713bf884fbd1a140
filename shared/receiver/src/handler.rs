//! One request in, one response out: the pipeline every webhook function runs.
//!
//! Only what cannot be a webhook (unknown path, wrong method, oversized body) or comes from an
//! unproven sender (401) is refused. Every authenticated body is stored: as an event, or raw in
//! quarantine. A 200 is sent only after that write; a storage fault is a fast 503.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;
use tracing::{error, info, warn};
use webhook_payload::{key_hash, mask_phone, Route};

use crate::auth::{Auth, AuthError};
use crate::config::Config;
use crate::ingest::{ingest, Ingested, Outcome};
use crate::metrics::{self, OutcomeClass};
use crate::store::{EventStore, StoreError};

/// Largest accepted body. Provider events are well under 2 KiB; 256 KiB leaves room for any
/// message a provider may relay, and an item with the raw body and its parsed copies still fits
/// DynamoDB's 400 KB (parsed copies are left out first, see `item::event_item`).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Time allowed for all table writes of one request. BotLinkd retries after 3 s; past this budget
/// the function answers 503 so that the provider retries instead of timing out.
pub const STORE_BUDGET: Duration = Duration::from_millis(2_200);

/// What a request that was handled without error came to.
#[derive(Debug)]
pub enum Handled {
    /// edna Pulse's HEAD check of the URL.
    UrlCheck,
    /// An authenticated body, stored.
    Ingested(Box<Ingested>),
}

/// Everything that can stop a request from being stored. [`WebhookError::status`] is the one
/// place where errors become HTTP status codes.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The path is not one of this function's routes.
    #[error("no webhook is served at {0}")]
    UnknownPath(String),
    /// Only POST (and HEAD on the edna route) are served.
    #[error("method {method} is not allowed on {route}")]
    MethodNotAllowed {
        /// The method used.
        method: Method,
        /// The route it was used on.
        route: Route,
    },
    /// Credentials missing or wrong.
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
    /// The body is over [`MAX_BODY_BYTES`].
    #[error("body is larger than {MAX_BODY_BYTES} bytes")]
    PayloadTooLarge,
    /// The table could not be written.
    #[error("the event could not be stored; retry later")]
    Storage(#[from] StoreError),
    /// The table writes did not finish within [`STORE_BUDGET`].
    #[error("the event could not be stored in time; retry later")]
    StorageTimeout,
}

impl WebhookError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookError::UnknownPath(_) => StatusCode::NOT_FOUND,
            WebhookError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            WebhookError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            WebhookError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::Storage(_) | WebhookError::StorageTimeout => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// A short, stable name for logs.
    pub fn reason(&self) -> &'static str {
        match self {
            WebhookError::UnknownPath(_) => "unknown_path",
            WebhookError::MethodNotAllowed { .. } => "method",
            WebhookError::Unauthorized(_) => "auth",
            WebhookError::PayloadTooLarge => "too_large",
            WebhookError::Storage(_) => "storage",
            WebhookError::StorageTimeout => "storage_timeout",
        }
    }
}

/// A webhook function: its routes, its authentication, and the store it writes.
#[derive(Debug)]
pub struct Receiver<S> {
    store: S,
    auth: Auth,
    routes: &'static [Route],
    metrics_namespace: String,
}

impl<S: EventStore> Receiver<S> {
    /// A receiver serving `routes`, built once per cold start.
    pub fn new(store: S, config: Config, routes: &'static [Route]) -> Receiver<S> {
        if matches!(config.auth, Auth::Disabled) {
            warn!("authentication is disabled (AUTH_DISABLED=true): every request is accepted");
        }
        Receiver {
            store,
            auth: config.auth,
            routes,
            metrics_namespace: config.metrics_namespace,
        }
    }

    /// The store, for tests that read back what was written.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles one request and always answers; only a storage fault gives a 5xx. Writes one log
    /// line and one metric line per request.
    pub async fn respond(&self, request: Request) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let route =
            Route::for_path(request.raw_http_path()).filter(|route| self.routes.contains(route));
        let result = self.handle(route, &request).await;
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let class = outcome_class(&result);
        let wrong_route = wrong_route(route, &result);
        log_request(route, &request, &result, class, wrong_route, latency_us);
        metrics::emit(
            &self.metrics_namespace,
            &measure(class, wrong_route, &result),
        );
        Ok(match result {
            Ok(handled) => success(&handled),
            Err(err) => failure(&err),
        })
    }

    async fn handle(
        &self,
        route: Option<Route>,
        request: &Request,
    ) -> Result<Handled, WebhookError> {
        let route =
            route.ok_or_else(|| WebhookError::UnknownPath(request.raw_http_path().to_owned()))?;
        match *request.method() {
            Method::POST => {}
            // edna Pulse verifies a URL with HEAD before registering it; it may not send the key.
            Method::HEAD if route == Route::EdnaClicks => return Ok(Handled::UrlCheck),
            ref method => {
                return Err(WebhookError::MethodNotAllowed {
                    method: method.clone(),
                    route,
                })
            }
        }
        self.auth.check(request)?;
        let body: &[u8] = request.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(WebhookError::PayloadTooLarge);
        }
        let ingested = tokio::time::timeout(STORE_BUDGET, ingest(&self.store, route, body))
            .await
            .map_err(|_| WebhookError::StorageTimeout)??;
        Ok(Handled::Ingested(Box::new(ingested)))
    }
}

fn outcome_class(result: &Result<Handled, WebhookError>) -> OutcomeClass {
    match result {
        Ok(Handled::UrlCheck) => OutcomeClass::UrlCheck,
        Ok(Handled::Ingested(ingested)) => match ingested.outcome {
            Outcome::Stored | Outcome::StoredCollision => OutcomeClass::Stored,
            Outcome::Duplicate | Outcome::QuarantinedAgain => OutcomeClass::Duplicate,
            Outcome::Quarantined => OutcomeClass::Quarantined,
        },
        Err(WebhookError::UnknownPath(_)) => OutcomeClass::UnknownPath,
        Err(WebhookError::MethodNotAllowed { .. }) => OutcomeClass::WrongMethod,
        Err(WebhookError::Unauthorized(_)) => OutcomeClass::Unauthorized,
        Err(WebhookError::PayloadTooLarge) => OutcomeClass::TooLarge,
        Err(WebhookError::Storage(_) | WebhookError::StorageTimeout) => OutcomeClass::Failed,
    }
}

fn measure(
    class: OutcomeClass,
    wrong_route: bool,
    result: &Result<Handled, WebhookError>,
) -> metrics::Measure {
    match (class, result) {
        (OutcomeClass::Stored, Ok(Handled::Ingested(ingested))) => match &ingested.parsed {
            Ok(record) => metrics::Measure::Stored {
                provider: record.provider().as_str(),
                kind: record.kind().as_str(),
                lag_seconds: 0.0,
                wrong_route,
            },
            Err(_) => metrics::Measure::Other(class),
        },
        (OutcomeClass::Failed, _) => metrics::Measure::Failed(metrics::FaultCause::Other),
        _ => metrics::Measure::Other(class),
    }
}

/// An event stored through a route not named for its kind (BotLinkd's dashboard URL is set up
/// with the other event ticked).
fn wrong_route(route: Option<Route>, result: &Result<Handled, WebhookError>) -> bool {
    match (route, result) {
        (Some(route), Ok(Handled::Ingested(ingested))) => ingested
            .parsed
            .as_ref()
            .is_ok_and(|record| !route.expects(record.kind())),
        _ => false,
    }
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

/// One log line per request. Keys are logged as a short hash and phone numbers masked: message
/// ids encode phone numbers. A payload error's message can quote the body, so only its reason
/// and field are logged.
fn log_request(
    route: Option<Route>,
    request: &Request,
    result: &Result<Handled, WebhookError>,
    class: OutcomeClass,
    wrong_route: bool,
    latency_us: u64,
) {
    let outcome = match result {
        Ok(Handled::UrlCheck) => "url_check".to_owned(),
        Ok(Handled::Ingested(ingested)) => ingested.outcome.as_str().to_owned(),
        Err(err) if class != OutcomeClass::Failed => format!("rejected:{}", err.reason()),
        Err(_) => "failed".to_owned(),
    };
    let route = route.map_or("-", Route::path);
    let parsed = match result {
        Ok(Handled::Ingested(ingested)) => Some(&ingested.parsed),
        _ => None,
    };
    let record = parsed.and_then(|parsed| parsed.as_ref().ok());
    let payload_error = parsed.and_then(|parsed| parsed.as_ref().err());
    let kind = record.map_or("-", |r| r.kind().as_str());
    let provider = record.map_or("-", |r| r.provider().as_str());
    let key = record.map_or_else(|| "-".to_owned(), |r| key_hash(&r.key.pk));
    let phone = record
        .and_then(|r| r.phone())
        .map_or_else(|| "-".to_owned(), mask_phone);
    let reason = payload_error.map_or("-", |err| err.reason());
    let field = payload_error.and_then(|err| err.field()).unwrap_or("-");
    let content_type = content_type_mismatch(request);
    let content_type = content_type.as_deref().unwrap_or("-");
    let detail = match result {
        Err(err) => err.to_string(),
        Ok(_) => String::new(),
    };
    macro_rules! request_line {
        ($level:ident) => {
            $level!(
                route,
                provider,
                kind,
                outcome,
                reason,
                field,
                key,
                phone,
                wrong_route,
                content_type,
                latency_us,
                error = detail,
                "webhook request"
            )
        };
    }
    match class {
        OutcomeClass::Stored
        | OutcomeClass::Duplicate
        | OutcomeClass::UrlCheck
        | OutcomeClass::Unmodelled => {
            if wrong_route {
                request_line!(warn)
            } else {
                request_line!(info)
            }
        }
        OutcomeClass::Quarantined
        | OutcomeClass::Unauthorized
        | OutcomeClass::TooLarge
        | OutcomeClass::UnknownPath
        | OutcomeClass::WrongMethod => request_line!(warn),
        OutcomeClass::Failed => request_line!(error),
    }
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn success(handled: &Handled) -> Response<Body> {
    let status = match handled {
        Handled::UrlCheck => return Response::new(Body::Empty),
        Handled::Ingested(ingested) => match ingested.outcome {
            Outcome::Stored | Outcome::StoredCollision => "stored",
            Outcome::Duplicate => "duplicate",
            Outcome::Quarantined | Outcome::QuarantinedAgain => "quarantined",
        },
    };
    json_response(StatusCode::OK, json!({ "status": status }))
}

fn failure(err: &WebhookError) -> Response<Body> {
    let mut response = json_response(err.status(), json!({ "error": err.to_string() }));
    let headers = response.headers_mut();
    match err {
        WebhookError::MethodNotAllowed { route, .. } => {
            let allow = if *route == Route::EdnaClicks {
                "POST, HEAD"
            } else {
                "POST"
            };
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        WebhookError::Storage(_) | WebhookError::StorageTimeout => {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    response
}
