"""Raw HTTP/1.1 probes: what each server's own parser does with requests no client sends.

Every probe is written byte for byte to a plain socket (the standard library only, so no
client library tidies it up), against both runtimes of every example. For each, the
server must answer within TIMEOUT seconds, never with a 5xx, and a fresh request
afterwards must get its normal answer: the process lives on. Where the two parsers
answer differently, the probe pins both answers and says why; the same table is on the
Validation and errors page ("When the HTTP parser says no").

Both parsers are llhttp (Node.js's own; uvicorn's through httptools), so most probes
get the same status. What differs is who writes the answer: uvicorn writes its parser
errors itself as text/plain, with no way for the application to intervene; Node.js
hands them to the server's 'clientError' listener, which the Node examples use to
answer with a problem (answerParserErrors in examples/node/problem-details.ts).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from scripts.servers import RunningServer

TIMEOUT = 5.0  # seconds any one read may wait: longer is a hang
HOST = b"Host: 127.0.0.1\r\n"

PLAIN = "text/plain; charset=utf-8"
PROBLEM = "application/problem+json; charset=utf-8"
JSON = "application/json"  # uvicorn adds no charset; Express adds one
UVICORN_400_BODY = b"Invalid HTTP request received."


class ServerHangs(AssertionError):
    """No byte and no close within TIMEOUT seconds."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def media(self) -> str | None:
        """The content type, without the charset that only Express adds to JSON."""
        value = self.headers.get("content-type")
        return value.removesuffix("; charset=utf-8") if value == JSON + "; charset=utf-8" else value


class Wire:
    """One client connection: buffered reads, each bounded by TIMEOUT."""

    def __init__(self, server: RunningServer) -> None:
        port = int(server.base_url.rsplit(":", 1)[1])
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> bool:
        """Read more into the buffer; False at a clean end of the stream."""
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise ServerHangs(f"nothing received within {TIMEOUT} s") from None
        self.buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise AssertionError(f"closed mid-answer after {self.buffer!r}")
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise AssertionError(f"closed mid-answer after {self.buffer!r}")
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def reply(self) -> Reply | None:
        """The next answer, or None if the server closed the connection instead.

        A reset, rather than a clean close, fails: a client may lose what it was sent.
        """
        if not self.buffer and not self._fill():
            return None
        version, status, _reason = self._line().split(b" ", 2)
        assert version == b"HTTP/1.1", version
        headers: dict[str, str] = {}
        while line := self._line():
            name, value = line.split(b":", 1)
            headers[name.decode().lower()] = value.decode().strip()
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int(self._line().split(b";")[0], 16):
                body += self._take(size)
                assert self._take(2) == b"\r\n"
            while self._line():  # trailers
                pass
        else:
            body = self._take(int(headers.get("content-length", "0")))
        return Reply(int(status), headers, body)

    def closed(self, wait: float = TIMEOUT) -> bool:
        """True once the server has closed the connection, within `wait` seconds."""
        if self.buffer:
            return False
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        finally:
            self.sock.settimeout(TIMEOUT)


@contextmanager
def connection(server: RunningServer) -> Iterator[Wire]:
    wire = Wire(server)
    try:
        yield wire
    finally:
        wire.close()


def send(wire: Wire, data: bytes, *, then_end: bool = False) -> None:
    """Write `data` from a thread, so a server that answers before reading it all
    (Node.js at 16 KiB of headers) cannot block the test; `then_end` half-closes."""

    def write() -> None:
        try:
            wire.sock.sendall(data)
            if then_end:
                wire.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server closed first; its answer is what the test reads

    threading.Thread(target=write, daemon=True).start()


