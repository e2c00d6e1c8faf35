"""Fuzzing both runtimes: seeded, bounded Hypothesis profiles and the servers under test.

`FUZZ_PROFILE` picks how hard the fuzzers try. `quick` (the default, what `nox -s tests`
runs) keeps tests/fuzz to well under a minute on a busy two-core machine; `long` (what
`nox -s fuzz` runs) tries thousands of cases per example pair. Both are derandomized
(the same cases every run, so a failure reproduces) and keep no example database.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from scripts.redis_server import RedisNotFoundError, RedisServer
from scripts.servers import RunningServer, running_server
from tests.contract.model_upstream import fake_model
from tests.contract.upstream import slow_upstream

FUZZ_PROFILE = os.environ.get("FUZZ_PROFILE", "quick")
# Cases per API operation (Schemathesis) and per example pair (the differential test).
MAX_EXAMPLES = {
    "quick": {"schemathesis": 25, "differential": 60},
    "long": {"schemathesis": 4_800, "differential": 9_600},
}
if FUZZ_PROFILE not in MAX_EXAMPLES:
    raise pytest.UsageError(f"FUZZ_PROFILE={FUZZ_PROFILE!r}: expected one of {list(MAX_EXAMPLES)}")

for _level, _counts in MAX_EXAMPLES.items():
    for _kind, _count in _counts.items():
        settings.register_profile(
            f"fuzz-{_kind}-{_level}",
            max_examples=_count,
            derandomize=True,  # a fixed seed per test: every run sends the same cases
            database=None,  # nothing saved between runs; regressions.json keeps failures
            deadline=None,  # a request's time depends on the machine's load, not the code
            print_blob=False,
            # Each case is a round trip to two real servers: slow by Hypothesis' measure.
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )


def fuzz_settings(kind: str) -> settings:
    """The registered profile for `kind` ("schemathesis" or "differential") at FUZZ_PROFILE.

    Applied per test with `@fuzz_settings(...)`, not loaded globally, so no other
    Hypothesis test in the suite changes.
    """
    return settings.get_profile(f"fuzz-{kind}-{FUZZ_PROFILE}")


# The example pairs the differential test covers. `shutdown` and `bench` are left out:
# shutdown's routes exist to be interrupted, bench's are the benchmark's own workloads.
EXAMPLES = ("hello", "users", "cpu", "fanout", "streaming", "auth", "telemetry", "llm")


class ServerPool:
    """Every example's server per runtime, each started on first use, all kept running
    until the session ends: the fuzzers and the regression cases share them."""

    def __init__(
        self, stack: contextlib.ExitStack, folder: Path, upstream_url: str, model_url: str
    ) -> None:
        self.stack, self.folder, self.upstream_url = stack, folder, upstream_url
        self.model_url = model_url
        self.started: dict[tuple[str, str], RunningServer] = {}
        self.redis: RedisServer | None = None

    def redis_url(self) -> str:
        """A Redis of the pool's own, started on first use (auth keeps accounts there)."""
        if self.redis is None:
            try:
                self.redis = RedisServer.start()
            except RedisNotFoundError as missing:
                raise pytest.fail.Exception(str(missing), pytrace=False) from None
            self.stack.callback(self.redis.stop)
        return self.redis.url

    def users_database(self, runtime: str) -> Path:
        # One file per runtime: a database migrated by the other runtime stops the server.
        return self.folder / f"{runtime}-users.db"

    def server(self, runtime: str, example: str) -> RunningServer:
        if (runtime, example) not in self.started:
            env: dict[str, str] = {}
            if example == "users":
                env["DATABASE_URL"] = f"sqlite:///{self.users_database(runtime)}"
            if example == "fanout":
                env["UPSTREAM_URL"] = self.upstream_url
            if example == "llm":
                env["LLM_URL"] = self.model_url
            if example == "auth":
                env["REDIS_URL"] = self.redis_url()
                env["JWT_SECRET"] = "fuzz-" + "f" * 59
                env["SCRYPT_LOG_N"] = "14"  # a valid sign-up costs 16 MiB, not 128
            server = self.stack.enter_context(running_server(runtime, example, env=env))
            self.started[(runtime, example)] = server
        return self.started[(runtime, example)]


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    # fanout's upstream as in tests/contract/test_fanout.py, but answering at once;
    # llm's model as in tests/contract/test_llm.py.
    with (
        slow_upstream(0.0) as upstream,
        fake_model() as model,
        contextlib.ExitStack() as stack,
    ):
        folder = tmp_path_factory.mktemp("fuzz-servers")
        yield ServerPool(stack, folder, upstream.url, model.url)


# How many cases each fuzzer sent, by label: printed at the end of the run, also from
# pytest-xdist's workers (each sends its counts to the controller when it finishes).
CASE_COUNTS: Counter[str] = Counter()


def count_case(label: str) -> None:
    CASE_COUNTS[label] += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["fuzz_case_counts"] = dict(CASE_COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist's hook, on the controller: add up a finished worker's counts."""
    CASE_COUNTS.update(getattr(node, "workeroutput", {}).get("fuzz_case_counts", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CASE_COUNTS:
        terminalreporter.section(f"fuzz cases sent (FUZZ_PROFILE={FUZZ_PROFILE})")
        for label, count in sorted(CASE_COUNTS.items()):
            terminalreporter.write_line(f"{count:>8}  {label}")
