//! The console's masking of phone numbers in bodies and texts shown before "reveal".
//!
//! Input: text in three parts split by NUL bytes, `before\0number\0after` (bytes that are not
//! UTF-8 become U+FFFD): a body holding a number written any way (`call me on \0+44 7123
//! 456789\0 today`). The number, when its part has 7 or more digits, is those digits, as the
//! console knows a sender's number.
//!
//! Asserts, reading the masked text the way a person reads a page (digits joined by up to three
//! spaces, dashes, dots, parentheses or `+` are one number; the list is the target's own):
//! - a known number (`mask_number_in`): no number shown holds its last seven digits, so neither
//!   the number nor its national form survives, whatever separators it is written with;
//! - any body (`mask_digit_runs`): no number shown has seven or more digits, unless it is a date
//!   `YYYY-MM-DD`;
//! - masking again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_fuzz::digit_runs;
use webhook_payload::{mask_digit_runs, mask_number_in};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let mut parts = input.splitn(3, '\0');
    let (before, written, after) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let text = format!("{before}{written}{after}");

    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 7 {
        let tail = &digits[digits.len() - 7..];
        for stored in [digits.clone(), format!("+{digits}")] {
            let shown = mask_number_in(&text, &stored);
            for (run, spanned) in digit_runs(&shown) {
                assert!(
                    !run.contains(tail),
                    "{spanned:?} shows {stored} in {shown:?}"
                );
            }
            assert_eq!(mask_number_in(&shown, &stored), shown, "masked twice");
        }
    }

    let shown = mask_digit_runs(&text);
    for (run, spanned) in digit_runs(&shown) {
        assert!(
            run.len() < 7 || is_date(&spanned),
            "{spanned:?} survives in {shown:?}"
        );
    }
    assert_eq!(mask_digit_runs(&shown), shown, "masked twice");
});

/// `YYYY-MM-DD` with a month and day that exist in some year.
fn is_date(spanned: &str) -> bool {
    let parts: Vec<&str> = spanned.split('-').collect();
    let number = |s: &str| s.parse::<u32>().unwrap_or(0);
    matches!(parts.as_slice(), [y, m, d]
        if y.len() == 4 && m.len() == 2 && d.len() == 2
            && (1..=12).contains(&number(m)) && (1..=31).contains(&number(d)))
}
