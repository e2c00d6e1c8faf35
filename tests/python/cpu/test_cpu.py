"""In-process tests of the Python CPU example, with the app's lifespan (and its pool) running."""

import asyncio
import re
import time
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from examples.python.cpu import main as cpu

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> FastAPI:
    return cpu.app


async def finish_order(
    client: httpx.AsyncClient, route: str, reached: Callable[[], bool]
) -> list[str]:
    """Start CPU work, then, once `reached()` says the work is under way, a health check;
    return the order in which they finished."""
    finished: list[str] = []

    async def call(name: str, path: str, params: dict[str, int]) -> None:
        response = await client.get(path, params=params)
        assert response.status_code == 200
        finished.append(name)

    async with asyncio.TaskGroup() as group:
        group.create_task(call("work", route, {"ms": 1500}))
        while not reached():
            await asyncio.sleep(0.01)
        group.create_task(call("healthz", "/healthz", {}))
    return finished


def test_burn_runs_for_the_requested_time() -> None:
    assert cpu.burn(50) > 0


async def test_naive_work_holds_up_the_health_check(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The health check starts only once the work is burning (a fixed wait lost that race
    # on a loaded machine) and, though trivial, can only finish after the work.
    burning: list[int] = []

    def burn(ms: int) -> int:
        burning.append(ms)
        return real_burn(ms)

    real_burn = cpu.burn
    monkeypatch.setattr(cpu, "burn", burn)
    assert await finish_order(client, "/naive", lambda: bool(burning)) == ["work", "healthz"]


async def test_offloaded_work_lets_the_health_check_through(client: httpx.AsyncClient) -> None:
    await client.get("/offloaded", params={"ms": 1})  # start the pool's workers
    # The work burns in another process, where nothing here can see it start: give its
    # request 0.2 s to get there. Started later, the health check still finishes first.
    begun = time.monotonic()

    def reached() -> bool:
        return time.monotonic() - begun >= 0.2

    assert await finish_order(client, "/offloaded", reached) == ["healthz", "work"]


@pytest.mark.parametrize("ms", ["0", "5001", "+5", " 5", "5.0", "1_0", "1e2", "05", "5\n"])
async def test_out_of_bounds_is_a_422_problem(client: httpx.AsyncClient, ms: str) -> None:
    # A plain int parameter would have taken "+5", " 5", "5.0", "1_0" and "05".
    response = await client.get("/offloaded", params={"ms": ms})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "ms"


def test_the_pattern_accepts_exactly_1_to_5000() -> None:
    accepted = [n for n in range(10_001) if re.fullmatch(cpu.MS_PATTERN, str(n))]
    assert accepted == list(range(1, 5001))


async def test_a_repeated_ms_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/naive?ms=1&ms=2")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"parameter": "ms", "detail": "must be given once"}]


@pytest.mark.parametrize("path", ["/healthz", "/naive", "/offloaded"])
async def test_other_methods_are_405_and_head_is_get(client: httpx.AsyncClient, path: str) -> None:
    response = await client.delete(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    head = await client.head(path, params={"ms": 1})
    assert (head.status_code, head.content) == (200, b"")


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}
