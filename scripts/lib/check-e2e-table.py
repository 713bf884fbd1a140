"""Checks what scripts/e2e left in the table: the click and the message stored exactly once with
their raw bodies, the ack an item of its own (`EVENT#ack#read`) under the message with its raw
body, two unmodelled provider events (edna's template-status update and a BotLinkd event of
another type), edna's statuses (sent out of order and twice) one item per status under their
message, adding up to read, edna's incoming message once on the person's timeline, nothing in
quarantine, and nothing else. A message's status is derived from its acks, as the console does:
the highest of sent < delivered < read.

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
RANKED = ("sent", "delivered", "read")


def current_status(acks):
    """The highest of sent < delivered < read among `acks` (ack items), as the console derives it."""
    ranks = [RANKED.index(s) for s in (i["sk"].split("#", 2)[2] for i in acks) if s in RANKED]
    return RANKED[max(ranks)] if ranks else None


acks = [i for i in items if i.get("kind") == "ack" and i["pk"].startswith("MSG#botlinkd#")]
if len(acks) != 1 or acks[0]["sk"] != "EVENT#ack#read":
    problems.append(f"ack: expected one item EVENT#ack#read, found {acks}")
elif acks[0].get("raw_body") != read(files["ack"]):
    problems.append(f"ack: raw_body differs from {files['ack']}: {acks[0].get('raw_body')!r}")
elif current_status(acks) != "read":
    problems.append(f"message status: expected read, found {current_status(acks)}")
else:
    log(f"ack: stored once as an item of its own, the message at read (pk={acks[0]['pk']})")
edna_acks = [i for i in items if i.get("kind") == "ack" and i["pk"].startswith("MSG#edna#")]
edna_keys = sorted((i["pk"], i["sk"]) for i in edna_acks)
wanted = sorted(("MSG#edna#8681748", f"EVENT#ack#{s}") for s in RANKED)
if edna_keys != wanted:
    problems.append(f"edna statuses: expected {wanted}, found {edna_keys}")
elif not all(json.loads(i["raw_body"]).get("status", "").lower() == i["sk"].split("#")[2] for i in edna_acks):
    problems.append("edna statuses: a raw body does not hold its item's status")
elif current_status(edna_acks) != "read":
    problems.append(f"edna statuses: expected read, found {current_status(edna_acks)}")
else:
    log("edna statuses: sent, delivered and read each stored once under MSG#edna#8681748, at read")
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
if len(items) != 9:
    problems.append(
        f"expected 9 items (click, message, ack, 2 unmodelled, edna's 3 statuses and incoming"
        f" message), found {len(items)}"
    )
for problem in problems:
    log(problem)
sys.exit(1 if problems else 0)
