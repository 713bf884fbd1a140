//! What happens to an authenticated webhook body: it becomes an event, stored exactly once, or,
//! when it cannot, it is quarantined raw. Nothing the provider proved it sent is refused.

use webhook_payload::{parse_event, QuarantineRecord, Route};

use webhook_table::{EventStore, StoreError};

use crate::disposition::Disposition;

/// Parses `body` received on `route` and stores it: as the event it is, or in quarantine.
/// `Err` means nothing durable can be promised (the caller answers 5xx and the provider retries).
pub async fn ingest(
    store: &impl EventStore,
    route: Route,
    body: &[u8],
) -> Result<Disposition, StoreError> {
    Ok(match parse_event(route, body) {
        Ok(record) => Disposition::Event {
            outcome: store.store_event(&record).await?,
            wrong_route: !route.expects(record.kind()),
            record: Box::new(record),
        },
        Err(error) => Disposition::Quarantined {
            outcome: store
                .quarantine(&QuarantineRecord::new(route, body, &error))
                .await?,
            error,
        },
    })
}
