//! Webhook authentication, checked before the body is read: one constant-time check per
//! credential scheme ([`CredentialScheme`]). Which scheme a provider uses, and where its secrets
//! come from, is its declaration's business ([`webhook_payload::Declaration`]); nothing here
//! names a provider.
//!
//! A key in any header is accepted as the whole value or as `Bearer <key>`, for a provider that
//! does not say which header it sends its key in: a guessed header name can never turn every
//! request into a 401. A query parameter carries the secret of a provider that signs nothing.
//! Two secrets per provider are accepted at once so that one can be rotated without downtime.

use std::fmt;
use std::sync::OnceLock;

use lambda_http::http::HeaderMap;
use lambda_http::{Request, RequestExt};
use subtle::{Choice, ConstantTimeEq};
use webhook_payload::CredentialScheme;

/// The scheme a key may come after (`Authorization: Bearer <key>`), matched ignoring case.
const BEARER: &[u8] = b"bearer ";

/// A secret from the deployment; never printed.
#[derive(Clone)]
pub(crate) struct Secret(Vec<u8>);

impl Secret {
    pub(crate) fn new(value: &str) -> Secret {
        Secret(value.as_bytes().to_vec())
    }

    /// How many characters it has (never the characters themselves).
    pub(crate) fn chars(&self) -> usize {
        String::from_utf8_lossy(&self.0).chars().count()
    }

    /// Whether `presented` is this secret, in time that depends only on the lengths.
    fn matches(&self, presented: &[u8]) -> Choice {
        self.0.ct_eq(presented)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How a function authenticates one provider's requests.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No check. Only ever set explicitly (`AUTH_DISABLED=true`, or the provider's own declared
    /// flag), for local runs or a provider whose authentication is off on its side.
    Disabled,
    /// One of `secrets`, presented as `scheme` says.
    Secrets {
        /// Where a request carries the secret.
        scheme: CredentialScheme,
        /// Who sends it (the provider's display name), for the messages that tell an operator.
        sender: &'static str,
        /// Accepted secrets (current and next).
        #[allow(private_interfaces)]
        secrets: Vec<Secret>,
    },
}

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No header holds a key.
    #[error("missing or invalid credentials: send the {sender} webhook key in a header")]
    NoKey {
        /// Who should have sent it (the provider's display name).
        sender: &'static str,
    },
    /// The URL lacks the query parameter that carries the secret.
    #[error("missing credentials: the webhook URL must carry ?{parameter}=")]
    MissingToken {
        /// The query parameter's name.
        parameter: &'static str,
    },
    /// The token does not match any configured secret.
    #[error("invalid credentials")]
    Invalid,
}

impl AuthError {
    /// A short, stable name for the log line.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::NoKey { .. } => "no_key",
            AuthError::MissingToken { .. } => "no_token",
            AuthError::Invalid => "invalid",
        }
    }
}

/// The name of the header a key was first found in, logged once per cold start (the name only,
/// never the value) so that an operator can see where the provider sends it. A function serves
/// at most one provider whose scheme is [`CredentialScheme::AnyHeaderOrBearer`] today.
static KEY_HEADER: OnceLock<String> = OnceLock::new();

impl Auth {
    /// Checks a request's credentials in constant time against every accepted secret.
    pub fn check(&self, request: &Request) -> Result<(), AuthError> {
        let Auth::Secrets {
            scheme,
            sender,
            secrets,
        } = self
        else {
            return Ok(());
        };
        match *scheme {
            CredentialScheme::AnyHeaderOrBearer => {
                let header =
                    key_header(request.headers(), secrets).ok_or(AuthError::NoKey { sender })?;
                KEY_HEADER.get_or_init(|| {
                    tracing::info!(header, "{sender} sends its webhook key in this header");
                    header.to_owned()
                });
                Ok(())
            }
            CredentialScheme::QueryParameter(parameter) => {
                let query = request.query_string_parameters();
                let token = query
                    .first(parameter)
                    .ok_or(AuthError::MissingToken { parameter })?;
                if bool::from(any_matches(secrets, token.as_bytes())) {
                    Ok(())
                } else {
                    Err(AuthError::Invalid)
                }
            }
        }
    }
}

