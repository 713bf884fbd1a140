//! Which deployed function serves which routes, for which provider: the one table that
//! `functions/*/src/main.rs`, the tests, the bench and the template checks derive from.

use std::fmt;

use crate::route::{Provider, Route};

/// A deployed Lambda function: the binary it runs and the routes it serves. Its provider is
/// derived from its routes, so a function cannot be wired to one provider's routes and the
/// other provider's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// edna Pulse clicks.
    Click,
    /// BotLinkd inbound messages, and both BotLinkd kinds on the combined route.
    InboundMessage,
    /// BotLinkd delivery acks.
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
            Function::Click => &[Route::EdnaClicks],
            Function::InboundMessage => &[Route::BotlinkdMessages, Route::BotlinkdEvents],
            Function::Ack => &[Route::BotlinkdAcks],
        }
    }

    /// The provider it authenticates: the provider of its routes (checked at compile time to be
    /// the same for all of them).
    pub const fn provider(self) -> Provider {
        self.routes()[0].provider()
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

/// Compile-time proof of the table: each function's routes share one provider, and each route
/// is served by exactly one function.
const _: () = {
    let mut f = 0;
    while f < Function::ALL.len() {
        let function = Function::ALL[f];
        let routes = function.routes();
        assert!(!routes.is_empty(), "a function serves no route");
        let mut r = 0;
        while r < routes.len() {
            assert!(
                routes[r].provider() as u8 == function.provider() as u8,
                "a function serves routes of two providers"
            );
            r += 1;
        }
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
            assert_eq!(function.provider(), route.provider());
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
