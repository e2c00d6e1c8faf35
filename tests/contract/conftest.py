"""One HTTP contract, two runtimes: every contract test runs once against each server.

A contract module's file name names its topic: `test_hello.py` tests the `hello`
examples. The `client` fixture starts that example as a real process (Python via
uvicorn, Node 24 running the .ts file), waits until it answers, and talks real HTTP to
it on 127.0.0.1.
"""

import os
from collections.abc import Iterator

import httpx
import pytest

from scripts.servers import RUNTIMES, RunningServer, running_server
from tests.contract.postgres_server import EmbeddedPostgres, PostgresServerError


# --8<-- [start:fixture]
@pytest.fixture(scope="module", params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def example(request: pytest.FixtureRequest) -> str:
    """The topic under test, from the module's name.

    Deriving it means a copied module cannot test the wrong one.
    """
    return request.path.stem.removeprefix("test_")


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Extra environment for the server.

    A contract module overrides it (e.g. to set DATABASE_URL).
    """
    return {}


@pytest.fixture(scope="module")
def server(
    runtime: str,
    example: str,
    server_env: dict[str, str],
) -> Iterator[RunningServer]:
    with running_server(runtime, example, env=server_env) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        yield http


# --8<-- [end:fixture]


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """TEST_POSTGRES_URL's server if set, else an embedded one for the whole session."""
    if external := os.environ.get("TEST_POSTGRES_URL"):
        yield external
        return
    try:
        server = EmbeddedPostgres.start()
    except PostgresServerError as error:
        raise pytest.fail.Exception(str(error), pytrace=False) from None  # no chained copy
    try:
        yield server.url
    finally:
        server.stop()
