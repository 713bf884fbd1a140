//! BotLinkd inbound-message webhook (`message`; also both kinds on the combined /botlinkd/events route) → DynamoDB.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    webhook_receiver::serve(webhook_payload::Function::InboundMessage).await
}
