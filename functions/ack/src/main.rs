//! BotLinkd delivery-status webhook (`ack`) → DynamoDB.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    webhook_receiver::serve(webhook_payload::Function::Ack).await
}
