"""Real-browser test of the local web console (tools/console), run by scripts/console-browser-test.

Headless Chromium, driven by Playwright's sync API, clicks through every view of a console that
reads the local stack's table, after scripts/e2e has posted the fixtures in fixtures/payloads/:

    python console_browser_test.py --browser /usr/bin/chromium --screenshots target/console \\
        CONSOLE_URL WATCH_BASE EDNA_KEY BOTLINKD_TOKEN DDB_ENDPOINT TABLE

It posts new events of its own to the functions (under `cargo lambda watch` at WATCH_BASE) and
puts quarantine items straight into DynamoDB Local (DDB_ENDPOINT, TABLE), so it runs after
scripts/e2e's read-back of the table. It waits for end states (never for a duration), prints one
line per check, saves a screenshot of every view (and of the page of a failed check) and exits 1
if any check failed.
"""

import argparse
import datetime
import hashlib
import json
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "payloads"

# The fixtures' full phone numbers: no page shows one before a reveal.
BOTLINKD_NUMBER = "447123456789"  # botlinkd-message.json data.from
EDNA_CLICK_NUMBER = "79991234567"  # edna-click.json payload.phone
EDNA_MESSAGE_NUMBER = "35700000000"  # edna-message.json subscriber.identifier
FULL_NUMBERS = (BOTLINKD_NUMBER, EDNA_CLICK_NUMBER, EDNA_MESSAGE_NUMBER)
# The BotLinkd number as a person would type it into the search.
PERSON = "+44 7123-456789"
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


# ---------------------------------------------------------------- HTTP: functions, DynamoDB Local


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
        """A quarantine item as shared/receiver/src/item.rs's quarantine_item writes it."""
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
            "quarantined_on": received_at.strftime("%Y-%m-%d"),
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


# ---------------------------------------------------------------- the browser side

ROWS_JS = """
([selector, cells]) => Array.from(document.querySelectorAll(selector)).map(tr => {
    const cell = name => { const td = tr.querySelector('td.' + name); return td ? td.textContent.trim() : null; };
    const open = tr.querySelector('a.open');
    return {
        attrs: Object.assign({}, tr.dataset),
        cells: Object.fromEntries(cells.map(name => [name, cell(name)])),
        open: open ? open.href : null,
        raws: Array.from(tr.querySelectorAll('details.raw')).map(d => ({
            open: d.open, pre: d.querySelector(':scope > pre') ? d.querySelector(':scope > pre').textContent : null
        })),
        text: tr.textContent,
    };
})
"""


class Console:
    def __init__(self, page, base, shots):
        self.page = page
        self.base = base.rstrip("/")
        self.shots = shots
        self.revealed = False

    def url(self, path):
        return self.base + path

    def open(self, path):
        response = self.page.goto(self.url(path), wait_until="load")
        require(response is not None, f"GET {path}: no response")
        require(response.ok, f"GET {path}: HTTP {response.status}")
        expect(self.page.locator("main")).to_have_count(1)

    def shot(self, name):
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def rows(self, selector, cells=()):
        return self.page.evaluate(ROWS_JS, [selector, list(cells)])

    def chrome(self, where):
        """The parts every page has: <main>, the nav links, the person search."""
        for href in ("/", "/overview", "/quarantine"):
            require(self.page.locator(f'a[href="{href}"]').count() >= 1, f"{where}: no nav link a[href=\"{href}\"]")
        require(
            self.page.locator("form#person-search input[name=number]").count() == 1,
            f"{where}: no form#person-search with input[name=number]",
        )

    def masked(self, where):
        """Before any reveal, the page's HTML shows none of the fixtures' full numbers."""
        html = self.page.content()
        leaks = shown_numbers(html)
        require(not leaks, f"{where}: the page's HTML shows full phone number(s) {leaks} before any reveal, "
                f"at: {'; '.join(leak_contexts(html))}")

    def visit(self, path, where=None):
        """Open a page before any reveal: it must have the common parts and mask every number."""
        where = where or path
        self.open(path)
        self.chrome(where)
        self.masked(where)


