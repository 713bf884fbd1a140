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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use lambda_http::http::HeaderValue;
    use lambda_http::Body;

    use super::*;

    const CURRENT: &str = "current-secret-0123456789abcdef0123";
    const NEXT: &str = "next-secret-0123456789abcdef0123456";

    fn edna() -> Auth {
        Auth::ApiKeyHeader {
            header: HeaderName::from_static("x-api-key"),
            keys: vec![Secret::new(CURRENT), Secret::new(NEXT)],
        }
    }

    fn botlinkd() -> Auth {
        Auth::UrlToken {
            tokens: vec![Secret::new(CURRENT), Secret::new(NEXT)],
        }
    }

    fn with_header(name: &'static str, value: &[u8]) -> Request {
        let mut request = Request::new(Body::Empty);
        let value = HeaderValue::from_bytes(value).expect("a header value");
        request.headers_mut().insert(name, value);
        request
    }

    fn with_query(pairs: &[(&str, &str)]) -> Request {
        let query: HashMap<String, Vec<String>> =
            pairs.iter().fold(HashMap::new(), |mut q, (k, v)| {
                q.entry(k.to_string()).or_default().push(v.to_string());
                q
            });
        Request::new(Body::Empty).with_query_string_parameters(query)
    }

    #[test]
    fn edna_accepts_either_key_while_one_is_rotated_in_any_header_case() {
        for key in [CURRENT, NEXT] {
            assert_eq!(
                edna().check(&with_header("x-api-key", key.as_bytes())),
                Ok(())
            );
            // Header names are case-insensitive: API Gateway lowercases them, a proxy may not.
            assert_eq!(
                edna().check(&with_header("X-API-KEY", key.as_bytes())),
                Ok(())
            );
        }
    }

    #[test]
    fn edna_refuses_a_missing_a_wrong_a_partial_or_a_longer_key() {
        let missing = edna().check(&Request::new(Body::Empty));
        assert_eq!(missing, Err(AuthError::MissingHeader("x-api-key".into())));
        for wrong in [
            "not-the-key",
            &CURRENT[..CURRENT.len() - 1],
            &format!("{CURRENT}x"),
            "",
        ] {
            let answer = edna().check(&with_header("x-api-key", wrong.as_bytes()));
            assert_eq!(answer, Err(AuthError::Invalid), "{wrong:?}");
        }
        // The key in another header, or in the URL, is no key.
        let elsewhere = edna().check(&with_header("authorization", CURRENT.as_bytes()));
        assert!(matches!(elsewhere, Err(AuthError::MissingHeader(_))));
        let in_url = edna().check(&with_query(&[(TOKEN_PARAMETER, CURRENT)]));
        assert!(matches!(in_url, Err(AuthError::MissingHeader(_))));
    }

    #[test]
    fn botlinkd_accepts_either_token_in_the_url_and_nothing_else() {
        for token in [CURRENT, NEXT] {
            assert_eq!(botlinkd().check(&with_query(&[("token", token)])), Ok(()));
        }
        assert_eq!(
            botlinkd().check(&with_query(&[("other", CURRENT)])),
            Err(AuthError::MissingToken)
        );
        assert_eq!(
            botlinkd().check(&with_header("x-api-key", CURRENT.as_bytes())),
            Err(AuthError::MissingToken)
        );
        for wrong in ["", "wrong", &CURRENT[1..]] {
            let answer = botlinkd().check(&with_query(&[("token", wrong)]));
            assert_eq!(answer, Err(AuthError::Invalid), "{wrong:?}");
        }
    }

    #[test]
    fn disabled_checks_nothing_and_secrets_never_print() {
        assert_eq!(Auth::Disabled.check(&Request::new(Body::Empty)), Ok(()));
        let printed = format!("{:?} {:?}", edna(), botlinkd());
        assert!(
            !printed.contains(CURRENT) && !printed.contains(NEXT),
            "{printed}"
        );
        assert!(printed.contains("<redacted>"));
    }
}
