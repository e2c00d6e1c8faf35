"""Report what has gone stale: pinned versions, version facts and dated support facts.

`nox -s freshness` runs this. It reads the exact pins in `pyproject.toml`'s dependency
groups and `package.json`, and the facts in `data/facts.yml` that carry a `check`, asks
PyPI's JSON API and the npm registry for the newest releases, and prints one table of
everything that is behind. Facts whose `expires` date has passed, or whose `verified` date
is older than `--max-age` days, are listed too; those checks need no network.

It always exits 0: staleness is information for a maintainer, not a failed build. When a
registry cannot be reached (offline, firewalled) it prints `offline: skipped ...` for it.

Registry queries go over HTTP to the registries' own JSON endpoints rather than through
`pip index versions`, which hides releases whose `requires-python` excludes the running
interpreter (Django 6 needs Python 3.12, for example).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python scripts/freshness.py`
    sys.path.insert(0, str(ROOT))

from scripts import facts as facts_module  # noqa: E402 - needs ROOT on sys.path

PYPI_URL = os.environ.get("FRESHNESS_PYPI_URL", "https://pypi.org/pypi")
NPM_URL = os.environ.get("FRESHNESS_NPM_URL", "https://registry.npmjs.org")
TIMEOUT = 5.0
_PIN = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*(?P<ver>[^\s;]+)")
_RELEASE = re.compile(r"^\d+(\.\d+)*$")  # final releases only: no rc, beta, dev


class RegistryUnreachable(Exception):
    """The registry did not answer (no network, DNS failure, timeout, refused)."""


@dataclass(frozen=True)
class Item:
    """One thing to compare with a registry: a pin or a version fact."""

    origin: str  # where it is written: "pyproject.toml", "package.json", "facts.yml"
    registry: str  # "pypi" or "npm"
    package: str
    current: str
    line: str = ""  # compare within this major line only (e.g. "24"), if set
    label: str = ""


@dataclass(frozen=True)
class Finding:
    """One stale item, ready to print."""

    origin: str
    item: str
    current: str
    newest: str
    note: str


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
    """Facts whose value is a version that a registry can confirm."""
    return [
        Item(
            "facts.yml",
            fact.check["registry"],
            fact.check["package"],
            fact.value,
            fact.check.get("line", ""),
            fact.id,
        )
        for fact in facts.values()
        if fact.check
    ]


def dated_findings(
    facts: dict[str, facts_module.Fact], today: dt.date, max_age_days: int
) -> list[Finding]:
    """Facts past their `expires` date or not verified for too long; no network needed."""
    found = []
    for fact in facts.values():
        if fact.expires and fact.expires <= today:
            found.append(
                Finding("facts.yml", fact.id, fact.value, "?", f"expired {fact.expires}: re-check")
            )
        age = (today - fact.verified).days
        if age > max_age_days:
            found.append(Finding("facts.yml", fact.id, fact.value, "?", f"verified {age} days ago"))
    return found


def compare(item: Item, versions: list[str]) -> Finding | None:
    """A finding when the registry has a newer final release than `item.current`.

    With `item.line` set, only releases of that major line count: a fact about Node.js 24
    is not stale because Node.js 26 exists.
    """
    name = item.label or item.package
    best = newest(versions, item.line)
    if best is None:
        return Finding(item.origin, name, item.current, "-", "no final release on the registry")
    if not _RELEASE.match(item.current):
        return Finding(item.origin, name, item.current, best, "not an exact version")
    if version_key(best) <= version_key(item.current):
        return None
    if item.line:
        note = f"newer {item.line}.x release"
    elif best.split(".")[0] != item.current.split(".")[0]:
        note = "new major version"
    else:
        note = "newer release"
    return Finding(item.origin, name, item.current, best, note)


def fetch_json(url: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed https registry URLs
            document: dict[str, Any] = json.load(response)
            return document
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise RegistryUnreachable(str(error)) from error


def registry_versions(
    registry: str, package: str, fetch: Callable[[str], dict[str, Any]]
) -> list[str]:
    """Every published version of a package, from PyPI's JSON API or the npm registry."""
    if registry == "pypi":
        return list(fetch(f"{PYPI_URL}/{package}/json")["releases"])
    quoted = urllib.parse.quote(package, safe="@")
    return list(fetch(f"{NPM_URL}/{quoted}")["versions"])


def probe(registry: str, fetch: Callable[[str], dict[str, Any]]) -> bool:
    """True when the registry answers a request for a package that always exists."""
    package = "pip" if registry == "pypi" else "npm"
    try:
        registry_versions(registry, package, fetch)
    except (RegistryUnreachable, urllib.error.HTTPError):
        return False
    return True


def check(
    items: list[Item], fetch: Callable[[str], dict[str, Any]] = fetch_json
) -> tuple[list[Finding], list[str], int]:
    """Compare items with their registries: findings, skipped-registry notes, items compared."""
    reachable = {name: probe(name, fetch) for name in ("pypi", "npm")}
    skipped = [
        f"offline: skipped {name} ({'PyPI' if name == 'pypi' else 'npm registry'} unreachable)"
        for name, ok in reachable.items()
        if not ok
    ]
    todo = [item for item in items if reachable[item.registry]]

    def one(item: Item) -> Finding | None:
        try:
            return compare(item, registry_versions(item.registry, item.package, fetch))
        except urllib.error.HTTPError as error:
            return Finding(item.origin, item.package, item.current, "-", f"HTTP {error.code}")
        except RegistryUnreachable:
            return Finding(item.origin, item.package, item.current, "-", "lookup timed out")

    with ThreadPoolExecutor(max_workers=8) as pool:
        findings = [found for found in pool.map(one, todo) if found]
    return findings, skipped, len(todo)


def format_table(findings: list[Finding]) -> str:
    header = ("where", "item", "ours", "newest", "note")
    rows = [header] + [(f.origin, f.item, f.current, f.newest, f.note) for f in findings]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project root to read")
    parser.add_argument("--max-age", type=int, default=180, help="days before re-verifying")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)

    facts = facts_module.load(args.root / "data" / "facts.yml")
    items = [
        *pins_from_pyproject(args.root / "pyproject.toml"),
        *pins_from_package_json(args.root / "package.json"),
        *fact_items(facts),
    ]
    findings, skipped, compared = check(items)
    findings = dated_findings(facts, args.today, args.max_age) + findings
    for note in skipped:
        print(note)
    print(
        f"compared {compared} of {len(items)} pinned or quoted versions with the registries, "
        f"dated {len(facts)} facts: {len(findings)} stale"
    )
    if findings:
        print(format_table(findings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
