//! The console's server: what it runs on ([`Console`]) and the stream follower that
//! fills the live feed. The routes are in `routes.rs`, the guard and the errors in `guard.rs`.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use webhook_table::{Change, DynamoDbStore, TableStream};

use crate::event::entries_of_change;
use crate::feed::Feed;
use crate::pages::{Frame, Shown};
use crate::time::rfc3339;

/// How often the stream is read.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// What the console runs on.
pub struct Console {
    /// The table, through the store (the one boundary that calls DynamoDB).
    pub(crate) store: DynamoDbStore,
    /// The table's name, shown on every page.
    pub(crate) table: String,
    /// The live feed.
    pub(crate) feed: RwLock<Feed>,
    /// The last stream error, while the stream cannot be read.
    stream_error: RwLock<Option<String>>,
    /// The `Host` values a request may carry; empty: any (the operator chose a non-local address).
    pub(crate) hosts: Vec<String>,
}

impl Console {
    /// A console over `store`, keeping up to `keep` events of the stream, answering requests for
    /// `hosts` only ([`hosts_of`]; empty: any).
    pub fn new(store: DynamoDbStore, keep: usize, hosts: Vec<String>) -> Console {
        Console {
            table: store.table().to_owned(),
            store,
            feed: RwLock::new(Feed::new(keep)),
            stream_error: RwLock::new(None),
            hosts,
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    pub(crate) fn frame<'a>(
        &'a self,
        title: &'a str,
        shown: Shown,
        read_units: Option<f64>,
    ) -> Frame<'a> {
        Frame {
            title,
            table: &self.table,
            shown,
            read_units,
        }
    }

    /// Adds the rows of `changes` to the feed, drops the rows of the items they remove, and lets
    /// go of those older than 24 hours.
    pub fn take(&self, changes: &[Change]) {
        let now = time::OffsetDateTime::now_utc();
        let mut feed = self
            .feed
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for change in changes {
            // An item deleted (an erasure, TTL): what the console read from it goes too.
            if let Change::Removed(key) = change {
                feed.remove_item(key);
                continue;
            }
            for entry in entries_of_change(change) {
                if let Change::Inserted(row) = change {
                    feed.push_from(Some(row.key().clone()), entry);
                }
            }
        }
        feed.forget_before(&rfc3339(now - time::Duration::hours(24)));
    }

    pub(crate) fn stream_error(&self) -> Option<String> {
        self.stream_error
            .read()
            .ok()
            .and_then(|error| error.clone())
    }
}

/// Follows the table's stream into the feed for as long as the console runs: every second, and
/// after an error every 5 s, saying on the live page why it cannot read.
pub async fn follow_stream(console: Arc<Console>) {
    let mut stream: Option<TableStream> = None;
    loop {
        let polled = match stream.as_mut() {
            Some(open) => open.poll().await,
            None => match console.store.stream().await {
                Ok(open) => {
                    stream = Some(open);
                    continue;
                }
                Err(err) => Err(err),
            },
        };
        match polled {
            Ok(changes) => {
                console.take(&changes);
                if let Ok(mut error) = console.stream_error.write() {
                    *error = None;
                }
                tokio::time::sleep(POLL_EVERY).await;
            }
            Err(err) => {
                eprintln!("console: the stream could not be read: {err}");
                if let Ok(mut error) = console.stream_error.write() {
                    *error = Some(err.to_string());
                }
                // An open stream keeps its place (each shard goes on after its last record);
                // only a stream that could not be opened is opened again.
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}
