"""The host-noise probe: readings relative to each core's best, and the thread put back."""

import os

from scripts.bench import noise


def test_summary_counts_probes_slowed_beyond_the_threshold() -> None:
    timings = iter([2.0, 3.0, 2.1, 2.0, 4.0, 2.0, 2.3, 2.0])  # core 0, core 1, core 0, ...
    monitor = noise.NoiseMonitor((0, 1), probe=lambda core: next(timings))
    for _ in range(4):
        monitor.sample()
    summary = monitor.summary()
    assert summary["slowed_above"] == noise.SLOWED
    # Core 0 read 2.0, 2.1, 4.0, 2.3: only 4.0 is over 1.2x its best (2.0).
    assert summary["cores"]["0"] == {
        "probes": 4,
        "best_ms": 2.0,
        "slowed_share": 0.25,
        "median_slowdown": 1.1,
    }
    # Core 1 read 3.0, 2.0, 2.0, 2.0: one probe of four slowed, by 1.5x.
    assert summary["cores"]["1"]["slowed_share"] == 0.25
    assert summary["cores"]["1"]["median_slowdown"] == 1.0


def test_probe_times_real_work_and_restores_the_thread_affinity() -> None:
    before = os.sched_getaffinity(0)
    core = min(before)
    assert noise.probe_ms(core) > 0
    assert os.sched_getaffinity(0) == before
