//! The AWS clients of the functions (DynamoDB, and SSM Parameter Store for the secrets): built
//! once per cold start from the Lambda environment, with TLS, timeouts and retries that fit the
//! providers' answer budgets. Both are built from one [`SdkConfig`], so they cannot differ in
//! anything but their endpoint variable. The operator tools' DynamoDB client is another
//! [`ClientProfile`]: the usual AWS credential chain, and patience.

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
}

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
/// the timeouts and retries of [`ClientProfile::Function`]. aws-config's default chain is left
/// out on purpose: its profile files, SSO, web identity (an STS client) and IMDS never apply in
/// Lambda, and they are 1.1 MB of every binary (BENCHMARKS.md); only the operator tools'
/// [`ClientProfile::Operator`] uses it.
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
        .timeout_config(ClientProfile::Function.timeouts())
        .retry_config(ClientProfile::Function.retries());
    // The order of aws-config's environment region provider.
    config.set_region(
        get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .map(Region::new),
    );
    config.set_endpoint_url(get(service.endpoint_variable()).or_else(|| get("AWS_ENDPOINT_URL")));
    config.build()
}

/// How an AWS client is built and how patient it is: a function's must answer within the
/// providers' budget, an operator tool's must finish a long run over a laptop's link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientProfile {
    /// The functions': region, endpoint and credentials from the Lambda environment only
    /// ([`sdk_config`]); connect 400 ms, attempt 700 ms, operation 1.8 s, up to 3 attempts
    /// 20-200 ms apart, so that a failing call ends well inside BotLinkd's 3 s (the SDK's
    /// defaults, 1 s initial backoff and no attempt timeout, do not fit in it).
    Function,
    /// The operator tools' (`replay`, `erase`): aws-config's default chain (the environment,
    /// `AWS_PROFILE` and the profile files, SSO, web identity, container and instance
    /// credentials; the region and `AWS_ENDPOINT_URL_DYNAMODB` too); connect 5 s, attempt 30 s,
    /// operation 5 min, and adaptive retries: up to 10 attempts up to 20 s apart, sending slower
    /// while DynamoDB throttles, so one throttled delete never ends an erase halfway.
    Operator,
}

impl ClientProfile {
    /// A DynamoDB client of this profile.
    pub async fn dynamodb_client(self) -> Client {
        match self {
            ClientProfile::Function => dynamodb_client(),
            ClientProfile::Operator => Client::new(
                &aws_config::defaults(BehaviorVersion::latest())
                    .http_client(https_client())
                    .timeout_config(self.timeouts())
                    .retry_config(self.retries())
                    .load()
                    .await,
            ),
        }
    }

    /// Sets this profile's HTTP client ([`https_client`]), timeouts and retries on a DynamoDB
    /// client configuration built elsewhere (the tests' clients for DynamoDB Local and stubs).
    pub fn configure(
        self,
        config: aws_sdk_dynamodb::config::Builder,
    ) -> aws_sdk_dynamodb::config::Builder {
        config
            .http_client(https_client())
            .timeout_config(self.timeouts())
            .retry_config(self.retries())
    }

    fn timeouts(self) -> TimeoutConfig {
        let (connect, attempt, operation) = match self {
            ClientProfile::Function => (400, 700, 1_800),
            ClientProfile::Operator => (5_000, 30_000, 300_000),
        };
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_millis(connect))
            .operation_attempt_timeout(Duration::from_millis(attempt))
            .operation_timeout(Duration::from_millis(operation))
            .build()
    }

    fn retries(self) -> RetryConfig {
        match self {
            ClientProfile::Function => RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(200)),
            ClientProfile::Operator => RetryConfig::adaptive()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(500))
                .with_max_backoff(Duration::from_secs(20)),
        }
    }
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
mod tests;