/// Whether API Gateway (or a proxy in front of it) writes this header itself: `host`, `via`,
/// `forwarded`, `x-forwarded-*` and `x-amzn-*`. Their values are known to anyone (`https`, the
/// API's host name, a trace id), so a key that equalled one would let any request in; a key is
/// never compared with them. Header names arrive lower-case (the `http` crate normalises them).
pub(crate) fn added_by_the_gateway(name: &str) -> bool {
    matches!(name, "host" | "via" | "forwarded")
        || name.starts_with("x-forwarded-")
        || name.starts_with("x-amzn-")
}

/// The name of the first header whose value is one of `keys`, whole or after `Bearer `. Every
/// header value is compared with every key, so the time taken does not tell which header or how
/// much of a key matched. The headers API Gateway adds ([`added_by_the_gateway`]) are skipped.
fn key_header<'h>(headers: &'h HeaderMap, keys: &[Secret]) -> Option<&'h str> {
    let mut found = None;
    for (name, value) in headers {
        if added_by_the_gateway(name.as_str()) {
            continue;
        }
        let value = value.as_bytes();
        let bearer = value
            .get(..BEARER.len())
            .filter(|scheme| scheme.eq_ignore_ascii_case(BEARER))
            .map(|_| &value[BEARER.len()..]);
        let mut matched = any_matches(keys, value);
        if let Some(token) = bearer {
            matched |= any_matches(keys, token);
        }
        if bool::from(matched) && found.is_none() {
            found = Some(name.as_str());
        }
    }
    found
}

