"""The freshness check: each rule against real data shapes served by a local HTTP server.

The server on 127.0.0.1 answers the way PyPI's JSON API, the npm registry (a packument
and a package tarball) and Python's release-cycle.json do; nothing in urllib is mocked.
"""

import datetime as dt
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scripts import facts, freshness
from scripts.local_server import running

ROOT = freshness.ROOT
TODAY = "2026-11-30"

# The shape of node-releases' data/release-schedule/release-schedule.json (2.0.66).
NODE_SCHEDULE = {
    "v22": {
        "start": "2024-04-24",
        "lts": "2024-10-29",
        "maintenance": "2025-10-21",
        "end": "2027-04-30",
        "codename": "Jod",
    },
    "v24": {
        "start": "2025-05-06",
        "lts": "2025-10-28",
        "maintenance": "2026-10-20",
        "end": "2028-04-30",
        "codename": "Krypton",
    },
    "v25": {"start": "2025-10-15", "maintenance": "2026-04-01", "end": "2026-06-01"},
}
# The shape of https://peps.python.org/api/release-cycle.json.
PYTHON_CYCLE = {
    "3.14": {
        "branch": "3.14",
        "pep": 745,
        "status": "bugfix",
        "first_release": "2025-10-07",
        "end_of_life": "2030-10",
        "release_manager": "Hugo van Kemenade",
    },
    "3.13": {
        "branch": "3.13",
        "pep": 719,
        "status": "security",
        "first_release": "2024-10-07",
        "end_of_life": "2029-10",
        "release_manager": "Thomas Wouters",
    },
}

FACTS = """\
facts:
  - id: fastapi-version
    category: framework
    label: FastAPI, newest release
    value: "0.165.0"
    source: https://pypi.org/project/fastapi/
    verified: 2026-11-30
    checks: [{registry: pypi, package: fastapi}]
  - id: tool-queue-node
    category: tool
    label: Queues, Node.js
    value: BullMQ 6.7.0 (Redis); Zod 4 for payloads
    source: https://www.npmjs.com/package/bullmq
    verified: 2026-11-30
    checks:
      - {registry: npm, package: bullmq, version: "6.7.0"}
      - {registry: npm, package: zod, major: "4"}
  - id: node-24-status
    category: node
    label: Node.js 24 status
    value: Maintenance LTS since 2026-10-20
    source: https://github.com/nodejs/Release
    verified: 2026-11-30
    checks:
      - {schedule: node, line: "24", status: maintenance}
      - {schedule: node, line: "24", field: maintenance}
  - id: node-22-eol
    category: node
    label: Node.js 22 end of life
    value: "2027-04-30"
    source: https://github.com/nodejs/Release
    verified: 2026-11-30
    checks: [{schedule: node, line: "22", field: end}]
  - id: python-313-status
    category: python
    label: Python 3.13 status
    value: security fixes only, end of life 2029-10
    source: https://devguide.python.org/versions/
    verified: 2026-11-30
    checks:
      - {schedule: python, line: "3.13", status: security}
      - {schedule: python, line: "3.13", field: end_of_life, precision: month}
  - id: python-311-speedup
    category: python
    label: Python 3.11 speed-up
    value: 1.25x on average
    source: https://docs.python.org/3/whatsnew/3.11.html
    verified: 2020-01-01
    stable: "historical: release notes"
"""
PYPROJECT = '[dependency-groups]\ndocs = ["fastapi==0.160.0"]\n'
PACKAGE_JSON = json.dumps({"dependencies": {"bullmq": "6.7.0"}})


