//! An [`EventStore`] in memory, for handler tests: it keeps the items the DynamoDB store would
//! write (built by the same [`item`](crate::item) functions, under the same conditions), so a test
//! can assert exactly what was written, or that nothing was.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use webhook_payload::{EventRecord, QuarantineRecord};

use crate::item::{self, Item, ItemKey};
use crate::store::FaultCause;
use crate::store::{Conditional, EventStore, StoreError};

/// Items by `(pk, sk)`, and a switch that makes every write fail like an unreachable table.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<BTreeMap<(String, String), Item>>,
    failing: AtomicBool,
    /// The cause and code of the injected failure (`Other`, an unreachable table, by default).
    failure: Mutex<(FaultCause, String)>,
    attempts: AtomicUsize,
}

impl MemoryStore {
    /// An empty store that accepts writes.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// From now on every write fails (`failing = true`) or succeeds again.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Makes every later write fail with `cause` and DynamoDB's error `code`.
    pub fn fail_with(&self, cause: FaultCause, code: &str) {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = (cause, code.to_owned());
        self.set_failing(true);
    }

    /// Every item, ordered by key.
    pub fn items(&self) -> Vec<Item> {
        self.lock().values().cloned().collect()
    }

    /// How many writes were attempted, failed ones included.
    pub fn write_attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<(String, String), Item>> {
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn attempt(&self, operation: &'static str) -> Result<(), StoreError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            let (cause, code) = self
                .failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let code = if code.is_empty() {
                "DispatchFailure".to_owned()
            } else {
                code
            };
            return Err(StoreError::Request {
                operation,
                cause,
                code,
            });
        }
        Ok(())
    }

    fn put_if_absent(&self, key: &ItemKey, new: Item) -> Conditional {
        let mut items = self.lock();
        let slot = (key.pk.clone(), key.sk.clone());
        match items.get(&slot) {
            Some(existing) => Conditional::Exists {
                body_sha256: item::text(existing, item::BODY_SHA256).map(str::to_owned),
            },
            None => {
                items.insert(slot, new);
                Conditional::Written
            }
        }
    }
}

impl EventStore for MemoryStore {
    async fn put_event(
        &self,
        record: &EventRecord,
        key: &ItemKey,
    ) -> Result<Conditional, StoreError> {
        self.attempt("PutItem")?;
        let new = item::event_item(record, key, &webhook_payload::utc_now());
        Ok(self.put_if_absent(key, new))
    }

    async fn put_quarantine(&self, record: &QuarantineRecord) -> Result<Conditional, StoreError> {
        self.attempt("PutItem")?;
        let new = item::quarantine_item(record, &webhook_payload::utc_now());
        Ok(self.put_if_absent(&item::quarantine_key(record), new))
    }
}
