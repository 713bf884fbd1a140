//! The functions' tracing subscriber: Lambda's own (`AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`;
//! `AWS_LAMBDA_LOG_FORMAT=JSON`), with one cap that no directive lifts. The runtime and the HTTP
//! and SDK crates under it log whole events at TRACE (lambda_runtime: "raw JSON event received
//! from Lambda", with every header, the query string and the body) and requests and answers at
//! DEBUG, so `RUST_LOG=trace` or the template's `ApplicationLogLevel: TRACE` would put the edna
//! key, the BotLinkd token and people's phone numbers in CloudWatch. Every target that is not
//! this workspace's own code is held at INFO and above, whatever the level asked.

use std::str::FromStr;

use lambda_http::tracing::subscriber::filter::{filter_fn, EnvFilter, LevelFilter};
use lambda_http::tracing::subscriber::fmt::MakeWriter;
use lambda_http::tracing::subscriber::layer::SubscriberExt;
use lambda_http::tracing::subscriber::util::SubscriberInitExt;
use lambda_http::tracing::subscriber::Layer;
use tracing::{Level, Metadata};

/// The crates whose logs may go below INFO: the workspace's own, which never log a header, a
/// query string, a body or a secret at any level (`tests/tests/logs.rs`).
const OWN_TARGETS: [&str; 5] = [
    "webhook_receiver",
    "webhook_payload",
    "click",
    "ack",
    "inbound_message",
];

/// Whether `metadata` may be logged at its level: anything at INFO or above, and below that only
/// the workspace's own code.
pub(crate) fn allowed(metadata: &Metadata<'_>) -> bool {
    *metadata.level() <= Level::INFO || is_own(metadata.target())
}

fn is_own(target: &str) -> bool {
    let krate = target.split("::").next().unwrap_or(target);
    OWN_TARGETS.contains(&krate)
}

/// Installs the subscriber for the process, writing to stdout.
pub(crate) fn init() {
    let _ = subscriber(std::io::stdout).try_init();
}

/// The subscriber [`init`] installs, writing to `writer` (tests capture it).
pub(crate) fn subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .unwrap_or_default()
        .eq_ignore_ascii_case("json");
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| LevelFilter::from_str(&level).ok())
        .unwrap_or(LevelFilter::INFO);
    let env = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    let fmt = lambda_http::tracing::subscriber::fmt::layer()
        .with_target(false)
        .without_time()
        .with_writer(writer);
    let fmt = if json {
        fmt.json().boxed()
    } else {
        fmt.boxed()
    };
    lambda_http::tracing::subscriber::registry()
        .with(filter_fn(allowed))
        .with(env)
        .with(fmt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_workspace_logs_below_info() {
        assert!(is_own("webhook_receiver::handler"));
        assert!(is_own("click"));
        assert!(is_own("inbound_message"));
        for other in [
            "lambda_runtime::layers::api_response",
            "lambda_http",
            "hyper_util::client",
            "aws_smithy_runtime::client::orchestrator",
            "aws_sdk_dynamodb",
            "rustls",
            "h2",
            "webhook_receiverx",
        ] {
            assert!(!is_own(other), "{other}");
        }
    }
}
