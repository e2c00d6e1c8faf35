"""The renderer turns the results file into fragments whose every number is data."""

import copy
from pathlib import Path
from typing import Any

from scripts.bench import figures, render, verdicts


def rendered(results: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, str]:
    return render.fragments(render.Results(results, previous))


def test_every_number_in_every_fragment_comes_from_the_data(page_data: dict[str, Any]) -> None:
    shown = []
    for name, content in rendered(page_data, page_data["previous"]).items():
        shown += figures.numbers_in(figures.fragment_text(name, content))
    assert len(shown) > 100
    assert figures.unexplained(shown, page_data) == []


def test_a_typed_number_is_caught(committed: dict[str, Any]) -> None:
    typed = figures.numbers_in("Node.js serves 78,000 req/s and FastAPI 64,000 req/s.")
    assert figures.unexplained(typed, committed) == ["78,000", "64,000"]


def test_a_number_inside_an_encoded_histogram_is_not_data(committed: dict[str, Any]) -> None:
    encoded = copy.deepcopy(committed)
    encoded["results"][0]["runs"][0]["latency_histogram"] = "HISTFAAAA987654321x"
    assert figures.unexplained(["987,654,321"], encoded) == ["987,654,321"]
    encoded["results"][0]["runs"][0]["note"] = "987654321"  # the same digits as plain data
    assert figures.unexplained(["987,654,321"], encoded) == []


def test_share_of_the_ceiling_is_computed_from_the_same_workload(
    committed: dict[str, Any],
) -> None:
    results = render.Results(committed)
    io = verdicts.ceiling(committed, "io")
    assert io is not None
    node = results.cells[("io", "node-http")]["summary"]["requests_per_s"]["median"]
    expected = f"{node / io.requests_per_s * 100:.1f} %"
    assert results.of_ceiling("io", node) == expected
    assert expected in render.throughput_table(results, "io")
    assert "of ceiling" not in render.throughput_table(results, "db")  # no ceiling known


def test_a_ceiling_limited_by_the_load_generator_is_flagged(committed: dict[str, Any]) -> None:
    limited = copy.deepcopy(committed)
    nginx = next(c for c in limited["results"] if (c["workload"], c["server"]) == ("json", "nginx"))
    nginx["summary"]["load_saturated_runs"] = 2
    line = render.ceiling_line(render.Results(limited), "json")
    assert f"In 2 of {len(nginx['runs'])} runs the load generator" in line
    nginx["summary"]["load_saturated_runs"] = 0
    assert "load generator" not in render.ceiling_line(render.Results(limited), "json")


def test_tied_rows_share_a_rank_in_the_table(committed: dict[str, Any]) -> None:
    tied = copy.deepcopy(committed)
    cells = [c for c in tied["results"] if c["workload"] == "db"]
    for cell in cells:
        cell["summary"]["requests_per_s"] = {"median": 1000.0, "min": 900.0, "max": 1100.0}
    table = render.throughput_table(render.Results(tied), "db")
    assert table.count("| 1 (tie) |") == len(cells)


def test_quick_and_full_runs_are_labelled_differently(committed: dict[str, Any]) -> None:
    quick, full = copy.deepcopy(committed), copy.deepcopy(committed)
    quick["quick"], full["quick"] = True, False
    assert rendered(quick)["status.md.txt"].startswith('!!! danger "Quick run')
    assert rendered(full)["status.md.txt"].startswith('!!! info "Full run')
    assert f"CPython {committed['versions']['python']}" in rendered(full)["status.md.txt"]


def test_a_saturated_load_generator_is_flagged(committed: dict[str, Any]) -> None:
    flagged = copy.deepcopy(committed)
    cell = flagged["results"][0]
    cell["summary"]["load_saturated_runs"] = 1
    fragments = rendered(flagged)
    assert "⚠ in 1 of" in fragments[f"workload-{cell['workload']}.md.txt"]
    assert fragments["flags.md.txt"].startswith("These runs' load generator")


