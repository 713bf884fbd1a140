//! The event store in DynamoDB: one conditional PutItem per event (acks too) that makes it land
//! exactly once, the reply of each conditional write read the same way for PutItem and UpdateItem
//! (a failed condition, with the item that failed it, told apart from a fault), and the write units
//! each call consumed.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure,
};
use aws_sdk_dynamodb::Client;
use webhook_payload::{EventRecord, QuarantineRecord};

use super::{Conditional, EventStore, StoreError, WARM_UP_KEY};
use crate::client::ClientProfile;
use crate::item::{self, Item, ItemKey};

/// The webhook event table in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    pub(super) client: Client,
    pub(super) settings: StoreSettings,
    pub(super) usage: std::sync::Arc<WriteUsage>,
    /// When what it writes expires: `settings.retention_days` from now, unless set otherwise
    /// ([`DynamoDbStore::expiring_as`]).
    pub(super) expiry: Expiry,
}

/// When the items a store writes expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expiry {
    /// `retention_days` after the write (none with 0).
    Retention,
    /// At this epoch second, or never: what the item it stands for carried.
    Kept(Option<u64>),
}

/// What a store is built from besides its client profile: which table, how long what it writes
/// is kept, and how many items an operator command reads per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    /// The table's name.
    pub table: String,
    /// Items written carry `expires_at`, this many days after their write, for DynamoDB's TTL
    /// to delete them; 0 keeps them forever (the stack's `RetentionDays`).
    pub retention_days: u32,
    /// Items per page of the operator commands' reads; `None`: DynamoDB's own pages (up to 1 MB).
    pub page_size: Option<NonZeroU32>,
}

/// How long items are kept unless `RETENTION_DAYS` says otherwise: 400 days, a year of campaigns
/// plus a month to compare them year over year. The template's `RetentionDays` default, the local
/// stack and the tests all use this value (a template test checks the template's).
pub const DEFAULT_RETENTION_DAYS: u32 = 400;

impl StoreSettings {
    /// Settings for `table` and `retention_days`, with DynamoDB's own page size.
    pub fn new(table: impl Into<String>, retention_days: u32) -> StoreSettings {
        StoreSettings {
            table: table.into(),
            retention_days,
            page_size: None,
        }
    }
}

/// The write calls a store made and the write units DynamoDB reported for them (table and
/// indexes), so that tests and the bench measure cost instead of estimating it. A conditional
/// write that fails reports no units here, though DynamoDB bills it one.
#[derive(Debug, Default)]
pub struct WriteUsage {
    calls: AtomicU64,
    milli_units: AtomicU64,
}

impl WriteUsage {
    /// Write calls so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Write units so far (table plus indexes), as DynamoDB reported them.
    pub fn units(&self) -> f64 {
        self.milli_units.load(Ordering::Relaxed) as f64 / 1000.0
    }

    pub(super) fn record(&self, consumed: Option<&ConsumedCapacity>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if let Some(units) = consumed.and_then(ConsumedCapacity::capacity_units) {
            self.milli_units
                .fetch_add((units * 1000.0).round() as u64, Ordering::Relaxed);
        }
    }
}

impl DynamoDbStore {
    /// The store of a function: `settings`, through the client built from the Lambda
    /// environment (`ClientProfile::Function`). Its own constructor, not a branch of
    /// [`DynamoDbStore::for_operator`]: a function that could reach the operators' branch would
    /// link aws-config's whole default credential chain (STS, profiles, IMDS, SSO, a second HTTPS
    /// stack) into its binary.
    pub fn for_function(settings: StoreSettings) -> DynamoDbStore {
        DynamoDbStore::over(crate::client::dynamodb_client(), settings)
    }

    /// The store of an operator tool or the console: `settings`, through aws-config's default
    /// credential chain and the operators' patience (`ClientProfile::Operator`).
    pub async fn for_operator(settings: StoreSettings) -> DynamoDbStore {
        DynamoDbStore::over(ClientProfile::Operator.dynamodb_client().await, settings)
    }

    /// The store `settings` describe, through `client` (DynamoDB Local or a stub).
    #[cfg(feature = "testing")]
    pub fn with_client(client: Client, settings: StoreSettings) -> DynamoDbStore {
        DynamoDbStore::over(client, settings)
    }

    fn over(client: Client, settings: StoreSettings) -> DynamoDbStore {
        DynamoDbStore {
            client,
            settings,
            usage: Default::default(),
            expiry: Expiry::Retention,
        }
    }

    /// The same store, whose writes expire at `expires_at` (never with `None`) instead of its
    /// retention from now: replay stores a quarantined body's event with the quarantine item's
    /// own expiry, which the stack that received it chose.
    pub(crate) fn expiring_as(&self, expires_at: Option<u64>) -> DynamoDbStore {
        DynamoDbStore {
            expiry: Expiry::Kept(expires_at),
            ..self.clone()
        }
    }

