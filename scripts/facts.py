"""Facts as data: one YAML file, quoted on pages and rendered as the Reference table.

Versions, release and end-of-life dates, survey figures and tool recommendations live
only in `data/facts.yml`, each with the `source` that proves it and the date it was last
`verified` there. Pages never retype them; they write a token that this Python-Markdown
extension (registered as `scripts.facts` under `markdown_extensions`) replaces:

- `[[fact:ID]]` anywhere in a line becomes the fact's value, linked to its source;
- `[[facts-table]]` alone on a line becomes the table of every fact, and
  `[[facts-table:node,python]]` the table of the listed categories only.

An unknown ID or category raises `FactError`, which fails the build (strict or not),
so a page can never quote a fact that the data file does not hold. Tokens inside code
(fenced blocks and backtick spans) are left alone, so pages can show the syntax.

Other code reads the same data through `load()` and `value()`.

Every fact says how it is kept true. `checks` lists machine checks that
`scripts/freshness.py` runs against the fact's primary source:

- `{registry: pypi|npm, package: NAME}`: the value is a bare version, the newest final
  release on the registry (`line: "24"` keeps to one major line). With
  `version: "5.7.0"` the check covers one version quoted inside a longer value, and with
  `major: "2"` a major version ("Pydantic 2") that must still be the newest one.
- `{schedule: node|python, line: "22", field: end}`: the release schedule's date for
  that field (Node.js: start, lts, maintenance, end; Python: first_release,
  end_of_life) appears in the value, as YYYY-MM-DD or, with `precision: month`, YYYY-MM.
- `{schedule: node|python, line: "24", status: maintenance}`: the line is in that phase
  today (Node.js: current, active, maintenance, end-of-life; Python: feature,
  prerelease, bugfix, security, end-of-life).

A fact with no machine-readable source carries `stable` instead: `"historical: ..."`
for what cannot change (a past release, a closed survey), `"reviewed: ..."` for what a
person re-checks within the verification age (`max_age` days overrides the default).
`check` (one mapping) is accepted as shorthand for a one-item `checks` list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
FACTS_FILE = ROOT / "data" / "facts.yml"

CATEGORIES = {
    "node": "Node.js releases",
    "python": "Python releases",
    "framework": "Frameworks and libraries",
    "tool": "Tool recommendations",
    "image": "Container images",
    "survey": "Survey figures",
}
REQUIRED = ("id", "category", "label", "value", "source", "verified")
OPTIONAL = ("note", "source_title", "expires", "check", "checks", "stable", "max_age")

REGISTRIES = ("pypi", "npm")
SCHEDULE_FIELDS = {
    "node": ("start", "lts", "maintenance", "end"),
    "python": ("first_release", "end_of_life"),
}
SCHEDULE_STATUSES = {
    "node": ("current", "active", "maintenance", "end-of-life"),
    "python": ("feature", "prerelease", "bugfix", "security", "end-of-life"),
}
STABLE_KINDS = ("historical:", "reviewed:")

_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
# A backtick code span (left untouched) or a fact token (replaced).
_INLINE = re.compile(
    r"(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|\[\[fact:(?P<id>[^\]\s]*)\]\]"
    r"|(?P<table>\[\[facts-table[^\]]*\]\])"
)
_TABLE = re.compile(r"^\s*\[\[facts-table(?::(?P<filter>[^\]]*))?\]\]\s*$")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")


class FactError(ValueError):
    """The data file is malformed, or a page quotes a fact or category it does not hold."""


@dataclass(frozen=True)
class Fact:
    """One sourced, dated statement from `data/facts.yml`."""

    id: str
    category: str
    label: str
    value: str
    source: str
    verified: dt.date
    note: str = ""
    source_title: str = ""
    expires: dt.date | None = None
    checks: tuple[dict[str, str], ...] = ()
    stable: str = ""
    max_age: int | None = None

    @property
    def source_name(self) -> str:
        """The link text for the source: its title, or the host and first path segment."""
        if self.source_title:
            return self.source_title
        url = urlparse(self.source)
        first = url.path.strip("/").split("/")[0]
        return f"{url.netloc}/{first}" if first else url.netloc


def _as_date(entry: dict[str, Any], key: str) -> dt.date | None:
    raw = entry.get(key)
    if raw is None:
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as error:
        raise FactError(
            f"fact {entry.get('id')!r}: {key} {raw!r} is not a YYYY-MM-DD date"
        ) from error


def _quotes(value: str, version: str) -> bool:
    """Whether `value` states `version` as a whole number, not as part of a longer one."""
    return re.search(rf"(?<![\d.]){re.escape(version)}(?!\.?\d)", value) is not None


def _registry_check(check: dict[str, str], value: str, where: str) -> dict[str, str]:
    allowed = {"registry", "package", "version", "major", "line"}
    if set(check) - allowed or not check.get("package") or {"version", "major"} <= set(check):
        raise FactError(
            f"{where}: check needs registry (pypi|npm), package, and version, major or line"
        )
    if "major" in check:
        if not check["major"].isdigit() or not _quotes(value, check["major"]):
            raise FactError(f"{where}: check major {check['major']!r} must appear in the value")
        return check
    if "version" not in check:
        if not _VERSION.match(value):
            raise FactError(
                f"{where}: a registry check without `version` needs a bare version value"
            )
        return {**check, "version": value}
    if not _VERSION.match(check["version"]) or not _quotes(value, check["version"]):
        raise FactError(f"{where}: check version {check['version']!r} must appear in the value")
    return check


def registry_page(check: dict[str, str]) -> str:
    """The registry's page for a checked package: the source that states its versions."""
    if check["registry"] == "pypi":
        return f"https://pypi.org/project/{check['package']}/"
    return f"https://www.npmjs.com/package/{check['package']}"


