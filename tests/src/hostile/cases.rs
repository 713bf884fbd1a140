//! Generated cases that stress one thing each: numbers, duplicate keys, nesting, size, bytes, any JSON value, the largest valid body.

use super::*;
use FieldKind::*;

/// Number literals from the JSON grammar's edges, and text that is not a number at all.
pub fn number_literal() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(vec![
            "1e400", "-1e400", "1e-400", "-0", "0", "-1", "1.0", "1E2", "0.0", "-0.0",
            "18446744073709551615", "18446744073709551616", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "253402300799", "253402300800", "-62167219200", "-62167219201", "1678900000",
            "01", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1e", ".5", "5.", "-", "1_000",
        ]).prop_map(str::to_owned),
        2 => "-?[0-9]{1,25}(\\.[0-9]{1,5})?([eE][+-]?[0-9]{1,4})?",
    ]
    .boxed()
}

/// Whether `text` is a JSON number, per RFC 8259's grammar.
pub fn json_number(text: &str) -> bool {
    let b = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || (b[0] == b'0' && int_len > 1) {
        return false;
    }
    let mut rest = &b[int_len..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    if let Some(exponent) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exponent = exponent
            .strip_prefix(b"+")
            .or_else(|| exponent.strip_prefix(b"-"))
            .unwrap_or(exponent);
        let n = exponent.iter().take_while(|c| c.is_ascii_digit()).count();
        return n > 0 && n == exponent.len();
    }
    rest.is_empty()
}

/// What a number literal in a field must give. Integers are read as integers only when they have
/// no fraction, no exponent and no minus zero (`-0` is a float to JSON parsers).
pub fn number_expectation(kind: Option<FieldKind>, literal: &str, path: &str) -> Expect {
    if !json_number(literal) {
        return Expect::Quarantined(None);
    }
    let integer = !literal.contains(['.', 'e', 'E']) && literal != "-0";
    let ok = match kind {
        None => true,
        Some(U64) => integer && literal.parse::<u64>().is_ok(),
        Some(Epoch) => {
            integer
                && literal
                    .parse::<i64>()
                    .is_ok_and(|t| (MIN_EPOCH..=MAX_EPOCH).contains(&t))
        }
        Some(other) => unreachable!("{other:?} is not numeric"),
    };
    if ok {
        Expect::Stored
    } else if literal.contains(['e', 'E']) || literal.len() > 18 {
        // An out-of-range number is a syntax error to serde, reported without a field.
        Expect::Quarantined(None)
    } else {
        Expect::Quarantined(Some(path.to_owned()))
    }
}

/// A valid event with a generated number literal in a numeric or unknown field, and its answer.
pub fn numbers_case() -> BoxedStrategy<Case> {
    (valid_event(), number_literal(), 0usize..4, any::<bool>())
        .prop_map(|((kind, route, body), literal, slot, base64)| {
            let numeric: Vec<(&str, Option<FieldKind>)> = match kind {
                Kind::Click => vec![
                    ("payload.templateId", Some(U64)),
                    ("payload.outMessageId", Some(U64)),
                    ("payload.x_number", None),
                    ("x_number", None),
                ],
                Kind::Message | Kind::Ack => vec![
                    ("data.timestamp", Some(Epoch)),
                    ("data.timestamp", Some(Epoch)),
                    ("data.x_number", None),
                    ("x_number", None),
                ],
                Kind::EdnaStatus => vec![
                    ("messageId", Some(U64)),
                    ("cascadeId", Some(U64)),
                    ("subjectId", Some(U64)),
                    ("x_number", None),
                ],
                Kind::EdnaMessage => vec![
                    ("id", Some(U64)),
                    ("subscriber.id", Some(U64)),
                    ("messageContent.x_number", None),
                    ("x_number", None),
                ],
            };
            let (path, field) = numeric[slot];
            let text = with_raw(&body, path, &literal);
            // The kind is decided on the whole body, which only a syntax error stops; fields are
            // read after the route check.
            let expect = if !kind.routes().contains(&route) {
                Expect::Quarantined(None)
            } else {
                number_expectation(field, &literal, path)
            };
            Case::text(route, text, base64, expect)
        })
        .boxed()
}

