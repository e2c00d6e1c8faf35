"""Every page of the built site, in both colour schemes, checked by axe-core in Chromium.

A serious or critical violation fails the page's test, which lists them by rule. Each
page loads once, in the light scheme, for every rule axe runs by default; it then turns
dark with its own scheme toggle for the rules that depend on colour.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from scripts.doc_checks import ROOT, site_addresses

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules/axe-core/axe.min.js"
FAILING = ("serious", "critical")
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


PAGES = site_addresses()  # and the 404 page


def axe_violations(page: Page, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands: rule, impact, nodes' selectors.

    Without `rules`, every rule axe runs by default (WCAG 2.0-2.2 A and AA, and best
    practices) and WCAG 2.2's target size, which axe leaves off by default and
    Lighthouse checks; axe must be on the page already.
    """
    result: list[dict[str, Any]] = page.evaluate(
        """async (rules) => {
            const options = { resultTypes: ["violations"] };
            if (rules) options.runOnly = { type: "rule", values: rules };
            else options.rules = { "target-size": { enabled: true } };
            const { violations } = await axe.run(document, options);
            return violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                targets: v.nodes.map((node) => node.target.join(" ")),
            }));
        }""",
        rules,
    )
    return result


def turn_dark(page: Page) -> None:
    """Switch to the dark scheme with the page's own toggle, as a reader would.

    Material turns transitions off while it switches; should a colour still be fading
    afterwards, wait for it, or axe measures it halfway.
    """
    page.locator("label[title='Switch to dark mode']").first.click()
    page.wait_for_function(
        """async () => {
            const body = document.body;
            if (body.dataset.mdColorScheme !== "slate") return false;
            if (body.hasAttribute("data-md-color-switching")) return false;
            const fading = () =>
                document.getAnimations().filter((a) => a instanceof CSSTransition);
            for (let round = 0; round < 10 && fading().length; round += 1) {
                await Promise.allSettled(fading().map((fade) => fade.finished));
            }
            return true;
        }"""
    )


def audit(page: Page, url: str) -> dict[str, list[dict[str, Any]]]:
    """The page's violations in each scheme: all rules in light, colour rules in dark."""
    page.goto(url)  # the load event: the document is parsed and its scripts have run
    page.wait_for_load_state("networkidle")  # Decide's tool has fetched its data
    page.add_script_tag(path=AXE)
    # Code blocks off screen are drawn only when scrolled to (content-visibility: auto in
    # guide.css), and axe reads colours from what is drawn: draw them all, as a reader
    # scrolling through the page sees them.
    page.add_style_tag(content=".md-typeset .highlight { content-visibility: visible; }")
    found = {"light": axe_violations(page)}
    turn_dark(page)
    found["dark"] = axe_violations(page, COLOUR_RULES)
    return found


def failing(found: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The serious and critical violations, one line per scheme and rule."""
    return [
        f"{scheme}: {v['id']} ({v['impact']}) on {len(v['targets'])} nodes, e.g. "
        + ", ".join(v["targets"][:3])
        for scheme, violations in found.items()
        for v in violations
        if v["impact"] in FAILING
    ]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context per page: the scheme toggle is remembered in the context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme="light")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path or "home")
def test_no_serious_or_critical_axe_violations(page: Page, site_url: str, path: str) -> None:
    assert failing(audit(page, site_url + path)) == []
