"""The sizing tables: the arithmetic on hand-made data, and full coverage of the real run."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scripts.bench import figures, render, sizing
from scripts.bench.sizing import ARROW, DIVIDE
from scripts.bench.verdicts import DASH, TIMES
from tests.bench.synthetic import cell, document, spread

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "data" / "bench" / "results.json"


def sized_cell(
    workload: str, server: str, rates: list[float], peaks: list[float], cpu: float = 97.0
) -> dict[str, Any]:
    return cell(
        workload,
        server,
        rates,
        peak_rss_mib=spread(peaks),
        server_cpu_percent=spread([cpu] * len(rates)),
    )


def sized_document(*cells: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A synthetic results document whose workloads have routes, as the real ones do."""
    found = document(*cells, **top)
    for workload in found["workloads"]:
        workload["path"] = f"/{workload['id']}"
    return found


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    return found


def test_instances_round_up_never_down() -> None:
    assert sizing.instances_for(2_000, 800) == 3  # 2.5: rounding would give 2
    assert sizing.instances_for(2_000, 1_000) == 2  # exact: no spare instance
    assert sizing.instances_for(2_000, 1_999) == 2  # 1.0005: flooring would give 1
    assert sizing.instances_for(2_000, 50_000) == 1  # a fraction of one is still one
    with pytest.raises(ValueError, match="answered nothing"):
        sizing.instances_for(2_000, 0)


def test_median_fastest_and_slowest_repetitions_give_three_sizes() -> None:
    results = sized_document(sized_cell("json", "py", [600, 800, 1_100], [40, 50, 60]))
    sized = sizing.estimate(results, results["results"][0], target=2_000)
    assert sized is not None
    # median 2,000 / 800 = 2.5 -> 3; fastest 2,000 / 1,100 -> 2; slowest 2,000 / 600 -> 4
    assert sized.instances == (3, 2, 4)
    # each count times the matching peak memory: 3 x 50, 2 x 40, 4 x 60
    assert sized.memory_mib == (150.0, 80.0, 240.0)
    assert sizing.arithmetic(sized, 2_000) == f"2,000 {DIVIDE} 800 {ARROW} 3 {TIMES} 50.0 MiB"
    assert sizing.row(sized, 2_000)[2:] == [f"**3** (2{DASH}4)", f"**150** (80{DASH}240)"]


def test_a_multi_worker_server_is_sized_as_the_whole_server() -> None:
    results = sized_document(sized_cell("json", "py2", [1_500, 1_600, 1_700], [120, 130, 140], 190))
    sized = sizing.estimate(results, results["results"][0], target=2_000)
    assert sized is not None
    assert sized.workers == 2
    assert sized.instances == (2, 2, 2)
    assert sized.memory_mib == (260.0, 240.0, 280.0)
    assert sized.busy  # 190 % of two cores is 95 %


def test_an_instance_whose_cpu_was_not_the_limit_is_marked() -> None:
    results = sized_document(
        sized_cell("io", "py", [900, 1_000, 1_100], [50, 50, 50], cpu=60),
        sized_cell("io", "node", [900, 1_000, 1_100], [90, 90, 90], cpu=97),
    )
    found, _ = sizing.estimates(results, "io", target=2_000)
    marks = {sized.server: "†" in sizing.row(sized, 2_000)[2] for sized in found}
    assert marks == {"py": True, "node": False}
    assert "busy less than 90 %" in sizing.fragment(results, target=2_000)


def test_rows_go_from_fewest_instances_to_most() -> None:
    results = sized_document(
        sized_cell("json", "py", [400, 500, 600], [40, 40, 40]),
        sized_cell("json", "node", [1_900, 2_000, 2_100], [90, 90, 90]),
    )
    found, _ = sizing.estimates(results, "json", target=2_000)
    assert [sized.server for sized in found] == ["node", "py"]


def test_a_server_that_answered_nothing_is_named_not_sized() -> None:
    results = sized_document(
        sized_cell("json", "py", [0, 500, 600], [40, 40, 40]),
        sized_cell("json", "node", [1_900, 2_000, 2_100], [90, 90, 90]),
    )
    text = sizing.fragment(results, target=2_000)
    assert "Not sized, because a repetition answered no requests: Py server." in text
    assert "| Node server |" in text


def test_quick_data_is_labelled() -> None:
    results = sized_document(
        sized_cell("json", "py", [900, 1_000, 1_100], [40, 40, 40]), quick=True
    )
    assert "Quick run" in sizing.fragment(results)


def sections(text: str) -> dict[str, str]:
    """Workload id -> the text of its section in the fragment."""
    parts = re.split(r"^### .*\{ #sizing-([\w-]+) \}$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_server_of_every_workload_has_a_row(committed: dict[str, Any]) -> None:
    found = sections(sizing.fragment(committed))
    labels = {server["id"]: server["label"] for server in committed["servers"]}
    measured = {c["workload"] for c in committed["results"]}
    assert set(found) == measured
    for result in committed["results"]:
        rows = re.findall(r"^\| (.+?) \| [\d,]+ ÷", found[result["workload"]], re.MULTILINE)
        assert labels[result["server"]] in rows, (result["workload"], result["server"])
    rows = [re.findall(r"^\| .+? \| [\d,]+ ÷", s, re.MULTILINE) for s in found.values()]
    assert sum(map(len, rows)) == len(committed["results"])


def test_the_sums_shown_are_the_sums_computed(committed: dict[str, Any]) -> None:
    text = sizing.fragment(committed)
    sums = rf"([\d,]+) {DIVIDE} ([\d,]+) {ARROW} (\d+) {TIMES} ([\d.,]+) MiB"
    for match in re.finditer(sums, text):
        target, rate, instances = (int(match[n].replace(",", "")) for n in (1, 2, 3))
        assert target == sizing.TARGET_RPS
        # The rate is shown rounded to a whole request: the true one is within half of it.
        fewest = sizing.instances_for(target, rate + 0.5)
        most = sizing.instances_for(target, rate - 0.5)
        assert fewest <= instances <= most


def test_every_number_is_data_or_computed_from_it(
    committed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = figures.fragment_text("sizing.md.txt", sizing.fragment(committed))
    shown = figures.numbers_in(text)
    assert len(shown) > 50
    assert figures.unexplained(shown, committed) == []  # figures asks sizing for its sums
    # and the computed numbers are needed: without them, the totals are unexplained
    monkeypatch.setattr(sizing, "derived_values", lambda results: [])
    assert figures.unexplained(shown, committed) != []


def test_the_renderer_writes_the_sizing_fragment(tmp_path: Path) -> None:
    written = render.render(RESULTS, tmp_path)
    assert tmp_path / "sizing.md.txt" in written
    assert "{ #sizing-json }" in (tmp_path / "sizing.md.txt").read_text(encoding="utf-8")
