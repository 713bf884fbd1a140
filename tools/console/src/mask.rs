//! Phone numbers as the console shows them: the last four digits, as in the logs, until the
//! operator asks to see them ("reveal"). The masking itself is pure text and lives in
//! `webhook_payload` (with its tests and a fuzz target); this is the console's name for it.

pub use webhook_payload::{mask_digit_runs, mask_number_in, masked};
