"""Run the plan: every server, every workload it serves, interleaved repetitions."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar

from scripts.bench import instructions, latency, load, machine, procstat
from scripts.bench.config import Plan, Server, Workload, as_dict
from scripts.bench.launch import Started, started
from scripts.bench.noise import NoiseMonitor

T = TypeVar("T")
MIB = 1024 * 1024
SCHEMA_VERSION = 3
STARTUP_MS_BUDGET = 2_000  # per server start and stop, for the duration estimate only
INSTRUCTIONS_BUDGET_S = 150  # the cachegrind counts on two idle cores, for the estimate only
THROUGHPUT_TOOL = "wrk (Debian package), closed loop, one thread"
LATENCY_TOOL = (
    "scripts/bench/rategen.py: a fixed request rate, latency timed from when each request "
    "was due, which corrects for coordinated omission (Debian does not package wrk2); "
    "every latency recorded in an {histogram}"
)


def cpu_sets() -> dict[str, str | None]:
    """Server on the first usable core, load generators on the second; none if only one."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return {"server": None, "load": None, "multi": None}
    return {"server": str(cores[0]), "load": str(cores[1]), "multi": f"{cores[0]},{cores[1]}"}


@contextlib.contextmanager
def pinned_to(cpu: str | None) -> Iterator[None]:
    """Keep the harness itself (polling, memory sampling) off the servers' core."""
    previous = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {int(cpu)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, previous)


def estimate_s(plan: Plan) -> float:
    """How long the plan takes, roughly: for choosing durations, not for the results."""
    method = plan.method
    windows = method.throughput_windows * method.throughput_s + method.latency_s
    per_cell = method.warmup_s + windows + 0.7
    cells = sum(len(plan.workloads_for(server)) for server in plan.servers)
    starts = len(plan.servers) * method.startup_samples * STARTUP_MS_BUDGET / 1000
    counting = INSTRUCTIONS_BUDGET_S if method.count_instructions else 0
    return method.repetitions * (cells * per_cell + starts) + counting


def spread(values: list[float], digits: int = 1) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def prime(url: str) -> None:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        response.read()


def measure(
    plan: Plan, noise: NoiseMonitor | None, workload: Workload, port: int, pgid: int
) -> dict[str, Any]:
    method, cpus = plan.method, cpu_sets()
    url = f"http://{method.host}:{port}{workload.path}"

    def run_wrk(seconds: int) -> load.LoadResult:
        return load.wrk(
            url,
            workload.connections,
            seconds,
            method.wrk_threads,
            method.request_timeout_s,
            cpus["load"],
        )

    def throughput_window() -> tuple[load.LoadResult, float]:
        cpu_before, began = procstat.cpu_seconds(pgid), time.perf_counter()
        result = run_wrk(method.throughput_s)
        return result, (procstat.cpu_seconds(pgid) - cpu_before) / (time.perf_counter() - began)

    def latency_window() -> load.LoadResult:
        return load.fixed_rate(
            port,
            workload.path,
            workload.rate,
            method.latency_s,
            workload.connections,
            method.request_timeout_s,
            cpus["load"],
        )

    def window(take: Callable[[], T]) -> T:
        procstat.wait_idle(pgid)  # every window starts with the server idle
        if noise:
            noise.sample()  # how busy the host is as the window starts
        return take()

    with procstat.PeakRss(pgid) as rss:
        prime(url)  # a first request pays one-off costs (e.g. NumPy's import) even in --quick
        if method.warmup_s:
            run_wrk(method.warmup_s)  # discarded
        windows = [window(throughput_window) for _ in range(method.throughput_windows)]
        latency = window(latency_window)
    reports = [report for report, _ in windows]
    server_cpu = statistics.fmean(cpu for _, cpu in windows)
    load_cpu = max(*(r.cpu_fraction for r in reports), latency.cpu_fraction)
    report = latency.report
    return {
        "requests_per_s": round(statistics.fmean(r.report["requests_per_s"] for r in reports), 1),
        "errors": sum(int(r.report["errors"]) for r in reports),
        "p50_ms": report["p50_ms"],
        "p90_ms": report["p90_ms"],
        "p99_ms": report["p99_ms"],
        "max_ms": report["max_ms"],
        "latency_histogram": report["histogram"],
        "latency_errors": int(report["errors"]),
        "achieved_rate": report["achieved_rate"],
        "server_cpu_percent": round(server_cpu * 100, 1),
        "peak_rss_mib": round(rss.peak / MIB, 1),
        "load_cpu_percent": round(load_cpu * 100, 1),
        "load_saturated": load_cpu > method.load_cpu_flag,
    }


