"""Waiting for a condition that a real server reaches on its own time."""

import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll `check` until it holds or `timeout` seconds pass; return its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()
