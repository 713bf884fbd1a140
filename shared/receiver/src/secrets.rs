//! Where a function's webhook secrets come from. In AWS the environment names a SecureString
//! parameter of SSM Parameter Store (the provider's declared [`SecretVariables::parameter`]:
//! `EDNA_API_KEYS_PARAMETER`, `BOTLINKD_TOKENS_PARAMETER`), read once at init, so the values are
//! never in Lambda's environment; local runs and tests set the values themselves
//! ([`SecretVariables::value`]: `EDNA_API_KEYS`, `BOTLINKD_TOKENS`). Exactly one of the two.

use aws_sdk_ssm::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_ssm::types::ParameterType;
pub use webhook_payload::SecretVariables;
use webhook_table::{lambda_sdk_config, Service};

use crate::config_error::ConfigError;

/// Which of a provider's two secret variables is set, through `get` (which treats blank as
/// unset).
pub(crate) fn source(
    variables: SecretVariables,
    get: impl Fn(&'static str) -> Option<String>,
) -> Result<SecretSource, ConfigError> {
    let SecretVariables { value, parameter } = variables;
    match (get(value), get(parameter)) {
        (Some(values), None) => Ok(SecretSource::Value(values)),
        (None, Some(name)) => Ok(SecretSource::Parameter(name.trim().to_owned())),
        (Some(_), Some(_)) => Err(ConfigError::BothSecretSources { value, parameter }),
        (None, None) => Err(ConfigError::NoSecretSource { value, parameter }),
    }
}

/// Where the environment says a provider's secrets are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SecretSource {
    /// The values themselves.
    Value(String),
    /// The name of the SSM parameter that holds them.
    Parameter(String),
}

/// Builds the SSM client that reads the secrets at init from what Lambda puts in the
/// environment, exactly as the table's DynamoDB client is built (`AWS_ENDPOINT_URL_SSM` instead
/// of `AWS_ENDPOINT_URL_DYNAMODB`).
pub fn ssm_client() -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&lambda_sdk_config(Service::Ssm))
}

