"""The built site in a real browser: offline-clean, tabs linked, diagrams shown, search works."""

from collections.abc import Iterator
from typing import Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scripts.diagrams import MIN_TEXT_PX
from scripts.doc_checks import ROOT, page_address, site_addresses

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"


PAGES = site_addresses()  # and the 404 page
# Pages that include a diagram (scripts/diagrams.py inlines it as SVG at build time).
WITH_DIAGRAMS = sorted(
    page_address(page) for page in DOCS.rglob("*.md") if "```mermaid" in page.read_text()
)


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

    def problems(self, site_url: str) -> list[str]:
        """Everything wrong with the page once the network has been quiet for 500 ms.

        Quiet is not done on a busy machine: scripts may still run and fetch. So the
        load event comes first: by then every script of the page has run.
        """
        self.page.wait_for_load_state("load")
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
        # Diagrams are SVG in the page: no page fetches the 3.5 MB diagram library.
        found += [f"diagram library requested: {url}" for url in self.requested if "mermaid" in url]
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
            if found := visit.problems(site_url):
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


# Per figure: which drawings show, how big their text is, and whether the box scrolls.
FIGURES = """() => [...document.querySelectorAll("article figure.diagram")].map((figure) => {
  const box = figure.querySelector(".diagram__scroll");
  const shown = [...figure.querySelectorAll("svg")].filter(
    (svg) => getComputedStyle(svg).display !== "none");
  const svg = shown[0];
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll("text")].filter((text) => text.textContent.trim())
    .map((text) => parseFloat(getComputedStyle(text).fontSize) * scale);
  return {
    shown: shown.map((svg) => svg.getAttribute("class")),
    height: svg.getBoundingClientRect().height,
    name: document.getElementById(svg.getAttribute("aria-labelledby")).textContent,
    caption: figure.querySelector("figcaption").textContent,
    smallestText: Math.min(...sizes),
    focusable: box.tabIndex === 0,
    scrolls: box.scrollWidth > box.clientWidth,
    hint: getComputedStyle(figure.querySelector(".diagram__hint")).display !== "none",
  };
})"""


@pytest.mark.parametrize(("scheme", "body_scheme"), [("light", "default"), ("dark", "slate")])
def test_diagrams_are_inline_svg_in_each_colour_scheme_and_legible_on_a_phone(
    browser: Browser, site_url: str, scheme: Literal["light", "dark"], body_scheme: str
) -> None:
    """Each diagram shows the drawing of the page's scheme; on a phone it scrolls instead
    of shrinking its text below MIN_TEXT_PX, can be scrolled from the keyboard and says so.
    """
    assert "contributing/" in WITH_DIAGRAMS  # the pipeline diagram
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    scrolling = []
    for path in WITH_DIAGRAMS:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(site_url + path)
        expect(page.locator("body")).to_have_attribute("data-md-color-scheme", body_scheme)
        assert page.locator(".mermaid").count() == 0  # nothing left for a script to draw
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 844})
            figures = page.evaluate(FIGURES)
            assert figures, path
            for figure in figures:
                where = f"{path} at {width} px: {figure}"
                assert figure["shown"] == [f"diagram__svg diagram__svg--{scheme}"], where
                assert figure["height"] > 100, where
                assert figure["name"], where
                assert figure["caption"].startswith(figure["name"]), where
                assert figure["smallestText"] >= MIN_TEXT_PX - 0.05, where
                assert figure["focusable"], where
                assert figure["hint"] == figure["scrolls"], where
            # The figure scrolls inside itself: the page does not get wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        scrolling += [path for figure in figures if figure["scrolls"]]
    # The sequence diagrams are wider than a phone: the arrow keys scroll them.
    assert "compare/how-they-wait/" in scrolling
    page.goto(site_url + "compare/how-they-wait/")
    box = page.locator(".diagram__scroll").first
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=box.element_handle())
    context.close()


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
