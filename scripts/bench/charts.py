"""SVG charts for the Performance pages, inlined into the page so they follow its colours.

Each chart is drawn for a phone first (a 400-unit wide view box, 15-unit text, labels
above the bars rather than beside them): on a 390 px phone the chart is about 358 px
wide, so its text is about 13 px, and it grows on a wider screen up to the stylesheet's
maximum width; tests/bench/test_charts.py and tests/docs/test_layout.py check the size.
Colours come from CSS classes (docs/assets/stylesheets/guide.css) that follow the light
and dark schemes; every series is also named in text, so nothing relies on colour
alone. Axis tick labels carry the class "axis": they are a scale, not figures, and
scripts/bench/figures.py leaves them out of its check that every number is data.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

WIDTH = 400
FONT = 15
RUNTIME_NAMES = {"python": "Python", "node": "Node.js", "nginx": "nginx"}
# Line styles per series within a runtime, so curves differ without colour too.
DASHES = ("", "6 3", "2 3", "10 3 2 3", "1 5")


def _open(kind: str, title: str, description: str, height: float) -> list[str]:
    slug = html.escape(kind)
    return [
        f'<svg class="bench-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{height:.0f}" role="img" aria-labelledby="{slug}-title {slug}-desc" '
        f'font-size="{FONT}">',
        f'<title id="{slug}-title">{html.escape(title)}</title>',
        f'<desc id="{slug}-desc">{html.escape(description)}</desc>',
    ]


def _runtime_tag(label: str, runtime: str) -> str:
    """The runtime's name after a server's label, unless the label already says it."""
    name = RUNTIME_NAMES[runtime]
    return "" if name.lower() in label.lower() else f'<tspan class="muted"> · {name}</tspan>'


def legend(runtimes: Sequence[str], y: float) -> list[str]:
    """Swatches with the runtime's name, left to right."""
    parts, x = [], 0.0
    for runtime in runtimes:
        name = RUNTIME_NAMES[runtime]
        parts += [
            f'<rect class="bar {runtime}" x="{x:.0f}" y="{y - 11:.0f}" width="14" height="14"/>',
            f'<text x="{x + 20:.0f}" y="{y:.0f}">{name}</text>',
        ]
        x += 30 + len(name) * 9
    return parts


