"""Check that the facts are still true, and report pins that are behind.

`nox -s freshness` runs this. Every fact in `data/facts.yml` carries machine checks or a
`stable` mark (see `scripts/facts.py`); this script runs the checks:

- registry checks ask PyPI's JSON API and the npm registry whether a newer final release
  exists than the one the fact states, or whether the stated version exists at all;
- Node.js schedule checks compare dates and phases with the release schedule that the
  `node-releases` npm package ships (`data/release-schedule/release-schedule.json`,
  read from the package's tarball in memory);
- Python schedule checks compare with https://peps.python.org/api/release-cycle.json;
- dated checks need no network: a fact past its `expires` date, a fact not verified for
  longer than `--max-age` days (or its own `max_age`), except `stable: "historical: ..."`
  facts, and a fact with neither a check nor a `stable` mark.

Exit status: 1 when a fact is stale by any of these rules, else 0. The exact pins in
`pyproject.toml`'s dependency groups and in `package.json` are compared too, but a pin
that is behind is printed as information only: it is an upgrade to make, not a wrong
statement on a page. A source that cannot be reached (offline, firewalled) is reported
as `offline: skipped ...` and its checks are skipped, so an offline run stays clean.

Registry queries use the registries' own JSON endpoints rather than
`pip index versions`, which hides releases whose `requires-python` excludes the running
interpreter (Django 6 needs Python 3.12, for example).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import sys
import tarfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python scripts/freshness.py`
    sys.path.insert(0, str(ROOT))

from scripts import facts as facts_module  # noqa: E402 - needs ROOT on sys.path

PYPI_URL = os.environ.get("FRESHNESS_PYPI_URL", "https://pypi.org/pypi")
NPM_URL = os.environ.get("FRESHNESS_NPM_URL", "https://registry.npmjs.org")
PYTHON_RELEASES_URL = os.environ.get(
    "FRESHNESS_PYTHON_RELEASES_URL", "https://peps.python.org/api/release-cycle.json"
)
NODE_SCHEDULE_PACKAGE = "node-releases"
NODE_SCHEDULE_MEMBER = "package/data/release-schedule/release-schedule.json"
TIMEOUT = 10.0
FACTS = "facts.yml"
_PIN = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*(?P<ver>[^\s;]+)")
_RELEASE = re.compile(r"^\d+(\.\d+)*$")  # final releases only: no rc, beta, dev


class Unreachable(Exception):
    """A source did not answer (no network, DNS failure, timeout, refused)."""


@dataclass(frozen=True)
class Sources:
    """Where the checks look; tests point these at a local server."""

    pypi: str = PYPI_URL
    npm: str = NPM_URL
    python_releases: str = PYTHON_RELEASES_URL


@dataclass(frozen=True)
class Item:
    """One version to compare with a registry: a pin or a version a fact states."""

    origin: str  # where it is written: "pyproject.toml", "package.json", "facts.yml"
    registry: str  # "pypi" or "npm"
    package: str
    current: str
    line: str = ""  # compare within this major line only (e.g. "24"), if set
    label: str = ""
    major: bool = False  # `current` is a major version that must still be the newest


@dataclass(frozen=True)
class Finding:
    """One stale item, ready to print. Findings from facts.yml fail the run."""

    origin: str
    item: str
    current: str
    newest: str
    note: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    compared: int = 0


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def newest(versions: Iterable[str], line: str = "") -> str | None:
    """The highest final release, optionally within one major line such as "24"."""
    finals = [v for v in versions if _RELEASE.match(v)]
    if line:
        finals = [v for v in finals if v.split(".")[0] == line]
    return max(finals, key=version_key, default=None)


def pins_from_pyproject(path: Path) -> list[Item]:
    """Exact `name==version` pins from every dependency group."""
    groups = tomllib.loads(path.read_text(encoding="utf-8")).get("dependency-groups", {})
    items: dict[str, Item] = {}
    for entries in groups.values():
        for entry in entries:
            if isinstance(entry, str) and (match := _PIN.match(entry)):
                name = match["name"].lower()
                items[name] = Item(path.name, "pypi", name, match["ver"])
    return list(items.values())


def pins_from_package_json(path: Path) -> list[Item]:
    """Exact pins from dependencies and devDependencies (ranges are skipped)."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    items = []
    for section in ("dependencies", "devDependencies"):
        for name, spec in manifest.get(section, {}).items():
            if _RELEASE.match(spec):
                items.append(Item(path.name, "npm", name, spec))
    return items


def fact_items(facts: dict[str, facts_module.Fact]) -> list[Item]:
    """Every version a fact states that a registry can confirm."""
    return [
        Item(
            FACTS,
            check["registry"],
            check["package"],
            check.get("version") or check["major"],
            check.get("line", ""),
            fact.id,
            major="major" in check,
        )
        for fact in facts.values()
        for check in fact.checks
        if "registry" in check
    ]


