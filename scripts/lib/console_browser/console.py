"""One Playwright page of the console: opening a path, screenshots, reading table rows, and the
checks every page must pass (the common parts, no full phone number before a reveal)."""

from playwright.sync_api import expect

from .common import leak_contexts, require, shown_numbers

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
        # Every page refuses to be framed (clickjacking its Reveal or Replay).
        headers = response.all_headers()
        require(headers.get("x-frame-options") == "DENY", f"GET {path}: X-Frame-Options is {headers.get('x-frame-options')!r}")
        require(
            "frame-ancestors 'none'" in headers.get("content-security-policy", ""),
            f"GET {path}: Content-Security-Policy is {headers.get('content-security-policy')!r}",
        )
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
