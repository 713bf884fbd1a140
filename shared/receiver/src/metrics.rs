//! Per-request counts as CloudWatch Embedded Metric Format lines on stdout: CloudWatch turns
//! them into metrics without an agent, an SDK call or any extra latency.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

/// The metric dimension: what happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeClass {
    /// Written now.
    Stored,
    /// edna's HEAD check of the URL: nothing to store.
    UrlCheck,
    /// Already stored.
    Duplicate,
    /// Authenticated, but not an event this code can parse: stored raw for a replay.
    Quarantined,
    /// A 4xx: the sender is not proven, or the request cannot be a webhook; nothing written.
    Rejected,
    /// A 5xx: not stored, the provider will retry.
    Failed,
}

impl OutcomeClass {
    /// Every class, in the order the dashboard and the docs list them.
    pub const ALL: [OutcomeClass; 6] = [
        OutcomeClass::Stored,
        OutcomeClass::Duplicate,
        OutcomeClass::Quarantined,
        OutcomeClass::UrlCheck,
        OutcomeClass::Rejected,
        OutcomeClass::Failed,
    ];

    /// The dimension value.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeClass::Stored => "stored",
            OutcomeClass::UrlCheck => "url_check",
            OutcomeClass::Duplicate => "duplicate",
            OutcomeClass::Quarantined => "quarantined",
            OutcomeClass::Rejected => "rejected",
            OutcomeClass::Failed => "failed",
        }
    }
}

/// Name of the metric that counts requests, by `Outcome`.
pub const REQUESTS_METRIC: &str = "Requests";
/// Name of the metric that counts events stored through a route not named for their kind (an
/// ack on `/botlinkd/messages`): the dashboard URL is set up wrong, though nothing is lost.
pub const WRONG_ROUTE_METRIC: &str = "WrongRoute";

/// One EMF line counting one request under `namespace`, dimension `Outcome`, and whether it came
/// through the wrong route.
pub fn emf_line(
    namespace: &str,
    class: OutcomeClass,
    wrong_route: bool,
    timestamp_ms: u64,
) -> String {
    let mut metrics = vec![json!({ "Name": REQUESTS_METRIC, "Unit": "Count" })];
    if wrong_route {
        metrics.push(json!({ "Name": WRONG_ROUTE_METRIC, "Unit": "Count" }));
    }
    let mut line = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Outcome"]],
                "Metrics": metrics
            }]
        },
        "Outcome": class.as_str(),
        REQUESTS_METRIC: 1
    });
    if wrong_route {
        line[WRONG_ROUTE_METRIC] = json!(1);
    }
    line.to_string()
}

/// Prints the request's EMF line, built whole first so that it goes out in one write. (`print!`
/// rather than a raw stdout write, so that test harnesses capture it.)
pub(crate) fn emit(namespace: &str, class: OutcomeClass, wrong_route: bool) {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
    println!("{}", emf_line(namespace, class, wrong_route, now_ms));
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
            false,
            1_700_000_000_000,
        ))
        .unwrap();
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "WhatsAppWebhooks/prod");
        assert_eq!(directive["Dimensions"], serde_json::json!([["Outcome"]]));
        assert_eq!(directive["Metrics"].as_array().unwrap().len(), 1);
        assert_eq!(directive["Metrics"][0]["Name"], "Requests");
        assert_eq!(line["Outcome"], "failed");
        assert_eq!(line["Requests"], 1);
        assert!(line.get("WrongRoute").is_none());
    }

    #[test]
    fn a_wrong_route_is_counted_beside_the_request() {
        let line: Value =
            serde_json::from_str(&emf_line("n", OutcomeClass::Stored, true, 1)).unwrap();
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Metrics"][1]["Name"], "WrongRoute");
        assert_eq!(line["WrongRoute"], 1);
        assert_eq!(line["Outcome"], "stored");
    }
}
