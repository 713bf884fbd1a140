//! The deployed binary's init with its secrets in SSM Parameter Store: without access to the
//! parameter (SSM refuses, or cannot be reached) it exits during init, naming the parameter,
//! before it asks the Runtime API for a first request. The reading itself is tested in
//! shared/receiver/src/secrets.rs.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use webhook_payload::Function;

const PARAMETER: &str = "/whatsapp-webhooks/test/edna-api-keys";

/// An SSM endpoint that answers every request as SSM answers a role without
/// `ssm:GetParameter`.
fn ssm_that_denies() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0; 8192];
            let _ = stream.read(&mut request);
            let body = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/click-role/click is not authorized to perform: ssm:GetParameter"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.1\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    endpoint
}

fn closed_port() -> String {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let endpoint = format!("http://{}", closed.local_addr().expect("its address"));
    drop(closed);
    endpoint
}

/// Runs the click binary as Lambda would, with the parameter named and SSM at `endpoint`; the
/// Runtime API is a closed port, so a binary that got past init would fail differently.
fn init_with_ssm_at(endpoint: &str) -> (bool, String, Duration) {
    let runtime_api = closed_port();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_click"))
        .env_clear()
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            runtime_api.trim_start_matches("http://"),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", Function::Click.binary())
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("TABLE_NAME", "webhook-events")
        .env("EDNA_API_KEYS_PARAMETER", PARAMETER)
        .env("AWS_ENDPOINT_URL_SSM", endpoint)
        .env("AWS_ENDPOINT_URL_DYNAMODB", closed_port())
        .stdin(Stdio::null())
        .output()
        .expect("run the click binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text, started.elapsed())
}

/// Runs the click binary's init with SSM at `ssm` and asserts that it failed within Lambda's 10 s
/// init limit (the SSM client gives up after 4 s, retries included) with an error that names the
/// parameter and its variable, followed by `detail`; returns the binary's output.
fn assert_init_fails_naming_the_parameter(ssm: &str, detail: &str) -> String {
    let (succeeded, output, took) = init_with_ssm_at(ssm);
    assert!(!succeeded, "{output}");
    assert!(
        output.contains(&format!(
            "cannot read SSM parameter {PARAMETER} (named by EDNA_API_KEYS_PARAMETER){detail}"
        )),
        "{output}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    output
}

#[test]
fn without_ssm_access_the_function_fails_its_init_naming_the_parameter() {
    let output =
        assert_init_fails_naming_the_parameter(&ssm_that_denies(), ": AccessDeniedException");
    assert!(!output.contains("runtime"), "it got past init: {output}");
}

#[test]
fn with_ssm_unreachable_the_function_fails_its_init_naming_the_parameter() {
    assert_init_fails_naming_the_parameter(&closed_port(), "");
}
