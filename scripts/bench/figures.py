"""Check that every number shown on the Performance pages comes from the results file.

`numbers_in(text)` finds the numbers a reader sees; `unexplained(numbers, results)` returns
those that match no value of the results file, nor a value the renderer derives from it
(a share of a workload's ceiling, a rank, a threshold, a count of runs, a ratio stated in a
generated sentence, a check of two runs against each other). Version strings
and dates count as data too, since the file records them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from scripts.bench import compare, sizing, verdicts

# A number standing on its own: not part of a word ("p99", "h11"), a path or a version tail.
_NUMBER = re.compile(r"(?<![\w.\-/:#\[])(\d[\d,]*(?:\.\d+)*)(?![\w\]])")
# In a string of the data: "2,000" (a note's figure) as well as "3.11.7" (a version).
_IN_STRING = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)*")
_HIDDEN = re.compile(r"<(pre|code|script|style|svg)\b.*?</\1>", re.DOTALL)


_CHART = re.compile(r"<svg\b[^>]*\bclass=\"bench-chart\".*?</svg>", re.DOTALL)
_AXIS = re.compile(r"<text\b[^>]*\bclass=\"axis[^\"]*\"[^>]*>.*?</text>", re.DOTALL)


def charts_text(content: str) -> str:
    """The labels of every chart in `content` (axis ticks are a scale, not figures)."""
    return " ".join(svg_text(chart) for chart in _CHART.findall(content))


def visible_text(page_html: str) -> str:
    """The article's text as a reader sees it, charts' labels included; no code or icons."""
    start, end = page_html.find("<article"), page_html.rfind("</article>")
    article = page_html[start:end] if start >= 0 and end > start else page_html
    text = html.unescape(re.sub(r"<[^>]+>", " ", _HIDDEN.sub(" ", article)))
    return f"{text} {charts_text(article)}"


def svg_text(svg: str) -> str:
    labels = re.findall(r"<text\b[^>]*>(.*?)</text>", _AXIS.sub(" ", svg), re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(labels)))


def markdown_text(markdown: str) -> str:
    """A Markdown fragment without its code spans, link targets and charts."""
    return re.sub(r"`[^`]*`|\]\([^)]*\)", " ", _CHART.sub(" ", markdown))


def fragment_text(name: str, content: str) -> str:
    """What a reader sees of one generated file: its text and its charts' labels."""
    if name.endswith(".svg"):
        return svg_text(content)
    return f"{markdown_text(content)} {charts_text(content)}"


def numbers_in(text: str) -> list[str]:
    return _NUMBER.findall(text)


OPAQUE = ("latency_histogram",)  # encoded data, whose digits are no figure a reader sees


def _walk(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in OPAQUE:
                yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def known_values(results: dict[str, Any]) -> tuple[set[str], list[float]]:
    """Strings (versions, dates) and numbers that a page may show, from `results`."""
    strings: set[str] = set()
    numbers: list[float] = []
    for value in _walk(results):
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            numbers.append(float(value))
        elif isinstance(value, str):
            for found in _IN_STRING.findall(value):
                found = found.replace(",", "")
                parts = found.split(".")
                for end in range(1, len(parts) + 1):
                    strings.add(".".join(parts[:end]))
                numbers.append(float(parts[0]) if len(parts) > 2 else float(found))
    numbers += derived_values(results)
    return strings, numbers


def _slowed_shares(value: object) -> Iterator[float]:
    """Every core probe reading's slowed share, wherever a noise block sits in the data."""
    if isinstance(value, dict):
        if "slowed_share" in value:
            yield value["slowed_share"]
        for item in value.values():
            yield from _slowed_shares(item)
    elif isinstance(value, list):
        for item in value:
            yield from _slowed_shares(item)


def derived_values(results: dict[str, Any]) -> list[float]:
    """What the renderer computes from the data rather than copies from it."""
    method = results["method"]
    derived = [method["load_cpu_flag"] * 100, verdicts.noise(results) * 100]
    derived.append(results["duration_s"] / 60)
    derived += [share * 100 for share in _slowed_shares(results)]
    workloads = {cell["workload"] for cell in results["results"]}
    for workload in workloads:
        limit = verdicts.ceiling(results, workload)
        if limit:
            derived += [limit.requests_per_s, limit.load_limited_runs, limit.runs]
        cells = [cell for cell in results["results"] if cell["workload"] == workload]
        derived += list(range(1, len(cells) + 1))  # ranks
        for cell in cells:
            found = verdicts.share(cell["summary"]["requests_per_s"]["median"], limit)
            derived += [found] if found is not None else []
    for cell in results["results"]:
        derived.append(len(cell["runs"]))
    for claim in verdicts.takeaways(results):
        derived += claim.numbers
    derived += sizing.derived_values(results)
    previous = results.get("previous")
    if previous:
        found_verdict = compare.verdict(previous, results)
        derived += [check["compared"] for check in found_verdict["checks"]]
        derived += [len(check["failures"]) for check in found_verdict["checks"]]
        derived += [compare.ORDER_RATIO, compare.REPEATS_WITHIN * 100]
        derived += [compare.INSTRUCTIONS_WITHIN * 100]
        for check in found_verdict["checks"]:  # each failure's figures, computed by compare
            for failure in check["failures"]:
                derived += [float(n.replace(",", "")) for n in numbers_in(failure)]
        for kind in found_verdict["spreads"]:
            derived += [kind["figures"], kind["median_spread_percent"], kind["max_spread_percent"]]
    return derived


def matches(token: str, strings: set[str], numbers: list[float]) -> bool:
    if token in strings or token.replace(",", "") in strings:
        return True
    plain = token.replace(",", "")
    if plain.count(".") > 1:
        return False
    decimals = len(plain.partition(".")[2])
    shown = float(plain)
    return any(abs(round(value, decimals) - shown) < 10**-decimals / 2 for value in numbers)


def unexplained(tokens: list[str], results: dict[str, Any]) -> list[str]:
    """The tokens that match nothing in `results` (empty when every figure is data)."""
    strings, numbers = known_values(results)
    return [token for token in tokens if not matches(token, strings, numbers)]
