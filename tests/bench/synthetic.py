"""Small, hand-made results documents for the harness's logic: every figure known in advance."""

from __future__ import annotations

import copy
from typing import Any

SERVERS = {
    "py": ("Py server", "python", 1),
    "py2": ("Py server, 2 workers", "python", 2),
    "node": ("Node server", "node", 1),
    "nginx": ("nginx", "nginx", 1),
}


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": ordered[len(ordered) // 2], "min": ordered[0], "max": ordered[-1]}


def cell(workload: str, server: str, rates: list[float], **extra: Any) -> dict[str, Any]:
    """A cell whose repetitions measured `rates` req/s; other figures fixed."""
    runs = [{"rep": n + 1, "requests_per_s": rate} for n, rate in enumerate(rates)]
    summary = {
        "requests_per_s": spread(rates),
        "achieved_rate": spread([999.0] * len(rates)),
        "p50_ms": spread([1.0] * len(rates)),
        "p99_ms": spread([5.0] * len(rates)),
        "errors": 0,
        "load_saturated_runs": 0,
    }
    summary |= extra
    return {"workload": workload, "server": server, "runs": runs, "summary": summary}


def document(*cells: dict[str, Any], **top: Any) -> dict[str, Any]:
    used = {c["server"] for c in cells}
    workloads = sorted({c["workload"] for c in cells})
    found: dict[str, Any] = {
        "quick": False,
        "date": "2026-11-30T12:00:00+00:00",
        "duration_s": 60.0,
        "method": {"io_delay_ms": 20, "load_cpu_flag": 0.9},
        "servers": [
            {"id": s, "label": SERVERS[s][0], "runtime": SERVERS[s][1], "workers": SERVERS[s][2]}
            for s in SERVERS
            if s in used
        ],
        "workloads": [
            {"id": w, "title": f"Workload {w}", "connections": 256, "rate": 1000} for w in workloads
        ],
        "startup": [
            {"server": s, "summary": {"idle_rss_mib": spread([50.0 if s != "node" else 90.0])}}
            for s in sorted(used)
        ],
        "results": list(cells),
    }
    found |= top
    return copy.deepcopy(found)
