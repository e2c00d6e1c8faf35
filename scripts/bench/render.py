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

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.bench import charts, compare, sizing, verdicts
from scripts.bench.verdicts import DASH, TIMES
from scripts.files import replace_if_changed

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "data" / "bench" / "results.json"
OUTPUT = ROOT / "docs" / "performance" / "generated"
PREVIOUS_NAME = "previous.json"  # the full run before, beside the results file
CPU_WORKLOADS = ("cpu", "cpu-numpy")  # bound by the CPU: instruction counts, no ceiling
OVERVIEW_SERVERS = ("fastapi-uvicorn", "starlette-uvicorn", "node-http", "express", "fastify")


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


def over_range(value: str, spread: dict[str, float], fmt: Callable[[float], str]) -> str:
    """A figure above its min-max range in small print: narrow enough for a table cell."""
    return f"{value}<br><small>{fmt(spread['min'])}{DASH}{fmt(spread['max'])}</small>"


class Results:
    """The results file, indexed for rendering, and the run before it when there is one."""

    def __init__(self, data: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
        self.data = data
        self.previous = previous  # data/bench/previous.json: the full run before this one
        self.servers = {server["id"]: server for server in data["servers"]}
        self.workloads = {workload["id"]: workload for workload in data["workloads"]}
        self.cells = {(cell["workload"], cell["server"]): cell for cell in data["results"]}
        self.within = verdicts.noise(data)

    def rows(self, workload: str) -> list[dict[str, Any]]:
        """The workload's cells, fastest median first."""
        found = [cell for (w, _), cell in self.cells.items() if w == workload]
        return sorted(found, key=lambda cell: -cell["summary"]["requests_per_s"]["median"])

    def of_ceiling(self, workload: str, requests_per_s: float) -> str:
        found = verdicts.share(requests_per_s, verdicts.ceiling(self.data, workload))
        return DASH if found is None else f"{found:.1f} %"

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
            "compare them: a full run replaces them.\n\n"
            f"{runtimes_line(data['versions'])}\n"
        )
    return (
        f'!!! info "Full run of {when}"\n\n'
        f"    Measured on {where}: {method['repetitions']} interleaved repetitions of "
        f"every server and workload, in {round(data['duration_s'] / 60)} minutes.\n\n"
        f"{runtimes_line(data['versions'])}\n"
    )


def runtimes_line(versions: dict[str, str]) -> str:
    """The runtime versions, next to every set of figures: they move with each release."""
    names = {"python": "CPython", "node": "Node.js", "fastapi": "FastAPI", "express": "Express"}
    names |= {"fastify": "Fastify", "uvicorn": "uvicorn"}
    shown = ", ".join(f"{label} {versions[key]}" for key, label in names.items() if key in versions)
    return (
        f"    Runtimes measured: {shown} ([all versions](method.md#machine-and-versions)). "
        "Newer CPython lines were not installable on this machine; these figures say "
        "nothing about them."
    )


def overview(results: Results) -> str:
    shown = [s for s in OVERVIEW_SERVERS if s in results.servers]
    rows = []
    for workload in results.workloads.values():
        cells = [results.cells.get((workload["id"], server)) for server in shown]
        present = [cell for cell in cells if cell]
        if not present:
            continue
        ordered = sorted(present, key=lambda c: -c["summary"]["requests_per_s"]["median"])
        ranked = verdicts.ranks([c["summary"]["requests_per_s"] for c in ordered], results.within)
        leaders = {c["server"] for c, rank in zip(ordered, ranked, strict=True) if rank[0] == "1"}
        values = []
        for cell in cells:
            if not cell:
                values.append(DASH)
                continue
            spread = cell["summary"]["requests_per_s"]
            median = count(spread["median"])
            median = f"**{median}**" if cell["server"] in leaders else median
            values.append(over_range(median, spread, count))
        rows.append([f"[{workload['title']}](results.md#{workload['id']})", *values])
    return table(["Workload (req/s)", *[results.label(s) for s in shown]], rows) + (
        f"\nEach cell: the median of the repetitions over its min{DASH}max. **Bold**: the "
        "fastest server and every server tied with it (see [ties](results.md#ties)).\n"
    )


