//! Generators of ids, timestamps, JSON, valid bodies of each kind and their mutations.

use super::*;

/// Characters that break naive key building, escaping and logging.
pub const TRICKY: &[char] = &[
    '#', '%', '2', '3', '5', 'a', 'Z', '.', '/', '\\', '"', '\'', ' ', '+', ':', '&', '=', '?',
    '\u{a0}', '\u{ad}', '\u{200b}', '\u{202e}', '\u{2028}', '\u{feff}', 'é', 'ß', '日', '😀',
];
/// Control characters, which no id may contain.
pub const CONTROLS: &[char] = &[
    '\0', '\u{1}', '\t', '\n', '\r', '\u{1b}', '\u{1f}', '\u{7f}', '\u{85}', '\u{9f}',
];

/// Strings of `len` characters drawn from `chars`.
pub fn text_of(chars: &'static [char], len: std::ops::Range<usize>) -> BoxedStrategy<String> {
    proptest::collection::vec(select(chars), len)
        .prop_map(|c| c.into_iter().collect())
        .boxed()
}

/// Ids a provider could plausibly send, including every character that needs escaping in a key
/// and the longest accepted ones.
pub fn valid_id() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Za-z0-9._:=+-]{1,40}",
        4 => text_of(TRICKY, 1..40),
        1 => "\\PC{1,60}".prop_filter("fits an id", |s| id_ok(s)),
        1 => select(vec![
            "#".repeat(256),
            "%".repeat(256),
            "%23".repeat(85),
            "😀".repeat(64),
            "é".repeat(128),
            "x".repeat(256),
        ]),
    ]
    .boxed()
}

/// Any string a mutation may put in an id field: valid ids, and empty, over-long or control
/// ones.
pub fn any_id() -> BoxedStrategy<String> {
    let with_control = (
        text_of(TRICKY, 0..20),
        select(CONTROLS),
        text_of(TRICKY, 0..20),
    )
        .prop_map(|(a, c, b)| format!("{a}{c}{b}"));
    prop_oneof![
        3 => valid_id(),
        2 => with_control,
        1 => Just(String::new()),
        1 => select(vec![
            "x".repeat(257),
            "#".repeat(257),
            "é".repeat(129),
            "😀".repeat(65),
            "a".repeat(5000),
        ]),
    ]
    .boxed()
}

/// Strings of lengths around every limit, in 1- to 4-byte characters.
pub fn long_string() -> BoxedStrategy<String> {
    (
        select(vec!['x', '#', 'é', '😀', '\u{1}']),
        prop_oneof![
            select(vec![
                0usize, 1, 63, 64, 65, 128, 129, 255, 256, 257, 1024, 16_384
            ]),
            0usize..70_000,
            select(vec![65_000usize, 65_536, 70_000]),
        ],
    )
        .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect())
        .boxed()
}

/// Any string, often made of tricky or control characters.
pub fn free_text() -> BoxedStrategy<String> {
    prop_oneof![3 => any::<String>(), 1 => text_of(TRICKY, 0..30), 1 => text_of(CONTROLS, 0..5)]
        .boxed()
}

/// ISO 8601 date-times in years 0001..=9998, with or without a fraction and an offset.
pub fn iso_timestamp() -> BoxedStrategy<String> {
    let offset = prop_oneof![
        Just(String::new()),
        Just("Z".to_owned()),
        (select(vec!['+', '-']), 0u32..19, 0u32..60)
            .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
    ];
    let fraction = prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"];
    (
        1u32..=9998,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        fraction,
        offset,
    )
        .prop_map(|(y, mo, d, h, mi, s, f, o)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}{o}")
        })
        .boxed()
}

/// Epoch seconds: mostly recent ones, sometimes any valid one or a bound of the range.
pub fn epoch() -> BoxedStrategy<i64> {
    prop_oneof![
        3 => 1_500_000_000i64..1_900_000_000,
        1 => MIN_EPOCH..=MAX_EPOCH,
        1 => select(vec![MIN_EPOCH, MAX_EPOCH, 0, -1]),
    ]
    .boxed()
}

