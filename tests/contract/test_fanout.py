"""Fan-out contract: three slow upstream calls overlap, and a deadline cancels them."""

import time
from collections.abc import Iterator

import httpx
import pytest

from scripts.servers import running_server
from tests.contract.answers import (
    assert_head_like_get,
    assert_method_not_allowed,
    assert_not_found,
    assert_validation_problem,
)
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
    timings, peaks = [], []
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
        peaks.append(upstream.peak)
    # The upstream saw all three requests waiting at the same moment.
    assert max(peaks) == 3, peaks
    assert DELAY <= min(timings) < 3 * DELAY


def test_deadline_answers_504_and_cancels_pending_calls(
    client: httpx.Client, upstream: SlowUpstream
) -> None:
    upstream.reset(delay=6.0)
    started = time.monotonic()
    # A whole second: all three calls are under way by then,
    # even on a loaded machine.
    response = client.get("/dashboard", params={"timeout_ms": 1000})
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    content_type = response.headers["content-type"]
    assert content_type.startswith("application/problem+json")
    assert response.json() == {
        "type": "about:blank",
        "title": "Gateway Timeout",
        "status": 504,
        "detail": "upstreams took over 1000 ms",
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


# `timeout_ms` exactly as it goes on the wire: digits only, 50 to 5000, no sign,
# no space (%20, or + in a query), no fraction, no exponent, no underscore, no
# leading zero.
BAD_TIMEOUTS = {
    "under-50": "49",
    "over-5000": "5001",
    "huge": "99999999999999999999",
    "letters": "abc",
    "negative": "-50",
    "empty": "",
    "plus-sign": "%2B50",
    "leading-space": "%2050",
    "leading-space-as-plus": "+50",
    "trailing-space": "50%20",
    "fraction": "1.5",
    "whole-fraction": "50.0",
    "underscore": "5_0",
    "exponent": "5e1",
    "leading-zero": "050",
    "not-utf8": "%FF",
}


@pytest.mark.parametrize("value", BAD_TIMEOUTS.values(), ids=BAD_TIMEOUTS.keys())
def test_timeout_out_of_bounds_is_a_422_problem(client: httpx.Client, value: str) -> None:
    response = client.get(f"/dashboard?timeout_ms={value}")
    assert_validation_problem(response, [{"parameter": "timeout_ms"}])


@pytest.mark.parametrize(
    ("value", "status"), [("50", 504), ("99", 504), ("100", 504), ("999", 200), ("5000", 200)]
)
def test_timeout_boundaries_are_accepted(
    client: httpx.Client, upstream: SlowUpstream, value: str, status: int
) -> None:
    upstream.reset(DELAY)  # under 500 ms the deadline passes first: a 504 naming it
    response = client.get(f"/dashboard?timeout_ms={value}")
    assert response.status_code == status
    if status == 504:
        assert response.json()["detail"] == f"upstreams took over {value} ms"


@pytest.mark.parametrize(
    ("target", "parameter"),
    [
        ("/dashboard?timeout_ms=100&timeout_ms=200", "timeout_ms"),
        ("/dashboard?timeout_ms=100&timeout_ms=100", "timeout_ms"),
        ("/healthz?x=1&x=2", "x"),
    ],
)
def test_a_repeated_parameter_is_a_422_problem(
    client: httpx.Client, target: str, parameter: str
) -> None:
    response = client.get(target)
    assert_validation_problem(response, [{"parameter": parameter, "detail": "must be given once"}])


def test_every_parameter_counts_past_a_thousand(client: httpx.Client) -> None:
    # Node's query parser keeps only 1000 parameters unless told otherwise.
    others = "&".join(f"p{i}=1" for i in range(1000))
    response = client.get(f"/dashboard?{others}&timeout_ms=abc")
    assert_validation_problem(response, [{"parameter": "timeout_ms"}])


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/healthz", "/dashboard"])
def test_wrong_method_is_405_with_allow(client: httpx.Client, method: str, path: str) -> None:
    assert_method_not_allowed(client.request(method, path))


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/healthz", 200),
        ("/dashboard?timeout_ms=1000", 200),
        ("/dashboard?timeout_ms=abc", 422),
        ("/dashboard?timeout_ms=100&timeout_ms=100", 422),
        ("/nope", 404),
    ],
)
def test_head_answers_like_get_without_a_body(
    client: httpx.Client, upstream: SlowUpstream, target: str, status: int
) -> None:
    upstream.reset(DELAY)
    assert_head_like_get(client, target, status)


@pytest.mark.parametrize("path", ["/nope", "/Dashboard", "/dashboard/", "/healthz/", "/%FF"])
def test_unknown_route_is_a_404_problem(client: httpx.Client, path: str) -> None:
    for method in ("GET", "POST"):
        assert_not_found(client.request(method, path))


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [("GET", "/nope?x=1&x=2", 404), ("POST", "/dashboard?timeout_ms=1&timeout_ms=2", 405)],
)
def test_route_and_method_are_checked_before_parameters(
    client: httpx.Client, method: str, target: str, status: int
) -> None:
    assert client.request(method, target).status_code == status
