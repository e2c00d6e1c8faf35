"""Every number a reader sees on the Performance pages is data: results.json or previous.json.

The site is built from the committed results file (rendered first, as the nox sessions
do); the test reads each built page's article text, leaving out code listings, plus the
text of every generated chart, and matches each number against the data.
"""

from pathlib import Path
from typing import Any

import pytest

from scripts.bench import figures, render, verdicts

PAGES = ["performance/index.html", "performance/method/index.html"]
PAGES += ["performance/results/index.html", "compare/cost-and-sizing/index.html"]


@pytest.mark.parametrize("page", PAGES)
def test_every_number_on_the_page_is_data(
    built_site: Path, page: str, page_data: dict[str, Any]
) -> None:
    text = figures.visible_text((built_site / page).read_text(encoding="utf-8"))
    shown = figures.numbers_in(text)
    assert shown, "no numbers found: the page did not render its tables"
    assert figures.unexplained(shown, page_data) == []


def test_the_bench_servers_page_types_no_number(
    built_site: Path, page_data: dict[str, Any]
) -> None:
    # Its code listings are tested files; its prose must not state a figure either.
    page = built_site / "performance" / "bench" / "index.html"
    shown = figures.numbers_in(figures.visible_text(page.read_text(encoding="utf-8")))
    assert figures.unexplained(shown, page_data) == []


def test_the_charts_are_inline_labelled_and_their_numbers_are_data(
    built_site: Path, committed: dict[str, Any]
) -> None:
    page = (built_site / PAGES[2]).read_text(encoding="utf-8")
    charts = figures.charts_text(page)
    measured = {cell["workload"] for cell in committed["results"]}
    assert page.count('<svg class="bench-chart"') == 2 * len(measured)
    assert page.count('role="img" aria-labelledby=') >= 2 * len(measured)
    assert "Node.js" in charts
    assert "Python" in charts
    assert figures.numbers_in(charts)
    assert figures.unexplained(figures.numbers_in(charts), committed) == []


def test_results_page_shows_each_workloads_own_ceiling(
    built_site: Path, committed: dict[str, Any]
) -> None:
    text = figures.visible_text((built_site / PAGES[2]).read_text(encoding="utf-8"))
    for workload in ("json", "io"):
        limit = verdicts.ceiling(committed, workload)
        assert limit
        assert f"Ceiling: {render.count(limit.requests_per_s)} req/s, {limit.source}" in text
    assert "100.0 %" in text  # nginx against itself


def test_quick_data_is_labelled_prominently(built_site: Path, committed: dict[str, Any]) -> None:
    for page in PAGES:
        text = figures.visible_text((built_site / page).read_text(encoding="utf-8"))
        assert ("Quick run: smoke-test figures" in text) == committed["quick"], page
