"""CPU contract: naive CPU work delays /healthz; offloaded work leaves it responsive.

While one request burns CPU for WORK_MS, the test keeps probing /healthz on a second
connection and records how long each probe waited. On the naive route a probe must wait
for the work to end; on the offloaded route every probe answers promptly.
"""

import threading
import time

import httpx
import pytest

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
    # Start the pool's workers before measuring.
    client.get("/offloaded", params={"ms": 1})
    response, latencies = probe_while_working(client, "/offloaded")
    assert response.status_code == 200
    assert response.json()["ms"] == WORK_MS
    assert response.json()["rounds"] > 0
    # The probes overlapped the work (many ran) and none waited long.
    assert len(latencies) >= 10, latencies
    assert max(latencies) < PROMPT, latencies


# --8<-- [end:tests]
@pytest.mark.parametrize("route", ["/naive", "/offloaded"])
@pytest.mark.parametrize("value", ["0", "5001", "abc", "-1", ""])
def test_work_size_out_of_bounds_is_a_422_problem(
    client: httpx.Client, route: str, value: str
) -> None:
    response = client.get(route, params={"ms": value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["type"], body["title"], body["status"], body["detail"]) == (
        "/problems/validation-error",
        "Unprocessable Content",
        422,
        "The request is invalid.",
    )
    assert [error["parameter"] for error in body["errors"]] == ["ms"]


def test_missing_work_size_is_a_422_problem(client: httpx.Client) -> None:
    response = client.get("/offloaded")
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "ms"
