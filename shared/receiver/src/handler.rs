//! One request in, one response out: the pipeline every webhook function runs.
//!
//! Only what cannot be a webhook (unknown path, wrong method, oversized body) or comes from an
//! unproven sender (401) is refused. Every authenticated body is stored: as an event, or raw in
//! quarantine. A 200 is sent only after that write; a storage fault is a fast 503.

use std::convert::Infallible;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, IntoResponse, Request, RequestExt, Response};
use serde_json::json;
use tracing::warn;
use webhook_payload::{seconds_until, EventKind, Provider, Route};

use crate::auth::{Auth, AuthError};
use crate::config::Config;
use crate::ingest::{ingest, Ingested};
use crate::metrics::{FaultCause, Measure, OutcomeClass};
use crate::request_line::{request_line, Answered, LineSink};
use webhook_table::{EventStore, Outcome, StoreError};

/// Largest accepted body. Provider events are well under 2 KiB; 256 KiB leaves room for any
/// message a provider may relay, and an item with the raw body, its keys and its times still
/// fits DynamoDB's 400 KB (`item::tests::a_body_at_the_cap_fits_the_item_limit`).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Time allowed for all table writes of one request. BotLinkd retries after 3 s; past this budget
/// the function answers 503 so that the provider retries instead of timing out.
pub const STORE_BUDGET: Duration = Duration::from_millis(2_200);

/// What a request that was handled without error came to.
#[derive(Debug)]
pub enum Handled {
    /// edna Pulse's HEAD check of one of its URLs.
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
    /// Only POST (and HEAD on edna's routes) are served.
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
}

/// A webhook function: its routes, its authentication, and the store it writes.
#[derive(Debug)]
pub struct Receiver<S> {
    store: S,
    auth: Vec<(Provider, Auth)>,
    routes: &'static [Route],
    metrics_namespace: String,
    lines: LineSink,
}

impl<S: EventStore> Receiver<S> {
    /// A receiver serving `routes`, built once per cold start.
    pub fn new(store: S, config: Config, routes: &'static [Route]) -> Receiver<S> {
        for (provider, auth) in &config.auth {
            if matches!(auth, Auth::Disabled) {
                warn!(
                    provider = provider.as_str(),
                    "authentication is disabled: every request of this provider is accepted"
                );
            }
        }
        Receiver {
            store,
            auth: config.auth,
            routes,
            metrics_namespace: config.metrics_namespace,
            lines: LineSink::default(),
        }
    }

    /// The same receiver, writing its request lines to `lines` instead of stdout.
    #[cfg(feature = "testing")]
    pub fn with_lines(mut self, lines: LineSink) -> Receiver<S> {
        self.lines = lines;
        self
    }

    /// The store, for tests that read back what was written.
    #[cfg(any(test, feature = "testing"))]
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles one request and always answers; only a storage fault gives a 5xx. Writes one log
    /// line per request, which carries the request's metrics too.
    pub async fn respond(&self, request: Request) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let route =
            Route::for_path(request.raw_http_path()).filter(|route| self.routes.contains(route));
        let result = self.handle(route, &request).await;
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let now = SystemTime::now();
        let wrong_route = wrong_route(route, &result);
        let answered = Answered {
            request: &request,
            route,
            result: &result,
            measure: &measure(&result, wrong_route, now),
            wrong_route,
            latency_us,
        };
        let now_ms = now.duration_since(UNIX_EPOCH).map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
        self.lines
            .write(&request_line(&answered, &self.metrics_namespace, now_ms));
        Ok(match result {
            Ok(handled) => success(&handled).await,
            Err(err) => failure(&err).await,
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
            Method::HEAD if route.checks_url_with_head() => return Ok(Handled::UrlCheck),
            ref method => {
                return Err(WebhookError::MethodNotAllowed {
                    method: method.clone(),
                    route,
                })
            }
        }
        self.auth
            .iter()
            .find(|(provider, _)| *provider == route.provider())
            // A route whose provider has no configuration cannot prove its sender.
            .map_or(Err(AuthError::NoKey), |(_, auth)| auth.check(request))?;
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

/// What a request counts: the lag of an event stored now, the cause of a storage fault, or
/// its outcome.
fn measure(result: &Result<Handled, WebhookError>, wrong_route: bool, now: SystemTime) -> Measure {
    let ingested = match result {
        Ok(Handled::UrlCheck) => return Measure::Other(OutcomeClass::UrlCheck),
        Ok(Handled::Ingested(ingested)) => ingested,
        Err(WebhookError::UnknownPath(_)) => return Measure::Other(OutcomeClass::UnknownPath),
        Err(WebhookError::MethodNotAllowed { .. }) => {
            return Measure::Other(OutcomeClass::WrongMethod)
        }
        Err(WebhookError::Unauthorized(_)) => return Measure::Other(OutcomeClass::Unauthorized),
        Err(WebhookError::PayloadTooLarge) => return Measure::Other(OutcomeClass::TooLarge),
        Err(WebhookError::Storage(err)) => return Measure::Failed(err.cause()),
        Err(WebhookError::StorageTimeout) => return Measure::Failed(FaultCause::Timeout),
    };
    match (ingested.outcome, &ingested.parsed) {
        (Outcome::Duplicate | Outcome::QuarantinedAgain, _) => {
            Measure::Other(OutcomeClass::Duplicate)
        }
        (Outcome::Quarantined, _) | (_, Err(_)) => Measure::Other(OutcomeClass::Quarantined),
        (Outcome::Stored | Outcome::StoredCollision, Ok(record)) => {
            match seconds_until(&record.occurred_at, now) {
                Some(lag_seconds) if record.kind() != EventKind::Unmodelled => Measure::Stored {
                    provider: record.provider().as_str(),
                    kind: record.kind().as_str(),
                    lag_seconds,
                    wrong_route,
                },
                // No provider time to measure from.
                _ => Measure::Other(OutcomeClass::Unmodelled),
            }
        }
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

/// The 200 answer: empty for edna's URL check, else what became of the body, as JSON.
async fn success(handled: &Handled) -> Response<Body> {
    match handled {
        Handled::UrlCheck => Response::new(Body::Empty),
        Handled::Ingested(ingested) => {
            (
                StatusCode::OK,
                json!({ "status": ingested.outcome.answer() }),
            )
                .into_response()
                .await
        }
    }
}

/// The refusal or fault as JSON, with `Allow` on a 405 and `Retry-After` on a 503.
async fn failure(err: &WebhookError) -> Response<Body> {
    let mut response = (err.status(), json!({ "error": err.to_string() }))
        .into_response()
        .await;
    let headers = response.headers_mut();
    match err {
        WebhookError::MethodNotAllowed { route, .. } => {
            headers.insert(header::ALLOW, HeaderValue::from_static(route.methods()));
        }
        WebhookError::Storage(_) | WebhookError::StorageTimeout => {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    response
}
