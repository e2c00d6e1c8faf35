"""Settings and fixtures shared by every test module."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import greenlet  # type: ignore[import-untyped]  # no py.typed in greenlet 3.5
import pytest

from scripts import doc_checks
from scripts.bench.render import render as render_performance_pages
from scripts.redis_server import RedisNotFoundError, RedisServer
from scripts.vendor_assets import vendor_assets

# The main greenlet of every thread started during the run, kept until the run ends.
THREAD_GREENLETS: list[object] = []


def keep_thread_greenlet(frame: object, event: str, arg: object) -> None:
    """Profile hook for new threads: keep the thread's main greenlet, then remove itself."""
    THREAD_GREENLETS.append(greenlet.getcurrent())
    sys.setprofile(None)


def pytest_configure(config: pytest.Config) -> None:
    """Stop coverage's greenlet tracing from hanging Python 3.11 when threads end.

    With `concurrency = ["thread", "greenlet"]` (pyproject.toml), coverage's tracer in every
    thread keeps its state in a WeakKeyDictionary keyed by the thread's main greenlet. When a
    thread ends, greenlet frees that greenlet later, from a pending call on the main thread,
    so the dictionary's weakref callback (Python code) runs inside the pending call. If one
    more thread ends meanwhile, Python 3.11 loops forever on the first instruction of that
    callback while a trace function is set: pytest at 100 % CPU with no output, most often
    in the browser tests, whose site server starts and ends a thread per request. Python
    3.12 does not loop. Holding every thread's main greenlet keeps greenlet from freeing any
    of them in a pending call; it costs one small object per thread. The hook goes in
    whether or not coverage runs yet: pytest-xdist's workers start it after this hook.
    """
    if sys.version_info < (3, 12):
        threading.setprofile(keep_thread_greenlet)
    disable_greenlet_leak_check()


def disable_greenlet_leak_check() -> None:
    """Turn off greenlet's search for leaked greenlets of dead threads.

    When a thread that used greenlets has ended, greenlet tears its state down from a
    pending call on another thread and, to look for a leaked main greenlet, imports `gc`
    with `PyImport_ImportModule` (greenlet's TThreadState.hpp). That C call looks up
    `__import__` in the builtins of whatever Python frame is running. A pending call can run
    inside the `__new__` that `collections.namedtuple` generates, whose builtins are an empty
    dict, so the import fails with `KeyError: '__import__'`; greenlet reports it as an
    unraisable exception and pytest fails the test that happens to be running (1 full run
    in 10 here, at a `CaptureResult` namedtuple). The check is optional; without it a dead
    thread's main greenlet may leak, which in a test process costs nothing.
    """
    greenlet._greenlet.enable_optional_cleanup(False)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # The examples run on asyncio (uvicorn's loop); test on the same one only.
    return "asyncio"


@pytest.fixture(scope="session")
def performance_pages() -> None:
    """Render the Performance pages' tables and charts from data/bench/results.json."""
    render_performance_pages()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, performance_pages: None) -> Path:
    """Build the site with `mkdocs build --strict`; any warning fails the build."""
    vendor_assets()
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=doc_checks.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"strict build failed:\n{result.stderr}"
    return site


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """A real Redis on 127.0.0.1 for one test module; without a binary, a loud failure."""
    try:
        server = RedisServer.start()
    except RedisNotFoundError as missing:
        raise pytest.fail.Exception(str(missing), pytrace=False) from None
    try:
        yield server
    finally:
        server.stop()
