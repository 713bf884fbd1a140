//! No log level lets a function log what a request carries. The deployed binary runs against a
//! fake Lambda Runtime API with `RUST_LOG=trace`, and again with `AWS_LAMBDA_LOG_LEVEL=TRACE`
//! (the template's `ApplicationLogLevel`), and takes one webhook whose header holds the edna key,
//! whose query string holds a token and whose body holds a phone number: none of them, nor the
//! body's text, is in what it writes. lambda_runtime alone would log the whole event at TRACE.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;
use webhook_payload::Function;

const KEY: &str = "trace-test-edna-key-0123456789";
const HEADER_VALUE: &str = "header-value-never-logged-4242";
const QUERY_TOKEN: &str = "query-token-never-logged-9191";
const PHONE: &str = "447700900555";
const BODY_TEXT: &str = "body-text-never-logged";

/// The API Gateway v2 event of one click on `/edna/clicks`.
fn event() -> String {
    let body = json!({
        "payload": {
            "sender": BODY_TEXT, "templateId": 1333, "channelType": "WHATSAPP",
            "outMessageId": 5345345, "phone": PHONE, "url": "google.ru", "shortLink": "f42kL"
        },
        "type": "short_link_visited", "version": "v1", "timestamp": "2025-08-10T12:32:56Z"
    })
    .to_string();
    json!({
        "version": "2.0",
        "routeKey": "ANY /edna/clicks",
        "rawPath": "/edna/clicks",
        "rawQueryString": format!("token={QUERY_TOKEN}"),
        "queryStringParameters": { "token": QUERY_TOKEN },
        "headers": {
            "host": "abc123xyz.execute-api.eu-west-1.amazonaws.com",
            "content-type": "application/json",
            "x-api-key": KEY,
            "x-custom": HEADER_VALUE
        },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123xyz",
            "domainName": "abc123xyz.execute-api.eu-west-1.amazonaws.com",
            "http": { "method": "POST", "path": "/edna/clicks", "protocol": "HTTP/1.1",
                      "sourceIp": "203.0.113.10", "userAgent": "edna" },
            "requestId": "JqZ9Vh2ZliAEMfA=", "routeKey": "ANY /edna/clicks", "stage": "$default",
            "time": "10/Aug/2025:12:32:57 +0000", "timeEpoch": 1754829177000u64
        },
        "isBase64Encoded": false,
        "body": body
    })
    .to_string()
}

/// Reads one HTTP/1.1 request: its request line and body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut first = String::new();
    if reader.read_line(&mut first).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((first, body))
}

/// A Runtime API that hands out one event, then holds `/next` open; sends the function's
/// response body on `answered`.
fn runtime_api(answered: mpsc::Sender<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("its address").to_string();
    std::thread::spawn(move || {
        let mut handed_out = false;
        for stream in listener.incoming().flatten() {
            let answered = answered.clone();
            let event = (!handed_out).then(event);
            handed_out = true;
            std::thread::spawn(move || {
                let mut event = event;
                let mut writer = stream.try_clone().expect("clone the stream");
                let mut reader = BufReader::new(stream);
                while let Some((first, body)) = read_request(&mut reader) {
                    if first.contains("/invocation/next") {
                        let Some(event) = event.take() else {
                            // Hold the runtime here until the test ends.
                            std::thread::sleep(Duration::from_secs(60));
                            return;
                        };
                        let _ = write!(
                            writer,
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                             lambda-runtime-aws-request-id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n\
                             lambda-runtime-deadline-ms: 9999999999999\r\n\
                             lambda-runtime-invoked-function-arn: arn:aws:lambda:eu-west-1:123456789012:function:click\r\n\
                             content-length: {}\r\n\r\n{event}",
                            event.len()
                        );
                    } else {
                        let _ =
                            write!(writer, "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
                        if first.contains("/response") {
                            let _ = answered.send(body);
                        }
                    }
                }
            });
        }
    });
    address
}

fn closed_port() -> String {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let endpoint = format!("http://{}", closed.local_addr().expect("its address"));
    drop(closed);
    endpoint
}

/// Runs the click binary with `level` set in `variable`, through one request; its output.
fn run_at(variable: &str, level: &str, format: &str) -> String {
    let (answered, response) = mpsc::channel();
    let runtime_api = runtime_api(answered);
    let mut child = Command::new(env!("CARGO_BIN_EXE_click"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", Function::Click.binary())
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", format)
        .env(variable, level)
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("TABLE_NAME", "webhook-events")
        .env("EDNA_API_KEYS", KEY)
        // Nothing answers: the write fails (a 503, logged at ERROR), after every layer has run.
        .env("AWS_ENDPOINT_URL_DYNAMODB", closed_port())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the click binary");
    let answer = response.recv_timeout(Duration::from_secs(30));
    child.kill().expect("stop the click binary");
    let output = child.wait_with_output().expect("its output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let answer = answer.unwrap_or_else(|_| panic!("the function never answered:\n{text}"));
    assert!(
        String::from_utf8_lossy(&answer).contains("503"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    text
}

#[test]
fn trace_logs_no_header_query_string_or_body() {
    for (variable, level, format) in [
        ("RUST_LOG", "trace", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "TRACE", "JSON"),
        (
            "RUST_LOG",
            "trace,lambda_runtime=trace,lambda_http=trace,hyper=trace",
            "TEXT",
        ),
    ] {
        let output = run_at(variable, level, format);
        // The request's own line is there (so the output was read at all) ...
        assert!(
            output.contains("\"Outcome\":\"failed\""),
            "{variable}={level}:\n{output}"
        );
        // ... and nothing the request carried.
        for secret in [
            KEY,
            HEADER_VALUE,
            QUERY_TOKEN,
            PHONE,
            BODY_TEXT,
            "short_link_visited",
        ] {
            assert!(
                !output.contains(secret),
                "{variable}={level} ({format}) logged {secret}:\n{output}"
            );
        }
    }
}
