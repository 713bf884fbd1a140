//! Where the clients go, with what timeouts and attempts, and which roots they trust.

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

/// The operator tools wait longer and retry more, slowing down while throttled; the functions'
/// client stays within the answer budget.
#[test]
fn the_operator_profile_is_patient_and_adaptive_and_the_functions_one_is_not() {
    use aws_config::retry::RetryMode;
    let built = |profile: ClientProfile| {
        profile
            .configure(aws_sdk_dynamodb::config::Builder::new())
            .build()
    };
    let function = built(ClientProfile::Function);
    let operator = built(ClientProfile::Operator);
    let retry = |config: &aws_sdk_dynamodb::Config| {
        let retry = config.retry_config().expect("retries are set");
        (retry.mode(), retry.max_attempts())
    };
    let operation = |config: &aws_sdk_dynamodb::Config| {
        config
            .timeout_config()
            .and_then(|timeouts| timeouts.operation_timeout())
    };
    assert_eq!(retry(&function), (RetryMode::Standard, 3));
    assert_eq!(retry(&operator), (RetryMode::Adaptive, 10));
    assert_eq!(operation(&function), Some(Duration::from_millis(1_800)));
    assert_eq!(operation(&operator), Some(Duration::from_secs(300)));
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
