//! The one DynamoDB table: conditional writes that make every event land exactly once.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::config::{Region, SharedHttpClient};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use webhook_payload::{Attr, EventRecord, ItemKey, StatusChange};

use crate::Config;

/// Builds the DynamoDB client once per cold start from what Lambda puts in the environment:
/// the region (`AWS_REGION`) and credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, read by aws-config's environment provider), plus
/// `AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL` (DynamoDB Local), `AWS_USE_FIPS_ENDPOINT`
/// and `AWS_USE_DUALSTACK_ENDPOINT`. aws-config's default chain is left out on purpose: its
/// profile files, SSO, web identity (an STS client) and IMDS never apply in Lambda, and they are
/// 1.1 MB of every binary (BENCHMARKS.md).
pub fn dynamodb_client() -> Client {
    let config = client_config(|name| std::env::var(name).ok())
        .credentials_provider(EnvironmentVariableCredentialsProvider::new());
    Client::from_conf(with_client_settings(config).build())
}

/// Region, endpoint and endpoint flags of [`dynamodb_client`], read through `lookup`.
fn client_config(lookup: impl Fn(&str) -> Option<String>) -> aws_sdk_dynamodb::config::Builder {
    let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    // Case-insensitive, as aws-config reads these variables.
    let flag =
        |name: &str| get(name).is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    let mut config = aws_sdk_dynamodb::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .use_fips(flag("AWS_USE_FIPS_ENDPOINT"))
        .use_dual_stack(flag("AWS_USE_DUALSTACK_ENDPOINT"));
    // The order of aws-config's environment region provider.
    config.set_region(
        get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .map(Region::new),
    );
    config.set_endpoint_url(get("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| get("AWS_ENDPOINT_URL")));
    config
}

/// What every DynamoDB client of the functions uses: [`https_client`], and timeouts and retries
/// that fit the answer budget (BotLinkd retries after 3 s, and the SDK's defaults, 1 s initial
/// backoff and no attempt timeout, do not fit in it).
pub fn with_client_settings(
    config: aws_sdk_dynamodb::config::Builder,
) -> aws_sdk_dynamodb::config::Builder {
    config
        .http_client(https_client())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(400))
                .operation_attempt_timeout(Duration::from_millis(700))
                .operation_timeout(Duration::from_millis(1_800))
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(200)),
        )
}

/// The root certificates of Amazon Trust Services, which issues the certificates of the AWS
/// service endpoints: Amazon Root CA 1-4 and Starfield Services Root Certificate Authority - G2,
/// the roots AWS tells clients to trust. Copied from Mozilla's CA list (Debian's ca-certificates).
const AMAZON_TRUST_SERVICES_ROOTS: &str = include_str!("../certs/amazon-trust-services.pem");

/// HTTP(S) for the SDK: rustls with ring, trusting [`AMAZON_TRUST_SERVICES_ROOTS`] only. The
/// system's trust store would cost ~3 ms of every cold start to read and parse ~150 roots, and
/// the SDK's default TLS stack would add aws-lc (C) to the binary; BENCHMARKS.md has the figures.
/// Plain `http://` endpoints (DynamoDB Local) work too.
fn https_client() -> SharedHttpClient {
    let roots = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_TRUST_SERVICES_ROOTS.as_bytes());
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(roots)
                .build()
                .expect("a TLS context with a trust store always builds"),
        )
        .build_https()
}

/// The partition key that [`EventStore::warm_up`] reads. Event keys always join several segments
/// with `#`, so no event lives here; template.yaml lets the functions read this key and no other.
pub const WARM_UP_KEY: &str = "WARM-UP";

/// Why the table could not be written. Every variant means "not stored": the caller must not
/// answer 200.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request failed: unreachable, timed out, throttled, or a service error.
    #[error("DynamoDB {operation} failed: {detail}")]
    Request {
        /// The DynamoDB operation.
        operation: &'static str,
        /// The SDK's error with its full context.
        detail: String,
    },
    /// A conditional-check failure came back without the existing item, so a duplicate cannot
    /// be told from a collision.
    #[error("DynamoDB PutItem reported an existing item but did not return it")]
    ExistingItemMissing,
}

impl StoreError {
    fn request(operation: &'static str, err: impl std::error::Error) -> StoreError {
        StoreError::Request {
            operation,
            detail: DisplayErrorContext(err).to_string(),
        }
    }
}

/// What [`EventStore::put_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// First delivery: the record was written.
    Stored,
    /// A retry of an event already stored with the same body: nothing was written.
    Duplicate,
    /// Another body already holds this idempotency key; this one was stored beside it.
    StoredCollision,
}

