use std::fmt;

/// The webhook provider an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// edna Pulse (click webhooks).
    Edna,
    /// BotLinkd (inbound messages and delivery acks).
    Botlinkd,
}

impl Provider {
    /// The provider's name as stored and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Edna => "edna",
            Provider::Botlinkd => "botlinkd",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Edna => "edna Pulse",
            Provider::Botlinkd => "BotLinkd",
        })
    }
}

/// The three kinds of event this product stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// edna Pulse `short_link_visited`.
    Click,
    /// BotLinkd `message`.
    InboundMessage,
    /// BotLinkd `ack`.
    Ack,
}

impl EventKind {
    /// The kind's name as stored and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Click => "click",
            EventKind::InboundMessage => "message",
            EventKind::Ack => "ack",
        }
    }

    /// The provider that sends this kind of event.
    pub fn provider(self) -> Provider {
        match self {
            EventKind::Click => Provider::Edna,
            EventKind::InboundMessage | EventKind::Ack => Provider::Botlinkd,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventKind::Click => "edna Pulse `short_link_visited`",
            EventKind::InboundMessage => "BotLinkd `message`",
            EventKind::Ack => "BotLinkd `ack`",
        })
    }
}

/// A webhook URL path, and which event kinds it accepts.
///
/// BotLinkd lets an account register one URL for all its events, so `/botlinkd/events` accepts both
/// BotLinkd kinds while the kind-specific routes refuse the other kind with a pointer to the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/edna/clicks`: edna Pulse click webhooks.
    EdnaClicks,
    /// `/botlinkd/messages`: BotLinkd inbound messages only.
    BotlinkdMessages,
    /// `/botlinkd/acks`: BotLinkd delivery acks only.
    BotlinkdAcks,
    /// `/botlinkd/events`: one BotLinkd URL for messages and acks.
    BotlinkdEvents,
}

impl Route {
    /// Every route, for lookups and documentation tests.
    pub const ALL: [Route; 4] = [
        Route::EdnaClicks,
        Route::BotlinkdMessages,
        Route::BotlinkdAcks,
        Route::BotlinkdEvents,
    ];

    /// The path registered in API Gateway and in the `cargo lambda watch` router.
    pub fn path(self) -> &'static str {
        match self {
            Route::EdnaClicks => "/edna/clicks",
            Route::BotlinkdMessages => "/botlinkd/messages",
            Route::BotlinkdAcks => "/botlinkd/acks",
            Route::BotlinkdEvents => "/botlinkd/events",
        }
    }

    /// The provider whose webhooks this route receives.
    pub fn provider(self) -> Provider {
        match self {
            Route::EdnaClicks => Provider::Edna,
            _ => Provider::Botlinkd,
        }
    }

    /// Whether an event of `kind` may be stored through this route.
    pub fn accepts(self, kind: EventKind) -> bool {
        match self {
            Route::EdnaClicks => kind == EventKind::Click,
            Route::BotlinkdMessages => kind == EventKind::InboundMessage,
            Route::BotlinkdAcks => kind == EventKind::Ack,
            Route::BotlinkdEvents => kind != EventKind::Click,
        }
    }

    /// Where an event of `kind` should have been sent, for the error that refuses it.
    pub fn suggestion_for(kind: EventKind) -> &'static str {
        match kind {
            EventKind::Click => "/edna/clicks",
            EventKind::InboundMessage => "/botlinkd/messages (or /botlinkd/events)",
            EventKind::Ack => "/botlinkd/acks (or /botlinkd/events)",
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
    fn only_the_combined_route_accepts_both_botlinkd_kinds() {
        assert!(Route::BotlinkdEvents.accepts(EventKind::InboundMessage));
        assert!(Route::BotlinkdEvents.accepts(EventKind::Ack));
        assert!(!Route::BotlinkdEvents.accepts(EventKind::Click));
        assert!(!Route::BotlinkdMessages.accepts(EventKind::Ack));
        assert!(!Route::BotlinkdAcks.accepts(EventKind::InboundMessage));
        assert!(!Route::EdnaClicks.accepts(EventKind::Ack));
    }
}
