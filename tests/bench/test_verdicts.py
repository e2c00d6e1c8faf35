"""Ties, ranks, ceilings and the generated sentences, on hand-made data."""

from scripts.bench import verdicts
from tests.bench.synthetic import cell, document, spread


def test_overlapping_ranges_tie() -> None:
    assert verdicts.tied(spread([90, 100, 110]), spread([105, 120, 130]), within=0)
    assert not verdicts.tied(spread([90, 100, 104]), spread([105, 120, 130]), within=0)


def test_medians_within_the_noise_tie_even_without_overlap() -> None:
    a, b = spread([99, 100, 101]), spread([108, 110, 111])
    assert not verdicts.tied(a, b, within=0.05)
    assert verdicts.tied(a, b, within=0.10)  # 10 / 110 = 9.1 %


def test_noise_is_the_median_half_width_of_the_throughput_ranges() -> None:
    results = document(
        cell("json", "py", [90, 100, 110]),  # half-width 10 %
        cell("json", "node", [180, 200, 220]),  # 10 %
        cell("db", "py", [50, 100, 150]),  # 50 %
    )
    assert verdicts.noise(results) == 0.1


def test_tied_rows_share_a_rank_and_the_next_rank_skips() -> None:
    rows = [spread([95, 100, 105]), spread([90, 98, 101]), spread([50, 52, 54])]
    assert verdicts.ranks(rows, within=0) == ["1 (tie)", "1 (tie)", "3"]
    apart = [spread([99, 100, 101]), spread([49, 50, 51]), spread([9, 10, 11])]
    assert verdicts.ranks(apart, within=0) == ["1", "2", "3"]


def test_the_json_ceiling_is_nginx_and_says_when_the_load_generator_was_the_limit() -> None:
    results = document(
        cell("json", "nginx", [1000, 1100, 1200], load_saturated_runs=2),
        cell("json", "py", [100, 110, 120]),
    )
    limit = verdicts.ceiling(results, "json")
    assert limit == verdicts.Ceiling(1100, "nginx answering the same route", 2, 3)
    assert verdicts.share(110, limit) == 10.0


def test_an_upstream_wait_has_an_arithmetic_ceiling() -> None:
    results = document(cell("io", "node", [10000, 10500, 11000]))
    limit = verdicts.ceiling(results, "io")
    assert limit is not None
    assert limit.requests_per_s == 256 / 0.020
    assert verdicts.ceiling(results | {"workloads": [{"id": "db"}]}, "db") is None


def test_a_runtime_gap_is_stated_only_when_no_pair_ties() -> None:
    clear = document(
        cell("json", "node", [300, 310, 320]),
        cell("json", "py", [100, 110, 120]),
        cell("json", "py2", [150, 160, 170]),  # two workers: left out of the claim
    )
    claim = verdicts.runtime_gap(clear, "json", "JSON")
    assert claim is not None
    assert "every Node.js server" in claim.text
    assert claim.numbers == (2.8,)  # 310 / 110
    close = document(cell("json", "node", [100, 115, 130]), cell("json", "py", [95, 110, 125]))
    claim = verdicts.runtime_gap(close, "json", "JSON")
    assert claim is not None
    assert claim.text.endswith("tie.")
    assert claim.numbers == ()


def test_the_takeaways_link_their_tables() -> None:
    results = document(cell("json", "node", [300, 310, 320]), cell("json", "py", [100, 110, 120]))
    assert [claim.anchor for claim in verdicts.takeaways(results)] == ["json", "startup"]
