"""Instructions per call of the bench's CPU workloads, counted exactly under valgrind.

Wall-clock figures on a shared VM vary ~14 % from one window to the next; how many
instructions a call executes does not. `perf stat` has no hardware counters in these VMs,
so valgrind's cachegrind counts them: it runs the program on a simulated CPU and counts
every instruction executed (Ir).

A driver (count_driver.py, count_driver.ts) imports the example's workloads and calls one
of them a given number of times. Per call = (Ir of K + N calls - Ir of K calls) / N, so
start-up, imports and the K warm-up calls (enough for V8 to optimise the function) cancel
out. Each count is made twice, so that the reader sees it repeat. With ASLR off
(`setarch -R`), Python with a fixed hash seed repeats to the instruction; Node.js with V8's
predictable mode repeats within ~1e-6.

`python -m scripts.bench.instructions` prints the block as JSON. It takes a few minutes,
most of it valgrind starting Node.js (which type-strips the .ts files in WebAssembly).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from scripts.bench.load import DEBIAN_TOOLS, find_tool
from scripts.servers import ROOT, node_binary

CACHEGRIND = ("--tool=cachegrind", "--cache-sim=no")  # count instructions only: faster
PYTHON_ENV = {
    "PYTHONHASHSEED": "0",  # str and bytes hashes, hence set and dict layouts
    # Unset, workloads.py finds its default with tempfile.gettempdir(), which writes a
    # randomly named file: a name character at index 0 takes a shorter path in CPython, so
    # counts varied by a few instructions. The drivers never use the directory.
    "BENCH_DATA_DIR": str(Path(tempfile.gettempdir()) / "bench-data"),
    # NumPy loads OpenBLAS, whose idle threads spin for a varying while (±12 M instructions
    # a run). The int64 product does not use BLAS, so one thread changes nothing else.
    "OPENBLAS_NUM_THREADS": "1",
}
# No background threads (GC, compilers), whose interleaving would vary the work done; a
# deterministic heap and JIT. More flags (--random-seed, --hash-seed,
# --predictable-gc-schedule) leave the same ~200 instructions of difference per run.
NODE_FLAGS = ("--single-threaded", "--predictable")
DRIVERS = {
    "python": [sys.executable, "-m", "scripts.bench.count_driver"],
    "node": [str(Path(__file__).with_name("count_driver.ts"))],  # after node and its flags
}
REPEATS = 2
TIMEOUT_S = 900  # one run under valgrind: about 10 s on an idle core, a minute on a busy one
METHOD = (
    "per call = (Ir of a run making K + N calls - Ir of a run making K calls) / N: start-up, "
    "imports and the K warm-up calls cancel out; Ir counted by valgrind's cachegrind"
)


class ToolMissingError(RuntimeError):
    """valgrind or setarch is not installed."""


@dataclass(frozen=True)
class Workload:
    """One workload in one runtime, with its call counts."""

    name: str  # the workload's id in config.py, which the drivers use too
    runtime: str  # "python" or "node"
    warmup: int  # K: calls made by both runs
    calls: int  # N: the measured run's extra calls


# N gives each measured run about 10^9 instructions: a few seconds under valgrind.
WORKLOADS = (
    Workload("cpu", "python", warmup=3, calls=25),  # ~41 M instructions a call
    Workload("cpu-numpy", "python", warmup=3, calls=1_500),  # ~0.63 M; NumPy loads in call 1
    Workload("json", "python", warmup=1_000, calls=40_000),  # ~23 k
    Workload("cpu", "node", warmup=100, calls=500),  # ~2.1 M
    Workload("json", "node", warmup=10_000, calls=500_000),  # ~1.7 k
)


def parse_ir(text: str) -> int:
    """The total instructions executed (Ir) that cachegrind reports.

    `text` is a cachegrind output file, whose `summary:` line holds one total per event of
    its `events:` line, or valgrind's own report on stderr (`I   refs:  1,234`).
    """
    events = re.search(r"^events:(.*)$", text, re.MULTILINE)
    summary = re.search(r"^summary:(.*)$", text, re.MULTILINE)
    if events and summary:
        names, totals = events[1].split(), summary[1].split()
        if "Ir" in names and len(totals) == len(names):
            return int(totals[names.index("Ir")])
    refs = re.search(r"\bI\s+refs:\s*([\d,]+)", text)
    if refs:
        return int(refs[1].replace(",", ""))
    raise ValueError(f"no instruction count (Ir) in cachegrind output:\n{text[-2000:]}")


def per_call(baseline: int, measured: int, calls: int) -> float:
    """Instructions per call: `measured` made `calls` more calls than `baseline`."""
    if calls <= 0:
        raise ValueError(f"the measured run must make more calls than the baseline: {calls}")
    return (measured - baseline) / calls


def summarise(workload: Workload, totals: list[tuple[int, int]]) -> dict[str, Any]:
    """The record of one workload: per-call counts of each repetition, and their median."""
    runs = [round(per_call(baseline, measured, workload.calls)) for baseline, measured in totals]
    return {
        "workload": workload.name,
        "runtime": workload.runtime,
        "per_call": round(statistics.median(runs)),
        "runs": runs,
        "calls": workload.calls,
        "warmup": workload.warmup,
        "totals": [{"baseline": b, "measured": m} for b, m in totals],
    }


def tools() -> tuple[str, str]:
    """valgrind's and setarch's paths; ToolMissingError names the Debian packages to install."""
    found = {name: find_tool(name) for name in ("valgrind", "setarch")}
    missing = sorted({DEBIAN_TOOLS[name] for name, path in found.items() if path is None})
    valgrind, setarch = found["valgrind"], found["setarch"]
    if missing or valgrind is None or setarch is None:
        raise ToolMissingError(
            "instruction counts need valgrind and setarch: as root on Debian or Ubuntu run "
            f"`apt-get install -y {' '.join(missing)}` (`nox -s bench` does this when root)"
        )
    return valgrind, setarch


def driver(runtime: str) -> tuple[list[str], dict[str, str]]:
    """The command that runs `runtime`'s driver (workload and calls to follow), and its env."""
    env = dict(os.environ)
    env.pop("NODE_COMPILE_CACHE", None)  # a cache filled by one run would change the next
    if runtime == "python":
        return list(DRIVERS["python"]), env | PYTHON_ENV
    if runtime == "node":
        return [node_binary(), *NODE_FLAGS, *DRIVERS["node"]], env
    raise ValueError(f"unknown runtime {runtime!r}")


