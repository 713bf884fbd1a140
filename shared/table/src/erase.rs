//! Erasure of one person's data: every item tied to a phone number, on request (GDPR art. 17).
//!
//! An item is tied to a person when it is (docs/operations.md, "Retention and erasure"):
//! - a click or message whose `phone_key` is the number's digits (found through `by_phone`);
//! - another item in the partition of such a click or message (that message's acks, collision
//!   records), unless its body names another number;
//! - a quarantined body in which the number's digits stand alone, not inside a longer digit run;
//! - an unmodelled provider event (a BotLinkd `call`, an edna template update: stored as it came,
//!   with no `phone_key`) in whose body the number's digits stand alone.
//!
//! Quarantined bodies are found through the sparse `by_quarantine_day` index, which holds their
//! keys and nothing else, and read by key. Unmodelled events have no index: they are found by a
//! Scan of the table that DynamoDB filters to the `UNMODELLED#` partitions (those received since
//! the first day searched, with `--since`). Everything is read and deleted one page at a time. A
//! run that stops halfway (a crash, a fault that outlasted the retries) is finished
//! by the next one: in each partition the clicks and messages that lead to it go last, and
//! deleting what is already gone counts nothing.

use std::collections::{BTreeMap, BTreeSet};

use webhook_payload::{parse_event, phone_digits, Route};

use crate::item::{self, Item, MIN_PHONE_DIGITS};
use crate::store::{DynamoDbStore, Listing, StoreError};

/// Why an erasure did not run, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    /// The number has fewer than `MIN_PHONE_DIGITS` (8) digits: nothing was read or deleted.
    #[error("a number to erase needs at least {MIN_PHONE_DIGITS} digits; this one has {0}")]
    TooShort(usize),
    /// The table could not be read or written; what was deleted so far stays deleted, and
    /// running the same erasure again finishes it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The digits of `phone` ([`phone_digits`]), if there are enough of them to erase by.
pub fn erasable_digits(phone: &str) -> Result<String, EraseError> {
    let digits = phone_digits(phone);
    if digits.len() < MIN_PHONE_DIGITS {
        return Err(EraseError::TooShort(digits.len()));
    }
    Ok(digits)
}

/// Which quarantined bodies an erasure searches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuarantineSearch {
    /// Every quarantined body still in the table, whatever the retention.
    Everything,
    /// The bodies received on these days (`YYYY-MM-DD`).
    Days(Vec<String>),
}

/// What an erasure found, so far or in all.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ErasureCounts {
    /// Items read: the person's timeline, their partitions, the quarantine searched.
    pub read: usize,
    /// The person's items by kind (`click`, `message`, `ack`, `collision`, `quarantine`): deleted, or in a dry run to be deleted.
    pub erased: BTreeMap<String, usize>,
    /// Items in the person's partitions whose body names another number: left alone.
    pub kept: usize,
}

impl ErasureCounts {
    /// The person's items, all kinds together.
    pub fn total(&self) -> usize {
        self.erased.values().sum()
    }
}

/// One erasure's state: what it looks for, and what it found.
struct Run<'a> {
    store: &'a DynamoDbStore,
    digits: String,
    phone_key: String,
    apply: bool,
    counts: ErasureCounts,
}

/// Deletes (with `apply`; otherwise only counts) every item tied to `phone` (see the module),
/// and the quarantined bodies of `quarantine` that name it. `progress` sees the counts after
/// every page. A number of fewer than `MIN_PHONE_DIGITS` (8) digits is refused before any read.
pub async fn erase_phone(
    store: &DynamoDbStore,
    phone: &str,
    quarantine: &QuarantineSearch,
    apply: bool,
    mut progress: impl FnMut(&ErasureCounts),
) -> Result<ErasureCounts, EraseError> {
    let digits = erasable_digits(phone)?;
    let mut run = Run {
        store,
        phone_key: item::phone_key(&digits).ok_or(EraseError::TooShort(digits.len()))?,
        digits,
        apply,
        counts: ErasureCounts::default(),
    };
    let mut partitions = BTreeSet::new();
    let mut timeline = store.pages(Listing::Phone(run.phone_key.clone()));
    while let Some(page) = timeline.next().await? {
        run.counts.read += page.len();
        for entry in &page {
            let Some(pk) = item::text(entry, item::PK) else {
                continue;
            };
            if partitions.insert(pk.to_owned()) {
                run.partition(pk).await?;
            }
        }
        // Last: while one is left, the next run finds its partition again.
        for entry in &page {
            run.erase(entry).await?;
        }
        progress(&run.counts);
    }
    let mut listings = match quarantine {
        QuarantineSearch::Everything => vec![Listing::Quarantine],
        QuarantineSearch::Days(days) => days
            .iter()
            .map(|day| Listing::QuarantinedOn(day.clone()))
            .collect(),
    };
    // Unmodelled events last: no index ties them to a number.
    listings.push(unmodelled_listing(quarantine));
    for listing in listings {
        run.erase_bodies_naming_the_number(listing, &mut progress)
            .await?;
    }
    Ok(run.counts)
}

