//! The logs of a run: one JSON line per request with provider, kind, outcome and latency, phone
//! numbers masked, and never a secret or a message body.

use std::io::Write;
use std::sync::{Arc, Mutex};

use integration_tests::{
    client_for, fixture_event, fresh_table, local_client, receiver, send, with_body,
    BOTLINKD_TOKEN, EDNA_KEY,
};
use serde_json::{json, Value};
use tracing_subscriber::fmt::MakeWriter;
use webhook_payload::{Provider, Route};
use webhook_receiver::{Config, EventStore, Receiver};

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

#[tokio::test]
async fn one_json_line_per_request_with_no_secret_full_phone_or_body() {
    let (captured, _guard) = Captured::install();

    let client = local_client();
    let table = fresh_table(&client).await;
    let click = receiver(&client, &table, Route::EdnaClicks);
    let messages = receiver(&client, &table, Route::BotlinkdMessages);
    let acks = receiver(&client, &table, Route::BotlinkdAcks);

    let wrong_key = "wrong-edna-key-presented-by-a-caller";
    let mut bad_key = fixture_event("click.json");
    bad_key["headers"]["x-api-key"] = json!(wrong_key);
    let wrong_token = "wrong-botlinkd-token-presented-0000000";
    let mut bad_token = fixture_event("ack.json");
    bad_token["queryStringParameters"]["token"] = json!(wrong_token);
    bad_token["rawQueryString"] = json!(format!("token={wrong_token}"));
    // A mistyped phone: serde's message would quote the number in full.
    let mistyped = r#"{"event":"message","instance_id":"10922","data":{"from":447123456789,"to":"15550123456","type":"text","body":"Hello, where is my order?","message_id":"m2","timestamp":1678900000}}"#;

    let requests = [
        (&click, fixture_event("click.json"), "stored"),
        (&click, fixture_event("click.json"), "duplicate"),
        (&messages, fixture_event("message.json"), "stored"),
        (&acks, fixture_event("ack.json"), "stored"),
        (&click, bad_key, "rejected:auth"),
        (&acks, bad_token, "rejected:auth"),
        (
            &messages,
            with_body(fixture_event("message.json"), mistyped),
            "rejected:invalid_payload",
        ),
    ];
    for (handler, event, _) in &requests {
        send(handler, event).await;
    }
    let offline = receiver(
        &client_for("http://127.0.0.1:9"),
        &table,
        Route::BotlinkdMessages,
    );
    send(&offline, &fixture_event("message.json")).await;

    let text = captured.text();
    for forbidden in [
        EDNA_KEY,
        BOTLINKD_TOKEN,
        wrong_key,
        wrong_token,
        "79991234567",
        "447123456789",
        "15550123456",
        "Hello, where is my order?",
    ] {
        assert!(
            !text.contains(forbidden),
            "logs contain {forbidden:?}:\n{text}"
        );
    }

    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .filter(|line: &Value| line["fields"]["message"] == "webhook request")
        .collect();
    let expected: Vec<&str> = requests
        .iter()
        .map(|(_, _, outcome)| *outcome)
        .chain(["failed"])
        .collect();
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|l| l["fields"]["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, expected, "one line per request, in order");
    for line in &lines {
        let fields = &line["fields"];
        for name in ["route", "provider", "kind", "latency_us", "phone"] {
            assert!(!fields[name].is_null(), "{name} missing in {line}");
        }
    }
    assert_eq!(lines[0]["fields"]["provider"], "edna");
    assert_eq!(lines[0]["fields"]["kind"], "click");
    assert_eq!(lines[0]["fields"]["phone"], "*******4567");
    assert_eq!(lines[2]["fields"]["phone"], "********6789");
    assert_eq!(lines[6]["fields"]["field"], "data.from");
    assert_eq!(lines[7]["level"], "ERROR");
}

#[test]
fn disabling_authentication_is_explicit_and_logged_at_start() {
    let (captured, _guard) = Captured::install();
    let vars = [("TABLE_NAME", "events"), ("AUTH_DISABLED", "true")];
    let config = Config::from_lookup(Provider::Botlinkd, |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    let store = EventStore::new(client_for("http://127.0.0.1:9"), "events");
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