def run_driver(command: list[str], env: dict[str, str], calls: int) -> None:
    """Run a driver; check that it made `calls` calls."""
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=TIMEOUT_S, check=False
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines or json.loads(lines[-1]).get("calls") != calls:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


def count(workload: Workload, calls: int, log: TextIO) -> int:
    """Ir of one run of `workload`'s driver making `calls` calls, under cachegrind."""
    valgrind, setarch = tools()
    command, env = driver(workload.runtime)
    command = [*command, workload.name, str(calls)]
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cachegrind-") as scratch:
        out = Path(scratch) / "cachegrind.out"
        where = f"--cachegrind-out-file={out}"
        no_aslr = [setarch, platform.machine(), "-R"]
        run_driver([*no_aslr, valgrind, *CACHEGRIND, where, *command], env, calls)
        ir = parse_ir(out.read_text(encoding="utf-8", errors="replace"))
    seconds = time.perf_counter() - began
    print(
        f"instructions: {workload.runtime} {workload.name} x{calls}: {ir:,} Ir in {seconds:.1f} s",
        file=log,
        flush=True,
    )
    return ir


def valgrind_version() -> str:
    valgrind, _ = tools()
    result = subprocess.run([valgrind, "--version"], capture_output=True, text=True, check=True)
    return result.stdout.strip()  # "valgrind-3.19.0"


def count_all(
    workloads: tuple[Workload, ...] = WORKLOADS,
    repeats: int = REPEATS,
    jobs: int | None = None,
    log: TextIO = sys.stderr,
) -> dict[str, Any]:
    """Count every workload's instructions per call, `repeats` times: the results block.

    Runs `jobs` valgrind processes at once (default: one per usable core); the counts do
    not depend on it. Raises ToolMissingError without valgrind or setarch, and
    NodeNotFoundError for Node.js workloads without Node.js 24.
    """
    version = valgrind_version()
    for workload in workloads:
        # Unmeasured, so that caches the first run fills (Python's .pyc files) are full
        # before the runs that are compared.
        command, env = driver(workload.runtime)
        run_driver([*command, workload.name, str(workload.warmup)], env, workload.warmup)
    runs = [
        (workload, calls)
        for workload in workloads
        for _ in range(repeats)
        for calls in (workload.warmup, workload.warmup + workload.calls)
    ]
    with ThreadPoolExecutor(max_workers=jobs or len(os.sched_getaffinity(0))) as pool:
        irs = list(pool.map(lambda run: count(run[0], run[1], log), runs))
    counts = []
    for index, workload in enumerate(workloads):
        mine = irs[index * 2 * repeats : (index + 1) * 2 * repeats]
        counts.append(summarise(workload, list(zip(mine[::2], mine[1::2], strict=True))))
    return {
        "tool": f"{version} {' '.join(CACHEGRIND)}",
        "flags": {
            "python": ["setarch -R", *(f"{name}={value}" for name, value in PYTHON_ENV.items())],
            "node": ["setarch -R", *NODE_FLAGS],
        },
        "method": METHOD,
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench.instructions", description=__doc__
    )
    parser.add_argument("--jobs", type=int, default=None, help="valgrind runs at once")
    args = parser.parse_args(argv)
    try:
        block = count_all(jobs=args.jobs)
    except ToolMissingError as error:
        print(f"instructions: {error}", file=sys.stderr)
        return 2
    print(json.dumps(block, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
