//! The providers, and what each declares about itself in its own module: its names, the kinds it
//! sends, its events route, its format, how it proves its sender and how it checks a URL.
//! [`Provider::declaration`] is the one place that maps a provider to its [`Declaration`];
//! everything else (the parser, the routes, the Lambda pipeline's authentication, configuration
//! and URL check) reads the declaration instead of matching on the provider.

use std::fmt;

use crate::record::Format;
use crate::{botlinkd, edna, EventKind, Route};

/// The webhook provider an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// edna Pulse (clicks, message statuses and incoming messages).
    Edna,
    /// BotLinkd (inbound messages and delivery acks).
    Botlinkd,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 2] = [Provider::Edna, Provider::Botlinkd];

    /// What the provider declares about itself: the registry, and its only `match`.
    pub fn declaration(self) -> &'static Declaration {
        match self {
            Provider::Edna => &edna::DECLARATION,
            Provider::Botlinkd => &botlinkd::DECLARATION,
        }
    }

    /// The kinds of event this product models for the provider (anything else it sends is
    /// [`EventKind::Unmodelled`]).
    pub fn modelled_kinds(self) -> &'static [EventKind] {
        self.declaration().modelled_kinds
    }

    /// The provider's route that accepts every kind it sends: the one a stored body is read back
    /// through (the console, replay of what the store kept).
    pub fn events_route(self) -> Route {
        self.declaration().events_route
    }

    /// The provider's name as stored and logged.
    pub fn as_str(self) -> &'static str {
        self.declaration().name
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.declaration().display_name)
    }
}

/// Everything the rest of the code needs to know about one provider, declared once in the
/// provider's module (`edna::DECLARATION`, `botlinkd::DECLARATION`).
pub struct Declaration {
    /// Its name as stored and logged (`edna`): a key segment, a log field, a metric dimension.
    pub name: &'static str,
    /// Its name as people know it (`edna Pulse`), for messages.
    pub display_name: &'static str,
    /// The kinds of event this product models for it.
    pub modelled_kinds: &'static [EventKind],
    /// Its route that accepts every kind it sends.
    pub events_route: Route,
    /// What the generic parser needs of its bodies.
    pub(crate) format: Format,
    /// How a request proves that it sent it.
    pub credentials: Credentials,
    /// How it checks a webhook URL before it sends to it, if it does.
    pub url_check: Option<UrlCheck>,
}

/// How a provider's requests prove their sender, and where the deployment keeps the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials {
    /// Where a request carries the secret.
    pub scheme: CredentialScheme,
    /// The environment variables that carry the deployment's secrets.
    pub variables: SecretVariables,
    /// The variable that, set to `true`, turns off the check of this provider alone (besides
    /// `AUTH_DISABLED`, which turns off every provider's), for a provider whose authentication is
    /// optional on its side.
    pub disabled_by: Option<&'static str>,
    /// The shortest secret accepted: a shorter one fails the function's init.
    pub min_chars: usize,
    /// A secret shorter than this is used all the same but reported as guessable at every cold
    /// start: for a provider that generates its secrets without saying how long they are.
    pub guessable_below_chars: Option<usize>,
    /// What the provider calls its secret (`key`, `token`), in the weak-secret report.
    pub secret_noun: &'static str,
}

/// Where a request carries its sender's secret; the Lambda pipeline has one constant-time check
/// per scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialScheme {
    /// The secret in any request header (the provider does not say which), as the whole value
    /// or after `Bearer `.
    AnyHeaderOrBearer,
    /// The secret in the URL's query parameter of this name (the provider signs nothing).
    QueryParameter(&'static str),
}

/// The two variables that can carry one provider's secrets: one or two comma-separated values
/// (two while rotating), in the variable itself or in the SSM parameter it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretVariables {
    /// Holds the values (local runs and tests).
    pub value: &'static str,
    /// Names the SecureString parameter that holds them (AWS).
    pub parameter: &'static str,
}

impl SecretVariables {
    /// The variables of `provider`'s functions.
    pub fn of(provider: Provider) -> SecretVariables {
        provider.declaration().credentials.variables
    }
}

/// How a provider checks a webhook URL before it sends events to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlCheck {
    /// A `HEAD` request without credentials, which must be answered 200: nothing is read or
    /// written.
    Head,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every variable name a provider's declaration reads from the environment.
    fn variables(credentials: &Credentials) -> Vec<&'static str> {
        let mut names = vec![credentials.variables.value, credentials.variables.parameter];
        names.extend(credentials.disabled_by);
        names
    }

    #[test]
    fn every_declaration_is_complete_and_distinct() {
        let mut names = BTreeSet::new();
        let mut display_names = BTreeSet::new();
        let mut routes = BTreeSet::new();
        let mut variable_names = BTreeSet::new();
        for provider in Provider::ALL {
            let declared = provider.declaration();
            let name = declared.name;
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()),
                "{name:?}: a key segment and a metric dimension, lower-case letters only"
            );
            assert!(names.insert(name), "{name} is declared twice");
            assert!(!declared.display_name.is_empty(), "{name}");
            assert!(display_names.insert(declared.display_name), "{name}");

            // Its events route is its own, and accepts and expects every kind it models.
            let route = declared.events_route;
            assert_eq!(route.provider(), provider, "{name}: {route}");
            assert!(routes.insert(route.path()), "{name}: {route}");
            assert!(!declared.modelled_kinds.is_empty(), "{name}");
            for kind in declared.modelled_kinds {
                assert_ne!(*kind, EventKind::Unmodelled, "{name}");
                assert!(
                    route.expects(*kind),
                    "{name}: {route} does not expect {kind}"
                );
            }

            let credentials = &declared.credentials;
            for variable in variables(credentials) {
                assert!(
                    !variable.is_empty()
                        && variable
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                    "{name}: {variable:?} is no environment variable name"
                );
                assert_ne!(variable, "AUTH_DISABLED", "{name}: every provider's switch");
                assert!(
                    variable_names.insert(variable),
                    "{name}: {variable} is declared twice"
                );
            }
            if let CredentialScheme::QueryParameter(parameter) = credentials.scheme {
                assert!(!parameter.is_empty(), "{name}");
            }
            assert!(
                credentials.min_chars >= 1,
                "{name}: an empty secret proves nothing"
            );
            if let Some(below) = credentials.guessable_below_chars {
                assert!(below > credentials.min_chars, "{name}: nothing to report");
            }
            assert!(!credentials.secret_noun.is_empty(), "{name}");
        }
    }

    #[test]
    fn a_provider_is_found_by_its_name_and_shown_by_its_display_name() {
        assert_eq!(Provider::Edna.as_str(), "edna");
        assert_eq!(Provider::Botlinkd.as_str(), "botlinkd");
        assert_eq!(Provider::Edna.to_string(), "edna Pulse");
        assert_eq!(Provider::Botlinkd.to_string(), "BotLinkd");
        assert_eq!(
            SecretVariables::of(Provider::Edna),
            SecretVariables {
                value: "EDNA_API_KEYS",
                parameter: "EDNA_API_KEYS_PARAMETER"
            }
        );
    }
}