/// What [`EventStore::advance_status`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusOutcome {
    /// The message's status moved forward to the ack's status.
    Advanced,
    /// The message already had this status or a later one.
    Unchanged,
}

/// The webhook event table.
#[derive(Debug, Clone)]
pub struct EventStore {
    client: Client,
    table: String,
}

enum Conditional {
    Written,
    Exists { body_sha256: Option<String> },
}

impl EventStore {
    /// A store over `table`, using a client built once per cold start.
    pub fn new(client: Client, table: impl Into<String>) -> EventStore {
        EventStore {
            client,
            table: table.into(),
        }
    }

    /// The store of a function: the client built from the environment, warmed up if
    /// `config.warm_up`. A failed warm-up is only logged: the first event then connects as it
    /// would have anyway.
    pub async fn connect(config: &Config) -> EventStore {
        let store = EventStore::new(dynamodb_client(), &config.table_name);
        if config.warm_up {
            if let Err(err) = store.warm_up().await {
                tracing::warn!(error = %err, "DynamoDB warm-up failed; the first event will connect");
            }
        }
        store
    }

    /// Reads [`WARM_UP_KEY`] once, so that DNS, TCP, TLS, credentials and the SDK's lazy set-up
    /// are done during init, which Lambda runs at full CPU, rather than in the first invocation,
    /// which a 128 MB function runs at ~7% of a vCPU.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        let key = || AttributeValue::S(WARM_UP_KEY.to_owned());
        self.client
            .get_item()
            .table_name(&self.table)
            .key("pk", key())
            .key("sk", key())
            .projection_expression("pk")
            .send()
            .await
            .map_err(|err| StoreError::request("GetItem", err))?;
        Ok(())
    }

    /// Writes the record unless its idempotency key is taken. A taken key with the same body
    /// hash is a duplicate; with another body it is a collision, stored under a key that adds
    /// the body hash, so nothing is ever overwritten.
    pub async fn put_once(&self, record: &EventRecord) -> Result<PutOutcome, StoreError> {
        match self.put_if_absent(record, &record.key).await? {
            Conditional::Written => return Ok(PutOutcome::Stored),
            Conditional::Exists { body_sha256 }
                if body_sha256.as_ref() == Some(&record.body_sha256) =>
            {
                return Ok(PutOutcome::Duplicate)
            }
            Conditional::Exists { .. } => {}
        }
        let collision_key = record.key.collision(&record.body_sha256);
        match self.put_if_absent(record, &collision_key).await? {
            Conditional::Written => Ok(PutOutcome::StoredCollision),
            Conditional::Exists { .. } => Ok(PutOutcome::Duplicate),
        }
    }

    /// Moves a message's current status forward (sent < delivered < read); a late or repeated
    /// ack leaves it as it is.
    pub async fn advance_status(&self, change: &StatusChange) -> Result<StatusOutcome, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(change.key.pk.clone()))
            .key("sk", AttributeValue::S(change.key.sk.clone()))
            .update_expression(
                "SET #status = :status, status_rank = :rank, status_at = :at, \
                 instance_id = :instance, message_id = :message, kind = :kind, updated_at = :now",
            )
            .condition_expression("attribute_not_exists(status_rank) OR status_rank < :rank")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(
                ":status",
                AttributeValue::S(change.status.as_str().into()),
            )
            .expression_attribute_values(
                ":rank",
                AttributeValue::N(change.status.rank().to_string()),
            )
            .expression_attribute_values(":at", AttributeValue::S(change.occurred_at.clone()))
            .expression_attribute_values(":instance", AttributeValue::S(change.instance_id.clone()))
            .expression_attribute_values(":message", AttributeValue::S(change.message_id.clone()))
            .expression_attribute_values(":kind", AttributeValue::S("status".into()))
            .expression_attribute_values(":now", AttributeValue::S(webhook_payload::utc_now()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(StatusOutcome::Advanced),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => {
                    Ok(StatusOutcome::Unchanged)
                }
                _ => Err(StoreError::request("UpdateItem", err)),
            },
        }
    }

    async fn put_if_absent(
        &self,
        record: &EventRecord,
        key: &ItemKey,
    ) -> Result<Conditional, StoreError> {
        let delivery_id = new_delivery_id();
        let mut item = item(record, key);
        item.insert("delivery_id".into(), AttributeValue::S(delivery_id.clone()));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Conditional::Written),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let existing = failed.item().ok_or(StoreError::ExistingItemMissing)?;
                    let text = |name: &str| existing.get(name).and_then(|value| value.as_s().ok());
                    // The SDK retried an attempt that had in fact been written: it is ours.
                    if text("delivery_id") == Some(&delivery_id) {
                        return Ok(Conditional::Written);
                    }
                    Ok(Conditional::Exists {
                        body_sha256: text("body_sha256").cloned(),
                    })
                }
                _ => Err(StoreError::request("PutItem", err)),
            },
        }
    }
}

