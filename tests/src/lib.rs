//! Integration tests against DynamoDB Local.