def assert_alive(server: RunningServer) -> None:
    """A fresh connection gets the normal answer to GET /healthz."""
    assert server.process.poll() is None, server.output()
    with connection(server) as wire:
        send(wire, b"GET /healthz HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
        reply = wire.reply()
    assert reply is not None, "closed without answering GET /healthz"
    assert (reply.status, json.loads(reply.body)) == (200, {"status": "ok"})


# --- The probes and what each runtime answers --------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a server did with one probe: its status and content type, and whether it
    then closed the connection; a status of None means it closed without answering."""

    status: int | None
    media: str | None = None
    closes: bool = True


# uvicorn's parser errors: always this 400 (uvicorn/protocols/http/httptools_impl.py).
UVICORN_400 = Answer(400, PLAIN)
OK = Answer(200, JSON, closes=False)  # the route's normal answer; the connection stays


# Both parsers refuse it: uvicorn's text/plain 400, the Node examples' 400 problem.
REFUSED = {"python": UVICORN_400, "node": Answer(400, PROBLEM)}


@dataclass(frozen=True)
class Probe:
    name: str
    request: bytes
    answers: dict[str, Answer]  # by runtime; "runtime-example" where an example differs
    why: str = ""  # where the runtimes differ, or both accept: the reason
    then_end: bool = False  # half-close after writing: no more bytes will come


def get(*headers: bytes, target: bytes = b"/healthz", version: bytes = b"HTTP/1.1") -> bytes:
    return b"GET " + target + b" " + version + b"\r\n" + HOST + b"".join(headers) + b"\r\n"


def post(*headers: bytes, body: bytes = b"") -> bytes:
    return b"POST /healthz HTTP/1.1\r\n" + HOST + b"".join(headers) + b"\r\n" + body


BOTH_ACCEPT = {"python": Answer(200, JSON), "node": Answer(200, JSON)}

PROBES = [
    # --- Request lines
    Probe("garbage", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n", REFUSED),
    Probe(
        "version missing, then headers",
        b"GET /healthz\r\n" + HOST + b"\r\n",
        BOTH_ACCEPT,
        why="llhttp reads a request line without a version as HTTP/0.9 and goes on to "
        "the headers; both answer it, and close",
    ),
    Probe("version empty", b"GET /healthz \r\n" + HOST + b"\r\n", REFUSED),
    Probe(
        "HTTP/0.9 style: request line alone, then end of input",
        b"GET /healthz\r\n",
        {"python": Answer(None), "node": Answer(400, PROBLEM)},
        then_end=True,
        why="both wait for headers after the line; at the end of input uvicorn closes "
        "without a word, Node.js reports the truncated request as a parser error",
    ),
    Probe(
        "HTTP/2.0 as the version",
        get(version=b"HTTP/2.0"),
        BOTH_ACCEPT,
        why="llhttp accepts 2.0 (not 3.0) as a request line's version; both answer in "
        "HTTP/1.1 and close",
    ),
    Probe("HTTP/3.0 as the version", get(version=b"HTTP/3.0"), REFUSED),
    Probe("HTTP/2 preface (h2c prior knowledge)", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", REFUSED),
    Probe("lowercase method", b"get /healthz HTTP/1.1\r\n" + HOST + b"\r\n", REFUSED),
    Probe("unknown method FOO", b"FOO /healthz HTTP/1.1\r\n" + HOST + b"\r\n", REFUSED),
    Probe(
        "CONNECT",
        b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n",
        {"python": UVICORN_400, "node": Answer(None)},
        why="Node.js closes a CONNECT that no 'connect' listener takes, without an "
        "answer; uvicorn cannot parse the authority-form target and answers 400",
    ),
    Probe(
        "HTTP/1.1 without Host",
        b"GET /healthz HTTP/1.1\r\n\r\n",
        {"python": OK, "node": Answer(400, None)},
        why="RFC 9112 requires the 400; Node.js's server sends it itself, empty, before "
        "any listener runs (requireHostHeader), uvicorn does not check",
    ),
    # --- Message framing
    Probe(
        "Content-Length twice, different",
        post(b"Content-Length: 1\r\n", b"Content-Length: 2\r\n", body=b"ab"),
        REFUSED,
    ),
    Probe(
        "Content-Length and chunked",
        post(b"Content-Length: 3\r\n", b"Transfer-Encoding: chunked\r\n", body=b"0\r\n\r\n"),
        REFUSED,
    ),
    Probe(
        "invalid chunk size",
        post(b"Transfer-Encoding: chunked\r\n", body=b"zz\r\nab\r\n0\r\n\r\n"),
        {
            "python": UVICORN_400,
            "node": Answer(405, PROBLEM),
            **{
                f"node-{name}": Answer(400, PROBLEM)
                for name in ("users", "jobs", "caching", "auth", "llm")
            },
        },
        why="Node.js hands the request to the application as soon as its headers are "
        "parsed: a route that answers without reading the body (POST /healthz: 405) "
        "answers before the parser reaches the bad chunk, and the connection is then "
        "cut; users, and jobs, caching, auth and llm with its middleware, read every "
        "body first "
        "(the size limit), so there the parser's 400 comes first. uvicorn parses the "
        "whole write before the application runs",
    ),
    Probe("negative Content-Length", post(b"Content-Length: -1\r\n"), REFUSED),
    Probe(
        "Content-Length over 64 bits",
        post(b"Content-Length: 99999999999999999999999\r\n"),
        REFUSED,
    ),
    # --- Header syntax
    Probe(
        "obs-fold continuation line",
        get(b"X-Fold: a\r\n b\r\n"),
        REFUSED,
    ),
    Probe("space in a header name", get(b"X Probe: 1\r\n"), REFUSED),
    Probe("space before the colon", get(b"X-Probe : 1\r\n"), REFUSED),
    Probe("NUL in a header value", get(b"X-Probe: a\x00b\r\n"), REFUSED),
    Probe("bare CR in a header value", get(b"X-Probe: a\rb\r\n"), REFUSED),
    Probe("bare LF in a header value", get(b"X-Probe: a\nb\r\n"), REFUSED),
    # --- Sizes
    Probe(
        "one 64 KiB header",
        get(b"X-Big: " + b"a" * 65536 + b"\r\n"),
        {"python": OK, "node": Answer(431, PROBLEM)},
        why="Node.js caps the request line and headers at 16 KiB (--max-http-header-size); "
        "uvicorn sets no limit on header size",
    ),
    Probe(
        "1,000 headers (11 KB in all)",
        get(*(b"X-%04d: 1\r\n" % i for i in range(1000))),
        {"python": OK, "node": Answer(431, PROBLEM)},
        why="Node.js refuses more than 1,000 header fields, whatever their size "
        "(HPE_HEADER_OVERFLOW); uvicorn sets no limit on their number",
    ),
    Probe(
        "100 KiB URL",
        get(target=b"/healthz?pad=" + b"a" * 102400),
        {"python": UVICORN_400, "node": Answer(431, PROBLEM)},
        why="Node.js counts the request line into its 16 KiB; uvicorn's URL parser, "
        "httptools.parse_url, fails past 64 KiB and uvicorn answers that with its 400",
    ),
]


@pytest.mark.parametrize("probe", PROBES, ids=[probe.name for probe in PROBES])
def test_probe_is_answered_never_with_5xx_and_the_server_lives(
    server: RunningServer, runtime: str, example: str, probe: Probe
) -> None:
    expected = probe.answers.get(f"{runtime}-{example}", probe.answers[runtime])
    with connection(server) as wire:
        started = time.monotonic()
        send(wire, probe.request, then_end=probe.then_end)
        reply = wire.reply()
        # Keep-alive answers leave the connection open: a short look is enough there.
        closes = wire.closed(TIMEOUT if expected.closes else 0.2)
    elapsed = time.monotonic() - started
    observed = (
        Answer(None, None, closes) if reply is None else Answer(reply.status, reply.media, closes)
    )
    assert observed.status is None or observed.status < 500, reply
    assert observed == expected, f"{reply!r} after {elapsed:.2f} s; pinned: {probe.why}"
    if reply is not None and reply.media == PLAIN:
        assert reply.body == UVICORN_400_BODY
    if reply is not None and reply.media == PROBLEM:
        problem = json.loads(reply.body)
        assert problem["status"] == reply.status
        assert problem["type"] == "about:blank"
    assert_alive(server)


def test_three_pipelined_requests_are_answered_in_order(server: RunningServer) -> None:
    requests = get() + get(target=b"/no-such-route") + get(b"Connection: close\r\n")
    with connection(server) as wire:
        send(wire, requests)  # one write
        replies = [wire.reply() for _ in range(3)]
        closes = wire.closed()
    assert [None if reply is None else reply.status for reply in replies] == [200, 404, 200]
    assert closes
    assert_alive(server)


def test_a_client_sending_a_byte_every_50_ms_is_answered(server: RunningServer) -> None:
    request = get()  # 42 bytes: about two seconds
    with connection(server) as wire:
        for byte in request:
            wire.sock.sendall(bytes([byte]))
            time.sleep(0.05)
        reply = wire.reply()
    assert reply is not None
    assert (reply.status, json.loads(reply.body)) == (200, {"status": "ok"})


def test_a_silent_half_request_does_not_block_the_next_client(server: RunningServer) -> None:
    with connection(server) as stalled:
        stalled.sock.sendall(b"GET /healthz HTTP/1.1\r\n" + HOST)  # no blank line: goes quiet
        time.sleep(0.2)
        assert_alive(server)
        # The server kept the half request: finished now, it is answered.
        stalled.sock.sendall(b"\r\n")
        reply = stalled.reply()
    assert reply is not None
    assert reply.status == 200
