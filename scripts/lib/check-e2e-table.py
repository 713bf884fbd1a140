"""Checks what scripts/e2e left in the table: each event stored exactly once with its raw body,
the message's status at `read`, and nothing else.

    dynamodb_local_api ... Scan ... | python3 scripts/lib/check-e2e-table.py CLICK MESSAGE ACK

CLICK, MESSAGE and ACK are the payload files that were sent. Reads the Scan answer (DynamoDB JSON)
on stdin; prints what it found and exits 1 on any problem.
"""

import json
import sys


def log(message):
    print(f"[e2e] {message}", file=sys.stderr)


scan = json.load(sys.stdin)
files = dict(zip(["click", "message", "ack"], sys.argv[1:4]))
# {"pk": {"S": "..."}} -> {"pk": "..."}
items = [{k: next(iter(v.values())) for k, v in item.items()} for item in scan["Items"]]
problems = []
for kind, path in files.items():
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    stored = [i for i in items if i.get("kind") == kind]
    if len(stored) != 1:
        problems.append(f"{kind}: expected exactly 1 item, found {len(stored)}")
    elif stored[0].get("raw_body") != raw:
        problems.append(f"{kind}: raw_body differs from {path}: {stored[0].get('raw_body')!r}")
    else:
        log(f"{kind}: stored once, pk={stored[0]['pk']} sk={stored[0]['sk']}, raw body intact")
status = [i for i in items if i.get("kind") == "status"]
if len(status) != 1 or status[0].get("status") != "read":
    problems.append(f"message status: expected one status item 'read', found {status}")
else:
    log(f"message status: {status[0]['status']} (pk={status[0]['pk']})")
if len(items) != 4:
    problems.append(f"expected 4 items (3 events + 1 status), found {len(items)}")
for problem in problems:
    log(problem)
sys.exit(1 if problems else 0)
