use std::fmt;

use crate::provider::{Provider, UrlCheck};

/// The kinds of event this product stores, whoever sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// edna Pulse `short_link_visited`.
    Click,
    /// A person wrote to the business: BotLinkd `message`, edna's incoming message.
    InboundMessage,
    /// A status of a message the business sent: BotLinkd `ack`, edna's message status.
    Ack,
    /// An event of its provider that this product does not model (an edna template-status
    /// update, a BotLinkd event other than `message` and `ack`): kept whole, under its body hash.
    Unmodelled,
}

impl EventKind {
    /// The kind's name as stored and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Click => "click",
            EventKind::InboundMessage => "message",
            EventKind::Ack => "ack",
            EventKind::Unmodelled => "unmodelled",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventKind::Click => "click",
            EventKind::InboundMessage => "inbound message",
            EventKind::Ack => "message status",
            EventKind::Unmodelled => "unmodelled provider event",
        })
    }
}

/// A webhook URL path, and which event kinds it accepts.
///
/// Both providers let an account register one URL for all its events, so `/botlinkd/events` and
/// `/edna/events` are named for every kind of their provider; the kind-specific routes store the
/// provider's other kinds too (see [`Route::expects`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/edna/clicks`: edna Pulse click webhooks.
    EdnaClicks,
    /// `/edna/statuses`: edna Pulse message statuses.
    EdnaStatuses,
    /// `/edna/messages`: edna Pulse incoming messages.
    EdnaMessages,
    /// `/edna/events`: one edna Pulse URL for every event type.
    EdnaEvents,
    /// `/botlinkd/messages`: BotLinkd inbound messages only.
    BotlinkdMessages,
    /// `/botlinkd/acks`: BotLinkd delivery acks only.
    BotlinkdAcks,
    /// `/botlinkd/events`: one BotLinkd URL for messages and acks.
    BotlinkdEvents,
}

impl Route {
    /// Every route, for lookups and documentation tests.
    pub const ALL: [Route; 7] = [
        Route::EdnaClicks,
        Route::EdnaStatuses,
        Route::EdnaMessages,
        Route::EdnaEvents,
        Route::BotlinkdMessages,
        Route::BotlinkdAcks,
        Route::BotlinkdEvents,
    ];

