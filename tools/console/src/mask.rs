//! Phone numbers as the console shows them: the last four digits, as in the logs, until the
//! operator asks to see them ("reveal").

use webhook_payload::phone_last_four;

/// Digits a run must have to be taken for a phone number in a body the console cannot read (a
/// quarantined one): shorter runs (counts, years, short ids) are left alone.
const PHONE_RUN_DIGITS: usize = 7;

/// A phone number with all but its last four digits hidden: `•••6789`.
pub fn masked(phone: &str) -> String {
    format!("•••{}", phone_last_four(phone))
}

/// `text` with each occurrence of the number `digits` masked (written as it is stored, with or
/// without a leading `+`).
pub fn mask_number_in(text: &str, digits: &str) -> String {
    if digits.len() < 4 {
        return text.to_owned();
    }
    text.replace(digits, &masked(digits))
}

/// `text` with every run of [`PHONE_RUN_DIGITS`] or more digits masked: for bodies whose phone
/// numbers cannot be found by reading them. Ids are masked too; "reveal" shows them.
pub fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= PHONE_RUN_DIGITS {
            out.push_str(&masked(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
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

    #[test]
    fn long_digit_runs_are_masked_and_short_ones_kept() {
        let shown =
            mask_digit_runs(r#"{"phone":"79991234567","templateId":1333,"at":"2025-08-10"}"#);
        assert_eq!(
            shown,
            r#"{"phone":"•••4567","templateId":1333,"at":"2025-08-10"}"#
        );
    }
}
