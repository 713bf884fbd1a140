//! Phone numbers as a page shows them before "reveal": all but the last four digits hidden,
//! however the number is written (`+44 7123 456789`, `+44-7123-456-789`, `(0) 7123.456789`).
//! Pure text, so the console uses it and the fuzzer checks it without AWS.

use std::ops::Range;

use crate::{phone_digits, phone_last_four};

/// Digits a written number must have to be taken for a phone number in a body the console cannot
/// read (a quarantined one): shorter ones (counts, years, short ids) are left alone. Also how many
/// of a known number's last digits identify it wherever it is written (with or without its
/// country code).
pub const PHONE_DIGITS: usize = 7;

/// Separators in a row that still join two digit groups into one written number (`" - "`,
/// `") "`). More, and the digits are two numbers.
pub const MAX_JOINER: usize = 3;

/// Whether `c` can stand between the digit groups of one written number: any space (also
/// no-break and thin ones), dashes and the minus sign, dots, parentheses and `+`.
pub fn is_number_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '(' | ')' | '+' | '\u{2010}'..='\u{2015}' | '\u{2212}'
        )
}

/// A phone number with all but its last four digits hidden: `•••6789`.
pub fn masked(phone: &str) -> String {
    format!("•••{}", phone_last_four(phone))
}

/// `text` with every written number that holds the phone number `phone` masked, however it is
/// written: with or without `+`, its country code, spaces, dashes, dots or parentheses. A written
/// number holds it when its digits contain the number's last [`PHONE_DIGITS`] digits (all of them
/// for a shorter number); the whole written number is masked, keeping its own last four digits.
pub fn mask_number_in(text: &str, phone: &str) -> String {
    let digits = phone_digits(phone);
    if digits.len() < 4 {
        return text.to_owned();
    }
    let tail = &digits[digits.len().saturating_sub(PHONE_DIGITS)..];
    mask_written(text, |_, written| written.contains(tail))
}

/// `text` with every written number of [`PHONE_DIGITS`] or more digits masked (keeping its last
/// four): for bodies whose phone numbers cannot be found by reading them. Ids are masked too;
/// "reveal" shows them. A date (`2025-08-10`) is left alone.
pub fn mask_digit_runs(text: &str) -> String {
    mask_written(text, |shown, written| {
        written.len() >= PHONE_DIGITS && !is_iso_date(text, shown)
    })
}

