//! A message's funnel, from the items of its partition: its events (clicks, replies, each ack an
//! item of its own) and collisions. Its current status is derived from its acks here, where it
//! is read ([`MessageStatus`]): the table stores none.

use webhook_payload::{EventRecord, Failure, MessageStatus};
use webhook_table::Row;

use crate::event::{entry_of_row, Entry};
use crate::time::seconds_between;

/// Where a step stands in the funnel: sent, delivered, read, failed, clicked, replied.
fn funnel_position(step: &str) -> usize {
    const FUNNEL: [&str; 6] = ["sent", "delivered", "read", "failed", "clicked", "replied"];
    FUNNEL
        .iter()
        .position(|name| *name == step)
        .unwrap_or(FUNNEL.len())
}

/// One step of the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `sent`, `delivered`, `read`, `failed`, `clicked` or `replied`.
    pub name: &'static str,
    /// When it happened (the provider's time).
    pub at: String,
    /// Seconds since the step before it.
    pub since_previous: Option<f64>,
}

/// A raw body the message's page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// What it is: `read ack`, `click`, `message`, `collision of EVENT#...`.
    pub label: String,
    /// The provider's time of it, when known.
    pub at: Option<String>,
    /// The body as received.
    pub raw: String,
}

/// Everything the message's page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageView {
    /// The current status (`sent`, `delivered`, `read`), if an ack of one arrived.
    pub status: Option<String>,
    /// When the message failed, and why, if an ack said so.
    pub failure: Option<Failure>,
    /// The steps in time order.
    pub steps: Vec<Step>,
    /// Its events and collisions, in time order.
    pub events: Vec<Entry>,
    /// Every raw body: events (acks included) and collisions.
    pub bodies: Vec<Body>,
}

impl MessageView {
    /// The view of a message's rows.
    pub fn of(rows: &[Row]) -> MessageView {
        let mut view = MessageView {
            status: None,
            failure: None,
            steps: Vec::new(),
            events: Vec::new(),
            bodies: Vec::new(),
        };
        let mut times: Vec<(&'static str, String)> = Vec::new();
        let mut acks: Vec<EventRecord> = Vec::new();
        for found in rows {
            let row = entry_of_row(found);
            let at = row.occurred_at.clone();
            if row.outcome == crate::event::EntryOutcome::Stored {
                let step = match (row.kind.as_str(), row.status.as_deref()) {
                    ("click", _) => Some("clicked"),
                    ("message", _) => Some("replied"),
                    ("ack", Some("sent")) => Some("sent"),
                    ("ack", Some("delivered")) => Some("delivered"),
                    ("ack", Some("read")) => Some("read"),
                    ("ack", Some("failed")) => Some("failed"),
                    _ => None,
                };
                if let (Some(step), Some(at)) = (step, &at) {
                    times.push((step, at.clone()));
                }
            }
            let label = match row.outcome {
                crate::event::EntryOutcome::Collision => format!("{} (collision)", row.kind),
                _ => match &row.status {
                    Some(status) => format!("{status} ack"),
                    None => row.kind.clone(),
                },
            };
            if let Row::Status(status) = found {
                acks.extend(status.record());
            }
            if let Some(event) = found.event() {
                view.bodies.push(Body {
                    label,
                    at: at.clone(),
                    raw: String::from_utf8_lossy(&event.raw_body).into_owned(),
                });
            }
            view.events.push(row);
        }
        let status = MessageStatus::of(&acks);
        view.status = status
            .current
            .map(|(current, _)| current.as_str().to_owned());
        view.failure = status.failed;
        // Each step once, at its first time; steps at the same second in the funnel's order
        // (acks are items keyed by status, so they are read delivered, failed, read, sent).
        times.sort_by_key(|(name, at)| (at.clone(), funnel_position(name)));
        let mut previous: Option<String> = None;
        for (name, at) in times {
            if view.steps.iter().any(|step| step.name == name) {
                continue;
            }
            view.steps.push(Step {
                name,
                since_previous: previous
                    .as_deref()
                    .and_then(|before| seconds_between(before, &at)),
                at: at.clone(),
            });
            previous = Some(at);
        }
        view.events
            .sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at));
        view.bodies.sort_by(|a, b| a.at.cmp(&b.at));
        view
    }

    /// The phone numbers (digits) its events name, each once: what its bodies are masked by.
    pub fn phones(&self) -> Vec<String> {
        let mut phones: Vec<String> = Vec::new();
        for phone in self.events.iter().filter_map(|row| row.phone.as_ref()) {
            if !phones.contains(phone) {
                phones.push(phone.clone());
            }
        }
        phones
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhook_payload::{parse_event, Route};
    use webhook_table::testing::{event_item, record_key, row_of_item};

    const EDNA_STATUS: &str = include_str!("../../../fixtures/payloads/edna-status.json");

    #[test]
    fn steps_at_the_same_second_keep_the_funnels_order_and_the_status_is_derived() {
        // Acks are read in key order (delivered, read, sent), all at edna's one documented time.
        let rows: Vec<Row> = ["DELIVERED", "READ", "SENT"]
            .into_iter()
            .map(|status| {
                let body = EDNA_STATUS.replace("DELIVERED", status);
                let record = parse_event(Route::EdnaStatuses, body.as_bytes()).unwrap();
                let item = event_item(&record, &record_key(&record), "2026-12-07T10:00:00.000Z");
                row_of_item(&item).unwrap()
            })
            .collect();
        let view = MessageView::of(&rows);
        let steps: Vec<&str> = view.steps.iter().map(|step| step.name).collect();
        assert_eq!(steps, ["sent", "delivered", "read"]);
        assert_eq!(view.status.as_deref(), Some("read"));
        assert_eq!(view.failure, None);
        assert_eq!(view.bodies.len(), 3);
    }
}
