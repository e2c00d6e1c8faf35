"""Every example server, in both runtimes, for the raw HTTP probes beside this file.

Like the contract suite, each module-scoped server is a real process on 127.0.0.1
(scripts/servers.py); here the probes run against every example rather than one, since
each example starts its own server and could configure its parser differently.
"""

from collections.abc import Iterator

import pytest

from scripts.redis_server import RedisServer
from scripts.servers import RUNTIMES, RunningServer, running_server

# The examples whose servers are probed. `shutdown` is left out: its server is set up
# like these (the same parser and, in Node, the same parser-error handler), and its own
# suite is about stopping it.
EXAMPLES = (
    "hello",
    "users",
    "cpu",
    "fanout",
    "streaming",
    "jobs",
    "caching",
    "scaling",
    "auth",
    "telemetry",
    "llm",
)


@pytest.fixture(scope="module", params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module", params=EXAMPLES)
def example(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def server(
    runtime: str,
    example: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[RunningServer]:
    env = {}
    if example in ("users", "caching"):  # a database of its own, a temporary SQLite file
        database = tmp_path_factory.mktemp(f"{runtime}-{example}") / "users.db"
        env["DATABASE_URL"] = f"sqlite:///{database}"
    if example in ("jobs", "caching", "scaling", "auth"):  # this module's own Redis
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        env["REDIS_URL"] = redis_server.url
    if example == "auth":
        env["JWT_SECRET"] = "protocol-probes-" + "p" * 48
    with running_server(runtime, example, env=env) as running:
        yield running
