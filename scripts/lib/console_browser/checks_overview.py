"""The check of the overview (7): its charts, their tables and the counts they show."""

import re

from playwright.sync_api import expect

from .common import EDNA_CLICK_TEMPLATE, digits, ok, require


class OverviewChecks:
    """Mixed into runner.Test: uses its page and console (c)."""

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