def _schedule_check(check: dict[str, str], where: str) -> dict[str, str]:
    schedule = check["schedule"]
    if schedule not in SCHEDULE_FIELDS:
        raise FactError(f"{where}: schedule must be one of {sorted(SCHEDULE_FIELDS)}")
    allowed = {"schedule", "line", "field", "status", "precision"}
    if set(check) - allowed or not check.get("line") or ("field" in check) == ("status" in check):
        raise FactError(f"{where}: a schedule check needs line and either field or status")
    if "field" in check and check["field"] not in SCHEDULE_FIELDS[schedule]:
        raise FactError(f"{where}: {schedule} field must be one of {SCHEDULE_FIELDS[schedule]}")
    if "status" in check and check["status"] not in SCHEDULE_STATUSES[schedule]:
        raise FactError(f"{where}: {schedule} status must be one of {SCHEDULE_STATUSES[schedule]}")
    if check.get("precision", "day") not in ("day", "month"):
        raise FactError(f"{where}: precision is day or month")
    return check


def _parse_checks(entry: dict[str, Any], where: str) -> tuple[dict[str, str], ...]:
    if "check" in entry and "checks" in entry:
        raise FactError(f"{where}: use either check or checks, not both")
    raw = entry.get("checks")
    if raw is None:
        raw = [entry["check"]] if entry.get("check") else []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise FactError(f"{where}: checks is a list of mappings")
    parsed = []
    for item in raw:
        check = {str(key): str(value) for key, value in item.items()}
        if check.get("registry") in REGISTRIES:
            parsed.append(_registry_check(check, str(entry["value"]), where))
        elif "schedule" in check:
            parsed.append(_schedule_check(check, where))
        else:
            raise FactError(f"{where}: check needs registry (pypi|npm) or schedule (node|python)")
    return tuple(parsed)


def uncovered(facts: dict[str, Fact]) -> list[str]:
    """IDs of facts with neither a machine check nor a `stable` mark: silent gaps."""
    return [fact.id for fact in facts.values() if not fact.checks and not fact.stable]


def _parse(entry: Any, index: int) -> Fact:
    if not isinstance(entry, dict):
        raise FactError(f"entry {index} is not a mapping")
    missing = [key for key in REQUIRED if entry.get(key) in (None, "")]
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    where = f"fact {entry.get('id', f'#{index}')!r}"
    if missing or unknown:
        raise FactError(
            f"{where}: missing {missing or 'nothing'}, unknown keys {unknown or 'none'}"
        )
    if not _ID.match(str(entry["id"])):
        raise FactError(f"{where}: ids are lower-case letters, digits, dots and hyphens")
    if entry["category"] not in CATEGORIES:
        raise FactError(f"{where}: category must be one of {sorted(CATEGORIES)}")
    if not str(entry["source"]).startswith("https://"):
        raise FactError(f"{where}: source must be an https:// URL")
    checks = _parse_checks(entry, where)
    stable = str(entry.get("stable") or "")
    if stable and not stable.startswith(STABLE_KINDS):
        raise FactError(f"{where}: stable must start with one of {list(STABLE_KINDS)}")
    max_age = entry.get("max_age")
    if max_age is not None and (not isinstance(max_age, int) or max_age < 1):
        raise FactError(f"{where}: max_age is a whole number of days")
    verified = _as_date(entry, "verified")
    if verified is None:  # REQUIRED holds it, so `missing` named it above
        raise FactError(f"{where}: missing ['verified']")
    return Fact(
        id=str(entry["id"]),
        category=str(entry["category"]),
        label=str(entry["label"]),
        value=str(entry["value"]),
        source=str(entry["source"]),
        verified=verified,
        note=str(entry.get("note") or ""),
        source_title=str(entry.get("source_title") or ""),
        expires=_as_date(entry, "expires"),
        checks=checks,
        stable=stable,
        max_age=max_age,
    )