class Test:
    def __init__(self, args, console, stack):
        self.args = args
        self.c = console
        self.page = console.page
        self.stack = stack
        # Letters only: a run of 7 or more digits in a body the console cannot read is masked
        # like a phone number.
        self.run_id = "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz") for _ in range(10))
        self.new_id = f"wamid.browser-test-{self.run_id}"
        self.new_text = f"browser-test {self.run_id}"
        self.failed = []
        self.posted = False

    def post_new_message(self):
        """POST the run's new BotLinkd message (once): the live view must show it, and the
        person's timeline and its message page hold it."""
        if not self.posted:
            self.posted = True
            self.stack.post("/botlinkd/messages", botlinkd_message(self.new_id, self.new_text))

    # ------------------------------------------------------------ 1. live view

    def event_rows(self):
        rows = self.c.rows("table#events tbody tr.event", EVENT_CELLS)
        for i, row in enumerate(rows):
            a, cells = row["attrs"], row["cells"]
            require(a.get("provider") in PROVIDERS, f"/: row {i}: data-provider {a.get('provider')!r}")
            require(a.get("kind") in KINDS, f"/: row {i}: data-kind {a.get('kind')!r}")
            require(a.get("outcome") in OUTCOMES, f"/: row {i}: data-outcome {a.get('outcome')!r}")
            missing = [name for name, text in cells.items() if text is None]
            require(not missing, f"/: row {i} ({a}) lacks cell(s) {', '.join('td.' + m for m in missing)}")
        return rows

    def check_live(self):
        page, c = self.page, self.c
        c.visit("/")
        expect(page.locator("#live-status")).to_contain_text(re.compile("live", re.I))
        ok('/: #live-status says "live"')
        # The console may still be catching up with the table when the test starts: wait for the
        # fixture's row (a late one is prepended like a new one) before looking at the rows.
        expect(page.locator("table#events tbody tr.event td.text").filter(has_text=FIXTURE_TEXT)).not_to_have_count(0)
        rows = self.event_rows()
        require(rows, "/: table#events has no tr.event after scripts/e2e posted the fixtures")
        fixture = [r for r in rows if FIXTURE_TEXT in (r["cells"]["text"] or "")]
        require(fixture, f"/: no row whose td.text holds the BotLinkd fixture's {FIXTURE_TEXT!r}")
        f = fixture[0]
        require(
            f["attrs"]["provider"] == "botlinkd" and f["attrs"]["kind"] == "message",
            f"/: the fixture message's row is {f['attrs']}, not a botlinkd message",
        )
        require(
            digits(f["cells"]["phone"]) == BOTLINKD_NUMBER[-4:],
            f"/: td.phone of the fixture message is {f['cells']['phone']!r}: only the last 4 digits may show",
        )
        require(f["open"], "/: the fixture message's row has no a.open link")
        ok(f"/: {len(rows)} rows, each with data-provider/kind/outcome and its cells; phones masked")

        api = self.api_events("")
        ok(f"/api/events: {len(api['events'])} events, next={api['next']}")

        # A new event, not a fixture's duplicate; the page must show it without a reload.
        page.evaluate("window.__browserTestNoReload = true")
        self.post_new_message()
        top = page.locator("table#events tbody tr.event").first
        expect(top.locator("td.text")).to_contain_text(self.new_text, timeout=self.args.live_timeout * 1000)
        require(
            page.evaluate("window.__browserTestNoReload === true"),
            "/: the page reloaded to show the new event (it must update itself)",
        )
        expect(top).to_have_attribute("data-provider", "botlinkd")
        expect(top).to_have_attribute("data-kind", "message")
        expect(top).to_have_attribute("data-outcome", "stored")
        phone = top.locator("td.phone").text_content()
        require(digits(phone) == BOTLINKD_NUMBER[-4:], f"/: new row's td.phone is {phone!r}, not masked to its last 4 digits")
        href = top.locator("a.open").get_attribute("href")
        require(href, "/: the new message's row has no a.open")
        segments = path_segments(urllib.parse.urljoin(c.url("/"), href))
        require(
            segments == ["messages", "botlinkd", INSTANCE_ID, self.new_id],
            f"/: the new message's a.open goes to {href}, not /messages/botlinkd/{INSTANCE_ID}/{self.new_id}",
        )
        c.masked("/ after the live update")
        ok(f"/: a new BotLinkd message ({self.new_text!r}) appeared on top without a reload")
        c.shot("live")

        after = self.api_events(f"?after={urllib.parse.quote(str(api['next']))}")
        require(
            any(self.new_text in e["html"] for e in after["events"]),
            f"/api/events?after={api['next']}: the new message is not among {len(after['events'])} events",
        )
        edna = self.api_events("?provider=edna")
        edna_row = re.compile(r"""data-provider=["']?edna\b""")
        wrong = [e["html"][:80] for e in edna["events"] if not edna_row.search(e["html"])]
        require(not wrong, f"/api/events?provider=edna: rows of another provider: {wrong}")
        ok("/api/events: after=<next> holds the new message; provider=edna only edna rows")

    def api_events(self, query):
        response = self.page.request.get(self.c.url("/api/events" + query))
        require(response.ok, f"GET /api/events{query}: HTTP {response.status}")
        text = response.text()
        try:
            body = json.loads(text)
        except ValueError:
            raise Failure(f"GET /api/events{query}: not JSON: {text[:200]}") from None
        require(
            isinstance(body, dict) and "next" in body and isinstance(body.get("events"), list),
            f"GET /api/events{query}: expected {{\"next\": ..., \"events\": [...]}}, got {text[:200]}",
        )
        for event in body["events"]:
            require(
                "seq" in event and str(event.get("html", "")).lstrip().startswith("<tr"),
                f"GET /api/events{query}: an event is not {{\"seq\", \"html\": \"<tr ...>\"}}: {str(event)[:200]}",
            )
        leaks = shown_numbers(text)
        require(not leaks, f"GET /api/events{query}: shows full phone number(s) {leaks}")
        return body

    # ------------------------------------------------------------ 2. filters

    def check_filters(self):
        page, c = self.page, self.c
        c.visit("/?provider=edna")
        rows = self.event_rows()
        require(rows, "/?provider=edna: no rows (the fixtures include edna events)")
        other = [r["attrs"] for r in rows if r["attrs"]["provider"] != "edna"]
        require(not other, f"/?provider=edna: rows of another provider: {other[:3]}")
        selected = page.locator("form#filters select[name=provider]").input_value()
        require(selected == "edna", f"/?provider=edna: select[name=provider] shows {selected!r}, not edna")
        ok(f"/?provider=edna: {len(rows)} rows, all data-provider=edna; the filter form shows it")

        # The filter form itself: GET / with provider and kind.
        c.open("/")
        page.evaluate(
            """() => {
                const form = document.querySelector('form#filters');
                form.querySelector('select[name=provider]').value = 'edna';
                form.querySelector('select[name=kind]').value = 'click';
                form.requestSubmit();
            }"""
        )
        page.wait_for_url(re.compile(r"[?&]kind=click\b"))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        require(
            query.get("provider") == ["edna"] and query.get("kind") == ["click"],
            f"form#filters went to {page.url}, not /?provider=edna&kind=click",
        )
        expect(page.locator("table#events")).to_have_count(1)
        c.masked("/?provider=edna&kind=click")
        rows = self.event_rows()
        require(rows, "/?provider=edna&kind=click: no rows (edna-click.json was posted)")
        other = [r["attrs"] for r in rows if (r["attrs"]["provider"], r["attrs"]["kind"]) != ("edna", "click")]
        require(not other, f"/?provider=edna&kind=click: other rows: {other[:3]}")
        ok(f"form#filters: GET /?provider=edna&kind=click, {len(rows)} edna click rows only")

        # Live updates keep the filter: an edna click, then a BotLinkd message, on a page filtered
        # to BotLinkd messages; once the message is on top, the click (stored before it) must not
        # be in the table.
        c.visit("/?provider=botlinkd&kind=message")
        expect(page.locator("#live-status")).to_contain_text(re.compile("live", re.I))
        page.evaluate("window.__browserTestNoReload = true")
        text = f"browser-test-filter {self.run_id}"
        self.stack.post("/edna/clicks", edna_click(int(time.time() * 1000) % 10**12))
        self.stack.post("/botlinkd/messages", botlinkd_message(f"wamid.browser-filter-{self.run_id}", text))
        top = page.locator("table#events tbody tr.event").first
        expect(top.locator("td.text")).to_contain_text(text, timeout=self.args.live_timeout * 1000)
        require(page.evaluate("window.__browserTestNoReload === true"), "filtered /: the page reloaded")
        rows = self.event_rows()
        other = [r["attrs"] for r in rows if (r["attrs"]["provider"], r["attrs"]["kind"]) != ("botlinkd", "message")]
        require(not other, f"/?provider=botlinkd&kind=message: the live update added other rows: {other[:3]}")
        ok("/?provider=botlinkd&kind=message: the live update added the new message and not the new edna click")

    # ------------------------------------------------------------ 3. person

    def check_person(self):
        page, c = self.page, self.c
        self.post_new_message()  # (if the live check stopped before it)
        # The search form, from the live view.
        c.visit("/")
        page.locator("form#person-search input[name=number]").fill(PERSON)
        page.locator("form#person-search input[name=number]").press("Enter")
        page.wait_for_url(re.compile(r"/people/"))
        expect(page.locator("h1")).to_contain_text(BOTLINKD_NUMBER[-4:])
        c.chrome("/people (from the search form)")
        c.masked(f"{page.url} (from the search form)")
        ok(f"form#person-search: {PERSON!r} -> {urllib.parse.urlsplit(page.url).path}")

        path = "/people/" + urllib.parse.quote(PERSON, safe="")
        c.visit(path)
        h1 = page.locator("h1").first.text_content()
        require(
            BOTLINKD_NUMBER[-4:] in h1 and not shown_numbers(h1),
            f"{path}: h1 is {h1!r}, not the number masked to its last 4 digits",
        )
        rows = c.rows("table#timeline tr.event", ("occurred", "kind", "text"))
        require(rows, f"{path}: table#timeline has no tr.event")
        texts = [r["cells"]["text"] or "" for r in rows]
        for want in (self.new_text, FIXTURE_TEXT):
            require(any(want in t for t in texts), f"{path}: the timeline lacks {want!r} (it has {texts})")
        for i, r in enumerate(rows):
            require(r["attrs"].get("kind") in KINDS, f"{path}: timeline row {i}: data-kind {r['attrs'].get('kind')!r}")
            missing = [n for n, t in r["cells"].items() if t is None]
            require(not missing, f"{path}: timeline row {i} lacks {', '.join('td.' + m for m in missing)}")
        fixture = next(r for r in rows if FIXTURE_TEXT in (r["cells"]["text"] or ""))
        require(
            fixture["open"]
            and path_segments(fixture["open"]) == ["messages", "botlinkd", INSTANCE_ID, FIXTURE_MESSAGE_ID],
            f"{path}: the fixture message's a.open is {fixture['open']!r}",
        )
        ok(f"{path}: h1 masked, timeline of {len(rows)} rows holds the new message and {FIXTURE_TEXT!r}")
        c.shot("person")

        reveal = page.locator("a#reveal")
        expect(reveal).to_have_count(1)
        reveal.click()
        page.wait_for_url(re.compile(r"[?&]reveal=1\b"))
        require(
            BOTLINKD_NUMBER in shown_numbers(page.content()),
            f"{page.url}: after a#reveal the full number {BOTLINKD_NUMBER} is not on the page",
        )
        ok(f"{path}: a#reveal -> ?reveal=1 shows the full number")
        c.shot("person-revealed")

    # ------------------------------------------------------------ 4. message pages

    def message_page(self, path, status=None, steps=(), kinds=()):
        page, c = self.page, self.c
        c.visit(path)
        if status:
            expect(page.locator("#current-status")).to_have_text(re.compile(rf"\b{status}\b", re.I))
        rows = c.rows("table#funnel tr.step", ("at", "since"))
        got = [r["attrs"].get("step") for r in rows]
        bad = [s for s in got if s not in STEPS]
        require(not bad, f"{path}: funnel steps {bad} are none of {sorted(STEPS)}")
        for step in steps:
            require(step in got, f"{path}: table#funnel has no tr.step[data-step={step}] (steps: {got})")
        for r in rows:
            if r["attrs"]["step"] in steps:
                require(r["cells"]["at"], f"{path}: step {r['attrs']['step']} has no td.at")
                require(r["cells"]["since"] is not None, f"{path}: step {r['attrs']['step']} has no td.since")
        events = c.rows("table#message-events tr.event")
        got_kinds = [r["attrs"].get("kind") for r in events]
        for kind in kinds:
            require(kind in got_kinds, f"{path}: table#message-events has no tr.event[data-kind={kind}] ({got_kinds})")
        raws = page.evaluate(
            """() => Array.from(document.querySelectorAll('details.raw')).map(d => ({
                open: d.open || d.hasAttribute('open'),
                pre: d.querySelector(':scope > pre') ? d.querySelector(':scope > pre').textContent : null }))"""
        )
        require(raws, f"{path}: no details.raw")
        require(all(r["pre"] is not None for r in raws), f"{path}: a details.raw has no pre child")
        require(not any(r["open"] for r in raws), f"{path}: a details.raw is open by default")
        ok(
            f"{path}: status {status or '-'}, funnel {got}, events {got_kinds}, "
            f"{len(raws)} raw bodies collapsed, numbers masked"
        )
        return raws

    def check_messages(self):
        page, c = self.page, self.c
        self.post_new_message()  # (if the live check stopped before it)
        # From the live view: the new message's a.open.
        c.visit("/")
        row = page.locator("table#events tbody tr.event").filter(
            has=page.locator("td.text", has_text=self.new_text)
        )
        expect(row).to_have_count(1)
        row.locator("a.open").click()
        page.wait_for_url(re.compile(r"/messages/"))
        segments = path_segments(page.url)
        require(
            segments == ["messages", "botlinkd", INSTANCE_ID, self.new_id],
            f"a.open led to {page.url}, not the new message's page",
        )
        raws = self.message_page(urllib.parse.urlsplit(page.url).path, kinds=("message",))
        require(any(self.new_text in (r["pre"] or "") for r in raws), "the new message's raw body is not on its page")
        c.shot("message-new")

        path = "/messages/" + segment_path("botlinkd", INSTANCE_ID, FIXTURE_MESSAGE_ID)
        raws = self.message_page(path, status="read", steps=("read",), kinds=("message",))
        require(any(FIXTURE_TEXT in (r["pre"] or "") for r in raws), f"{path}: the fixture's raw body is not shown")
        c.shot("message-botlinkd")
        reveal = page.locator("a#reveal")
        expect(reveal).to_have_count(1)
        reveal.click()
        page.wait_for_url(re.compile(r"[?&]reveal=1\b"))
        raws = page.locator("details.raw > pre").all_text_contents()
        require(
            any(BOTLINKD_NUMBER in shown_numbers(r) for r in raws),
            f"{path}?reveal=1: the raw body does not show the full number",
        )
        ok(f"{path}: a#reveal shows the full number in the raw body")

        path = "/messages/" + segment_path("edna", EDNA_STATUS_MESSAGE)
        self.message_page(path, status="read", steps=("sent", "delivered", "read"))
        c.shot("message-edna-status")

        path = "/messages/" + segment_path("edna", EDNA_CLICK_MESSAGE)
        self.message_page(path, steps=("clicked",), kinds=("click",))
        c.shot("message-edna-click")

    # ------------------------------------------------------------ 6. quarantine and replay

    def quarantine_row(self, marker):
        """The tr.quarantined whose raw body holds `marker`, as a locator."""
        index = self.page.evaluate(
            """(marker) => Array.from(document.querySelectorAll('table#quarantine tr.quarantined'))
                .findIndex(tr => Array.from(tr.querySelectorAll('details.raw > pre'))
                    .some(pre => pre.textContent.includes(marker)))""",
            marker,
        )
        if index < 0:
            return None
        return self.page.locator("table#quarantine tr.quarantined").nth(index)

    def check_quarantine(self):
        page, c, stack = self.page, self.c, self.stack
        received = now_utc()
        day = received.strftime("%Y-%m-%d")
        # A body an older parser quarantined (it said data.from was missing) that today's accepts.
        replay_id = f"wamid.quarantine-{self.run_id}"
        replay_text = f"replayed-from-quarantine {self.run_id}"
        replay_raw = botlinkd_message(replay_id, replay_text)
        replay_key = stack.put_quarantined(
            replay_raw, "missing_field", "data.from", "missing field `data.from`", received
        )
        # And one that today's parser still refuses.
        broken_text = f"still-broken {self.run_id}"
        broken_raw = botlinkd_message(f"wamid.still-broken-{self.run_id}", broken_text, drop=("from",))
        stack.put_quarantined(broken_raw, "missing_field", "data.from", "missing field `data.from`", received)
        ok(f"DynamoDB Local: two quarantine items on {day} ({replay_key['pk'][:24]}...)")

        path = "/quarantine" if now_utc().strftime("%Y-%m-%d") == day else f"/quarantine?day={day}"
        c.visit(path)
        row = self.quarantine_row(replay_text)
        require(row is not None, f"{path}: no tr.quarantined whose details.raw holds {replay_text!r}")
        key = row.get_attribute("data-key")
        require(key, f"{path}: the row has no data-key")
        require(len(key) < 64, f"{path}: data-key {key!r} is not a short hash")
        for name in ("reason", "field", "detail"):
            require(row.locator(f"td.{name}").count() == 1, f"{path}: the row has no td.{name} cell")
        expect(row.locator("td.reason")).to_contain_text("missing_field")
        expect(row.locator("td.field")).to_contain_text("data.from")
        expect(row.locator("td.detail")).to_contain_text("data.from")
        require(
            not row.locator("details.raw").first.evaluate("d => d.open || d.hasAttribute('open')"),
            f"{path}: details.raw is open by default",
        )
        ok(f"{path}: the quarantined body's row (data-key {key}): reason, field, detail, raw collapsed, masked")

        # Day navigation: the day before does not list it, and next-day comes back.
        prev = page.locator("a.prev-day")
        expect(prev).to_have_count(1)
        prev.click()
        yesterday = (received - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        page.wait_for_url(re.compile(rf"[?&]day={yesterday}\b"))
        expect(page.locator("table#quarantine")).to_have_count(1)
        require(self.quarantine_row(replay_text) is None, f"/quarantine?day={yesterday} lists today's body")
        c.masked(f"/quarantine?day={yesterday}")
        nxt = page.locator("a.next-day")
        expect(nxt).to_have_count(1)
        nxt.click()
        page.wait_for_url(re.compile(rf"[?&]day={day}\b|/quarantine$"))
        require(self.quarantine_row(replay_text) is not None, f"a.next-day from {yesterday}: the body is not listed")
        ok(f"a.prev-day -> {yesterday} (not listed), a.next-day -> {day} (listed)")

        message_pk = f"MSG#botlinkd#{INSTANCE_ID}#{replay_id}"
        row = self.quarantine_row(replay_text)
        row.locator("button.try-replay").click()
        expect(row.locator(".replay-result")).to_contain_text("would store")
        require(not stack.partition(message_pk), "try-replay (a dry run) wrote the message to the table")
        ok("button.try-replay: 'would store', nothing written")

        dialogs = []

        def answer(accept):
            def handle(dialog):
                dialogs.append(dialog.type)
                dialog.accept() if accept else dialog.dismiss()

            return handle

        page.once("dialog", answer(False))
        row.locator("button.replay").click()
        require(dialogs == ["confirm"], f"button.replay asked {dialogs or 'nothing'}, not window.confirm")
        require(
            not WORD_STORED.search(row.locator(".replay-result").text_content() or ""),
            "button.replay, confirm dismissed: the row says stored",
        )
        require(not stack.partition(message_pk), "button.replay, confirm dismissed: the message was written")
        ok("button.replay asks window.confirm; dismissed, nothing is written")

        page.once("dialog", answer(True))
        row.locator("button.replay").click()
        require(dialogs == ["confirm", "confirm"], "button.replay did not ask window.confirm the second time")
        expect(row.locator(".replay-result")).to_contain_text(WORD_STORED)
        stored = [i for i in stack.partition(message_pk) if i.get("kind") == "message"]
        require(
            len(stored) == 1 and stored[0].get("raw_body") == replay_raw,
            f"after the replay the table holds {len(stored)} message item(s) under {message_pk}, "
            "not the quarantined body",
        )
        marked = stack.partition(replay_key["pk"])
        require(
            marked and marked[0].get("replayed_at") and marked[0].get("replay_outcome") == "stored",
            f"the quarantine item is not marked replayed: {sorted(marked[0]) if marked else 'gone'}",
        )
        ok("button.replay, confirmed: 'stored'; the message is in the table, the quarantine item marked replayed")
        c.shot("quarantine")

        broken = self.quarantine_row(broken_text)
        require(broken is not None, f"{path}: the still-broken body is not listed")
        broken.locator("button.try-replay").click()
        expect(broken.locator(".replay-result")).to_contain_text("still fails")
        ok("button.try-replay on a body today's parser refuses: 'still fails'")
        c.shot("quarantine-results")

        msg_path = "/messages/" + segment_path("botlinkd", INSTANCE_ID, replay_id)
        raws = self.message_page(msg_path, kinds=("message",))
        require(any(replay_text in (r["pre"] or "") for r in raws), f"{msg_path}: the replayed body is not shown")

        c.visit("/?kind=quarantine")
        expect(page.locator('table#events tbody tr.event[data-kind="quarantine"]')).not_to_have_count(0)
        rows = self.event_rows()
        require(rows, "/?kind=quarantine: no rows (two bodies were just quarantined)")
        other = [r["attrs"] for r in rows if r["attrs"]["kind"] != "quarantine"]
        require(not other, f"/?kind=quarantine: rows of other kinds: {other[:3]}")
        ok(f"/?kind=quarantine: {len(rows)} quarantine rows only")
        c.visit("/")
        row = page.locator("table#events tbody tr.event").filter(has=page.locator("td.text", has_text=replay_text))
        expect(row).to_have_count(1)
        ok(f"/: the replayed message is listed (data-outcome {row.get_attribute('data-outcome')})")
        c.shot("live-after-replay")

    # ------------------------------------------------------------ 7. overview

    def count(self, locator, where):
        expect(locator).to_have_count(1)
        text = locator.text_content() or ""
        number = digits(text)
        require(number, f"{where}: td.count is {text!r}, not a number")
        return int(number)

    def check_overview(self):
        page, c = self.page, self.c
        c.visit("/quarantine")
        page.locator('a[href="/overview"]').first.click()
        page.wait_for_url(re.compile(r"/overview\b"))
        c.chrome("/overview")
        c.masked("/overview")
        for name in ("events-per-hour", "delivery-funnel", "clicks-per-template", "delivery-lag"):
            svg = page.locator(f"svg#{name}")
            expect(svg).to_have_count(1)
            marks = svg.locator("rect, path, text, line, circle, polyline, polygon").count()
            require(marks > 0, f"/overview: svg#{name} is empty")
            expect(page.locator(f"table#{name}-table")).to_have_count(1)
        hours = page.locator("table#events-per-hour-table tbody tr").count()
        require(hours > 0, "/overview: table#events-per-hour-table has no rows")
        counts = {}
        for step in ("sent", "delivered", "read", "failed"):
            counts[step] = self.count(
                page.locator(f"table#delivery-funnel-table tr[data-step={step}] td.count"),
                f"delivery funnel step {step}",
            )
        require(counts["read"] >= 1, f"/overview: the delivery funnel counts {counts['read']} read (the fixtures have 2)")
        for step in ("sent", "delivered"):
            require(counts[step] >= 1, f"/overview: the delivery funnel counts {counts[step]} {step}")
        rate = (page.locator("#read-rate").text_content() or "").strip()
        require(rate, "/overview: #read-rate is empty")
        clicks = self.count(
            page.locator(f'table#clicks-per-template-table tr[data-template="{EDNA_CLICK_TEMPLATE}"] td.count'),
            f"clicks of template {EDNA_CLICK_TEMPLATE}",
        )
        require(clicks >= 1, f"/overview: template {EDNA_CLICK_TEMPLATE} has {clicks} clicks")
        lags = c.rows("table#delivery-lag-table tr[data-provider]", ("p50", "p90"))
        for lag in lags:
            missing = [n for n, t in lag["cells"].items() if t is None]
            require(not missing, f"/overview: delivery lag row {lag['attrs']} lacks {missing}")
        ok(
            f"/overview: 4 non-empty svgs and their tables; funnel {counts}, read rate {rate!r}, "
            f"template {EDNA_CLICK_TEMPLATE} {clicks} click(s), {len(lags)} lag row(s), {hours} hour row(s)"
        )
        c.shot("overview")

    # ------------------------------------------------------------ runner

    def run(self, name, check):
        try:
            check()
        except (Failure, AssertionError, PlaywrightError) as error:
            lines = str(error).strip().splitlines() or [type(error).__name__]
            log(f"FAIL  {name}: {lines[0]}")
            for line in lines[1:12]:
                log(f"      {line}")
            log(f"      page: {self.page.url}")
            try:
                log(f"      screenshot: {self.c.shot(f'failed-{name}')}")
            except PlaywrightError:
                pass
            self.failed.append(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("console_url")
    parser.add_argument("watch_base")
    parser.add_argument("edna_key")
    parser.add_argument("botlinkd_token")
    parser.add_argument("ddb_endpoint")
    parser.add_argument("table")
    parser.add_argument("--browser", default="/usr/bin/chromium", help="Chromium executable")
    parser.add_argument("--screenshots", default=str(ROOT / "target" / "console"), type=Path)
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for a page or an element")
    parser.add_argument("--live-timeout", type=float, default=30, help="seconds to wait for a live update")
    parser.add_argument("--headed", action="store_true", help="show the browser (needs a display)")
    parser.add_argument("--only", action="append", help="run only these checks (repeatable)")
    args = parser.parse_args()
    args.screenshots.mkdir(parents=True, exist_ok=True)

    stack = Stack(args)
    # One clear line, not a failure per check, when the console does not answer at all.
    try:
        status, _ = http("GET", args.console_url.rstrip("/") + "/", timeout=30)
    except Failure as error:
        log(f"FAIL  the console does not answer: {error}")
        return 1
    if status != 200:
        log(f"FAIL  GET {args.console_url.rstrip('/')}/ answered HTTP {status}")
        return 1

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.browser, headless=not args.headed)
        log(f"Chromium {browser.version} at {args.browser}; console {args.console_url}")
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(args.timeout * 1000)
        context.set_default_navigation_timeout(max(args.timeout, 60) * 1000)
        expect.set_options(timeout=args.timeout * 1000)
        page = context.new_page()
        js_errors, console_errors = [], []
        page.on("pageerror", lambda error: js_errors.append(f"{page.url}: {error}"))

        def on_console(message):
            # A missing favicon is no error of the console's.
            if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
                console_errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        test = Test(args, Console(page, args.console_url, args.screenshots), stack)
        checks = [
            ("live", test.check_live),
            ("filters", test.check_filters),
            ("person", test.check_person),
            ("messages", test.check_messages),
            ("quarantine", test.check_quarantine),
            ("overview", test.check_overview),
        ]
        for name, check in checks:
            if not args.only or name in args.only:
                test.run(name, check)
        for line in console_errors:
            log(f"browser console error: {line}")
        if js_errors:
            for line in js_errors:
                log(f"FAIL  javascript: uncaught error: {line}")
            test.failed.append("javascript")
        else:
            ok("no uncaught JavaScript error on any page")
        browser.close()

    if test.failed:
        log(f"FAILED: {', '.join(test.failed)} (screenshots in {args.screenshots})")
        return 1
    log(f"OK: every check passed (screenshots in {args.screenshots})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
