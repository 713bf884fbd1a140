//! The table's stream, read the way the console follows it: every shard from its oldest record
//! (the stream keeps 24 hours), then each new record, in order within a shard. DescribeTable
//! finds the stream; DescribeStream, GetShardIterator and GetRecords read it. Operator tools only
//! (feature `stream`): no function links the Streams client.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodbstreams::types::{
    AttributeValue as StreamValue, OperationType, Record, ShardIteratorType,
};

use super::FaultCause;
use super::{DynamoDbStore, StoreError};
use crate::item::{self, Item};
use crate::row::{Row, RowKey};

/// How often the shard list is read again, to find the shards DynamoDB opens as it splits and
/// rolls the stream (about every four hours, or under load).
const DESCRIBE_EVERY: Duration = Duration::from_secs(10);

/// GetRecords calls one shard gets per [`TableStream::poll`], so that catching up on a day of
/// records is done in bounded steps.
const PAGES_PER_POLL: usize = 20;

/// One change of the table, as the stream recorded it, as rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new item (every provider event is one), as its row.
    Inserted(Row),
    /// A changed item (a replay's mark on a quarantined body), as its row now.
    Modified(Row),
    /// A deleted item (an erasure, or TTL).
    Removed(RowKey),
}

/// One shard being read.
#[derive(Debug)]
struct Shard {
    /// The iterator to read from next; `None` before the first read, or after it expired.
    iterator: Option<String>,
    /// The last record's sequence number, so that a new iterator starts right after it.
    last_sequence: Option<String>,
    /// The shard is closed and read to its end.
    done: bool,
}

/// A follower of the table's stream. [`TableStream::poll`] returns what is new since its last
/// call; the first calls return the last 24 hours.
#[derive(Debug)]
pub struct TableStream {
    client: aws_sdk_dynamodbstreams::Client,
    arn: String,
    shards: BTreeMap<String, Shard>,
    described_at: Option<Instant>,
}

impl DynamoDbStore {
    /// Opens the table's stream through a Streams client of the operators' credential chain;
    /// the Streams endpoint is `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`, else (DynamoDB Local serves
    /// both APIs on one port) `AWS_ENDPOINT_URL_DYNAMODB`.
    pub async fn stream(&self) -> Result<TableStream, StoreError> {
        let table = self
            .client
            .describe_table()
            .table_name(&self.settings.table)
            .send()
            .await
            .map_err(|err| StoreError::request("DescribeTable", &err))?;
        let arn = table
            .table()
            .and_then(|table| table.latest_stream_arn())
            .ok_or(StoreError::Request {
                operation: "DescribeTable",
                cause: FaultCause::Validation,
                code: "NoStream".to_owned(),
            })?
            .to_owned();
        let config = crate::client::operator_sdk_config().await;
        let mut streams = aws_sdk_dynamodbstreams::config::Builder::from(&config);
        let variable = |name| std::env::var(name).ok().filter(|value| !value.is_empty());
        if variable("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").is_none() {
            if let Some(endpoint) = variable("AWS_ENDPOINT_URL_DYNAMODB") {
                streams = streams.endpoint_url(endpoint);
            }
        }
        Ok(TableStream {
            client: aws_sdk_dynamodbstreams::Client::from_conf(streams.build()),
            arn,
            shards: BTreeMap::new(),
            described_at: None,
        })
    }
}

