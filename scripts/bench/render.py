"""Render the benchmark results into the Performance pages' tables and charts.

`python -m scripts.bench.render [RESULTS]` reads data/bench/results.json and writes
Markdown fragments (`*.md.txt`) and SVG charts into docs/performance/generated/, which is
not committed: the nox sessions that build or serve the site run this first, as they run
scripts/vendor_assets.py. The pages include the fragments with `--8<--` lines, so every
figure on them comes from the data file; the extension keeps MkDocs and Zensical from
building the fragments as pages of their own. Standard library only, so any session can
run it.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.files import replace_if_changed

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "data" / "bench" / "results.json"
AGREEMENT_NAME = "agreement.json"  # beside the results file; see scripts/bench/compare.py
OUTPUT = ROOT / "docs" / "performance" / "generated"
CEILING = ("json", "nginx")  # the machine's own HTTP ceiling: nginx answering /json
OVERVIEW_SERVERS = ("fastapi-uvicorn", "starlette-uvicorn", "node-http", "express", "fastify")
DASH, TIMES = "\u2013", "\u00d7"  # en dash for ranges, multiplication sign
COLOURS = {"python": "#3572a5", "node": "#3c873a", "nginx": "#8a8a8a"}


def count(value: float) -> str:
    return f"{round(value):,}"


def ms(value: float) -> str:
    """Milliseconds: to 10 µs below 10 ms, where the sub-millisecond figures live."""
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def percent(value: float) -> str:
    return f"{value:.0f} %"


def mib(value: float) -> str:
    return f"{value:.0f}"


def with_range(spread: dict[str, float], fmt: Callable[[float], str]) -> str:
    return f"{fmt(spread['median'])} ({fmt(spread['min'])}{DASH}{fmt(spread['max'])})"


class Results:
    """The results file, indexed for rendering."""

    def __init__(self, data: dict[str, Any], agreement: dict[str, Any] | None = None) -> None:
        self.data = data
        self.agreement = agreement  # data/bench/agreement.json: two full runs compared
        self.servers = {server["id"]: server for server in data["servers"]}
        self.workloads = {workload["id"]: workload for workload in data["workloads"]}
        self.cells = {(cell["workload"], cell["server"]): cell for cell in data["results"]}

    def rows(self, workload: str) -> list[dict[str, Any]]:
        """The workload's cells, fastest median first."""
        found = [cell for (w, _), cell in self.cells.items() if w == workload]
        return sorted(found, key=lambda cell: -cell["summary"]["requests_per_s"]["median"])

    def ceiling(self) -> float | None:
        cell = self.cells.get(CEILING)
        return cell["summary"]["requests_per_s"]["median"] if cell else None

    def of_ceiling(self, requests_per_s: float) -> str:
        ceiling = self.ceiling()
        return f"{requests_per_s / ceiling * 100:.1f} %" if ceiling else "n/a"

    def label(self, server_id: str) -> str:
        label: str = self.servers[server_id]["label"]
        return label


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def status(results: Results) -> str:
    data, method = results.data, results.data["method"]
    when = data["date"].replace("T", " ")[:16] + " UTC"
    machine = data["machine"]
    where = f"{machine['cpu_model']}, {machine['cores']} cores, Linux {machine['kernel']}"
    if data["quick"]:
        return (
            '!!! danger "Quick run: smoke-test figures, not a measurement"\n\n'
            f"    The figures below come from a `--quick` run of {when} on {where}: "
            f"{method['repetitions']} repetition, {method['throughput_s']} s of throughput "
            f"and {method['latency_s']} s of latency per server and workload, "
            f"{method['warmup_s']} s of warm-up, on a machine that may have been busy. "
            "They show that the harness works and how the pages look. Do not quote or "
            "compare them: a full run replaces them.\n"
        )
    return (
        f'!!! info "Full run of {when}"\n\n'
        f"    Measured on {where}: {method['repetitions']} interleaved repetitions of "
        f"every server and workload, in {round(data['duration_s'] / 60)} minutes.\n"
    )