class Registry:
    """What the local server answers: request path -> response body."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.routes: dict[str, bytes] = {}

    def json(self, path: str, document: object) -> None:
        self.routes[path] = json.dumps(document).encode()

    def pypi(self, package: str, *versions: str) -> None:
        self.json(f"/pypi/{package}/json", {"releases": {v: [] for v in versions}})

    def npm(self, package: str, *versions: str) -> None:
        latest = max(versions, key=freshness.version_key)
        self.json(
            f"/npm/{package}",
            {"dist-tags": {"latest": latest}, "versions": {v: {"version": v} for v in versions}},
        )

    def node_schedule(self, schedule: dict[str, dict[str, str]]) -> None:
        payload = json.dumps(schedule).encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            info = tarfile.TarInfo(freshness.NODE_SCHEDULE_MEMBER)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
        tarball = "/npm/node-releases/-/node-releases-2.0.66.tgz"
        self.routes[tarball] = buffer.getvalue()
        self.json(
            "/npm/node-releases",
            {
                "dist-tags": {"latest": "2.0.66"},
                "versions": {"2.0.66": {"dist": {"tarball": self.base + tarball}}},
            },
        )

    def fresh(self) -> None:
        """Answers under which every fact in FACTS is true."""
        self.pypi("fastapi", "0.160.0", "0.165.0", "0.166.0b1")
        self.npm("bullmq", "6.6.0", "6.7.0")
        self.npm("zod", "3.25.0", "4.6.7")
        self.node_schedule(NODE_SCHEDULE)
        self.json("/python/release-cycle.json", PYTHON_CYCLE)


@pytest.fixture
def registry() -> Iterator[Registry]:
    state: dict[str, Registry] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state["registry"].routes.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["registry"] = Registry(f"http://127.0.0.1:{server.server_address[1]}")
    with running(server):
        yield state["registry"]


def project(tmp_path: Path, facts_text: str = FACTS) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "facts.yml").write_text(facts_text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "package.json").write_text(PACKAGE_JSON, encoding="utf-8")
    return tmp_path


def run(root: Path, registry: Registry, *extra: str, python_url: str = "") -> tuple[int, str]:
    """main() against the local server; returns the exit status and what it printed."""
    argv = [
        "--root",
        str(root),
        "--today",
        TODAY,
        "--pypi-url",
        f"{registry.base}/pypi",
        "--npm-url",
        f"{registry.base}/npm",
        "--python-releases-url",
        python_url or f"{registry.base}/python/release-cycle.json",
        *extra,
    ]
    buffer = io.StringIO()
    stdout, sys.stdout = sys.stdout, buffer
    try:
        status = freshness.main(argv)
    finally:
        sys.stdout = stdout
    return status, buffer.getvalue()


def row(out: str, *cells: str) -> bool:
    """Whether a printed table row holds exactly these cells, in order (after `where`)."""
    return any(line.split()[1:] == " ".join(cells).split() for line in out.splitlines() if line)


def closed_port() -> int:
    """A local port with no listener: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# ----- Pure rules --------------------------------------------------------------------------


def test_newest_ignores_pre_releases_and_can_stay_in_one_major_line() -> None:
    versions = ["24.9.0", "24.10.1", "26.0.0rc1", "25.2.0", "24.10.0"]
    assert freshness.newest(versions) == "25.2.0"
    assert freshness.newest(versions, "24") == "24.10.1"
    assert freshness.newest(versions, "27") is None


@pytest.mark.parametrize(
    ("current", "line", "major", "versions", "expected"),
    [
        ("1.2.3", "", False, ["1.2.3", "1.2.0"], None),
        ("1.2.3", "", False, ["1.2.3", "1.3.0b1"], None),
        ("1.2.3", "", False, ["1.2.3", "1.10.0"], ("1.10.0", "newer release")),
        ("1.2.3", "", False, ["1.2.3", "2.0.0"], ("2.0.0", "new major version")),
        ("1.2.4", "", False, ["1.2.3"], ("1.2.3", "version not on the registry")),
        ("24.1.0", "24", False, ["24.1.0", "26.0.0"], None),
        ("24.1.0", "24", False, ["24.1.0", "24.2.0", "26.0.0"], ("24.2.0", "newer 24.x release")),
        ("2", "", True, ["1.0.0", "2.14.4"], None),
        ("2", "", True, ["2.14.4", "3.0.0"], ("3.0.0", "new major version")),
        ("about 1", "", False, ["1.0.0"], ("1.0.0", "not an exact version")),
        ("1.0.0", "", False, ["2.0.0a1"], ("-", "no final release on the registry")),
    ],
)
def test_compare(
    current: str, line: str, major: bool, versions: list[str], expected: tuple[str, str] | None
) -> None:
    item = freshness.Item("facts.yml", "pypi", "pkg", current, line, major=major)
    found = freshness.compare(item, versions)
    assert (found and (found.newest, found.note)) == expected