impl TableStream {
    /// The changes recorded since the last call (the first call: from the oldest record the
    /// stream keeps), shard by shard.
    pub async fn poll(&mut self) -> Result<Vec<Change>, StoreError> {
        if self
            .described_at
            .is_none_or(|at| at.elapsed() >= DESCRIBE_EVERY)
        {
            self.describe().await?;
        }
        let mut changes = Vec::new();
        let ids: Vec<String> = self
            .shards
            .iter()
            .filter(|(_, shard)| !shard.done)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            self.read_shard(&id, &mut changes).await?;
        }
        Ok(changes)
    }

    async fn describe(&mut self) -> Result<(), StoreError> {
        let mut start: Option<String> = None;
        loop {
            let described = self
                .client
                .describe_stream()
                .stream_arn(&self.arn)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .await
                .map_err(|err| StoreError::request("DescribeStream", &err))?;
            let Some(description) = described.stream_description else {
                break;
            };
            for shard in description.shards() {
                if let Some(id) = shard.shard_id() {
                    self.shards.entry(id.to_owned()).or_insert(Shard {
                        iterator: None,
                        last_sequence: None,
                        done: false,
                    });
                }
            }
            match description.last_evaluated_shard_id {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        self.described_at = Some(Instant::now());
        Ok(())
    }

    async fn read_shard(&mut self, id: &str, changes: &mut Vec<Change>) -> Result<(), StoreError> {
        for _ in 0..PAGES_PER_POLL {
            let Some(shard) = self.shards.get_mut(id) else {
                return Ok(());
            };
            let iterator = match shard.iterator.take() {
                Some(iterator) => iterator,
                None => {
                    let request = self
                        .client
                        .get_shard_iterator()
                        .stream_arn(&self.arn)
                        .shard_id(id);
                    let request = match &shard.last_sequence {
                        Some(sequence) => request
                            .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                            .sequence_number(sequence),
                        None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                    };
                    match request.send().await {
                        Ok(answer) => match answer.shard_iterator {
                            Some(iterator) => iterator,
                            None => {
                                shard.done = true;
                                return Ok(());
                            }
                        },
                        // The shard aged out of the stream's 24 hours: nothing left to read.
                        Err(err)
                            if err.as_service_error().is_some_and(|e| {
                                e.is_resource_not_found_exception()
                                    || e.is_trimmed_data_access_exception()
                            }) =>
                        {
                            shard.done = true;
                            return Ok(());
                        }
                        Err(err) => return Err(StoreError::request("GetShardIterator", &err)),
                    }
                }
            };
            let page = match self
                .client
                .get_records()
                .shard_iterator(iterator)
                .send()
                .await
            {
                Ok(page) => page,
                // An iterator lives 15 minutes; a new one starts after the last record read.
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_expired_iterator_exception()) =>
                {
                    return Ok(());
                }
                Err(err) => return Err(StoreError::request("GetRecords", &err)),
            };
            let read = page.records().len();
            for record in page.records() {
                if let Some(sequence) = record.dynamodb().and_then(|d| d.sequence_number()) {
                    shard.last_sequence = Some(sequence.to_owned());
                }
                if let Some(change) = change_of(record) {
                    changes.push(change);
                }
            }
            match page.next_shard_iterator {
                Some(next) => shard.iterator = Some(next),
                // A closed shard read to its end: its children hold what follows.
                None => {
                    shard.done = true;
                    return Ok(());
                }
            }
            if read == 0 {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The change `record` made, as rows; `None` for an item that is no row (the warm-up key).
fn change_of(record: &Record) -> Option<Change> {
    let data = record.dynamodb()?;
    let item = |image: Option<&std::collections::HashMap<String, StreamValue>>| {
        image.map(|image| {
            image
                .iter()
                .map(|(name, value)| (name.clone(), table_value(value)))
                .collect::<Item>()
        })
    };
    match record.event_name()? {
        OperationType::Insert => Some(Change::Inserted(Row::of_item(&item(data.new_image())?)?)),
        OperationType::Modify => Some(Change::Modified(Row::of_item(&item(data.new_image())?)?)),
        OperationType::Remove => {
            let keys = item(data.keys()).or_else(|| item(data.old_image()))?;
            Some(Change::Removed(RowKey(item::key_of(&keys)?)))
        }
        _ => None,
    }
}

/// A Streams attribute value as the DynamoDB client's own type (the two SDKs each define one).
fn table_value(value: &StreamValue) -> AttributeValue {
    match value {
        StreamValue::S(text) => AttributeValue::S(text.clone()),
        StreamValue::N(number) => AttributeValue::N(number.clone()),
        StreamValue::B(blob) => {
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(blob.as_ref()))
        }
        StreamValue::Bool(flag) => AttributeValue::Bool(*flag),
        StreamValue::Null(null) => AttributeValue::Null(*null),
        StreamValue::Ss(texts) => AttributeValue::Ss(texts.clone()),
        StreamValue::Ns(numbers) => AttributeValue::Ns(numbers.clone()),
        StreamValue::Bs(blobs) => AttributeValue::Bs(
            blobs
                .iter()
                .map(|blob| aws_sdk_dynamodb::primitives::Blob::new(blob.as_ref()))
                .collect(),
        ),
        StreamValue::L(list) => AttributeValue::L(list.iter().map(table_value).collect()),
        StreamValue::M(map) => AttributeValue::M(
            map.iter()
                .map(|(name, value)| (name.clone(), table_value(value)))
                .collect(),
        ),
        _ => AttributeValue::Null(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_value_becomes_the_same_table_value() {
        // Each stream value beside the table value it must become, nested in a map and a list.
        let pairs = [
            (
                StreamValue::S("text".into()),
                AttributeValue::S("text".into()),
            ),
            (StreamValue::N("12".into()), AttributeValue::N("12".into())),
            (StreamValue::Bool(true), AttributeValue::Bool(true)),
            (StreamValue::Null(true), AttributeValue::Null(true)),
            (
                StreamValue::Ss(vec!["a".into()]),
                AttributeValue::Ss(vec!["a".into()]),
            ),
        ];
        let (streamed, expected): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
        let stream_map = StreamValue::M([("l".to_owned(), StreamValue::L(streamed))].into());
        let table_map = AttributeValue::M([("l".to_owned(), AttributeValue::L(expected))].into());
        assert_eq!(table_value(&stream_map), table_map);
    }
}
