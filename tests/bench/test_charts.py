"""The benchmark charts read on a phone and take their colours from the page."""

import re

import pytest

from scripts.bench import charts

PHONE_CHART_PX = 390 - 2 * 16  # a 390 px phone, less Material's side margins
MIN_TEXT_PX = 11

BARS = charts.bars(
    "demo-throughput",
    "Requests per second",
    [
        ("node:http", "node", {"median": 15000, "min": 14000, "max": 16000}, "15,000"),
        ("FastAPI, uvicorn", "python", {"median": 4000, "min": 3500, "max": 4500}, "4,000"),
    ],
    limit=(60000, "nginx ceiling"),
)
CURVES = charts.curves(
    "demo-latency",
    "Latency by percentile",
    [
        ("node:http", "node", [[50, 1.2], [90, 2.0], [99, 5.0], [100, 9.0]]),
        ("FastAPI, uvicorn", "python", [[50, 4.0], [90, 7.0], [99, 20.0], [100, 41.0]]),
    ],
)


@pytest.mark.parametrize("svg", [BARS, CURVES], ids=["bars", "curves"])
def test_text_is_legible_on_a_phone(svg: str) -> None:
    view_box = re.search(r'viewBox="0 0 ([\d.]+) ', svg)
    assert view_box
    width = float(view_box.group(1))
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes, "the chart sets no font size"
    assert min(sizes) * PHONE_CHART_PX / width >= MIN_TEXT_PX


@pytest.mark.parametrize("svg", [BARS, CURVES], ids=["bars", "curves"])
def test_colours_come_from_the_stylesheet(svg: str) -> None:
    """No fill, stroke or background in the SVG itself: guide.css colours it per scheme."""
    assert not re.search(r'\b(fill|stroke|style|background)="', svg)
