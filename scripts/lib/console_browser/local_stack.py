"""The local stack over HTTP: the functions under `cargo lambda watch` and DynamoDB Local, and the
new events the checks post to them."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

from .common import FIXTURES, Failure, body_sha256, now_utc, require, rfc3339_ms


def http(method, url, body=None, headers=None, timeout=300):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        raise Failure(f"{method} {url.split('?')[0]}: {error}") from None


class Stack:
    """The local stack: the functions under `cargo lambda watch`, and DynamoDB Local."""

    def __init__(self, args):
        self.watch = args.watch_base.rstrip("/")
        self.edna_key = args.edna_key
        self.token = args.botlinkd_token
        self.ddb_endpoint = args.ddb_endpoint
        self.table = args.table

    def post(self, path, raw, want="stored"):
        """POST a body to a function with the route's credentials; checks the answer."""
        headers = {"content-type": "application/json"}
        url = self.watch + path
        if path.startswith("/edna/"):
            headers["x-api-key"] = self.edna_key
        else:
            url += "?token=" + urllib.parse.quote(self.token, safe="")
        status, text = http("POST", url, raw.encode("utf-8"), headers)
        require(
            status == 200 and json.loads(text or "{}").get("status") == want,
            f"POST {path}: expected 200 {{\"status\":\"{want}\"}}, got {status} {text}",
        )

    def ddb(self, operation, payload):
        """One call of DynamoDB's JSON API, as scripts/lib/dynamodb-local.sh's dynamodb_local_api."""
        status, text = http(
            "POST",
            self.ddb_endpoint,
            json.dumps(payload).encode("utf-8"),
            {
                "X-Amz-Target": f"DynamoDB_20120810.{operation}",
                "Content-Type": "application/x-amz-json-1.0",
                # DynamoDB Local wants a SigV4-shaped header but checks no signature.
                "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/"
                "aws4_request, SignedHeaders=host, Signature=x",
            },
            timeout=10,
        )
        require(status == 200, f"DynamoDB Local {operation}: HTTP {status} {text}")
        return json.loads(text)

    def partition(self, pk):
        """Every item under partition key `pk`, as {name: value}."""
        answer = self.ddb(
            "Query",
            {
                "TableName": self.table,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": "pk"},
                "ExpressionAttributeValues": {":pk": {"S": pk}},
                "ConsistentRead": True,
            },
        )
        return [{k: next(iter(v.values())) for k, v in item.items()} for item in answer["Items"]]

    def put_quarantined(self, raw, reason, field, detail, received_at):
        """A quarantine item as shared/table/src/item.rs's quarantine_item writes it."""
        sha = body_sha256(raw)
        key = {"pk": f"QUARANTINE#{sha}", "sk": "QUARANTINE"}
        item = {
            "pk": key["pk"],
            "sk": key["sk"],
            "kind": "quarantine",
            "provider": "botlinkd",
            "route": "/botlinkd/messages",
            "reason": reason,
            "field": field,
            "detail": detail,
            "body_sha256": sha,
            "raw_body": raw,
            "received_at": rfc3339_ms(received_at),
            # item::quarantine_shard: the day and a shard of it, from the body hash.
            "quarantine_shard": f"{received_at.strftime('%Y-%m-%d')}#{int(sha[:2], 16) % 8}",
        }
        self.ddb(
            "PutItem",
            {
                "TableName": self.table,
                "Item": {k: {"S": v} for k, v in item.items()},
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": "pk"},
            },
        )
        return key


def botlinkd_message(message_id, text, drop=()):
    """The BotLinkd message fixture with a new message id, text and time (minus `drop` fields)."""
    body = json.loads((FIXTURES / "botlinkd-message.json").read_text(encoding="utf-8"))
    body["data"].update(message_id=message_id, body=text, timestamp=int(time.time()))
    for name in drop:
        del body["data"][name]
    return json.dumps(body, indent=2) + "\n"


def edna_click(out_message_id):
    """The edna click fixture for another message (new outMessageId, now)."""
    body = json.loads((FIXTURES / "edna-click.json").read_text(encoding="utf-8"))
    body["payload"]["outMessageId"] = out_message_id
    body["timestamp"] = now_utc().strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(body, indent=2) + "\n"
