"""How busy the host was: a short CPU probe on each core, compared with the fastest seen.

On shared virtual machines a fixed piece of work runs markedly slower on a virtual core at
some moments than at others, because the host shares the physical cores with other tenants;
when, for how long and by how much is outside the guest's control.
The harness probes both cores before every measurement window and records how much slower
than its best each probe ran, so that a results file says how noisy the machine was while
it was measured, and two runs that disagree can be told apart from a harness that drifts.
Retaking windows until the machine was quiet was tried and dropped: on the machine class
the committed results come from, whole seconds with both cores quiet were too rare, so
most windows were never accepted (see docs/performance/method.md).
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

PROBE_LOOPS = 100_000  # a few milliseconds of pure Python
PROBE_TRIES = 3  # the fastest of three, so that one interrupt does not read as a slow core
SLOWED = 1.2  # a probe this many times slower than the core's fastest counts as slowed


def probe_ms(core: int) -> float:
    """Time a fixed pure-Python loop on `core` (the calling thread moves there and back)."""
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        fastest = math.inf
        for _ in range(PROBE_TRIES):
            # This thread's CPU time: waiting for the GIL (the memory sampler holds it now
            # and then) is not a slow core, but a host slowing the core shows up here too.
            began = time.thread_time()
            total = 0
            for number in range(PROBE_LOOPS):
                total += number
            fastest = min(fastest, time.thread_time() - began)
        return fastest * 1000
    finally:
        os.sched_setaffinity(0, previous)


class CoreNoise(TypedDict):
    probes: int
    best_ms: float
    slowed_share: float
    median_slowdown: float


class NoiseSummary(TypedDict):
    slowed_above: float
    cores: dict[str, CoreNoise]


@dataclass
class NoiseMonitor:
    """Probes the cores now and then; keeps every reading relative to each core's best."""

    cores: tuple[int, ...]
    probe: Callable[[int], float] = probe_ms
    readings: dict[int, list[float]] = field(default_factory=dict)

    def sample(self) -> None:
        for core in self.cores:
            self.readings.setdefault(core, []).append(self.probe(core))

    def summary(self) -> NoiseSummary:
        """Per core: probes taken, the share slowed by more than SLOWED, the median slowdown."""
        cores: dict[str, CoreNoise] = {}
        for core, taken in sorted(self.readings.items()):
            best = min(taken)
            ratios = [value / best for value in taken]
            cores[str(core)] = {
                "probes": len(taken),
                "best_ms": round(best, 3),
                "slowed_share": round(sum(r > SLOWED for r in ratios) / len(ratios), 3),
                "median_slowdown": round(statistics.median(ratios), 2),
            }
        return {"slowed_above": SLOWED, "cores": cores}
