"""Run the load generators pinned to their own core, and read what they report."""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from scripts.servers import ROOT


@dataclass(frozen=True)
class LoadResult:
    report: dict[str, float | int]
    cpu_fraction: float  # of one core, used by the load generator itself


# The Debian tools the benchmark runs, command -> package (`nox -s bench` installs them).
# valgrind and setarch count instructions per call (scripts/bench/instructions.py).
DEBIAN_TOOLS = {
    "wrk": "wrk",
    "nginx": "nginx",
    "taskset": "util-linux",
    "valgrind": "valgrind",
    "setarch": "util-linux",
}


def missing_debian_packages() -> list[str]:
    """The Debian packages whose tools `find_tool` cannot find, sorted."""
    return sorted({package for tool, package in DEBIAN_TOOLS.items() if not find_tool(tool)})


def find_tool(name: str) -> str | None:
    """A Debian tool's path: on PATH, or in /usr/sbin, which a normal user's PATH may lack."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def pinned(cpus: str | None, command: list[str]) -> list[str]:
    return [find_tool("taskset") or "taskset", "-c", cpus, *command] if cpus else command


def run_measured(command: list[str], timeout: float) -> tuple[str, float]:
    """Run a load generator to completion; return its output and its CPU use per wall second.

    Children's resource usage covers only processes that have been waited for, and the
    generator is the only child that ends during the call, so the difference is its own.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
    return result.stdout, cpu / wall if wall > 0 else 0.0


def parse_wrk(output: str) -> dict[str, float | int]:
    """Pick the throughput and error counts out of wrk's report."""
    rate = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    if not rate or not total:
        raise ValueError(f"unexpected wrk output:\n{output}")
    socket = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    errors = sum(int(n) for n in socket.groups()) if socket else 0
    errors += int(non_2xx[1]) if non_2xx else 0
    return {"requests_per_s": float(rate[1]), "requests": int(total[1]), "errors": errors}


def wrk(
    url: str, connections: int, seconds: int, threads: int, timeout_s: float, cpus: str | None
) -> LoadResult:
    options = ["-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command = pinned(cpus, [find_tool("wrk") or "wrk", *options, "--timeout", f"{timeout_s}s", url])
    output, cpu = run_measured(command, timeout=seconds + timeout_s + 30)
    return LoadResult(parse_wrk(output), cpu)


def fixed_rate(
    port: int,
    path: str,
    rate: int,
    seconds: float,
    connections: int,
    timeout_s: float,
    cpus: str | None,
) -> LoadResult:
    options = {"--port": port, "--path": path, "--rate": rate, "--duration": seconds}
    options |= {"--connections": connections, "--timeout": timeout_s}
    arguments = [str(part) for pair in options.items() for part in pair]
    command = pinned(cpus, [sys.executable, "-m", "scripts.bench.rategen", *arguments])
    output, cpu = run_measured(command, timeout=seconds + timeout_s + 30)
    return LoadResult(json.loads(output), cpu)
