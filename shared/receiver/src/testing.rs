//! What tests of the HTTP path share (feature `testing`, never in a deployed build): the
//! fixtures' secrets, the API Gateway v2 fixtures, a receiver wired like a deployed function over
//! the in-memory store, and sending one request through it. This crate's own tests and the
//! integration tests (`integration_tests` re-exports it) use this one copy.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request};
use serde_json::Value;
use webhook_payload::{Function, Provider, Route};

use webhook_table::{EventStore, MemoryStore};

use crate::{Config, Receiver};

/// The edna API key in the fixtures and the local stack.
pub const EDNA_KEY: &str = "local-edna-key-0001";
/// The BotLinkd token in the fixtures and the local stack.
pub const BOTLINKD_TOKEN: &str = "local-botlinkd-token-0123456789abcdef";

/// The fixtures' secret of each provider, by the variable its declaration reads them from
/// (`credentials.variables.value`): one row per provider, which a test asks of every provider.
const FIXTURE_SECRETS: [(&str, &str); 2] = [
    ("EDNA_API_KEYS", EDNA_KEY),
    ("BOTLINKD_TOKENS", BOTLINKD_TOKEN),
];

/// The secret `provider`'s requests carry in the fixtures and the local stack; panics for a
/// provider without a row in `FIXTURE_SECRETS`.
pub fn fixture_secret(provider: Provider) -> &'static str {
    let variable = provider.declaration().credentials.variables.value;
    FIXTURE_SECRETS
        .iter()
        .find(|(name, _)| *name == variable)
        .map(|(_, secret)| *secret)
        .unwrap_or_else(|| panic!("no fixture secret for {provider} ({variable}) in testing.rs"))
}

/// The repository's `fixtures/` folder.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// The configuration the function that serves `route` gets, with the fixtures' secrets for each
/// provider it serves.
pub fn test_config(route: Route) -> Config {
    let providers = Function::serving(route).providers();
    Config::from_lookup(&providers, |name| {
        if name == "TABLE_NAME" {
            return Some("unused".to_owned());
        }
        providers
            .iter()
            .find(|provider| provider.declaration().credentials.variables.value == name)
            .map(|provider| fixture_secret(*provider).to_owned())
    })
    .expect("test config")
}

/// A receiver wired like the function that serves `route`, over a fresh in-memory store.
pub fn memory_receiver(route: Route) -> Receiver<MemoryStore> {
    Receiver::new(
        MemoryStore::new(),
        test_config(route),
        Function::serving(route).routes(),
    )
}

/// An API Gateway v2 fixture from `fixtures/apigw/`, as JSON to edit.
pub fn fixture_event(name: &str) -> Value {
    let path = format!("{FIXTURES}/apigw/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A provider's documented payload from `fixtures/payloads/`, verbatim.
pub fn payload(name: &str) -> String {
    let path = format!("{FIXTURES}/payloads/{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Turns an API Gateway v2 event into the request the handler sees.
pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("API Gateway v2 event")
}

/// Replaces the body of an API Gateway v2 event.
pub fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = Value::String(body.to_owned());
    event["isBase64Encoded"] = Value::Bool(false);
    event
}

/// Sends one request through the receiver; returns the status and the JSON body (Null if empty).
pub async fn send<S: EventStore>(receiver: &Receiver<S>, event: &Value) -> (StatusCode, Value) {
    let response = receiver.respond(request(event)).await.expect("infallible");
    let status = response.status();
    let body = match response.body() {
        Body::Empty => Value::Null,
        body => serde_json::from_slice(body.as_ref()).expect("JSON response body"),
    };
    (status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_fixture_secret_long_enough_for_its_declaration() {
        for provider in Provider::ALL {
            let credentials = provider.declaration().credentials;
            let secret = fixture_secret(provider);
            assert!(secret.len() >= credentials.min_chars, "{provider}");
            if let Some(below) = credentials.guessable_below_chars {
                assert!(secret.len() >= below, "{provider}: reported as guessable");
            }
        }
        assert_eq!(FIXTURE_SECRETS.len(), Provider::ALL.len());
    }
}
