//! What keeps a local console local (the `Host` it answers, the page a write comes from), and
//! the one place an error becomes a status code.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::Markup;
use webhook_receiver::StoreError;

use crate::pages::{self, Frame, Shown};
use crate::server::Console;

/// Why a request could not be answered; [`IntoResponse`] maps each to its status, in one place.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The table could not be read or written.
    #[error("the table could not be read: {0}")]
    Store(#[from] StoreError),
    /// The URL names nothing the console knows.
    #[error("{0}")]
    NotFound(String),
    /// The request is not one the console takes.
    #[error("{0}")]
    BadRequest(String),
    /// The request came from another site or for another host.
    #[error("{0}")]
    Forbidden(&'static str),
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = match &self {
            ConsoleError::Store(_) => StatusCode::BAD_GATEWAY,
            ConsoleError::NotFound(_) => StatusCode::NOT_FOUND,
            ConsoleError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ConsoleError::Forbidden(_) => StatusCode::FORBIDDEN,
        };
        let frame = Frame {
            title: "Problem",
            table: "",
            shown: Shown { reveal: false },
            read_units: None,
        };
        let heading = status.canonical_reason().unwrap_or("Problem");
        (
            status,
            pages::layout(&frame, pages::problem(heading, &self.to_string())),
        )
            .into_response()
    }
}

pub(crate) type Answer<T = Markup> = Result<T, ConsoleError>;

/// Keeps out what a local console must not serve: a request for another host name (DNS
/// rebinding: a web page whose name resolves to 127.0.0.1) and a write from another site's page
/// (a write must carry `x-console-request`, which a cross-site form cannot set).
pub(crate) async fn guard(
    State(console): State<Arc<Console>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    if !console.hosts.is_empty() && !console.hosts.iter().any(|allowed| allowed == host) {
        return ConsoleError::Forbidden("this console answers on its own address only")
            .into_response();
    }
    if request.method() != Method::GET && !request.headers().contains_key("x-console-request") {
        return ConsoleError::Forbidden("writes come from the console's own page only")
            .into_response();
    }
    next.run(request).await
}

/// The `Host` values a console listening on `address` answers: the address itself, and
/// `localhost` with its port when it is a loopback address; none (any host) otherwise.
pub fn hosts_of(address: SocketAddr) -> Vec<String> {
    if !address.ip().is_loopback() {
        return Vec::new();
    }
    let port = address.port();
    let mut hosts = vec![address.to_string(), format!("localhost:{port}")];
    if address.is_ipv4() {
        hosts.push(format!("127.0.0.1:{port}"));
    }
    hosts.dedup();
    hosts
}