/// Any JSON value, a few levels deep.
pub fn arb_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        free_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z_#%]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Fields no format knows, which must be ignored (edna) or kept in `extra` (BotLinkd `data`).
pub fn unknown_fields() -> BoxedStrategy<Vec<(String, Value)>> {
    proptest::collection::vec(
        (
            "[a-zA-Z_#%]{1,10}".prop_filter("unknown", |n| !KNOWN_NAMES.contains(&n.as_str())),
            arb_json(),
        ),
        0..3,
    )
    .boxed()
}

/// `object` with the `unknown` fields added.
pub fn with_unknown(mut object: Map<String, Value>, unknown: Vec<(String, Value)>) -> Value {
    for (name, value) in unknown {
        object.insert(name, value);
    }
    Value::Object(object)
}

/// The map of a JSON object (panics on any other value).
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// A valid edna click, with generated values in every field.
pub fn click_body() -> BoxedStrategy<Value> {
    let request_id = prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        valid_id().prop_map(|id| Some(Value::String(id))),
    ];
    let payload = (
        (free_text(), any::<u64>(), free_text(), any::<u64>()),
        (valid_id(), free_text(), valid_id(), request_id),
        unknown_fields(),
    )
        .prop_map(
            |((sender, template, channel, out), (phone, url, short, request_id), extra)| {
                let mut payload = object(json!({
                    "sender": sender, "templateId": template, "channelType": channel,
                    "outMessageId": out, "phone": phone, "url": url, "shortLink": short,
                }));
                if let Some(id) = request_id {
                    payload.insert("requestId".into(), id);
                }
                with_unknown(payload, extra)
            },
        );
    (payload, free_text(), iso_timestamp(), unknown_fields())
        .prop_map(|(payload, version, timestamp, extra)| {
            let top = object(json!({
                "payload": payload, "type": "short_link_visited",
                "version": version, "timestamp": timestamp,
            }));
            with_unknown(top, extra)
        })
        .boxed()
}

/// A valid BotLinkd inbound message.
pub fn message_body() -> BoxedStrategy<Value> {
    let body = prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        free_text().prop_map(|t| Some(Value::String(t)))
    ];
    (
        (valid_id(), valid_id(), free_text(), free_text()),
        (body, valid_id(), epoch()),
        unknown_fields(),
        unknown_fields(),
    )
        .prop_map(
            |((instance, from, to, kind), (body, id, ts), data_extra, top_extra)| {
                let mut data = object(json!({
                    "from": from, "to": to, "type": kind, "message_id": id, "timestamp": ts,
                }));
                if let Some(body) = body {
                    data.insert("body".into(), body);
                }
                let top = object(json!({
                    "event": "message", "instance_id": instance,
                    "data": with_unknown(data, data_extra),
                }));
                with_unknown(top, top_extra)
            },
        )
        .boxed()
}

/// A valid BotLinkd ack.
pub fn ack_body() -> BoxedStrategy<Value> {
    (
        valid_id(),
        valid_id(),
        select(vec!["sent", "delivered", "read"]),
        epoch(),
        unknown_fields(),
        unknown_fields(),
    )
        .prop_map(|(instance, id, status, ts, data_extra, top_extra)| {
            let data = object(json!({ "message_id": id, "status": status, "timestamp": ts }));
            let top = object(json!({
                "event": "ack", "instance_id": instance, "data": with_unknown(data, data_extra),
            }));
            with_unknown(top, top_extra)
        })
        .boxed()
}

/// The generator of valid bodies of `kind`.
pub fn body_of(kind: Kind) -> BoxedStrategy<Value> {
    match kind {
        Kind::Click => click_body(),
        Kind::Message => message_body(),
        Kind::Ack => ack_body(),
        Kind::EdnaStatus => edna_status_body(),
        Kind::EdnaMessage => edna_message_body(),
    }
}

/// Every documented kind.
pub const KINDS: [Kind; 5] = [
    Kind::Click,
    Kind::Message,
    Kind::Ack,
    Kind::EdnaStatus,
    Kind::EdnaMessage,
];

/// A valid event of any kind, and a route that stores it.
pub fn valid_event() -> BoxedStrategy<(Kind, Route, Value)> {
    let of = |kind: Kind, body: BoxedStrategy<Value>| {
        (select(kind.routes()), body).prop_map(move |(route, body)| (kind, route, body))
    };
    prop_oneof![
        of(Kind::Click, click_body()),
        of(Kind::Message, message_body()),
        of(Kind::Ack, ack_body()),
        of(Kind::EdnaStatus, edna_status_body()),
        of(Kind::EdnaMessage, edna_message_body()),
    ]
    .boxed()
}

