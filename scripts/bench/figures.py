"""Check that every number shown on the Performance pages comes from the results file.

`numbers_in(text)` finds the numbers a reader sees; `unexplained(numbers, results)` returns
those that match no value of the results file, nor a value the renderer derives from it
(a share of the nginx ceiling, a percentage threshold, a count of runs). Version strings
and dates count as data too, since the file records them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

# A number standing on its own: not part of a word ("p99", "h11"), a path or a version tail.
_NUMBER = re.compile(r"(?<![\w.\-/:#\[])(\d[\d,]*(?:\.\d+)*)(?![\w\]])")
_IN_STRING = re.compile(r"\d+(?:\.\d+)*")
_HIDDEN = re.compile(r"<(pre|code|script|style|svg)\b.*?</\1>", re.DOTALL)


def visible_text(page_html: str) -> str:
    """The article's text as a reader sees it, without code listings and icons."""
    start, end = page_html.find("<article"), page_html.rfind("</article>")
    article = page_html[start:end] if start >= 0 and end > start else page_html
    return html.unescape(re.sub(r"<[^>]+>", " ", _HIDDEN.sub(" ", article)))


def svg_text(svg: str) -> str:
    return html.unescape(" ".join(re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.DOTALL)))


def markdown_text(markdown: str) -> str:
    """A Markdown fragment without its code spans and link targets."""
    return re.sub(r"`[^`]*`|\]\([^)]*\)", " ", markdown)


def fragment_text(name: str, content: str) -> str:
    """What a reader sees of one generated file: a chart's labels or a fragment's text."""
    return svg_text(content) if name.endswith(".svg") else markdown_text(content)


def numbers_in(text: str) -> list[str]:
    return _NUMBER.findall(text)


def _walk(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for item in value.values():
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
    derived = [method["load_cpu_flag"] * 100, method["agreement"] * 100]
    derived.append(results["duration_s"] / 60)
    derived += [share * 100 for share in _slowed_shares(results)]
    ceiling = next(
        (
            cell["summary"]["requests_per_s"]["median"]
            for cell in results["results"]
            if (cell["workload"], cell["server"]) == ("json", "nginx")
        ),
        None,
    )
    for cell in results["results"]:
        derived.append(len(cell["runs"]))
        if ceiling:
            derived.append(cell["summary"]["requests_per_s"]["median"] / ceiling * 100)
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
