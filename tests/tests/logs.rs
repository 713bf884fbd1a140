//! The logs of a run: one JSON line per request with provider, kind, outcome and latency, phone
//! numbers masked, keys hashed, and never a secret, a message id or a message body.

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use integration_tests::{
    client_for, closed_endpoint, fixture_event, fresh_table, local_client, receiver, send,
    with_body, BOTLINKD_TOKEN, EDNA_KEY,
};
use serde_json::{json, Value};
use tracing_subscriber::fmt::MakeWriter;
use webhook_payload::{Provider, Route};
use webhook_receiver::{Config, LineSink, Receiver};
use webhook_table::{DynamoDbStore, StoreSettings};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Sends this thread's log lines, JSON-formatted as in AWS, into a new buffer until the guard drops.
    fn install() -> (Captured, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(captured.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (captured, guard)
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// A message id shaped like WhatsApp's: `wamid.` + base64 of a protobuf-like record that holds
/// the other party's phone number in clear digits, then a random-looking message part.
fn real_shaped_wamid(phone: &str, tail: &str) -> String {
    let mut record = vec![0x18, phone.len() as u8];
    record.extend_from_slice(phone.as_bytes());
    record.extend_from_slice(&[0x15, 0x02, 0x00, 0x12, 0x18, tail.len() as u8]);
    record.extend_from_slice(tail.as_bytes());
    format!("wamid.{}", STANDARD.encode(record))
}

/// Every maximal run of at least 7 ASCII digits in `text`.
fn digit_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() >= 7)
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn one_json_line_per_request_with_no_secret_phone_number_message_id_or_body() {
    let (captured, _guard) = Captured::install();
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let lines_to_buffer =
        |receiver: Receiver<DynamoDbStore>| receiver.with_lines(LineSink::Buffer(buffer.clone()));

    let client = local_client();
    let table = fresh_table(&client).await;
    let click = lines_to_buffer(receiver(&client, &table, Route::EdnaClicks));
    let messages = lines_to_buffer(receiver(&client, &table, Route::BotlinkdMessages));
    let acks = lines_to_buffer(receiver(&client, &table, Route::BotlinkdAcks));

    let wrong_key = "wrong-edna-key-presented-by-a-caller";
    let mut bad_key = fixture_event("click.json");
    bad_key["headers"]["x-api-key"] = json!(wrong_key);
    let wrong_token = "wrong-botlinkd-token-presented-0000000";
    let mut bad_token = fixture_event("ack.json");
    bad_token["queryStringParameters"]["token"] = json!(wrong_token);
    bad_token["rawQueryString"] = json!(format!("token={wrong_token}"));

    let customer = "447700900123";
    let inbound_id = real_shaped_wamid(customer, "3EB0C767D71D4A5B9F21");
    let outbound_id = real_shaped_wamid("4915112345678", "ABGGFlA5FpafAgo6EhSx");
    let message = json!({
        "event": "message", "instance_id": "10922",
        "data": { "from": customer, "to": "15550123456", "type": "text",
                  "body": "Hello, where is my order?", "message_id": inbound_id,
                  "timestamp": 1678900000 }
    })
    .to_string();
    let ack = |status: &str| {
        json!({
            "event": "ack", "instance_id": "10922",
            "data": { "message_id": outbound_id, "status": status, "timestamp": 1678900055 }
        })
        .to_string()
    };
    // A mistyped phone: serde's message would quote the number in full.
    let mistyped = message.replace(&format!("\"from\":\"{customer}\""), "\"from\":447700900124");
    assert_ne!(mistyped, message);
    let mut form_declared = with_body(fixture_event("message.json"), &ack("delivered"));
    form_declared["headers"]["content-type"] = json!("application/x-www-form-urlencoded");

    let requests = [
        (&click, fixture_event("click.json"), "stored"),
        (&click, fixture_event("click.json"), "duplicate"),
        (
            &messages,
            with_body(fixture_event("message.json"), &message),
            "stored",
        ),
        (
            &acks,
            with_body(fixture_event("ack.json"), &ack("read")),
            "stored",
        ),
        // An ack on the messages URL: stored, and flagged.
        (
            &messages,
            with_body(fixture_event("message.json"), &ack("sent")),
            "stored",
        ),
        (
            &acks,
            with_body(fixture_event("ack.json"), &ack("failed")),
            "stored",
        ),
        (&messages, form_declared, "stored"),
        (&click, bad_key, "unauthorized"),
        (&acks, bad_token, "unauthorized"),
        (
            &messages,
            with_body(fixture_event("message.json"), &mistyped),
            "quarantined",
        ),
        (
            &messages,
            with_body(fixture_event("message.json"), &mistyped),
            "duplicate",
        ),
    ];
    for (handler, event, _) in &requests {
        send(handler, event).await;
    }
    let offline = lines_to_buffer(receiver(
        &client_for(&closed_endpoint()),
        &table,
        Route::BotlinkdMessages,
    ));
    send(
        &offline,
        &with_body(fixture_event("message.json"), &message),
    )
    .await;

    // The request lines, and whatever else was logged (nothing else may leak either).
    let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap() + &captured.text();
    let mut forbidden: Vec<String> = [
        EDNA_KEY,
        BOTLINKD_TOKEN,
        wrong_key,
        wrong_token,
        "Hello, where is my order?",
        &inbound_id,
        &outbound_id,
    ]
    .map(str::to_owned)
    .to_vec();
    for (_, event, _) in &requests {
        forbidden.extend(digit_runs(event["body"].as_str().unwrap()));
    }
    for id in [&inbound_id, &outbound_id] {
        let chars: Vec<char> = id.chars().collect();
        forbidden.extend(
            chars
                .windows(12)
                .map(|piece| piece.iter().collect::<String>()),
        );
    }
    assert!(
        forbidden.iter().any(|f| f == customer),
        "the check covers the phone"
    );
    for piece in &forbidden {
        assert!(
            !text.contains(piece.as_str()),
            "logs contain {piece:?}:\n{text}"
        );
    }

    let lines: Vec<Value> = String::from_utf8(buffer.lock().unwrap().clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let expected: Vec<&str> = requests
        .iter()
        .map(|(_, _, outcome)| *outcome)
        .chain(["failed"])
        .collect();
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|l| l["Outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, expected, "one line per request, in order");
    for line in &lines {
        assert!(line["us"].is_u64(), "latency missing in {line}");
        assert!(
            line["_aws"].is_object(),
            "the line is the EMF document: {line}"
        );
        assert!(line.get("pk").is_none(), "a key is never logged: {line}");
    }
    let field = |i: usize, name: &str| lines[i][name].clone();
    assert_eq!(field(0, "Provider"), "edna");
    assert_eq!(field(0, "Kind"), "click");
    assert_eq!(field(0, "phone"), "4567");
    assert_eq!(field(2, "phone"), "0123");
    assert_eq!(field(2, "key").as_str().map(str::len), Some(12));
    // The two acks of one message share a key hash, so a message can be followed in the logs.
    assert_eq!(field(3, "key"), field(4, "key"));
    assert!(lines[3].get("WrongRoute").is_none());
    assert_eq!(field(4, "WrongRoute"), 1);
    assert_eq!(field(4, "route"), Route::BotlinkdMessages.path());
    assert_eq!(lines[4]["level"], "WARN");
    assert_eq!(field(6, "ct"), "application/x-www-form-urlencoded");
    assert!(lines[3].get("ct").is_none());
    assert_eq!(field(7, "auth"), "no_key");
    assert_eq!(field(8, "auth"), "invalid");
    assert_eq!(field(9, "reason"), "invalid_field");
    assert_eq!(field(9, "field"), "data.from");
    assert_eq!(lines[9]["level"], "WARN");
    assert_eq!(field(10, "detail"), "again");
    assert_eq!(lines[11]["level"], "ERROR");
    assert_eq!(field(11, "Cause"), "other");
}

#[test]
fn disabling_authentication_is_explicit_and_logged_at_start() {
    let (captured, _guard) = Captured::install();
    let vars = [("TABLE_NAME", "events"), ("AUTH_DISABLED", "true")];
    let config = Config::from_lookup(&[Provider::Botlinkd], |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    let settings = StoreSettings::new("events", 0);
    let store = DynamoDbStore::with_client(client_for(&closed_endpoint()), settings);
    let _receiver = Receiver::new(store, config, &[Route::BotlinkdAcks]);
    let text = captured.text();
    let line: Value =
        serde_json::from_str(text.lines().next().expect("a warning at start")).unwrap();
    assert_eq!(line["level"], "WARN");
    assert!(line["fields"]["message"]
        .as_str()
        .unwrap()
        .contains("authentication is disabled"));
}
