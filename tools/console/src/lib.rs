//! The web console over the event table (`console`, `scripts/console`): what it shows is built
//! from table items and stream changes by plain functions (`event`, `message`, `overview`,
//! `feed`), rendered as HTML (`pages`, `charts`), and served by [`router`].

mod charts;
mod event;
mod feed;
mod guard;
mod mask;
mod message;
mod overview;
mod pages;
mod pretty;
mod routes;
mod server;
mod time;

pub use feed::{Feed, DEFAULT_CAPACITY};
pub use guard::{hosts_of, ConsoleError};
pub use routes::router;
pub use server::{follow_stream, Console};
