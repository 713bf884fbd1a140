//! The AWS clients of the functions (DynamoDB, and SSM Parameter Store for the secrets): built
//! once per cold start from the Lambda environment, with TLS, timeouts and retries that fit their
//! budgets. Both are built from one [`SdkConfig`], so they cannot differ in anything but their
//! endpoint variable and those budgets: DynamoDB's calls fit in a provider's answer budget, the
//! secrets' read at init may take a few seconds to ride out SSM's throttle. The operator tools'
//! DynamoDB client is another [`ClientProfile`]: the usual AWS credential chain, and patience.

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
            Service::DynamoDb => DYNAMODB_OPERATION_TIMEOUT,
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

/// How long one DynamoDB operation of a function may take, its retries included: it ends well
/// inside a provider's 3 s, and inside the pipeline's own budget for a request's writes.
pub const DYNAMODB_OPERATION_TIMEOUT: Duration = Duration::from_millis(1_800);

/// How long a cold start may spend reading its secrets, retries included: 4 of Lambda's 10 s
/// init limit, which leaves room for the DynamoDB warm-up (1.8 s at most) and the runtime.
pub const SSM_INIT_BUDGET: Duration = Duration::from_secs(4);

/// How many times a cold start asks SSM for its secrets while SSM throttles or fails
/// transiently; a refusal (no permission, no parameter) is not asked again.
pub const SSM_INIT_ATTEMPTS: u32 = 6;

/// Builds the DynamoDB client once per cold start from what Lambda puts in the environment:
/// see [`sdk_config`].
pub fn dynamodb_client() -> Client {
    Client::new(&lambda_sdk_config(Service::DynamoDb))
}

/// The configuration of a function's client of `service`, from what Lambda puts in the
/// environment ([`sdk_config`]): the pipeline builds its SSM client from it, exactly as
/// [`dynamodb_client`] is built (`AWS_ENDPOINT_URL_SSM` instead of `AWS_ENDPOINT_URL_DYNAMODB`).
pub fn lambda_sdk_config(service: Service) -> SdkConfig {
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
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), `https_client`, and
/// `service`'s timeouts and retries. aws-config's default chain is left out on purpose: its
/// profile files, SSO, web identity (an STS client) and IMDS never apply in Lambda, and they are
/// 1.1 MB of every binary (BENCHMARKS.md); only the operator tools' [`ClientProfile::Operator`]
/// uses it.
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

/// How an AWS client is built and how patient it is: a function's must answer within the
/// providers' budget, an operator tool's must finish a long run over a laptop's link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientProfile {
    /// The functions': region, endpoint and credentials from the Lambda environment only
    /// (`sdk_config`); connect 400 ms, attempt 700 ms, operation 1.8 s, up to 3 attempts
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
            ClientProfile::Operator => Client::new(&operator_sdk_config().await),
        }
    }

    /// Sets this profile's HTTP client (`https_client`), timeouts and retries on a DynamoDB
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
        match self {
            ClientProfile::Function => Service::DynamoDb.timeouts(),
            ClientProfile::Operator => TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(300))
                .build(),
        }
    }

    fn retries(self) -> RetryConfig {
        match self {
            ClientProfile::Function => Service::DynamoDb.retries(),
            ClientProfile::Operator => RetryConfig::adaptive()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(500))
                .with_max_backoff(Duration::from_secs(20)),
        }
    }
}

/// The configuration of the operator tools' clients ([`ClientProfile::Operator`]): aws-config's
/// default chain, `https_client`, and the operators' patience.
pub(crate) async fn operator_sdk_config() -> SdkConfig {
    let profile = ClientProfile::Operator;
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(profile.timeouts())
        .retry_config(profile.retries())
        .load()
        .await
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
