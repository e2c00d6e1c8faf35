"""What the figures let a reader conclude: ties, ceilings, and rank statements.

Every conclusion the Performance pages draw is computed here from the results file, so
a page never says "X is faster than Y" when the data cannot tell them apart:

- Two figures *tie* when their min-max ranges over the repetitions overlap, or when their
  medians differ by no more than the run's own noise: the median half-width of the
  throughput ranges of all cells (`noise`).
- A workload's *ceiling* is the fastest any server could answer it on this machine:
  nginx's figure for `/json` (flagged when the load generator, not nginx, hit its limit),
  connections ÷ delay for the upstream waits, none for the others.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Spread = Mapping[str, float]  # "median", "min", "max"
DASH, TIMES = "\u2013", "\u00d7"  # en dash for ranges, multiplication sign

CEILING_SERVER = "nginx"  # answers /json from memory: this machine's HTTP ceiling
WAITING_WORKLOADS = ("io", "io-sync")  # each request waits method.io_delay_ms, no CPU


def noise(results: Mapping[str, Any]) -> float:
    """The run's own noise: the median over cells of throughput's (max - min) / 2 / median."""
    widths = [
        (spread["max"] - spread["min"]) / 2 / spread["median"]
        for cell in results["results"]
        if (spread := cell["summary"]["requests_per_s"])["median"] > 0
    ]
    return statistics.median(widths) if widths else 0.0


def tied(a: Spread, b: Spread, within: float) -> bool:
    """Whether two figures cannot be told apart: ranges overlap, or medians within `within`."""
    if a["min"] <= b["max"] and b["min"] <= a["max"]:
        return True
    larger = max(a["median"], b["median"])
    return larger > 0 and abs(a["median"] - b["median"]) / larger <= within


def ranks(spreads: Sequence[Spread], within: float) -> list[str]:
    """Rank labels for figures sorted best first; a row tied with the one above shares its rank.

    Sports-style: after two rows tied at 2 the next rank is 4. Ties chain down the list
    (A ties B, B ties C: one rank), which never claims an order the data lacks.
    """
    numbers: list[int] = []
    for index, spread in enumerate(spreads):
        same = index > 0 and tied(spreads[index - 1], spread, within)
        numbers.append(numbers[-1] if same else index + 1)
    return [f"{n} (tie)" if numbers.count(n) > 1 else str(n) for n in numbers]


@dataclass(frozen=True)
class Ceiling:
    requests_per_s: float
    source: str  # how it was found, for the page
    load_limited_runs: int = 0  # runs in which the load generator, not the server, was the limit
    runs: int = 0


def ceiling(results: Mapping[str, Any], workload_id: str) -> Ceiling | None:
    """The workload's ceiling on this machine, or None where none is known."""
    method = results["method"]
    workload = next(w for w in results["workloads"] if w["id"] == workload_id)
    if workload_id in WAITING_WORKLOADS:
        per_s = workload["connections"] / (method["io_delay_ms"] / 1000)
        return Ceiling(
            per_s, f"{workload['connections']} connections ÷ {method['io_delay_ms']} ms each"
        )
    for cell in results["results"]:
        if (cell["workload"], cell["server"]) == (workload_id, CEILING_SERVER):
            summary = cell["summary"]
            return Ceiling(
                summary["requests_per_s"]["median"],
                "nginx answering the same route",
                summary["load_saturated_runs"],
                len(cell["runs"]),
            )
    return None


def share(requests_per_s: float, limit: Ceiling | None) -> float | None:
    return requests_per_s / limit.requests_per_s * 100 if limit else None


@dataclass(frozen=True)
class Claim:
    """One generated sentence, the section it summarises, and the numbers it states."""

    text: str
    anchor: str
    numbers: tuple[float, ...]


def _cells(results: Mapping[str, Any], workload_id: str) -> list[Mapping[str, Any]]:
    return [cell for cell in results["results"] if cell["workload"] == workload_id]


def _runtime(results: Mapping[str, Any], server_id: str) -> str:
    runtime: str = next(s["runtime"] for s in results["servers"] if s["id"] == server_id)
    return runtime


def _label(results: Mapping[str, Any], server_id: str) -> str:
    label: str = next(s["label"] for s in results["servers"] if s["id"] == server_id)
    return label


def _single(results: Mapping[str, Any], cell: Mapping[str, Any]) -> bool:
    server = next(s for s in results["servers"] if s["id"] == cell["server"])
    return bool(server["workers"] == 1)


def _throughput(cell: Mapping[str, Any]) -> Spread:
    spread: Spread = cell["summary"]["requests_per_s"]
    return spread


def ratio(a: float, b: float) -> float:
    """How many times `a` is `b`, to one decimal, as the pages show it."""
    return round(a / b, 1) if b else 0.0