def dated_findings(
    facts: dict[str, facts_module.Fact], today: dt.date, max_age_days: int
) -> list[Finding]:
    """Expired, long-unverified and unchecked facts; no network needed."""
    found = []
    for fact in facts.values():
        if fact.expires and fact.expires <= today:
            found.append(
                Finding(FACTS, fact.id, fact.value, "?", f"expired {fact.expires}: re-check")
            )
        age = (today - fact.verified).days
        limit = fact.max_age or max_age_days
        if age > limit and not fact.stable.startswith("historical:"):
            found.append(
                Finding(FACTS, fact.id, fact.value, "?", f"verified {age} days ago (limit {limit})")
            )
        if not fact.checks and not fact.stable:
            found.append(Finding(FACTS, fact.id, fact.value, "?", "no check and no stable mark"))
    return found


def compare(item: Item, versions: list[str]) -> Finding | None:
    """A finding when the registry has a newer final release than `item.current`, or lacks it.

    With `item.line` set, only releases of that major line count: a fact about Node.js 24
    is not stale because Node.js 26 exists.
    """
    name = f"{item.label} ({item.package})" if item.label else item.package
    best = newest(versions, item.line)
    if best is None:
        return Finding(item.origin, name, item.current, "-", "no final release on the registry")
    if item.major:
        if best.split(".")[0] == item.current:
            return None
        return Finding(item.origin, name, item.current, best, "new major version")
    if not _RELEASE.match(item.current):
        return Finding(item.origin, name, item.current, best, "not an exact version")
    if item.current not in versions:
        return Finding(item.origin, name, item.current, best, "version not on the registry")
    if version_key(best) <= version_key(item.current):
        return None
    if item.line:
        note = f"newer {item.line}.x release"
    elif best.split(".")[0] != item.current.split(".")[0]:
        note = "new major version"
    else:
        note = "newer release"
    return Finding(item.origin, name, item.current, best, note)


def _open(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) URLs from config
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise Unreachable(str(getattr(error, "reason", error))) from error


def fetch_json(url: str, timeout: float = TIMEOUT) -> Any:
    return json.loads(_open(url, timeout))


def reachable(url: str, timeout: float = TIMEOUT) -> str:
    """ "" when the host answers at all (any HTTP status), else why not."""
    try:
        _open(url, timeout)
    except urllib.error.HTTPError:
        return ""
    except Unreachable as error:
        return str(error)
    return ""


def registry_versions(registry: str, package: str, sources: Sources) -> list[str]:
    """Every published version of a package, from PyPI's JSON API or the npm registry."""
    if registry == "pypi":
        return list(fetch_json(f"{sources.pypi}/{package}/json")["releases"])
    quoted = urllib.parse.quote(package, safe="@")
    return list(fetch_json(f"{sources.npm}/{quoted}")["versions"])


def check_registries(items: list[Item], sources: Sources, report: Report) -> None:
    """Compare items with their registries; an unreachable registry is skipped."""
    names = {"pypi": ("PyPI", sources.pypi), "npm": ("npm registry", sources.npm)}
    down = {}
    for registry, (title, url) in names.items():
        if reason := reachable(url):
            down[registry] = reason
            report.skipped.append(f"offline: skipped {registry} ({title} unreachable: {reason})")
    todo = [item for item in items if item.registry not in down]

    def one(item: Item) -> Finding | str | None:
        try:
            return compare(item, registry_versions(item.registry, item.package, sources))
        except urllib.error.HTTPError as error:
            name = item.label or item.package
            return Finding(
                item.origin, name, item.current, "-", f"HTTP {error.code} for {item.package}"
            )
        except Unreachable as error:
            return f"offline: skipped {item.package} on {item.registry} ({error})"

    with ThreadPoolExecutor(max_workers=8) as pool:
        for result in pool.map(one, todo):
            if isinstance(result, Finding):
                report.findings.append(result)
            elif isinstance(result, str):
                report.skipped.append(result)
    report.compared += len(todo)


def node_schedule(sources: Sources) -> dict[str, dict[str, str]]:
    """The Node.js release schedule as the newest `node-releases` npm package ships it."""
    packument = fetch_json(f"{sources.npm}/{NODE_SCHEDULE_PACKAGE}")
    latest = packument["dist-tags"]["latest"]
    tarball = _open(packument["versions"][latest]["dist"]["tarball"], TIMEOUT)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(NODE_SCHEDULE_MEMBER)
        if member is None:
            raise KeyError(NODE_SCHEDULE_MEMBER)
        schedule: dict[str, dict[str, str]] = json.load(member)
    return {line.removeprefix("v"): dates for line, dates in schedule.items()}


