//! What each request counts, as CloudWatch Embedded Metric Format (EMF) fields of the request's
//! one log line: CloudWatch turns any JSON log line that carries `_aws` metadata into metrics,
//! without an agent, an SDK call or any extra latency.
//!
//! A custom metric (name x dimension values) is billed for every hour it receives data, so the
//! line counts as little as the alarms need (docs/operations.md, "Metrics and what they cost"):
//! - an event stored now: `DeliveryLag` (seconds from the provider's time to ours) by `Provider`
//!   and `Kind`. Its sample count is the number of events stored, so the most frequent outcome
//!   needs no second metric;
//! - any other request: `Requests` = 1 by `Outcome`, and a storage fault also by its `Cause`;
//! - an event stored through a route not named for its kind: `WrongRoute` = 1 beside the lag.

use std::time::SystemTime;

use serde_json::{json, Map, Value};
use webhook_payload::{seconds_until, EventKind, Provider};
use webhook_table::FaultCause;
use webhook_table::Outcome;

use crate::disposition::{Disposition, WebhookError};

/// The class of a request: the value of the `Outcome` dimension (and of the log line's
/// `Outcome`), from its [`Disposition`] (`Measure::of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestClass {
    /// A modelled event, written now (counted through `DeliveryLag`).
    Stored,
    /// An event or body already stored: nothing written.
    Duplicate,
    /// An authenticated event of its provider that this code does not model, stored as such.
    Unmodelled,
    /// Authenticated, but broken: stored raw in quarantine for a replay.
    Quarantined,
    /// edna's HEAD check of a URL: nothing to store.
    UrlCheck,
    /// 401: credentials missing or wrong; nothing written.
    Unauthorized,
    /// 413: the body is over the size limit; nothing written.
    TooLarge,
    /// 404: no webhook at this path.
    UnknownPath,
    /// 405: a method other than POST (and HEAD on edna's routes).
    WrongMethod,
    /// 503: not stored (a storage fault, see [`FaultCause`]); the provider will retry.
    Failed,
}

impl RequestClass {
    /// Every class, in the order the dashboard and the docs list them.
    #[cfg(any(test, feature = "testing"))]
    pub const ALL: [RequestClass; 10] = [
        RequestClass::Stored,
        RequestClass::Duplicate,
        RequestClass::Unmodelled,
        RequestClass::Quarantined,
        RequestClass::UrlCheck,
        RequestClass::Unauthorized,
        RequestClass::TooLarge,
        RequestClass::UnknownPath,
        RequestClass::WrongMethod,
        RequestClass::Failed,
    ];

    /// The dimension value, and the `Outcome` of the log line.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestClass::Stored => "stored",
            RequestClass::Duplicate => "duplicate",
            RequestClass::Unmodelled => "unmodelled",
            RequestClass::Quarantined => "quarantined",
            RequestClass::UrlCheck => "url_check",
            RequestClass::Unauthorized => "unauthorized",
            RequestClass::TooLarge => "too_large",
            RequestClass::UnknownPath => "unknown_path",
            RequestClass::WrongMethod => "wrong_method",
            RequestClass::Failed => "failed",
        }
    }

    /// Whether the request is counted as `Requests` by `Outcome` (every class but `Stored`,
    /// which is counted by `DeliveryLag`'s sample count).
    #[cfg(any(test, feature = "testing"))]
    pub fn counts_requests(self) -> bool {
        self != RequestClass::Stored
    }
}

/// Name of the metric that counts requests, by `Outcome` (and a storage fault by `Cause`).
pub const REQUESTS_METRIC: &str = "Requests";
/// Name of the metric of seconds from the provider's event time to its storage, by `Provider`
/// and `Kind`: one sample per event stored now.
pub const DELIVERY_LAG_METRIC: &str = "DeliveryLag";
/// Name of the metric that counts events stored through a route not named for their kind (an
/// ack on `/botlinkd/messages`): the dashboard URL is set up wrong, though nothing is lost.
pub const WRONG_ROUTE_METRIC: &str = "WrongRoute";

