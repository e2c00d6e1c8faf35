"""Parsing wrk's report, and the fixed-rate generator's correction for coordinated omission."""

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.bench import latency, load, rategen
from scripts.local_server import running
from scripts.servers import ROOT

WRK_REPORT = """Running 2s test @ http://127.0.0.1:8080/json
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.16ms    1.20ms  20.00ms   90.00%
    Req/Sec    12.40k   500.00    13.00k    70.00%
  24800 requests in 2.00s, 3.50MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:  12400.50
Transfer/sec:      1.75MB
"""


def test_parse_wrk_reads_rate_count_and_every_error() -> None:
    assert load.parse_wrk(WRK_REPORT) == {
        "requests_per_s": 12400.5,
        "requests": 24800,
        "errors": 9,
    }


def test_parse_wrk_rejects_output_without_a_rate() -> None:
    with pytest.raises(ValueError, match="unexpected wrk output"):
        load.parse_wrk("wrk: connection refused")


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert rategen.percentile(values, 0.50) == 50
    assert rategen.percentile(values, 0.99) == 99
    assert rategen.percentile([], 0.5) == 0


class SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.05

    def do_GET(self) -> None:
        time.sleep(self.delay)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class FastHandler(SlowHandler):
    delay = 0.0


def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve `handler` on a free port of 127.0.0.1 in a thread; yield the port."""
    with running(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as server:
        yield server.server_address[1]


@pytest.fixture
def slow_server() -> Iterator[int]:
    yield from serve(SlowHandler)


@pytest.fixture
def fast_server() -> Iterator[int]:
    yield from serve(FastHandler)


def test_queued_requests_count_their_wait(slow_server: int) -> None:
    # One connection, 50 ms per answer, 40 requests offered per second: the server keeps up
    # with 20. Timed from when each was due, the later requests waited far longer than 50 ms;
    # a closed-loop tool would have reported about 50 ms for every one of them.
    command = [sys.executable, "-m", "scripts.bench.rategen", "--port", str(slow_server)]
    command += ["--rate", "40", "--duration", "0.5", "--connections", "1", "--timeout", "5"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
    report = json.loads(result.stdout)
    assert report["completed"] == 20
    assert report["errors"] == 0
    assert report["p50_ms"] >= 50
    assert report["max_ms"] >= 400  # the 20th was due at 0.475 s and answered after 1 s
    # Every request's latency is in the histogram too, to within its 3 significant digits.
    histogram = latency.decode(report["histogram"])
    assert latency.samples(histogram) == report["completed"]
    assert report["max_ms"] <= latency.max_us(histogram) / 1000 <= report["max_ms"] * 1.001
    assert latency.value_at(histogram, 0) / 1000 >= 50


OVERSLEEP_S = 1.0


def test_the_generators_own_late_wakeups_are_not_charged_to_the_server(
    fast_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Make every wait for a due time overshoot by a whole second, as a coarse event-loop
    # timer would, only more so. The connection was idle meanwhile, so the lateness is the
    # generator's: an instant server must still measure below it. (At 0.2 s a machine at
    # load average 15 took longer than that to answer.)
    real_sleep = asyncio.sleep

    async def oversleep(delay: float) -> None:
        await real_sleep(delay + OVERSLEEP_S)

    monkeypatch.setattr(asyncio, "sleep", oversleep)
    report = asyncio.run(rategen.generate(fast_server, "/", 2, 1.5, 1, 5))
    assert report["completed"] == 3
    assert isinstance(report["histogram"], str)
    assert latency.samples(latency.decode(report["histogram"])) == 3
    assert report["errors"] == 0
    assert report["max_ms"] < OVERSLEEP_S * 1000