    /// `expires_at` for an item written now, if items expire.
    fn expires_at(&self) -> Option<u64> {
        if let Expiry::Kept(at) = self.expiry {
            return at;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let days = self.settings.retention_days;
        (days > 0).then(|| now + u64::from(days) * 86_400)
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.settings.table
    }

    /// The writes this store made so far.
    pub fn usage(&self) -> &WriteUsage {
        &self.usage
    }

    /// Reads the warm-up key (`WARM-UP`) once, so that DNS, TCP, TLS, credentials and the SDK's
    /// lazy set-up are done during init, which Lambda runs at full CPU, rather than in the first
    /// invocation, which a 128 MB function runs at ~7% of a vCPU.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        let key = || AttributeValue::S(WARM_UP_KEY.to_owned());
        self.client
            .get_item()
            .table_name(&self.settings.table)
            .key(item::PK, key())
            .key(item::SK, key())
            .projection_expression(item::PK)
            .send()
            .await
            .map_err(|err| StoreError::request("GetItem", &err))?;
        Ok(())
    }

    /// A conditional PutItem of `item`. When the key is taken, DynamoDB returns the existing item
    /// in the same call (`ALL_OLD`), so no second read is needed.
    async fn put_if_absent(&self, mut item: Item) -> Result<Conditional, StoreError> {
        let delivery_id = new_delivery_id();
        item.insert(
            item::DELIVERY_ID.into(),
            AttributeValue::S(delivery_id.clone()),
        );
        if let Some(expires_at) = self.expires_at() {
            item.insert(
                item::EXPIRES_AT.into(),
                AttributeValue::N(expires_at.to_string()),
            );
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.settings.table)
            .set_item(Some(item))
            .condition_expression(item::PUT_IF_ABSENT)
            .expression_attribute_names("#pk", item::PK)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
            .send()
            .await;
        let reply = self
            .usage
            .reply("PutItem", &result, PutItemOutput::consumed_capacity)?;
        match reply {
            Reply::Written => Ok(Conditional::Written),
            Reply::ConditionFailed(existing) => {
                let existing = existing.ok_or(StoreError::ExistingItemMissing)?;
                // The SDK retried an attempt that had in fact been written: it is ours.
                if item::text(existing, item::DELIVERY_ID) == Some(&delivery_id) {
                    return Ok(Conditional::Written);
                }
                Ok(Conditional::Exists {
                    body_sha256: item::text(existing, item::BODY_SHA256).map(str::to_owned),
                })
            }
        }
    }
}

impl DynamoDbStore {
    /// The UpdateItem request of `update`, asking for the write units it consumed.
    pub(super) fn update_item(&self, update: item::Update) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.settings.table)
            .key(item::PK, AttributeValue::S(update.key.pk))
            .key(item::SK, AttributeValue::S(update.key.sk))
            .set_expression_attribute_names(Some(
                update
                    .names
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ))
            .set_expression_attribute_values(Some(
                update
                    .values
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ))
            .update_expression(update.update_expression)
            .condition_expression(update.condition_expression)
            .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
    }
}

impl EventStore for DynamoDbStore {
    async fn put_event(
        &self,
        record: &EventRecord,
        key: &ItemKey,
    ) -> Result<Conditional, StoreError> {
        self.put_if_absent(item::event_item(record, key, &webhook_payload::utc_now()))
            .await
    }

    async fn put_quarantine(&self, record: &QuarantineRecord) -> Result<Conditional, StoreError> {
        self.put_if_absent(item::quarantine_item(record, &webhook_payload::utc_now()))
            .await
    }
}

/// A process-unique id for one conditional write, so that when the SDK retries a PutItem whose
/// first attempt had in fact been written, the conditional failure is recognised as this
/// delivery's own write ("stored"), not another delivery's ("duplicate").
fn new_delivery_id() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| RandomState::new().build_hasher().finish());
    format!("{seed:016x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

impl WriteUsage {
    /// Counts one conditional write and the units it consumed, and reads its reply: written,
    /// refused by its condition, or a fault of `operation` (an error: not stored).
    pub(super) fn reply<'a, O, E, R>(
        &self,
        operation: &'static str,
        result: &'a Result<O, SdkError<E, R>>,
        consumed: fn(&O) -> Option<&ConsumedCapacity>,
    ) -> Result<Reply<'a>, StoreError>
    where
        E: ConditionFailure + ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        self.record(result.as_ref().ok().and_then(consumed));
        match result {
            Ok(_) => Ok(Reply::Written),
            Err(err) => match err.as_service_error().and_then(E::condition_failed) {
                Some(existing) => Ok(Reply::ConditionFailed(existing)),
                None => Err(StoreError::request(operation, err)),
            },
        }
    }
}

/// DynamoDB's reply to one conditional write.
pub(super) enum Reply<'a> {
    /// The condition held; the write is done.
    Written,
    /// The condition failed, with the item that failed it when the request asked for `ALL_OLD`.
    ConditionFailed(Option<&'a Item>),
}

/// A write operation's error that can be a failed condition.
pub(super) trait ConditionFailure {
    /// `Some` when the condition failed, holding the existing item if DynamoDB returned it.
    fn condition_failed(&self) -> Option<Option<&Item>>;
}

impl ConditionFailure for PutItemError {
    fn condition_failed(&self) -> Option<Option<&Item>> {
        match self {
            PutItemError::ConditionalCheckFailedException(failed) => Some(failed.item()),
            _ => None,
        }
    }
}

impl ConditionFailure for UpdateItemError {
    fn condition_failed(&self) -> Option<Option<&Item>> {
        match self {
            UpdateItemError::ConditionalCheckFailedException(failed) => Some(failed.item()),
            _ => None,
        }
    }
}
