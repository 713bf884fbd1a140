//! What became of one request: the one value ([`Disposition`]) that the handler builds once and
//! that the HTTP answer (here), the metric (`Measure::of`) and the log line (`request_line`) each
//! read once. [`WebhookError`] is why a request was refused or not stored, and
//! [`WebhookError::status`] is the one place where errors become HTTP status codes.

use std::future::Future;
use std::pin::Pin;

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, IntoResponse, Response};
use serde_json::{json, Value};
use webhook_payload::{EventRecord, PayloadError, Route};
use webhook_table::{Outcome, StoreError};

use crate::auth::AuthError;

/// Largest accepted body. Provider events are well under 2 KiB; 256 KiB leaves room for any
/// message a provider may relay, and an item with the raw body, its keys and its times still
/// fits DynamoDB's 400 KB (`item::tests::a_body_at_the_cap_fits_the_item_limit`).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What became of one request.
#[derive(Debug)]
pub enum Disposition {
    /// edna Pulse's HEAD check of one of its URLs: nothing read or written.
    UrlCheck,
    /// An authenticated body that is an event, and is in the table: written now
    /// ([`Outcome::Stored`], or [`Outcome::StoredCollision`] beside another body under its key)
    /// or already there ([`Outcome::Duplicate`]).
    Event {
        /// The event.
        record: Box<EventRecord>,
        /// What the store did with it.
        outcome: Outcome,
        /// Whether it came through a route not named for its kind (BotLinkd's dashboard URL set
        /// up with the other event ticked): stored all the same, logged and counted.
        wrong_route: bool,
    },
    /// An authenticated body that is no event, kept raw in quarantine: now
    /// ([`Outcome::Quarantined`]) or already ([`Outcome::QuarantinedAgain`]).
    Quarantined {
        /// Why the body is no event.
        error: PayloadError,
        /// What the store did with it.
        outcome: Outcome,
    },
    /// Refused (4xx), or not stored (503).
    Error(WebhookError),
}

/// Everything that can stop a request from being stored.
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
    /// The table writes did not finish within the handler's budget (`STORE_BUDGET`).
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

impl IntoResponse for Disposition {
    /// The HTTP answer: empty for edna's URL check; a 200 saying what became of the body, as
    /// JSON; or the error as JSON, with `Allow` on a 405 and `Retry-After` on a 503.
    fn into_response(self) -> Pin<Box<dyn Future<Output = Response<Body>> + Send>> {
        let (status, body, header) = match self {
            Disposition::UrlCheck => return Box::pin(async { Response::new(Body::Empty) }),
            Disposition::Event { outcome, .. } | Disposition::Quarantined { outcome, .. } => {
                (StatusCode::OK, json!({ "status": outcome.answer() }), None)
            }
            Disposition::Error(err @ WebhookError::MethodNotAllowed { route, .. }) => (
                err.status(),
                message(&err),
                Some((header::ALLOW, route.methods())),
            ),
            Disposition::Error(err @ (WebhookError::Storage(_) | WebhookError::StorageTimeout)) => {
                (
                    err.status(),
                    message(&err),
                    Some((header::RETRY_AFTER, "1")),
                )
            }
            Disposition::Error(err) => (err.status(), message(&err), None),
        };
        Box::pin(async move {
            let mut response = (status, body).into_response().await;
            if let Some((name, value)) = header {
                response
                    .headers_mut()
                    .insert(name, HeaderValue::from_static(value));
            }
            response
        })
    }
}

/// An error's answer body: its message as JSON (never a code, a cause or an input).
fn message(err: &WebhookError) -> Value {
    json!({ "error": err.to_string() })
}
