"""Waiting for a condition that a real process reaches on its own time.

The one polling loop of the project: the server launcher, the benchmark's start-up
timer and the tests all wait through `eventually`.
"""

import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Call `check` until it returns True or `timeout` seconds pass; return its last answer.

    Args:
        check: a cheap, side-effect-free probe.
        timeout: seconds to keep trying.
        interval: seconds to sleep between tries.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()
