//! One request in, one response out: the pipeline every webhook function runs.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;
use tracing::{error, info, warn};
use webhook_payload::{mask_phone, parse_event, EventRecord, PayloadError, Route};

use crate::auth::{Auth, AuthError};
use crate::config::Config;
use crate::metrics::{self, OutcomeClass};
use crate::store::{EventStore, PutOutcome, StoreError};

/// Largest accepted body. Provider events are well under 2 KiB; the limit also keeps every item
/// (raw body plus parsed fields) far below DynamoDB's 400 KB item limit.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Time allowed for all table writes of one request. BotLinkd retries after 3 s; past this budget
/// the function answers 503 so that the provider retries instead of timing out.
pub const STORE_BUDGET: Duration = Duration::from_millis(2_200);

/// A successful handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The event was written.
    Stored,
    /// The event was already stored.
    Duplicate,
    /// Another event held the same idempotency key; this one was stored beside it.
    StoredCollision,
    /// edna Pulse's HEAD check of the URL.
    UrlCheck,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Stored => "stored",
            Outcome::Duplicate => "duplicate",
            Outcome::StoredCollision => "stored:collision",
            Outcome::UrlCheck => "url_check",
        }
    }
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
    /// The body is not declared as JSON.
    #[error("content type {0:?} is not supported; send application/json")]
    UnsupportedMediaType(String),
    /// The body is over [`MAX_BODY_BYTES`].
    #[error("body is larger than {MAX_BODY_BYTES} bytes")]
    PayloadTooLarge,
    /// The body is not a valid event for this route.
    #[error(transparent)]
    Payload(#[from] PayloadError),
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
            WebhookError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebhookError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::Payload(err) => match err {
                PayloadError::MalformedJson(_)
                | PayloadError::MissingField(_)
                | PayloadError::InvalidField { .. } => StatusCode::BAD_REQUEST,
                PayloadError::WrongRoute { .. } | PayloadError::UnsupportedEvent { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
            },
            WebhookError::Storage(_) | WebhookError::StorageTimeout => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// A short, stable name for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            WebhookError::UnknownPath(_) => "unknown_path",
            WebhookError::MethodNotAllowed { .. } => "method",
            WebhookError::Unauthorized(_) => "auth",
            WebhookError::UnsupportedMediaType(_) => "content_type",
            WebhookError::PayloadTooLarge => "too_large",
            WebhookError::Payload(PayloadError::WrongRoute { .. }) => "wrong_route",
            WebhookError::Payload(PayloadError::UnsupportedEvent { .. }) => "unsupported_event",
            WebhookError::Payload(_) => "invalid_payload",
            WebhookError::Storage(_) => "storage",
            WebhookError::StorageTimeout => "storage_timeout",
        }
    }
}

/// A webhook function: its routes, its authentication, and the table it writes.
#[derive(Debug)]
pub struct Receiver {
    store: EventStore,
    auth: Auth,
    routes: &'static [Route],
    metrics_namespace: String,
}

impl Receiver {
    /// A receiver serving `routes`, built once per cold start.
    pub fn new(store: EventStore, config: Config, routes: &'static [Route]) -> Receiver {
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

    /// Handles one request and always answers; only a storage fault gives a 5xx. Writes one log
    /// line and one metric line per request.
    pub async fn respond(&self, request: Request) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let route =
            Route::for_path(request.raw_http_path()).filter(|route| self.routes.contains(route));
        let mut record = None;
        let result = self.handle(route, &request, &mut record).await;
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);