/// A process-unique id for one conditional write, so that when the SDK retries a PutItem whose
/// first attempt had in fact been written, the conditional failure is recognised as this
/// delivery's own write ("stored"), not another delivery's ("duplicate").
fn new_delivery_id() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| RandomState::new().build_hasher().finish());
    format!("{seed:016x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn item(record: &EventRecord, key: &ItemKey) -> HashMap<String, AttributeValue> {
    let s = |value: &str| AttributeValue::S(value.to_owned());
    let mut item: HashMap<String, AttributeValue> = HashMap::with_capacity(24);
    item.insert("pk".into(), s(&key.pk));
    item.insert("sk".into(), s(&key.sk));
    item.insert("provider".into(), s(record.provider().as_str()));
    item.insert("kind".into(), s(record.kind().as_str()));
    item.insert("occurred_at".into(), s(&record.occurred_at));
    item.insert(
        "received_at".into(),
        AttributeValue::S(webhook_payload::utc_now()),
    );
    item.insert("body_sha256".into(), s(&record.body_sha256));
    item.insert("raw_body".into(), s(&record.raw_body));
    if let Some(phone_key) = &record.phone_key {
        item.insert("phone_key".into(), s(phone_key));
    }
    if key != &record.key {
        item.insert("collision_of".into(), s(&record.key.sk));
    }
    for (name, value) in record.attributes() {
        let value = match value {
            Attr::S(text) => AttributeValue::S(text),
            Attr::N(number) => AttributeValue::N(number),
        };
        item.insert(name.into(), value);
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::config::Credentials;
    use aws_smithy_http_client::test_util::capture_request;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    use sha2::{Digest, Sha256};

    /// Where a request of a client configured from `vars` goes.
    async fn endpoint_of(vars: &[(&str, &str)]) -> String {
        let (http, requests) = capture_request(None);
        let lookup = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        };
        let config = client_config(lookup)
            .http_client(http)
            .credentials_provider(Credentials::new("id", "secret", None, None, "test"));
        let _ = Client::from_conf(config.build())
            .get_item()
            .table_name("t")
            .key("pk", AttributeValue::S("k".into()))
            .send()
            .await;
        let request = requests.expect_request();
        let uri = request.uri();
        uri.strip_suffix('/').unwrap_or(uri).to_owned()
    }

    #[tokio::test]
    async fn the_client_takes_region_endpoint_and_flags_from_the_environment() {
        let cases: [(&[(&str, &str)], &str); 7] = [
            (
                &[
                    ("AWS_REGION", "eu-west-1"),
                    ("AWS_DEFAULT_REGION", "us-east-1"),
                ],
                "https://dynamodb.eu-west-1.amazonaws.com",
            ),
            (
                &[("AWS_DEFAULT_REGION", "us-east-1")],
                "https://dynamodb.us-east-1.amazonaws.com",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
                ],
                "http://127.0.0.1:8000",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                ],
                "http://127.0.0.1:1",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_FIPS_ENDPOINT", "true"),
                ],
                "https://dynamodb-fips.us-east-1.amazonaws.com",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_FIPS_ENDPOINT", "TRUE"),
                ],
                "https://dynamodb-fips.us-east-1.amazonaws.com",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
                ],
                "https://dynamodb.us-east-1.api.aws",
            ),
        ];
        for (vars, expected) in cases {
            assert_eq!(endpoint_of(vars).await, expected, "{vars:?}");
        }
    }

    #[test]
    fn the_trust_store_is_exactly_amazon_trust_services_roots() {
        // SHA-256 fingerprints of these roots in Mozilla's CA list (Debian ca-certificates
        // 20230311), which https://www.amazontrust.com/repository/ also lists.
        let expected = [
            "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
            "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
            "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
            "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
            "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield Services G2
        ];
        let fingerprints: Vec<String> =
            CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES_ROOTS.as_bytes())
                .map(|cert| {
                    let cert = cert.expect("every PEM block parses");
                    Sha256::digest(cert.as_ref())
                        .iter()
                        .map(|byte| format!("{byte:02x}"))
                        .collect()
                })
                .collect();
        assert_eq!(fingerprints, expected);
    }
}
