"""How many server instances, and how much memory, a stated load needs on the measured machine.

`fragment(results)` turns the results file into the tables that the *Cost and sizing* page
includes (docs/performance/generated/sizing.md.txt, written by scripts/bench/render.py).
For every workload and server:

    instances = ceil(TARGET_RPS / requests per second of one instance)
    memory    = instances * peak resident memory of one instance

worked out three times: with the median repetition, with the fastest one (fewest
instances) and with the slowest one (most instances). An *instance* is one server as the
harness ran it: one process on one core, or, for a server with several workers, all of
its processes. The arithmetic is shown in the table, so a reader can redo it with their
own figures. Standard library only, like the renderer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scripts.bench import verdicts
from scripts.bench.verdicts import DASH, TIMES

TARGET_RPS = 10_000  # the stated load: requests per second, for each workload on its own
BUSY = 0.9  # an instance whose CPU was busy less than this share of its cores hit another limit
RESULTS_PAGE = "../performance/results.md"  # relative to the page that includes the fragment
DIVIDE, ARROW, DAGGER = "\u00f7", "\u2192", "\u2020"


def instances_for(target: float, requests_per_s: float) -> int:
    """The fewest instances that together answer `target` requests per second."""
    if requests_per_s <= 0:
        raise ValueError("an instance that answered nothing cannot carry any load")
    return max(1, math.ceil(target / requests_per_s))


@dataclass(frozen=True)
class Estimate:
    """One server's share of the sizing table for one workload."""

    server: str
    label: str
    workers: int
    requests_per_s: float  # one instance, median repetition
    peak_mib: float  # one instance, median repetition
    instances: tuple[int, int, int]  # median repetition, fastest, slowest
    memory_mib: tuple[float, float, float]  # the same three, times peak memory
    busy: bool  # whether its CPU was the limit (busy at least BUSY of its cores)


def estimate(
    results: Mapping[str, Any], cell: Mapping[str, Any], target: float = TARGET_RPS
) -> Estimate | None:
    """The sizing of one measured cell, or None when a repetition answered nothing."""
    server = next(s for s in results["servers"] if s["id"] == cell["server"])
    summary = cell["summary"]
    rate, peak = summary["requests_per_s"], summary["peak_rss_mib"]
    if min(rate["median"], rate["min"], rate["max"]) <= 0:
        return None
    median = instances_for(target, rate["median"])
    fewest = instances_for(target, rate["max"])  # the fastest repetition
    most = instances_for(target, rate["min"])  # the slowest repetition
    workers = int(server["workers"])
    cpu = summary.get("server_cpu_percent")
    busy = cpu is None or cpu["median"] >= BUSY * 100 * workers
    return Estimate(
        server=server["id"],
        label=server["label"],
        workers=workers,
        requests_per_s=rate["median"],
        peak_mib=peak["median"],
        instances=(median, fewest, most),
        memory_mib=(median * peak["median"], fewest * peak["min"], most * peak["max"]),
        busy=busy,
    )


def estimates(
    results: Mapping[str, Any], workload_id: str, target: float = TARGET_RPS
) -> tuple[list[Estimate], list[str]]:
    """The workload's estimates, fewest instances and least memory first, and the labels
    of the servers that answered nothing in some repetition."""
    found: list[Estimate] = []
    unmeasured: list[str] = []
    for cell in results["results"]:
        if cell["workload"] != workload_id:
            continue
        sized = estimate(results, cell, target)
        if sized:
            found.append(sized)
        else:
            server = next(s for s in results["servers"] if s["id"] == cell["server"])
            unmeasured.append(str(server["label"]))
    found.sort(key=lambda e: (e.instances[0], e.memory_mib[0], e.label))
    return found, unmeasured


def count(value: float) -> str:
    return f"{round(value):,}"


def mib(value: float) -> str:
    return f"{value:,.0f}"


def arithmetic(sized: Estimate, target: float) -> str:
    """The median repetition's sum, as the reader would write it down."""
    return (
        f"{count(target)} {DIVIDE} {count(sized.requests_per_s)} {ARROW} "
        f"{sized.instances[0]} {TIMES} {sized.peak_mib:,.1f} MiB"
    )


def row(sized: Estimate, target: float) -> list[str]:
    median, fewest, most = sized.instances
    instances = f"**{median}** ({fewest}{DASH}{most})"
    if not sized.busy:
        instances += f" {DAGGER}"
    low, high = sized.memory_mib[1], sized.memory_mib[2]
    memory = f"**{mib(sized.memory_mib[0])}** ({mib(low)}{DASH}{mib(high)})"
    return [sized.label, arithmetic(sized, target), instances, memory]


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def workload_section(results: Mapping[str, Any], workload: Mapping[str, Any], target: float) -> str:
    found, unmeasured = estimates(results, workload["id"], target)
    header = [
        "Server",
        f"Load {DIVIDE} req/s {ARROW} instances {TIMES} peak memory",
        "Instances",
        "Memory (MiB)",
    ]
    parts = [
        f"### {workload['title']} {{ #sizing-{workload['id']} }}",
        "",
        f"`GET {workload['path']}`; measured figures in the "
        f"[results]({RESULTS_PAGE}#{workload['id']}).",
        "",
        table(header, [row(sized, target) for sized in found]),
    ]
    if any(not sized.busy for sized in found):
        parts.append(
            f"{DAGGER} Its CPU was busy less than {BUSY * 100:.0f} % of the time, so something "
            "other than its CPU limited it (the upstream wait, a thread pool, the load "
            "generator, or a core shared with it; the results say which). With that limit "
            "raised, fewer instances may do.\n"
        )
    if unmeasured:
        parts.append(
            "Not sized, because a repetition answered no requests: " + ", ".join(unmeasured) + ".\n"
        )
    return "\n".join(parts)


def fragment(results: Mapping[str, Any], target: float = TARGET_RPS) -> str:
    """The whole generated file: the stated load, the run's noise, one table per workload."""
    parts = []
    if results.get("quick"):
        parts.append(
            '!!! danger "Quick run: smoke-test figures, not a measurement"\n\n'
            "    These tables come from a `--quick` run. They show how the page looks; "
            "do not size anything with them.\n"
        )
    noise = verdicts.noise(results) * 100
    parts.append(
        f"Stated load: **{count(target)} requests per second**, for each workload on its "
        "own. The sum uses the median repetition's requests per second and peak memory; "
        "bold is its result, and in brackets the same sum with the fastest and with the "
        "slowest repetition (the fewest and the most instances). Across this run, a server's "
        f"repetitions lay a median of {noise:.1f} % either side of its median.\n"
    )
    for workload in results["workloads"]:
        if any(cell["workload"] == workload["id"] for cell in results["results"]):
            parts.append(workload_section(results, workload, target))
    return "\n".join(parts)


def derived_values(results: Mapping[str, Any], target: float = TARGET_RPS) -> list[float]:
    """Every number the fragment computes rather than copies from the results file."""
    found: list[float] = [target, BUSY * 100, verdicts.noise(results) * 100]
    for workload in results["workloads"]:
        for sized in estimates(results, workload["id"], target)[0]:
            found += [float(n) for n in sized.instances]
            found += list(sized.memory_mib)
    return found