/// Where the unmodelled events of `search`'s days are: every one, or those received since its
/// first day.
fn unmodelled_listing(search: &QuarantineSearch) -> Listing {
    match search {
        QuarantineSearch::Everything => Listing::Unmodelled(None),
        QuarantineSearch::Days(days) => Listing::Unmodelled(days.iter().min().cloned()),
    }
}

impl Run<'_> {
    /// Erases the items of `listing` (quarantined bodies, unmodelled events) whose raw body names
    /// the number: its digits standing alone.
    async fn erase_bodies_naming_the_number(
        &mut self,
        listing: Listing,
        progress: &mut impl FnMut(&ErasureCounts),
    ) -> Result<(), StoreError> {
        let mut pages = self.store.pages(listing);
        while let Some(page) = pages.next().await? {
            self.counts.read += page.len();
            for found in &page {
                let body = item::raw_body_of(found);
                if body.is_some_and(|body| stands_alone(&self.digits, &body)) {
                    self.erase(found).await?;
                }
            }
            progress(&self.counts);
        }
        Ok(())
    }

    /// Erases the items of partition `pk` that are the person's, except the clicks and messages
    /// that carry their `phone_key` (the timeline erases those, after this).
    async fn partition(&mut self, pk: &str) -> Result<(), StoreError> {
        let mut pages = self.store.pages(Listing::Partition(pk.to_owned()));
        while let Some(page) = pages.next().await? {
            self.counts.read += page.len();
            for item in &page {
                match item::text(item, item::PHONE_KEY) {
                    Some(key) if key == self.phone_key => {}
                    _ if self.names_another(item) => self.counts.kept += 1,
                    _ => self.erase(item).await?,
                }
            }
        }
        Ok(())
    }

    /// Deletes `item` (with `apply`) and counts it under its kind; a delete that finds nothing
    /// (a second run, a stale index entry) counts nothing.
    async fn erase(&mut self, item: &Item) -> Result<(), StoreError> {
        if self.apply && !self.store.delete(item).await? {
            return Ok(());
        }
        let kind = if item.contains_key(item::COLLISION_OF) {
            "collision"
        } else {
            item::text(item, item::KIND).unwrap_or("unknown")
        };
        *self.counts.erased.entry(kind.to_owned()).or_default() += 1;
        Ok(())
    }

    /// Whether `item` belongs to another number: its `phone_key` is another's, or its body
    /// parses as an event with another number. Acks name none.
    fn names_another(&self, item: &Item) -> bool {
        if let Some(key) = item::text(item, item::PHONE_KEY) {
            return key != self.phone_key;
        }
        let Some(body) = item::raw_body_of(item) else {
            return false;
        };
        Route::ALL
            .into_iter()
            .find_map(|route| parse_event(route, &body).ok())
            .and_then(|record| record.phone().map(phone_digits))
            .is_some_and(|digits| digits != self.digits)
    }
}

/// Whether `digits` stand alone somewhere in `body`: not inside a longer run of digits, so
/// `447700900123` is not found in `4477009001234`.
fn stands_alone(digits: &str, body: &[u8]) -> bool {
    body.split(|byte| !byte.is_ascii_digit())
        .any(|run| run == digits.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fewer_than_eight_digits_are_refused_however_they_are_written() {
        for short in ["1", "+1", "1234567", "+12 345-67", "", "@c.us"] {
            assert!(
                matches!(erasable_digits(short), Err(EraseError::TooShort(_))),
                "{short}"
            );
        }
        assert_eq!(erasable_digits("12345678").unwrap(), "12345678");
        assert_eq!(erasable_digits("+44 7700 900123").unwrap(), "447700900123");
    }

    #[test]
    fn a_number_matches_a_body_only_where_its_digits_stand_alone() {
        let person = "447700900123";
        for named in [
            "447700900123",
            r#"{"from":"447700900123"}"#,
            r#"{"from":"+447700900123"}"#,
            r#"{"from":"447700900123@c.us"}"#,
            "a 447700900123 b",
        ] {
            assert!(stands_alone(person, named.as_bytes()), "{named}");
        }
        for not_named in [
            r#"{"from":"4477009001234"}"#,
            r#"{"from":"1447700900123"}"#,
            r#"{"from":"44770090012"}"#,
            r#"{"from":"+44 7700 900123"}"#,
            "",
        ] {
            assert!(!stands_alone(person, not_named.as_bytes()), "{not_named}");
        }
    }
}
