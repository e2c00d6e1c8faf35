"""`python -m scripts.bench.compare A.json B.json`: do two runs agree, figure by figure?

For every figure the Performance pages show (medians of throughput, latency, server and
load-generator CPU, memory, achieved rate, start-up time and idle memory), print both
values and their spread: the difference divided by the mean of the two. Spreads above the
method's agreement threshold (10 %) are flagged, and the exit status is 1 when any is.

`--write data/bench/agreement.json` also saves the summary, per kind of figure, that the
Method page renders; commit it with the second run as data/bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

RESULT_FIGURES: tuple[str, ...] = ("requests_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms")
RESULT_FIGURES += ("server_cpu_percent", "peak_rss_mib", "load_cpu_percent", "achieved_rate")
STARTUP_FIGURES = ("startup_ms", "idle_rss_mib")
LABELS = {
    "requests_per_s": "Throughput (req/s)",
    "p50_ms": "Latency p50",
    "p90_ms": "Latency p90",
    "p99_ms": "Latency p99",
    "max_ms": "Latency max",
    "server_cpu_percent": "Server CPU",
    "peak_rss_mib": "Peak memory",
    "load_cpu_percent": "Load generator CPU",
    "achieved_rate": "Achieved fixed rate",
    "startup_ms": "Start-up time",
    "idle_rss_mib": "Idle memory",
}


def figures(results: dict[str, Any]) -> dict[str, float]:
    """Every median the pages render, keyed `workload/server/metric` or `startup/server/...`."""
    found = {}
    for cell in results["results"]:
        for metric in RESULT_FIGURES:
            key = f"{cell['workload']}/{cell['server']}/{metric}"
            found[key] = cell["summary"][metric]["median"]
    for start in results["startup"]:
        for metric in STARTUP_FIGURES:
            found[f"startup/{start['server']}/{metric}"] = start["summary"][metric]["median"]
    return found


def spread(a: float, b: float) -> float:
    mean = (a + b) / 2
    return abs(a - b) / mean if mean else 0.0


def spreads(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """The spread of every figure found in both runs' `figures`."""
    return {key: spread(a[key], b[key]) for key in sorted(a.keys() & b.keys())}


def compare(
    first: dict[str, Any], second: dict[str, Any], threshold: float
) -> tuple[list[str], int]:
    """Lines to print, and how many figures disagree by more than `threshold`."""
    a, b = figures(first), figures(second)
    found = spreads(a, b)
    lines, over = [], 0
    for key, value in found.items():
        flag = value > threshold
        over += flag
        lines.append(f"{'!!' if flag else '  '} {key:<48} {a[key]:>10} {b[key]:>10} {value:6.1%}")
    for key in sorted(a.keys() ^ b.keys()):
        lines.append(f"?? {key:<48} in one file only")
    ordered = sorted(found.values())
    if ordered:
        lines.append(
            f"{len(ordered)} figures; spread median {ordered[len(ordered) // 2]:.1%}, "
            f"max {ordered[-1]:.1%}; {over} above {threshold:.0%}"
        )
    return lines, over


def percent(value: float) -> float:
    return round(value * 100, 1)


def kind_summary(values: list[float], threshold: float) -> dict[str, float | int]:
    return {
        "figures": len(values),
        "median_spread_percent": percent(statistics.median(values)),
        "max_spread_percent": percent(max(values)),
        "over_threshold": sum(value > threshold for value in values),
    }


def agreement(first: dict[str, Any], second: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The summary the Method page renders: overall and per kind of figure."""
    found = spreads(figures(first), figures(second))
    by_kind: dict[str, list[float]] = {}
    for key, value in found.items():
        by_kind.setdefault(key.rsplit("/", 1)[1], []).append(value)
    return {
        "runs": [
            {"date": run["date"], "duration_s": run["duration_s"], "noise": run.get("noise")}
            for run in (first, second)
        ],
        "threshold_percent": percent(threshold),
        "all": kind_summary(list(found.values()), threshold),
        "by_kind": [
            {"metric": metric, "label": label, **kind_summary(by_kind[metric], threshold)}
            for metric, label in LABELS.items()
            if metric in by_kind
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.compare", description=__doc__)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--threshold", type=float, help="default: the runs' method.agreement")
    parser.add_argument("--write", type=Path, help="also save the summary here (JSON)")
    args = parser.parse_args(argv)
    first, second = (
        json.loads(path.read_text(encoding="utf-8")) for path in (args.first, args.second)
    )
    for label, data in (("first", first), ("second", second)):
        if data["quick"]:
            print(f"warning: the {label} file is a --quick run", file=sys.stderr)
    threshold = args.threshold if args.threshold is not None else first["method"]["agreement"]
    lines, over = compare(first, second, threshold)
    print("\n".join(lines))
    if args.write:
        summary = agreement(first, second, threshold)
        args.write.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