/// The same key twice in one object: a parser-differential trick (which value wins?) that must
/// be refused for every field with a meaning, also when the second spelling is escaped.
pub fn duplicate_case() -> BoxedStrategy<Case> {
    (
        valid_event(),
        any::<prop::sample::Index>(),
        any::<bool>(),
        replacement(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|((kind, route, body), pick, escape, other, same, base64)| {
            // Known fields present in this body, plus one unknown field.
            let mut paths: Vec<String> = kind
                .paths()
                .into_iter()
                .filter(|p| get(&body, p).is_some())
                .map(str::to_owned)
                .collect();
            paths.push(format!("{}.x_dup", kind.container()));
            paths.push("x_dup".into());
            let path = pick.get(&paths).clone();
            let (parent, leaf) = path.rsplit_once('.').unwrap_or(("", &path));
            let value = if same {
                get(&body, &path).cloned().unwrap_or(Value::Null)
            } else {
                other
            };
            let key = if escape {
                let mut chars = leaf.chars();
                let first = chars.next().unwrap();
                format!("\"\\u{:04x}{}\"", first as u32, chars.as_str())
            } else {
                Value::String(leaf.to_owned()).to_string()
            };
            // The object holding the key, with the key written twice.
            let container = if parent.is_empty() {
                &body
            } else {
                get(&body, parent).unwrap()
            };
            let container_text = container.to_string();
            let doubled = format!(
                "{},{key}:{value}}}",
                &container_text[..container_text.len() - 1]
            );
            let doubled = if container_text == "{}" {
                format!("{{{key}:{value}}}")
            } else {
                doubled
            };
            let text = if parent.is_empty() {
                doubled
            } else {
                with_raw(&body, parent, &doubled)
            };
            let unknown = leaf == "x_dup";
            let expect = if text.len() > MAX_BODY_BYTES {
                Expect::TooLarge
            } else if unknown {
                model(route, &body)
            } else if !kind.routes().contains(&route) && !matches!(path.as_str(), "event" | "type")
            {
                Expect::Quarantined(None)
            } else {
                Expect::Quarantined(Some(path.clone()))
            };
            Case::text(route, text, base64, expect)
        })
        .boxed()
}

/// 1 to 20,000 levels of arrays or objects: as the body, in an unknown field, in the event's
/// container, or in a field with a meaning.
pub fn nesting_case() -> BoxedStrategy<Case> {
    let depth = prop_oneof![6 => 1usize..200, 1 => Just(10_000), 1 => 5_000usize..20_000];
    (
        valid_event(),
        depth,
        any::<bool>(),
        0usize..5,
        any::<bool>(),
    )
        .prop_map(|((kind, route, body), depth, arrays, place, base64)| {
            let nested = if arrays {
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            } else {
                format!("{}0{}", "{\"a\":".repeat(depth), "}".repeat(depth))
            };
            let known = match kind {
                Kind::Click => "payload.phone",
                Kind::Message => "data.message_id",
                Kind::Ack => "data.status",
                Kind::EdnaStatus => "status",
                Kind::EdnaMessage => "subscriber.identifier",
            };
            let (text, expect) = match place {
                // Valid JSON at any depth (what the discriminator does not read, it skips
                // without a depth limit): the model's answer for its top level, an array or an
                // object without a discriminator (on edna's route an unmodelled event; BotLinkd
                // sends neither).
                0 => {
                    let top = if arrays {
                        json!([[]])
                    } else {
                        json!({"a": {}})
                    };
                    (nested, model(route, &top))
                }
                1 => (with_raw(&body, "deep", &nested), model(route, &body)),
                2 => (
                    with_raw(&body, &format!("{}.deep", kind.container()), &nested),
                    model(route, &body),
                ),
                _ => {
                    let mut expect = model(route, &body);
                    if expect == Expect::Stored {
                        expect = Expect::Quarantined(Some(known.to_owned()));
                    }
                    (with_raw(&body, known, &nested), expect)
                }
            };
            let expect = if text.len() > MAX_BODY_BYTES {
                Expect::TooLarge
            } else {
                expect
            };
            Case::text(route, text, base64, expect)
        })
        .boxed()
}

/// Valid events padded with an unknown field to sizes around the 64 KiB limit, and far over it.
pub fn size_case() -> BoxedStrategy<Case> {
    let size = prop_oneof![
        20 => (MAX_BODY_BYTES - 64)..=(MAX_BODY_BYTES + 64),
        1 => Just(1_000_000usize),
    ];
    (valid_event(), size, any::<bool>(), any::<bool>())
        .prop_map(|((kind, route, body), size, in_container, base64)| {
            let path = if in_container {
                format!("{}.pad", kind.container())
            } else {
                "pad".into()
            };
            let base = with_raw(&body, &path, "\"\"");
            let pad = "p".repeat(size.saturating_sub(base.len()));
            let text = with_raw(&body, &path, &format!("\"{pad}\""));
            Case::json(route, text, &body, base64)
        })
        .boxed()
}

/// Invalid UTF-8 (stray continuation bytes, overlong forms, surrogates, truncated sequences)
/// inside an otherwise valid event; only a base64 body can carry it.
pub fn invalid_utf8_case() -> BoxedStrategy<Case> {
    let bad: Vec<&'static [u8]> = vec![
        &[0xff],
        &[0x80],
        &[0xc0, 0x80],
        &[0xc3],
        &[0xe2, 0x82],
        &[0xed, 0xa0, 0x80],
        &[0xf4, 0x90, 0x80, 0x80],
        &[0xf8, 0x88, 0x80, 0x80, 0x80],
    ];
    (valid_event(), select(bad), any::<prop::sample::Index>())
        .prop_map(|((_, route, body), bad, at)| {
            let mut bytes = body.to_string().into_bytes();
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, bad.iter().copied());
            let expect = if bytes.len() > MAX_BODY_BYTES {
                Expect::TooLarge
            } else {
                Expect::Quarantined(None)
            };
            Case {
                route,
                body: bytes,
                base64: true,
                expect,
            }
        })
        .boxed()
}

