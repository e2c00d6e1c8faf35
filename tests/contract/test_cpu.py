"""CPU contract: naive CPU work delays /healthz; offloaded work leaves it responsive.

While one request burns CPU for WORK_MS, the test keeps probing /healthz on a second
connection and records how long each probe waited. On the naive route a probe must wait
for the work to end; on the offloaded route every probe answers promptly.
"""

import threading
import time

import httpx
import pytest

from tests.contract.answers import (
    assert_head_like_get,
    assert_method_not_allowed,
    assert_not_found,
    assert_validation_problem,
    media_type,
)

# --8<-- [start:tests]
WORK_MS = 3000
# A probe waiting this long was stuck behind the work (half of it, at least).
BLOCKED = 1.5
# Every probe on the fixed version answers within this, even when the
# machine is loaded.
PROMPT = 1.0


def probe_while_working(
    client: httpx.Client,
    route: str,
) -> tuple[httpx.Response, list[float]]:
    """Send one CPU request and probe /healthz until it completes.

    Return the CPU request's response and the probe latencies.
    """
    result: list[httpx.Response] = []
    worker = threading.Thread(
        target=lambda: result.append(
            client.get(route, params={"ms": WORK_MS}, timeout=30),
        ),
    )
    latencies: list[float] = []
    with httpx.Client(base_url=client.base_url, timeout=30) as prober:
        # Open the probe's connection before the work starts.
        prober.get("/healthz")
        worker.start()
        while worker.is_alive():
            started = time.monotonic()
            assert prober.get("/healthz").status_code == 200
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)
        worker.join()
    return result[0], latencies


def test_naive_cpu_work_delays_the_health_check(client: httpx.Client) -> None:
    response, latencies = probe_while_working(client, "/naive")
    assert response.status_code == 200
    assert response.json()["ms"] == WORK_MS
    # Some probe waited for (most of) the work: the event loop could not
    # answer it.
    assert max(latencies) >= BLOCKED, latencies


def test_offloaded_cpu_work_keeps_the_health_check_prompt(
    client: httpx.Client,
) -> None:
    # Start the pool's workers before measuring: starting processes is the
    # slow part on a loaded machine, so it gets the work's own timeout.
    client.get("/offloaded", params={"ms": 1}, timeout=30)
    response, latencies = probe_while_working(client, "/offloaded")
    assert response.status_code == 200
    assert response.json()["ms"] == WORK_MS
    assert response.json()["rounds"] > 0
    # The probes overlapped the work (many ran) and none waited long.
    assert len(latencies) >= 10, latencies
    assert max(latencies) < PROMPT, latencies


# --8<-- [end:tests]
# `ms` exactly as it goes on the wire: digits only, 1 to 5000, no sign, no space
# (%20, or + in a query), no fraction, no exponent, no underscore, no leading zero.
BAD_MS = {
    "zero": "0",
    "over-5000": "5001",
    "huge": "99999999999999999999",
    "letters": "abc",
    "negative": "-1",
    "empty": "",
    "plus-sign": "%2B5",
    "leading-space": "%205",
    "leading-space-as-plus": "+5",
    "trailing-space": "5%20",
    "trailing-newline": "5%0A",
    "fraction": "5.0",
    "underscore": "1_0",
    "exponent": "1e2",
    "leading-zero": "05",
    "arabic-indic-digit": "%D9%A5",
    "not-utf8": "%FF",
}


@pytest.mark.parametrize("route", ["/naive", "/offloaded"])
@pytest.mark.parametrize("value", BAD_MS.values(), ids=BAD_MS.keys())
def test_work_size_out_of_bounds_is_a_422_problem(
    client: httpx.Client, route: str, value: str
) -> None:
    assert_validation_problem(client.get(f"{route}?ms={value}"), [{"parameter": "ms"}])


@pytest.mark.parametrize("value", ["1", "9", "10", "99", "100", "999", "1000"])
def test_work_size_boundaries_are_accepted(client: httpx.Client, value: str) -> None:
    response = client.get(f"/naive?ms={value}")
    assert response.status_code == 200
    assert response.json()["ms"] == int(value)


def test_missing_work_size_is_a_422_problem(client: httpx.Client) -> None:
    assert_validation_problem(client.get("/offloaded"), [{"parameter": "ms"}])


@pytest.mark.parametrize(
    ("target", "parameter"),
    [("/naive?ms=1&ms=2", "ms"), ("/offloaded?ms=1&ms=1", "ms"), ("/healthz?x=1&x=2", "x")],
)
def test_a_repeated_parameter_is_a_422_problem(
    client: httpx.Client, target: str, parameter: str
) -> None:
    response = client.get(target)
    assert_validation_problem(response, [{"parameter": parameter, "detail": "must be given once"}])


def test_every_parameter_counts_past_a_thousand(client: httpx.Client) -> None:
    # Node's query parser keeps only 1000 parameters unless told otherwise.
    others = "&".join(f"p{i}=1" for i in range(1000))
    assert client.get(f"/naive?{others}&ms=1").json()["ms"] == 1


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/healthz", "/naive?ms=1", "/offloaded?ms=1"])
def test_wrong_method_is_405_with_allow(client: httpx.Client, method: str, path: str) -> None:
    assert_method_not_allowed(client.request(method, path))


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/healthz", 200),
        ("/naive?ms=abc", 422),
        ("/offloaded", 422),
        ("/naive?ms=1&ms=2", 422),
        ("/nope", 404),
    ],
)
def test_head_answers_like_get_without_a_body(
    client: httpx.Client, target: str, status: int
) -> None:
    assert_head_like_get(client, target, status)


def test_head_runs_the_work_and_sends_no_body(client: httpx.Client) -> None:
    # The body's round count varies, so only the status and type are compared.
    head = client.head("/offloaded?ms=1")
    assert head.status_code == 200
    assert media_type(head) == "application/json"
    assert head.content == b""


@pytest.mark.parametrize("path", ["/nope", "/NAIVE", "/naive/", "/healthz/", "/%FF"])
def test_unknown_route_is_a_404_problem(client: httpx.Client, path: str) -> None:
    for method in ("GET", "POST"):
        assert_not_found(client.request(method, path))


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [("GET", "/nope?x=1&x=2", 404), ("POST", "/offloaded?ms=1&ms=2", 405)],
)
def test_route_and_method_are_checked_before_parameters(
    client: httpx.Client, method: str, target: str, status: int
) -> None:
    assert client.request(method, target).status_code == status
