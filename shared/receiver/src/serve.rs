//! What a function's `main` runs: one receiver per cold start, wired from the function table.

use lambda_http::{run, service_fn, Error};
use webhook_payload::Function;

use crate::config::Config;
use crate::handler::Receiver;
use crate::DynamoDbStore;

/// Runs `function` on the Lambda runtime: tracing, its configuration and store built once, then
/// every request through `Receiver::respond`. The providers and the routes both come from the
/// [`Function`] table, so they cannot disagree.
pub async fn serve(function: Function) -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::load(&function.providers()).await?;
    let store = DynamoDbStore::connect(&config).await;
    let receiver = Receiver::new(store, config, function.routes());
    run(service_fn(|request| receiver.respond(request))).await
}
