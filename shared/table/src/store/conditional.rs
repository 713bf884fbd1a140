//! One conditional write's reply, read the same way for PutItem and UpdateItem: its write units
//! counted, and a failed condition (with the item that failed it) told apart from a fault.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ConsumedCapacity;

use super::{StoreError, WriteUsage};
use crate::item::Item;

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