def test_render_writes_fragments_with_inline_charts(tmp_path: Path) -> None:
    (tmp_path / "stale.svg").write_text("old")
    written = render.render(output=tmp_path)
    names = {path.name for path in written}
    assert {"status.md.txt", "overview.md.txt", "takeaways.md.txt", "workload-json.md.txt"} <= names
    assert not (tmp_path / "stale.svg").exists()
    section = (tmp_path / "workload-json.md.txt").read_text()
    assert section.count('<svg class="bench-chart"') == 2  # throughput and latency


def test_the_two_run_check_renders_only_data(page_data: dict[str, Any]) -> None:
    section = render.agreement_section(render.Results(page_data, page_data["previous"]))
    assert section.startswith("Full runs of ")
    assert figures.unexplained(figures.numbers_in(figures.markdown_text(section)), page_data) == []


def test_the_verdict_names_the_failed_check(
    committed: dict[str, Any], previous: dict[str, Any]
) -> None:
    broken = copy.deepcopy(committed)
    broken["startup"][0]["summary"]["idle_rss_mib"]["median"] *= 1.5
    verdict = render.agreement_section(render.Results(broken, previous))
    assert "**failed: (a)" in verdict
    assert f"idle memory of {broken['startup'][0]['server']}" in verdict
    assert render.agreement_section(render.Results(committed)).startswith("No earlier")


def test_every_takeaway_links_a_section_of_the_results_page(committed: dict[str, Any]) -> None:
    page = (render.ROOT / "docs" / "performance" / "results.md").read_text(encoding="utf-8")
    takeaways = rendered(committed)["takeaways.md.txt"]
    assert takeaways.count("\n- ") + 1 >= 4
    for claim in verdicts.takeaways(committed):
        assert f"{{ #{claim.anchor} }}" in page, claim.anchor


def test_the_newer_cpython_rows_sit_beside_the_same_server_on_the_older_one(
    committed: dict[str, Any],
) -> None:
    newer = next(s for s in committed["servers"] if s.get("python"))
    section = render.interpreters_section(render.Results(committed))
    python = committed["versions"]["python"]
    assert section.startswith(f"Every Python row ran on CPython {python}, except {newer['label']}")
    assert f"| Workload | CPython {python} | CPython {newer['python']} | ratio |" in section
    measured = {c["workload"] for c in committed["results"] if c["server"] == newer["id"]}
    assert section.count("](results.md#") == len(measured)
    faster = copy.deepcopy(committed)
    for cell in faster["results"]:
        if (cell["workload"], cell["server"]) == ("json", newer["id"]):
            base = render.Results(committed).cells[("json", "fastapi-uvicorn")]
            rate = base["summary"]["requests_per_s"]
            cell["summary"]["requests_per_s"] = {k: v * 2 for k, v in rate.items()}
    assert f"| 2.0{verdicts.TIMES} |" in render.interpreters_section(render.Results(faster))
    without = copy.deepcopy(committed)
    without["servers"] = [s for s in without["servers"] if not s.get("python")]
    without["results"] = [c for c in without["results"] if c["server"] != newer["id"]]
    assert "no newer CPython" in render.interpreters_section(render.Results(without))


def test_the_blocking_route_is_shown_with_both_thread_limits(committed: dict[str, Any]) -> None:
    results = render.Results(committed)
    section = render.threads_section(results)
    for workload, server in [
        ("io-sync", "fastapi-uvicorn"),
        ("io-sync", "fastapi-uvicorn-256-threads"),
        ("io", "fastapi-uvicorn"),
    ]:
        median = results.cells[(workload, server)]["summary"]["requests_per_s"]["median"]
        assert f"| {median:,.0f}<br>" in section
    same = copy.deepcopy(committed)
    for cell in same["results"]:
        if cell["workload"] in ("io", "io-sync") and cell["server"].startswith("fastapi-uvicorn"):
            cell["summary"]["requests_per_s"] = {"median": 1000.0, "min": 900.0, "max": 1100.0}
    tied = render.threads_section(render.Results(same))
    assert tied.startswith("Raising the limit made no difference this machine could measure.")
    missing = [c for c in committed["results"] if c["server"] != "fastapi-uvicorn-256-threads"]
    assert "did not measure" in render.threads_section(
        render.Results({**committed, "results": missing})
    )
