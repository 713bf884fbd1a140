//! Erasure of one person's data: every item linked to a phone number, on request (GDPR art. 17).
//!
//! Linked items are found without a Scan: the person's clicks and messages through `by_phone`,
//! then everything in those messages' partitions (their acks and status, collisions), and the
//! quarantined bodies of each given day that contain the number.

use std::collections::{BTreeMap, BTreeSet};

use webhook_payload::phone_key;

use crate::item::{self, Item};
use crate::store::{DynamoDbStore, StoreError};

/// How many items of each kind were (or, in a dry run, would be) deleted.
pub type ErasureCounts = BTreeMap<String, usize>;

/// Deletes (with `apply`; otherwise only counts) every item linked to `phone`: the partitions of
/// its clicks and messages, and the quarantine items of `days` (`YYYY-MM-DD`) whose raw body
/// contains its digits.
pub async fn erase_phone(
    store: &DynamoDbStore,
    phone: &str,
    days: &[String],
    apply: bool,
) -> Result<ErasureCounts, StoreError> {
    let mut doomed: Vec<Item> = Vec::new();
    let timeline = store
        .query_all(
            Some(item::BY_PHONE_INDEX),
            item::PHONE_KEY,
            &phone_key(phone),
        )
        .await?;
    let partitions: BTreeSet<String> = timeline
        .iter()
        .filter_map(|entry| item::text(entry, item::PK).map(str::to_owned))
        .collect();
    for pk in &partitions {
        doomed.extend(store.query_all(None, item::PK, pk).await?);
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    for day in days {
        let quarantined = store.quarantined_on(day).await?;
        doomed.extend(quarantined.into_iter().filter(|q| {
            item::raw_body_of(q).is_some_and(|body| {
                !digits.is_empty() && body.windows(digits.len()).any(|w| w == digits.as_bytes())
            })
        }));
    }
    let mut counts = ErasureCounts::new();
    for doomed in &doomed {
        let kind = if doomed.contains_key(item::COLLISION_OF) {
            "collision"
        } else {
            item::text(doomed, item::KIND).unwrap_or("unknown")
        };
        *counts.entry(kind.to_owned()).or_default() += 1;
        if apply {
            store
                .client()
                .delete_item()
                .table_name(store.table())
                .key(item::PK, doomed[item::PK].clone())
                .key(item::SK, doomed[item::SK].clone())
                .send()
                .await
                .map_err(|err| StoreError::request("DeleteItem", &err))?;
        }
    }
    Ok(counts)
}
