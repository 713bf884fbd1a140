//! Key escaping (`compose`, `key_segments`): provider values (ids, statuses, links) become key
//! segments, so a `#` or `%` inside one must not shift the segments of a key.
//!
//! Input: two segment lists as text, the lists split by a NUL byte, the segments of a list by
//! byte 0x01 (`MSG\x01botlinkd\x0110922\x00MSG\x01botlinkd\x0110922#x`); bytes that are not
//! UTF-8 become U+FFFD. A list always has a segment, as every key the table holds has.
//!
//! Asserts: splitting a composed key gives back its segments; two different segment lists never
//! give one key; a key has one `#` fewer than it has segments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_payload::{compose, key_segments};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lists = text
        .splitn(3, '\0')
        .map(|list| list.split('\u{1}').collect::<Vec<_>>());
    let a = lists.next().unwrap_or_default();
    let b = lists
        .next()
        .unwrap_or_else(|| vec!["MSG", "botlinkd", "10922", "wamid.X"]);
    let (key_a, key_b) = (compose(&a), compose(&b));
    for (segments, key) in [(&a, &key_a), (&b, &key_b)] {
        assert_eq!(&key_segments(key), segments, "{key}");
        assert_eq!(key.matches('#').count(), segments.len() - 1, "{key}");
    }
    assert_eq!(
        a == b,
        key_a == key_b,
        "{a:?} and {b:?}: {key_a} and {key_b}"
    );
});