/// `text` with each written number for which `hide(span, its digits)` holds replaced by
/// [`masked`] of its digits.
fn mask_written(text: &str, hide: impl Fn(Range<usize>, &str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in written_numbers(text) {
        let digits: String = text[span.clone()]
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if hide(span.clone(), &digits) {
            out.push_str(&text[copied..span.start]);
            out.push_str(&masked(&digits));
            copied = span.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The numbers written in `text`, as byte ranges from their first digit to their last: digit
/// groups joined by at most [`MAX_JOINER`] separators ([`is_number_separator`]) each.
fn written_numbers(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let is_digit = |i: usize| chars.get(i).is_some_and(|(_, c)| c.is_ascii_digit());
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(i) {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut last = i;
        let mut next = i + 1;
        loop {
            while is_digit(next) {
                last = next;
                next += 1;
            }
            let mut joiner = next;
            while joiner < chars.len()
                && joiner - next < MAX_JOINER
                && is_number_separator(chars[joiner].1)
            {
                joiner += 1;
            }
            if joiner == next || !is_digit(joiner) {
                break;
            }
            next = joiner;
        }
        // An ASCII digit is one byte.
        spans.push(start..chars[last].0 + 1);
        i = last + 1;
    }
    spans
}

/// Whether the written number at `span` of `text` is a calendar date, `YYYY-MM-DD` (not after a
/// `+`, which only a phone number has).
fn is_iso_date(text: &str, span: Range<usize>) -> bool {
    let b = text[span.clone()].as_bytes();
    let number = |range: Range<usize>| -> u32 {
        b[range].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
    };
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0..4, 5..7, 8..10]
            .into_iter()
            .all(|r| b[r].iter().all(u8::is_ascii_digit))
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && !text[..span.start].ends_with('+')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_number_keeps_its_last_four_digits() {
        assert_eq!(masked("447123456789"), "•••6789");
        assert_eq!(masked("+44 7123-456789"), "•••6789");
    }

    #[test]
    fn a_known_number_is_masked_wherever_a_body_holds_it() {
        let body = r#"{"from": "447123456789", "note": "+447123456789", "to": "15550123456"}"#;
        let shown = mask_number_in(body, "447123456789");
        assert!(!shown.contains("447123456789"), "{shown}");
        assert!(
            shown.contains("\"•••6789\"") && shown.contains("+•••6789"),
            "{shown}"
        );
        assert!(shown.contains("15550123456"), "other numbers stay: {shown}");
    }

    /// Each way a person or a provider writes the number, inside a message's text.
    const WRITTEN: [&str; 12] = [
        "447123456789",
        "+447123456789",
        "+44 7123 456789",
        "+44 7123 456 789",
        "+44-7123-456-789",
        "+44.7123.456.789",
        "+44 (7123) 456789",
        "(+44) 7123-456-789",
        "+44 - 7123 - 456789",
        "+44\u{a0}7123\u{a0}456789",
        "+44\u{2011}7123\u{2013}456789",
        "447123456789@c.us",
    ];

    #[test]
    fn a_known_number_is_masked_however_it_is_written() {
        for written in WRITTEN {
            let body = format!(r#"{{"text":"call me on {written} today"}}"#);
            let shown = mask_number_in(&body, "447123456789");
            assert!(shown.contains("•••6789"), "{written}: {shown}");
            for leak in ["447123", "7123", "4567"] {
                assert!(!shown.contains(leak), "{written}: {shown}");
            }
            assert!(shown.starts_with(r#"{"text":"call me on "#), "{shown}");
            assert!(shown.ends_with(r#" today"}"#), "{shown}");
        }
    }

    #[test]
    fn a_known_number_is_masked_without_its_country_code_too() {
        for written in ["07123 456789", "(0) 7123 456789", "+44 (0) 7123 456789"] {
            let shown = mask_number_in(&format!("ring {written}"), "+447123456789");
            assert!(shown.ends_with("•••6789"), "{written}: {shown}");
            assert!(!shown.contains("7123"), "{written}: {shown}");
        }
    }

    #[test]
    fn an_unknown_number_is_masked_however_it_is_written() {
        for written in WRITTEN {
            let body = format!(r#"{{"text":"call me on {written} today","n":1333}}"#);
            let shown = mask_digit_runs(&body);
            assert!(shown.contains("•••6789"), "{written}: {shown}");
            assert!(!shown.contains("7123"), "{written}: {shown}");
            assert!(shown.ends_with(r#" today","n":1333}"#), "{shown}");
        }
    }

    #[test]
    fn long_digit_runs_are_masked_and_short_ones_and_dates_kept() {
        let shown = mask_digit_runs(
            r#"{"phone":"79991234567","templateId":1333,"at":"2025-08-10T12:32:56.000Z"}"#,
        );
        assert_eq!(
            shown,
            r#"{"phone":"•••4567","templateId":1333,"at":"2025-08-10T12:32:56.000Z"}"#
        );
    }

    #[test]
    fn groups_too_far_apart_or_too_short_stay() {
        for text in [
            "room 12 floor 3 block 45",
            "123    4567",
            "1.5, 2.25 and 3.125",
            "v1.2.3",
            "12:30:45",
        ] {
            assert_eq!(mask_digit_runs(text), text);
        }
    }

    #[test]
    fn a_number_shaped_like_a_date_is_masked_when_it_is_not_one() {
        for (text, shown) in [
            ("2025-13-10", "•••1310"),
            ("+2025-08-10", "+•••0810"),
            ("2025-08-10 1234", "•••1234"),
            ("2025-08-10", "2025-08-10"),
        ] {
            assert_eq!(mask_digit_runs(text), shown, "{text}");
        }
    }

    #[test]
    fn masking_twice_changes_nothing_more() {
        for written in WRITTEN {
            let once = mask_digit_runs(written);
            assert_eq!(mask_digit_runs(&once), once);
            let once = mask_number_in(written, "447123456789");
            assert_eq!(mask_number_in(&once, "447123456789"), once);
        }
    }

    #[test]
    fn a_short_known_number_masks_nothing() {
        assert_eq!(mask_number_in("code 123", "123"), "code 123");
    }
}
