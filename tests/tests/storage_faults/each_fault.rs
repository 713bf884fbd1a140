//! Each fault on every route at once: throttling, 500 and 503, a DynamoDB that never answers and
//! one that answers success after 5 s are each a timely 503 after the SDK retried, never a 200.

use std::time::Duration;

use integration_tests::stub::{client_for_stub, Action, Behaviour, Stub, PUT_ITEM};
use integration_tests::{fixture_event, fixture_of, max_attempts, receiver};
use tokio::task::JoinSet;

use super::{assert_503, timed_send, ROUTES};

/// Runs every route (at once) against its own stub that always does `action`; asserts a 503
/// within the limit after the SDK retried, with at most `max_attempts()` attempts of the route's
/// one write (a PutItem, for an ack as for any event) and no other call.
async fn each_route_gets_a_timely_503(action: Action, partition: &str, min_attempts: usize) {
    let mut tasks = JoinSet::new();
    for route in ROUTES {
        let action = action.clone();
        let partition = partition.to_owned();
        tasks.spawn(async move {
            let stub = Stub::start(Behaviour::always(action)).await;
            let client = client_for_stub(&stub.endpoint, &partition);
            let handler = receiver(&client, "events", route);
            let answer = timed_send(&handler, &fixture_event(fixture_of(route))).await;
            let counts = (stub.count(PUT_ITEM), stub.total());
            (route, answer, counts)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (route, answer, (writes, total)) = done.unwrap();
        let what = format!("{action:?} on {route}");
        assert_503(&answer, &what);
        assert!(
            (min_attempts..=max_attempts()).contains(&writes),
            "{what}: {writes} write attempts"
        );
        assert_eq!(total, writes, "{what}: one kind of write only");
    }
}

#[tokio::test]
async fn throttling_is_a_503_within_2_5_s_after_retries_never_a_200() {
    for error_type in [
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
    ] {
        each_route_gets_a_timely_503(Action::Error(400, error_type), error_type, 2).await;
    }
}

#[tokio::test]
async fn internal_errors_500_and_503_are_a_503_within_2_5_s_after_retries() {
    for (status, error_type) in [
        (500, "InternalServerError"),
        (503, "ServiceUnavailableException"),
    ] {
        each_route_gets_a_timely_503(Action::Error(status, error_type), error_type, 2).await;
    }
}

#[tokio::test]
async fn a_dynamodb_that_never_answers_is_a_503_within_2_5_s() {
    // Each attempt times out after 700 ms; the operation gives up at 1.8 s.
    each_route_gets_a_timely_503(Action::Silent, "silent", 2).await;
}

#[tokio::test]
async fn a_dynamodb_that_answers_200_after_5_s_is_a_503_within_2_5_s_never_a_200() {
    // The write would succeed, but too late for the provider: the handler must not wait for it,
    // and must not claim it either.
    each_route_gets_a_timely_503(Action::SlowSuccess(Duration::from_secs(5)), "slow", 2).await;
}
