//! The live feed: the rows of the last 24 hours of the table's stream, newest last, at most
//! [`Feed::capacity`] of them, each numbered so that a page can ask for what came after the
//! rows it shows.

use std::collections::VecDeque;

use webhook_table::RowKey;

use crate::event::Entry;

/// How many rows the feed keeps by default: a busy table's day is cut to its newest rows, so the
/// console's memory stays bounded (a row is a few hundred bytes: ~5 MB).
pub const DEFAULT_CAPACITY: usize = 20_000;

/// Which rows a view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this provider's.
    pub provider: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
}

impl Filter {
    /// Whether `row` passes.
    pub fn admits(&self, row: &Entry) -> bool {
        self.provider
            .as_ref()
            .is_none_or(|wanted| row.provider.as_ref() == Some(wanted))
            && self.kind.as_ref().is_none_or(|wanted| &row.kind == wanted)
    }
}

/// The rows, oldest first, with their sequence numbers and the key of the item each was read
/// from (so that the stream's `REMOVE` of an item, an erasure, drops its rows).
#[derive(Debug)]
pub struct Feed {
    rows: VecDeque<(u64, Entry, Option<RowKey>)>,
    next: u64,
    capacity: usize,
    dropped: u64,
}

impl Feed {
    /// An empty feed that keeps at most `capacity` rows.
    pub fn new(capacity: usize) -> Feed {
        Feed {
            rows: VecDeque::with_capacity(capacity.min(4096)),
            next: 1,
            capacity: capacity.max(1),
            dropped: 0,
        }
    }

    /// How many rows it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How many rows were let go to stay within the capacity.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The sequence number the next row will get: a page that has seen everything asks for the
    /// rows after `next() - 1`.
    pub fn next(&self) -> u64 {
        self.next
    }

    /// Adds a row read from no item in particular (the tests' rows), letting the oldest go.
    #[cfg(test)]
    pub fn push(&mut self, row: Entry) {
        self.push_from(None, row);
    }

    /// Adds a row read from the item at `item`, letting the oldest go when full.
    pub fn push_from(&mut self, item: Option<RowKey>, row: Entry) {
        if self.rows.len() == self.capacity {
            self.rows.pop_front();
            self.dropped += 1;
        }
        self.rows.push_back((self.next, row, item));
        self.next += 1;
    }

    /// Lets go of every row read from the item at `item` (deleted from the table: an erasure, or
    /// TTL); how many there were.
    pub fn remove_item(&mut self, item: &RowKey) -> usize {
        let before = self.rows.len();
        self.rows.retain(|(_, _, from)| from.as_ref() != Some(item));
        before - self.rows.len()
    }

    /// Lets go of the rows received before `cutoff` (an RFC 3339 UTC time: they compare as
    /// text).
    pub fn forget_before(&mut self, cutoff: &str) {
        while self
            .rows
            .front()
            .is_some_and(|(_, row, _)| row.received_at.as_str() < cutoff)
        {
            self.rows.pop_front();
        }
    }

    /// The rows after sequence number `after` that `filter` admits, newest first, at most
    /// `limit`.
    pub fn after(&self, after: u64, filter: &Filter, limit: usize) -> Vec<(u64, &Entry)> {
        self.rows
            .iter()
            .rev()
            .take_while(|(seq, _, _)| *seq > after)
            .filter(|(_, row, _)| filter.admits(row))
            .take(limit)
            .map(|(seq, row, _)| (*seq, row))
            .collect()
    }

    /// Every row, oldest first.
    pub fn rows(&self) -> impl Iterator<Item = &Entry> {
        self.rows.iter().map(|(_, row, _)| row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, provider: &str, received_at: &str) -> Entry {
        Entry::stored(kind, provider, received_at)
    }

    #[test]
    fn a_full_feed_lets_its_oldest_rows_go() {
        let mut feed = Feed::new(3);
        for minute in 0..5 {
            feed.push(row(
                "click",
                "edna",
                &format!("2026-12-04T10:0{minute}:00.000Z"),
            ));
        }
        assert_eq!(feed.len(), 3);
        assert_eq!(feed.dropped(), 2);
        let times: Vec<&str> = feed.rows().map(|row| row.received_at.as_str()).collect();
        assert_eq!(times[0], "2026-12-04T10:02:00.000Z");
    }

    #[test]
    fn after_gives_the_newer_rows_newest_first_filtered() {
        let mut feed = Feed::new(10);
        feed.push(row("click", "edna", "2026-12-04T10:00:00.000Z"));
        feed.push(row("message", "botlinkd", "2026-12-04T10:01:00.000Z"));
        feed.push(row("ack", "edna", "2026-12-04T10:02:00.000Z"));
        let all: Vec<u64> = feed
            .after(1, &Filter::default(), 10)
            .into_iter()
            .map(|(seq, _)| seq)
            .collect();
        assert_eq!(all, [3, 2]);
        let edna = Filter {
            provider: Some("edna".into()),
            kind: None,
        };
        let kinds: Vec<&str> = feed
            .after(0, &edna, 10)
            .into_iter()
            .map(|(_, row)| row.kind.as_str())
            .collect();
        assert_eq!(kinds, ["ack", "click"]);
        assert_eq!(feed.after(0, &Filter::default(), 1).len(), 1);
        assert_eq!(feed.next(), 4);
    }

    #[test]
    fn an_items_removal_drops_its_rows_only() {
        // Two items' keys: those of two quarantined bodies.
        let key = |body: &str| {
            use webhook_payload::{PayloadError, QuarantineRecord, Route};
            use webhook_table::testing::{quarantine_item, row_of_item};
            let error = PayloadError::MalformedJson("x".into());
            let record = QuarantineRecord::new(Route::BotlinkdMessages, body.as_bytes(), &error);
            let item = quarantine_item(&record, "2026-12-04T10:00:00.000Z");
            row_of_item(&item).unwrap().key().clone()
        };
        let mut feed = Feed::new(10);
        feed.push_from(
            Some(key("a")),
            row("message", "botlinkd", "2026-12-04T10:00:00Z"),
        );
        feed.push_from(
            Some(key("b")),
            row("message", "botlinkd", "2026-12-04T10:01:00Z"),
        );
        feed.push(row("click", "edna", "2026-12-04T10:02:00.000Z"));
        assert_eq!(feed.remove_item(&key("a")), 1);
        assert_eq!(feed.remove_item(&key("a")), 0);
        assert_eq!(feed.len(), 2);
        let kinds: Vec<&str> = feed.rows().map(|row| row.kind.as_str()).collect();
        assert_eq!(kinds, ["message", "click"]);
        assert_eq!(feed.next(), 4, "sequence numbers are never reused");
    }

    #[test]
    fn rows_older_than_the_cutoff_are_forgotten() {
        let mut feed = Feed::new(10);
        feed.push(row("click", "edna", "2026-12-03T09:00:00.000Z"));
        feed.push(row("click", "edna", "2026-12-04T10:00:00.000Z"));
        feed.forget_before("2026-12-03T10:00:00.000Z");
        assert_eq!(feed.len(), 1);
    }
}
