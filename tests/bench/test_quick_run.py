"""`python -m scripts.bench --quick` works end to end and writes a valid results file.

It starts real servers (FastAPI, Express, nginx) on 127.0.0.1 and loads them with wrk and
the fixed-rate generator, so it needs wrk, nginx and taskset; it fails, with the install
command, when they are missing. It asserts that the harness works, not what it measured.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scripts.bench import figures, render
from scripts.servers import ROOT


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    command = [sys.executable, "-m", "scripts.bench", "--quick", "--output", str(output)]
    # Budgeted at under a minute; the timeout leaves room for a busy test machine.
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return document


def test_quick_run_writes_a_valid_file(
    quick_results: dict[str, Any], schema: dict[str, Any]
) -> None:
    checker = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    checker.validate(quick_results)
    assert quick_results["quick"] is True
    assert quick_results["method"]["host"] == "127.0.0.1"


def test_quick_run_measured_every_server_and_workload(quick_results: dict[str, Any]) -> None:
    cells = {(cell["workload"], cell["server"]) for cell in quick_results["results"]}
    assert ("json", "nginx") in cells
    for workload in ("json", "db", "io", "io-sync", "cpu", "cpu-numpy", "file"):
        assert (workload, "fastapi-uvicorn") in cells
    for workload in ("json", "db", "io", "cpu", "file"):
        assert (workload, "express") in cells
    assert {start["server"] for start in quick_results["startup"]} == {
        "fastapi-uvicorn",
        "express",
        "nginx",
    }
    for cell in quick_results["results"]:
        run = cell["runs"][0]
        assert run["requests_per_s"] > 0, cell["workload"] + "/" + cell["server"]
        assert run["peak_rss_mib"] > 0
        assert run["load_cpu_percent"] > 0


def test_quick_run_renders_with_only_data_numbers(
    quick_results: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "results.json"
    source.write_text(json.dumps(quick_results))
    shown = []
    for path in render.render(source, tmp_path / "generated"):
        text = figures.fragment_text(path.name, path.read_text(encoding="utf-8"))
        shown += figures.numbers_in(text)
    assert figures.unexplained(shown, quick_results) == []


def test_missing_tools_are_reported_with_the_install_command(tmp_path: Path) -> None:
    # An empty PATH hides wrk and taskset (nginx may still be found in /usr/sbin): the
    # harness must stop before measuring and say how to install what is missing.
    env = {"PATH": str(tmp_path)}
    command = [sys.executable, "-m", "scripts.bench", "--quick", "--output", str(tmp_path / "x")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "apt-get install -y" in result.stderr
    assert not (tmp_path / "x").exists()
