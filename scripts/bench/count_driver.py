"""Call one Python bench workload a given number of times, for instructions.py to count.

`python -m scripts.bench.count_driver WORKLOAD CALLS` (from the repository root) imports the
example's workloads, calls WORKLOAD's function CALLS times and prints one JSON line: the
workload, the calls made and a checksum of the results (so no call is skipped). Nothing
else happens in the run, so the instructions of two runs with different CALLS differ only
by the calls in between.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from examples.python.bench import workloads


def serialise_json() -> int:
    """Serialise the /json body as Starlette's JSONResponse.render does (FastAPI's default)."""
    body = json.dumps(
        workloads.JSON_PAYLOAD,
        ensure_ascii=False,
        allow_nan=False,
        indent=None,
        separators=(",", ":"),
    )
    return len(body)


WORKLOADS: dict[str, Callable[[], int]] = {
    "cpu": lambda: workloads.multiply_pure()["trace"],  # behind /cpu
    "cpu-numpy": lambda: workloads.multiply_numpy()["trace"],  # behind /cpu/numpy
    "json": serialise_json,  # the body of /json
}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in WORKLOADS or not argv[1].isdigit():
        print(f"usage: count_driver {{{','.join(WORKLOADS)}}} CALLS", file=sys.stderr)
        return 2
    name, calls = argv[0], int(argv[1])
    workload, checksum = WORKLOADS[name], 0
    for _ in range(calls):
        checksum += workload()
    print(json.dumps({"workload": name, "calls": calls, "checksum": checksum}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
