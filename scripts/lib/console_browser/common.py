"""The fixtures' numbers and names, the failure type, logging and the small helpers every check uses."""

import datetime
import hashlib
import json
import re
import urllib.parse
from pathlib import Path

# scripts/lib/console_browser/common.py: the repository is three levels up.
ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "payloads"

# The fixtures' full phone numbers: no page shows one before a reveal.
BOTLINKD_NUMBER = "447123456789"  # botlinkd-message.json data.from
EDNA_CLICK_NUMBER = "79991234567"  # edna-click.json payload.phone
EDNA_MESSAGE_NUMBER = "35700000000"  # edna-message.json subscriber.identifier
FULL_NUMBERS = (BOTLINKD_NUMBER, EDNA_CLICK_NUMBER, EDNA_MESSAGE_NUMBER)
# The BotLinkd number as a person would type it into the search.
PERSON = "+44 7123-456789"
# The BotLinkd number as a person writes it inside a message: digit groups and spaces, which
# every page masks (a run of digits alone would not catch it) until a reveal.
SPACED_NUMBER = "+44 7123 456789"
FIXTURE_TEXT = "Hello, where is my order?"
INSTANCE_ID = "10922"
FIXTURE_MESSAGE_ID = "wamid.HBgLM..."
EDNA_STATUS_MESSAGE = "8681748"  # edna-status.json messageId: READ, SENT, DELIVERED posted
EDNA_CLICK_MESSAGE = "5345345"  # edna-click.json outMessageId
EDNA_CLICK_TEMPLATE = "1333"  # edna-click.json templateId

KINDS = {"click", "message", "ack", "unmodelled", "quarantine"}
PROVIDERS = {"edna", "botlinkd"}
OUTCOMES = {"stored", "collision", "quarantined", "replayed"}
STEPS = {"sent", "delivered", "read", "failed", "clicked", "replied"}
EVENT_CELLS = ("received", "provider", "kind", "phone", "status", "text", "outcome")

# A number counts as shown also when written with separators between its digits.
_SEP = r"(?:[\s\-.()/\u00a0]|&nbsp;|&#160;)?"
NUMBER_RE = {n: re.compile(_SEP.join(re.escape(d) for d in n)) for n in FULL_NUMBERS}
WORD_STORED = re.compile(r"\bstored\b", re.I)


class Failure(Exception):
    """A check found the console wrong."""


def log(message):
    print(f"[console-browser] {message}", flush=True)


def ok(message):
    log(f"ok    {message}")


def require(condition, message):
    if not condition:
        raise Failure(message)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339_ms(at):
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def digits(text):
    return re.sub(r"\D", "", text or "")


def shown_numbers(text):
    """The fixtures' full numbers that `text` (HTML or plain) shows."""
    return [n for n in FULL_NUMBERS if NUMBER_RE[n].search(text or "")]


def leak_contexts(text, width=50):
    """Where `text` shows a full number: the HTML around it, the number itself written <NUMBER>."""
    found = []
    for number in FULL_NUMBERS:
        for match in NUMBER_RE[number].finditer(text):
            before = text[max(0, match.start() - width):match.start()]
            after = text[match.end():match.end() + width]
            found.append(" ".join(f"{before}<NUMBER>{after}".split()))
    return found[:3]


def body_sha256(raw):
    """The receivers' body hash (shared/payload/src/digest.rs): SHA-256 of canonical JSON."""
    canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def segment_path(*segments):
    return "/".join(urllib.parse.quote(s, safe="") for s in segments)


def path_segments(url):
    """The decoded segments of a URL's path."""
    path = urllib.parse.urlsplit(url).path
    return [urllib.parse.unquote(s) for s in path.strip("/").split("/")]
