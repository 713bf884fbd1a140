//! Function configuration, read from the environment once per cold start.

use lambda_http::http::HeaderName;
use webhook_payload::Provider;

use crate::auth::{Auth, Secret};

/// edna's own API uses this header; the webhook pages do not name one.
pub const DEFAULT_EDNA_KEY_HEADER: &str = "X-API-KEY";
/// Where the per-request metrics go unless `METRICS_NAMESPACE` says otherwise.
pub const DEFAULT_METRICS_NAMESPACE: &str = "WhatsAppWebhooks";
/// 128 bits of entropy, hex-encoded.
pub const MIN_TOKEN_CHARS: usize = 32;
/// Current and next secret, for rotation without downtime.
const MAX_SECRETS: usize = 2;

/// Everything a function needs besides the DynamoDB client.
#[derive(Debug, Clone)]
pub struct Config {
    /// The event table (`TABLE_NAME`).
    pub table_name: String,
    /// How requests are authenticated.
    pub auth: Auth,
    /// CloudWatch namespace of the per-request metrics (`METRICS_NAMESPACE`).
    pub metrics_namespace: String,
    /// Connect to DynamoDB during init (`DYNAMODB_WARM_UP`, default false; the template sets
    /// it): see [`EventStore::warm_up`](crate::EventStore::warm_up).
    pub warm_up: bool,
}

/// A configuration the function refuses to start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("{name}: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Config {
    /// Reads the configuration of a function that receives `provider`'s webhooks.
    /// A bad configuration is logged (the function then fails its init, visibly).
    pub fn from_env(provider: Provider) -> Result<Config, ConfigError> {
        Config::from_lookup(provider, |name| std::env::var(name).ok()).inspect_err(
            |err| tracing::error!(error = %err, "invalid configuration; the function cannot start"),
        )
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(
        provider: Provider,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        let table_name = get("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?;
        let auth = if flag("AUTH_DISABLED", get("AUTH_DISABLED"))? {
            Auth::Disabled
        } else {
            match provider {
                Provider::Edna => Auth::ApiKeyHeader {
                    header: edna_header(get("EDNA_API_KEY_HEADER"))?,
                    keys: secrets("EDNA_API_KEYS", get("EDNA_API_KEYS"), 1)?,
                },
                Provider::Botlinkd => Auth::UrlToken {
                    tokens: secrets("BOTLINKD_TOKENS", get("BOTLINKD_TOKENS"), MIN_TOKEN_CHARS)?,
                },
            }
        };
        let metrics_namespace =
            get("METRICS_NAMESPACE").unwrap_or_else(|| DEFAULT_METRICS_NAMESPACE.to_owned());
        let warm_up = flag("DYNAMODB_WARM_UP", get("DYNAMODB_WARM_UP"))?;
        Ok(Config {
            table_name,
            auth,
            metrics_namespace,
            warm_up,
        })
    }
}

/// `true` or `false`; unset is false.
fn flag(name: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::trim) {
        Some("true") => Ok(true),
        Some("false") | None => Ok(false),
        Some(other) => Err(ConfigError::Invalid {
            name,
            reason: format!("expected true or false, found {other:?}"),
        }),
    }
}

fn edna_header(value: Option<String>) -> Result<HeaderName, ConfigError> {
    let name = value.unwrap_or_else(|| DEFAULT_EDNA_KEY_HEADER.to_owned());
    HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| ConfigError::Invalid {
        name: "EDNA_API_KEY_HEADER",
        reason: "not a valid HTTP header name".into(),
    })
}

