"""One HTTP contract, two runtimes: every contract test runs once against each server.

Each contract module names its example in `EXAMPLE`; the `client` fixture starts that
example as a real process (Python via uvicorn, Node 24 running the .ts file), waits until
it answers, and talks real HTTP to it on 127.0.0.1.
"""

from collections.abc import Iterator

import httpx
import pytest

from scripts.servers import RUNTIMES, running_server


# --8<-- [start:fixture]
@pytest.fixture(scope="module", params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def client(runtime: str, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    example = request.module.EXAMPLE
    with (
        running_server(runtime, example) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        yield http


# --8<-- [end:fixture]
