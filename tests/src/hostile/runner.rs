//! The property runner: `PROPTEST_CASES` cases (default 2000) per property, and how many ran.

use super::*;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
pub const DEFAULT_CASES: u32 = 2_000;

/// Cases per property: `PROPTEST_CASES`, or [`DEFAULT_CASES`].
pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs `test` on `cases()` values of `strategy`, fails with proptest's minimal failing input,
/// and prints how many cases passed (`-- --nocapture` shows it).
pub fn check<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let ran = AtomicU32::new(0);
    let started = Instant::now();
    let result = TestRunner::new(config).run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    if let Err(err) = result {
        panic!("{name}: {err}");
    }
    let ran = ran.into_inner();
    assert!(ran >= cases(), "{name}: only {ran} cases ran");
    println!(
        "hostile_input: {name}: {ran} cases passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
