"""Merging the repetitions' latency histograms, and the figures read off the merged one."""

import math
import statistics
from typing import Any

import jsonschema
import pytest

from scripts.bench import harness, latency

TIMEOUT_S = 2.0


def encoded(latencies_ms: list[float]) -> str:
    return latency.record([ms / 1000 for ms in latencies_ms], TIMEOUT_S)


def nearest_rank(values: list[float], percentile: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percentile / 100 * len(ordered))) - 1]


def close(value_ms: float, exact_ms: float) -> bool:
    """Within the histogram's precision: 3 significant digits, plus the rounding to 1 µs."""
    return exact_ms <= value_ms <= exact_ms * 1.001 + 0.001


# 1..1000 ms split unevenly across two repetitions: the odd values and the even ones
# below 900 in one, the even ones from 900 up in the other.
ALL_MS = [float(ms) for ms in range(1, 1001)]
FIRST = [ms for ms in ALL_MS if ms % 2 or ms < 900]
SECOND = [ms for ms in ALL_MS if not ms % 2 and ms >= 900]


def test_record_encodes_every_latency_in_the_standard_format() -> None:
    histogram_string = encoded(FIRST)
    assert histogram_string.startswith("HISTF")  # HdrHistogram's V2 compressed cookie
    histogram = latency.decode(histogram_string)
    assert latency.samples(histogram) == len(FIRST)
    assert close(latency.max_us(histogram) / 1000, max(FIRST))


def test_merging_two_histograms_gives_the_union() -> None:
    merged = latency.merge([encoded(FIRST), encoded(SECOND)])
    union = latency.decode(encoded(ALL_MS))
    assert latency.samples(merged) == len(ALL_MS) == 1000
    for percentile in (0, 50, 90, 99, 99.9, 100):
        assert latency.value_at(merged, percentile) == latency.value_at(union, percentile)
    figures = latency.summary([encoded(FIRST), encoded(SECOND)])
    assert figures["samples"] == 1000
    assert close(figures["p50_ms"], 500)
    assert close(figures["p90_ms"], 900)
    assert close(figures["p99_ms"], 990)
    assert close(figures["p99_9_ms"], 999)
    assert close(figures["max_ms"], 1000)
    # Each repetition alone says otherwise: their medians are 475 ms and 950 ms.
    for rep in (FIRST, SECOND):
        assert close(latency.summary([encoded(rep)])["p50_ms"], nearest_rank(rep, 50))
    assert (nearest_rank(FIRST, 50), nearest_rank(SECOND, 50)) == (475, 950)


def test_merged_maximum_is_the_largest_of_any_repetition() -> None:
    calm = [1.0] * 500
    reps = [encoded(calm), encoded([*calm[:-1], 730.0]), encoded(calm)]
    figures = latency.summary(reps)
    assert figures["samples"] == 1500
    assert close(figures["max_ms"], 730)
    assert figures["curve"][-1] == [100, figures["max_ms"]]
    # The old summary, a median of the repetitions' maxima, hides it.
    assert statistics.median(latency.summary([rep])["max_ms"] for rep in reps) < 1.01


def test_merged_percentile_differs_from_the_median_of_repetitions() -> None:
    # Two calm repetitions and one with a slow fifth: each repetition's p99 is 1 ms, 1 ms
    # and 40 ms, median 1 ms; of all 3,000 requests 200 (6.7 %) took 40 ms, so p99 is 40 ms.
    calm, slow = [1.0] * 1000, [1.0] * 800 + [40.0] * 200
    reps = [encoded(calm), encoded(calm), encoded(slow)]
    median_p99 = statistics.median(latency.summary([rep])["p99_ms"] for rep in reps)
    merged_p99 = latency.summary(reps)["p99_ms"]
    assert close(median_p99, 1)
    assert close(merged_p99, 40)
    assert close(merged_p99, nearest_rank(calm + calm + slow, 99))