@pytest.mark.parametrize(
    ("line", "today", "phase"),
    [
        ("v24", "2025-05-01", "planned"),
        ("v24", "2025-06-01", "current"),
        ("v24", "2025-10-28", "active"),
        ("v24", "2026-11-30", "maintenance"),
        ("v24", "2028-04-30", "end-of-life"),
        ("v25", "2025-12-01", "current"),
        ("v25", "2026-05-01", "maintenance"),
    ],
)
def test_node_phase_follows_the_schedule_dates(line: str, today: str, phase: str) -> None:
    assert freshness.node_phase(NODE_SCHEDULE[line], dt.date.fromisoformat(today)) == phase


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
        "stable": "reviewed: by hand",
    }
    return facts.Fact(**{**base, **changes})  # type: ignore[arg-type]


def test_dated_findings_flag_expired_old_and_unchecked_facts() -> None:
    today = dt.date(2026, 11, 22)
    data = {
        "fresh": make_fact(id="fresh", expires=dt.date(2027, 1, 1)),
        "expired": make_fact(id="expired", expires=dt.date(2026, 10, 20)),
        "old": make_fact(id="old", verified=dt.date(2026, 1, 1)),
        "quarterly": make_fact(id="quarterly", verified=dt.date(2026, 7, 1), max_age=90),
        "past": make_fact(id="past", verified=dt.date(2020, 1, 1), stable="historical: done"),
        "bare": make_fact(id="bare", stable=""),
    }
    found = freshness.dated_findings(data, today, max_age_days=180)
    assert [(f.item, f.note) for f in found] == [
        ("expired", "expired 2026-10-20: re-check"),
        ("old", "verified 325 days ago (limit 180)"),
        ("quarterly", "verified 144 days ago (limit 90)"),
        ("bare", "no check and no stable mark"),
    ]


# ----- The whole script against the local server -------------------------------------------


def test_fresh_facts_exit_0_and_a_pin_behind_is_only_information(
    tmp_path: Path, registry: Registry
) -> None:
    registry.fresh()
    status, out = run(project(tmp_path), registry)
    assert status == 0, out
    assert "made 10 comparisons" in out  # 2 pins, 3 registry checks, 5 schedule checks
    assert "1 pins behind (information only, not a failure)" in out
    assert row(out, "fastapi", "0.160.0", "0.165.0", "newer release")
    assert "no stale facts" in out
    assert "offline" not in out


def test_a_newer_release_than_the_fact_states_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    registry.npm("bullmq", "6.7.0", "6.8.0")
    status, out = run(project(tmp_path), registry)
    assert status == 1
    assert row(out, "tool-queue-node (bullmq)", "6.7.0", "6.8.0", "newer release")


