"""`python -m scripts.bench.compare FIRST.json SECOND.json`: does a second run confirm the first?

On a shared two-core VM one-second throughput windows vary ~14 %, so no threshold on
throughput or latency that five repetitions can meet would mean much. The check
therefore passes or fails only on what *should* repeat, and reports the rest as figures:

(a) idle memory, achieved fixed rate and error counts within 1 %;
(b) instruction counts (cachegrind) within 0.1 %;
(c) every pair of servers whose throughputs are at least 1.3 times apart in a workload keeps its
    order in both runs, and every closer pair is a tie (scripts/bench/verdicts.py) in at
    least one run, so the pages never rank what the runs cannot tell apart;
(d) the spread of throughput and latency figures between runs (difference over mean),
    reported, never judged;
(e) every order the pages state (a pair that is no tie in a run) holds in the other run:
    (c) judges medians alone, so a pair 1.3 times apart whose ranges overlap can fail
    (c) although the pages call it a tie.

The exit status is 1 when a check fails. The Method page renders the same verdict from
data/bench/previous.json (the first run) and data/bench/results.json (the second).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.bench import verdicts
from scripts.bench.verdicts import TIMES

REPEATS_WITHIN = 0.01  # (a): memory at rest, the rate we asked for, errors
INSTRUCTIONS_WITHIN = 0.001  # (b)
ORDER_RATIO = 1.3  # (c): pairs at least this far apart must keep their order
SPREAD_FIGURES = {
    "requests_per_s": "Throughput (req/s)",
    "p50_ms": "Latency p50 (median of runs)",
    "p99_ms": "Latency p99 (median of runs)",
}


def spread(a: float, b: float) -> float:
    """The difference over the mean: 0 for equal figures, 0.2 for 110 against 90."""
    mean = (a + b) / 2
    return abs(a - b) / mean if mean else 0.0


@dataclass
class Check:
    key: str  # "a", "b", "c"
    label: str
    compared: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.compared > 0 and not self.failures

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "compared": self.compared,
            "passed": self.passed,
            "failures": self.failures,
        }


def _cells(run: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(cell["workload"], cell["server"]): cell for cell in run["results"]}


def _within(check: Check, name: str, a: float, b: float, limit: float) -> None:
    check.compared += 1
    if spread(a, b) > limit:
        check.failures.append(f"{name}: {a:g} against {b:g} ({spread(a, b):.2%})")


def repeatable(first: Mapping[str, Any], second: Mapping[str, Any]) -> Check:
    """(a) Idle memory, achieved rate and errors: what a fair harness reproduces."""
    check = Check("a", f"idle memory, achieved rate and errors within {REPEATS_WITHIN:.0%}")
    idle = {s["server"]: s["summary"]["idle_rss_mib"]["median"] for s in first["startup"]}
    for start in second["startup"]:
        if start["server"] in idle:
            name = f"idle memory of {start['server']}"
            value = start["summary"]["idle_rss_mib"]["median"]
            _within(check, name, idle[start["server"]], value, REPEATS_WITHIN)
    later = _cells(second)
    for key, cell in _cells(first).items():
        if key not in later:
            continue
        a, b = cell["summary"], later[key]["summary"]
        name = "/".join(key)
        rate = "achieved_rate"
        _within(check, f"{name} {rate}", a[rate]["median"], b[rate]["median"], REPEATS_WITHIN)
        _within(check, f"{name} errors", a["errors"], b["errors"], REPEATS_WITHIN)
    return check


def instructions(first: Mapping[str, Any], second: Mapping[str, Any]) -> Check:
    """(b) Instruction counts per call: exact here, so 0.1 % is generous."""
    check = Check("b", f"instruction counts within {INSTRUCTIONS_WITHIN:.1%}")

    def counts(run: Mapping[str, Any]) -> dict[tuple[str, str], float]:
        block = run.get("instructions") or {}
        return {(c["workload"], c["runtime"]): c["per_call"] for c in block.get("counts", [])}

    before, after = counts(first), counts(second)
    for key in sorted(before.keys() & after.keys()):
        _within(check, "/".join(key), before[key], after[key], INSTRUCTIONS_WITHIN)
    return check


def _pairs(run: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(workload, server, server) for every pair of servers measured on one workload."""
    by_workload: dict[str, list[str]] = {}
    for cell in run["results"]:
        by_workload.setdefault(cell["workload"], []).append(cell["server"])
    for workload, servers in sorted(by_workload.items()):
        for a, b in itertools.combinations(sorted(servers), 2):
            yield workload, a, b