def throughput_table(results: Results, workload: str) -> str:
    cells = results.rows(workload)
    ranked = verdicts.ranks([c["summary"]["requests_per_s"] for c in cells], results.within)
    limit = verdicts.ceiling(results.data, workload)
    rows = []
    for cell, rank in zip(cells, ranked, strict=True):
        summary = cell["summary"]
        share = [results.of_ceiling(workload, summary["requests_per_s"]["median"])]
        rows.append(
            [
                rank,
                results.label(cell["server"]),
                over_range(
                    count(summary["requests_per_s"]["median"]), summary["requests_per_s"], count
                ),
                *(share if limit else []),
                percent(summary["server_cpu_percent"]["median"]),
                mib(summary["peak_rss_mib"]["median"]),
            ]
        )
    header = ["Rank", "Server", f"req/s (min{DASH}max)", *(["of ceiling"] if limit else [])]
    return table([*header, "CPU", "peak MiB"], rows)


def latency_rows(results: Results, workload: str) -> list[dict[str, Any]]:
    """The workload's cells, lowest merged p99 first."""
    cells = [cell for (w, _), cell in results.cells.items() if w == workload]
    return sorted(cells, key=lambda cell: cell["summary"]["latency"]["p99_ms"])


def latency_table(results: Results, workload: str) -> str:
    cells = latency_rows(results, workload)
    ranked = verdicts.ranks([c["summary"]["p99_ms"] for c in cells], results.within)
    rows = []
    for cell, rank in zip(cells, ranked, strict=True):
        summary, merged = cell["summary"], cell["summary"]["latency"]
        rows.append(
            [
                rank,
                results.label(cell["server"]),
                ms(merged["p50_ms"]),
                over_range(ms(merged["p99_ms"]), summary["p99_ms"], ms),
                ms(merged["p99_9_ms"]),
                ms(merged["max_ms"]),
            ]
        )
    return table(["Rank", "Server", "p50", f"p99 (runs' min{DASH}max)", "p99.9", "max"], rows)


def load_table(results: Results, workload: str) -> str:
    rows = []
    for cell in results.rows(workload):
        summary = cell["summary"]
        load = percent(summary["load_cpu_percent"]["median"])
        if summary["load_saturated_runs"]:
            load = f"**{load}** ⚠ in {summary['load_saturated_runs']} of {len(cell['runs'])} runs"
        achieved = with_range(summary["achieved_rate"], count)
        requests = f"{summary['latency']['samples']:,}"
        rows.append(
            [results.label(cell["server"]), load, achieved, requests, str(summary["errors"])]
        )
    header = ["Server", "load generator CPU", "achieved req/s", "latency samples", "errors"]
    return table(header, rows)


def ceiling_line(results: Results, workload_id: str) -> str:
    limit = verdicts.ceiling(results.data, workload_id)
    if workload_id in CPU_WORKLOADS:
        return (
            "No throughput ceiling applies: each request is CPU work, so the figure to compare "
            "is the [instructions per call](#instructions).\n"
        )
    if not limit:
        return "No ceiling was measured for this workload.\n"
    line = f"Ceiling: {count(limit.requests_per_s)} req/s, {limit.source}."
    if limit.load_limited_runs:
        line += (
            f" ⚠ In {limit.load_limited_runs} of {limit.runs} runs the load generator used "
            f"more than {percent(results.data['method']['load_cpu_flag'] * 100)} of its core "
            "while measuring nginx: that is the load generator's limit, and nginx's own "
            "ceiling is higher, so every share of it is an upper bound."
        )
    return line + "\n"


def interpreter_line(results: Results, workload_id: str) -> str:
    """Which CPython the Python rows ran on: the figures depend on it."""
    ids = {cell["server"] for cell in results.data["results"] if cell["workload"] == workload_id}
    python = [results.servers[i] for i in ids if results.servers[i]["runtime"] == "python"]
    if not python:
        return ""
    line = f"Python servers run CPython {results.data['versions']['python']}"
    newer = sorted({server["python"] for server in python if server.get("python")})
    if newer:
        line += f", except the row labelled CPython {', '.join(newer)}"
    return line + "."


