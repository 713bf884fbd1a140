"""Prints values out of a JSON document read on stdin, one line per dotted path.

    cargo metadata --no-deps --format-version 1 | python3 scripts/lib/json-get.py target_directory
    python3 scripts/lib/json-get.py event type < fixtures/payloads/botlinkd-ack.json

A string prints as it is, anything else as JSON; a path that is not there prints an empty line.
Exits 1, with a message, if stdin is not JSON.
"""

import json
import sys


def lookup(document, path):
    value = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return ""
        value = value[part]
    return value if isinstance(value, str) else json.dumps(value)


try:
    document = json.load(sys.stdin)
except ValueError as err:
    sys.exit(f"json-get: stdin is not JSON: {err}")
for path in sys.argv[1:]:
    print(lookup(document, path))
