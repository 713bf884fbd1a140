//! A raw body laid out for reading without changing what it says: only whitespace outside
//! strings is added or removed, so keys keep their order, duplicate keys stay, and numbers keep
//! every digit (a `serde_json::Value` round trip would sort keys, merge duplicates and round
//! `12345678901234567890123` or `1e400`).

/// Indentation stops growing past this depth, so a hostile 20,000-deep body stays small.
const MAX_INDENT: usize = 32;

/// `raw` with a newline and two-space indentation after each `{`, `[` and `,`, and a space after
/// each `:`, when it is JSON; `None` when it is not (the page shows it as it is).
pub fn pretty(raw: &str) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(raw).ok()?;
    let mut out = String::with_capacity(raw.len() + raw.len() / 2);
    let mut depth = 0usize;
    let mut chars = raw.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth.min(MAX_INDENT) {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    out.push(c);
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => break,
                        _ => {}
                    }
                }
            }
            ' ' | '\t' | '\n' | '\r' => {}
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|next| matches!(next, '}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text without its whitespace outside strings.
    fn tokens(text: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for c in text.chars() {
            if in_string {
                out.push(c);
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
                out.push(c);
            } else if !c.is_ascii_whitespace() {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn only_whitespace_changes_keys_duplicates_and_numbers_stay_as_stored() {
        let raw = r#"{"z":1,"a":{"n":12345678901234567890123,"big":1e400,"f":0.10000000000000000001},"a":[ ],"s":"x, {y}: \"q\" \\","e":{}}"#;
        let shown = pretty(raw).expect("JSON");
        assert_eq!(tokens(&shown), tokens(raw));
        assert!(
            shown.find("\"z\"") < shown.find("\"a\""),
            "order kept: {shown}"
        );
        assert_eq!(
            shown.matches("\"a\":").count(),
            2,
            "duplicates kept: {shown}"
        );
        for digits in ["12345678901234567890123", "1e400", "0.10000000000000000001"] {
            assert!(shown.contains(digits), "{digits}: {shown}");
        }
        assert!(
            shown.contains("\"s\": \"x, {y}: \\\"q\\\" \\\\\""),
            "{shown}"
        );
        assert!(
            shown.contains("\"a\": []") && shown.contains("\"e\": {}"),
            "{shown}"
        );
        assert!(
            shown.contains("{\n  \"z\": 1,\n  \"a\": {\n    \"n\""),
            "{shown}"
        );
    }

    #[test]
    fn not_json_is_none_and_deep_nesting_stays_small() {
        assert_eq!(pretty("not json 79991234567"), None);
        assert_eq!(pretty(r#"{"a":1"#), None);
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        // serde_json's own recursion limit (128) holds deeper bodies out, shown as they are.
        let shown = pretty(&deep).expect("JSON");
        assert!(
            shown.len() < 100 * 2 * (MAX_INDENT * 2 + 2),
            "{}",
            shown.len()
        );
        assert_eq!(tokens(&shown), deep);
    }
}