/// Arbitrary bytes, alone or after a plausible beginning.
pub fn bytes_case() -> BoxedStrategy<Case> {
    let prefix = select(vec![
        "",
        "{",
        "{\"event\":\"ack\",\"instance_id\":\"1\",\"data\":",
        "{\"type\":\"short_link_visited\",\"payload\":",
        "\u{feff}{",
    ]);
    (
        select(Route::ALL.to_vec()),
        prefix,
        proptest::collection::vec(any::<u8>(), 0..2048),
        any::<bool>(),
    )
        .prop_map(|(route, prefix, bytes, base64)| {
            let mut body = prefix.as_bytes().to_vec();
            body.extend(bytes);
            Case {
                route,
                body,
                base64,
                expect: Expect::Quarantined(None),
            }
        })
        .boxed()
}

/// Any JSON value as the body, with keys biased towards the ones that mean something.
pub fn json_value_case() -> BoxedStrategy<Case> {
    let key = prop_oneof![
        select(KNOWN_NAMES.to_vec()).prop_map(str::to_owned),
        "[a-z_]{0,6}"
    ];
    let value = arb_json();
    let discriminator = prop_oneof![
        Just(None),
        select(vec![
            ("event", "message"),
            ("event", "ack"),
            ("type", "short_link_visited"),
            ("event", "x")
        ])
        .prop_map(Some),
    ];
    (
        select(Route::ALL.to_vec()),
        proptest::collection::btree_map(key, value.clone(), 0..6),
        discriminator,
        prop_oneof![9 => Just(None), 1 => value.prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(route, map, discriminator, whole, base64)| {
            let mut body = Value::Object(map.into_iter().collect());
            if let Some((name, value)) = discriminator {
                body[name] = Value::from(value);
            }
            if let Some(whole) = whole {
                body = whole;
            }
            let text = body.to_string();
            Case::json(route, text, &body, base64)
        })
        .boxed()
}

/// A valid BotLinkd message as large as the handler lets through: a long text body, big extra
/// fields, and ids at their longest, all escaping-heavy.
pub fn largest_case() -> BoxedStrategy<Case> {
    (
        select(vec!["#".repeat(256), "%".repeat(256), "😀".repeat(64)]),
        select(vec!['x', 'é', '😀', '"', '\u{1}']),
        0usize..=100,
    )
        .prop_map(|(id, fill, split)| {
            let body = json!({
                "event": "message", "instance_id": id,
                "data": { "from": id, "to": "1", "type": "text", "body": "",
                          "message_id": id, "timestamp": 1, "media": "" },
            });
            let base = body.to_string().len();
            let per_char = Value::String(fill.to_string()).to_string().len() - 2;
            let room = (MAX_BODY_BYTES - base) / per_char;
            let text: String = std::iter::repeat_n(fill, room * split / 100).collect();
            let media: String = std::iter::repeat_n(fill, room - room * split / 100).collect();
            let mut body = body;
            body["data"]["body"] = json!(text);
            body["data"]["media"] = json!(media);
            let text = body.to_string();
            assert!(text.len() <= MAX_BODY_BYTES);
            Case::text(Route::BotlinkdEvents, text, false, Expect::Stored)
        })
        .boxed()
}