SUMMARISED = (
    "requests_per_s",
    "server_cpu_percent",
    "peak_rss_mib",
    "load_cpu_percent",
    "achieved_rate",
)
LATENCIES = ("p50_ms", "p90_ms", "p99_ms", "max_ms")  # kept to the microsecond


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, object] = {key: spread([run[key] for run in runs]) for key in SUMMARISED}
    # Each repetition's percentiles, for their spread; and the figures of all repetitions'
    # requests together, from their merged histograms, with the true maximum.
    summary |= {key: spread([run[key] for run in runs], digits=3) for key in LATENCIES}
    summary["latency"] = latency.summary(run["latency_histogram"] for run in runs)
    summary["errors"] = sum(run["errors"] + run["latency_errors"] for run in runs)
    summary["load_saturated_runs"] = sum(run["load_saturated"] for run in runs)
    return summary


def startup_record(live: Started) -> dict[str, float]:
    return {
        "startup_ms": round(live.startup_ms, 1),
        "idle_rss_mib": round(live.idle_rss_bytes / MIB, 1),
    }


def time_startups(
    server: Server, cpus: str | None, data_dir: Path, count: int
) -> list[dict[str, Any]]:
    """Cold-start `server` `count` times, stopping it each time: start-up time and idle RSS."""
    timed = []
    for _ in range(count):
        with started(server, cpus, data_dir) as live:
            timed.append(startup_record(live))
    return timed


def run(plan: Plan, log: TextIO = sys.stderr) -> dict[str, Any]:
    """Execute `plan` and return the results document (see data/bench/results.schema.json)."""
    began = time.perf_counter()
    cpus = cpu_sets()
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    starts: dict[str, list[dict[str, Any]]] = {}
    print(f"bench: about {estimate_s(plan) / 60:.1f} min", file=log, flush=True)
    # The probes need the two pinned cores: the server's and the load generator's.
    server_cpu, load_cpu = cpus["server"], cpus["load"]
    probe_noise = plan.method.noise_probes and server_cpu is not None and load_cpu is not None
    noise = (
        NoiseMonitor((int(server_cpu), int(load_cpu)))
        if probe_noise and server_cpu is not None and load_cpu is not None
        else None
    )
    with pinned_to(cpus["load"]), tempfile.TemporaryDirectory(prefix="bench-data-") as data_dir:
        for rep in range(plan.method.repetitions):
            # Interleave: every server once per repetition, starting one later each time.
            order = (
                plan.servers[rep % len(plan.servers) :] + plan.servers[: rep % len(plan.servers)]
            )
            for server in order:
                server_cpus = cpus["multi"] if server.workers > 1 else cpus["server"]
                # Extra cold starts only time start-up; the last start also serves the load.
                timed = time_startups(
                    server, server_cpus, Path(data_dir), plan.method.startup_samples - 1
                )
                with started(server, server_cpus, Path(data_dir)) as live:
                    timed.append(startup_record(live))
                    starts.setdefault(server.id, []).extend(timed)
                    for workload in plan.workloads_for(server):
                        print(
                            f"bench: rep {rep + 1} {server.id} {workload.id}", file=log, flush=True
                        )
                        result = measure(plan, noise, workload, live.port, live.pgid)
                        cells.setdefault((workload.id, server.id), []).append(
                            {"rep": rep + 1, **result}
                        )
    # After the timed windows, which the valgrind runs would otherwise disturb.
    counted = instructions.count_all(log=log) if plan.method.count_instructions else None
    return {
        "schema_version": SCHEMA_VERSION,
        "quick": plan.quick,
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "duration_s": round(time.perf_counter() - began, 1),
        "machine": machine.machine(),
        "noise": noise.summary() if noise else None,
        "versions": machine.versions(),
        "instructions": counted,
        "method": method_block(plan, cpus),
        "servers": [as_dict(server) for server in plan.servers],
        "workloads": [as_dict(w) | {"servers": list(w.servers)} for w in plan.workloads],
        "startup": [
            {
                "server": server_id,
                "runs": runs,
                "summary": {
                    "startup_ms": spread([r["startup_ms"] for r in runs]),
                    "idle_rss_mib": spread([r["idle_rss_mib"] for r in runs]),
                },
            }
            for server_id, runs in starts.items()
        ],
        "results": [
            {"workload": workload_id, "server": server_id, "runs": runs, "summary": summarise(runs)}
            for (workload_id, server_id), runs in sorted(cells.items())
        ],
    }


def workload_constants() -> dict[str, int]:
    """The workloads' parameters, read from the Python bench code that defines them."""
    from examples.python.bench import workloads

    return {
        "io_delay_ms": workloads.IO_WAITED_MS,
        "matrix_size": workloads.MATRIX_SIZE,
        "file_bytes": len(workloads.file_content()),
    }


def method_block(plan: Plan, cpus: dict[str, str | None]) -> dict[str, object]:
    return {
        **as_dict(plan.method),
        "pinned": cpus["server"] is not None,
        "server_cpus": cpus["server"],
        "load_cpus": cpus["load"],
        "multi_worker_cpus": cpus["multi"],
        "throughput_tool": THROUGHPUT_TOOL,
        "latency_tool": LATENCY_TOOL.format(
            histogram=latency.describe(plan.method.request_timeout_s)
        ),
        "interleaving": "each repetition starts every server anew, in a rotated order",
        **workload_constants(),
    }
