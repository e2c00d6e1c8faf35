"""The check of two runs: what must repeat passes or fails; the rest is reported."""

import json
from pathlib import Path
from typing import Any

from scripts.bench import compare
from tests.bench.synthetic import cell, document, spread

INSTRUCTIONS = {"counts": [{"workload": "cpu", "runtime": "python", "per_call": 40_000_000}]}


def run(node: list[float], python: list[float], **top: Any) -> dict[str, Any]:
    parts = {"instructions": INSTRUCTIONS} | top
    return document(cell("json", "node", node), cell("json", "py", python), **parts)


def checks(first: dict[str, Any], second: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["key"]: check for check in compare.verdict(first, second)["checks"]}


def test_two_runs_that_repeat_pass_every_check() -> None:
    first = run([300, 310, 320], [100, 110, 120])
    second = run([250, 280, 330], [90, 130, 140])  # throughput moved, order did not
    found = compare.verdict(first, second)
    assert found["passed"], found
    assert [check["compared"] for check in found["checks"]] == [2 + 2 * 2, 1, 1, 2]


def test_idle_memory_off_by_more_than_one_percent_fails_check_a() -> None:
    first, second = run([300], [100]), run([300], [100])
    assert second["startup"][1]["server"] == "py"
    second["startup"][1]["summary"]["idle_rss_mib"] = spread([50.6])  # 50 before
    found = checks(first, second)
    assert found["a"]["failures"] == ["idle memory of py: 50 against 50.6 (1.19%)"]
    assert found["b"]["passed"]
    assert found["c"]["passed"]
    second["startup"][1]["summary"]["idle_rss_mib"] = spread([50.4])  # 0.8 %: passes
    assert checks(first, second)["a"]["passed"]


def test_an_error_in_one_run_only_fails_check_a() -> None:
    first, second = run([300], [100]), run([300], [100])
    second["results"][1]["summary"]["errors"] = 3
    assert checks(first, second)["a"]["failures"] == ["json/py errors: 0 against 3 (200.00%)"]


def test_instruction_counts_must_agree_within_a_thousandth() -> None:
    first = run([300], [100])
    close = run(
        [300],
        [100],
        instructions={"counts": [{**INSTRUCTIONS["counts"][0], "per_call": 40_030_000}]},
    )
    far = run(
        [300],
        [100],
        instructions={"counts": [{**INSTRUCTIONS["counts"][0], "per_call": 40_100_000}]},
    )
    assert checks(first, close)["b"]["passed"]  # 0.075 %
    assert not checks(first, far)["b"]["passed"]  # 0.25 %


def test_a_clear_difference_that_swaps_order_fails_check_c() -> None:
    first = run([300, 310, 320], [100, 110, 120])
    second = run([100, 110, 120], [300, 310, 320])
    failures = checks(first, second)["c"]["failures"]
    assert len(failures) == 1
    assert "json: node / py swapped order" in failures[0]


def test_a_close_pair_must_tie_in_at_least_one_run() -> None:
    # 1.2x apart with narrow ranges and no noise: neither run can call it a tie.
    first = run([119, 120, 121], [99, 100, 101])
    second = run([119, 120, 121], [99, 100, 101])
    for found in (first, second):
        found["results"].append(cell("db", "py", [100, 100, 100]))  # noise 0
    assert "closer than 1.3" in checks(first, second)["c"]["failures"][0]
    tied = run([100, 120, 140], [90, 100, 110])  # the ranges overlap: a tie
    assert checks(first, tied)["c"]["passed"]


def test_a_ranked_pair_must_keep_its_order_even_below_1_3_times() -> None:
    first = run([119, 120, 121], [99, 100, 101])  # ranked: the ranges are apart
    first["results"].append(cell("db", "py", [100, 100, 100]))  # noise 0
    swapped = run([90, 100, 118], [95, 110, 125])  # a tie in this run, order reversed
    failures = checks(first, swapped)["e"]["failures"]
    assert failures == ["json: node / py ranked in run 1, swapped in the other"]
    assert checks(first, first)["e"]["passed"]


def test_missing_figures_cannot_pass() -> None:
    first = run([300], [100], instructions=None)
    assert not checks(first, first)["b"]["passed"]


def test_spreads_are_reported_not_judged(tmp_path: Path) -> None:
    first = run([300, 310, 320], [100, 110, 120])
    second = run([280, 290, 300], [100, 110, 120])
    kinds = {kind["metric"]: kind for kind in compare.verdict(first, second)["spreads"]}
    assert kinds["requests_per_s"]["max_spread_percent"] == 6.7  # 20 over a mean of 300
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(first))
    b.write_text(json.dumps(second))
    assert compare.main([str(a), str(b)]) == 0
    b.write_text(json.dumps(run([100], [300])))
    assert compare.main([str(a), str(b)]) == 1


def test_spread_is_relative_to_the_mean() -> None:
    assert compare.spread(90, 110) == 0.2
    assert compare.spread(0, 0) == 0
