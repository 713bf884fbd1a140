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

/// What the documented formats say of one provider's bodies, beyond its kinds' fields: what the
/// model needs to know of the provider a route belongs to. One row per provider in [`FORMATS`]
/// (a test asks it of every provider), found by [`documented`].
#[derive(Debug)]
pub struct DocumentedFormat {
    /// Whose format this is.
    pub provider: Provider,
    /// The top-level field that names its bodies' type (edna's `type`, BotLinkd's `event`).
    pub discriminator: &'static str,
    /// Its documented kinds.
    pub kinds: &'static [Kind],
    /// Whether it sends JSON arrays (edna's template-status updates), stored as unmodelled.
    pub sends_arrays: bool,
    /// Whether an object without its discriminator and of none of its kinds' shapes is one of
    /// its unmodelled events (edna names no type on some webhooks), rather than a body missing
    /// its discriminator.
    pub untyped_objects: bool,
}

/// Each provider's documented format, as the model reads it.
pub const FORMATS: [DocumentedFormat; 2] = [
    DocumentedFormat {
        provider: Provider::Edna,
        discriminator: "type",
        kinds: &[Kind::Click, Kind::EdnaStatus, Kind::EdnaMessage],
        sends_arrays: true,
        untyped_objects: true,
    },
    DocumentedFormat {
        provider: Provider::Botlinkd,
        discriminator: "event",
        kinds: &[Kind::Message, Kind::Ack],
        sends_arrays: false,
        untyped_objects: false,
    },
];

/// The documented format of `provider`; panics for a provider without a row in [`FORMATS`].
pub fn documented(provider: Provider) -> &'static DocumentedFormat {
    FORMATS
        .iter()
        .find(|row| row.provider == provider)
        .unwrap_or_else(|| panic!("{provider} has no documented format in hostile/model.rs"))
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
    /// An edna Pulse message status (no `type`: told by `status` with `statusAt`).
    EdnaStatus,
    /// An edna Pulse incoming message (no `type`: told by `subscriber` with `messageContent` or
    /// `receivedAt`).
    EdnaMessage,
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
    /// A JSON integer in 0..=u64::MAX, a string of its digits, `null` or absent.
    OptU64,
}

use FieldKind::*;