/// Name of the metric a cold start writes once for each weak secret it was configured with, by
/// `Cause` ([`WeakSecret`]): the secret is used, and an operator is told to replace it.
pub const WEAK_SECRET_METRIC: &str = "WeakSecret";

/// Why a configured secret is weak (the `Cause` of [`WEAK_SECRET_METRIC`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeakSecret {
    /// A secret of `provider` shorter than the `guessable_below_chars` its declaration gives
    /// (edna's keys: 16): a guess offered in every header of one request may find it.
    Short {
        /// Whose secret it is.
        provider: Provider,
        /// The length it is under.
        below_chars: usize,
    },
}

impl WeakSecret {
    /// The `Cause` dimension value (`short_edna_key`).
    pub fn cause(self) -> String {
        match self {
            WeakSecret::Short { provider, .. } => format!(
                "short_{}_{}",
                provider.as_str(),
                provider.declaration().credentials.secret_noun
            ),
        }
    }

    /// What an operator is told: what is weak, and what to do (never the secret nor its length).
    fn message(self) -> String {
        match self {
            WeakSecret::Short {
                provider,
                below_chars,
            } => {
                let noun = provider.declaration().credentials.secret_noun;
                format!(
                    "a configured {} {noun} is shorter than {below_chars} characters and can be \
                     guessed; generate a new {noun} in {provider} and rotate it (docs/deploy.md, \
                     \"Rotate secrets\")",
                    provider.as_str()
                )
            }
        }
    }

    /// The cold start's WARN line for it, which is also its EMF document under `namespace`:
    /// the cause and what to do, never the secret nor its length.
    pub fn line(self, namespace: &str, timestamp_ms: u64) -> String {
        json!({
            "level": "WARN",
            "message": self.message(),
            CAUSE_DIMENSION: self.cause(),
            WEAK_SECRET_METRIC: 1,
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [[CAUSE_DIMENSION]],
                    "Metrics": [{ "Name": WEAK_SECRET_METRIC }]
                }]
            }
        })
        .to_string()
    }
}

/// Dimension of `Requests`: the [`RequestClass`].
pub const OUTCOME_DIMENSION: &str = "Outcome";
/// Second dimension set of `Requests` on a storage fault: the [`FaultCause`].
pub const CAUSE_DIMENSION: &str = "Cause";
/// Dimension of `DeliveryLag` and `WrongRoute`: the provider (`edna`, `botlinkd`).
pub const PROVIDER_DIMENSION: &str = "Provider";
/// Dimension of `DeliveryLag` and `WrongRoute`: the event kind (`click`, `message`, `ack`).
pub const KIND_DIMENSION: &str = "Kind";

/// What one request counts.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// An event stored now: its provider, kind, lag in seconds, and whether it came through a
    /// route not named for its kind.
    Stored {
        /// `edna` or `botlinkd`.
        provider: &'static str,
        /// `click`, `message` or `ack`.
        kind: &'static str,
        /// Seconds from the provider's time to ours (never negative).
        lag_seconds: f64,
        /// Counted as `WrongRoute` too.
        wrong_route: bool,
    },
    /// A storage fault, by cause.
    Failed(FaultCause),
    /// Any other class of request.
    Other(RequestClass),
}

