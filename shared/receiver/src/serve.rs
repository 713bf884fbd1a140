//! What a function's `main` runs: one receiver per cold start, wired from the function table.

use lambda_http::{run, service_fn, Error};
use webhook_payload::Function;

use crate::config::Config;
use crate::handler::Receiver;
use crate::request_line::LineSink;
use webhook_table::DynamoDbStore;

/// Milliseconds since the Unix epoch, for a cold start's EMF lines.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// Runs `function` on the Lambda runtime: tracing (capped: [`crate::logging`]), its
/// configuration and store built once, then every request through `Receiver::respond`. The
/// providers and the routes both come from the [`Function`] table, so they cannot disagree.
pub async fn serve(function: Function) -> Result<(), Error> {
    crate::logging::init();
    let config = Config::load(&function.providers()).await?;
    config.report_weak_secrets(&LineSink::Stdout, now_ms());
    let store = DynamoDbStore::for_function(config.store.clone());
    if config.warm_up {
        // Only logged: the first event then connects as it would have anyway.
        if let Err(err) = store.warm_up().await {
            tracing::warn!(error = %err, "DynamoDB warm-up failed; the first event will connect");
        }
    }
    let receiver = Receiver::new(store, config, function.routes());
    run(service_fn(|request| receiver.respond(request))).await
}
