"""The checks of the live view (1) and its filters (2), and of /api/events."""

import json
import re
import time
import urllib.parse

from playwright.sync_api import expect

from .common import (
    BOTLINKD_NUMBER,
    EVENT_CELLS,
    FIXTURE_TEXT,
    INSTANCE_ID,
    KINDS,
    OUTCOMES,
    PROVIDERS,
    Failure,
    digits,
    ok,
    path_segments,
    require,
    shown_numbers,
)
from .local_stack import botlinkd_message, edna_click


class EventChecks:
    """Mixed into runner.Test: uses its page, console (c), stack, run id and new message."""

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