/// Reads the SecureString parameter `name`, decrypted. The client retries a throttle within the
/// init budget ([`ssm_client`]). The reason of a failure is meant for the init
/// error: SSM's error code and message, and what usually causes it.
pub(crate) async fn read_parameter(
    client: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<String, String> {
    let output = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|err| match err.as_service_error() {
            Some(service) => {
                let code = service.code().unwrap_or("error");
                let message = service.message().unwrap_or("");
                let hint = if service.is_parameter_not_found() {
                    " (create it: docs/deploy.md, \"Secrets\")"
                } else if code == "AccessDeniedException" {
                    " (the function's role needs ssm:GetParameter on it, and kms:Decrypt through SSM)"
                } else if code == "ThrottlingException" {
                    " (throttled at every attempt: more cold starts at once than the account's \
                     Parameter Store throughput; docs/deploy.md, \"Secrets\")"
                } else {
                    ""
                };
                format!("{code}: {message}{hint}")
            }
            // Unreachable, timed out, credentials missing: the whole chain says which.
            None => DisplayErrorContext(&err).to_string(),
        })?;
    let parameter = output
        .parameter
        .ok_or_else(|| "SSM answered without the parameter".to_owned())?;
    if parameter.r#type != Some(ParameterType::SecureString) {
        return Err(format!(
            "it is a {} parameter; webhook secrets must be stored as SecureString",
            parameter.r#type.as_ref().map_or("typeless", |t| t.as_str())
        ));
    }
    parameter
        .value
        .ok_or_else(|| "SSM answered without the parameter's value".to_owned())
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use aws_sdk_ssm::config::{Credentials, SharedCredentialsProvider};
    use serde_json::{json, Value};
    use webhook_payload::{CredentialScheme, Provider};

    use crate::auth::Auth;
    use webhook_table::{sdk_config, Service, SSM_INIT_ATTEMPTS};

    use super::SecretVariables;
    use crate::{Config, ConfigError};

    const PARAMETER: &str = "/whatsapp-webhooks/test/botlinkd-tokens";
    const OLD: &str = "old-token-0123456789abcdef0123456789";
    const NEW: &str = "new-token-0123456789abcdef0123456789";

    /// A fake SSM on loopback: answers every request with `reply(X-Amz-Target, body)` and keeps
    /// what it was asked.
    struct Stub {
        endpoint: String,
        requests: Arc<Mutex<Vec<(String, Value)>>>,
    }

    fn stub(reply: impl Fn(&str, &Value) -> (u16, Value) + Send + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                let (mut target, mut length) = (String::new(), 0);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                    match name.to_ascii_lowercase().as_str() {
                        "x-amz-target" => target = value.trim().to_owned(),
                        "content-length" => length = value.trim().parse().unwrap_or(0),
                        _ => {}
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).expect("read the body");
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let (status, answer) = reply(&target, &body);
                seen.lock().unwrap().push((target, body));
                let answer = answer.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Stub { endpoint, requests }
    }

    /// The function's SSM client, pointed at `endpoint` as `AWS_ENDPOINT_URL_SSM` would.
    fn ssm_at(endpoint: &str) -> aws_sdk_ssm::Client {
        let vars = [
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL_SSM", endpoint),
        ];
        let lookup = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        };
        let credentials = Credentials::new("local", "local", None, None, "test");
        let config = sdk_config(
            Service::Ssm,
            lookup,
            SharedCredentialsProvider::new(credentials),
        );
        aws_sdk_ssm::Client::new(&config)
    }

    async fn load(provider: Provider, parameter: &str, ssm: &str) -> Result<Config, ConfigError> {
        let variable = SecretVariables::of(provider).parameter;
        let vars = [("TABLE_NAME", "t"), (variable, parameter)];
        let lookup = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        };
        Config::load_with(&[provider], lookup, || ssm_at(ssm)).await
    }

    fn secure_string(value: &str) -> (u16, Value) {
        let parameter = json!({
            "Name": PARAMETER, "Type": "SecureString", "Value": value, "Version": 2,
        });
        (200, json!({ "Parameter": parameter }))
    }

    fn error(code: &str, message: &str) -> (u16, Value) {
        (400, json!({ "__type": code, "message": message }))
    }

    #[tokio::test]
    async fn the_secrets_are_read_once_decrypted_from_the_named_parameter_two_while_rotating() {
        let ssm = stub(|_, _| secure_string(&format!("{OLD}, {NEW}")));
        let config = load(Provider::Botlinkd, PARAMETER, &ssm.endpoint)
            .await
            .unwrap();
        assert!(
            matches!(config.auth[0].1, Auth::Secrets { scheme: CredentialScheme::QueryParameter("token"), ref secrets, .. } if secrets.len() == 2)
        );
        let requests = ssm.requests.lock().unwrap().clone();
        assert_eq!(
            requests,
            [(
                "AmazonSSM.GetParameter".to_owned(),
                json!({ "Name": PARAMETER, "WithDecryption": true })
            )]
        );
        assert!(!format!("{config:?}").contains(OLD));

        let ssm = stub(|_, _| secure_string("edna-key"));
        let config = load(
            Provider::Edna,
            "/whatsapp-webhooks/test/edna-api-keys",
            &ssm.endpoint,
        )
        .await
        .unwrap();
        assert!(
            matches!(config.auth[0].1, Auth::Secrets { scheme: CredentialScheme::AnyHeaderOrBearer, ref secrets, .. } if secrets.len() == 1)
        );
    }

    #[tokio::test]
    async fn init_fails_naming_the_parameter_when_ssm_refuses() {
        let cases = [
            (
                error(
                    "AccessDeniedException",
                    "User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: \
                     ssm:GetParameter",
                ),
                "AccessDeniedException",
            ),
            (error("ParameterNotFound", ""), "ParameterNotFound"),
            (
                error("AccessDeniedException", "KMS: access denied (kms:Decrypt)"),
                "kms:Decrypt",
            ),
        ];
        for (answer, expected) in cases {
            let ssm = stub(move |_, _| answer.clone());
            let err = load(Provider::Botlinkd, PARAMETER, &ssm.endpoint)
                .await
                .unwrap_err();
            assert_names_the_parameter(&err, expected);
            // A refusal is final: asked once, not retried.
            assert_eq!(ssm.requests.lock().unwrap().len(), 1, "{err}");
        }
    }

    fn assert_names_the_parameter(err: &ConfigError, expected: &str) {
        let message = err.to_string();
        assert!(
            matches!(err, ConfigError::Parameter { variable: "BOTLINKD_TOKENS_PARAMETER", name, .. } if name == PARAMETER),
            "{message}"
        );
        assert!(message.contains(PARAMETER), "{message}");
        assert!(message.contains(expected), "{message}");
    }

    /// SSM's answer to a caller above the account's Parameter Store throughput.
    fn throttled() -> (u16, Value) {
        error("ThrottlingException", "Rate exceeded")
    }

    #[tokio::test]
    async fn init_rides_out_a_throttle_of_ssm() {
        let answered = AtomicUsize::new(0);
        let ssm = stub(move |_, _| match answered.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => throttled(),
            _ => secure_string(OLD),
        });
        let config = load(Provider::Botlinkd, PARAMETER, &ssm.endpoint)
            .await
            .unwrap();
        assert!(
            matches!(config.auth[0].1, Auth::Secrets { scheme: CredentialScheme::QueryParameter("token"), ref secrets, .. } if secrets.len() == 1)
        );
        let requests = ssm.requests.lock().unwrap().clone();
        assert_eq!(requests.len(), 3, "{requests:?}");
        assert!(
            requests
                .iter()
                .all(|(_, body)| body == &json!({ "Name": PARAMETER, "WithDecryption": true })),
            "{requests:?}"
        );
    }

    #[tokio::test]
    async fn init_fails_naming_the_parameter_when_ssm_keeps_throttling() {
        let ssm = stub(|_, _| throttled());
        let err = load(Provider::Botlinkd, PARAMETER, &ssm.endpoint)
            .await
            .unwrap_err();
        // Every attempt was made and the last answer is in the error (not a timeout): the
        // waits fit in the init budget (client.rs tests the arithmetic).
        assert_names_the_parameter(&err, "ThrottlingException: Rate exceeded (throttled");
        assert_eq!(
            ssm.requests.lock().unwrap().len(),
            SSM_INIT_ATTEMPTS as usize,
            "{err}"
        );
    }

    #[tokio::test]
    async fn init_fails_naming_the_parameter_when_ssm_is_unreachable() {
        let closed = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let endpoint = format!("http://{}", closed.local_addr().expect("its address"));
        drop(closed);
        let started = Instant::now();
        let err = load(
            Provider::Edna,
            "/whatsapp-webhooks/test/edna-api-keys",
            &endpoint,
        )
        .await
        .unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(
                "cannot read SSM parameter /whatsapp-webhooks/test/edna-api-keys \
                 (named by EDNA_API_KEYS_PARAMETER): "
            ),
            "{message}"
        );
        // Within the client's operation timeout (the init budget, retries included): init
        // (10 s in Lambda) is not used up.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_parameter_that_is_not_secure_or_holds_bad_secrets_is_refused() {
        let ssm = stub(|_, _| {
            let parameter = json!({ "Name": PARAMETER, "Type": "String", "Value": OLD });
            (200, json!({ "Parameter": parameter }))
        });
        let message = load(Provider::Botlinkd, PARAMETER, &ssm.endpoint)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("SecureString") && message.contains(PARAMETER),
            "{message}"
        );

        let ssm = stub(|_, _| secure_string("short"));
        let err = load(Provider::Botlinkd, PARAMETER, &ssm.endpoint)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid { name: "BOTLINKD_TOKENS_PARAMETER", ref reason } if reason.contains(PARAMETER)),
            "{err}"
        );
        assert!(!err.to_string().contains("short"), "{err}");
        let ssm = stub(move |_, _| secure_string(&format!("{OLD},{NEW},{OLD}x")));
        assert!(load(Provider::Botlinkd, PARAMETER, &ssm.endpoint)
            .await
            .is_err());
    }
}