        let class = OutcomeClass::of(&result);
        let outcome = match &result {
            Ok(outcome) => outcome.as_str().to_owned(),
            Err(err) if class == OutcomeClass::Rejected => format!("rejected:{}", err.reason()),
            Err(_) => "failed".to_owned(),
        };
        let route = route.map_or("-", Route::path);
        let record = record.as_ref();
        let kind = record.map_or("-", |r| r.kind().as_str());
        let provider = record.map_or("-", |r| r.provider().as_str());
        let pk = record.map_or("-", |r| r.key.pk.as_str());
        let phone = record.and_then(EventRecord::phone).map(mask_phone);
        let phone = phone.as_deref().unwrap_or("-");
        let (field, detail) = match &result {
            Ok(_) => ("-", String::new()),
            // Payload errors can quote the offending value (a phone number, a message body): log
            // only which field was wrong.
            Err(WebhookError::Payload(err)) => (err.field().unwrap_or("-"), String::new()),
            Err(WebhookError::Storage(err)) => ("-", err.to_string()),
            Err(err) => ("-", err.to_string()),
        };
        macro_rules! request_line {
            ($level:ident) => {
                $level!(
                    route,
                    provider,
                    kind,
                    outcome,
                    field,
                    pk,
                    phone,
                    latency_us,
                    error = detail,
                    "webhook request"
                )
            };
        }
        match class {
            OutcomeClass::Stored | OutcomeClass::Duplicate | OutcomeClass::UrlCheck => {
                request_line!(info)
            }
            OutcomeClass::Rejected => request_line!(warn),
            OutcomeClass::Failed => request_line!(error),
        }
        metrics::emit(&self.metrics_namespace, class);
        Ok(match result {
            Ok(outcome) => success(outcome),
            Err(err) => failure(&err),
        })
    }

    async fn handle(
        &self,
        route: Option<Route>,
        request: &Request,
        record: &mut Option<EventRecord>,
    ) -> Result<Outcome, WebhookError> {
        let route =
            route.ok_or_else(|| WebhookError::UnknownPath(request.raw_http_path().to_owned()))?;
        match *request.method() {
            Method::POST => {}
            // edna Pulse verifies a URL with HEAD before registering it; it may not send the key.
            Method::HEAD if route == Route::EdnaClicks => return Ok(Outcome::UrlCheck),
            ref method => {
                return Err(WebhookError::MethodNotAllowed {
                    method: method.clone(),
                    route,
                })
            }
        }
        self.auth.check(request)?;
        check_content_type(request)?;
        let body: &[u8] = request.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(WebhookError::PayloadTooLarge);
        }
        let parsed = record.insert(parse_event(route, body)?);
        tokio::time::timeout(STORE_BUDGET, self.store_event(parsed))
            .await
            .map_err(|_| WebhookError::StorageTimeout)?
    }

    /// Writes the event, then (for an ack) moves the message status. The status is moved even
    /// for a duplicate, so that a retry after a failure between the two writes converges.
    async fn store_event(&self, record: &EventRecord) -> Result<Outcome, WebhookError> {
        let outcome = match self.store.put_once(record).await? {
            PutOutcome::Stored => Outcome::Stored,
            PutOutcome::Duplicate => Outcome::Duplicate,
            PutOutcome::StoredCollision => Outcome::StoredCollision,
        };
        if let Some(change) = record.status_change() {
            self.store.advance_status(&change).await?;
        }
        Ok(outcome)
    }
}

/// A missing content type is accepted (some senders omit it); a declared one must be JSON.
fn check_content_type(request: &Request) -> Result<(), WebhookError> {
    let Some(value) = request.headers().get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let declared = value.to_str().unwrap_or_default();
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(WebhookError::UnsupportedMediaType(declared.to_owned()))
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

fn success(outcome: Outcome) -> Response<Body> {
    match outcome {
        Outcome::UrlCheck => Response::new(Body::Empty),
        Outcome::Duplicate => json_response(StatusCode::OK, json!({ "status": "duplicate" })),
        Outcome::Stored | Outcome::StoredCollision => {
            json_response(StatusCode::OK, json!({ "status": "stored" }))
        }
    }
}

fn failure(err: &WebhookError) -> Response<Body> {
    let mut body = json!({ "error": err.to_string() });
    if let WebhookError::Payload(payload) = err {
        if let Some(field) = payload.field() {
            body["field"] = json!(field);
        }
    }
    let mut response = json_response(err.status(), body);
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
