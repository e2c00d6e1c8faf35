"""`python -m scripts.bench.compare A.json B.json`: do two runs agree, figure by figure?

For every figure the Performance pages show (medians of throughput, latency, CPU and
memory, start-up time and idle memory), print both values and their spread: the
difference divided by the mean of the two. Spreads above the method's agreement threshold
(10 %) are flagged, and the exit status is 1 when any is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

RESULT_FIGURES = ("requests_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms")
RESULT_FIGURES += ("server_cpu_percent", "peak_rss_mib")
STARTUP_FIGURES = ("startup_ms", "idle_rss_mib")


def figures(results: dict) -> dict[str, float]:
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


def compare(first: dict, second: dict, threshold: float) -> tuple[list[str], int]:
    """Lines to print, and how many figures disagree by more than `threshold`."""
    a, b = figures(first), figures(second)
    lines, over = [], 0
    for key in sorted(a.keys() & b.keys()):
        value = spread(a[key], b[key])
        flag = value > threshold
        over += flag
        lines.append(f"{'!!' if flag else '  '} {key:<48} {a[key]:>10} {b[key]:>10} {value:6.1%}")
    for key in sorted(a.keys() ^ b.keys()):
        lines.append(f"?? {key:<48} in one file only")
    spreads = sorted(spread(a[k], b[k]) for k in a.keys() & b.keys())
    if spreads:
        lines.append(
            f"{len(spreads)} figures; spread median {spreads[len(spreads) // 2]:.1%}, "
            f"max {spreads[-1]:.1%}; {over} above {threshold:.0%}"
        )
    return lines, over


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.compare", description=__doc__)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--threshold", type=float, help="default: the runs' method.agreement")
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
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
