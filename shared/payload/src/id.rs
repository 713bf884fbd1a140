//! DynamoDB key building. Provider values are escaped so that a `#` inside an id can never
//! shift the segments of a key and forge another event's key.

/// Sort key of the per-message current-status item.
pub const STATUS_SORT_KEY: &str = "STATUS";

/// Prefix of the sort key of a record that collided with another under the same idempotency key.
pub const COLLISION_PREFIX: &str = "COLLISION#";

/// A table item's primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    /// Partition key (`pk`).
    pub pk: String,
    /// Sort key (`sk`).
    pub sk: String,
}

impl ItemKey {
    /// The key under which a different body with this key's idempotency key is kept, so that a
    /// collision never overwrites the first record and a retry of the colliding body is still a
    /// duplicate. It sits outside the `EVENT#` prefix, so that a query for a message's events
    /// finds each event once.
    pub fn collision(&self, body_sha256: &str) -> ItemKey {
        ItemKey {
            pk: self.pk.clone(),
            sk: format!("{COLLISION_PREFIX}{}#{body_sha256}", self.sk),
        }
    }
}

/// The `by_phone` partition key of a phone number: `PHONE#<its digits>` ([`phone_digits`]), so
/// that the number a person gives and the one a provider sent find the same timeline.
pub fn phone_key(phone: &str) -> String {
    compose(&["PHONE", &phone_digits(phone)])
}

/// A phone number as its digits, the one form keys, erasure and searches compare: a WhatsApp
/// address's device and server parts (`:12`, `@c.us`, `@s.whatsapp.net`) are cut off, then
/// everything but the digits (`+`, spaces, dashes, dots, brackets) is dropped.
/// `+44 7700-900123` and `447700900123@c.us` are both `447700900123`.
pub fn phone_digits(phone: &str) -> String {
    let number = phone.split(['@', ':']).next().unwrap_or_default();
    number.chars().filter(char::is_ascii_digit).collect()
}

/// The segments a key was composed of ([`compose`]), unescaped: what the console turns into a
/// URL and back.
pub fn key_segments(key: &str) -> Vec<String> {
    key.split('#')
        .map(|segment| segment.replace("%23", "#").replace("%25", "%"))
        .collect()
}

/// Joins key segments with `#`, escaping `%` and `#` inside each segment (percent-encoding), so
/// that distinct segment lists always give distinct keys.
pub fn compose(segments: &[&str]) -> String {
    let mut key = String::with_capacity(segments.iter().map(|s| s.len() + 1).sum());
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            key.push('#');
        }
        for c in segment.chars() {
            match c {
                '%' => key.push_str("%25"),
                '#' => key.push_str("%23"),
                c => key.push(c),
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_key_is_the_same_however_the_number_is_written() {
        for written in [
            "447123456789",
            "+447123456789",
            "+44 7123 456789",
            "+44-7123-456-789",
            "+44 (7123) 456.789",
            "447123456789@c.us",
            "447123456789@s.whatsapp.net",
            "447123456789:12@s.whatsapp.net",
        ] {
            assert_eq!(phone_key(written), "PHONE#447123456789", "{written}");
            assert_eq!(phone_digits(written), "447123456789", "{written}");
        }
    }

    #[test]
    fn a_number_keeps_every_digit_and_only_digits() {
        assert_eq!(phone_digits("4477009001234"), "4477009001234");
        assert_eq!(phone_digits("+1"), "1");
        assert_eq!(phone_digits("not a number"), "");
        assert_eq!(phone_digits("@c.us"), "");
    }

    #[test]
    fn compose_joins_plain_segments_with_hash() {
        assert_eq!(
            compose(&["MSG", "botlinkd", "10922", "wamid.X"]),
            "MSG#botlinkd#10922#wamid.X"
        );
    }

    #[test]
    fn a_hash_inside_a_segment_cannot_forge_another_key() {
        let forged = compose(&["MSG", "botlinkd", "10922#wamid.X"]);
        let real = compose(&["MSG", "botlinkd", "10922", "wamid.X"]);
        assert_ne!(forged, real);
        assert_eq!(forged, "MSG#botlinkd#10922%23wamid.X");
    }

    #[test]
    fn key_segments_undo_compose() {
        for segments in [
            vec!["MSG", "botlinkd", "10922", "wamid.X"],
            vec!["MSG", "edna", "in", "101"],
            vec!["MSG", "botlinkd", "10922#x", "a%23b", "%"],
        ] {
            assert_eq!(key_segments(&compose(&segments)), segments);
        }
    }

    #[test]
    fn the_escape_character_itself_is_escaped() {
        // Without escaping `%`, "a%23" and "a#" would both become "a%23".
        assert_ne!(compose(&["a%23"]), compose(&["a#"]));
        assert_eq!(compose(&["a%23"]), "a%2523");
    }

    #[test]
    fn collision_key_keeps_the_partition_and_extends_the_sort_key() {
        let key = ItemKey {
            pk: "MSG#x".into(),
            sk: "EVENT#ack#read".into(),
        };
        let collision = key.collision("abc");
        assert_eq!(collision.pk, key.pk);
        assert_eq!(collision.sk, "COLLISION#EVENT#ack#read#abc");
        assert!(!collision.sk.starts_with("EVENT#"));
    }
}