def workload_section(results: Results, workload_id: str) -> str:
    workload = results.workloads[workload_id]
    offered = count(workload["rate"])
    limit = verdicts.ceiling(results.data, workload_id)
    throughput = charts.bars(
        f"{workload_id}-throughput",
        f"{workload['title']}: requests per second",
        [
            (
                results.label(cell["server"]),
                results.servers[cell["server"]]["runtime"],
                cell["summary"]["requests_per_s"],
                count(cell["summary"]["requests_per_s"]["median"]),
            )
            for cell in results.rows(workload_id)
        ],
        (limit.requests_per_s, "ceiling")
        if limit and workload_id in verdicts.WAITING_WORKLOADS
        else None,
    )
    latency = charts.curves(
        f"{workload_id}-latency",
        f"{workload['title']}: latency by percentile at {offered} req/s",
        [
            (
                results.label(cell["server"]),
                results.servers[cell["server"]]["runtime"],
                cell["summary"]["latency"]["curve"],
            )
            for cell in latency_rows(results, workload_id)
        ],
    )
    parts = [
        f"`GET {workload['path']}`, {workload['connections']} connections. "
        + (f"{workload['notes']}. " if workload["notes"] else "")
        + interpreter_line(results, workload_id),
        "",
        ceiling_line(results, workload_id),
        charts.figure(
            throughput,
            "Median requests per second; the line spans the slowest and fastest "
            f"repetition ({results.data['method']['repetitions']} in all).",
        ),
        throughput_table(results, workload_id),
        f"Latency in milliseconds at a fixed offered rate of {offered} req/s, from every "
        "request of every repetition merged into one histogram:",
        charts.figure(latency, "Each line: one server; further right is rarer and slower."),
        latency_table(results, workload_id),
        '??? note "Load generator, achieved rate, latency samples and errors"',
        "",
        indent(load_table(results, workload_id)),
    ]
    return "\n".join(parts)


def indent(block: str) -> str:
    return "".join(f"    {line}" if line.strip() else line for line in block.splitlines(True))


