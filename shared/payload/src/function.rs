//! Which deployed function serves which routes, for which provider: the one table that
//! `functions/*/src/main.rs`, the tests, the bench and the template checks derive from.

use std::fmt;

use crate::{Provider, Route};

/// A deployed Lambda function, named after what happens in a conversation: the binary it runs
/// and the routes it serves, of either provider. The providers it authenticates are derived from
/// its routes, so a function cannot be wired to a route without that provider's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// edna Pulse clicks, and every edna kind on edna's combined route.
    Click,
    /// Inbound messages of both providers, and both BotLinkd kinds on BotLinkd's combined route.
    InboundMessage,
    /// Delivery statuses of both providers (BotLinkd acks, edna message statuses).
    Ack,
}

impl Function {
    /// Every deployed function.
    pub const ALL: [Function; 3] = [Function::Click, Function::InboundMessage, Function::Ack];

    /// The binary (and `functions/` folder, and `BuildProperties.Binary`) that runs it.
    pub const fn binary(self) -> &'static str {
        match self {
            Function::Click => "click",
            Function::InboundMessage => "inbound-message",
            Function::Ack => "ack",
        }
    }

    /// The routes it serves, in the order they are documented.
    pub const fn routes(self) -> &'static [Route] {
        match self {
            Function::Click => &[Route::EdnaClicks, Route::EdnaEvents],
            Function::InboundMessage => &[
                Route::BotlinkdMessages,
                Route::BotlinkdEvents,
                Route::EdnaMessages,
            ],
            Function::Ack => &[Route::BotlinkdAcks, Route::EdnaStatuses],
        }
    }

    /// The providers it authenticates: those of its routes, in [`Provider::ALL`]'s order.
    pub fn providers(self) -> Vec<Provider> {
        Provider::ALL
            .into_iter()
            .filter(|provider| self.routes().iter().any(|r| r.provider() == *provider))
            .collect()
    }

    /// The function that serves `route`.
    pub fn serving(route: Route) -> Function {
        Function::ALL
            .into_iter()
            .find(|function| function.routes().contains(&route))
            .expect("every route is served by a function (checked at compile time)")
    }

    /// The function whose binary is `name`.
    pub fn from_binary(name: &str) -> Option<Function> {
        Function::ALL
            .into_iter()
            .find(|function| function.binary() == name)
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.binary())
    }
}

/// Compile-time proof of the table: each function serves a route, and each route is served by
/// exactly one function.
const _: () = {
    let mut f = 0;
    while f < Function::ALL.len() {
        assert!(
            !Function::ALL[f].routes().is_empty(),
            "a function serves no route"
        );
        f += 1;
    }
    let mut r = 0;
    while r < Route::ALL.len() {
        let mut serving = 0;
        let mut f = 0;
        while f < Function::ALL.len() {
            let routes = Function::ALL[f].routes();
            let mut i = 0;
            while i < routes.len() {
                if routes[i] as u8 == Route::ALL[r] as u8 {
                    serving += 1;
                }
                i += 1;
            }
            f += 1;
        }
        assert!(serving == 1, "a route is served by no function or by two");
        r += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_is_served_by_the_function_that_lists_it() {
        for route in Route::ALL {
            let function = Function::serving(route);
            assert!(function.routes().contains(&route));
            assert!(function.providers().contains(&route.provider()));
        }
    }

    #[test]
    fn from_binary_finds_each_function_and_nothing_else() {
        for function in Function::ALL {
            assert_eq!(Function::from_binary(function.binary()), Some(function));
        }
        assert_eq!(Function::from_binary("null-lambda"), None);
    }
}
