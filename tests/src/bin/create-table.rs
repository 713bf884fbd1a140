//! Creates the event table, as defined in template.yaml, in DynamoDB Local (`scripts/run-local`).
//!
//! Usage: `create-table <table-name>`; endpoint, region and credentials come from the standard
//! AWS environment variables.

use integration_tests::ensure_table;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table = std::env::args()
        .nth(1)
        .ok_or("usage: create-table <table-name>")?;
    let client = webhook_table::dynamodb_client();
    ensure_table(&client, &table).await?;
    println!("table {table} is ready");
    Ok(())
}