def instructions_table(results: Results) -> str:
    """Instructions per call under cachegrind: a count that repeats, unlike a timing."""
    block = results.data.get("instructions")
    if not block:
        return "Instruction counts were not taken in this run.\n"
    names = {"python": "Python", "node": "Node.js"}

    def work(workload_id: str) -> str:
        if workload_id == "json":  # the serialisation alone, not the whole request
            return f"Serialise the body of `{results.workloads['json']['path']}`"
        title: str = results.workloads[workload_id]["title"]
        return title

    rows = [
        [
            work(c["workload"]),
            names[c["runtime"]],
            f"{c['per_call']:,}",
            " / ".join(f"{run:,}" for run in c["runs"]),
        ]
        for c in block["counts"]
    ]
    return f"Counted with {block['tool']}, each count taken twice:\n\n" + table(
        ["Work", "Runtime", "instructions per call", "the two counts"], rows
    )


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
    return table(["Machine", "Value"], rows)


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
        [
            "Ties",
            f"ranges overlap, or medians within {results.within * 100:.1f} % (the run's noise)",
        ],
        ["Upstream delay (`/io`)", f"{method['io_delay_ms']} ms"],
        ["Matrices (`/cpu`)", f"{method['matrix_size']} {TIMES} {method['matrix_size']} integers"],
        ["File (`/file`)", f"{method['file_bytes']:,} bytes"],
        ["Traffic", f"{method['host']} only"],
        ["Total duration", f"{results.data['duration_s']} s"],
    ]
    return table(["Setting", "Value"], rows)


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
    """The run before this one against this one: the checks of scripts/bench/compare.py."""
    if not results.previous:
        return "No earlier full run is recorded with these results.\n"
    found = compare.verdict(results.previous, results.data)
    first, second = (run["date"].replace("T", " ")[:16] + " UTC" for run in found["runs"])
    failed = [check for check in found["checks"] if not check["passed"]]
    verdict = (
        "every check passes"
        if not failed
        else "failed: " + ", ".join(f"({check['key']})" for check in failed)
    )
    checks = [
        [
            f"({check['key']}) {check['label']}",
            str(check["compared"]),
            "pass" if check["passed"] else "**fail**",
        ]
        for check in found["checks"]
    ]
    failures = [
        f"- ({check['key']}) {failure}" for check in failed for failure in check["failures"]
    ]
    spreads = [
        [
            kind["label"],
            str(kind["figures"]),
            f"{kind['median_spread_percent']:.1f} %",
            f"{kind['max_spread_percent']:.1f} %",
        ]
        for kind in found["spreads"]
    ]
    noise = [
        f"- Run of {date}: {noise_line(run['noise'])}."
        for date, run in zip((first, second), found["runs"], strict=True)
    ]
    return "\n".join(
        [
            f"Full runs of {first} and {second}, one after the other on this machine: "
            f"**{verdict}**. The second run is the one these pages show.",
            "",
            table(["Check", "compared", "result"], checks),
            *(["What failed:", "", *failures, ""] if failures else []),
            "How far the throughput and latency figures of the two runs lie apart (the "
            "difference over the mean), reported rather than judged:",
            "",
            table(["Figure", "count", "median spread", "largest spread"], spreads),
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


def interpreters_section(results: Results) -> str:
    """Which CPython the Python rows ran, and the same FastAPI server on a newer one."""
    python = results.data["versions"]["python"]
    newer = [s for s in results.data["servers"] if s.get("python")]
    if not newer:
        return (
            f"Every Python row ran on CPython {python}; this run found no newer CPython on "
            "the machine to measure beside it.\n"
        )
    server = newer[0]
    lines = [
        f"Every Python row ran on CPython {python}, except {server['label']}: the same "
        f"FastAPI server on the newest CPython this machine could install.",
        "",
    ]
    rows = []
    for workload_id, workload in results.workloads.items():
        older = results.cells.get((workload_id, "fastapi-uvicorn"))
        newest = results.cells.get((workload_id, server["id"]))
        if older is None or newest is None:
            continue
        base = older["summary"]["requests_per_s"]
        other = newest["summary"]["requests_per_s"]
        if verdicts.tied(base, other, results.within):
            verdict = "tie"
        else:
            verdict = f"{verdicts.ratio(other['median'], base['median'])}{TIMES}"
        link = f"[{workload['title']}](results.md#{workload_id})"
        rows.append(
            [
                link,
                over_range(count(base["median"]), base, count),
                over_range(count(other["median"]), other, count),
                verdict,
            ]
        )
    header = ["Workload", f"CPython {python}", f"CPython {server['python']}", "ratio"]
    return "\n".join(lines) + "\n" + table(header, rows)


def threads_section(results: Results) -> str:
    """The blocking route with AnyIO's default thread limit, raised, and the async route."""
    rows = [
        ("io-sync", "fastapi-uvicorn", "`def` route, AnyIO's default thread limit"),
        ("io-sync", "fastapi-uvicorn-256-threads", "`def` route, limit raised"),
        ("io", "fastapi-uvicorn", "`async def` route, the event loop"),
    ]
    cells = [(results.cells.get((w, s)), label) for w, s, label in rows]
    if any(cell is None for cell, _ in cells):
        return "This run did not measure the blocking route both ways.\n"
    spreads = [cell["summary"]["requests_per_s"] for cell, _ in cells if cell is not None]
    default, raised, waiting = spreads
    if verdicts.tied(default, raised, results.within):
        change = "Raising the limit made no difference this machine could measure"
    else:
        times = verdicts.ratio(raised["median"], default["median"])
        change = f"Raising the limit changed throughput {times}{TIMES}"
    ahead = "" if verdicts.tied(raised, waiting, results.within) else ", and the "
    if ahead:
        times = verdicts.ratio(waiting["median"], raised["median"])
        ahead += f"`async def` route answered {times}{TIMES} as many as the raised one"
    table_rows = [
        [label, over_range(count(spread["median"]), spread, count)]
        for (_, label), spread in zip(cells, spreads, strict=True)
    ]
    return f"{change}{ahead}.\n\n" + table(["FastAPI, uvicorn[standard]", "req/s"], table_rows)


def fragments(results: Results) -> dict[str, str]:
    """File name -> content, for everything the pages include."""
    found = {
        "status.md.txt": status(results),
        "overview.md.txt": overview(results),
        "startup.md.txt": startup_table(results),
        "machine.md.txt": machine_table(results),
        "versions.md.txt": versions_table(results),
        "interpreters.md.txt": interpreters_section(results),
        "threads.md.txt": threads_section(results),
        "sizing.md.txt": sizing.fragment(results.data),  # the Cost and sizing page
        "method.md.txt": method_table(results),
        "workloads.md.txt": workloads_table(results),
        "flags.md.txt": flags(results),
        "agreement.md.txt": agreement_section(results),
        "takeaways.md.txt": takeaways(results),
        "instructions.md.txt": instructions_table(results),
    }
    for workload_id in results.workloads:
        if results.rows(workload_id):
            found[f"workload-{workload_id}.md.txt"] = workload_section(results, workload_id)
        else:
            found[f"workload-{workload_id}.md.txt"] = "Not measured in this run.\n"
    return found


def takeaways(results: Results) -> str:
    """The Results page's opening: sentences computed from the data, each linked to its table."""
    claims = verdicts.takeaways(results.data)
    if not claims:
        return "Too little was measured in this run to draw conclusions.\n"
    return "".join(f"- {claim.text} [Table](results.md#{claim.anchor})\n" for claim in claims)


def render(
    results_file: Path = RESULTS, output: Path = OUTPUT, previous_file: Path | None = None
) -> list[Path]:
    """Write every fragment and chart for `results_file` into `output`; return their paths."""
    previous_file = previous_file or results_file.with_name(PREVIOUS_NAME)
    previous = (
        json.loads(previous_file.read_text(encoding="utf-8")) if previous_file.exists() else None
    )
    results = Results(json.loads(results_file.read_text(encoding="utf-8")), previous)
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
