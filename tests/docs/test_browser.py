"""The built site in a real browser: offline-clean, tabs linked, diagrams drawn, search works."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from scripts.doc_checks import ROOT

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"


def page_url(page: Path) -> str:
    """docs/a/index.md -> a/, docs/a/b.md -> a/b/ (MkDocs' directory URLs)."""
    path = page.relative_to(DOCS).with_suffix("")
    path = path.parent if path.name == "index" else path
    return "" if str(path) == "." else f"{path.as_posix()}/"


PAGES = sorted(page_url(page) for page in DOCS.rglob("*.md"))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_makes_no_third_party_requests_and_no_errors(
    page: Page, site_url: str, path: str
) -> None:
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(site_url + path, wait_until="networkidle")
    assert response is not None
    assert response.status == 200
    foreign = [url for url in requested if not url.startswith((site_url, "data:", "blob:"))]
    assert foreign == []
    assert errors == []


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
