"""Fan-out contract: three slow upstream calls overlap, and a deadline cancels them."""

import time
from collections.abc import Iterator

import httpx
import pytest

from scripts.servers import running_server
from tests.contract.upstream import SlowUpstream, slow_upstream

DELAY = 0.5  # each upstream call; three in sequence would take 1.5 s


@pytest.fixture(scope="module")
def upstream() -> Iterator[SlowUpstream]:
    with slow_upstream(DELAY) as server:
        yield server


@pytest.fixture(scope="module")
def client(runtime: str, example: str, upstream: SlowUpstream) -> Iterator[httpx.Client]:
    # Overrides conftest's `client`: this example needs UPSTREAM_URL.
    env = {"UPSTREAM_URL": upstream.url}
    with (
        running_server(runtime, example, env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        yield http


# --8<-- [start:tests]
def test_calls_overlap_so_latency_is_the_max_not_the_sum(
    client: httpx.Client, upstream: SlowUpstream
) -> None:
    timings = []
    # Best of three: one slow run on a loaded machine is not a failure.
    for _ in range(3):
        upstream.reset(DELAY)
        started = time.monotonic()
        response = client.get("/dashboard", params={"timeout_ms": 4000})
        timings.append(time.monotonic() - started)
        assert response.status_code == 200
        assert response.json() == {
            name: {"source": name} for name in ("prices", "stock", "reviews")
        }
        # The upstream saw all three requests waiting at the same moment.
        assert upstream.peak == 3
    assert DELAY <= min(timings) < 3 * DELAY


def test_deadline_answers_504_and_cancels_pending_calls(
    client: httpx.Client, upstream: SlowUpstream
) -> None:
    upstream.reset(delay=6.0)
    started = time.monotonic()
    response = client.get("/dashboard", params={"timeout_ms": 300})
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    content_type = response.headers["content-type"]
    assert content_type.startswith("application/problem+json")
    assert response.json() == {
        "type": "about:blank",
        "title": "Gateway Timeout",
        "status": 504,
        "detail": "upstreams took over 300 ms",
    }
    assert elapsed < 3.0  # far below the upstream's 6 s
    # Each pending call was cancelled: its connection closed before the
    # answer was due.
    gave_up = upstream.wait_for(abandoned=3, timeout=4.0)
    assert gave_up, f"abandoned: {upstream.abandoned}"
    assert upstream.answered == 0


# --8<-- [end:tests]
def test_one_failing_upstream_is_a_502_naming_it(
    client: httpx.Client, upstream: SlowUpstream
) -> None:
    upstream.reset(delay=6.0, failing=frozenset({"stock"}))
    started = time.monotonic()
    response = client.get("/dashboard")
    assert response.status_code == 502
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Gateway",
        "status": 502,
        "detail": "upstream failed: stock",
    }
    # The failure cancelled the two slow calls instead of waiting out their 6 s.
    assert time.monotonic() - started < 3.0
    assert upstream.wait_for(abandoned=2, timeout=4.0), f"abandoned: {upstream.abandoned}"


@pytest.mark.parametrize("value", ["49", "5001", "abc", "1.5", ""])
def test_timeout_out_of_bounds_is_a_422_problem(client: httpx.Client, value: str) -> None:
    response = client.get("/dashboard", params={"timeout_ms": value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["type"], body["title"], body["status"], body["detail"]) == (
        "/problems/validation-error",
        "Unprocessable Content",
        422,
        "The request is invalid.",
    )
    assert [error["parameter"] for error in body["errors"]] == ["timeout_ms"]


def test_unknown_route_is_a_404_problem(client: httpx.Client) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}
