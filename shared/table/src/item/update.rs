//! A conditional UpdateItem as data. The only update the table knows is the mark a replayed
//! quarantine item gets (`replayed_update`): every provider event, acks included, is an immutable
//! item written once by a conditional PutItem.

use aws_sdk_dynamodb::types::AttributeValue;

use super::key::ItemKey;

/// One conditional UpdateItem: the store sends it through the SDK from this one definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The item it changes.
    pub key: ItemKey,
    /// `SET #a = :a, ...`.
    pub update_expression: String,
    /// What must hold for the write to happen.
    pub condition_expression: String,
    /// `#name` placeholders and the attributes they stand for.
    pub names: Vec<(&'static str, String)>,
    /// `:value` placeholders.
    pub values: Vec<(&'static str, AttributeValue)>,
}
