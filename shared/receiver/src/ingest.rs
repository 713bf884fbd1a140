//! What happens to an authenticated webhook body: it becomes an event, stored exactly once, or,
//! when it cannot, it is quarantined raw. Nothing the provider proved it sent is refused.

use webhook_payload::{parse_event, EventRecord, PayloadError, QuarantineRecord, Route};

use webhook_table::{EventStore, Outcome, StoreError};

/// A stored body, and what it was parsed as (for the log line).
#[derive(Debug)]
pub struct Ingested {
    /// What the store did.
    pub outcome: Outcome,
    /// The event, or why the body is not one.
    pub parsed: Result<EventRecord, PayloadError>,
}

/// Parses `body` received on `route` and stores it: as the event it is, or in quarantine.
/// `Err` means nothing durable can be promised (the caller answers 5xx and the provider retries).
pub async fn ingest(
    store: &impl EventStore,
    route: Route,
    body: &[u8],
) -> Result<Ingested, StoreError> {
    let parsed = parse_event(route, body);
    let outcome = match &parsed {
        Ok(record) => store.store_event(record).await?,
        Err(error) => {
            store
                .quarantine(&QuarantineRecord::new(route, body, error))
                .await?
        }
    };
    Ok(Ingested { outcome, parsed })
}
