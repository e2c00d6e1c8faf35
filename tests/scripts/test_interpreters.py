"""The benchmark's search for a newer CPython, run against the interpreters on this machine."""

import platform
import sys
from pathlib import Path

import pytest

from scripts.bench import interpreters


def test_probe_reads_this_interpreter() -> None:
    found = interpreters.probe(sys.executable)
    assert found is not None
    assert found.version == platform.python_version()
    assert found.minor == sys.version_info[:2]


def test_probe_rejects_what_is_not_a_python() -> None:
    assert interpreters.probe("/bin/true") is None  # runs, prints nothing
    assert interpreters.probe("/nonexistent/python3") is None


def test_newest_comes_from_path_and_pyenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = tmp_path / "bin"
    on_path.mkdir()
    (on_path / "python3.19").symlink_to(sys.executable)
    pyenv = tmp_path / "pyenv"
    (pyenv / "versions" / "3.18.0" / "bin").mkdir(parents=True)
    (pyenv / "versions" / "3.18.0" / "bin" / "python3").symlink_to("/bin/true")
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    assert interpreters.candidates() == [
        str(on_path / "python3.19"),
        str(pyenv / "versions" / "3.18.0" / "bin" / "python3"),
    ]
    newest = interpreters.newest_cpython(than=(3, 0))
    assert newest == interpreters.Interpreter(
        str(on_path / "python3.19"), platform.python_version()
    )
    assert interpreters.newest_cpython(than=sys.version_info[:2]) is None
    assert interpreters.newest_cpython(than=(3, 99)) is None
