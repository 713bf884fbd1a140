//! Per-request counts as CloudWatch Embedded Metric Format lines on stdout: CloudWatch turns
//! them into metrics without an agent, an SDK call or any extra latency.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::handler::{Outcome, WebhookError};

/// The metric dimension: what happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeClass {
    /// Written now.
    Stored,
    /// edna's HEAD check of the URL: nothing to store.
    UrlCheck,
    /// Already stored.
    Duplicate,
    /// A 4xx: the sender's fault, nothing written.
    Rejected,
    /// A 5xx: not stored, the provider will retry.
    Failed,
}

impl OutcomeClass {
    /// Classifies a handled request.
    pub fn of(result: &Result<Outcome, WebhookError>) -> OutcomeClass {
        match result {
            Ok(Outcome::Duplicate) => OutcomeClass::Duplicate,
            Ok(Outcome::UrlCheck) => OutcomeClass::UrlCheck,
            Ok(Outcome::Stored | Outcome::StoredCollision) => OutcomeClass::Stored,
            Err(err) if err.status().is_server_error() => OutcomeClass::Failed,
            Err(_) => OutcomeClass::Rejected,
        }
    }

    /// The dimension value.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeClass::Stored => "stored",
            OutcomeClass::UrlCheck => "url_check",
            OutcomeClass::Duplicate => "duplicate",
            OutcomeClass::Rejected => "rejected",
            OutcomeClass::Failed => "failed",
        }
    }
}

/// One EMF line counting one request under `namespace`, dimension `Outcome`.
pub fn emf_line(namespace: &str, class: OutcomeClass, timestamp_ms: u64) -> String {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Outcome"]],
                "Metrics": [{ "Name": "Requests", "Unit": "Count" }]
            }]
        },
        "Outcome": class.as_str(),
        "Requests": 1
    })
    .to_string()
}

/// Prints the request's EMF line, built whole first so that it goes out in one write. (`print!`
/// rather than a raw stdout write, so that test harnesses capture it.)
pub(crate) fn emit(namespace: &str, class: OutcomeClass) {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
    println!("{}", emf_line(namespace, class, now_ms));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn emf_line_declares_the_metric_and_its_dimension() {
        let line: Value = serde_json::from_str(&emf_line(
            "WhatsAppWebhooks/prod",
            OutcomeClass::Failed,
            1_700_000_000_000,
        ))
        .unwrap();
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "WhatsAppWebhooks/prod");
        assert_eq!(directive["Dimensions"], serde_json::json!([["Outcome"]]));
        assert_eq!(directive["Metrics"][0]["Name"], "Requests");
        assert_eq!(line["Outcome"], "failed");
        assert_eq!(line["Requests"], 1);
    }

    #[test]
    fn edna_url_checks_are_not_counted_as_stored_events() {
        assert_eq!(
            OutcomeClass::of(&Ok(Outcome::UrlCheck)),
            OutcomeClass::UrlCheck
        );
        assert_eq!(
            OutcomeClass::of(&Ok(Outcome::StoredCollision)),
            OutcomeClass::Stored
        );
        assert_eq!(
            OutcomeClass::of(&Err(WebhookError::StorageTimeout)),
            OutcomeClass::Failed
        );
        assert_eq!(
            OutcomeClass::of(&Err(WebhookError::PayloadTooLarge)),
            OutcomeClass::Rejected
        );
    }
}