def runtime_gap(results: Mapping[str, Any], workload_id: str, title: str) -> Claim | None:
    """Every single-worker Node.js server against every single-worker Python server."""
    cells = [c for c in _cells(results, workload_id) if _single(results, c)]
    node = [c for c in cells if _runtime(results, c["server"]) == "node"]
    python = [c for c in cells if _runtime(results, c["server"]) == "python"]
    if not node or not python:
        return None
    within = noise(results)
    pairs = [(n, p) for n in node for p in python]
    if all(_throughput(n)["median"] > _throughput(p)["median"] for n, p in pairs) and not any(
        tied(_throughput(n), _throughput(p), within) for n, p in pairs
    ):
        slowest_node = min(_throughput(n)["median"] for n in node)
        fastest_python = max(_throughput(p)["median"] for p in python)
        times = ratio(slowest_node, fastest_python)
        return Claim(
            f"{title}: every Node.js server answered more requests per second than every "
            f"Python server, the slowest Node.js one {times}{TIMES} the fastest Python one.",
            workload_id,
            (times,),
        )
    best_node = max(node, key=lambda c: _throughput(c)["median"])
    best_python = max(python, key=lambda c: _throughput(c)["median"])
    if tied(_throughput(best_node), _throughput(best_python), within):
        return Claim(
            f"{title}: the fastest Node.js server ({_label(results, best_node['server'])}) and "
            f"the fastest Python server ({_label(results, best_python['server'])}) tie.",
            workload_id,
            (),
        )
    ahead, behind = sorted((best_node, best_python), key=lambda c: -_throughput(c)["median"])
    times = ratio(_throughput(ahead)["median"], _throughput(behind)["median"])
    return Claim(
        f"{title}: the fastest {_runtime_name(results, ahead)} server "
        f"({_label(results, ahead['server'])}) answered {times}{TIMES} as many requests per second "
        f"as the fastest {_runtime_name(results, behind)} one "
        f"({_label(results, behind['server'])}); not every Node.js server is clearly ahead of "
        "every Python one.",
        workload_id,
        (times,),
    )


def _runtime_name(results: Mapping[str, Any], cell: Mapping[str, Any]) -> str:
    return {"node": "Node.js", "python": "Python"}[_runtime(results, cell["server"])]


def ceiling_claim(results: Mapping[str, Any], workload_id: str, title: str) -> Claim | None:
    """How close the servers came to the workload's ceiling."""
    limit = ceiling(results, workload_id)
    cells = [c for c in _cells(results, workload_id) if c["server"] != CEILING_SERVER]
    if not limit or not cells:
        return None
    shares = {c["server"]: share(_throughput(c)["median"], limit) or 0.0 for c in cells}
    best = max(shares, key=lambda s: shares[s])
    worst = min(shares, key=lambda s: shares[s])
    top, bottom = round(shares[best]), round(shares[worst])
    return Claim(
        f"{title}: against a ceiling of {limit.requests_per_s:,.0f} req/s "
        f"({limit.source}), servers reached from {bottom} % ({_label(results, worst)}) to "
        f"{top} % ({_label(results, best)}).",
        workload_id,
        (limit.requests_per_s, top, bottom),
    )


def instructions_claim(results: Mapping[str, Any]) -> Claim | None:
    """Instructions per matrix multiply, Node.js against Python: a count, not a timing."""
    counts = {
        (c["workload"], c["runtime"]): c["per_call"]
        for c in (results.get("instructions") or {}).get("counts", [])
    }
    python, node = counts.get(("cpu", "python")), counts.get(("cpu", "node"))
    if not python or not node:
        return None
    times = round(python / node)
    millions = (round(python / 1e6, 1), round(node / 1e6, 1))
    return Claim(
        f"Pure-language matrix multiply: CPython executes {millions[0]} million instructions "
        f"per multiply, Node.js {millions[1]} million, {times}{TIMES} fewer; instruction counts "
        "repeat exactly, unlike timings.",
        "cpu",
        (*millions, times),
    )


def memory_claim(results: Mapping[str, Any]) -> Claim | None:
    """Idle memory per runtime, single-worker servers: the range of medians."""
    by_runtime: dict[str, list[float]] = {}
    for start in results["startup"]:
        server = next(s for s in results["servers"] if s["id"] == start["server"])
        if server["workers"] == 1 and server["runtime"] in ("python", "node"):
            median = start["summary"]["idle_rss_mib"]["median"]
            by_runtime.setdefault(server["runtime"], []).append(median)
    if set(by_runtime) != {"python", "node"}:
        return None
    python, node = by_runtime["python"], by_runtime["node"]
    numbers = (min(python), max(python), min(node), max(node))
    return Claim(
        f"Idle memory of one process: Python servers {numbers[0]:.0f}{DASH}{numbers[1]:.0f} MiB, "
        f"Node.js servers {numbers[2]:.0f}{DASH}{numbers[3]:.0f} MiB.",
        "startup",
        numbers,
    )


def takeaways(results: Mapping[str, Any]) -> list[Claim]:
    """The few sentences the Results page opens with, each computed from the data."""
    titles = {w["id"]: w["title"] for w in results["workloads"]}
    found = [
        runtime_gap(results, "json", titles["json"]) if "json" in titles else None,
        ceiling_claim(results, "io", titles["io"]) if "io" in titles else None,
        runtime_gap(results, "db", titles["db"]) if "db" in titles else None,
        runtime_gap(results, "cpu", titles["cpu"]) if "cpu" in titles else None,
        instructions_claim(results),
        memory_claim(results),
    ]
    return [claim for claim in found if claim]
