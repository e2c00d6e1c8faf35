"""In-process tests of the Python cache-aside example, on a real Redis server."""

import asyncio
import json
import runpy
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import FastAPI
from redis.asyncio import Redis

from examples.python.caching.cache import UserCache
from examples.python.caching.main import CacheSettings, create_app
from scripts.redis_server import RedisServer
from scripts.servers import free_port
from tests.python.asgi import in_process

pytestmark = pytest.mark.anyio
ADA = {"email": "ada@example.com", "name": "Ada"}


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The module's server, emptied: each test's database starts at id 1 again."""
    with redis.Redis.from_url(redis_server.url) as connection:
        connection.flushall()
    return redis_server.url


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "caching.db"


def make_app(
    database: Path, redis_url: str, *, cache_ttl_ms: int = 60_000, read_delay_ms: int = 0
) -> FastAPI:
    settings = CacheSettings(
        database_url=f"sqlite:///{database}",
        redis_url=redis_url,
        cache_ttl_ms=cache_ttl_ms,
        read_delay_ms=read_delay_ms,
    )
    return create_app(settings)


@pytest.fixture
def app(database: Path, redis_url: str) -> FastAPI:
    return make_app(database, redis_url)


async def stats(client: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = (await client.get("/stats")).json()
    return counts


def rename_in_database(database: Path, name: str) -> None:
    """A change the API does not see, so it cannot invalidate the copy."""
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE users SET name = ? WHERE id = 1", (name,))


# --8<-- [start:tests]
async def test_a_second_read_is_a_hit(client: httpx.AsyncClient) -> None:
    created = (await client.post("/users", json=ADA)).json()
    first = await client.get("/users/1")
    second = await client.get("/users/1")
    assert first.json() == second.json() == created
    counts = await stats(client)
    assert counts == {"db_reads": 1, "cache_hits": 1, "cache_misses": 1}


async def test_no_stale_read_after_a_patch(client: httpx.AsyncClient) -> None:
    await client.post("/users", json=ADA)
    await client.get("/users/1")  # cached now
    await client.patch("/users/1", json={"name": "Ada L."})
    assert (await client.get("/users/1")).json()["name"] == "Ada L."


async def test_no_stale_read_after_a_delete(client: httpx.AsyncClient) -> None:
    await client.post("/users", json=ADA)
    await client.get("/users/1")
    assert (await client.delete("/users/1")).status_code == 204
    assert (await client.get("/users/1")).status_code == 404


async def test_concurrent_misses_make_one_read(
    database: Path,
    redis_url: str,
) -> None:
    # Each read takes 200 ms, so all 20 requests miss while the first loads.
    # redis-py opens a connection per concurrent command: 20 at once. A loaded
    # machine once took over the example's 1 s to open them, so 5 requests
    # failed open and read the database. Failing open has a test of its own;
    # this one gives Redis 10 s.
    patient = f"{redis_url}?socket_connect_timeout=10&socket_timeout=10"
    app = make_app(database, patient, read_delay_ms=200)
    async with in_process(app) as client:
        await client.post("/users", json=ADA)
        reads = (client.get("/users/1") for _ in range(20))
        answers = await asyncio.gather(*reads)
        assert {answer.json()["name"] for answer in answers} == {"Ada"}
        counts = await stats(client)
    assert counts["db_reads"] == 1
    assert counts["cache_misses"] == 20


# --8<-- [end:tests]


async def test_the_copy_expires_after_its_ttl(database: Path, redis_url: str) -> None:
    # Two seconds: long enough that a busy machine still reads the copy below.
    async with in_process(make_app(database, redis_url, cache_ttl_ms=2_000)) as client:
        await client.post("/users", json=ADA)
        await client.get("/users/1")
        with redis.Redis.from_url(redis_url) as connection:
            assert 0 < connection.pttl("users:v1:1") <= 2_000
        rename_in_database(database, "Changed behind the API")
        assert (await client.get("/users/1")).json()["name"] == "Ada"  # the copy
        started = time.monotonic()
        while (await client.get("/users/1")).json()["name"] == "Ada":
            assert time.monotonic() - started < 10, "the copy never expired"
            await asyncio.sleep(0.1)


async def test_a_slow_reader_cannot_store_a_row_that_a_write_replaced(
    database: Path, redis_url: str
) -> None:
    async with in_process(make_app(database, redis_url, read_delay_ms=300)) as client:
        await client.post("/users", json=ADA)
        slow_read = asyncio.create_task(client.get("/users/1"))
        await asyncio.sleep(0.1)  # the read has begun and waits on the database
        await client.patch("/users/1", json={"name": "New"})
        assert (await slow_read).status_code == 200  # began before the write
        # Without the version check, the slow reader's old row would be here now.
        assert (await client.get("/users/1")).json()["name"] == "New"


async def test_an_unknown_or_malformed_id_is_a_404(client: httpx.AsyncClient) -> None:
    for path in ("/users/7", "/users/abc", "/users/99999999999999999"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.patch("/users/7", json={"name": "Xavier"})).status_code == 404
    assert (await client.delete("/users/7")).status_code == 404


async def test_bad_input_is_a_problem_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/users", json=ADA)
    await client.get("/users/1")
    response = await client.patch("/users/1", json={"name": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/name"
    assert (await client.get("/users/1")).json()["name"] == "Ada"
    assert (await client.put("/users/1", json=ADA)).status_code == 405
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_without_redis_every_read_goes_to_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    async with in_process(make_app(tmp_path / "open.db", closed)) as client:
        await client.post("/users", json=ADA)
        assert (await client.get("/users/1")).json()["name"] == "Ada"
        assert (await client.patch("/users/1", json={"name": "Bea"})).status_code == 200
        assert (await client.get("/users/1")).json()["name"] == "Bea"
        assert (await stats(client))["db_reads"] == 2
    events = [json.loads(line)["event"] for line in capsys.readouterr().out.splitlines()]
    assert "cache unavailable" in events
    assert "cache not invalidated" in events


async def test_a_redis_that_hangs_costs_time_not_the_answer(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never replies
        hung = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        async with in_process(make_app(tmp_path / "hung.db", hung)) as client:
            await client.post("/users", json=ADA)
            assert (await client.get("/users/1")).json()["name"] == "Ada"


@pytest.fixture
async def cache(redis_url: str) -> AsyncIterator[tuple[UserCache, Redis]]:
    """The cache alone, over a fake database that has user 1 only."""

    async def load(user_id: int) -> dict[str, object] | None:
        await asyncio.sleep(0.1)
        return {"id": 1, "name": "From the database"} if user_id == 1 else None

    connection = Redis.from_url(redis_url, decode_responses=True)
    yield UserCache(connection, 60_000, load), connection
    await connection.aclose()


async def test_a_client_that_hangs_up_does_not_cancel_the_shared_load(
    cache: tuple[UserCache, Redis],
) -> None:
    user_cache, _ = cache
    first = asyncio.create_task(user_cache.get(1))
    second = asyncio.create_task(user_cache.get(1))
    await asyncio.sleep(0.05)
    first.cancel()
    assert (await second) == {"id": 1, "name": "From the database"}
    assert user_cache.stats.db_reads == 1


async def test_a_process_without_the_lock_waits_for_the_holders_copy(
    cache: tuple[UserCache, Redis],
) -> None:
    user_cache, connection = cache
    await connection.set("users:v1:1:lock", "another process")

    async def the_other_process_stores_its_copy() -> None:
        await asyncio.sleep(0.1)
        await connection.set("users:v1:1", json.dumps({"id": 1, "name": "Theirs"}))
        await connection.delete("users:v1:1:lock")

    storing = asyncio.create_task(the_other_process_stores_its_copy())
    assert await user_cache.get(1) == {"id": 1, "name": "Theirs"}
    await storing
    assert user_cache.stats.db_reads == 0


async def test_when_the_holder_stores_nothing_the_waiter_reads_itself(
    cache: tuple[UserCache, Redis],
) -> None:
    user_cache, connection = cache
    await connection.set("users:v1:2:lock", "another process", px=100)
    assert await user_cache.get(2) is None  # no user 2, so nothing was stored
    assert user_cache.stats.db_reads == 1


async def test_the_lock_holder_looks_again_before_reading(
    cache: tuple[UserCache, Redis],
) -> None:
    user_cache, connection = cache
    await connection.set("users:v1:1", json.dumps({"id": 1, "name": "Filled"}))
    # A miss that raced the other process's store reaches fill() afterwards.
    assert await user_cache.fill(1, "users:v1:1") == {"id": 1, "name": "Filled"}
    assert user_cache.stats.db_reads == 0
    assert await connection.exists("users:v1:1:lock") == 0  # released


def test_bad_settings_stop_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "memcached://nope")
    monkeypatch.delitem(sys.modules, "examples.python.caching.main", raising=False)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("examples.python.caching.main")
    assert "REDIS_URL:" in str(exit_.value.code)
