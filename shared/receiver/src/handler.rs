//! One request in, one response out: the pipeline every webhook function runs.
//!
//! Only what cannot be a webhook (unknown path, wrong method, oversized body) or comes from an
//! unproven sender (401) is refused. Every authenticated body is stored: as an event, or raw in
//! quarantine. A 200 is sent only after that write; a storage fault is a fast 503.

use std::convert::Infallible;
use std::time::{Duration, Instant, SystemTime};

use lambda_http::http::Method;
use lambda_http::{Body, IntoResponse, Request, RequestExt, Response};
use tracing::warn;
use webhook_payload::{parse_event, Provider, QuarantineRecord, Route, UrlCheck};
use webhook_table::{EventStore, StoreError};

use crate::auth::{Auth, AuthError};
use crate::config::Config;
use crate::disposition::{Disposition, WebhookError, MAX_BODY_BYTES};
use crate::request_line::{request_line, LineSink};

/// Time allowed for all table writes of one request. BotLinkd retries after 3 s; past this budget
/// the function answers 503 so that the provider retries instead of timing out.
pub const STORE_BUDGET: Duration = Duration::from_millis(2_200);

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

    /// Handles one request and always answers; only a storage fault gives a 5xx. What became of
    /// it is one [`Disposition`], from which come the one log line (which carries the request's
    /// metrics too) and the answer.
    pub async fn respond(&self, request: Request) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let route =
            Route::for_path(request.raw_http_path()).filter(|route| self.routes.contains(route));
        let disposition = self
            .handle(route, &request)
            .await
            .unwrap_or_else(Disposition::Error);
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.lines.write(&request_line(
            &request,
            route,
            &disposition,
            latency_us,
            &self.metrics_namespace,
            SystemTime::now(),
        ));
        Ok(disposition.into_response().await)
    }

    /// What became of `request` on `route`: the route and method checks, the credentials, the
    /// size limit, then [`ingest`] within [`STORE_BUDGET`]. `Err` is a refusal or a storage fault.
    async fn handle(
        &self,
        route: Option<Route>,
        request: &Request,
    ) -> Result<Disposition, WebhookError> {
        let route =
            route.ok_or_else(|| WebhookError::UnknownPath(request.raw_http_path().to_owned()))?;
        match *request.method() {
            Method::POST => {}
            // A provider that declares a HEAD check (edna Pulse) sends it before registering a URL,
            // without its credentials.
            Method::HEAD if route.url_check() == Some(UrlCheck::Head) => {
                return Ok(Disposition::UrlCheck)
            }
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
            .map_or(
                Err(AuthError::NoKey {
                    sender: route.provider().declaration().display_name,
                }),
                |(_, auth)| auth.check(request),
            )?;
        let body: &[u8] = request.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(WebhookError::PayloadTooLarge);
        }
        tokio::time::timeout(STORE_BUDGET, ingest(&self.store, route, body))
            .await
            .map_err(|_| WebhookError::StorageTimeout)?
            .map_err(WebhookError::Storage)
    }
}

/// What happens to an authenticated webhook body: it becomes an event, stored exactly once, or,
/// when it cannot, it is quarantined raw. Nothing the provider proved it sent is refused.
/// `Err` means nothing durable can be promised (the caller answers 5xx and the provider retries).
pub async fn ingest(
    store: &impl EventStore,
    route: Route,
    body: &[u8],
) -> Result<Disposition, StoreError> {
    Ok(match parse_event(route, body) {
        Ok(record) => Disposition::Event {
            outcome: store.store_event(&record).await?,
            wrong_route: !route.expects(record.kind()),
            record: Box::new(record),
        },
        Err(error) => Disposition::Quarantined {
            outcome: store
                .quarantine(&QuarantineRecord::new(route, body, &error))
                .await?,
            error,
        },
    })
}