def bars(
    key: str,
    title: str,
    rows: Sequence[tuple[str, str, Mapping[str, float], str]],
    limit: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars: (label, runtime, median/min/max spread, value text) per row.

    Each row's label sits above its bar, followed by the runtime's name; a line spans the
    slowest and fastest repetition. `limit` draws the workload's ceiling as a dashed line.
    """
    row_h, top = 46, 34
    runtimes = list(dict.fromkeys(runtime for _, runtime, _, _ in rows))
    height = top + row_h * len(rows) + 10
    largest = max([spread["max"] for _, _, spread, _ in rows] + [limit[0] if limit else 0])
    scale = (WIDTH - 90) / (largest or 1)
    description = "; ".join(f"{label}: {value}" for label, _, _, value in rows)
    parts = _open(key, title, description, height)
    parts += legend(runtimes, 18)
    for index, (label, runtime, spread, value) in enumerate(rows):
        y = top + index * row_h
        parts += [
            f'<text x="0" y="{y + 14}">{html.escape(label)}{_runtime_tag(label, runtime)}</text>',
            f'<rect class="bar {runtime}" x="0" y="{y + 20}" '
            f'width="{max(spread["median"] * scale, 1):.1f}" height="16"/>',
            f'<line class="range" x1="{spread["min"] * scale:.1f}" y1="{y + 28}" '
            f'x2="{spread["max"] * scale:.1f}" y2="{y + 28}"/>',
            f'<text x="{spread["max"] * scale + 6:.1f}" y="{y + 33}">{html.escape(value)}</text>',
        ]
    if limit:
        x = limit[0] * scale
        parts += [
            f'<line class="limit" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 10}"/>',
            f'<text class="muted" x="{x - 4:.1f}" y="{top - 2}" text-anchor="end">'
            f"{html.escape(limit[1])}</text>",
        ]
    return "\n".join([*parts, "</svg>"]) + "\n"


def _x_position(percentile: float) -> float:
    """HdrHistogram's axis: 1 / (1 - p), log scale; 99 % sits one decade right of 90 %."""
    return math.log10(1 / (1 - percentile / 100))


def curves(
    key: str,
    title: str,
    series: Sequence[tuple[str, str, Sequence[Sequence[float]]]],
) -> str:
    """Latency by percentile: (label, runtime, [[percentile, ms], ...]) per server.

    The x axis spreads the tail (50 %, 90 %, 99 %, 99.9 % equally apart) and ends at the
    maximum; the y axis is logarithmic, since the tail is often ten times the median.
    """
    left, right, top = 44, 14, 28
    plot_h = 220
    finite = [p for _, _, points in series for p, _ in points if p < 100]
    last = max((_x_position(p) for p in finite), default=1.0)
    x_max = last + 1.0  # room for the maximum, drawn as the last point of each line
    values = [ms for _, _, points in series for _, ms in points if ms > 0]
    low = math.floor(math.log10(min(values, default=0.1)))
    high = math.ceil(math.log10(max(values, default=10.0)))
    high = max(high, low + 1)

    def x(percentile: float) -> float:
        position = x_max if percentile >= 100 else _x_position(percentile)
        return left + position / x_max * (WIDTH - left - right)

    def y(value: float) -> float:
        share = (math.log10(max(value, 10.0**low)) - low) / (high - low)
        return top + plot_h - share * plot_h

    legend_top = top + plot_h + 40
    height = legend_top + 22 * len(series) + 4
    description = "; ".join(
        f"{label}: max {points[-1][1]} ms" for label, _, points in series if points
    )
    parts = _open(key, title, description, height)
    for power in range(low, high + 1):
        tick = f"{10.0**power:g}"
        parts += [
            f'<line class="grid" x1="{left}" y1="{y(10.0**power):.1f}" x2="{WIDTH - right}" '
            f'y2="{y(10.0**power):.1f}"/>',
            f'<text class="axis" x="{left - 4}" y="{y(10.0**power) + 5:.1f}" '
            f'text-anchor="end">{tick}</text>',
        ]
    ticks = [p for p in (50, 90, 99, 99.9, 99.99) if p <= max(finite, default=0)] + [100]
    for percentile in ticks:
        label = "max" if percentile >= 100 else f"{percentile:g}%"
        anchor = "end" if percentile >= 100 else "middle"
        parts.append(
            f'<text class="axis" x="{x(percentile) + (right if anchor == "end" else 0):.1f}" '
            f'y="{top + plot_h + 18}" text-anchor="{anchor}">{label}</text>'
        )
    parts.append(f'<text class="axis muted" x="0" y="{top - 12}">ms</text>')
    per_runtime: dict[str, int] = {}
    for index, (label, runtime, points) in enumerate(series):
        style = DASHES[per_runtime.get(runtime, 0) % len(DASHES)]
        per_runtime[runtime] = per_runtime.get(runtime, 0) + 1
        dash = f' stroke-dasharray="{style}"' if style else ""
        path = " ".join(f"{x(p):.1f},{y(ms):.1f}" for p, ms in points)
        parts.append(f'<polyline class="curve {runtime}" points="{path}"{dash}/>')
        ly = legend_top + index * 22
        parts += [
            f'<line class="curve {runtime}" x1="0" y1="{ly - 5}" x2="34" y2="{ly - 5}"{dash}/>',
            f'<text x="42" y="{ly}">{html.escape(label)}{_runtime_tag(label, runtime)}</text>',
        ]
    return "\n".join([*parts, "</svg>"]) + "\n"


def figure(svg: str, caption: str) -> str:
    """The chart as a raw HTML block for a Markdown page, blank lines around it."""
    return f'\n<figure class="bench-figure">\n{svg}<figcaption>{caption}</figcaption>\n</figure>\n'