def overview(results: Results) -> str:
    shown = [s for s in OVERVIEW_SERVERS if s in results.servers]
    rows = []
    for workload in results.workloads.values():
        cells = [results.cells.get((workload["id"], server)) for server in shown]
        if not any(cells):
            continue
        values = [count(c["summary"]["requests_per_s"]["median"]) if c else DASH for c in cells]
        rows.append([f"[{workload['title']}](results.md#{workload['id']})", *values])
    return table(["Workload (median req/s)", *[results.label(s) for s in shown]], rows)


def range_of(spread: dict[str, float], fmt: Callable[[float], str]) -> str:
    return f"{fmt(spread['min'])}{DASH}{fmt(spread['max'])}"


def throughput_table(results: Results, workload: str) -> str:
    rows = []
    for cell in results.rows(workload):
        summary = cell["summary"]
        load = percent(summary["load_cpu_percent"]["median"])
        if summary["load_saturated_runs"]:
            load = f"**{load}** ⚠ in {summary['load_saturated_runs']} of {len(cell['runs'])} runs"
        rows.append(
            [
                results.label(cell["server"]),
                count(summary["requests_per_s"]["median"]),
                range_of(summary["requests_per_s"], count),
                results.of_ceiling(summary["requests_per_s"]["median"]),
                percent(summary["server_cpu_percent"]["median"]),
                mib(summary["peak_rss_mib"]["median"]),
                load,
            ]
        )
    header = ["Server", "req/s", f"min{DASH}max", "of nginx", "CPU", "peak MiB"]
    return table([*header, "load CPU"], rows)


def latency_table(results: Results, workload: str) -> str:
    rows = []
    for cell in results.rows(workload):
        summary = cell["summary"]
        rows.append(
            [
                results.label(cell["server"]),
                count(summary["achieved_rate"]["median"]),
                *(ms(summary[key]["median"]) for key in ("p50_ms", "p90_ms", "p99_ms")),
                range_of(summary["p99_ms"], ms),
                ms(summary["max_ms"]["median"]),
                str(summary["errors"]),
            ]
        )
    header = ["Server", "achieved req/s", "p50 ms", "p90 ms", "p99 ms"]
    return table([*header, f"p99 min{DASH}max", "max ms", "errors"], rows)


def workload_section(results: Results, workload_id: str) -> str:
    workload = results.workloads[workload_id]
    offered = count(workload["rate"])
    parts = [
        f"`GET {workload['path']}`, {workload['connections']} connections. "
        + (f"{workload['notes']}." if workload["notes"] else ""),
        "",
        f"![Requests per second for {workload['title']}, median with min{DASH}max range]"
        f"(generated/{workload_id}.svg)",
        "",
        throughput_table(results, workload_id),
        f"Latency at a fixed offered rate of {offered} req/s:",
        "",
        latency_table(results, workload_id),
    ]
    return "\n".join(parts)


def startup_table(results: Results) -> str:
    rows = [
        [
            results.label(start["server"]),
            with_range(start["summary"]["startup_ms"], count),
            with_range(start["summary"]["idle_rss_mib"], mib),
        ]
        for start in sorted(
            results.data["startup"], key=lambda s: s["summary"]["startup_ms"]["median"]
        )
    ]
    return table(["Server", "start-up (ms)", "idle RSS (MiB)"], rows)


def machine_table(results: Results) -> str:
    machine = results.data["machine"]
    rows = [
        ["CPU", machine["cpu_model"]],
        ["Cores", f"{machine['cores']} ({machine['usable_cores']} usable by the harness)"],
        ["Memory", f"{machine['memory_mib']:,} MiB"],
        ["Kernel", f"Linux {machine['kernel']}"],
        ["Operating system", machine["os"]],
        ["Date", results.data["date"]],
    ]
    return table(["Machine", ""], rows)


def versions_table(results: Results) -> str:
    rows = [[f"`{name}`", version] for name, version in results.data["versions"].items()]
    return table(["Component", "Version"], rows)


