"""Checks what scripts/e2e left in the table: the click and the message stored exactly once with
their raw bodies, the ack kept in the message's status item (`read_body`) with the status at
`read`, two unmodelled provider events (edna's template-status update and a BotLinkd event of
another type), edna's statuses (sent out of order and twice) in one status item at read, edna's
incoming message once on the person's timeline, nothing in quarantine, and nothing else.

    dynamodb_local_api ... Scan ... | python3 scripts/lib/check-e2e-table.py CLICK MESSAGE ACK TEMPLATE

CLICK, MESSAGE, ACK and TEMPLATE (edna's template-status update) are the payload files sent. Reads the Scan answer (DynamoDB JSON)
on stdin; prints what it found and exits 1 on any problem.
"""

import json
import sys


def log(message):
    print(f"[e2e] {message}", file=sys.stderr)


scan = json.load(sys.stdin)
files = dict(zip(["click", "message", "ack", "template"], sys.argv[1:5]))
# {"pk": {"S": "..."}} -> {"pk": "..."}
items = [{k: next(iter(v.values())) for k, v in item.items()} for item in scan["Items"]]
problems = []
def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


for kind in ("click", "message"):
    raw = read(files[kind])
    # BotLinkd's message; edna's incoming message is checked below.
    prefix = "MSG#edna#" if kind == "click" else "MSG#botlinkd#"
    stored = [i for i in items if i.get("kind") == kind and i["pk"].startswith(prefix)]
    if len(stored) != 1:
        problems.append(f"{kind}: expected exactly 1 item, found {len(stored)}")
    elif stored[0].get("raw_body") != raw:
        problems.append(f"{kind}: raw_body differs from {files[kind]}: {stored[0].get('raw_body')!r}")
    else:
        log(f"{kind}: stored once, pk={stored[0]['pk']} sk={stored[0]['sk']}, raw body intact")
status = [i for i in items if i.get("kind") == "status" and i["pk"].startswith("MSG#botlinkd#")]
if len(status) != 1 or status[0].get("status") != "read":
    problems.append(f"message status: expected one status item 'read', found {status}")
elif status[0].get("read_body") != read(files["ack"]):
    problems.append(f"ack: read_body differs from {files['ack']}: {status[0].get('read_body')!r}")
else:
    log(f"ack: kept once in the status item, status {status[0]['status']} (pk={status[0]['pk']})")
edna_status = [i for i in items if i.get("kind") == "status" and i["pk"].startswith("MSG#edna#")]
if len(edna_status) != 1 or edna_status[0].get("status") != "read" or edna_status[0]["pk"] != "MSG#edna#8681748":
    problems.append(f"edna statuses: expected one status item 'read' of MSG#edna#8681748, found {edna_status}")
elif not all(f"{s}_body" in edna_status[0] for s in ("sent", "delivered", "read")):
    problems.append(f"edna statuses: each status's body kept once, found {sorted(edna_status[0])}")
else:
    log("edna statuses: sent, delivered and read kept once in MSG#edna#8681748's status item, at read")
edna_messages = [i for i in items if i.get("kind") == "message" and i["pk"].startswith("MSG#edna#")]
if len(edna_messages) != 1 or edna_messages[0].get("phone_key") != "PHONE#35700000000":
    problems.append(f"edna incoming message: expected one on PHONE#35700000000's timeline, found {edna_messages}")
else:
    log(f"edna incoming message: stored once, pk={edna_messages[0]['pk']} (the message it replies to)")
unmodelled = [i for i in items if i.get("kind") == "unmodelled"]
providers = sorted(i["pk"].split("#")[1] for i in unmodelled)
if providers != ["botlinkd", "edna"]:
    problems.append(f"expected one unmodelled event per provider, found {providers}")
elif read(files["template"]) not in [i.get("raw_body") for i in unmodelled]:
    problems.append("edna's template-status update: raw body not kept")
else:
    log("unmodelled events: edna's template-status update and BotLinkd's other event, once each")
quarantined = [i for i in items if i.get("kind") == "quarantine"]
if quarantined:
    problems.append(f"nothing may be quarantined, found {len(quarantined)}")
if len(items) != 7:
    problems.append(
        f"expected 7 items (click, message, status item with the ack, 2 unmodelled, edna's status"
        f" item and incoming message), found {len(items)}"
    )
for problem in problems:
    log(problem)
sys.exit(1 if problems else 0)
