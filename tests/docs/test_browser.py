"""The built site in a real browser: offline-clean, tabs linked, diagrams drawn, search works."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from scripts.doc_checks import ROOT

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"


def page_url(page: Path) -> str:
    """docs/a/index.md -> a/, docs/a/b.md -> a/b/ (MkDocs' directory URLs)."""
    path = page.relative_to(DOCS).with_suffix("")
    path = path.parent if path.name == "index" else path
    return "" if str(path) == "." else f"{path.as_posix()}/"


PAGES = sorted(page_url(page) for page in DOCS.rglob("*.md"))
WITH_DIAGRAMS = {page_url(page) for page in DOCS.rglob("*.md") if "```mermaid" in page.read_text()}
MERMAID_BUNDLE = "assets/vendor/mermaid.min.js"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


class Visit:
    """One page, opened in its own tab, and what it requested and logged."""

    def __init__(self, context: BrowserContext, url: str) -> None:
        self.requested: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # "commit" returns once loading has begun: the tabs of a batch load side by side.
        self.response = self.page.goto(url, wait_until="commit")

    def problems(self, site_url: str, has_diagram: bool) -> list[str]:
        """Everything wrong with the page once the network has been quiet for 500 ms.

        Quiet is not done on a busy machine: scripts may still run and fetch.
        """
        if has_diagram:  # drawn only once the bundle has come: wait for it
            self.page.locator("div.mermaid").first.wait_for(state="attached")
        self.page.wait_for_load_state("networkidle")
        found = [f"console: {error}" for error in self.errors]
        if self.response is None or self.response.status != 200:
            found.append(f"status {self.response and self.response.status}")
        first_party = (site_url, "data:", "blob:")
        found += [
            f"third-party request {url}"
            for url in self.requested
            if not url.startswith(first_party)
        ]
        # The 3.5 MB diagram library is fetched only where a diagram is drawn.
        if (site_url + MERMAID_BUNDLE in self.requested) != has_diagram:
            found.append(f"mermaid loaded: {not has_diagram}, diagrams: {has_diagram}")
        self.page.close()
        return found


def test_every_page_makes_no_third_party_requests_and_no_errors(
    browser: Browser, site_url: str
) -> None:
    # Four tabs at a time: the waits for a quiet network overlap instead of adding up.
    context = browser.new_context()
    problems = {}
    for start in range(0, len(PAGES), 4):
        batch = PAGES[start : start + 4]
        visits = {path: Visit(context, site_url + path) for path in batch}
        for path, visit in visits.items():
            if found := visit.problems(site_url, path in WITH_DIAGRAMS):
                problems[path or "home"] = found
    context.close()
    assert problems == {}


def test_choosing_nodejs_once_switches_every_tab(page: Page, site_url: str) -> None:
    page.goto(site_url + "patterns/hello/")
    tab_sets = page.locator(".tabbed-set")
    assert tab_sets.count() >= 4
    page.locator(".tabbed-labels label", has_text="Node.js").first.click()
    for index in range(tab_sets.count()):
        checked = tab_sets.nth(index).locator("input:checked")
        label = tab_sets.nth(index).locator(f"label[for='{checked.get_attribute('id')}']")
        expect(label).to_have_text("Node.js")
    # The choice is remembered across page loads.
    page.reload()
    checked = tab_sets.first.locator("input:checked")
    expect(tab_sets.first.locator(f"label[for='{checked.get_attribute('id')}']")).to_have_text(
        "Node.js"
    )


def test_mermaid_diagram_is_drawn(page: Page, site_url: str) -> None:
    assert "contributing/" in WITH_DIAGRAMS
    messages: list[ConsoleMessage] = []
    page.on("console", lambda message: messages.append(message))
    page.goto(site_url + "contributing/", wait_until="networkidle")  # the pipeline diagram
    diagram = page.locator(".mermaid").first
    expect(diagram).to_be_visible()
    # Material draws into a closed shadow root: its size is what we can observe.
    page.wait_for_function(
        "() => document.querySelector('.mermaid').getBoundingClientRect().height > 100"
    )
    assert not [m.text for m in messages if m.type == "error"]


def test_search_finds_the_hello_page(page: Page, site_url: str) -> None:
    page.goto(site_url)
    page.keyboard.press("/")  # Material's shortcut that focuses the search field
    page.keyboard.type("trailing slash")
    results = page.locator(".md-search-result__item")
    expect(results.filter(has_text="Hello and health").first).to_be_visible()


def test_code_blocks_have_a_copy_button(page: Page, site_url: str) -> None:
    page.goto(site_url + "patterns/hello/")
    # Material adds the buttons from JavaScript once the page has loaded.
    copy_buttons = page.locator("button[data-md-type='copy']")
    expect(copy_buttons.first).to_be_attached()
    assert copy_buttons.count() == page.locator("pre > code").count()


def test_dark_mode_toggle(page: Page, site_url: str) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(site_url)
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    page.locator("label[title='Switch to dark mode']").first.click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