fn any_matches(secrets: &[Secret], presented: &[u8]) -> Choice {
    secrets.iter().fold(Choice::from(0), |found, secret| {
        found | secret.matches(presented)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use lambda_http::http::HeaderValue;
    use lambda_http::Body;

    use super::*;

    const CURRENT: &str = "current-secret-0123456789abcdef0123";
    const NEXT: &str = "next-secret-0123456789abcdef0123456";

    /// The query parameter of the tests' [`CredentialScheme::QueryParameter`].
    const PARAMETER: &str = "token";
    /// What [`AuthError::NoKey`] says of a request without the key.
    const NO_KEY: AuthError = AuthError::NoKey { sender: "Sender" };

    fn any_header_with(secrets: &[&str]) -> Auth {
        Auth::Secrets {
            scheme: CredentialScheme::AnyHeaderOrBearer,
            sender: "Sender",
            secrets: secrets.iter().map(|secret| Secret::new(secret)).collect(),
        }
    }

    fn any_header() -> Auth {
        any_header_with(&[CURRENT, NEXT])
    }

    fn query_parameter() -> Auth {
        Auth::Secrets {
            scheme: CredentialScheme::QueryParameter(PARAMETER),
            sender: "Sender",
            secrets: vec![Secret::new(CURRENT), Secret::new(NEXT)],
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
    fn any_header_accepts_either_key_in_any_header_whole_or_as_a_bearer_token() {
        for key in [CURRENT, NEXT] {
            for (header, value) in [
                ("x-api-key", key.to_owned()),
                ("X-API-KEY", key.to_owned()),
                ("x-sender-key", key.to_owned()),
                ("authorization", format!("Bearer {key}")),
                ("authorization", format!("bearer {key}")),
                ("x-anything", format!("BEARER {key}")),
            ] {
                let answer = any_header().check(&with_header(header, value.as_bytes()));
                assert_eq!(answer, Ok(()), "{header}");
            }
        }
    }

    #[test]
    fn any_header_refuses_a_missing_a_wrong_a_partial_a_longer_or_an_embedded_key() {
        assert_eq!(any_header().check(&Request::new(Body::Empty)), Err(NO_KEY));
        for wrong in [
            "not-the-key".to_owned(),
            CURRENT[..CURRENT.len() - 1].to_owned(),
            format!("{CURRENT}x"),
            format!("x{CURRENT}"),
            // The key as a substring of a longer value is no key.
            format!("key={CURRENT}; other"),
            format!("Bearer {CURRENT} extra"),
            format!("Basic {CURRENT}"),
            format!("Bearer  {CURRENT}"),
            "Bearer ".to_owned(),
            String::new(),
        ] {
            let answer = any_header().check(&with_header("x-api-key", wrong.as_bytes()));
            assert_eq!(answer, Err(NO_KEY), "{wrong:?}");
        }
        // In the URL, the key is no key.
        let in_url = any_header().check(&with_query(&[(PARAMETER, CURRENT)]));
        assert_eq!(in_url, Err(NO_KEY));
    }

    #[test]
    fn any_header_finds_the_key_beside_other_headers() {
        let mut request = with_header("content-type", b"application/json");
        request
            .headers_mut()
            .insert("x-sender-key", HeaderValue::from_static(CURRENT));
        request
            .headers_mut()
            .insert("user-agent", HeaderValue::from_static("sender"));
        assert_eq!(any_header().check(&request), Ok(()));
        assert_eq!(
            key_header(request.headers(), &[Secret::new(CURRENT)]),
            Some("x-sender-key")
        );
    }

    #[test]
    fn any_header_never_compares_a_key_with_the_headers_api_gateway_adds() {
        // A key that equals what API Gateway writes itself would let every request in.
        for (header, value) in [
            ("x-forwarded-proto", "https"),
            ("x-forwarded-port", "443"),
            ("x-forwarded-for", "203.0.113.7"),
            ("x-amzn-trace-id", "Root=1-65f1-abc"),
            ("x-amzn-tls-version", "TLSv1.2"),
            ("host", "abc.execute-api.eu-west-1.amazonaws.com"),
            ("via", "1.1 proxy"),
            ("forwarded", "for=203.0.113.7"),
        ] {
            let auth = any_header_with(&[value]);
            let answer = auth.check(&with_header(header, value.as_bytes()));
            assert_eq!(answer, Err(NO_KEY), "{header}");
            // The same value in a header the provider could send is the key.
            let answer = auth.check(&with_header("x-api-key", value.as_bytes()));
            assert_eq!(answer, Ok(()), "{header}'s value in x-api-key");
        }
        assert!(!added_by_the_gateway("x-api-key"));
        assert!(!added_by_the_gateway("authorization"));
        assert!(!added_by_the_gateway("x-forwarded"));
    }

    #[test]
    fn query_parameter_accepts_either_token_in_the_url_and_nothing_else() {
        for token in [CURRENT, NEXT] {
            assert_eq!(
                query_parameter().check(&with_query(&[("token", token)])),
                Ok(())
            );
        }
        assert_eq!(
            query_parameter().check(&with_query(&[("other", CURRENT)])),
            Err(AuthError::MissingToken {
                parameter: PARAMETER
            })
        );
        assert_eq!(
            query_parameter().check(&with_header("x-api-key", CURRENT.as_bytes())),
            Err(AuthError::MissingToken {
                parameter: PARAMETER
            })
        );
        for wrong in ["", "wrong", &CURRENT[1..]] {
            let answer = query_parameter().check(&with_query(&[("token", wrong)]));
            assert_eq!(answer, Err(AuthError::Invalid), "{wrong:?}");
        }
    }

    #[test]
    fn disabled_checks_nothing_and_secrets_never_print() {
        assert_eq!(Auth::Disabled.check(&Request::new(Body::Empty)), Ok(()));
        let printed = format!("{:?} {:?}", any_header(), query_parameter());
        assert!(
            !printed.contains(CURRENT) && !printed.contains(NEXT),
            "{printed}"
        );
        assert!(printed.contains("<redacted>"));
    }
}