impl Measure {
    /// What `disposition` counts, `now`: the lag of an event stored now, the cause of a storage
    /// fault, or its class.
    pub(crate) fn of(disposition: &Disposition, now: SystemTime) -> Measure {
        match disposition {
            Disposition::UrlCheck => Measure::Other(RequestClass::UrlCheck),
            Disposition::Event {
                outcome: Outcome::Duplicate,
                ..
            }
            | Disposition::Quarantined {
                outcome: Outcome::QuarantinedAgain,
                ..
            } => Measure::Other(RequestClass::Duplicate),
            Disposition::Quarantined { .. } => Measure::Other(RequestClass::Quarantined),
            Disposition::Event {
                record,
                wrong_route,
                ..
            } => match seconds_until(&record.occurred_at, now) {
                Some(lag_seconds) if record.kind() != EventKind::Unmodelled => Measure::Stored {
                    provider: record.provider().as_str(),
                    kind: record.kind().as_str(),
                    lag_seconds,
                    wrong_route: *wrong_route,
                },
                // No provider time to measure from.
                _ => Measure::Other(RequestClass::Unmodelled),
            },
            Disposition::Error(WebhookError::UnknownPath(_)) => {
                Measure::Other(RequestClass::UnknownPath)
            }
            Disposition::Error(WebhookError::MethodNotAllowed { .. }) => {
                Measure::Other(RequestClass::WrongMethod)
            }
            Disposition::Error(WebhookError::Unauthorized(_)) => {
                Measure::Other(RequestClass::Unauthorized)
            }
            Disposition::Error(WebhookError::PayloadTooLarge) => {
                Measure::Other(RequestClass::TooLarge)
            }
            Disposition::Error(WebhookError::Storage(err)) => Measure::Failed(err.cause()),
            Disposition::Error(WebhookError::StorageTimeout) => {
                Measure::Failed(FaultCause::Timeout)
            }
        }
    }

    /// The class of request this measure counts.
    pub fn class(&self) -> RequestClass {
        match self {
            Measure::Stored { .. } => RequestClass::Stored,
            Measure::Failed(_) => RequestClass::Failed,
            Measure::Other(class) => *class,
        }
    }

    /// The EMF fields of this measure (`_aws`, the dimension values and the metric values), to
    /// be merged into the request's log line under `namespace`, dated `timestamp_ms`.
    pub fn emf_fields(&self, namespace: &str, timestamp_ms: u64) -> Map<String, Value> {
        let mut fields = Map::new();
        let (dimensions, metrics) = match self {
            Measure::Stored {
                provider,
                kind,
                lag_seconds,
                wrong_route,
            } => {
                fields.insert(PROVIDER_DIMENSION.into(), json!(provider));
                fields.insert(KIND_DIMENSION.into(), json!(kind));
                // Milliseconds are enough, and keep the line short.
                let lag = (lag_seconds.max(0.0) * 1000.0).round() / 1000.0;
                fields.insert(DELIVERY_LAG_METRIC.into(), json!(lag));
                let mut metrics = vec![json!({ "Name": DELIVERY_LAG_METRIC })];
                if *wrong_route {
                    fields.insert(WRONG_ROUTE_METRIC.into(), json!(1));
                    metrics.push(json!({ "Name": WRONG_ROUTE_METRIC }));
                }
                (json!([[PROVIDER_DIMENSION, KIND_DIMENSION]]), metrics)
            }
            Measure::Failed(cause) => {
                fields.insert(CAUSE_DIMENSION.into(), json!(cause.as_str()));
                fields.insert(REQUESTS_METRIC.into(), json!(1));
                (
                    json!([[OUTCOME_DIMENSION], [CAUSE_DIMENSION]]),
                    vec![json!({ "Name": REQUESTS_METRIC })],
                )
            }
            Measure::Other(_) => {
                fields.insert(REQUESTS_METRIC.into(), json!(1));
                (
                    json!([[OUTCOME_DIMENSION]]),
                    vec![json!({ "Name": REQUESTS_METRIC })],
                )
            }
        };
        fields.insert(OUTCOME_DIMENSION.into(), json!(self.class().as_str()));
        fields.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": dimensions,
                    "Metrics": metrics
                }]
            }),
        );
        fields
    }
}

