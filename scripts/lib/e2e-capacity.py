"""The campaign's item layout over real HTTP (docs/capacity.md), after scripts/e2e's own checks:

- realistic edna statuses (UUID request and stage, a 32-character conversation id, a comment)
  SENT, DELIVERED and READ, out of order and each twice, leave one item per status, none over
  1 KB (each is one write unit);
- 40 bodies quarantined on one day land on at least 4 `by_quarantine_day` keys, and the index
  holds no body (keys only);
- an edna subscriber identifier with no digits gets no `phone_key` (no shared hot key).

    python3 scripts/lib/e2e-capacity.py BASE_URL EDNA_KEY DYNAMODB_ENDPOINT TABLE

Sends through the functions under `cargo lambda watch` at BASE_URL, reads DynamoDB Local back;
prints what it found and exits 1 on any problem.
"""

import json
import sys
import urllib.request

base, edna_key, endpoint, table = sys.argv[1:5]
problems = []


def log(message):
    print(f"[e2e] {message}", file=sys.stderr)


def post(path, body):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-api-key": edna_key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=300) as answer:
        return answer.status, json.loads(answer.read() or b"null")


def dynamodb(operation, body):
    request = urllib.request.Request(
        endpoint,
        data=json.dumps(body).encode(),
        headers={
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=x",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def scan(**extra):
    items, start = [], None
    while True:
        body = {"TableName": table, **extra}
        if start:
            body["ExclusiveStartKey"] = start
        page = dynamodb("Scan", body)
        items.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def item_bytes(item):
    """An item's size as DynamoDB counts it: attribute names plus values (numbers rounded up)."""
    size = 0
    for name, value in item.items():
        kind, data = next(iter(value.items()))
        size += len(name.encode()) + (len(data) + 1 if kind == "N" else len(str(data).encode()))
    return size


def status(message, name, at, **changes):
    body = {
        "requestId": f"3f8e2a7c-5b1d-4e9a-8c6f-{message:012d}",
        "messageId": message,
        "cascadeId": 11,
        "cascadeStageUUID": "9b2d6c1e-7f3a-4d8b-a5e0-6c7d8e9f0a1b",
        "subject": "shop_whatsapp_main_sender",
        "subjectId": 2,
        "status": name,
        "statusAt": at,
        "error": None,
        "comment": "autumn-sale-2026 / segment B / wave 3",
        "paymentData": {
            "@type": "WhatsAppConversationPaymentData",
            "conversationId": "8f3c1d9e2b7a4c6f9e1d3b5a7c9e2f4d",
            "conversationType": "marketing",
            "chargeable": True,
            "type": "WHATSAPP_CONVERSATION",
        },
    }
    body.update(changes)
    return body


# Realistic statuses, out of order and twice.
realistic = 990001
for name, at in [("READ", "11:09:00"), ("SENT", "11:07:50"), ("DELIVERED", "11:07:55")] * 2:
    answer = post("/edna/statuses", status(realistic, name, f"2025-01-30T{at}Z"))
    if answer[0] != 200:
        problems.append(f"edna status {name}: {answer}")
items = [i for i in scan() if i["pk"]["S"] == f"MSG#edna#{realistic}"]
sizes = sorted((i["sk"]["S"], item_bytes(i)) for i in items)
if [sk for sk, _ in sizes] != [f"EVENT#ack#{s}" for s in ("delivered", "read", "sent")]:
    problems.append(f"realistic statuses: expected one item per status, found {sizes}")
elif any(size > 1024 for _, size in sizes):
    problems.append(f"realistic statuses: an item is over 1 KB: {sizes}")
else:
    log(f"realistic edna statuses: one item each, {max(s for _, s in sizes)} bytes at most")

# A quarantine storm of 40 bodies: edna changed its time format.
for n in range(40):
    answer = post("/edna/statuses", status(990100 + n, "SENT", "30.01.2025 11:07:55"))
    if answer != (200, {"status": "quarantined"}):
        problems.append(f"broken status {n}: expected quarantined, got {answer}")
stormed = {
    i["pk"]["S"]
    for i in scan()
    if i.get("kind", {}).get("S") == "quarantine" and '"messageId": 9901' in i["raw_body"]["S"]
}
entries = scan(IndexName="by_quarantine_day")
ours = [e for e in entries if e["pk"]["S"] in stormed]
keys = {e["quarantine_shard"]["S"] for e in ours}
if len(ours) != 40:
    problems.append(f"quarantine storm: expected 40 index entries, found {len(ours)}")
elif len(keys) < 4:
    problems.append(f"quarantine storm: 40 bodies on {len(keys)} index keys")
elif any(set(e) != {"pk", "sk", "quarantine_shard", "received_at"} for e in entries):
    problems.append("quarantine index: an entry holds more than its keys")
else:
    log(f"quarantine storm: 40 bodies on {len(keys)} index keys, keys only in the index")

# An identifier with no digits is no phone number: no by_phone key.
with open("fixtures/payloads/edna-message.json", encoding="utf-8") as f:
    message = json.load(f)
message.update(id=990200, replyOutMessageId=None)
message["subscriber"]["identifier"] = "anonymous"
answer = post("/edna/messages", message)
stored = [i for i in scan() if i["pk"]["S"] == "MSG#edna#in#990200"]
if answer != (200, {"status": "stored"}) or len(stored) != 1:
    problems.append(f"anonymous identifier: expected one stored message, got {answer}, {stored}")
elif "phone_key" in stored[0]:
    problems.append(f"anonymous identifier: got a phone key {stored[0]['phone_key']}")
else:
    log("an identifier without digits: stored, with no phone key")

for problem in problems:
    log(f"FAIL: {problem}")
sys.exit(1 if problems else 0)
