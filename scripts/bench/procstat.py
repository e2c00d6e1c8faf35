"""CPU time and memory of a server's whole process group, read from Linux's /proc."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def group_pids(pgid: int) -> list[int]:
    """Every live process in process group `pgid` (a server and the workers it forked)."""
    pids = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        # The command name may hold spaces or parentheses: split after the last ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pgid: int) -> float:
    """User plus system CPU time used so far by the live processes of the group."""
    total = 0
    for pid in group_pids(pgid):
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS_PER_S


def wait_idle(pgid: int, interval: float = 0.1, timeout: float = 10.0) -> bool:
    """Wait until the group uses at most one clock tick of CPU in `interval`; False on timeout.

    A closed-loop run ends with a request in flight on every connection, and a slow server
    is still working through them after the load generator has gone; the next window
    would otherwise start behind that backlog.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(pgid)
        time.sleep(interval)
        if cpu_seconds(pgid) - before <= 1 / TICKS_PER_S:
            return True
    return False


def rss_bytes(pgid: int) -> int:
    """Resident memory of the group now: the sum over its processes."""
    total = 0
    for pid in group_pids(pgid):
        try:
            resident = (PROC / str(pid) / "statm").read_text().split()[1]
        except (OSError, IndexError):
            continue
        total += int(resident) * PAGE_BYTES
    return total


class PeakRss:
    """Sample a group's resident memory every `interval` seconds; keep the peak."""

    def __init__(self, pgid: int, interval: float = 0.05) -> None:
        self.pgid = pgid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pgid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pgid))
