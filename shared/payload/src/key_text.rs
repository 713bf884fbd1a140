//! How key segments are joined into one table key and split again: pure text, so that the
//! receiver's keys and the console's links share it and the fuzzer can check it without AWS.

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
}
