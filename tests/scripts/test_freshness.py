"""The freshness report: comparison logic on fixed inputs, and a clean skip when offline."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import facts, freshness

ROOT = freshness.ROOT


def item(current: str, line: str = "", registry: str = "pypi") -> freshness.Item:
    return freshness.Item("pyproject.toml", registry, "pkg", current, line)


def test_newest_ignores_pre_releases_and_can_stay_in_one_major_line() -> None:
    versions = ["24.9.0", "24.10.1", "26.0.0rc1", "25.2.0", "24.10.0"]
    assert freshness.newest(versions) == "25.2.0"
    assert freshness.newest(versions, "24") == "24.10.1"
    assert freshness.newest(versions, "27") is None


@pytest.mark.parametrize(
    ("current", "line", "versions", "expected"),
    [
        ("1.2.3", "", ["1.2.3", "1.2.0"], None),
        ("1.2.3", "", ["1.2.3", "1.3.0b1"], None),
        ("1.2.3", "", ["1.2.3", "1.10.0"], ("1.10.0", "newer release")),
        ("1.2.3", "", ["1.2.3", "2.0.0"], ("2.0.0", "new major version")),
        ("24.1.0", "24", ["24.1.0", "26.0.0"], None),
        ("24.1.0", "24", ["24.1.0", "24.2.0", "26.0.0"], ("24.2.0", "newer 24.x release")),
        ("about 1", "", ["1.0.0"], ("1.0.0", "not an exact version")),
        ("1.0.0", "", ["2.0.0a1"], ("-", "no final release on the registry")),
    ],
)
def test_compare(
    current: str, line: str, versions: list[str], expected: tuple[str, str] | None
) -> None:
    found = freshness.compare(item(current, line), versions)
    assert (found and (found.newest, found.note)) == expected


def test_pins_are_read_from_dependency_groups_and_package_json(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[dependency-groups]\na = ["uvicorn[standard]==0.54.0", "ruff>=0.1"]\n'
        'b = [{ include-group = "a" }, "Django==6.1.3"]\n',
        encoding="utf-8",
    )
    (tmp_path / "package.json").write_text(
        json.dumps(
            {
                "dependencies": {"express": "5.3.0", "x": "^1.0.0"},
                "devDependencies": {"@types/node": "24.19.2"},
            }
        ),
        encoding="utf-8",
    )
    python = freshness.pins_from_pyproject(tmp_path / "pyproject.toml")
    node = freshness.pins_from_package_json(tmp_path / "package.json")
    assert {(i.package, i.current) for i in python} == {("uvicorn", "0.54.0"), ("django", "6.1.3")}
    assert {(i.package, i.current) for i in node} == {
        ("express", "5.3.0"),
        ("@types/node", "24.19.2"),
    }


def make_fact(**changes: object) -> facts.Fact:
    base = {
        "id": "node-24-status",
        "category": "node",
        "label": "Node 24",
        "value": "Active LTS",
        "source": "https://example.org/",
        "verified": dt.date(2026, 11, 1),
    }
    return facts.Fact(**{**base, **changes})  # type: ignore[arg-type]


def test_dated_findings_flag_expired_and_long_unverified_facts() -> None:
    today = dt.date(2026, 11, 22)
    data = {
        "fresh": make_fact(id="fresh", expires=dt.date(2027, 1, 1)),
        "expired": make_fact(id="expired", expires=dt.date(2026, 10, 20)),
        "old": make_fact(id="old", verified=dt.date(2026, 1, 1)),
    }
    found = freshness.dated_findings(data, today, max_age_days=180)
    assert [(f.item, f.note) for f in found] == [
        ("expired", "expired 2026-10-20: re-check"),
        ("old", "verified 325 days ago"),
    ]


def test_check_uses_each_registry_and_skips_an_unreachable_one() -> None:
    def fetch(url: str) -> dict[str, Any]:
        if url.startswith(freshness.NPM_URL):
            raise freshness.RegistryUnreachable("no route to host")
        return {"releases": {"1.0.0": [], "1.1.0": []}}

    items = [item("1.0.0"), item("1.0.0", registry="npm")]
    findings, skipped, compared = freshness.check(items, fetch)
    assert compared == 1
    assert [(f.newest, f.note) for f in findings] == [("1.1.0", "newer release")]
    assert skipped == ["offline: skipped npm (npm registry unreachable)"]


def closed_port() -> int:
    """A local port with no listener: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_script_skips_cleanly_and_exits_0_when_registries_are_unreachable() -> None:
    port = closed_port()
    env = {
        **os.environ,
        "FRESHNESS_PYPI_URL": f"http://127.0.0.1:{port}/pypi",
        "FRESHNESS_NPM_URL": f"http://127.0.0.1:{port}",
    }
    result = subprocess.run(
        [sys.executable, "scripts/freshness.py", "--today", "2026-11-22"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "offline: skipped pypi (PyPI unreachable)" in result.stdout
    assert "offline: skipped npm (npm registry unreachable)" in result.stdout
    assert "compared 0 of " in result.stdout
    assert "Traceback" not in result.stderr