def order(first: Mapping[str, Any], second: Mapping[str, Any]) -> Check:
    """(c) Clear differences keep their order; close ones are ties somewhere."""
    check = Check(
        "c",
        f"servers ≥ {ORDER_RATIO:g}{TIMES} apart keep their order; closer pairs tie in a run",
    )
    runs = [(run, _cells(run), verdicts.noise(run)) for run in (first, second)]
    later = runs[1][1]
    for workload, a, b in _pairs(first):
        if (workload, a) not in later or (workload, b) not in later:
            continue
        check.compared += 1
        spreads = [
            (
                cells[(workload, a)]["summary"]["requests_per_s"],
                cells[(workload, b)]["summary"]["requests_per_s"],
                within,
            )
            for _, cells, within in runs
        ]
        ratios = [x["median"] / y["median"] if y["median"] else 0.0 for x, y, _ in spreads]
        far = [max(r, 1 / r) >= ORDER_RATIO if r else False for r in ratios]
        name = f"{workload}: {a} / {b}"
        if any(far):
            if (ratios[0] > 1) != (ratios[1] > 1):
                shown = ", ".join(f"{r:.2f}{TIMES}" for r in ratios)
                check.failures.append(f"{name} swapped order ({shown})")
        elif not any(verdicts.tied(x, y, within) for x, y, within in spreads):
            check.failures.append(f"{name} is closer than {ORDER_RATIO:g}{TIMES} yet no tie")
    return check


def stated_order(first: Mapping[str, Any], second: Mapping[str, Any]) -> Check:
    """(e) What the pages rank (no tie in that run) keeps its order in the other run."""
    check = Check("e", "every order the pages state holds in the other run")
    runs = [(_cells(run), verdicts.noise(run)) for run in (first, second)]
    for workload, a, b in _pairs(first):
        if not all((workload, s) in cells for cells, _ in runs for s in (a, b)):
            continue
        spreads = [
            (
                cells[(workload, a)]["summary"]["requests_per_s"],
                cells[(workload, b)]["summary"]["requests_per_s"],
            )
            for cells, _ in runs
        ]
        for index, (_, within) in enumerate(runs):
            x, y = spreads[index]
            if verdicts.tied(x, y, within):
                continue
            check.compared += 1
            ox, oy = spreads[1 - index]
            if (x["median"] > y["median"]) != (ox["median"] > oy["median"]):
                check.failures.append(
                    f"{workload}: {a} / {b} ranked in run {index + 1}, swapped in the other"
                )
    return check


def spreads(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[dict[str, object]]:
    """(d) How far the two runs' throughput and latency figures lie apart, per kind."""
    later = _cells(second)
    found: dict[str, list[float]] = {metric: [] for metric in SPREAD_FIGURES}
    for key, cell in _cells(first).items():
        if key in later:
            for metric in SPREAD_FIGURES:
                a = cell["summary"][metric]["median"]
                found[metric].append(spread(a, later[key]["summary"][metric]["median"]))
    return [
        {
            "metric": metric,
            "label": label,
            "figures": len(found[metric]),
            "median_spread_percent": round(statistics.median(found[metric]) * 100, 1),
            "max_spread_percent": round(max(found[metric]) * 100, 1),
        }
        for metric, label in SPREAD_FIGURES.items()
        if found[metric]
    ]


def verdict(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the Method page shows about the two runs."""
    checks = [repeatable(first, second), instructions(first, second), order(first, second)]
    checks.append(stated_order(first, second))
    return {
        "runs": [
            {"date": run["date"], "duration_s": run["duration_s"], "noise": run.get("noise")}
            for run in (first, second)
        ],
        "checks": [check.as_dict() for check in checks],
        "passed": all(check.passed for check in checks),
        "spreads": spreads(first, second),
    }


def report(found: Mapping[str, Any]) -> list[str]:
    lines = []
    for check in found["checks"]:
        mark = "pass" if check["passed"] else "FAIL"
        lines.append(f"{mark} ({check['key']}) {check['label']}: {check['compared']} compared")
        lines += [f"       {failure}" for failure in check["failures"]]
        if not check["compared"]:
            lines.append("       nothing to compare: the files lack these figures")
    for kind in found["spreads"]:
        lines.append(
            f"     (d) {kind['label']}: {kind['figures']} figures, spread median "
            f"{kind['median_spread_percent']} %, max {kind['max_spread_percent']} %"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.compare", description=__doc__)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    first, second = (
        json.loads(path.read_text(encoding="utf-8")) for path in (args.first, args.second)
    )
    for label, data in (("first", first), ("second", second)):
        if data["quick"]:
            print(f"warning: the {label} file is a --quick run", file=sys.stderr)
    found = verdict(first, second)
    print("\n".join(report(found)))
    return 0 if found["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
