"""`python -m scripts.bench [--quick] [--output PATH]`: measure, then write the results file."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

from scripts.bench import interpreters
from scripts.bench.config import plan
from scripts.bench.launch import NEWER_PYTHON_ENV
from scripts.bench.load import missing_debian_packages
from scripts.bench.render import PREVIOUS_NAME
from scripts.servers import ROOT, NodeNotFoundError, node_binary

DEFAULT_OUTPUT = ROOT / "data" / "bench" / "results.json"
# The bench servers import these, and the harness imports hdrh (scripts/bench/latency.py):
# main() imports the harness only after this check.
PYTHON_MODULES = ("fastapi", "uvicorn", "uvloop", "httptools", "granian", "numpy", "hdrh")


def missing_prerequisites() -> list[str]:
    """What the harness needs and cannot find, each with how to install it."""
    problems = []
    packages = missing_debian_packages()
    if packages:
        problems.append(
            f"missing {', '.join(packages)}: as root on Debian or Ubuntu run "
            f"`apt-get install -y {' '.join(packages)}` (`nox -s bench` does this when root)"
        )
    modules = [name for name in PYTHON_MODULES if importlib.util.find_spec(name) is None]
    if modules:
        problems.append(
            f"missing Python packages {', '.join(modules)}: run through `nox -s bench`, "
            "which installs the `bench` dependency group"
        )
    try:
        node_binary()
    except NodeNotFoundError as error:
        problems.append(str(error))
    return problems


def newer_python_version() -> str:
    """The version of the newer CPython `nox -s bench` prepared, or "" (said out loud)."""
    path = os.environ.get(NEWER_PYTHON_ENV, "")
    found = interpreters.probe(path) if path else None
    if found is None:
        print(
            f"bench: no newer CPython ({NEWER_PYTHON_ENV}={path or 'unset'}): the Python "
            f"figures are CPython {platform.python_version()} only",
            file=sys.stderr,
        )
        return ""
    return found.version


def keep_previous(output: Path, results: dict[str, object]) -> None:
    """Before a full run replaces a full run, move the old one beside it as previous.json.

    The pages check the two against each other (scripts/bench/compare.py), so two full runs
    in a row leave both raw files in data/bench/, ready to commit.
    """
    if results["quick"] or not output.exists():
        return
    if not json.loads(output.read_text(encoding="utf-8"))["quick"]:
        output.replace(output.with_name(PREVIOUS_NAME))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run in under a minute")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    problems = missing_prerequisites()
    if problems:
        print("\n".join(f"bench: {problem}" for problem in problems), file=sys.stderr)
        return 2
    from scripts.bench import harness

    results = harness.run(plan(quick=args.quick, newer_python=newer_python_version()))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    keep_previous(args.output, results)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"bench: wrote {args.output} in {results['duration_s']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
