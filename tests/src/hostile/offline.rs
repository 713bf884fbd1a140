//! The request path with a fresh in-memory store per request, what it answered, and the whole check of one generated POST.

use super::*;

/// Every route's fixture, and a runtime to drive a receiver per request.
pub struct Offline {
    runtime: tokio::runtime::Runtime,
    fixtures: Vec<(Route, Value)>,
}

impl Default for Offline {
    fn default() -> Offline {
        Offline::new()
    }
}

impl Offline {
    /// Loads every route's fixture and a current-thread runtime.
    pub fn new() -> Offline {
        Offline {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            fixtures: Route::ALL
                .into_iter()
                .map(|route| (route, fixture_event(fixture_of(route))))
                .collect(),
        }
    }

    /// The API Gateway fixture of `route`.
    pub fn fixture(&self, route: Route) -> &Value {
        &self.fixtures.iter().find(|(r, _)| *r == route).unwrap().1
    }

    /// POSTs `body` to `route`, as text or (as API Gateway does for binary bodies) base64.
    pub fn post(&self, route: Route, body: &[u8], base64: bool) -> Answer {
        let mut event = self.fixture(route).clone();
        set_body(&mut event, body, base64);
        self.send(route, &event)
    }

    /// Sends `event` to a receiver wired like the function that serves `route`, with a new store.
    pub fn send(&self, route: Route, event: &Value) -> Answer {
        let receiver = memory_receiver(route);
        let response = self
            .runtime
            .block_on(receiver.respond(request(event)))
            .expect("infallible");
        let text = match response.body() {
            Body::Empty => None,
            body => Some(String::from_utf8_lossy(body.as_ref()).into_owned()),
        };
        Answer {
            status: response.status().as_u16(),
            content_type: header_text(&response, header::CONTENT_TYPE),
            retry_after: header_text(&response, header::RETRY_AFTER),
            allow: header_text(&response, header::ALLOW),
            json: text.as_deref().map(|t| {
                serde_json::from_str(t).unwrap_or(Value::String(format!("NOT JSON: {t}")))
            }),
            written: receiver.store().items(),
            attempts: receiver.store().write_attempts(),
        }
    }
}

/// A response header as text (`<binary>` when it is not).
pub fn header_text(
    response: &lambda_http::Response<Body>,
    name: header::HeaderName,
) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap_or("<binary>").to_owned())
}

/// Puts `body` into an API Gateway event, as text or base64-encoded.
pub fn set_body(event: &mut Value, body: &[u8], base64: bool) {
    if base64 {
        event["body"] = Value::String(STANDARD.encode(body));
        event["isBase64Encoded"] = Value::Bool(true);
    } else {
        let text = std::str::from_utf8(body).expect("a text body is UTF-8");
        event["body"] = Value::String(text.to_owned());
        event["isBase64Encoded"] = Value::Bool(false);
    }
}

/// What the handler answered.
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// The `Allow` header.
    pub allow: Option<String>,
    /// The JSON body; `None` for an empty body.
    pub json: Option<Value>,
    /// What the store holds after the request.
    pub written: Vec<Item>,
    /// How many writes the request attempted.
    pub attempts: usize,
}

impl Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Items can hold 256 KiB raw bodies: show what they are, not what they hold.
        let written: Vec<String> = self
            .written
            .iter()
            .map(|i| {
                let text = |name| item::text(i, name).unwrap_or("-");
                format!(
                    "{} {} {} reason={} field={}",
                    text(item::KIND),
                    text(item::PK).chars().take(80).collect::<String>(),
                    text(item::SK).chars().take(80).collect::<String>(),
                    text(item::REASON),
                    text(item::FIELD)
                )
            })
            .collect();
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("retry_after", &self.retry_after)
            .field("allow", &self.allow)
            .field("json", &self.json)
            .field("written", &written)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl Answer {
    /// The `status` of a 200's JSON body.
    pub fn stored_as(&self) -> Option<&str> {
        (self.status == 200)
            .then(|| self.json.as_ref()?.get("status")?.as_str())
            .flatten()
    }
}

