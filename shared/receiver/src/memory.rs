//! An [`EventStore`] in memory, for handler tests: it keeps the items the DynamoDB store would
//! write (built by the same [`item`](crate::item) functions, under the same conditions), so a test
//! can assert exactly what was written, or that nothing was.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use aws_sdk_dynamodb::types::AttributeValue;
use webhook_payload::{AckStatus, EventRecord, QuarantineRecord, StatusChange};

use crate::item::{self, ack_attribute, AckField, Item, ItemKey};
use crate::metrics::FaultCause;
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

/// Moves a status item's current status to `status` (of `rank`) at `at`, as
/// `item::Update::advance`'s condition allows: only forward. Whether it moved.
fn advance(item: &mut Item, status: AckStatus, rank: u8, at: &str) -> bool {
    let current = item
        .get(item::STATUS_RANK)
        .and_then(|value| value.as_n().ok())
        .and_then(|value| value.parse::<u8>().ok());
    let forward = current.is_none_or(|current| current < rank);
    if forward {
        let s = |value: &str| AttributeValue::S(value.to_owned());
        item.insert(item::STATUS.into(), s(status.as_str()));
        item.insert(
            item::STATUS_RANK.into(),
            AttributeValue::N(rank.to_string()),
        );
        item.insert(item::STATUS_AT.into(), s(at));
    }
    forward
}

impl EventStore for MemoryStore {
    async fn put_ack(
        &self,
        record: &EventRecord,
        status: AckStatus,
    ) -> Result<Conditional, StoreError> {
        self.attempt("UpdateItem")?;
        let mut items = self.lock();
        let key = item::status_key(&record.id.message);
        let slot = (key.pk, key.sk);
        let item = items.entry(slot.clone()).or_default();
        if let Some(existing) = item::text(item, &ack_attribute(status, AckField::Sha)) {
            return Ok(Conditional::Exists {
                body_sha256: Some(existing.to_owned()),
            });
        }
        let s = |value: &str| AttributeValue::S(value.to_owned());
        for (field, value) in [
            (AckField::At, record.occurred_at.as_str()),
            (AckField::Body, record.raw_body.as_str()),
            (AckField::Sha, item::ack_sha(record)),
            (AckField::DeliveryId, "memory"),
        ] {
            item.insert(ack_attribute(status, field), s(value));
        }
        item.insert(item::PK.into(), s(&slot.0));
        item.insert(item::SK.into(), s(&slot.1));
        item.insert(item::KIND.into(), s(item::KIND_STATUS));
        if let Some(rank) = status.rank() {
            advance(item, status, rank, &record.occurred_at);
        }
        Ok(Conditional::Written)
    }

    async fn put_event(
        &self,
        record: &EventRecord,
        key: &ItemKey,
    ) -> Result<Conditional, StoreError> {
        self.attempt("PutItem")?;
        let new = item::event_item(record, key, &webhook_payload::utc_now());
        Ok(self.put_if_absent(key, new))
    }

    async fn change_status(&self, change: &StatusChange) -> Result<(), StoreError> {
        self.attempt("UpdateItem")?;
        let mut items = self.lock();
        let key = item::status_key(&change.message);
        let slot = (key.pk, key.sk);
        let status = items.entry(slot.clone()).or_default();
        let s = |value: &str| AttributeValue::S(value.to_owned());
        let changed = match change.status.rank() {
            Some(rank) => advance(status, change.status, rank, &change.occurred_at),
            None => {
                let failed_at = ack_attribute(change.status, AckField::At);
                let first = !status.contains_key(&failed_at);
                if first {
                    status.insert(failed_at, s(&change.occurred_at));
                }
                first
            }
        };
        if changed {
            status.insert(item::PK.into(), s(&slot.0));
            status.insert(item::SK.into(), s(&slot.1));
            status.insert(item::KIND.into(), s(item::KIND_STATUS));
        } else if status.is_empty() {
            items.remove(&slot);
        }
        Ok(())
    }

    async fn put_quarantine(&self, record: &QuarantineRecord) -> Result<Conditional, StoreError> {
        self.attempt("PutItem")?;
        let new = item::quarantine_item(record, &webhook_payload::utc_now());
        Ok(self.put_if_absent(&item::quarantine_key(record), new))
    }
}
