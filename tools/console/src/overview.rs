//! The last 24 hours in numbers, from the live feed: events per hour per kind, the delivery
//! funnel of the messages whose statuses arrived, clicks per edna template, and delivery lag.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::{Duration, OffsetDateTime};

use webhook_payload::MessageRef;

use crate::event::Entry;
use crate::time::{parse, rfc3339};

/// Hours the overview covers.
pub const HOURS: usize = 24;

/// The kinds the hourly chart stacks, in order.
pub const KINDS: [&str; 5] = ["click", "message", "ack", "unmodelled", "quarantine"];

/// One hour's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hour {
    /// The hour's start, `HH:00` UTC.
    pub label: String,
    /// Events of each of [`KINDS`], in that order.
    pub counts: [usize; KINDS.len()],
}

/// How far the messages seen got: each counts once per step it reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    /// Messages with any of sent, delivered, read.
    pub sent: usize,
    /// Messages delivered or read.
    pub delivered: usize,
    /// Messages read.
    pub read: usize,
    /// Messages that failed.
    pub failed: usize,
}

impl Funnel {
    /// Read messages per sent message, when any was sent.
    pub fn read_rate(&self) -> Option<f64> {
        (self.sent > 0).then(|| self.read as f64 / self.sent as f64)
    }
}

/// Delivery lag of one provider's events: receive time minus the provider's time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lag {
    /// Events measured.
    pub events: usize,
    /// Median, seconds.
    pub p50: f64,
    /// 90th percentile, seconds.
    pub p90: f64,
}

/// The overview.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    /// The window's start.
    pub since: String,
    /// Oldest hour first.
    pub hours: Vec<Hour>,
    /// The delivery funnel.
    pub funnel: Funnel,
    /// Clicks per edna template id.
    pub clicks_per_template: BTreeMap<u64, usize>,
    /// Delivery lag per provider.
    pub lag: BTreeMap<String, Lag>,
}

impl Overview {
    /// The overview of `rows` received in the 24 hours up to `now`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Entry>, now: OffsetDateTime) -> Overview {
        let top = now
            .replace_minute(0)
            .unwrap_or(now)
            .replace_second(0)
            .unwrap_or(now)
            .replace_nanosecond(0)
            .unwrap_or(now);
        let start = top - Duration::hours(HOURS as i64 - 1);
        let mut hours: Vec<Hour> = (0..HOURS)
            .map(|hour| Hour {
                label: format!("{:02}:00", (start + Duration::hours(hour as i64)).hour()),
                counts: [0; KINDS.len()],
            })
            .collect();
        let mut statuses: HashMap<MessageRef, BTreeSet<String>> = HashMap::new();
        let mut clicks_per_template = BTreeMap::new();
        let mut lags: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for row in rows {
            let Some(received) = parse(&row.received_at) else {
                continue;
            };
            if received < start || received > now {
                continue;
            }
            let hour = ((received - start).whole_hours() as usize).min(HOURS - 1);
            if let Some(kind) = KINDS.iter().position(|kind| *kind == row.kind) {
                hours[hour].counts[kind] += 1;
            }
            if let (Some(status), Some(message)) = (&row.status, &row.message) {
                statuses
                    .entry(message.clone())
                    .or_default()
                    .insert(status.clone());
            }
            if row.kind == "click" {
                if let Some(template) = row.template {
                    *clicks_per_template.entry(template).or_insert(0) += 1;
                }
            }
            if let (Some(provider), Some(lag)) = (&row.provider, row.lag_seconds()) {
                lags.entry(provider.clone()).or_default().push(lag);
            }
        }
        let mut funnel = Funnel::default();
        for seen in statuses.values() {
            let has = |status: &str| seen.contains(status);
            if has("read") {
                funnel.read += 1;
            }
            if has("read") || has("delivered") {
                funnel.delivered += 1;
            }
            if has("read") || has("delivered") || has("sent") {
                funnel.sent += 1;
            }
            if has("failed") {
                funnel.failed += 1;
            }
        }
        let lag = lags
            .into_iter()
            .map(|(provider, mut seconds)| {
                seconds.sort_by(f64::total_cmp);
                let lag = Lag {
                    events: seconds.len(),
                    p50: percentile(&seconds, 50),
                    p90: percentile(&seconds, 90),
                };
                (provider, lag)
            })
            .collect();
        Overview {
            since: rfc3339(start),
            hours,
            funnel,
            clicks_per_template,
            lag,
        }
    }
}

