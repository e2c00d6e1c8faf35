"""The containers contract: what each image runs, run here as plain processes.

The images themselves are built and started by `nox -s containers` where a container
engine and the registry are reachable; these tests hold the same entry points, health
checks and stop behaviour to one contract on every machine.
"""

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from scripts.servers import example_command, running_server, stop


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory, runtime: str) -> dict[str, str]:
    database = tmp_path_factory.mktemp(f"containers-{runtime}") / "users.db"
    return {"DATABASE_URL": f"sqlite:///{database}"}


def health_check(runtime: str, example: str, port: str) -> int:
    """Run the image's HEALTHCHECK command against `port`; its exit status."""
    command = example_command(runtime, example, "healthcheck")
    env = {**os.environ, "PORT": port}
    return subprocess.run(command, env=env, check=False, timeout=30).returncode


# --8<-- [start:tests]
def test_it_serves_the_users_api(client: httpx.Client) -> None:
    body = {"email": "ada@example.com", "name": "Ada"}
    created = client.post("/users", json=body)
    assert created.status_code == 201
    assert client.get(created.headers["location"]).json() == created.json()


def test_sigterm_stops_it_with_status_0_and_the_health_check_notices(
    runtime: str, example: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}"}
    with running_server(runtime, example, env=env) as server:
        port = server.base_url.rsplit(":", 1)[1]
        assert health_check(runtime, example, port) == 0
        started = time.monotonic()
        assert stop(server.process) == 0  # SIGTERM, as `docker stop` sends
        assert time.monotonic() - started < 10  # before docker's SIGKILL
        assert health_check(runtime, example, port) == 1


# --8<-- [end:tests]
