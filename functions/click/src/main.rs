//! edna Pulse click webhook (`short_link_visited`) → DynamoDB.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    webhook_receiver::serve(webhook_payload::Function::Click).await
}
