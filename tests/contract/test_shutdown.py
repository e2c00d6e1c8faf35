"""Graceful shutdown contract: real SIGTERM to a real server process with a request in flight.

Each test starts its own server (a shutdown ends it), waits until the server reports the
request in flight, sends SIGTERM to the server's own PID, and then checks from outside:
new connections are refused, the in-flight request still gets its answer, the process
exits with status 0, and the SQLite database was closed (closing the last connection to a
database in WAL mode deletes its `-wal` file).
"""

import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripts.polling import eventually
from scripts.servers import RUNTIMES, RunningServer, running_server


def refuses_connections(server: RunningServer) -> bool:
    url = httpx.URL(server.base_url)
    try:
        socket.create_connection((url.host, url.port), timeout=1).close()
    except OSError:  # ConnectionRefusedError: nothing listens on the port any more
        return True
    return False


def start_job(
    server: RunningServer, ms: int
) -> tuple[threading.Thread, list[httpx.Response | httpx.HTTPError]]:
    """Send GET /jobs?ms=… from a thread; wait until the server reports it in flight."""
    outcome: list[httpx.Response | httpx.HTTPError] = []

    def call() -> None:
        try:
            outcome.append(httpx.get(f"{server.base_url}/jobs", params={"ms": ms}, timeout=30))
        except httpx.HTTPError as error:
            outcome.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    stats = f"{server.base_url}/stats"
    assert eventually(lambda: httpx.get(stats).json()["in_flight"] == 1, timeout=10)
    return thread, outcome


# --8<-- [start:drain]
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sigterm_drains_in_flight_work_then_exits_0(
    runtime: str, example: str, tmp_path: Path
) -> None:
    db_path = tmp_path / "jobs.db"
    env = {"DB_PATH": str(db_path), "SHUTDOWN_GRACE_MS": "15000"}
    with running_server(runtime, example, env=env) as server:
        job, outcome = start_job(server, ms=3000)
        server.process.send_signal(signal.SIGTERM)
        # New connections are refused while the job is still running.
        assert eventually(lambda: refuses_connections(server), timeout=2.5)
        assert job.is_alive(), "the job ended before the listener closed"
        job.join(30)
        assert server.process.wait(timeout=15) == 0
    response = outcome[0]
    assert isinstance(response, httpx.Response), response
    assert response.status_code == 200
    assert response.json()["ms"] == 3000
    # The job's write is in the database, and the database was closed cleanly.
    assert not Path(f"{db_path}-wal").exists()
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT id, ms FROM jobs").fetchall()
        assert rows == [(response.json()["id"], 3000)]


# --8<-- [end:drain]
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_grace_period_bounds_the_wait_and_exits_1(
    runtime: str, example: str, tmp_path: Path
) -> None:
    db_path = tmp_path / "jobs.db"
    env = {"DB_PATH": str(db_path), "SHUTDOWN_GRACE_MS": "1000"}
    with running_server(runtime, example, env=env) as server:
        job, outcome = start_job(server, ms=10_000)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        # Exits after the 1 s grace, long before the 10 s job would have finished.
        assert server.process.wait(timeout=8) == 1
        assert time.monotonic() - started < 8
        job.join(10)
    # The cut request got no answer, and the database was still closed cleanly.
    assert isinstance(outcome[0], httpx.HTTPError) or outcome[0].status_code >= 500
    assert not Path(f"{db_path}-wal").exists()
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM jobs").fetchone() == (0,)


@pytest.fixture(scope="module")
def client(
    runtime: str, example: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    # Overrides conftest's `client`: this example needs DB_PATH.
    env = {"DB_PATH": str(tmp_path_factory.mktemp(runtime) / "jobs.db")}
    with (
        running_server(runtime, example, env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        yield http


@pytest.mark.parametrize("value", ["0", "10001", "abc", ""])
def test_job_size_out_of_bounds_is_a_422_problem(client: httpx.Client, value: str) -> None:
    response = client.get("/jobs", params={"ms": value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["type"], body["title"], body["detail"]) == (
        "/problems/validation-error",
        "Unprocessable Content",
        "The request is invalid.",
    )
    assert [error["parameter"] for error in body["errors"]] == ["ms"]


def test_unknown_route_is_a_404_problem(client: httpx.Client) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}
