//! Function configuration, read from the environment once per cold start.

use webhook_payload::{Provider, SecretVariables};

use webhook_table::{StoreSettings, DEFAULT_RETENTION_DAYS};

use crate::auth::{Auth, Secret};
use crate::config_error::ConfigError;
use crate::metrics::WeakSecret;
use crate::secrets::{read_parameter, source, SecretSource};

/// Where the per-request metrics go unless `METRICS_NAMESPACE` says otherwise.
pub const DEFAULT_METRICS_NAMESPACE: &str = "WhatsAppWebhooks";
/// Current and next secret, for rotation without downtime.
const MAX_SECRETS: usize = 2;

/// Everything a function needs besides the DynamoDB client.
#[derive(Debug, Clone)]
pub struct Config {
    /// The event table (`TABLE_NAME`) and how long what it writes is kept (`RETENTION_DAYS`,
    /// default [`DEFAULT_RETENTION_DAYS`]; 0 keeps items forever): all the store is built from.
    pub store: StoreSettings,
    /// How each provider's requests are authenticated, for the providers the function serves.
    pub auth: Vec<(Provider, Auth)>,
    /// CloudWatch namespace of the per-request metrics (`METRICS_NAMESPACE`).
    pub metrics_namespace: String,
    /// Connect to DynamoDB during init (`DYNAMODB_WARM_UP`, default false; the template sets
    /// it): see [`DynamoDbStore::warm_up`](webhook_table::DynamoDbStore::warm_up).
    pub warm_up: bool,
}

impl Config {
    /// Reads the configuration of a function that receives `provider`'s webhooks, as its init
    /// does: from the environment, and its secrets from the SSM parameter that the provider's
    /// declared parameter variable (`EDNA_API_KEYS_PARAMETER`, `BOTLINKD_TOKENS_PARAMETER`) names,
    /// if one does (one
    /// `GetParameter` call; `ssm_client` is built only then). A bad
    /// configuration or an unreadable parameter is logged, and the function fails its init,
    /// before its first request.
    pub async fn load(providers: &[Provider]) -> Result<Config, ConfigError> {
        Config::load_with(
            providers,
            |name| std::env::var(name).ok(),
            crate::secrets::ssm_client,
        )
        .await
        .inspect_err(log_invalid)
    }

    /// [`Config::load`] through `lookup`, with the SSM client `ssm` builds (at most once, and
    /// only when a parameter is named).
    pub async fn load_with(
        providers: &[Provider],
        lookup: impl Fn(&str) -> Option<String>,
        ssm: impl Fn() -> aws_sdk_ssm::Client,
    ) -> Result<Config, ConfigError> {
        let mut fetched = Vec::new();
        let mut client = None;
        for provider in providers {
            if let (false, SecretSource::Parameter(name)) = secret_source(*provider, &lookup)? {
                let variable = SecretVariables::of(*provider).parameter;
                let client = client.get_or_insert_with(&ssm);
                let value = read_parameter(client, &name).await.map_err(|reason| {
                    ConfigError::Parameter {
                        variable,
                        name: name.clone(),
                        reason,
                    }
                })?;
                fetched.push((name, value));
            }
        }
        Config::resolve(providers, lookup, &fetched)
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    /// The secrets must be values (see [`Config::load_with`] for a parameter).
    #[cfg(any(test, feature = "testing"))]
    pub fn from_lookup(
        providers: &[Provider],
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        Config::resolve(providers, lookup, &[])
    }

    /// What is weak in the secrets it was given, once per weak secret: a secret shorter than its
    /// provider's declared `guessable_below_chars` (edna's keys under 16 characters). Such a
    /// secret is used all the same (edna does not say how long its keys are); each cold start
    /// reports it ([`Config::report_weak_secrets`]).
    pub fn weak_secrets(&self) -> Vec<WeakSecret> {
        self.auth
            .iter()
            .flat_map(|(provider, auth)| {
                let below = provider.declaration().credentials.guessable_below_chars;
                let secrets = match auth {
                    Auth::Secrets { secrets, .. } => secrets.as_slice(),
                    Auth::Disabled => &[],
                };
                secrets
                    .iter()
                    .filter_map(move |secret| below.filter(|below| secret.chars() < *below))
                    .map(|below_chars| WeakSecret::Short {
                        provider: *provider,
                        below_chars,
                    })
            })
            .collect()
    }

    /// Writes one WARN line per weak secret, each also a `WeakSecret` metric by `Cause`, to
    /// `sink` (stdout in Lambda): at every cold start, so the dashboard and the logs keep
    /// saying it until the secret is replaced. Never the secret itself.
    pub(crate) fn report_weak_secrets(&self, sink: &crate::request_line::LineSink, now_ms: u64) {
        for weak in self.weak_secrets() {
            sink.write(&weak.line(&self.metrics_namespace, now_ms));
        }
    }

    /// The configuration, with the secrets' parameters (name, value) that were read.
    fn resolve(
        providers: &[Provider],
        lookup: impl Fn(&str) -> Option<String>,
        fetched: &[(String, String)],
    ) -> Result<Config, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        let table_name = get("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?;
        let auth = providers
            .iter()
            .map(|provider| Ok((*provider, provider_auth(*provider, &lookup, fetched)?)))
            .collect::<Result<_, ConfigError>>()?;
        let metrics_namespace =
            get("METRICS_NAMESPACE").unwrap_or_else(|| DEFAULT_METRICS_NAMESPACE.to_owned());
        let warm_up = flag("DYNAMODB_WARM_UP", get("DYNAMODB_WARM_UP"))?;
        let retention_days = match get("RETENTION_DAYS") {
            None => DEFAULT_RETENTION_DAYS,
            Some(days) => days.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "RETENTION_DAYS",
                reason: format!(
                    "expected a whole number of days (0 keeps forever), found {days:?}"
                ),
            })?,
        };
        Ok(Config {
            store: StoreSettings::new(table_name, retention_days),
            auth,
            metrics_namespace,
            warm_up,
        })
    }
}

