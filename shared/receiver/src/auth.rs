//! Webhook authentication, checked before the body is read.
//!
//! edna Pulse sends an API key in a header (name configurable, `X-API-KEY` by default). BotLinkd
//! signs nothing, so its URL carries a secret `token` query parameter. Two secrets per provider
//! are accepted at once so that one can be rotated without downtime.

use std::fmt;

use lambda_http::http::HeaderName;
use lambda_http::{Request, RequestExt};
use subtle::{Choice, ConstantTimeEq};

/// The query parameter that carries the BotLinkd token.
pub const TOKEN_PARAMETER: &str = "token";

/// A secret from the deployment; never printed.
#[derive(Clone)]
pub(crate) struct Secret(Vec<u8>);

impl Secret {
    pub(crate) fn new(value: &str) -> Secret {
        Secret(value.as_bytes().to_vec())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How a function authenticates its provider's requests.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No check. Only ever set explicitly (`AUTH_DISABLED=true`), for local runs.
    Disabled,
    /// edna Pulse: one of `keys` in the `header` request header.
    ApiKeyHeader {
        /// Header that carries the key.
        header: HeaderName,
        /// Accepted keys (current and next).
        #[allow(private_interfaces)]
        keys: Vec<Secret>,
    },
    /// BotLinkd: one of `tokens` in the URL's `token` query parameter.
    UrlToken {
        /// Accepted tokens (current and next).
        #[allow(private_interfaces)]
        tokens: Vec<Secret>,
    },
}

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The credential is absent.
    #[error("missing credentials: send the API key in the {0} header")]
    MissingHeader(String),
    /// The URL has no token.
    #[error("missing credentials: the webhook URL must carry ?token=")]
    MissingToken,
    /// The credential does not match any configured secret.
    #[error("invalid credentials")]
    Invalid,
}

impl Auth {
    /// Checks a request's credentials in constant time against every accepted secret.
    pub fn check(&self, request: &Request) -> Result<(), AuthError> {
        let (presented, accepted) = match self {
            Auth::Disabled => return Ok(()),
            Auth::ApiKeyHeader { header, keys } => {
                let value = request
                    .headers()
                    .get(header)
                    .ok_or_else(|| AuthError::MissingHeader(header.to_string()))?;
                (value.as_bytes().to_vec(), keys)
            }
            Auth::UrlToken { tokens } => {
                let query = request.query_string_parameters();
                let token = query
                    .first(TOKEN_PARAMETER)
                    .ok_or(AuthError::MissingToken)?;
                (token.as_bytes().to_vec(), tokens)
            }
        };
        let matched = accepted.iter().fold(Choice::from(0), |found, secret| {
            found | secret.0.ct_eq(&presented)
        });
        if bool::from(matched) {
            Ok(())
        } else {
            Err(AuthError::Invalid)
        }
    }
}
