"""The check of the quarantine view (6): day navigation, and a quarantined body tried and replayed
through the console's buttons."""

import datetime
import re

from playwright.sync_api import expect

from .common import (
    INSTANCE_ID,
    SPACED_NUMBER,
    WORD_STORED,
    now_utc,
    ok,
    require,
    segment_path,
    shown_numbers,
)
from .local_stack import botlinkd_message


class QuarantineChecks:
    """Mixed into runner.Test: uses its page, console (c), stack, run id and message_page."""

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
        # Both bodies' texts hold the number written with spaces, which no page may show whole
        # before a reveal (c.visit checks every page): the replayed one is masked as its
        # sender's known number, the still-broken one as a run of digit groups.
        replay_id = f"wamid.quarantine-{self.run_id}"
        replay_text = f"replayed-from-quarantine {self.run_id}"
        replay_raw = botlinkd_message(replay_id, f"{replay_text} call me on {SPACED_NUMBER}")
        replay_key = stack.put_quarantined(
            replay_raw, "missing_field", "data.from", "missing field `data.from`", received
        )
        # And one that today's parser still refuses.
        broken_text = f"still-broken {self.run_id}"
        broken_raw = botlinkd_message(
            f"wamid.still-broken-{self.run_id}", f"{broken_text} call me on {SPACED_NUMBER}", drop=("from",)
        )
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
        spaced = [r["pre"] for r in raws if replay_text in (r["pre"] or "")]
        require(
            all("call me on +\u2022\u2022\u20226789" in pre and not shown_numbers(pre) for pre in spaced),
            f"{msg_path}: the body's {SPACED_NUMBER!r} is not shown as +\u2022\u2022\u20226789: {spaced[:1]}",
        )
        ok(f"{msg_path}: {SPACED_NUMBER!r} inside the body shows as +\u2022\u2022\u20226789 before a reveal")

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
