"""The decision tool in a real browser: answer, read both sides, share, and keep it in view."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from scripts import doc_checks

pytestmark = pytest.mark.browser

ROOT = doc_checks.ROOT
SCENARIOS = json.loads((ROOT / "docs/assets/data/scenarios.json").read_text())["scenarios"]
DATA = json.loads((ROOT / "docs/assets/data/decision.json").read_text())
BY_ID = {s["id"]: s for s in SCENARIOS}
SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 768},
    "phone": {"width": 390, "height": 844},
}
# One scenario for each new kind of verdict, and a plain runtime verdict; the
# split, whose result is the longest, on both screens.
SHOWN = [
    ("typescript-team-pytorch-model", "desktop"),  # split
    ("typescript-team-pytorch-model", "phone"),
    ("python-team-inherits-node-service", "phone"),  # extend
    ("ml-inference-python-team", "desktop"),  # Python
]


class Watched:
    """A page plus what it logged and requested, for the no-errors, no-third-party checks."""

    def __init__(self, context: BrowserContext, site_url: str) -> None:
        self.context = context
        self.site_url = site_url
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page = self.new_page()

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((self.site_url, "data:", "blob:"))
                else self.foreign.append(r.url)
            ),
        )
        return page

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.foreign == []


@contextmanager
def watching(browser: Browser, site_url: str, size: str = "desktop") -> Iterator[Watched]:
    context = browser.new_context(accept_downloads=True, viewport=SIZES[size])
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url[:-1])
    try:
        yield Watched(context, site_url)
    finally:
        context.close()


@pytest.fixture
def watched(browser: Browser, site_url: str) -> Iterator[Watched]:
    with watching(browser, site_url) as watched:
        yield watched


def answer(page: Page, answers: dict[str, str]) -> None:
    for question, option in answers.items():
        page.locator(f"fieldset[data-question='{question}'] input[value='{option}']").check()


def read_result(page: Page) -> dict[str, Any]:
    result = page.locator(".decide-result")
    rows = result.locator(".decide-chart tr[data-side]")

    def side(name: str) -> list[str]:
        return [
            criterion
            for criterion, where in rows.evaluate_all(
                "rows => rows.map(row => [row.dataset.criterion, row.dataset.side])"
            )
            if where == name
        ]

    return {
        "outcome": result.get_attribute("data-outcome"),
        "runtime": result.get_attribute("data-runtime") or None,
        "confidence": result.get_attribute("data-confidence") or None,
        "python": side("python"),
        "node": side("node"),
    }


def expected(scenario: dict[str, Any]) -> dict[str, Any]:
    e = scenario["expected"]
    shown = {k: e[k] for k in ("outcome", "runtime", "confidence", "python", "node")}
    if e["outcome"] == "none":  # no verdict: the tool shows no sides either
        shown.update(python=[], node=[])
    return shown


IN_VIEW = """selector => {
    const box = document.querySelector(selector)?.getBoundingClientRect();
    return box !== undefined && box.height > 0 && box.top >= 0 && box.bottom <= innerHeight;
}"""


def in_view(page: Page, selector: str) -> bool:
    """True once the element is inside the viewport as the page stands, without scrolling.

    Waits briefly, so that a layout still settling (a sticky bar, a font) does not fail it.
    """
    try:
        page.wait_for_function(IN_VIEW, arg=selector, timeout=5_000)
    except PlaywrightTimeoutError:
        return False
    return True


def verdict_label(scenario: dict[str, Any]) -> str:
    e = scenario["expected"]
    label: str = DATA["outcomes"][e["outcome"]]["label"]
    if e["runtime"]:
        other = "node" if e["runtime"] == "python" else "python"
        label = label.replace("{runtime}", DATA["runtimes"][e["runtime"]]["label"])
        label = label.replace("{other}", DATA["runtimes"][other]["label"])
    return label


@pytest.mark.parametrize(
    ("scenario", "size"),
    [(BY_ID[id], size) for id, size in SHOWN],
    ids=lambda value: value if isinstance(value, str) else value["id"],
)
def test_answer_read_both_sides_and_share_with_the_result_in_view(
    browser: Browser, site_url: str, scenario: dict[str, Any], size: str
) -> None:
    with watching(browser, site_url, size) as watched:
        page = watched.page
        page.goto(site_url + "decide/")
        expect(page.locator(".decide-result")).to_have_attribute("data-outcome", "none")
        answer(page, scenario["answers"])

        # After the last answer the verdict is on screen, in the bar at the bottom.
        summary = ".decide-summary [data-field='verdict']"
        expect(page.locator(summary)).to_have_text(verdict_label(scenario))
        assert in_view(page, summary), "the verdict is not visible after the last answer"
        assert read_result(page) == expected(scenario)
        expect(page.locator(".decide-result [data-field='verdict']")).to_have_text(
            verdict_label(scenario)
        )
        expect(page.locator(".decide-result [data-field='change'] li").first).to_be_visible()
        expect(page.locator(".decide-result [data-field='risk']")).not_to_be_empty()

        shared = page.url
        query = {k: v[0] for k, v in parse_qs(urlsplit(shared).query).items()}
        assert query == scenario["answers"]
        page.bring_to_front()  # the clipboard needs a focused page
        page.locator(".decide-result [data-action='copy-link']").click()
        expect(page.locator(".decide-status")).to_have_text("Link copied.")
        assert page.evaluate("navigator.clipboard.readText()") == shared

        # A colleague opens the link: same result, verdict in view, nothing scrolled.
        other = watched.new_page()
        other.goto(shared)
        verdict = ".decide-result [data-field='verdict']"
        expect(other.locator(verdict)).to_have_text(verdict_label(scenario))
        assert other.evaluate("window.scrollY") == 0
        assert in_view(other, verdict), "the shared result is below the fold"
        assert in_view(other, ".decide-result [data-field='confidence']")
        assert read_result(other) == expected(scenario)
        expect(other.locator("#decide-answers")).not_to_have_attribute("open", "")
        for question, option in scenario["answers"].items():
            checked = other.locator(f"fieldset[data-question='{question}'] input:checked")
            expect(checked).to_have_value(option)
        watched.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_the_empty_state_shows_no_verdict(browser: Browser, site_url: str, size: str) -> None:
    with watching(browser, site_url, size) as watched:
        page = watched.page
        page.goto(site_url + "decide/")
        result = page.locator(".decide-result")
        expect(result).to_have_attribute("data-outcome", "none")
        expect(result).to_have_attribute("data-confidence", "")
        expect(result.locator("[data-field='verdict']")).to_have_text("No answer yet")
        expect(page.locator("[data-field='confidence']")).to_have_count(0)
        expect(page.locator(".decide-chart")).to_have_count(0)
        expect(page.locator("[data-action='download-adr']")).to_have_count(0)
        expect(page.locator(".decide-summary")).to_contain_text("No answer yet")
        assert in_view(page, ".decide-summary")
        # Two answers are still too few for a verdict.
        answer(page, {"team": "typescript", "frontend": "spa"})
        expect(page.locator(".decide-summary")).to_contain_text("1 more answer for a verdict")
        expect(result).to_have_attribute("data-outcome", "none")
        expect(page.locator("[data-field='confidence']")).to_have_count(0)
        watched.assert_clean()


# The layout shift of the page so far (the sum Lighthouse's CLS adds up for one load).
LAYOUT_SHIFT = """() => new Promise(resolve => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(total), 300);
})"""


@pytest.mark.parametrize("size", SIZES)
def test_nothing_moves_when_the_tool_starts(browser: Browser, site_url: str, size: str) -> None:
    # The page carries the tool's first state, and a shared link's layout is set before
    # the first paint: the script fills in what is there instead of pushing the page down.
    shared = urlencode(BY_ID["typescript-team-pytorch-model"]["answers"])
    with watching(browser, site_url, size) as watched:
        page = watched.page
        for query, most in (("", 0.01), (f"?{shared}", 0.1)):
            page.goto(f"{site_url}decide/{query}")
            expect(page.locator("#decide-tool[data-ready]")).to_have_count(1)
            shift = page.evaluate(LAYOUT_SHIFT)
            assert shift < most, f"decide/{query} shifted by {shift:.3f}"
        watched.assert_clean()


TARGET_SIZE = """async () => (await axe.run("#decide-tool", {runOnly: ["target-size"]}))
    .violations.flatMap(violation => violation.nodes.map(node => node.target.join(" ")))"""


def test_every_answer_keeps_a_clear_24_pixel_target(watched: Watched, site_url: str) -> None:
    # WCAG 2.2 target size (2.5.8), as axe-core checks it, at widths where the options
    # wrap differently: a radio button is smaller than 24 px, so its neighbours keep away.
    page = watched.page
    page.goto(site_url + "decide/")
    page.add_script_tag(content=(ROOT / "node_modules/axe-core/axe.min.js").read_text())
    for width in (390, 690, 930, 1350):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(TARGET_SIZE) == [], f"at {width} px"
    watched.assert_clean()


def test_change_answers_unfolds_the_questions_of_a_shared_link(
    watched: Watched, site_url: str
) -> None:
    page = watched.page
    scenario = BY_ID["nextjs-storefront"]
    page.goto(f"{site_url}decide/?{urlencode(scenario['answers'])}")
    expect(page.locator("#decide-answers")).not_to_have_attribute("open", "")
    # The link unfolds the questions once the tool has started (its script handles it).
    expect(page.locator("#decide-tool[data-ready]")).to_have_count(1)
    page.locator(".decide-result .decide-change").click()
    expect(page.locator("#decide-answers")).to_have_attribute("open", "")
    page.locator("fieldset[data-question='libs'] input[value='python']").check()
    expect(page.locator(".decide-result")).to_have_attribute("data-outcome", "split")
    assert "libs=python" in page.url
    watched.assert_clean()


def test_the_adr_downloads_and_copies_with_both_sides(watched: Watched, site_url: str) -> None:
    page = watched.page
    scenario = BY_ID["typescript-team-pytorch-model"]
    page.goto(site_url + "decide/")
    answer(page, scenario["answers"])
    with page.expect_download() as info:
        page.locator("[data-action='download-adr']").click()
    download = info.value
    assert download.suggested_filename == "adr-backend-runtime.md"
    adr = Path(download.path()).read_text(encoding="utf-8")
    assert "# Split the backend: Node.js for the product, Python for" in adr
    assert "### What pulls towards Python\n\n* Libraries in one ecosystem only: Python +6" in adr
    assert "### What pulls towards Node.js\n\n* Team skills: Node.js +6" in adr
    assert "{{" not in adr
    assert page.url in adr
    page.bring_to_front()  # the clipboard needs a focused page
    page.locator("[data-action='copy-adr']").click()
    expect(page.locator(".decide-status")).to_have_text("ADR copied as Markdown.")
    assert page.evaluate("navigator.clipboard.readText()") == adr
    watched.assert_clean()


def test_every_criterion_and_risk_link_leads_to_a_page_that_exists(
    watched: Watched, site_url: str
) -> None:
    page = watched.page
    answers = urlencode(BY_ID["typescript-team-pytorch-model"]["answers"])
    page.goto(f"{site_url}decide/?{answers}")
    links = page.locator(".decide-chart a, [data-field='risk'] a")
    expect(links.first).to_be_visible()
    hrefs = links.evaluate_all("links => links.map(link => link.href)")
    assert len(hrefs) >= len(DATA["criteria"])
    for href in hrefs:
        response = page.request.get(href)
        assert response.status == 200, href
    watched.assert_clean()


def test_the_javascript_notice_shows_only_without_javascript(
    browser: Browser, site_url: str, watched: Watched
) -> None:
    # Playwright's text search skips <noscript>, so find the notice by its class.
    notice = ".decide-nojs"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "decide/")
    # The page carries the tool's first state; without JavaScript it stays hidden.
    expect(page.locator("#decide-tool")).to_be_hidden()
    expect(page.locator("#decide-tool input").first).to_be_hidden()
    expect(page.locator(notice)).to_be_visible()
    expect(page.locator(notice)).to_contain_text("The decision tool needs JavaScript.")
    table = page.locator("table", has_text="Towards Python when")
    expect(table).to_be_visible()
    for criterion in DATA["criteria"]:
        expect(table.locator("td", has_text=criterion["label"]).first).to_be_visible()
    context.close()

    watched.page.goto(site_url + "decide/")
    expect(watched.page.locator("#decide-tool form")).to_be_visible()
    expect(watched.page.locator(notice)).to_have_count(0)
    watched.assert_clean()


def test_other_pages_load_no_tool_and_log_no_errors(watched: Watched, site_url: str) -> None:
    page = watched.page
    for path in ("", "start/answer/", "decide/scenarios/", "decide/adr-template/"):
        page.goto(site_url + path)
        assert page.locator(".decide-form").count() == 0
    watched.assert_clean()


@pytest.mark.parametrize("size", SIZES)
def test_the_home_page_opens_with_the_answer_and_the_way_in(
    browser: Browser, site_url: str, size: str
) -> None:
    with watching(browser, site_url, size) as watched:
        page = watched.page
        page.goto(site_url)
        lead = page.locator("article p").first
        expect(lead).to_contain_text("Build the backend in the language your team")
        expect(page.get_by_role("link", name="Decide for your project")).to_be_visible()
        assert in_view(page, "article a.md-button--primary"), "the way in is below the fold"
        rows = page.locator(".decide-glance tbody tr")
        expect(rows).to_have_count(len(DATA["criteria"]))
        for index, criterion in enumerate(DATA["criteria"]):
            expect(rows.nth(index)).to_contain_text(criterion["label"])
            expect(rows.nth(index).locator("a").first).to_be_visible()
        expect(page.locator("article .mermaid")).to_have_count(0)
        watched.assert_clean()


def one_scenario_per_kind_of_result() -> list[dict[str, Any]]:
    """The first scenario of each (outcome, runtime, confidence).

    Every scenario's link and stated result are checked on the built HTML
    (test_decision_table.py) and every answer combination is scored by the
    property tests; the browser adds that the tool draws each kind of result.
    """
    kinds: dict[tuple[str | None, ...], dict[str, Any]] = {}
    for scenario in SCENARIOS:
        e = scenario["expected"]
        kinds.setdefault((e["outcome"], e["runtime"], e["confidence"]), scenario)
    return list(kinds.values())


@pytest.fixture(scope="module")
def scenario_links(browser: Browser, site_url: str) -> dict[str, str]:
    """Each scenario's "Open these answers" link, as the Scenarios page shows it."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(site_url + "decide/scenarios/")
    links = {}
    for scenario in SCENARIOS:
        heading = page.locator(f"h2#{scenario['id']}")
        link = heading.locator("xpath=following-sibling::p[a][1]/a", has_text="Open these answers")
        links[scenario["id"]] = link.evaluate("link => link.href")
    context.close()
    return links


@pytest.mark.parametrize("scenario", one_scenario_per_kind_of_result(), ids=lambda s: s["id"])
def test_a_scenario_link_opens_the_tool_with_the_result_the_page_states(
    watched: Watched, scenario_links: dict[str, str], scenario: dict[str, Any]
) -> None:
    page = watched.page
    page.goto(scenario_links[scenario["id"]])
    expect(page.locator(".decide-result")).to_have_attribute(
        "data-outcome", scenario["expected"]["outcome"]
    )
    assert read_result(page) == expected(scenario)
    watched.assert_clean()
