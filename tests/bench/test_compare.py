"""The two-run comparison flags figures that differ by more than the threshold."""

import copy
import json
from pathlib import Path

from scripts.bench import compare


def test_identical_runs_agree(committed: dict) -> None:
    lines, over = compare.compare(committed, committed, 0.10)
    assert over == 0
    assert lines[-1].endswith("0 above 10%")


def test_a_figure_off_by_a_fifth_is_flagged(committed: dict, tmp_path: Path) -> None:
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
