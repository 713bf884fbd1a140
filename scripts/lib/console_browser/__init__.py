"""The parts of the console's browser test (scripts/lib/console_browser_test.py, its entry point).

common: the fixtures' numbers and names, the failure type, logging and small helpers;
local_stack: the functions under `cargo lambda watch` and DynamoDB Local, over HTTP;
console: one Playwright page of the console, with its common parts and masking checks;
checks_events, checks_pages, checks_quarantine, checks_overview: the checks, by view;
runner: the test that carries them, running each check and recording failures.
"""
