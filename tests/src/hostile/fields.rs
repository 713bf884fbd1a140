//! The fields of each documented kind that the model checks, by dotted path, and how.

use super::*;
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
/// The fields of an edna message status that are checked (edna's table; `paymentData` is kept as
/// whatever JSON edna sends).
pub const EDNA_STATUS_FIELDS: &[(&str, FieldKind)] = &[
    ("requestId", OptStr),
    ("messageId", U64),
    ("cascadeId", OptU64),
    ("cascadeStageUUID", OptStr),
    ("subject", OptStr),
    ("subjectId", OptU64),
    ("status", Id),
    ("statusAt", Iso),
    ("error", OptStr),
    ("comment", OptStr),
];
/// The fields of an edna incoming message that are checked (`attachment`, `location`, `story`
/// and `items` of `messageContent` are kept as whatever JSON edna sends).
pub const EDNA_MESSAGE_FIELDS: &[(&str, FieldKind)] = &[
    ("id", U64),
    ("subject", OptStr),
    ("subjectId", OptU64),
    ("subscriber.id", OptU64),
    ("subscriber.identifier", Id),
    ("userInfo.userName", OptStr),
    ("userInfo.firstName", OptStr),
    ("userInfo.lastName", OptStr),
    ("userInfo.avatarUrl", OptStr),
    ("messageContent.type", Str),
    ("messageContent.text", OptStr),
    ("messageContent.caption", OptStr),
    ("messageContent.payload", OptStr),
    ("receivedAt", Iso),
    ("replyOutMessageId", OptU64),
    ("replyOutMessageExternalRequestId", OptStr),
    ("replyInMessageId", OptU64),
];
/// The fields of a BotLinkd ack that are checked, by dotted path.
pub const ACK_FIELDS: &[(&str, FieldKind)] = &[
    ("instance_id", Id),
    ("data.message_id", Id),
    ("data.status", Id),
    ("data.timestamp", Epoch),
];

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
    "statusAt",
    "messageId",
    "subscriber",
    "identifier",
    "userInfo",
    "messageContent",
    "receivedAt",
    "id",
    "text",
    "caption",
    "subject",
    "subjectId",
    "error",
    "comment",
    "cascadeId",
    "cascadeStageUUID",
    "paymentData",
    "replyOutMessageId",
    "replyOutMessageExternalRequestId",
    "replyInMessageId",
];