def test_curve_drops_percentiles_the_samples_cannot_resolve() -> None:
    # 1,000 samples: 99.9 leaves one sample above it, 99.95 half of one.
    points = latency.curve(latency.decode(encoded(ALL_MS)))
    assert [p for p, _ in points] == [0, 50, 75, 90, 95, 99, 99.5, 99.9, 100]
    assert [ms for _, ms in points] == sorted(ms for _, ms in points)
    assert close(points[0][1], 1)
    assert close(points[-1][1], 1000)
    # 10,000 samples resolve exactly 99.99, which floating point would get wrong.
    many = latency.decode(encoded([float(n % 1000 + 1) for n in range(10_000)]))
    assert [p for p, _ in latency.curve(many)][-3:] == [99.95, 99.99, 100]
    # Five samples resolve percentiles up to 80 only.
    few = latency.decode(encoded([1, 2, 3, 4, 5]))
    assert [p for p, _ in latency.curve(few)] == [0, 50, 75, 100]
    assert latency.curve(latency.decode(encoded([]))) == []


@pytest.mark.parametrize(
    ("percentile", "count", "expected"),
    [(99.99, 10_000, True), (99.99, 9_999, False), (99, 100, True), (99.9, 999, False)],
)
def test_resolvable_is_exact(percentile: float, count: int, expected: bool) -> None:
    assert latency.resolvable(percentile, count) is expected


def test_a_latency_beyond_the_timeout_is_kept() -> None:
    # Timed from when it was due, a queued request can outlast the request timeout.
    figures = latency.summary([encoded([5.0, 3500.0]), encoded([5.0])])
    assert figures["samples"] == 3
    assert close(figures["max_ms"], 3500)


def test_an_empty_repetition_merges_as_nothing() -> None:
    figures = latency.summary([encoded([]), encoded([2.0, 4.0])])
    assert figures["samples"] == 2
    assert close(figures["max_ms"], 4)
    assert latency.summary([encoded([])]) == {
        "samples": 0,
        "p50_ms": 0,
        "p90_ms": 0,
        "p99_ms": 0,
        "p99_9_ms": 0,
        "max_ms": 0,
        "curve": [],
    }


def test_summarise_adds_the_merged_latency_to_the_spreads() -> None:
    def run(rep: int, latencies_ms: list[float]) -> dict[str, object]:
        ordered = sorted(latencies_ms)
        return {
            "rep": rep,
            "requests_per_s": 1000.0,
            "errors": 0,
            "latency_errors": 0,
            "server_cpu_percent": 50.0,
            "peak_rss_mib": 40.0,
            "load_cpu_percent": 20.0,
            "load_saturated": False,
            "achieved_rate": 1000.0,
            "p50_ms": nearest_rank(ordered, 50),
            "p90_ms": nearest_rank(ordered, 90),
            "p99_ms": nearest_rank(ordered, 99),
            "max_ms": ordered[-1],
            "latency_histogram": encoded(latencies_ms),
        }

    calm, slow = [1.0] * 1000, [1.0] * 800 + [40.0] * 200
    summary = harness.summarise([run(1, calm), run(2, calm), run(3, slow)])
    assert summary["p99_ms"] == {"median": 1.0, "min": 1.0, "max": 40.0}
    assert summary["max_ms"]["median"] == 1.0
    assert summary["latency"]["samples"] == 3000
    assert close(summary["latency"]["p99_ms"], 40)
    assert close(summary["latency"]["max_ms"], 40)


def test_the_schema_takes_the_summary_and_the_histogram(schema: dict[str, Any]) -> None:
    cell = schema["properties"]["results"]["items"]["properties"]
    latency_schema = cell["summary"]["properties"]["latency"]
    histogram_schema = schema["$defs"]["run"]["properties"]["latency_histogram"]
    assert "latency" in cell["summary"]["required"]
    assert "latency_histogram" in schema["$defs"]["run"]["required"]
    figures = latency.summary([encoded(ALL_MS)])
    jsonschema.validate(figures, latency_schema)
    jsonschema.validate(encoded(ALL_MS), histogram_schema)
    broken = [
        {**figures, "curve": [[50, 1.0, 2.0]]},
        {**figures, "curve": [[101, 1.0]]},
        {key: value for key, value in figures.items() if key != "p99_9_ms"},
        {**figures, "extra": 1},
    ]
    for instance in broken:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(instance, latency_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("not a histogram", histogram_schema)