_cache: dict[Path, tuple[float, dict[str, Fact]]] = {}


def load(path: Path = FACTS_FILE) -> dict[str, Fact]:
    """Every fact in the data file, by ID, in file order; validated, cached until it changes."""
    path = Path(path)
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("facts") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise FactError(f"{path}: expected a top-level 'facts:' list")
    facts: dict[str, Fact] = {}
    for index, entry in enumerate(entries):
        fact = _parse(entry, index)
        if fact.id in facts:
            raise FactError(f"fact {fact.id!r} appears twice in {path}")
        facts[fact.id] = fact
    _cache[path] = (mtime, facts)
    return facts


def get(fact_id: str, facts: dict[str, Fact] | None = None) -> Fact:
    """One fact by ID; `FactError` names the closest IDs when it does not exist."""
    facts = load() if facts is None else facts
    try:
        return facts[fact_id]
    except KeyError:
        prefix = fact_id.split("-")[0]
        near = [known for known in facts if known.startswith(prefix)][:5]
        raise FactError(f"unknown fact {fact_id!r}; similar IDs: {near or 'none'}") from None


def value(fact_id: str, facts: dict[str, Fact] | None = None) -> str:
    """The value of one fact, as the data file states it."""
    return get(fact_id, facts).value


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def quote(fact: Fact) -> str:
    """Markdown for a fact quoted in running text: its value, linked to its source."""
    return f'[{_cell(fact.value)}]({fact.source} "Source, checked {fact.verified.isoformat()}")'


def table(facts: dict[str, Fact], categories: list[str] | None = None) -> list[str]:
    """The Reference table (Markdown lines) of all facts, or of the listed categories."""
    wanted = categories or list(CATEGORIES)
    unknown = [name for name in wanted if name not in CATEGORIES]
    if unknown:
        raise FactError(f"unknown fact categories {unknown}; known: {sorted(CATEGORIES)}")
    lines = ["| Fact | Value | Source | Checked |", "| --- | --- | --- | --- |"]
    for fact in facts.values():
        if fact.category not in wanted:
            continue
        label = fact.label + (f" ({fact.note})" if fact.note else "")
        links = [f"[{_cell(fact.source_name)}]({fact.source})"]
        for check in fact.checks:
            page = registry_page(check) if "registry" in check else ""
            if page and page.lower().rstrip("/") != fact.source.lower().rstrip("/"):
                links.append(f"[{_cell(check['package'])}]({page})")
        lines.append(
            f"| {_cell(label)} | {_cell(fact.value)} | {' · '.join(dict.fromkeys(links))}"
            f" | {fact.verified.isoformat()} |"
        )
    if len(lines) == 2:
        raise FactError(f"no facts in categories {wanted}")
    return lines


def _inline(line: str, facts: dict[str, Fact]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["code"]:
            return match["code"]
        if match["table"]:
            raise FactError(f"{match['table']} must stand alone on its line: {line.strip()!r}")
        return quote(get(match["id"], facts))

    return _INLINE.sub(replace, line)


def render(lines: list[str], facts: dict[str, Fact]) -> list[str]:
    """Replace the fact tokens in a page's lines, leaving fenced code blocks untouched."""
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening["fence"][0] == fence[0] and len(opening["fence"]) >= len(fence):
                fence = None
            out.append(line)
        elif opening:
            fence = opening["fence"]
            out.append(line)
        elif table_match := _TABLE.match(line):
            wanted = [name.strip() for name in (table_match["filter"] or "").split(",")]
            indent = line[: len(line) - len(line.lstrip())]
            rows = table(facts, [name for name in wanted if name] or None)
            out.extend(["", *(indent + row for row in rows), ""])
        else:
            out.append(_inline(line, facts) if "[[fact" in line else line)
    return out


class FactsPreprocessor(Preprocessor):
    """Expands fact tokens before Markdown parses the page."""

    def __init__(self, md: Markdown, path: Path) -> None:
        super().__init__(md)
        self.path = path

    def run(self, lines: list[str]) -> list[str]:
        if not any("[[fact" in line for line in lines):
            return lines
        return render(lines, load(self.path))


class FactsExtension(Extension):
    """`markdown_extensions: [scripts.facts]`; option `path` points at another data file."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {"path": [str(FACTS_FILE), "the YAML file that holds the facts"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        # Priority 31: after pymdownx.snippets (32) has inlined included files, before the
        # fenced-code preprocessors (25) stash code blocks.
        md.preprocessors.register(
            FactsPreprocessor(md, Path(self.getConfig("path"))), "guide_facts", 31
        )


def makeExtension(**kwargs: Any) -> FactsExtension:
    return FactsExtension(**kwargs)
