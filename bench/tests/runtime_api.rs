//! The local Runtime API against a real lambda_http function (`null-lambda`): every event is
//! handed out once and answered in order, and the measured window covers the events after the
//! warm-up.

use std::time::Duration;

use bench::runtime_api::{run, FunctionSpec};

#[test]
fn feeds_every_event_to_a_lambda_http_function_and_measures_the_window_after_warm_up() {
    let event = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/apigw/click.json"
    ))
    .expect("the click fixture");
    let log = std::env::temp_dir().join(format!("bench-runtime-api-{}.log", std::process::id()));
    let spec = FunctionSpec {
        name: "null".into(),
        binary: env!("CARGO_BIN_EXE_null-lambda").into(),
        events: vec![event; 5],
        warmup: 2,
        env: Vec::new(),
        log: log.clone(),
        timeout: Duration::from_secs(30),
        peer_pid: None,
    };
    let run = run(&spec);
    let _ = std::fs::remove_file(&log);
    let run = run.unwrap();
    assert_eq!(run.latencies.len(), 3);
    assert_eq!(
        run.outcomes.into_iter().collect::<Vec<_>>(),
        [("200".to_owned(), 5)]
    );
    assert!(run.init_wall > Duration::ZERO && run.first_event > Duration::ZERO);
    assert!(run.cpu_ns > 0 && run.peak_rss_kib > 0);
    // The null function writes nothing (a naive handler's log: Lambda's platform lines only).
    assert_eq!((run.init_log_bytes, run.log_bytes), (0, 0));
}