/// A route: usually one that stores `kind`, sometimes any.
pub fn route_for(kind: Kind) -> BoxedStrategy<Route> {
    prop_oneof![5 => select(kind.routes()), 1 => select(Route::ALL.to_vec())].boxed()
}

/// A value a mutation writes into a field: every JSON type, and strings and numbers aimed at
/// the field checks.
pub fn replacement() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => arb_json(),
        3 => any_id().prop_map(Value::String),
        1 => long_string().prop_map(Value::String),
        1 => iso_timestamp().prop_map(Value::String),
        1 => "[0-9T:Z.+ -]{0,30}".prop_map(Value::String),
        1 => select(vec!["sent", "delivered", "read", "READ", "seen", "", "message", "ack",
                         "short_link_visited", "presence", "FAILED", "TEXT"]).prop_map(Value::from),
        1 => select(vec![0i64, -1, 1, i64::MIN, i64::MAX, MIN_EPOCH - 1, MAX_EPOCH + 1]).prop_map(Value::from),
        1 => select(vec![u64::MAX, 1 << 63]).prop_map(Value::from),
        1 => select(vec![0.0f64, -0.0, 0.5, 1e300, -1e-300]).prop_map(Value::from),
    ]
    .boxed()
}

/// One change to a valid body.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Removes the field at this dotted path.
    Remove(&'static str),
    /// Sets the field at this dotted path to this value.
    Replace(&'static str, Value),
}

/// Applies `mutation` to `body`.
pub fn apply(body: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Remove(path) => apply_at(body, path, None),
        Mutation::Replace(path, value) => apply_at(body, path, Some(value.clone())),
    }
}

/// Sets (or, with `None`, removes) the field at a dotted path.
pub fn apply_at(body: &mut Value, path: &str, replacement: Option<Value>) {
    let (parent, leaf) = path.rsplit_once('.').unwrap_or(("", path));
    let parent = if parent.is_empty() {
        Some(body)
    } else {
        body.pointer_mut(&format!("/{}", parent.replace('.', "/")))
    };
    // A mutation under a container that an earlier one removed or replaced does nothing.
    if let Some(Value::Object(map)) = parent {
        match replacement {
            Some(value) => {
                map.insert(leaf.to_owned(), value);
            }
            None => {
                map.remove(leaf);
            }
        }
    }
}

/// A removal or replacement of one of `kind`'s fields.
pub fn mutation(kind: Kind) -> BoxedStrategy<Mutation> {
    let paths = kind.paths();
    prop_oneof![
        1 => select(paths.clone()).prop_map(Mutation::Remove),
        4 => (select(paths), replacement()).prop_map(|(p, v)| Mutation::Replace(p, v)),
    ]
    .boxed()
}

/// A documented kind of event, valid, then changed by 0 to 2 mutations, sent to a route.
pub fn mutated_case() -> BoxedStrategy<(Kind, Route, Vec<Mutation>, Value, bool)> {
    select(KINDS.to_vec())
        .prop_flat_map(|kind| {
            let body = body_of(kind);
            (
                Just(kind),
                route_for(kind),
                proptest::collection::vec(mutation(kind), 0..=2),
                body,
                any::<bool>(),
            )
        })
        .boxed()
}

/// `body` serialized with the JSON text `raw` in place of the value at `path` (which need not
/// exist yet): the way to put text that no `serde_json::Value` can hold (1e400, -0, duplicate
/// keys, 10,000 levels of nesting) into an otherwise valid body.
pub fn with_raw(body: &Value, path: &str, raw: &str) -> String {
    const MARK: &str = "\u{1}RAW\u{1}";
    let mut body = body.clone();
    apply_at(&mut body, path, Some(Value::String(MARK.into())));
    let text = body.to_string();
    let quoted = Value::String(MARK.into()).to_string();
    assert_eq!(text.matches(&quoted).count(), 1, "{path} is not in {text}");
    text.replacen(&quoted, raw, 1)
}
