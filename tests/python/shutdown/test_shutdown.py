"""In-process tests of the Python shutdown example: the lifespan opens and closes SQLite.

The SIGTERM behaviour needs a real process; tests/contract/test_shutdown.py covers it.
"""

import asyncio
import sqlite3
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from examples.python.shutdown import main as shutdown
from tests.python.asgi import in_process

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("DB_PATH", str(tmp_path / "jobs.db"))
    return shutdown.app


async def test_a_job_is_written_and_the_lifespan_closes_the_database(tmp_path: Path) -> None:
    db_path = tmp_path / "jobs.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DB_PATH", str(db_path))
        async with in_process(shutdown.app) as client:
            response = await client.get("/jobs", params={"ms": 5})
            assert response.json() == {"id": 1, "ms": 5}
            assert Path(f"{db_path}-wal").exists()  # open, in WAL mode
    # Leaving the lifespan closed the connection: the log was checkpointed and removed.
    assert not Path(f"{db_path}-wal").exists()
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT id, ms FROM jobs").fetchall() == [(1, 5)]


async def test_a_cancelled_job_is_counted_as_interrupted(client: httpx.AsyncClient) -> None:
    before = shutdown.stats["interrupted"]
    job = asyncio.create_task(client.get("/jobs", params={"ms": 5000}))
    while shutdown.stats["in_flight"] == 0:
        await asyncio.sleep(0.01)
    job.cancel()  # what uvicorn does to requests still running when the grace period ends
    with pytest.raises(asyncio.CancelledError):
        await job
    assert shutdown.stats["interrupted"] == before + 1
    assert shutdown.stats["in_flight"] == 0
    assert (await client.get("/stats")).json()["in_flight"] == 0


async def test_bad_size_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/jobs", params={"ms": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "ms"


async def test_healthz_and_unknown_route(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    response = await client.get("/nope")
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}
