"""A slow upstream for the fan-out tests: a real HTTP server on 127.0.0.1 that answers late.

Every GET /<name> answers `{"source": "<name>"}` after `delay` seconds; a name in
`stalled` gets its status, headers and the first bytes of its body at once, and the rest
after `delay`. While it waits it
watches the socket, so it can tell a caller that gave up (closed the connection) from one
that got its answer: that is how the tests prove the example cancelled its pending calls.
It also records the peak number of requests in flight, which proves they overlapped.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scripts.local_server import running
from scripts.polling import eventually

FAN_OUT = 3  # the fan-out example calls prices, stock and reviews at once


class SlowUpstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.answered = 0
        self.abandoned = 0  # the caller closed the connection before the answer was due
        self.failing: set[str] = set()  # names answered at once with 503
        self.stalled: set[str] = set()  # names whose body stops halfway for `delay`
        self.stalls = 0  # stalled answers whose head and first bytes went out

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def reset(
        self,
        delay: float,
        failing: frozenset[str] = frozenset(),
        stalled: frozenset[str] = frozenset(),
    ) -> None:
        """Start a new test's counts, once the previous test's calls have all finished:
        a call still in flight would otherwise be counted for the new test."""

        def idle() -> bool:
            with self.lock:
                return self.in_flight == 0

        if not eventually(idle, timeout=10):
            raise AssertionError(f"{self.in_flight} calls still in flight after 10 s")
        with self.lock:
            self.delay, self.peak, self.answered, self.abandoned = delay, 0, 0, 0
            self.stalls = 0
            self.failing, self.stalled = set(failing), set(stalled)

    def wait_for_in_flight(self, count: int, timeout: float) -> bool:
        """Wait until `count` requests are being handled at once (or `timeout` passes)."""

        def enough() -> bool:
            with self.lock:
                return self.in_flight >= count

        return eventually(enough, timeout, interval=0.005)

    def wait_for(self, *, abandoned: int, timeout: float) -> bool:
        """Poll until `abandoned` callers have given up, or `timeout` seconds pass."""

        def gave_up() -> bool:
            with self.lock:
                return self.abandoned >= abandoned

        return eventually(gave_up, timeout)


class _Handler(BaseHTTPRequestHandler):
    server: SlowUpstream
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        upstream = self.server
        with upstream.lock:
            upstream.in_flight += 1
            upstream.peak = max(upstream.peak, upstream.in_flight)
            delay = upstream.delay
            failing = self.path.lstrip("/") in upstream.failing
            stalled = self.path.lstrip("/") in upstream.stalled
        try:
            if failing:
                # Fail only once all three calls are in flight, so that the others are
                # there to be cancelled: on a loaded machine, an instant 503 could come
                # before they even connected, and nothing would be left to abort.
                upstream.wait_for_in_flight(FAN_OUT, timeout=2.0)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps({"source": self.path.lstrip("/")}).encode()
            sent_first = 0
            if stalled:
                sent_first = len(body) // 2
                self.send_head(len(body))
                self.wfile.write(body[:sent_first])
                self.wfile.flush()
                with upstream.lock:
                    upstream.stalls += 1
            # The socket turns readable with no data (EOF) when the caller hangs up.
            readable, _, _ = select.select([self.connection], [], [], delay)
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                with upstream.lock:
                    upstream.abandoned += 1
                self.close_connection = True
                return
            if not stalled:
                self.send_head(len(body))
            self.wfile.write(body[sent_first:])
            with upstream.lock:
                upstream.answered += 1
        finally:
            with upstream.lock:
                upstream.in_flight -= 1

    def send_head(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@contextlib.contextmanager
def slow_upstream(delay: float) -> Iterator[SlowUpstream]:
    """Run a SlowUpstream in a background thread for the duration of a `with` block."""
    with running(SlowUpstream(delay)) as server:
        yield server