/// How `provider`'s requests are authenticated: not at all if that is asked, else with the
/// secrets from their variable or from their parameter's value in `fetched`.
fn provider_auth(
    provider: Provider,
    lookup: impl Fn(&str) -> Option<String>,
    fetched: &[(String, String)],
) -> Result<Auth, ConfigError> {
    let source = match secret_source(provider, &lookup)? {
        (true, _) => return Ok(Auth::Disabled),
        (false, source) => source,
    };
    let declared = provider.declaration();
    let credentials = &declared.credentials;
    let vars = credentials.variables;
    let min_chars = credentials.min_chars;
    let secrets = match source {
        SecretSource::Value(value) => secrets(vars.value, &value, "", min_chars)?,
        SecretSource::Parameter(name) => {
            let Some((_, value)) = fetched.iter().find(|(read, _)| *read == name) else {
                return Err(ConfigError::ParameterNotRead {
                    variable: vars.parameter,
                });
            };
            let from = format!("the value of SSM parameter {name}: ");
            secrets(vars.parameter, value, &from, min_chars)?
        }
    };
    Ok(Auth::Secrets {
        scheme: credentials.scheme,
        sender: declared.display_name,
        secrets,
    })
}

fn log_invalid(err: &ConfigError) {
    tracing::error!(error = %err, "invalid configuration; the function cannot start");
}

/// Whether `provider`'s authentication is off (`AUTH_DISABLED=true` for every provider, for
/// local runs; a provider's declared flag for it alone, such as `EDNA_AUTH_DISABLED=true` when
/// "Authenticate webhooks" is off in edna Pulse; the secret variables are then not read), and
/// where the secrets are. Every provider's declared flag must be `true` or `false` whichever
/// providers a function serves, since the template sets them on every function.
fn secret_source(
    provider: Provider,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(bool, SecretSource), ConfigError> {
    let get = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
    let mut provider_off = false;
    for other in Provider::ALL {
        if let Some(name) = other.declaration().credentials.disabled_by {
            provider_off |= flag(name, get(name))? && other == provider;
        }
    }
    if flag("AUTH_DISABLED", get("AUTH_DISABLED"))? || provider_off {
        return Ok((true, SecretSource::Value(String::new())));
    }
    let variables = SecretVariables::of(provider);
    Ok((false, source(variables, get)?))
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

/// Comma-separated secrets: one, or two while rotating. `from` prefixes the reason of an error
/// (where the value came from).
fn secrets(
    name: &'static str,
    value: &str,
    from: &str,
    min_chars: usize,
) -> Result<Vec<Secret>, ConfigError> {
    let parts: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > MAX_SECRETS {
        return Err(ConfigError::Invalid {
            name,
            reason: format!(
                "{from}expected 1 or {MAX_SECRETS} comma-separated secrets, found {}",
                parts.len()
            ),
        });
    }
    if parts.iter().any(|part| part.chars().count() < min_chars) {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("{from}each secret must be at least {min_chars} characters"),
        });
    }
    Ok(parts.into_iter().map(Secret::new).collect())
}

#[cfg(test)]
mod tests;
