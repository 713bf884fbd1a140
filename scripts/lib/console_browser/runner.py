"""The test: the run's state (its id, the new message it posts, the failed checks) and the runner
of each check; the checks themselves come from the views' mixins."""

import secrets

from playwright.sync_api import Error as PlaywrightError

from .checks_events import EventChecks
from .checks_overview import OverviewChecks
from .checks_pages import PageChecks
from .checks_quarantine import QuarantineChecks
from .common import Failure, log
from .local_stack import botlinkd_message


class Test(EventChecks, PageChecks, QuarantineChecks, OverviewChecks):
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
