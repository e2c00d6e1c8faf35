"""The renderer turns the results file into fragments whose every number is data."""

import copy
from pathlib import Path
from typing import Any

from scripts.bench import figures, render


def rendered(results: dict[str, Any]) -> dict[str, str]:
    return render.fragments(render.Results(results))


def test_every_number_in_every_fragment_comes_from_the_data(committed: dict[str, Any]) -> None:
    shown = []
    for name, content in rendered(committed).items():
        shown += figures.numbers_in(figures.fragment_text(name, content))
    assert len(shown) > 100
    assert figures.unexplained(shown, committed) == []


def test_a_typed_number_is_caught(committed: dict[str, Any]) -> None:
    typed = figures.numbers_in("Node.js serves 78,000 req/s and FastAPI 64,000 req/s.")
    assert figures.unexplained(typed, committed) == ["78,000", "64,000"]


def test_share_of_the_ceiling_is_computed_from_the_medians(committed: dict[str, Any]) -> None:
    results = render.Results(committed)
    ceiling = results.ceiling()
    assert ceiling
    express = results.cells[("json", "express")]["summary"]["requests_per_s"]["median"]
    expected = f"{express / ceiling * 100:.1f} %"
    assert results.of_ceiling(express) == expected
    assert expected in render.throughput_table(results, "json")


def test_quick_and_full_runs_are_labelled_differently(committed: dict[str, Any]) -> None:
    quick, full = copy.deepcopy(committed), copy.deepcopy(committed)
    quick["quick"], full["quick"] = True, False
    assert rendered(quick)["status.md.txt"].startswith('!!! danger "Quick run')
    assert rendered(full)["status.md.txt"].startswith('!!! info "Full run')


def test_a_saturated_load_generator_is_flagged(committed: dict[str, Any]) -> None:
    flagged = copy.deepcopy(committed)
    cell = flagged["results"][0]
    cell["summary"]["load_saturated_runs"] = 1
    fragments = rendered(flagged)
    assert "⚠ in 1 of" in fragments[f"workload-{cell['workload']}.md.txt"]
    assert fragments["flags.md.txt"].startswith("These runs' load generator")


def test_render_writes_fragments_and_charts(tmp_path: Path) -> None:
    (tmp_path / "stale.svg").write_text("old")
    written = render.render(output=tmp_path)
    names = {path.name for path in written}
    assert {"status.md.txt", "overview.md.txt", "json.svg", "workload-json.md.txt"} <= names
    assert not (tmp_path / "stale.svg").exists()
    assert (tmp_path / "json.svg").read_text().startswith("<svg")


def test_the_two_run_comparison_renders_only_data(
    committed: dict[str, Any], page_data: dict[str, Any]
) -> None:
    section = render.agreement_section(render.Results(committed, page_data["agreement"]))
    assert section.startswith("Full runs of ")
    assert figures.unexplained(figures.numbers_in(figures.markdown_text(section)), page_data) == []


def test_the_verdict_follows_the_comparison(
    committed: dict[str, Any], agreement: dict[str, Any]
) -> None:
    agreeing = copy.deepcopy(agreement)
    agreeing["all"]["over_threshold"] = 0
    verdict = render.agreement_section(render.Results(committed, agreeing))
    assert f"all {agreeing['all']['figures']} figures agree within" in verdict
    disagreeing = copy.deepcopy(agreement)
    disagreeing["all"]["over_threshold"] = 3
    assert "3 of " in render.agreement_section(render.Results(committed, disagreeing))
    assert render.agreement_section(render.Results(committed)).startswith("No comparison")
