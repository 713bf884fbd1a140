//! The AWS clients of the functions (DynamoDB, and SSM Parameter Store for the secrets): built
//! once per cold start from the Lambda environment, with TLS, timeouts and retries that fit their
//! budgets. Both are built from one [`SdkConfig`], so they cannot differ in anything but their
//! endpoint variable and those budgets: DynamoDB's calls fit in a provider's answer budget, the
//! secrets' read at init may take a few seconds to ride out SSM's throttle.

use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::{Region, SharedCredentialsProvider, SharedHttpClient};
use aws_sdk_dynamodb::Client;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};

/// An AWS service the functions call: it names its own endpoint variable
/// (`AWS_ENDPOINT_URL_<ID>`, as aws-config names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// DynamoDB: the event table.
    DynamoDb,
    /// SSM Parameter Store: the webhook secrets, read once at init.
    Ssm,
}

impl Service {
    /// The variable that points this service's client somewhere else (DynamoDB Local, a fake SSM).
    pub fn endpoint_variable(self) -> &'static str {
        match self {
            Service::DynamoDb => "AWS_ENDPOINT_URL_DYNAMODB",
            Service::Ssm => "AWS_ENDPOINT_URL_SSM",
        }
    }

    /// Connect 400 ms and attempt 700 ms for both; the whole operation, retries included, 1.8 s
    /// for DynamoDB (a failing call ends well inside a provider's 3 s) and [`SSM_INIT_BUDGET`]
    /// for SSM.
    fn timeouts(self) -> TimeoutConfig {
        let operation = match self {
            Service::DynamoDb => Duration::from_millis(1_800),
            Service::Ssm => SSM_INIT_BUDGET,
        };
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_millis(400))
            .operation_attempt_timeout(Duration::from_millis(700))
            .operation_timeout(operation)
            .build()
    }

    /// The SDK's standard retries (throttling, transient and 5xx errors; SSM's
    /// `ThrottlingException` is one of the throttling codes of aws-runtime's
    /// `AwsErrorCodeClassifier`, which `GetParameter` uses), each wait a random part of an
    /// exponential backoff (full jitter). DynamoDB: up to 3 attempts, 20-200 ms apart. SSM:
    /// [`SSM_INIT_ATTEMPTS`], 100 ms doubling up to 1 s apart, at most 2.5 s of waits, so a read
    /// that SSM keeps throttling ends with SSM's answer, inside [`SSM_INIT_BUDGET`]. Standard,
    /// not adaptive: adaptive's client-side rate limiter learns across the calls of one client,
    /// and a cold start makes one call.
    fn retries(self) -> RetryConfig {
        match self {
            Service::DynamoDb => RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(200)),
            Service::Ssm => RetryConfig::standard()
                .with_max_attempts(SSM_INIT_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(100))
                .with_max_backoff(Duration::from_secs(1)),
        }
    }
}

/// How long a cold start may spend reading its secrets, retries included: 4 of Lambda's 10 s
/// init limit, which leaves room for the DynamoDB warm-up (1.8 s at most) and the runtime.
pub(crate) const SSM_INIT_BUDGET: Duration = Duration::from_secs(4);

/// How many times a cold start asks SSM for its secrets while SSM throttles or fails
/// transiently; a refusal (no permission, no parameter) is not asked again.
pub(crate) const SSM_INIT_ATTEMPTS: u32 = 6;

/// Builds the DynamoDB client once per cold start from what Lambda puts in the environment:
/// see [`sdk_config`].
pub fn dynamodb_client() -> Client {
    Client::new(&sdk_config_from_env(Service::DynamoDb))
}

/// Builds the SSM client that reads the secrets at init, exactly as [`dynamodb_client`] is built
/// (`AWS_ENDPOINT_URL_SSM` instead of `AWS_ENDPOINT_URL_DYNAMODB`).
pub fn ssm_client() -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&sdk_config_from_env(Service::Ssm))
}

fn sdk_config_from_env(service: Service) -> SdkConfig {
    sdk_config(
        service,
        |name| std::env::var(name).ok(),
        SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()),
    )
}

/// The configuration every AWS client of the functions is built from: the region
/// (`AWS_REGION`, else `AWS_DEFAULT_REGION`), `service`'s endpoint variable or
/// `AWS_ENDPOINT_URL`, `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT`, all read
/// through `lookup`, plus `credentials` (in the functions, aws-config's environment provider:
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), [`https_client`], and
/// `service`'s timeouts and retries. aws-config's default chain is left out on purpose: its
/// profile files, SSO, web identity (an STS client) and IMDS never apply in Lambda, and they are
/// 1.1 MB of every binary (BENCHMARKS.md).
pub fn sdk_config(
    service: Service,
    lookup: impl Fn(&str) -> Option<String>,
    credentials: SharedCredentialsProvider,
) -> SdkConfig {
    let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    // Case-insensitive, as aws-config reads these variables.
    let flag =
        |name: &str| get(name).is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .use_fips(flag("AWS_USE_FIPS_ENDPOINT"))
        .use_dual_stack(flag("AWS_USE_DUALSTACK_ENDPOINT"))
        .credentials_provider(credentials)
        .http_client(https_client())
        .timeout_config(service.timeouts())
        .retry_config(service.retries());
    // The order of aws-config's environment region provider.
    config.set_region(
        get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .map(Region::new),
    );
    config.set_endpoint_url(get(service.endpoint_variable()).or_else(|| get("AWS_ENDPOINT_URL")));
    config.build()
}