impl Kind {
    /// The fields of this kind that are checked, by dotted path.
    pub fn fields(self) -> &'static [(&'static str, FieldKind)] {
        match self {
            Kind::Click => CLICK_FIELDS,
            Kind::Message => MESSAGE_FIELDS,
            Kind::Ack => ACK_FIELDS,
            Kind::EdnaStatus => EDNA_STATUS_FIELDS,
            Kind::EdnaMessage => EDNA_MESSAGE_FIELDS,
        }
    }

    /// The object that holds the event's own fields (the top level, `""`, for an edna status),
    /// where generated unknown fields go.
    pub fn container(self) -> &'static str {
        match self {
            Kind::Click => "payload",
            Kind::Message | Kind::Ack => "data",
            Kind::EdnaStatus => "",
            Kind::EdnaMessage => "messageContent",
        }
    }

    /// The nested objects of this kind, each with whether it is required (an optional one may be
    /// absent or `null`, and must otherwise be an object).
    pub fn objects(self) -> &'static [(&'static str, bool)] {
        match self {
            Kind::Click => &[("payload", true)],
            Kind::Message | Kind::Ack => &[("data", true)],
            Kind::EdnaStatus => &[],
            Kind::EdnaMessage => &[
                ("subscriber", true),
                ("userInfo", false),
                ("messageContent", true),
            ],
        }
    }

    /// The provider whose documented kind this is.
    pub fn provider(self) -> Provider {
        FORMATS
            .iter()
            .find(|row| row.kinds.contains(&self))
            .unwrap_or_else(|| panic!("{self:?} is no provider's documented kind"))
            .provider
    }

    /// Every path a mutation can touch: the discriminator, the nested objects, and each field.
    pub fn paths(self) -> Vec<&'static str> {
        let mut paths = vec![documented(self.provider()).discriminator];
        paths.extend(self.objects().iter().map(|(path, _)| *path));
        paths.extend(self.fields().iter().map(|(path, _)| *path));
        paths
    }

    /// Routes that store this kind: every route of its provider.
    pub fn routes(self) -> Vec<Route> {
        let provider = self.provider();
        Route::ALL
            .into_iter()
            .filter(|route| route.provider() == provider)
            .collect()
    }
}

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
        return Some(matches!(kind, OptStr | OptU64));
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
        U64 | OptU64 => {
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
    let format = documented(route.provider());
    let Some(object) = body.as_object() else {
        // edna's template-status updates are JSON arrays; BotLinkd sends only objects.
        return if format.sends_arrays && body.is_array() {
            Expect::Stored
        } else {
            Expect::Quarantined(None)
        };
    };
    // The discriminators: BotLinkd's `event`, edna's `type`; each a string when present.
    let bad: Vec<&str> = FORMATS
        .iter()
        .map(|row| row.discriminator)
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
    // An unmodelled event of the route's provider (named by its own discriminator) is stored;
    // of another provider, quarantined.
    let unmodelled = |discriminator: &str| {
        if discriminator == format.discriminator {
            Expect::Stored
        } else {
            Expect::Quarantined(None)
        }
    };
    let kind = match (event, edna_type) {
        (Some("message"), _) => Kind::Message,
        (Some("ack"), _) => Kind::Ack,
        (Some(_), _) => return unmodelled("event"),
        (None, Some("short_link_visited")) => Kind::Click,
        (None, Some(_)) => return unmodelled("type"),
        // Only edna's click wraps its fields in `payload`: with one, the `type` is missing.
        (None, None)
            if Kind::Click.provider() == format.provider
                && object.get("payload").is_some_and(|p| !p.is_null()) =>
        {
            return Expect::Quarantined(Some("type".to_owned()))
        }
        // edna's status and incoming-message webhooks name no type: their documented fields
        // tell them (`null` counts as absent).
        (None, None) => {
            let has = |name: &str| object.get(name).is_some_and(|v| !v.is_null());
            let status = has("status") && has("statusAt");
            let message = has("subscriber") && (has("messageContent") || has("receivedAt"));
            match (status, message) {
                (true, false) => Kind::EdnaStatus,
                (false, true) => Kind::EdnaMessage,
                // Neither shape, or both: an object of no documented kind, which is the route's
                // provider's unmodelled event if it sends untyped objects, or else a body
                // missing its discriminator.
                _ if format.untyped_objects => return Expect::Stored,
                _ => return Expect::Quarantined(Some(format.discriminator.to_owned())),
            }
        }
    };
    if !kind.routes().contains(&route) {
        return Expect::Quarantined(None);
    }
    let mut problems = Vec::new();
    let mut undecided = false;
    // A nested object that is not one is the problem; its own fields are not read.
    let mut unread = Vec::new();
    for (path, required) in kind.objects() {
        match get(body, path) {
            Some(Value::Object(_)) => {}
            None | Some(Value::Null) if !required => unread.push(*path),
            _ => {
                problems.push(*path);
                unread.push(*path);
            }
        }
    }
    for (path, field) in kind.fields() {
        if path
            .rsplit_once('.')
            .is_some_and(|(parent, _)| unread.contains(&parent))
        {
            continue;
        }
        match field_ok(*field, get(body, path)) {
            Some(true) => {}
            Some(false) => problems.push(*path),
            None => undecided = true,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_one_documented_format_and_every_kind_one_provider() {
        for provider in Provider::ALL {
            assert_eq!(documented(provider).provider, provider);
            let rows = FORMATS.iter().filter(|row| row.provider == provider);
            assert_eq!(rows.count(), 1, "{provider}");
        }
        for kind in KINDS {
            let rows = FORMATS.iter().filter(|row| row.kinds.contains(&kind));
            assert_eq!(rows.count(), 1, "{kind:?}");
            assert!(!kind.routes().is_empty(), "{kind:?}");
        }
    }
}
