//! Every route's body, as the functions parse it: edna's click, status and incoming message and
//! any edna body (`/edna/clicks`, `/edna/statuses`, `/edna/messages`, `/edna/events`), BotLinkd's
//! message and ack and any BotLinkd body (`/botlinkd/messages`, `/botlinkd/acks`,
//! `/botlinkd/events`). Each input is read on all seven routes.
//!
//! Asserts, beyond "no panic":
//! - the route decides only the provider: every route of a provider reads a body alike;
//! - a body is an event of at most one provider;
//! - parsed (stored as an event): the record's provider is the route's, its kind matches its
//!   event, it keeps the body byte for byte with its hash, its time is canonical, and its key
//!   segments compose into a key that splits back into them;
//! - not parsed (quarantined): the quarantine record keeps the bytes, the hash, the route and
//!   the error's reason and field;
//! - the same JSON spelled otherwise (keys reordered, whitespace, escapes) is the same event
//!   (same id, time and hash) or, just as well, not one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_fuzz::{respell, Spelling};
use webhook_payload::{
    body_sha256, compose, key_segments, parse_event, EventKind, EventRecord, MessageRef,
    MessageStatus, PayloadError, Provider, QuarantineRecord, Route, WebhookEvent,
};

fuzz_target!(|body: &[u8]| {
    let hash = body_sha256(body);
    let mut parsed_by = Vec::new();
    for provider in Provider::ALL {
        let mut first: Option<Result<EventRecord, PayloadError>> = None;
        for route in Route::ALL.into_iter().filter(|r| r.provider() == provider) {
            let parsed = parse_event(route, body);
            match &parsed {
                Ok(record) => check_event(route, body, &hash, record),
                Err(error) => check_quarantine(route, body, &hash, error),
            }
            match &first {
                None => first = Some(parsed),
                Some(first) => assert!(alike(&parsed, first), "{route}: {parsed:?}, not {first:?}"),
            }
        }
        if let Some(Ok(record)) = first {
            parsed_by.push(provider);
            check_respelled(provider, body, &record);
        }
    }
    assert!(parsed_by.len() <= 1, "an event of both providers");
});

/// Whether two routes of a provider read a body alike: the same record, or the same error (which
/// names its own route when it is the other provider's event).
fn alike(a: &Result<EventRecord, PayloadError>, b: &Result<EventRecord, PayloadError>) -> bool {
    match (a, b) {
        (
            Err(PayloadError::WrongProvider { provider: a, .. }),
            Err(PayloadError::WrongProvider { provider: b, .. }),
        ) => a == b,
        _ => a == b,
    }
}

/// A stored event: what the store writes and keys it by.
fn check_event(route: Route, body: &[u8], hash: &str, record: &EventRecord) {
    assert!(route.accepts(record.provider()), "{route}");
    let kind = match &record.event {
        WebhookEvent::Click(_) => EventKind::Click,
        WebhookEvent::InboundMessage(_) | WebhookEvent::EdnaMessage(_) => EventKind::InboundMessage,
        WebhookEvent::Ack(_) | WebhookEvent::EdnaStatus(_) => EventKind::Ack,
        WebhookEvent::Unmodelled(provider) => {
            assert_eq!(*provider, route.provider());
            EventKind::Unmodelled
        }
    };
    assert_eq!(record.kind(), kind);
    assert!(
        kind == EventKind::Unmodelled || route.provider().modelled_kinds().contains(&kind),
        "{kind} is not modelled for {route}"
    );
    assert_eq!(record.raw_body.as_bytes(), body, "the body is kept as sent");
    assert_eq!(record.body_sha256, hash);
    if kind == EventKind::Unmodelled {
        assert_eq!(
            record.id.message,
            MessageRef::Unmodelled {
                provider: route.provider(),
                body_sha256: hash.to_owned()
            }
        );
        assert!(record.occurred_at.is_empty());
    } else {
        assert_canonical_time(&record.occurred_at);
    }
    assert_eq!(
        record.phone().is_some(),
        matches!(kind, EventKind::Click | EventKind::InboundMessage)
    );
    // A known status is an ack's, and an ack alone is its message's whole derived status.
    if let Some(known) = record.known_status() {
        assert_eq!(kind, EventKind::Ack);
        let status = MessageStatus::of([record]);
        match status.failed {
            Some(failure) => assert_eq!(failure.at, record.occurred_at),
            None => assert_eq!(status.current, Some((known, record.occurred_at.clone()))),
        }
    }
    // The key: the message's partition and the event's sort key, as the receiver composes them.
    let partition: Vec<String> = match &record.id.message {
        MessageRef::Botlinkd {
            instance_id,
            message_id,
        } => vec![
            "MSG".into(),
            "botlinkd".into(),
            instance_id.clone(),
            message_id.clone(),
        ],
        MessageRef::EdnaSent(id) => vec!["MSG".into(), "edna".into(), id.to_string()],
        MessageRef::EdnaReceived(id) => {
            vec!["MSG".into(), "edna".into(), "in".into(), id.to_string()]
        }
        MessageRef::Unmodelled {
            provider,
            body_sha256,
        } => vec![
            "UNMODELLED".into(),
            provider.as_str().into(),
            body_sha256.clone(),
        ],
    };
    let mut sort = vec!["EVENT".to_owned(), kind.as_str().to_owned()];
    sort.extend(record.id.discriminator.iter().cloned());
    for segments in [partition, sort] {
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        assert_eq!(key_segments(&compose(&parts)), segments);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, what every stored time is.
fn assert_canonical_time(at: &str) {
    let shape = at.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        19 => b == b'.',
        23 => b == b'Z',
        _ => b.is_ascii_digit(),
    });
    assert!(at.len() == 24 && shape, "not a canonical time: {at:?}");
}

/// A quarantined body: kept whole, with why.
fn check_quarantine(route: Route, body: &[u8], hash: &str, error: &PayloadError) {
    let quarantined = QuarantineRecord::new(route, body, error);
    assert_eq!(quarantined.raw_body, body, "the body is kept as sent");
    assert_eq!(quarantined.body_sha256, hash);
    assert_eq!(quarantined.route, route);
    assert_eq!(quarantined.reason, error.reason());
    assert_eq!(quarantined.field.as_deref(), error.field());
    if let PayloadError::WrongProvider {
        provider,
        route: on,
    } = error
    {
        assert_eq!(*on, route);
        assert_ne!(*provider, route.provider());
    }
}

/// The same event, spelled otherwise, is the same event.
fn check_respelled(provider: Provider, body: &[u8], record: &EventRecord) {
    let Ok(text) = std::str::from_utf8(body) else {
        panic!("an event whose body is not UTF-8")
    };
    let route = Route::ALL
        .into_iter()
        .find(|r| r.provider() == provider)
        .unwrap();
    for spelling in [Spelling::Loose, Spelling::Escaped] {
        let Some(respelled) = respell(text, spelling) else {
            continue;
        };
        let again = parse_event(route, respelled.as_bytes())
            .unwrap_or_else(|e| panic!("{spelling:?} spelling is not an event: {e}\n{respelled}"));
        assert_eq!(again.id, record.id, "{spelling:?}: {respelled}");
        assert_eq!(again.occurred_at, record.occurred_at);
        assert_eq!(
            again.body_sha256, record.body_sha256,
            "{spelling:?}: {respelled}"
        );
        assert_eq!(again.phone(), record.phone());
        assert_eq!(again.known_status(), record.known_status());
    }
}
