"""The decision tool in a real browser: answer, read the result, share the URL, no JavaScript."""

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from scripts import doc_checks

pytestmark = pytest.mark.browser

ROOT = doc_checks.ROOT
SCENARIOS = json.loads((ROOT / "docs/assets/data/scenarios.json").read_text())["scenarios"]
DATA = json.loads((ROOT / "docs/assets/data/decision.json").read_text())


class Watched:
    """A page plus what it logged and requested, for the no-errors, no-third-party checks."""

    def __init__(self, page: Page, site_url: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((site_url, "data:", "blob:"))
                else self.foreign.append(r.url)
            ),
        )

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.foreign == []


@pytest.fixture
def watched(browser: Browser, site_url: str) -> Iterator[Watched]:
    context = browser.new_context(accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url[:-1])
    yield Watched(context.new_page(), site_url)
    context.close()


def answer(page: Page, answers: dict[str, str]) -> None:
    for question, option in answers.items():
        page.locator(f"fieldset[data-question='{question}'] input[value='{option}']").check()


def read_result(page: Page) -> dict[str, object]:
    result = page.locator(".decide-result")
    return {
        "recommendation": result.get_attribute("data-recommendation"),
        "confidence": result.get_attribute("data-confidence"),
        "factors": result.locator("[data-criterion]").evaluate_all(
            "items => items.map(item => item.dataset.criterion)"
        ),
    }


def expected(scenario: dict) -> dict[str, object]:
    e = scenario["expected"]
    return {k: e[k] for k in ("recommendation", "confidence", "factors")}


SHOWN = [SCENARIOS[0], SCENARIOS[1], next(s for s in SCENARIOS if s["id"] == "crud-api-mixed-team")]


@pytest.mark.parametrize("scenario", SHOWN, ids=lambda s: s["id"])
def test_answers_give_the_scenario_result_and_the_shared_url_reproduces_it(
    watched: Watched, site_url: str, scenario: dict
) -> None:
    page = watched.page
    page.goto(site_url + "decide/", wait_until="networkidle")
    expect(page.locator("#decide-tool form")).to_be_visible()
    answer(page, scenario["answers"])
    # The result is rendered on every change, so it is final once the last answer is in.
    expect(page.locator(".decide-answered")).to_have_text(
        f"{len(DATA['questions'])} of {len(DATA['questions'])} questions answered."
    )
    assert read_result(page) == expected(scenario)
    label = DATA["outcomes"][scenario["expected"]["recommendation"]]["label"]
    expect(page.locator("[data-field='recommendation']")).to_have_text(label)

    shared = page.url
    query = {k: v[0] for k, v in parse_qs(urlsplit(shared).query).items()}
    assert query == scenario["answers"]

    page.locator("[data-action='copy-link']").click()
    expect(page.locator(".decide-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == shared

    page.goto(shared, wait_until="networkidle")  # a fresh load, as a colleague would open it
    assert read_result(page) == expected(scenario)
    for question, option in scenario["answers"].items():
        checked = page.locator(f"fieldset[data-question='{question}'] input:checked")
        expect(checked).to_have_value(option)
    watched.assert_clean()


def test_the_adr_downloads_and_copies_filled_in(watched: Watched, site_url: str) -> None:
    page = watched.page
    scenario = SCENARIOS[0]
    page.goto(site_url + "decide/", wait_until="networkidle")
    answer(page, scenario["answers"])
    with page.expect_download() as info:
        page.locator("[data-action='download-adr']").click()
    download = info.value
    assert download.suggested_filename == "adr-backend-runtime.md"
    adr = Path(download.path()).read_text(encoding="utf-8")
    assert "# Use Python for the backend" in adr
    assert "{{" not in adr
    assert page.url in adr
    page.locator("[data-action='copy-adr']").click()
    expect(page.locator(".decide-status")).to_have_text("ADR copied as Markdown.")
    assert page.evaluate("navigator.clipboard.readText()") == adr
    watched.assert_clean()


def test_factor_links_lead_to_pages_that_exist(watched: Watched, site_url: str) -> None:
    page = watched.page
    page.goto(site_url + "decide/?" + "team=python&libs=python&work=ml", wait_until="networkidle")
    links = page.locator(".decide-factors a")
    expect(links.first).to_be_visible()
    for href in links.evaluate_all("links => links.map(link => link.href)"):
        response = page.request.get(href)
        assert response.status == 200, href
    watched.assert_clean()


def test_without_javascript_the_static_table_is_there_and_the_form_is_hidden(
    browser: Browser, site_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "decide/")
    expect(page.locator("#decide-tool")).to_be_hidden()
    assert page.locator("#decide-tool input").count() == 0
    table = page.locator("table", has_text="Favours Python when")
    expect(table).to_be_visible()
    for criterion in DATA["criteria"]:
        expect(table.locator("td", has_text=criterion["label"]).first).to_be_visible()
    context.close()


def test_other_pages_load_no_tool_and_log_no_errors(watched: Watched, site_url: str) -> None:
    page = watched.page
    for path in ("", "start/answer/", "decide/scenarios/", "decide/adr-template/"):
        page.goto(site_url + path, wait_until="networkidle")
        assert page.locator(".decide-form").count() == 0
    watched.assert_clean()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s["id"])
def test_each_scenario_link_opens_the_tool_with_the_result_the_page_states(
    watched: Watched, site_url: str, scenario: dict
) -> None:
    page = watched.page
    page.goto(site_url + "decide/scenarios/")
    heading = page.locator(f"h2#{scenario['id']}")
    link = heading.locator("xpath=following-sibling::p[a][1]/a", has_text="Open these answers")
    link.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".decide-result")).to_have_attribute(
        "data-recommendation", scenario["expected"]["recommendation"]
    )
    assert read_result(page) == expected(scenario)
    watched.assert_clean()
