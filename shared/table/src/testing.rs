//! What tests and benchmarks need of the table's layout (feature `testing`, never in a
//! function's or tool's build): the item builders and keys the store writes through, so a test
//! that reads DynamoDB Local directly, or a benchmark floor that writes like the functions, uses
//! the same layout as the store instead of a copy of it. Everyone else reads [`crate::Row`]s.

pub use crate::item::*;

/// The row `item` reads back as, as the store's reads and the stream give it.
pub fn row_of_item(item: &Item) -> Option<crate::Row> {
    crate::Row::of_item(item)
}

/// The row key of the item at `key`.
pub fn row_key(key: ItemKey) -> crate::RowKey {
    crate::RowKey(key)
}
