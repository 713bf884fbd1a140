//! Generators of edna Pulse's message statuses and incoming messages: valid bodies with generated
//! values in every field, optional fields absent, `null` or set.

use super::*;

/// An optional field: absent (`None`), `null`, or a value of `value`.
fn optional(value: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![Just(None), Just(Some(Value::Null)), value.prop_map(Some)].boxed()
}

/// `object` with each present optional field inserted.
fn with_optional(
    mut object: Map<String, Value>,
    fields: Vec<(&str, Option<Value>)>,
) -> Map<String, Value> {
    for (name, value) in fields {
        if let Some(value) = value {
            object.insert(name.to_owned(), value);
        }
    }
    object
}

fn u64_value() -> BoxedStrategy<Value> {
    any::<u64>().prop_map(Value::from).boxed()
}

fn text_value() -> BoxedStrategy<Value> {
    free_text().prop_map(Value::String).boxed()
}

/// A valid edna message status: a documented status in either case, generated ids and times.
pub fn edna_status_body() -> BoxedStrategy<Value> {
    let status = select(vec![
        "SENT",
        "DELIVERED",
        "READ",
        "FAILED",
        "UNDELIVERED",
        "EXPIRED",
        "CANCELLED",
        "DELAYED",
        "ENQUEUED",
        "sent",
        "read",
        "Delivered",
    ]);
    (
        (any::<u64>(), status, iso_timestamp()),
        (
            optional(valid_id().prop_map(Value::String).boxed()),
            optional(u64_value()),
            optional(text_value()),
            optional(text_value()),
            optional(u64_value()),
        ),
        (
            optional(text_value()),
            optional(text_value()),
            optional(arb_json()),
        ),
        unknown_fields(),
    )
        .prop_map(
            |(
                (id, status, at),
                (request, cascade, stage, subject, subject_id),
                (error, comment, payment),
                extra,
            )| {
                let top = object(json!({ "messageId": id, "status": status, "statusAt": at }));
                let top = with_optional(
                    top,
                    vec![
                        ("requestId", request),
                        ("cascadeId", cascade),
                        ("cascadeStageUUID", stage),
                        ("subject", subject),
                        ("subjectId", subject_id),
                        ("error", error),
                        ("comment", comment),
                        ("paymentData", payment),
                    ],
                );
                with_unknown(top, extra)
            },
        )
        .boxed()
}

/// A valid edna incoming message, replying to a campaign message or not.
pub fn edna_message_body() -> BoxedStrategy<Value> {
    let subscriber = (optional(u64_value()), valid_id()).prop_map(|(id, identifier)| {
        Value::Object(with_optional(
            object(json!({ "identifier": identifier })),
            vec![("id", id)],
        ))
    });
    let user_info = optional(
        (
            optional(text_value()),
            optional(text_value()),
            optional(text_value()),
        )
            .prop_map(|(user, first, avatar)| {
                Value::Object(with_optional(
                    Map::new(),
                    vec![
                        ("userName", user),
                        ("firstName", first),
                        ("avatarUrl", avatar),
                    ],
                ))
            })
            .boxed(),
    );
    let content = (
        free_text(),
        optional(text_value()),
        optional(text_value()),
        optional(arb_json()),
        unknown_fields(),
    )
        .prop_map(|(kind, text, caption, attachment, extra)| {
            let content = with_optional(
                object(json!({ "type": kind })),
                vec![
                    ("text", text),
                    ("caption", caption),
                    ("attachment", attachment),
                ],
            );
            with_unknown(content, extra)
        });
    (
        (
            any::<u64>(),
            subscriber,
            user_info,
            content,
            iso_timestamp(),
        ),
        (
            optional(u64_value()),
            optional(valid_id().prop_map(Value::String).boxed()),
            optional(u64_value()),
            optional(text_value()),
        ),
        unknown_fields(),
    )
        .prop_map(
            |(
                (id, subscriber, user_info, content, at),
                (reply, reply_request, reply_in, subject),
                extra,
            )| {
                let top = object(json!({
                    "id": id, "subscriber": subscriber, "messageContent": content, "receivedAt": at,
                }));
                let top = with_optional(
                    top,
                    vec![
                        ("userInfo", user_info),
                        ("replyOutMessageId", reply),
                        ("replyOutMessageExternalRequestId", reply_request),
                        ("replyInMessageId", reply_in),
                        ("subject", subject),
                    ],
                );
                with_unknown(top, extra)
            },
        )
        .boxed()
}
