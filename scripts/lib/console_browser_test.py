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
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from console_browser.common import ROOT, Failure, log, ok
from console_browser.console import Console
from console_browser.local_stack import Stack, http
from console_browser.runner import Test


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