def method_table(results: Results) -> str:
    method = results.data["method"]
    pinning = (
        f"servers on CPU {method['server_cpus']}, load generators on CPU {method['load_cpus']}; "
        f"multi-worker servers on CPUs {method['multi_worker_cpus']}"
        if method["pinned"]
        else "none: fewer than two usable cores"
    )
    rows = [
        ["Repetitions", f"{method['repetitions']} ({method['interleaving']})"],
        ["Warm-up per workload", f"{method['warmup_s']} s, discarded"],
        ["Start-up time", f"{method['startup_samples']} cold start(s) per server and repetition"],
        [
            "Throughput",
            f"{method['throughput_windows']} {TIMES} {method['throughput_s']} s per repetition "
            f"with {method['throughput_tool']}",
        ],
        ["Latency", f"{method['latency_s']} s with {method['latency_tool']}"],
        ["Pinning (`taskset`)", pinning],
        ["Request timeout", f"{method['request_timeout_s']} s"],
        ["Load generator flag", f"above {method['load_cpu_flag'] * 100:.0f} % of its core"],
        ["Host noise (core probes)", noise_line(results.data.get("noise"))],
        ["Two runs agree when", f"every figure is within {method['agreement'] * 100:.0f} %"],
        ["Upstream delay (`/io`)", f"{method['io_delay_ms']} ms"],
        ["Matrices (`/cpu`)", f"{method['matrix_size']} {TIMES} {method['matrix_size']} integers"],
        ["File (`/file`)", f"{method['file_bytes']:,} bytes"],
        ["Traffic", f"{method['host']} only"],
        ["Total duration", f"{results.data['duration_s']} s"],
    ]
    return table(["Method", ""], rows)


def noise_line(noise: dict[str, Any] | None) -> str:
    """How busy the host was during a run, from the harness's own core probes."""
    if not noise:
        return "not probed in this run"
    cores = [
        f"CPU {core}: {reading['slowed_share'] * 100:.0f} % of {reading['probes']} probes "
        f"(median {reading['median_slowdown']}{TIMES})"
        for core, reading in noise["cores"].items()
    ]
    return f"slowed by more than {noise['slowed_above']}{TIMES} its fastest: " + "; ".join(cores)


def agreement_section(results: Results) -> str:
    """Two full runs in a row, compared figure by figure (data/bench/agreement.json)."""
    agreement = results.agreement
    if not agreement:
        return "No comparison of two full runs is recorded with these results.\n"
    first, second = (run["date"].replace("T", " ")[:16] + " UTC" for run in agreement["runs"])
    overall, threshold = agreement["all"], f"{agreement['threshold_percent']:g} %"
    verdict = (
        f"all {overall['figures']} figures agree within {threshold}"
        if not overall["over_threshold"]
        else f"{overall['over_threshold']} of {overall['figures']} figures differ by more "
        f"than {threshold}"
    )
    rows = [
        [
            kind["label"],
            str(kind["figures"]),
            f"{kind['median_spread_percent']:.1f} %",
            f"{kind['max_spread_percent']:.1f} %",
            str(kind["over_threshold"]),
        ]
        for kind in agreement["by_kind"]
    ]
    noise = [
        f"- Run of {date}: {noise_line(run['noise'])}."
        for date, run in zip((first, second), agreement["runs"], strict=True)
    ]
    header = ["Figure", "count", "median spread", "largest spread", f"over {threshold}"]
    return "\n".join(
        [
            f"Full runs of {first} and {second}, one after the other on the same machine: "
            f"{verdict} (median spread {overall['median_spread_percent']:.1f} %, largest "
            f"{overall['max_spread_percent']:.1f} %). The second run is the one these pages "
            "show.",
            "",
            table(header, rows),
            "Host noise, from the harness's core probes:",
            "",
            *noise,
            "",
        ]
    )


def workloads_table(results: Results) -> str:
    rows = [
        [
            f"[{w['title']}](results.md#{w['id']})",
            f"`{w['path']}`",
            str(w["connections"]),
            count(w["rate"]),
            ", ".join(results.label(s) for s in w["servers"] if s in results.servers),
        ]
        for w in results.workloads.values()
    ]
    return table(["Workload", "Route", "connections", "fixed rate (req/s)", "servers"], rows)


