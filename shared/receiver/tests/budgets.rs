//! The time budgets of a request's writes, checked against each other.

use std::time::Duration;

use webhook_receiver::STORE_BUDGET;
use webhook_table::DYNAMODB_OPERATION_TIMEOUT;

#[test]
fn a_storage_fault_is_answered_inside_botlinkd_s_3_s_by_construction() {
    // The handler cuts the writes at STORE_BUDGET whatever the client does; the client gives up
    // on one operation (its retries included) before that; both leave room in BotLinkd's 3 s for
    // the answer itself. The fault tests prove the cuts happen (a stub that never answers still
    // gets a 503); these figures are what makes them fast.
    assert!(
        DYNAMODB_OPERATION_TIMEOUT < STORE_BUDGET,
        "{DYNAMODB_OPERATION_TIMEOUT:?}"
    );
    assert!(STORE_BUDGET + Duration::from_millis(500) <= Duration::from_secs(3));
}
