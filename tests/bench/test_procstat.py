"""Reading a process group's CPU time and memory from /proc, and waiting for it to go idle."""

import subprocess
import sys
from collections.abc import Iterator

import pytest

from scripts.bench import procstat

SPIN = "import time\nend = time.monotonic() + 30\nwhile time.monotonic() < end: pass"


@pytest.fixture
def group(request: pytest.FixtureRequest) -> Iterator[int]:
    """A child in its own process group, running the code the test passes as its param."""
    child = subprocess.Popen([sys.executable, "-c", request.param], start_new_session=True)
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("group", ["import time; time.sleep(30)"], indirect=True)
def test_an_idle_group_goes_idle_and_uses_memory(group: int) -> None:
    assert procstat.wait_idle(group, timeout=5.0)
    assert procstat.rss_bytes(group) > 0
    assert procstat.group_pids(group) == [group]


@pytest.mark.parametrize("group", [SPIN], indirect=True)
def test_a_busy_group_never_goes_idle_and_uses_cpu(group: int) -> None:
    assert not procstat.wait_idle(group, timeout=0.5)
    assert procstat.cpu_seconds(group) > 0