def flags(results: Results) -> str:
    flagged = [cell for cell in results.data["results"] if cell["summary"]["load_saturated_runs"]]
    threshold = percent(results.data["method"]["load_cpu_flag"] * 100)
    if not flagged:
        return f"No run's load generator used more than {threshold} of its core.\n"
    lines = [f"These runs' load generator used more than {threshold} of its core, so the"]
    lines += ["server may have been faster than measured:", ""]
    for cell in flagged:
        workload = results.workloads[cell["workload"]]["title"]
        runs = cell["summary"]["load_saturated_runs"]
        lines.append(
            f"- {workload}, {results.label(cell['server'])}: {runs} of {len(cell['runs'])}"
        )
    return "\n".join(lines) + "\n"


def bar_chart(results: Results, workload_id: str) -> str:
    """Horizontal bars of median req/s, with a line from the minimum to the maximum run."""
    rows = results.rows(workload_id)
    title = results.workloads[workload_id]["title"]
    label_w, bar_w, row_h, top = 230, 380, 26, 34
    width, height = label_w + bar_w + 130, top + row_h * len(rows) + 10
    top_value = max((cell["summary"]["requests_per_s"]["max"] for cell in rows), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="system-ui, sans-serif" '
        'font-size="13">',
        f"<title>{html.escape(title)}: requests per second</title>",
        f'<rect width="{width}" height="{height}" rx="6" fill="#ffffff"/>',
        f'<text x="12" y="22" font-weight="bold" fill="#222">{html.escape(title)}'
        f": requests per second, median and min{DASH}max</text>",
    ]
    for index, cell in enumerate(rows):
        spread = cell["summary"]["requests_per_s"]
        server = results.servers[cell["server"]]
        y = top + index * row_h
        scale = bar_w / top_value
        parts += [
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="#222">'
            f"{html.escape(server['label'])}</text>",
            f'<rect x="{label_w}" y="{y + 5}" width="{spread["median"] * scale:.1f}" '
            f'height="{row_h - 10}" fill="{COLOURS[server["runtime"]]}"/>',
            f'<line x1="{label_w + spread["min"] * scale:.1f}" y1="{y + row_h / 2}" '
            f'x2="{label_w + spread["max"] * scale:.1f}" y2="{y + row_h / 2}" stroke="#222" '
            'stroke-width="1.5"/>',
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}" fill="#222">'
            f"{count(spread['median'])}</text>",
        ]
    return "\n".join([*parts, "</svg>"]) + "\n"


def fragments(results: Results) -> dict[str, str]:
    """File name -> content, for everything the pages include."""
    found = {
        "status.md.txt": status(results),
        "overview.md.txt": overview(results),
        "startup.md.txt": startup_table(results),
        "machine.md.txt": machine_table(results),
        "versions.md.txt": versions_table(results),
        "method.md.txt": method_table(results),
        "workloads.md.txt": workloads_table(results),
        "flags.md.txt": flags(results),
        "agreement.md.txt": agreement_section(results),
    }
    for workload_id in results.workloads:
        if results.rows(workload_id):
            found[f"workload-{workload_id}.md.txt"] = workload_section(results, workload_id)
            found[f"{workload_id}.svg"] = bar_chart(results, workload_id)
        else:
            found[f"workload-{workload_id}.md.txt"] = "Not measured in this run.\n"
    return found


def render(results_file: Path = RESULTS, output: Path = OUTPUT) -> list[Path]:
    """Write every fragment and chart for `results_file` into `output`; return their paths."""
    agreement_file = results_file.with_name(AGREEMENT_NAME)
    agreement = (
        json.loads(agreement_file.read_text(encoding="utf-8")) if agreement_file.exists() else None
    )
    results = Results(json.loads(results_file.read_text(encoding="utf-8")), agreement)
    rendered = fragments(results)
    output.mkdir(parents=True, exist_ok=True)
    for stale in output.iterdir():
        if stale.name not in rendered:
            stale.unlink(missing_ok=True)
    written = []
    for name, content in rendered.items():
        replace_if_changed(output / name, content.encode("utf-8"))
        written.append(output / name)
    return written


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    paths = render(source)
    print(f"rendered {len(paths)} files from {source} into {OUTPUT.relative_to(ROOT)}")
