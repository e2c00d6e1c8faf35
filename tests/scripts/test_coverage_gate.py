"""The coverage gate counts every file under examples/python, also one that no test imports.

examples/ has no __init__.py files (namespace packages): without
`include_namespace_packages`, coverage.py reports only the files that were imported, and a
forgotten example would pass the 100 % gate unseen. This runs the project's own coverage
settings on a small copy.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.doc_checks import ROOT

IMPORTED = "def greet(name: str) -> str:\n    return f'Hello, {name}!'\n"
FORGOTTEN = "def never_called() -> int:\n    return 1\n"
RUNNER = "from examples.python.greet.main import greet\n\nassert greet('Ada') == 'Hello, Ada!'\n"


def coverage(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "coverage", *args, "--rcfile=pyproject.toml"]
    return subprocess.run(
        command, cwd=project, capture_output=True, text=True, check=False, timeout=60
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    package = tmp_path / "examples" / "python" / "greet"
    package.mkdir(parents=True)
    (package / "main.py").write_text(IMPORTED, encoding="utf-8")
    (tmp_path / "run.py").write_text(RUNNER, encoding="utf-8")
    return tmp_path


def test_every_imported_line_run_passes_the_gate(project: Path) -> None:
    assert coverage(project, "run", "run.py").returncode == 0
    report = coverage(project, "report")
    assert report.returncode == 0, report.stdout + report.stderr
    assert "100%" in report.stdout


def test_a_file_no_test_imports_fails_the_gate(project: Path) -> None:
    (project / "examples/python/greet/forgotten.py").write_text(FORGOTTEN, encoding="utf-8")
    assert coverage(project, "run", "run.py").returncode == 0
    report = coverage(project, "report")
    assert report.returncode == 2, report.stdout + report.stderr  # coverage's fail-under code
    assert "forgotten.py" in report.stdout
    assert "fail-under" in report.stdout + report.stderr