    /// The path registered in API Gateway and in the `cargo lambda watch` router.
    pub fn path(self) -> &'static str {
        match self {
            Route::EdnaClicks => "/edna/clicks",
            Route::EdnaStatuses => "/edna/statuses",
            Route::EdnaMessages => "/edna/messages",
            Route::EdnaEvents => "/edna/events",
            Route::BotlinkdMessages => "/botlinkd/messages",
            Route::BotlinkdAcks => "/botlinkd/acks",
            Route::BotlinkdEvents => "/botlinkd/events",
        }
    }

    /// The provider whose webhooks this route receives.
    pub const fn provider(self) -> Provider {
        match self {
            Route::EdnaClicks | Route::EdnaStatuses | Route::EdnaMessages | Route::EdnaEvents => {
                Provider::Edna
            }
            Route::BotlinkdMessages | Route::BotlinkdAcks | Route::BotlinkdEvents => {
                Provider::Botlinkd
            }
        }
    }

    /// The methods served: `POST`, and the method of the provider's URL check if it declares one
    /// (edna Pulse sends `HEAD`, without its key, to check a URL before it registers it).
    pub fn methods(self) -> &'static str {
        match self.url_check() {
            Some(UrlCheck::Head) => "POST, HEAD",
            None => "POST",
        }
    }

    /// How the provider of this route checks a URL before it sends to it, if it does.
    pub fn url_check(self) -> Option<UrlCheck> {
        self.provider().declaration().url_check
    }

    /// Whether an event from `provider` is stored when it arrives here: every route stores every
    /// kind of its own provider, because the credentials it checks prove the provider, and both
    /// providers can send every event type to one URL.
    pub fn accepts(self, provider: Provider) -> bool {
        provider == self.provider()
    }

    /// Whether `kind` (of this route's provider) is what this route is named for. An accepted
    /// kind that is not expected (an ack on `/botlinkd/messages`) is stored all the same, and
    /// logged and counted as `WrongRoute` so that the dashboard URL can be fixed. An unmodelled
    /// event is never a wrong route: it has no route of its own.
    pub fn expects(self, kind: EventKind) -> bool {
        kind == EventKind::Unmodelled
            || match self {
                Route::EdnaClicks => kind == EventKind::Click,
                Route::EdnaStatuses | Route::BotlinkdAcks => kind == EventKind::Ack,
                Route::EdnaMessages | Route::BotlinkdMessages => kind == EventKind::InboundMessage,
                Route::EdnaEvents | Route::BotlinkdEvents => true,
            }
    }

    /// The API Gateway v2 request for this route under `fixtures/apigw/` (used by the tests, the
    /// bench and `cargo lambda invoke --data-file`).
    pub fn apigw_fixture(self) -> &'static str {
        match self {
            Route::EdnaClicks => "click.json",
            Route::EdnaStatuses => "edna-status.json",
            Route::EdnaMessages => "edna-message.json",
            Route::EdnaEvents => "edna-events-status.json",
            Route::BotlinkdMessages => "message.json",
            Route::BotlinkdAcks => "ack.json",
            Route::BotlinkdEvents => "events-ack.json",
        }
    }

    /// Finds the route a request path names. A stage prefix (`/prod/edna/clicks`) and a trailing
    /// slash are tolerated, because API Gateway keeps a named stage in the raw path.
    pub fn for_path(path: &str) -> Option<Route> {
        let path = path.strip_suffix('/').unwrap_or(path);
        Route::ALL.into_iter().find(|route| {
            path.strip_suffix(route.path())
                .is_some_and(|prefix| prefix.is_empty() || prefix.starts_with('/'))
        })
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_path_finds_each_route_with_or_without_a_stage_prefix() {
        for route in Route::ALL {
            assert_eq!(Route::for_path(route.path()), Some(route));
            assert_eq!(
                Route::for_path(&format!("/prod{}", route.path())),
                Some(route)
            );
            assert_eq!(Route::for_path(&format!("{}/", route.path())), Some(route));
        }
    }

    #[test]
    fn for_path_rejects_lookalikes() {
        assert_eq!(Route::for_path("/"), None);
        assert_eq!(Route::for_path("/xedna/clicks"), None);
        assert_eq!(Route::for_path("/edna/clicks/extra"), None);
        assert_eq!(Route::for_path("/botlinkd"), None);
    }

    #[test]
    fn every_route_accepts_its_own_provider_only() {
        for route in Route::ALL {
            assert!(route.accepts(route.provider()), "{route}");
            for other in Provider::ALL.into_iter().filter(|p| *p != route.provider()) {
                assert!(!route.accepts(other), "{route}");
            }
            assert_eq!(
                route.url_check() == Some(UrlCheck::Head),
                route.provider() == Provider::Edna
            );
            assert!(route.methods().starts_with("POST"));
        }
    }

    #[test]
    fn only_the_combined_routes_expect_every_kind() {
        for kind in [EventKind::Click, EventKind::InboundMessage, EventKind::Ack] {
            assert!(Route::EdnaEvents.expects(kind), "{kind}");
        }
        assert!(Route::EdnaStatuses.expects(EventKind::Ack));
        assert!(!Route::EdnaStatuses.expects(EventKind::Click));
        assert!(Route::EdnaMessages.expects(EventKind::InboundMessage));
        assert!(!Route::EdnaClicks.expects(EventKind::Ack));
        assert!(Route::BotlinkdEvents.expects(EventKind::InboundMessage));
        assert!(Route::BotlinkdEvents.expects(EventKind::Ack));
        assert!(!Route::BotlinkdMessages.expects(EventKind::Ack));
        assert!(!Route::BotlinkdAcks.expects(EventKind::InboundMessage));
        assert!(Route::EdnaClicks.expects(EventKind::Click));
        for route in Route::ALL {
            assert!(route.expects(EventKind::Unmodelled), "{route}");
        }
    }
}
