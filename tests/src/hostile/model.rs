//! The model: what the documented formats say a body is, written apart from the parser.

use super::*;

/// What the model predicts for one body.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// A valid event: stored as an event.
    Stored,
    /// Not an event: quarantined raw, naming `field` when it is `Some`.
    Quarantined(Option<String>),
    /// Over the size cap: 413, nothing written.
    TooLarge,
    /// The model cannot tell (a generated timestamp string); the answer must still agree with
    /// `parse_event`.
    Undecided,
}

/// A documented kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An edna Pulse link click.
    Click,
    /// An inbound BotLinkd message.
    Message,
    /// A BotLinkd delivery status (ack).
    Ack,
}

/// How a field is validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Any string.
    Str,
    /// Any string, `null` or absent.
    OptStr,
    /// An identifier that goes into a key: non-empty, at most 256 bytes, no control characters.
    Id,
    /// A JSON integer in 0..=u64::MAX, or a string of its digits.
    U64,
    /// Unix epoch seconds whose date is in years 0000..=9999, as a JSON integer or a string of
    /// its digits.
    Epoch,
    /// ISO 8601 date-time.
    Iso,
}

use FieldKind::*;

/// The fields of an edna click that are checked, by dotted path.
pub const CLICK_FIELDS: &[(&str, FieldKind)] = &[
    ("version", Str),
    ("timestamp", Iso),
    ("payload.sender", Str),
    ("payload.templateId", U64),
    ("payload.channelType", Str),
    ("payload.outMessageId", U64),
    ("payload.phone", Id),
    ("payload.url", Str),
    ("payload.shortLink", Id),
    ("payload.requestId", OptStr),
];
/// The fields of a BotLinkd message that are checked, by dotted path.
pub const MESSAGE_FIELDS: &[(&str, FieldKind)] = &[
    ("instance_id", Id),
    ("data.from", Id),
    ("data.to", Str),
    ("data.type", Str),
    ("data.body", OptStr),
    ("data.message_id", Id),
    ("data.timestamp", Epoch),
];
/// The fields of a BotLinkd ack that are checked, by dotted path.
pub const ACK_FIELDS: &[(&str, FieldKind)] = &[
    ("instance_id", Id),
    ("data.message_id", Id),
    ("data.status", Id),
    ("data.timestamp", Epoch),
];

impl Kind {
    /// The fields of this kind that are checked, by dotted path.
    pub fn fields(self) -> &'static [(&'static str, FieldKind)] {
        match self {
            Kind::Click => CLICK_FIELDS,
            Kind::Message => MESSAGE_FIELDS,
            Kind::Ack => ACK_FIELDS,
        }
    }

    /// The object that holds the event's own fields.
    pub fn container(self) -> &'static str {
        match self {
            Kind::Click => "payload",
            Kind::Message | Kind::Ack => "data",
        }
    }

    /// Every path a mutation can touch: the discriminator, the container, and each field.
    pub fn paths(self) -> Vec<&'static str> {
        let discriminator = match self {
            Kind::Click => "type",
            Kind::Message | Kind::Ack => "event",
        };
        let mut paths = vec![discriminator, self.container()];
        paths.extend(self.fields().iter().map(|(path, _)| *path));
        paths
    }

    /// Routes that store this kind: every route of its provider.
    pub fn routes(self) -> &'static [Route] {
        match self {
            Kind::Click => &[
                Route::EdnaClicks,
                Route::EdnaStatuses,
                Route::EdnaMessages,
                Route::EdnaEvents,
            ],
            Kind::Message | Kind::Ack => &[
                Route::BotlinkdMessages,
                Route::BotlinkdAcks,
                Route::BotlinkdEvents,
            ],
        }
    }
}

/// Field names with a meaning at each level, which generated unknown fields must avoid.
pub const KNOWN_NAMES: &[&str] = &[
    "event",
    "type",
    "payload",
    "data",
    "version",
    "timestamp",
    "instance_id",
    "sender",
    "templateId",
    "channelType",
    "outMessageId",
    "phone",
    "url",
    "shortLink",
    "requestId",
    "from",
    "to",
    "body",
    "message_id",
    "status",
];

/// The earliest epoch second a timestamp may have: 0000-01-01T00:00:00Z.
pub const MIN_EPOCH: i64 = -62_167_219_200;
/// The latest epoch second a timestamp may have: 9999-12-31T23:59:59Z.
pub const MAX_EPOCH: i64 = 253_402_300_799;
/// The longest identifier that may go into a key, in bytes.
pub const MAX_ID_BYTES: usize = 256;

/// Whether `value` may be an identifier in a key: non-empty, short enough, no control characters.
pub fn id_ok(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_ID_BYTES && !value.chars().any(char::is_control)
}

