//! edna Pulse click webhook (`short_link_visited`) → DynamoDB.

use lambda_http::{run, service_fn, Error};
use webhook_payload::{Provider, Route};
use webhook_receiver::{Config, DynamoDbStore, Receiver};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env(Provider::Edna)?;
    let store = DynamoDbStore::connect(&config).await;
    let receiver = Receiver::new(store, config, &[Route::EdnaClicks]);
    run(service_fn(|request| receiver.respond(request))).await
}
