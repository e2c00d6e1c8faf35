"""One HTTP contract, two runtimes: every contract test runs once against each server.

Each contract module names its example in `EXAMPLE`; the `client` fixture starts that
example as a real process (Python via uvicorn, Node 24 running the .ts file), waits until
it answers, and talks real HTTP to it on 127.0.0.1.
"""

from collections.abc import Iterator

import httpx
import pytest

from scripts.servers import RUNTIMES, RunningServer, running_server


# --8<-- [start:fixture]
@pytest.fixture(scope="module", params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Extra environment for the server; a contract module overrides it (e.g. DATABASE_URL)."""
    return {}


@pytest.fixture(scope="module")
def server(
    runtime: str, server_env: dict[str, str], request: pytest.FixtureRequest
) -> Iterator[RunningServer]:
    with running_server(runtime, request.module.EXAMPLE, env=server_env) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http


# --8<-- [end:fixture]