/// What every DynamoDB client of the functions uses: [`https_client`], and timeouts and retries
/// that fit the answer budget (BotLinkd retries after 3 s, and the SDK's defaults, 1 s initial
/// backoff and no attempt timeout, do not fit in it).
pub fn with_client_settings(
    config: aws_sdk_dynamodb::config::Builder,
) -> aws_sdk_dynamodb::config::Builder {
    config
        .http_client(https_client())
        .timeout_config(Service::DynamoDb.timeouts())
        .retry_config(Service::DynamoDb.retries())
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::config::Credentials;
    use aws_sdk_dynamodb::types::AttributeValue;
    use aws_smithy_http_client::test_util::capture_request;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    use sha2::{Digest, Sha256};

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    fn test_credentials() -> SharedCredentialsProvider {
        SharedCredentialsProvider::new(Credentials::new("id", "secret", None, None, "test"))
    }

    /// Where a request of a DynamoDB client configured from `vars` goes.
    async fn endpoint_of(vars: &[(&str, &str)]) -> String {
        let (http, requests) = capture_request(None);
        let config = sdk_config(Service::DynamoDb, lookup(vars), test_credentials());
        let config = aws_sdk_dynamodb::config::Builder::from(&config).http_client(http);
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

    /// Where a request of an SSM client configured from `vars` goes.
    async fn ssm_endpoint_of(vars: &[(&str, &str)]) -> String {
        let (http, requests) = capture_request(None);
        let config = sdk_config(Service::Ssm, lookup(vars), test_credentials());
        let config = aws_sdk_ssm::config::Builder::from(&config).http_client(http);
        let _ = aws_sdk_ssm::Client::from_conf(config.build())
            .get_parameter()
            .name("/p")
            .send()
            .await;
        let request = requests.expect_request();
        let uri = request.uri();
        uri.strip_suffix('/').unwrap_or(uri).to_owned()
    }

    /// Both clients take the region and the flags from the environment; each has its own endpoint
    /// variable, and `AWS_ENDPOINT_URL` is the fallback of both.
    #[tokio::test]
    async fn the_clients_take_region_endpoint_and_flags_from_the_environment() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case; 9] = [
            (
                &[
                    ("AWS_REGION", "eu-west-1"),
                    ("AWS_DEFAULT_REGION", "us-east-1"),
                ],
                "https://dynamodb.eu-west-1.amazonaws.com",
                "https://ssm.eu-west-1.amazonaws.com",
            ),
            (
                &[("AWS_DEFAULT_REGION", "us-east-1")],
                "https://dynamodb.us-east-1.amazonaws.com",
                "https://ssm.us-east-1.amazonaws.com",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
                ],
                "http://127.0.0.1:8000",
                "http://127.0.0.1:1",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                    ("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:4583"),
                ],
                "http://127.0.0.1:1",
                "http://127.0.0.1:4583",
            ),
            (
                &[
                    ("AWS_REGION", "eu-west-1"),
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
                ],
                "http://127.0.0.1:8000",
                "https://ssm.eu-west-1.amazonaws.com",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                ],
                "http://127.0.0.1:1",
                "http://127.0.0.1:1",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_FIPS_ENDPOINT", "true"),
                ],
                "https://dynamodb-fips.us-east-1.amazonaws.com",
                "https://ssm-fips.us-east-1.amazonaws.com",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_FIPS_ENDPOINT", "TRUE"),
                ],
                "https://dynamodb-fips.us-east-1.amazonaws.com",
                "https://ssm-fips.us-east-1.amazonaws.com",
            ),
            (
                &[
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
                ],
                "https://dynamodb.us-east-1.api.aws",
                "https://ssm.us-east-1.api.aws",
            ),
        ];
        for (vars, dynamodb, ssm) in cases {
            assert_eq!(endpoint_of(vars).await, dynamodb, "DynamoDB, {vars:?}");
            assert_eq!(ssm_endpoint_of(vars).await, ssm, "SSM, {vars:?}");
        }
    }

    #[test]
    fn dynamodb_fits_an_answer_budget_and_ssm_the_init_budget() {
        let config = sdk_config(Service::DynamoDb, lookup(&[]), test_credentials());
        let timeouts = config.timeout_config().expect("timeouts are set");
        assert_eq!(
            timeouts.operation_timeout(),
            Some(Duration::from_millis(1_800))
        );
        assert_eq!(config.retry_config().map(|r| r.max_attempts()), Some(3));

        let config = sdk_config(Service::Ssm, lookup(&[]), test_credentials());
        let timeouts = config.timeout_config().expect("timeouts are set");
        assert_eq!(timeouts.operation_timeout(), Some(SSM_INIT_BUDGET));
        assert!(SSM_INIT_BUDGET + Duration::from_millis(1_800) < Duration::from_secs(10));
        let retries = config.retry_config().expect("retries are set");
        assert_eq!(retries.max_attempts(), SSM_INIT_ATTEMPTS);
        // The longest waits (full jitter waits a random part of each) leave the budget room for
        // the attempts themselves, so a read that SSM keeps throttling ends with SSM's answer.
        let waits: Duration = (0..SSM_INIT_ATTEMPTS - 1)
            .map(|retry| (retries.initial_backoff() * 2u32.pow(retry)).min(retries.max_backoff()))
            .sum();
        assert_eq!(waits, Duration::from_millis(2_500));
        assert!(
            waits + Duration::from_secs(1) <= SSM_INIT_BUDGET,
            "{waits:?}"
        );
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