/// Comma-separated secrets: one, or two while rotating.
fn secrets(
    name: &'static str,
    value: Option<String>,
    min_chars: usize,
) -> Result<Vec<Secret>, ConfigError> {
    let value = value.ok_or(ConfigError::Missing(name))?;
    let parts: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > MAX_SECRETS {
        return Err(ConfigError::Invalid {
            name,
            reason: format!(
                "expected 1 or {MAX_SECRETS} comma-separated secrets, found {}",
                parts.len()
            ),
        });
    }
    if parts.iter().any(|part| part.chars().count() < min_chars) {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("each secret must be at least {min_chars} characters"),
        });
    }
    Ok(parts.into_iter().map(Secret::new).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn table_name_is_required() {
        let err =
            Config::from_lookup(Provider::Edna, lookup(&[("AUTH_DISABLED", "true")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("TABLE_NAME"));
    }

    #[test]
    fn auth_is_required_unless_explicitly_disabled() {
        let err =
            Config::from_lookup(Provider::Botlinkd, lookup(&[("TABLE_NAME", "t")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("BOTLINKD_TOKENS"));
        let err = Config::from_lookup(Provider::Edna, lookup(&[("TABLE_NAME", "t")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("EDNA_API_KEYS"));
        let err = Config::from_lookup(
            Provider::Edna,
            lookup(&[("TABLE_NAME", "t"), ("AUTH_DISABLED", "yes")]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "AUTH_DISABLED",
                ..
            }
        ));
        let config = Config::from_lookup(
            Provider::Edna,
            lookup(&[("TABLE_NAME", "t"), ("AUTH_DISABLED", "true")]),
        )
        .unwrap();
        assert!(matches!(config.auth, Auth::Disabled));
    }

    #[test]
    fn warm_up_is_off_unless_switched_on() {
        let base = [("TABLE_NAME", "t"), ("AUTH_DISABLED", "true")];
        let with = |value: &'static str| {
            let vars = [base[0], base[1], ("DYNAMODB_WARM_UP", value)];
            Config::from_lookup(Provider::Edna, lookup(&vars))
        };
        assert!(
            !Config::from_lookup(Provider::Edna, lookup(&base))
                .unwrap()
                .warm_up
        );
        assert!(with("true").unwrap().warm_up);
        assert!(!with("false").unwrap().warm_up);
        assert!(matches!(
            with("1").unwrap_err(),
            ConfigError::Invalid {
                name: "DYNAMODB_WARM_UP",
                ..
            }
        ));
    }

    #[test]
    fn botlinkd_tokens_must_carry_128_bits() {
        let short = &TOKEN[..MIN_TOKEN_CHARS - 1];
        let err = Config::from_lookup(
            Provider::Botlinkd,
            lookup(&[("TABLE_NAME", "t"), ("BOTLINKD_TOKENS", short)]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "BOTLINKD_TOKENS",
                ..
            }
        ));
    }

    #[test]
    fn at_most_two_secrets_are_accepted_at_once() {
        let two = format!("{TOKEN},{TOKEN}x");
        let config = Config::from_lookup(
            Provider::Botlinkd,
            lookup(&[("TABLE_NAME", "t"), ("BOTLINKD_TOKENS", &two)]),
        )
        .unwrap();
        assert!(matches!(config.auth, Auth::UrlToken { ref tokens } if tokens.len() == 2));
        let three = format!("{TOKEN},{TOKEN}x,{TOKEN}y");
        assert!(Config::from_lookup(
            Provider::Botlinkd,
            lookup(&[("TABLE_NAME", "t"), ("BOTLINKD_TOKENS", &three)])
        )
        .is_err());
    }

    #[test]
    fn edna_header_defaults_to_x_api_key_and_is_configurable() {
        let vars = [("TABLE_NAME", "t"), ("EDNA_API_KEYS", "k1")];
        let config = Config::from_lookup(Provider::Edna, lookup(&vars)).unwrap();
        assert!(
            matches!(config.auth, Auth::ApiKeyHeader { ref header, .. } if header == "x-api-key")
        );
        let vars = [
            ("TABLE_NAME", "t"),
            ("EDNA_API_KEYS", "k1"),
            ("EDNA_API_KEY_HEADER", "X-Edna-Key"),
        ];
        let config = Config::from_lookup(Provider::Edna, lookup(&vars)).unwrap();
        assert!(
            matches!(config.auth, Auth::ApiKeyHeader { ref header, .. } if header == "x-edna-key")
        );
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let vars = [("TABLE_NAME", "t"), ("EDNA_API_KEYS", "super-secret-key")];
        let config = Config::from_lookup(Provider::Edna, lookup(&vars)).unwrap();
        assert!(!format!("{config:?}").contains("super-secret-key"));
    }
}
