"""The two-run comparison flags figures that differ by more than the threshold."""

import copy
import json
from pathlib import Path
from typing import Any

from scripts.bench import compare


def test_identical_runs_agree(committed: dict[str, Any]) -> None:
    lines, over = compare.compare(committed, committed, 0.10)
    assert over == 0
    assert lines[-1].endswith("0 above 10%")


def test_a_figure_off_by_a_fifth_is_flagged(committed: dict[str, Any], tmp_path: Path) -> None:
    changed = copy.deepcopy(committed)
    cell = changed["results"][0]
    cell["summary"]["requests_per_s"]["median"] *= 1.2
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(committed))
    second.write_text(json.dumps(changed))
    assert compare.main([str(first), str(second)]) == 1
    lines, over = compare.compare(committed, changed, 0.10)
    assert over == 1
    flagged = [line for line in lines if line.startswith("!!")]
    assert f"{cell['workload']}/{cell['server']}/requests_per_s" in flagged[0]


def test_spread_is_relative_to_the_mean() -> None:
    assert compare.spread(90, 110) == 0.2
    assert compare.spread(0, 0) == 0


def test_the_committed_comparison_is_of_the_committed_run(
    committed: dict[str, Any], agreement: dict[str, Any]
) -> None:
    # The pages show the second of the two compared runs, so the dates must match.
    assert agreement["runs"][1]["date"] == committed["date"]
    assert agreement["all"]["figures"] == len(compare.figures(committed))
    assert sum(kind["figures"] for kind in agreement["by_kind"]) == agreement["all"]["figures"]


def test_write_saves_a_summary_per_kind_of_figure(
    committed: dict[str, Any], tmp_path: Path
) -> None:
    changed = copy.deepcopy(committed)
    changed["results"][0]["summary"]["p99_ms"]["median"] *= 1.5
    first, second, summary = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "s.json"
    first.write_text(json.dumps(committed))
    second.write_text(json.dumps(changed))
    assert compare.main([str(first), str(second), "--write", str(summary)]) == 1
    written = json.loads(summary.read_text())
    assert written["all"]["over_threshold"] == 1
    kinds = {kind["metric"]: kind for kind in written["by_kind"]}
    assert kinds["p99_ms"]["over_threshold"] == 1
    assert kinds["p99_ms"]["max_spread_percent"] == 40.0  # 1.5x: 0.5 over a mean of 1.25
    assert kinds["requests_per_s"]["over_threshold"] == 0
