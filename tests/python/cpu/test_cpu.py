"""In-process tests of the Python CPU example, with the app's lifespan (and its pool) running."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from examples.python.cpu import main as cpu

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> FastAPI:
    return cpu.app


async def finish_order(client: httpx.AsyncClient, route: str) -> list[str]:
    """Start CPU work, then a health check; return the order in which they finished."""
    finished: list[str] = []

    async def call(name: str, path: str, params: dict[str, int]) -> None:
        response = await client.get(path, params=params)
        assert response.status_code == 200
        finished.append(name)

    async with asyncio.TaskGroup() as group:
        group.create_task(call("work", route, {"ms": 1500}))
        await asyncio.sleep(0.2)  # let the work request reach the handler first
        group.create_task(call("healthz", "/healthz", {}))
    return finished


def test_burn_runs_for_the_requested_time() -> None:
    assert cpu.burn(50) > 0


async def test_naive_work_holds_up_the_health_check(client: httpx.AsyncClient) -> None:
    # The health check, though started second and trivial, can only finish after the work.
    assert await finish_order(client, "/naive") == ["work", "healthz"]


async def test_offloaded_work_lets_the_health_check_through(client: httpx.AsyncClient) -> None:
    await client.get("/offloaded", params={"ms": 1})  # start the pool's workers
    assert await finish_order(client, "/offloaded") == ["healthz", "work"]


@pytest.mark.parametrize("ms", [0, 5001])
async def test_out_of_bounds_is_a_422_problem(client: httpx.AsyncClient, ms: int) -> None:
    response = await client.get("/offloaded", params={"ms": ms})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "ms"


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}