def test_a_new_major_version_fails_a_major_check(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    registry.npm("zod", "4.6.7", "5.0.0")
    status, out = run(project(tmp_path), registry)
    assert status == 1
    assert row(out, "tool-queue-node (zod)", "4", "5.0.0", "new major version")


def test_a_version_the_registry_does_not_have_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    registry.pypi("fastapi", "0.160.0", "0.164.0")
    status, out = run(project(tmp_path), registry)
    assert status == 1
    assert "version not on the registry" in out


def test_a_node_schedule_date_that_differs_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    moved = {**NODE_SCHEDULE, "v22": {**NODE_SCHEDULE["v22"], "end": "2027-06-01"}}
    registry.node_schedule(moved)
    status, out = run(project(tmp_path), registry)
    assert status == 1
    assert row(out, "node-22-eol (node 22)", "2027-04-30", "2027-06-01", "schedule end differs")


def test_a_node_line_that_changed_phase_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    root = project(tmp_path)
    status, out = run(root, registry, "--today", "2028-05-01", "--max-age", "9999")
    assert status == 1
    assert row(out, "node-24-status (node 24)", "maintenance", "end-of-life", "status changed")


def test_a_python_status_that_changed_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    registry.json(
        "/python/release-cycle.json",
        {**PYTHON_CYCLE, "3.13": {**PYTHON_CYCLE["3.13"], "status": "end-of-life"}},
    )
    status, out = run(project(tmp_path), registry)
    assert status == 1
    assert row(out, "python-313-status (python 3.13)", "security", "end-of-life", "status changed")


def test_a_python_end_of_life_month_that_differs_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    registry.json(
        "/python/release-cycle.json",
        {**PYTHON_CYCLE, "3.13": {**PYTHON_CYCLE["3.13"], "end_of_life": "2029-11"}},
    )
    status, out = run(project(tmp_path), registry)
    assert status == 1
    assert "schedule end_of_life differs" in out


def test_expired_and_too_old_facts_fail_without_any_network(
    tmp_path: Path, registry: Registry
) -> None:
    registry.fresh()
    text = FACTS.replace(
        "    verified: 2026-11-30\n    checks: [{schedule: node",
        "    verified: 2026-01-01\n    expires: 2026-11-01\n    checks: [{schedule: node",
    )
    status, out = run(project(tmp_path, text), registry)
    assert status == 1
    assert "expired 2026-11-01: re-check" in out
    assert "verified 333 days ago (limit 180)" in out
    assert "python-311-speedup" not in out  # historical facts do not age


def test_a_fact_with_no_check_and_no_mark_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    text = FACTS.replace('    stable: "historical: release notes"\n', "")
    status, out = run(project(tmp_path, text), registry)
    assert status == 1
    assert "python-311-speedup" in out
    assert "no check and no stable mark" in out


def test_unreachable_python_release_data_is_skipped_cleanly(
    tmp_path: Path, registry: Registry
) -> None:
    registry.fresh()
    python_url = f"http://127.0.0.1:{closed_port()}/api/release-cycle.json"
    status, out = run(project(tmp_path), registry, python_url=python_url)
    assert status == 0, out
    assert "offline: skipped python release data (127.0.0.1:" in out
    assert "made 8 comparisons" in out


def test_a_broken_schedule_tarball_fails(tmp_path: Path, registry: Registry) -> None:
    registry.fresh()
    registry.routes["/npm/node-releases/-/node-releases-2.0.66.tgz"] = b"not a tarball"
    status, out = run(project(tmp_path), registry)
    assert status == 1
    assert "node release schedule" in out
    assert "cannot read" in out


def test_script_skips_cleanly_and_exits_0_when_every_source_is_unreachable() -> None:
    port = closed_port()
    env = {
        **os.environ,
        "FRESHNESS_PYPI_URL": f"http://127.0.0.1:{port}/pypi",
        "FRESHNESS_NPM_URL": f"http://127.0.0.1:{port}",
        "FRESHNESS_PYTHON_RELEASES_URL": f"http://127.0.0.1:{port}/release-cycle.json",
    }
    result = subprocess.run(
        [sys.executable, "scripts/freshness.py", "--today", "2026-11-30"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for source in ("pypi", "npm", "node release schedule", "python release data"):
        assert f"offline: skipped {source} (" in result.stdout
    assert "made 0 comparisons" in result.stdout
    assert "Traceback" not in result.stderr
