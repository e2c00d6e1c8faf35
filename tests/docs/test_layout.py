"""Every page fits a laptop and a phone: nothing in the article sticks out of its column.

A table, code block or diagram wider than the column must sit in a container that
scrolls sideways (overflow-x: auto or scroll); anything else that overflows is cut off
or widens the page, and fails the test. On a laptop, code lines fit their block whole.
The benchmark charts follow the colour scheme and keep their labels legible on a phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from scripts.doc_checks import site_addresses

pytestmark = pytest.mark.browser

SIZES: dict[str, ViewportSize] = {
    "laptop": {"width": 1366, "height": 768},
    "phone": {"width": 390, "height": 844},
}
BATCH = 6  # pages loading side by side: their waits for a quiet network overlap
MIN_CHART_TEXT_PX = 11  # the smallest chart label on a phone, in CSS pixels
MIN_CONTRAST = 4.5  # WCAG AA, normal text
CHARTS_PAGE = "performance/results/"


PAGES = site_addresses()  # and the 404 page
BATCHES = [PAGES[start : start + BATCH] for start in range(0, len(PAGES), BATCH)]

# The outermost elements of the article that stick out of the content column (1 px of
# slack) with no sideways-scrolling container between them and the article, as
# "tag.class in #id: how far", and a page wider than the screen. The column is the
# article's parent: Material lets tables and code blocks run into the article's side
# margins on purpose.
OVERFLOWING = """() => {
    const article = document.querySelector("article.md-content__inner");
    const column = article.parentElement.getBoundingClientRect();
    const scrolls = (element) =>
        ["auto", "scroll"].includes(getComputedStyle(element).overflowX);
    const found = [];
    const wider = document.documentElement.scrollWidth - window.innerWidth;
    if (wider > 0) found.push(`the page scrolls sideways by ${wider} px`);
    const walk = (element) => {
        for (const child of element.children) {
            if (!child.checkVisibility({ visibilityProperty: true })) continue;
            const box = child.getBoundingClientRect();
            const out = Math.max(box.right - column.right, column.left - box.left);
            if (out > 1) {
                const name = child.tagName.toLowerCase() +
                    (child.classList.length ? "." + [...child.classList].join(".") : "");
                const id = child.closest("[id]")?.id;
                found.push(`${name}${id ? " in #" + id : ""}: ${Math.round(out)} px`);
            } else if (!scrolls(child)) {
                walk(child);
            }
        }
    };
    walk(article);
    return found;
}"""

# Code blocks whose longest line does not fit (the block scrolls to show its end):
# "#id under 'heading': longest line".
CUT_CODE = """() => {
    let heading = "";
    const found = [];
    for (const element of document.querySelectorAll(
        "article :is(h2, h3), article pre > code"
    )) {
        if (element.tagName !== "CODE") {
            heading = element.textContent.replace("¶", "").trim();
        } else if (element.scrollWidth > element.clientWidth + 1) {
            const lines = element.textContent.split("\\n");
            const longest = lines.reduce((a, b) => (b.length > a.length ? b : a));
            const id = element.closest("pre").id;
            found.push(`#${id} under '${heading}': ${longest.trim()}`);
        }
    }
    return found;
}"""

# Each chart label's size on screen, its colour's contrast with the page, and the
# background of the chart and its figure (transparent: no white panel in the dark).
CHART_TEXT = """() => {
    const rgb = (colour) => colour.match(/[\\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => {
        const channel = (c) => {
            c /= 255;
            return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const over = ([r, g, b, a = 1], [R, G, B]) =>
        [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a)];
    const page = rgb(getComputedStyle(document.body).backgroundColor);
    const contrast = (colour) => {
        const [light, dark] = [luminance(over(rgb(colour), page)), luminance(page)]
            .sort((x, y) => y - x);
        return (light + 0.05) / (dark + 0.05);
    };
    return [...document.querySelectorAll("svg.bench-chart")].map((chart) => ({
        backgrounds: [chart, chart.closest("figure")].map(
            (element) => getComputedStyle(element).backgroundColor
        ),
        texts: [...chart.querySelectorAll("text, tspan")].map((text) => ({
            text: text.textContent,
            px: parseFloat(getComputedStyle(text).fontSize) * chart.getScreenCTM().a,
            contrast: contrast(getComputedStyle(text).fill),
        })),
    }));
}"""


def open_all(
    context: BrowserContext, site_url: str, pages: list[str]
) -> Iterator[tuple[str, Page]]:
    """Each page once it has drawn itself, loading side by side; closed after use."""
    tabs = {}
    for path in pages:
        tabs[path] = context.new_page()
        tabs[path].goto(site_url + path, wait_until="commit")
    for path, tab in tabs.items():
        # Loaded (parsed, scripts run), then a quiet network: Decide's tool has
        # fetched its data.
        tab.wait_for_load_state("load")
        tab.wait_for_load_state("networkidle")
        yield path or "home", tab
        tab.close()


@pytest.fixture(scope="module", params=list(SIZES))
def sized_context(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[tuple[str, BrowserContext]]:
    context = browser.new_context(viewport=SIZES[request.param])
    yield request.param, context
    context.close()


@pytest.mark.parametrize(
    "pages", BATCHES, ids=lambda pages: f"{pages[0] or 'home'}+{len(pages) - 1}"
)
def test_every_page_fits_the_screen(
    sized_context: tuple[str, BrowserContext], site_url: str, pages: list[str]
) -> None:
    """Nothing sticks out of the column; on a laptop, no code line is cut either."""
    size, context = sized_context
    problems: dict[str, list[str]] = {}
    for path, tab in open_all(context, site_url, pages):
        found = tab.evaluate(OVERFLOWING)
        if size == "laptop":
            found += [f"code line cut: {line}" for line in tab.evaluate(CUT_CODE)]
        if found:
            problems[path] = found
    assert problems == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_follow_the_scheme_and_read_on_a_phone(
    browser: Browser, site_url: str, scheme: Literal["light", "dark"]
) -> None:
    context = browser.new_context(viewport=SIZES["phone"], color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(site_url + CHARTS_PAGE)
        charts = page.evaluate(CHART_TEXT)
    finally:
        context.close()
    assert charts, "no charts on the page"
    panels = {bg for chart in charts for bg in chart["backgrounds"]}
    assert panels == {"rgba(0, 0, 0, 0)"}
    texts = [text for chart in charts for text in chart["texts"]]
    assert [t["text"] for t in texts if t["px"] < MIN_CHART_TEXT_PX] == []
    assert [t["text"] for t in texts if t["contrast"] < MIN_CONTRAST] == []


# Each shown table wrapper: does its table overflow it, and what a11y.js made of it.
# (Wrappers in a closed <details> are marked when it opens and their size changes.)
TABLE_WRAPPERS = """() => [...document.querySelectorAll("article .md-typeset__scrollwrap")]
    .filter((wrapper) => wrapper.checkVisibility())
    .map((wrapper) => ({
        overflows: wrapper.scrollWidth > wrapper.clientWidth + 1,
        hint: wrapper.hasAttribute("data-scrolls"),
        focusable: wrapper.getAttribute("tabindex") === "0",
        role: wrapper.getAttribute("role"),
        name: wrapper.getAttribute("aria-label"),
    }))"""


def test_a_table_that_scrolls_says_so_and_takes_focus_on_a_phone(
    browser: Browser, site_url: str
) -> None:
    context = browser.new_context(viewport=SIZES["phone"])
    try:
        page = context.new_page()
        page.goto(site_url + "performance/results/")
        # a11y.js marks the wrappers from a ResizeObserver, after the first layout.
        page.wait_for_function(
            "() => document.querySelector('.md-typeset__scrollwrap[data-scrolls]')"
        )
        wrappers = page.evaluate(TABLE_WRAPPERS)
    finally:
        context.close()
    scrolling = [wrapper for wrapper in wrappers if wrapper["overflows"]]
    fitting = [wrapper for wrapper in wrappers if not wrapper["overflows"]]
    assert len(scrolling) >= 3, "expected several results tables wider than a phone"
    assert {(w["hint"], w["focusable"], w["role"]) for w in scrolling} == {(True, True, "region")}
    names = [wrapper["name"] for wrapper in scrolling]
    assert all(name and name.startswith("Table: ") for name in names), names
    assert len(set(names)) == len(names), "two scrolling tables share a name"
    assert {(w["hint"], w["focusable"], w["role"]) for w in fitting} <= {(False, False, None)}