/// Whether a value is acceptable for a field: `Some(true)`, `Some(false)`, or `None` when the
/// model cannot tell (a timestamp string that is neither clearly valid nor clearly invalid).
pub fn field_ok(kind: FieldKind, value: Option<&Value>) -> Option<bool> {
    let value = value.filter(|v| !v.is_null());
    let Some(value) = value else {
        return Some(kind == OptStr);
    };
    // Quoted integers: digits only (a leading minus for epochs), read as the number they spell.
    let quoted = |text: &str, signed: bool| {
        let digits = if signed {
            text.strip_prefix('-').unwrap_or(text)
        } else {
            text
        };
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    Some(match kind {
        Str | OptStr => value.is_string(),
        Id => value.as_str().is_some_and(id_ok),
        U64 => {
            value.is_u64()
                || value
                    .as_str()
                    .is_some_and(|t| quoted(t, false) && t.parse::<u64>().is_ok())
        }
        Epoch => value
            .as_i64()
            .or_else(|| {
                value
                    .as_str()
                    .filter(|t| quoted(t, true))
                    .and_then(|t| t.parse().ok())
            })
            .is_some_and(|t| (MIN_EPOCH..=MAX_EPOCH).contains(&t)),
        Iso => {
            let Some(text) = value.as_str() else {
                return Some(false);
            };
            if iso_clearly_valid(text) {
                true
            } else if !text.bytes().any(|b| b.is_ascii_digit()) {
                false
            } else {
                return None;
            }
        }
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.f+][Z|±HH:MM]` with year 0001..=9998, day 01..=28 and in-range time:
/// the forms [`iso_timestamp`] generates, which any ISO 8601 parser must accept.
pub fn iso_clearly_valid(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return false;
    }
    if b[16] != b':' || !(1..=9998).contains(&year) || !(1..=12).contains(&month) {
        return false;
    }
    if !(1..=28).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return false;
        }
        rest = &fraction[len..];
    }
    match rest.as_bytes() {
        [] | [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2]
            if matches!(sign, b'+' | b'-')
                && [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) =>
        {
            let hh = u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0');
            let mm = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
            // No offset beyond 18 h names a zone; the parser refuses them.
            hh <= 18 && mm < 60
        }
        _ => false,
    }
}

/// The value at a dotted path of `body`, if there is one.
pub fn get<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    body.pointer(&format!("/{}", path.replace('.', "/")))
}

/// What the documented formats make of `body` sent to `route`: refused (and with which status
/// and field) or stored. A well-formed body of the route's provider that is none of the modelled
/// kinds (an edna JSON array or object of another shape, a BotLinkd event of another type) is
/// stored as an unmodelled event.
pub fn model(route: Route, body: &Value) -> Expect {
    let edna_route = route.provider() == Provider::Edna;
    let Some(object) = body.as_object() else {
        // edna's template-status updates are JSON arrays; BotLinkd sends only objects.
        return if edna_route && body.is_array() {
            Expect::Stored
        } else {
            Expect::Quarantined(None)
        };
    };
    // The discriminators: BotLinkd's `event`, edna's `type`; each a string when present.
    let bad: Vec<&str> = ["event", "type"]
        .into_iter()
        .filter(|name| {
            object
                .get(*name)
                .is_some_and(|v| !v.is_null() && !v.is_string())
        })
        .collect();
    if !bad.is_empty() {
        return Expect::Quarantined((bad.len() == 1).then(|| bad[0].to_owned()));
    }
    let event = object.get("event").and_then(Value::as_str);
    let edna_type = object.get("type").and_then(Value::as_str);
    // An unmodelled event of the route's provider is stored; of the other provider, quarantined.
    let unmodelled = |edna: bool| {
        if edna == edna_route {
            Expect::Stored
        } else {
            Expect::Quarantined(None)
        }
    };
    let kind = match (event, edna_type) {
        (Some("message"), _) => Kind::Message,
        (Some("ack"), _) => Kind::Ack,
        (Some(_), _) => return unmodelled(false),
        (None, Some("short_link_visited")) => Kind::Click,
        (None, Some(_)) => return unmodelled(true),
        // Only edna's click wraps its fields in `payload`: with one, the `type` is missing.
        (None, None) if edna_route && object.get("payload").is_some_and(|p| !p.is_null()) => {
            return Expect::Quarantined(Some("type".to_owned()))
        }
        // edna's status and incoming-message webhooks name no type: their documented fields
        // tell them. Their own fields are checked by their parsers (not modelled here).
        (None, None) => {
            let has = |name: &str| object.get(name).is_some_and(|v| !v.is_null());
            let status = has("status") && has("statusAt");
            let message = has("subscriber") && (has("messageContent") || has("receivedAt"));
            return match (status != message, edna_route) {
                (true, true) => Expect::Undecided,
                (true, false) => Expect::Quarantined(None),
                (false, true) => Expect::Stored,
                (false, false) => Expect::Quarantined(Some("event".to_owned())),
            };
        }
    };
    if !kind.routes().contains(&route) {
        return Expect::Quarantined(None);
    }
    let mut problems = Vec::new();
    let mut undecided = false;
    match object.get(kind.container()) {
        Some(Value::Object(_)) => {
            for (path, field) in kind.fields() {
                match field_ok(*field, get(body, path)) {
                    Some(true) => {}
                    Some(false) => problems.push(*path),
                    None => undecided = true,
                }
            }
        }
        _ => {
            problems.push(kind.container());
            // The top-level fields are still checked.
            for (path, field) in kind.fields().iter().filter(|(p, _)| !p.contains('.')) {
                if field_ok(*field, object.get(*path)) == Some(false) {
                    problems.push(*path);
                }
            }
        }
    }
    match problems.as_slice() {
        [] if undecided => Expect::Undecided,
        [] => Expect::Stored,
        [only] if !undecided => Expect::Quarantined(Some((*only).to_owned())),
        _ => Expect::Quarantined(None),
    }
}

/// `model`, after the handler's size limit.
pub fn model_text(route: Route, text: &str, body: &Value) -> Expect {
    if text.len() > MAX_BODY_BYTES {
        Expect::TooLarge
    } else {
        model(route, body)
    }
}

/// What the handler must make of an authenticated POST: decided by `parse_event`.
pub fn outcome_from_parser(route: Route, body: &[u8]) -> &'static str {
    if body.len() > MAX_BODY_BYTES {
        return "413";
    }
    match parse_event(route, body) {
        Ok(_) => "stored",
        Err(_) => "quarantined",
    }
}
