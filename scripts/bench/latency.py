"""Latency histograms: record, encode, decode and merge HdrHistograms; read figures off them.

The fixed-rate generator (scripts/bench/rategen.py) records every request's latency, in
whole microseconds, into an HdrHistogram with 3 significant digits: each value lands in a
bucket no wider than 0.1 % of it, from 1 µs up to the request timeout. It prints the
histogram in HdrHistogram's standard compressed base64 form ("HISTFAAA..."), which any
HdrHistogram implementation decodes. The harness keeps that string per repetition and
summarises a cell from the *merged* histogram of all its repetitions: the histograms'
counts add, so the merged p99 is the p99 of every request of every repetition, and the
merged maximum is the largest latency of any repetition, not a median of maxima.

Figures read off a histogram follow HdrHistogram's convention: a percentile is the
highest value equivalent to the bucket it falls in, so it errs high by less than 0.1 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

SIGNIFICANT_DIGITS = 3
LOWEST_US = 1
# A "full spectrum" latency chart plots these against 1/(1 - p); see `curve`.
CURVE_PERCENTILES = (0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100)
SUMMARY_PERCENTILES = {"p50_ms": 50, "p90_ms": 90, "p99_ms": 99, "p99_9_ms": 99.9}


def describe(timeout_s: float) -> str:
    """How the histograms are recorded, for the results file's method block."""
    return (
        f"HdrHistogram, {SIGNIFICANT_DIGITS} significant digits, "
        f"{LOWEST_US} µs to {timeout_s:g} s (wider when a queued request waited longer)"
    )


def to_us(seconds: float) -> int:
    return round(seconds * 1_000_000)


def to_ms(value_us: int) -> float:
    return round(value_us / 1000, 3)


def new(highest_us: int) -> Any:
    """An empty histogram for 1 µs up to `highest_us` (at least 2 µs, as HdrHistogram needs)."""
    return HdrHistogram(LOWEST_US, max(highest_us, 2 * LOWEST_US), SIGNIFICANT_DIGITS)


def record(latencies_s: Iterable[float], timeout_s: float) -> str:
    """Record every latency (in seconds) and return the encoded histogram.

    The histogram reaches up to the request timeout. Latency counts from when a request was
    due, so a request that queued behind a stall can take longer than the timeout; the
    range then widens to the largest latency instead of dropping it.
    """
    values = [to_us(latency) for latency in latencies_s]
    histogram = new(max([to_us(timeout_s), *values]))
    for value in values:
        if not histogram.record_value(value):
            raise ValueError(f"latency of {value} µs is outside the histogram's range")
    return encode(histogram)


def encode(histogram: Any) -> str:
    encoded: bytes = histogram.encode()
    return encoded.decode("ascii")


def decode(encoded: str) -> Any:
    return HdrHistogram.decode(encoded)


def merge(encoded: Iterable[str]) -> Any:
    """One histogram holding the counts of every given histogram (their union)."""
    histograms = [decode(item) for item in encoded]
    if not histograms:
        raise ValueError("no histograms to merge")
    highest = max(int(histogram.highest_trackable_value) for histogram in histograms)
    merged = new(highest)
    for histogram in histograms:
        merged.add(histogram)
    return merged


def samples(histogram: Any) -> int:
    return int(histogram.get_total_count())


def max_us(histogram: Any) -> int:
    """The largest recorded value (the top of its 0.1 % bucket); 0 when empty."""
    return int(histogram.get_max_value())


def value_at(histogram: Any, percentile: float) -> int:
    """The value at `percentile` (0 to 100) in microseconds; 100 is the maximum."""
    if samples(histogram) == 0:
        return 0
    if percentile >= 100:
        return max_us(histogram)
    return int(histogram.get_value_at_percentile(percentile))


def resolvable(percentile: float, count: int) -> bool:
    """Whether `count` samples resolve `percentile`: at least one sample lies above it.

    Exact arithmetic: in floating point, (1 - 0.9999) * 10,000 comes out just under 1.
    """
    return (100 - Fraction(str(percentile))) * count >= 100


def curve(histogram: Any) -> list[list[float]]:
    """[percentile, ms] points for a full-spectrum chart, up to what the samples resolve.

    A percentile p is kept when (1 - p) * samples >= 1, so that at least one sample lies
    above it; 100, the maximum, is always kept. An empty histogram has no curve.
    """
    count = samples(histogram)
    if count == 0:
        return []
    return [
        [percentile, to_ms(value_at(histogram, percentile))]
        for percentile in CURVE_PERCENTILES
        if percentile == 100 or resolvable(percentile, count)
    ]


def summary(encoded: Iterable[str]) -> dict[str, Any]:
    """The figures of the merged histogram of `encoded`, each repetition's histogram.

    p99_9_ms is reported whatever the sample count; with under 1,000 samples it is the
    maximum or close to it, and the curve leaves it out.
    """
    merged = merge(encoded)
    figures: dict[str, Any] = {"samples": samples(merged)}
    for key, percentile in SUMMARY_PERCENTILES.items():
        figures[key] = to_ms(value_at(merged, percentile))
    figures["max_ms"] = to_ms(max_us(merged))
    figures["curve"] = curve(merged)
    return figures