/// The EMF document of `measure` alone, as one JSON line (what the template tests read).
#[cfg(any(test, feature = "testing"))]
pub fn emf_line(namespace: &str, measure: &Measure, timestamp_ms: u64) -> String {
    Value::Object(measure.emf_fields(namespace, timestamp_ms)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(measure: &Measure) -> Value {
        serde_json::from_str(&emf_line(
            "WhatsAppWebhooks/prod",
            measure,
            1_700_000_000_000,
        ))
        .unwrap()
    }

    #[test]
    fn a_refusal_counts_one_request_by_outcome() {
        let line = line(&Measure::Other(RequestClass::Unauthorized));
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "WhatsAppWebhooks/prod");
        assert_eq!(directive["Dimensions"], json!([["Outcome"]]));
        assert_eq!(directive["Metrics"], json!([{ "Name": "Requests" }]));
        assert_eq!(line["Outcome"], "unauthorized");
        assert_eq!(line["Requests"], 1);
        assert!(line.get("DeliveryLag").is_none());
    }

    #[test]
    fn a_storage_fault_counts_by_outcome_and_by_cause() {
        let line = line(&Measure::Failed(FaultCause::AccessDenied));
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["Outcome"], ["Cause"]]));
        assert_eq!(line["Outcome"], "failed");
        assert_eq!(line["Cause"], "access_denied");
        assert_eq!(line["Requests"], 1);
    }

    #[test]
    fn a_stored_event_counts_its_lag_by_provider_and_kind_and_no_request() {
        let line = line(&Measure::Stored {
            provider: "botlinkd",
            kind: "ack",
            lag_seconds: 12.345_678,
            wrong_route: true,
        });
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["Provider", "Kind"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{ "Name": "DeliveryLag" }, { "Name": "WrongRoute" }])
        );
        assert_eq!(line["DeliveryLag"], 12.346);
        assert_eq!(line["WrongRoute"], 1);
        assert_eq!(
            (line["Provider"].clone(), line["Kind"].clone()),
            (json!("botlinkd"), json!("ack"))
        );
        assert_eq!(line["Outcome"], "stored");
        assert!(line.get("Requests").is_none());
    }

    #[test]
    fn a_provider_clock_ahead_of_ours_is_no_negative_lag() {
        let line = line(&Measure::Stored {
            provider: "edna",
            kind: "click",
            lag_seconds: -3.0,
            wrong_route: false,
        });
        assert_eq!(line["DeliveryLag"], 0.0);
        assert!(line.get("WrongRoute").is_none());
    }

    #[test]
    fn a_weak_secret_counts_once_by_cause_at_warn() {
        let short_edna_key = WeakSecret::Short {
            provider: Provider::Edna,
            below_chars: 16,
        };
        let line: Value =
            serde_json::from_str(&short_edna_key.line("WhatsAppWebhooks/prod", 7)).unwrap();
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "WhatsAppWebhooks/prod");
        assert_eq!(directive["Dimensions"], json!([["Cause"]]));
        assert_eq!(directive["Metrics"], json!([{ "Name": "WeakSecret" }]));
        assert_eq!(line["Cause"], "short_edna_key");
        assert_eq!(
            line["message"],
            "a configured edna key is shorter than 16 characters and can be guessed; generate a \
             new key in edna Pulse and rotate it (docs/deploy.md, \"Rotate secrets\")"
        );
        assert_eq!(line["WeakSecret"], 1);
        assert_eq!(line["level"], "WARN");
    }

    #[test]
    fn dynamodb_error_codes_map_to_their_cause() {
        for (code, cause) in [
            (
                "ProvisionedThroughputExceededException",
                FaultCause::Throttled,
            ),
            ("ThrottlingException", FaultCause::Throttled),
            ("AccessDeniedException", FaultCause::AccessDenied),
            ("UnrecognizedClientException", FaultCause::AccessDenied),
            ("ValidationException", FaultCause::Validation),
            ("ResourceNotFoundException", FaultCause::Validation),
            ("InternalServerError", FaultCause::Other),
        ] {
            assert_eq!(FaultCause::of_error_code(code), cause, "{code}");
        }
        assert!(FaultCause::AccessDenied.is_permanent() && FaultCause::Validation.is_permanent());
        assert!(!FaultCause::Throttled.is_permanent() && !FaultCause::Timeout.is_permanent());
    }
}