/// Every status the HTTP contract documents for a request that is not stored.
pub const DOCUMENTED: [u16; 5] = [401, 404, 405, 413, 503];

/// The shape every non-2xx answer has: a documented status, `application/json`, and a JSON
/// object with a non-empty `error` string; 503 also says when to retry. Nothing is written.
pub fn check_error_shape(answer: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(
        answer.written.is_empty(),
        "a refused request wrote: {answer:?}"
    );
    prop_assert!(
        DOCUMENTED.contains(&answer.status),
        "undocumented status: {answer:?}"
    );
    prop_assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    let error = answer
        .json
        .as_ref()
        .and_then(|body| body.get("error"))
        .and_then(Value::as_str);
    prop_assert!(
        error.is_some_and(|e| !e.is_empty()),
        "no JSON error: {answer:?}"
    );
    if answer.status == 503 {
        prop_assert!(answer.retry_after.is_some(), "503 without Retry-After");
    }
    Ok(())
}

/// One generated POST body and what must come of it.
#[derive(Clone)]
pub struct Case {
    /// The route the body is POSTed to.
    pub route: Route,
    /// The body's bytes.
    pub body: Vec<u8>,
    /// Whether API Gateway hands it over base64-encoded.
    pub base64: bool,
    /// What the model says must come of it.
    pub expect: Expect,
}

impl Case {
    /// A case whose body is `text`, the serialisation of `body`, with its modelled answer.
    pub fn json(route: Route, text: String, body: &Value, base64: bool) -> Case {
        let expect = model_text(route, &text, body);
        Case::text(route, text, base64, expect)
    }

    /// A case whose body is `text`, with the answer `expect`.
    pub fn text(route: Route, text: String, base64: bool, expect: Expect) -> Case {
        Case {
            route,
            body: text.into_bytes(),
            base64,
            expect,
        }
    }
}

impl Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        let shown: String = body.chars().take(600).collect();
        f.debug_struct("Case")
            .field("route", &self.route)
            .field("base64", &self.base64)
            .field("expect", &self.expect)
            .field("body_len", &self.body.len())
            .field("body", &shown)
            .finish()
    }
}

/// The whole check for one authenticated POST: never a 4xx but 413, the raw body in the store
/// after every 200, agreement with the pure layer, and the model's prediction.
pub fn check_case(offline: &Offline, case: Case) -> Result<(), TestCaseError> {
    let base64 = case.base64 || std::str::from_utf8(&case.body).is_err();
    let answer = offline.post(case.route, &case.body, base64);
    let expected = outcome_from_parser(case.route, &case.body);
    if expected == "413" {
        prop_assert_eq!(answer.status, 413, "{:?}", answer);
        check_error_shape(&answer)?;
        prop_assert_eq!(answer.attempts, 0);
        prop_assert_eq!(&case.expect, &Expect::TooLarge);
        return Ok(());
    }
    let outcome = answer.stored_as().unwrap_or("error");
    prop_assert_eq!(
        outcome,
        expected,
        "the handler disagrees with parse_event: {:?}",
        answer
    );
    let holding: Vec<&Item> = answer
        .written
        .iter()
        .filter(|i| item::holds_body(i, &case.body))
        .collect();
    prop_assert_eq!(
        holding.len(),
        1,
        "one item holds the raw body: {:?}",
        answer
    );
    let quarantined = item::text(holding[0], item::KIND) == Some("quarantine");
    prop_assert_eq!(quarantined, outcome == "quarantined");
    match &case.expect {
        Expect::Stored => {
            prop_assert_eq!(outcome, "stored", "valid event not stored: {:?}", answer)
        }
        Expect::Quarantined(field) => {
            prop_assert_eq!(outcome, "quarantined", "{:?}", answer);
            if let Some(field) = field {
                prop_assert_eq!(
                    item::text(holding[0], item::FIELD),
                    Some(field.as_str()),
                    "{:?}",
                    answer
                );
            }
        }
        Expect::TooLarge => prop_assert!(false, "a body under the cap was modelled too large"),
        Expect::Undecided => {}
    }
    Ok(())
}