def python_cycle(sources: Sources) -> dict[str, dict[str, str]]:
    """Python's release cycle: status, first_release and end_of_life for every line."""
    cycle: dict[str, dict[str, Any]] = fetch_json(sources.python_releases)
    return {line: {key: str(value) for key, value in data.items()} for line, data in cycle.items()}


def node_phase(dates: dict[str, str], today: dt.date) -> str:
    """Where a Node.js line is on `today`: current, active, maintenance or end-of-life."""
    iso = today.isoformat()
    if iso >= dates["end"]:
        return "end-of-life"
    if "maintenance" in dates and iso >= dates["maintenance"]:
        return "maintenance"
    if "lts" in dates and iso >= dates["lts"]:
        return "active"
    return "current" if iso >= dates.get("start", iso) else "planned"


def schedule_finding(
    fact: facts_module.Fact,
    check: dict[str, str],
    schedules: dict[str, dict[str, dict[str, str]]],
    today: dt.date,
) -> Finding | None:
    """A finding when the schedule disagrees with what the fact states."""
    kind, line = check["schedule"], check["line"]
    where = f"{fact.id} ({kind} {line})"
    dates = schedules[kind].get(line)
    if dates is None:
        return Finding(FACTS, where, fact.value, "-", f"no {kind} {line} in the release data")
    if "status" in check:
        now = node_phase(dates, today) if kind == "node" else dates.get("status", "?")
        if now != check["status"]:
            return Finding(FACTS, where, check["status"], now, "status changed")
        return None
    date = dates.get(check["field"], "")
    expected = date[:7] if check.get("precision") == "month" else date
    if not expected or expected not in fact.value:
        return Finding(
            FACTS, where, fact.value, expected or "-", f"schedule {check['field']} differs"
        )
    return None


def check_schedules(
    facts: dict[str, facts_module.Fact], sources: Sources, today: dt.date, report: Report
) -> None:
    wanted = [
        (fact, check) for fact in facts.values() for check in fact.checks if "schedule" in check
    ]
    loaders = {
        "node": ("node release schedule", node_schedule),
        "python": ("python release data", python_cycle),
    }
    schedules: dict[str, dict[str, dict[str, str]]] = {}
    for kind, (title, load) in loaders.items():
        if not any(check["schedule"] == kind for _fact, check in wanted):
            continue
        try:
            schedules[kind] = load(sources)
        except Unreachable as error:
            host = urllib.parse.urlparse(
                sources.npm if kind == "node" else sources.python_releases
            ).netloc
            report.skipped.append(f"offline: skipped {title} ({host} unreachable: {error})")
        except (urllib.error.HTTPError, KeyError, ValueError, tarfile.TarError) as error:
            report.findings.append(Finding(FACTS, title, "-", "-", f"cannot read: {error}"))
    for fact, check in wanted:
        if check["schedule"] in schedules:
            report.compared += 1
            if found := schedule_finding(fact, check, schedules, today):
                report.findings.append(found)


def format_table(findings: list[Finding]) -> str:
    header = ("where", "item", "ours", "source says", "note")
    rows = [header] + [(f.origin, f.item, f.current, f.newest, f.note) for f in findings]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def run(root: Path, sources: Sources, today: dt.date, max_age: int) -> Report:
    """Every check, against the project at `root`."""
    facts = facts_module.load(root / "data" / "facts.yml")
    items = [
        *pins_from_pyproject(root / "pyproject.toml"),
        *pins_from_package_json(root / "package.json"),
        *fact_items(facts),
    ]
    report = Report(findings=dated_findings(facts, today, max_age))
    check_registries(items, sources, report)
    check_schedules(facts, sources, today, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project root to read")
    parser.add_argument("--max-age", type=int, default=180, help="days before re-verifying")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--pypi-url", default=PYPI_URL)
    parser.add_argument("--npm-url", default=NPM_URL)
    parser.add_argument("--python-releases-url", default=PYTHON_RELEASES_URL)
    args = parser.parse_args(argv)

    sources = Sources(args.pypi_url, args.npm_url, args.python_releases_url)
    report = run(args.root, sources, args.today, args.max_age)
    stale = [f for f in report.findings if f.origin == FACTS]
    behind = [f for f in report.findings if f.origin != FACTS]
    for note in dict.fromkeys(report.skipped):
        print(note)
    print(f"made {report.compared} comparisons with registries and release schedules")
    if behind:
        print(f"\n{len(behind)} pins behind (information only, not a failure):")
        print(format_table(behind))
    if stale:
        print(f"\n{len(stale)} stale facts in data/facts.yml:")
        print(format_table(stale))
        return 1
    print("\nno stale facts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
