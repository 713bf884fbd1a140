//! What keeps a local console local (the `Host` it answers, the page a write comes from), and
//! the one place an error becomes a status code.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::Markup;
use webhook_table::StoreError;

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
/// rebinding: a web page whose name resolves to the console's address) and a write from another
/// site's page (a write must carry `x-console-request`, which a cross-site form cannot set). Every
/// answer, a refusal too, forbids framing ([`refuse_framing`]).
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
    let mut answer = if !console.hosts.is_empty()
        && !console
            .hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host))
    {
        ConsoleError::Forbidden("this console answers on its own address only").into_response()
    } else if request.method() != Method::GET
        && !request.headers().contains_key("x-console-request")
    {
        ConsoleError::Forbidden("writes come from the console's own page only").into_response()
    } else {
        next.run(request).await
    };
    refuse_framing(answer.headers_mut());
    answer
}

/// No page of the console may be shown inside another page (clickjacking its Reveal or Replay):
/// `X-Frame-Options: DENY` for older browsers, CSP `frame-ancestors 'none'` for the others.
fn refuse_framing(headers: &mut HeaderMap) {
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
}

/// The `Host` values a console listening on `address` answers: on a loopback address the address
/// itself and `localhost` with its port, plus each of `allowed` (`--allow-host NAME`); elsewhere
/// `allowed` only, and it must name at least one. A name without a port is allowed with the
/// console's port. Without an allow-list off loopback this refuses: a console that answered any
/// `Host` would serve any web page whose name its author points at the console's address.
pub fn hosts_of(address: SocketAddr, allowed: &[String]) -> Result<Vec<String>, String> {
    let port = address.port();
    let mut hosts = Vec::new();
    if address.ip().is_loopback() {
        hosts.push(address.to_string());
        hosts.push(format!("localhost:{port}"));
        if address.is_ipv4() {
            hosts.push(format!("127.0.0.1:{port}"));
        }
    } else if allowed.is_empty() {
        return Err(format!(
            "{address} is not a loopback address: name each host name the console may be \
             reached by with --allow-host NAME (repeatable), or listen on 127.0.0.1"
        ));
    }
    for name in allowed {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || name.contains(['/', ' ', '@']) {
            return Err(format!("--allow-host takes a host name, not {name:?}"));
        }
        let has_port = name
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.ends_with(':') && port.parse::<u16>().is_ok())
            && !(name.starts_with('[') && name.ends_with(']'));
        if has_port {
            hosts.push(name);
        } else {
            hosts.push(format!("{name}:{port}"));
            // A browser leaves the default port out of Host.
            if port == 80 {
                hosts.push(name);
            }
        }
    }
    let mut unique = Vec::new();
    for host in hosts {
        if !unique.contains(&host) {
            unique.push(host);
        }
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn loopback_answers_its_own_address_and_what_is_allowed() {
        let hosts = hosts_of(([127, 0, 0, 1], 9100).into(), &[]).unwrap();
        assert_eq!(hosts, ["127.0.0.1:9100", "localhost:9100"]);
        let hosts = hosts_of(([127, 0, 0, 1], 9100).into(), &names(&["ops.internal"])).unwrap();
        assert!(hosts.contains(&"ops.internal:9100".to_owned()));
    }

    #[test]
    fn off_loopback_an_allow_list_is_required_and_is_all_it_answers() {
        let any: SocketAddr = ([0, 0, 0, 0], 9100).into();
        assert!(hosts_of(any, &[]).unwrap_err().contains("--allow-host"));
        let lan: SocketAddr = ([192, 168, 1, 5], 9100).into();
        assert!(hosts_of(lan, &[]).is_err());
        let hosts = hosts_of(any, &names(&["Console.Example", "10.0.0.5:9100"])).unwrap();
        assert_eq!(hosts, ["console.example:9100", "10.0.0.5:9100"]);
        assert!(hosts_of(any, &names(&["http://x"])).is_err());
        assert!(hosts_of(any, &names(&[""])).is_err());
    }
}
