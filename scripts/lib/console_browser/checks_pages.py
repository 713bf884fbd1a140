"""The checks of a person's page (3) and of the message pages (4), with the reveal of a number."""

import re
import urllib.parse

from playwright.sync_api import expect

from .common import (
    BOTLINKD_NUMBER,
    EDNA_CLICK_MESSAGE,
    EDNA_STATUS_MESSAGE,
    FIXTURE_MESSAGE_ID,
    FIXTURE_TEXT,
    INSTANCE_ID,
    KINDS,
    PERSON,
    STEPS,
    ok,
    path_segments,
    require,
    segment_path,
    shown_numbers,
)


class PageChecks:
    """Mixed into runner.Test: uses its page, console (c) and new message."""

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
        # The read ack is an event of its own beside the message; the status is derived from it.
        raws = self.message_page(path, status="read", steps=("read",), kinds=("message", "ack"))
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
        self.message_page(path, status="read", steps=("sent", "delivered", "read"), kinds=("ack",))
        c.shot("message-edna-status")

        path = "/messages/" + segment_path("edna", EDNA_CLICK_MESSAGE)
        self.message_page(path, steps=("clicked",), kinds=("click",))
        c.shot("message-edna-click")
