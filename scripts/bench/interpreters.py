"""Find the newest CPython on this machine, so the benchmark can measure it beside ours.

The bench session runs on the interpreter nox was given (3.11 here). A newer CPython may be
on PATH (`python3.14`) or installed by pyenv without being on PATH (`~/.pyenv/versions`);
the bench session builds a second virtualenv with it and runs one FastAPI server on it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NEWEST_MINOR = 20  # look for python3.12 up to python3.20 on PATH
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # "3.13.0"

    @property
    def minor(self) -> tuple[int, int]:
        major, minor, _ = self.version.split(".")
        return int(major), int(minor)


def candidates() -> list[str]:
    """Executables that may be a CPython: versioned names on PATH, then pyenv's installs."""
    found = [shutil.which(f"python3.{minor}") for minor in range(12, NEWEST_MINOR + 1)]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found += [str(path) for path in sorted(pyenv.glob("3.*/bin/python3"))]
    return [path for path in found if path]


def probe(path: str) -> Interpreter | None:
    """The interpreter at `path` if it runs and is a final, GIL-enabled CPython release."""
    script = (
        "import platform, sys, sysconfig;"
        "print(platform.python_implementation(), platform.python_version(),"
        " sysconfig.get_config_var('Py_GIL_DISABLED') or 0, sys.version_info.releaselevel)"
    )
    try:
        done = subprocess.run(
            [path, "-c", script], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 4:
        return None  # e.g. a pyenv shim for a version pyenv does not select
    implementation, version, free_threaded, level = parts
    if implementation != "CPython" or free_threaded != "0" or level != "final":
        return None
    return Interpreter(path, version) if _VERSION.match(version) else None


def newest_cpython(than: tuple[int, int] = sys.version_info[:2]) -> Interpreter | None:
    """The newest CPython minor release newer than `than`, or None when there is none."""
    found = [found for path in candidates() if (found := probe(path))]
    newer = [interpreter for interpreter in found if interpreter.minor > than]
    return max(newer, key=lambda i: tuple(map(int, i.version.split("."))), default=None)


if __name__ == "__main__":  # `python -m scripts.bench.interpreters` prints what it finds
    print(newest_cpython() or "no CPython newer than this one")
