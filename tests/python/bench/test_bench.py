"""In-process tests of the FastAPI bench server: every route answers its workload's bytes."""

import time

import anyio
import httpx
import pytest
from fastapi import FastAPI

from examples.python.bench import main as bench
from scripts.bench.config import ANYIO_DEFAULT_THREADS

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> FastAPI:
    return bench.app


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/healthz", b'{"status":"ok"}'),
        ("/json", b'{"message":"Hello, World!"}'),
        ("/db", b'{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}'),
        ("/io", b'{"waited_ms":20}'),
        ("/io/sync", b'{"waited_ms":20}'),
        ("/cpu", b'{"n":40,"trace":48100,"sum":1919722}'),
        ("/cpu/numpy", b'{"n":40,"trace":48100,"sum":1919722}'),
    ],
)
async def test_json_routes_send_exact_bytes(
    client: httpx.AsyncClient, path: str, body: bytes
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == body


@pytest.mark.parametrize("path", ["/io", "/io/sync"])
async def test_io_routes_wait_for_the_upstream_delay(client: httpx.AsyncClient, path: str) -> None:
    began = time.perf_counter()
    await client.get(path)
    assert time.perf_counter() - began >= 0.019  # a timer never fires early


async def test_file_route_sends_the_data_file(client: httpx.AsyncClient) -> None:
    response = await client.get("/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert len(response.content) == 16_384
    assert response.content.splitlines()[0] == b"0123456789abcdef" * 3 + b"0123456789abcde"


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/json/")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


@pytest.mark.parametrize(("setting", "threads"), [(None, ANYIO_DEFAULT_THREADS), ("256", 256)])
async def test_bench_threads_sets_the_worker_thread_limit(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, threads: int
) -> None:
    if setting is None:
        monkeypatch.delenv("BENCH_THREADS", raising=False)
    else:
        monkeypatch.setenv("BENCH_THREADS", setting)
    async with bench.lifespan(bench.app):
        limiter = anyio.to_thread.current_default_thread_limiter()
        assert limiter.total_tokens == threads
