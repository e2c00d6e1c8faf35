"""In-process tests of the Python fan-out: httpx drives the app over ASGI, the upstream is real."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from examples.python.fanout import main as fanout
from tests.contract.upstream import SlowUpstream, slow_upstream

pytestmark = pytest.mark.anyio


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowUpstream]:
    with slow_upstream(0.2) as server:
        monkeypatch.setenv("UPSTREAM_URL", server.url)
        yield server


@pytest.fixture
def app(upstream: SlowUpstream) -> FastAPI:
    return fanout.app


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_dashboard_combines_all_three_concurrently(
    client: httpx.AsyncClient, upstream: SlowUpstream
) -> None:
    # Each call waits a whole second (deadline 5 s), so all three overlap even when a
    # loaded machine is slow to start the third (at 0.2 s that was a timing race).
    upstream.reset(1.0)
    response = await client.get("/dashboard?timeout_ms=5000")
    assert response.status_code == 200
    assert set(response.json()) == {"prices", "stock", "reviews"}
    assert upstream.peak == 3


async def test_deadline_is_a_504_and_cancels(
    client: httpx.AsyncClient, upstream: SlowUpstream
) -> None:
    # A deadline of a whole second: on a loaded machine all three calls are under way by
    # then, so the assertion is about cancelling them, not about how fast they start (at
    # 100 ms one call had not reached the upstream yet, 1 run in 10 on a busy machine).
    upstream.reset(delay=5.0)
    response = await client.get("/dashboard", params={"timeout_ms": 1000})
    assert response.status_code == 504
    assert response.json()["detail"] == "upstreams took over 1000 ms"
    assert upstream.wait_for(abandoned=3, timeout=4.0), f"abandoned: {upstream.abandoned}"


async def test_a_deadline_while_a_body_arrives_is_a_504(
    client: httpx.AsyncClient, upstream: SlowUpstream
) -> None:
    # The Node twin once read this as a failed upstream (502): the deadline aborted the
    # body it was reading. Both runtimes must call it what it is.
    # Three seconds: even a loaded machine has the three heads out by then.
    upstream.reset(delay=8.0, stalled=frozenset({"prices", "stock", "reviews"}))
    response = await client.get("/dashboard", params={"timeout_ms": 3000})
    assert response.status_code == 504
    assert response.json()["detail"] == "upstreams took over 3000 ms"
    assert upstream.stalls == 3  # the deadline fell while the bodies were arriving


async def test_failing_upstream_is_a_502(client: httpx.AsyncClient, upstream: SlowUpstream) -> None:
    upstream.reset(delay=5.0, failing=frozenset({"prices"}))
    response = await client.get("/dashboard")
    assert response.status_code == 502
    assert response.json()["detail"] == "upstream failed: prices"


@pytest.mark.parametrize("value", ["10", "5001", "+50", " 50", "50.0", "5_0", "5e1", "050"])
async def test_bad_timeout_is_a_422_problem(client: httpx.AsyncClient, value: str) -> None:
    # A plain int parameter would have taken "+50", " 50", "50.0", "5_0" and "050".
    response = await client.get("/dashboard", params={"timeout_ms": value})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "timeout_ms"


async def test_a_repeated_timeout_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard?timeout_ms=100&timeout_ms=200")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"parameter": "timeout_ms", "detail": "must be given once"}
    ]


@pytest.mark.parametrize("path", ["/healthz", "/dashboard"])
async def test_other_methods_are_405_and_head_is_get(client: httpx.AsyncClient, path: str) -> None:
    response = await client.put(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    head = await client.head(path)
    assert (head.status_code, head.content) == (200, b"")


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}