/// The nearest-rank percentile of sorted, non-empty `values`.
fn percentile(sorted: &[f64], percent: usize) -> f64 {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhook_payload::MessageRef;

    fn at(text: &str) -> OffsetDateTime {
        parse(text).unwrap()
    }

    fn row(kind: &str, received_at: &str) -> Entry {
        Entry::stored(kind, "edna", received_at)
    }

    fn ack(message: &str, status: &str, received_at: &str) -> Entry {
        Entry {
            status: Some(status.to_owned()),
            message: Some(MessageRef::EdnaSent(message.parse().unwrap())),
            ..row("ack", received_at)
        }
    }

    #[test]
    fn events_fall_in_their_hour_and_old_ones_are_left_out() {
        let now = at("2026-12-04T10:30:00Z");
        let rows = [
            row("click", "2026-12-04T10:05:00.000Z"),
            row("click", "2026-12-04T10:29:00.000Z"),
            row("message", "2026-12-04T09:59:00.000Z"),
            row("click", "2026-12-03T10:59:00.000Z"),
            row("click", "2026-12-03T11:00:00.000Z"),
        ];
        let overview = Overview::of(&rows, now);
        assert_eq!(overview.hours.len(), 24);
        assert_eq!(overview.hours[0].label, "11:00");
        assert_eq!(overview.hours[0].counts, [1, 0, 0, 0, 0]);
        assert_eq!(overview.hours[22].counts, [0, 1, 0, 0, 0]);
        assert_eq!(overview.hours[23].label, "10:00");
        assert_eq!(overview.hours[23].counts, [2, 0, 0, 0, 0]);
    }

    #[test]
    fn the_funnel_counts_each_message_once_per_step_it_reached() {
        let now = at("2026-12-04T10:30:00Z");
        let rows = [
            ack("1", "sent", "2026-12-04T10:00:00.000Z"),
            ack("1", "delivered", "2026-12-04T10:00:01.000Z"),
            ack("1", "read", "2026-12-04T10:00:02.000Z"),
            ack("2", "read", "2026-12-04T10:00:03.000Z"),
            ack("3", "sent", "2026-12-04T10:00:04.000Z"),
            ack("4", "failed", "2026-12-04T10:00:05.000Z"),
        ];
        let overview = Overview::of(&rows, now);
        assert_eq!(
            overview.funnel,
            Funnel {
                sent: 3,
                delivered: 2,
                read: 2,
                failed: 1
            }
        );
        assert_eq!(overview.funnel.read_rate(), Some(2.0 / 3.0));
    }

    #[test]
    fn clicks_are_counted_per_template_and_lag_per_provider() {
        let now = at("2026-12-04T10:30:00Z");
        let click = |template, lag: u32| Entry {
            template: Some(template),
            occurred_at: Some(format!("2026-12-04T10:00:{:02}.000Z", 60 - lag.min(60))),
            ..row("click", "2026-12-04T10:01:00.000Z")
        };
        let rows = [click(1333, 1), click(1333, 2), click(7, 10)];
        let overview = Overview::of(&rows, now);
        assert_eq!(
            overview.clicks_per_template,
            BTreeMap::from([(7, 1), (1333, 2)])
        );
        let lag = overview.lag["edna"];
        assert_eq!((lag.events, lag.p50, lag.p90), (3, 2.0, 10.0));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&values, 50), 5.0);
        assert_eq!(percentile(&values, 90), 9.0);
        assert_eq!(percentile(&[3.0], 90), 3.0);
    }
}
