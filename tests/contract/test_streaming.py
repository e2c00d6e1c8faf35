"""Streaming contract, with real clients: Server-Sent Events and a WebSocket chat room.

Both servers count what they see on GET /stats, so the tests can check that the server
noticed a client leaving and that it stopped producing for a client that stopped reading.
The WebSocket probes at the end write their frames byte by byte (RFC 6455), with the
standard library only, so they depend on neither server's WebSocket library.
"""

import base64
import contextlib
import hashlib
import json
import os
import socket
import struct
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from scripts.polling import eventually
from scripts.servers import RunningServer
from tests.chat import chat_member, stalled_member


def parse_events(text: str) -> list[dict[str, str]]:
    """Split a text/event-stream body into events (fields per the HTML standard)."""
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            events.append(fields)
    return events


def stats(client: httpx.Client) -> dict[str, int]:
    counts: dict[str, int] = client.get("/stats").json()
    return counts


def test_sse_events_arrive_in_order(client: httpx.Client) -> None:
    response = client.get("/events", params={"count": 20, "interval_ms": 5})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    assert [event["id"] for event in events] == [str(seq) for seq in range(1, 21)]
    assert [json.loads(event["data"])["seq"] for event in events] == list(range(1, 21))


def test_sse_server_notices_a_client_that_disconnects(
    client: httpx.Client, server: RunningServer
) -> None:
    before, logged = stats(client)["streams_abandoned"], len(server.output())
    with client.stream("GET", "/events", params={"count": 1000, "interval_ms": 100}) as stream:
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("id: ")) == "id: 1"
        assert next(line for line in lines if line.startswith("id: ")) == "id: 2"
    # The `with` block closed the connection mid-stream; the server must see it go.
    assert eventually(lambda: stats(client)["streams_abandoned"] == before + 1)
    assert stats(client)["streams_open"] == 0
    assert_logged_once(server, logged, DISCONNECTED)


def test_sse_a_client_that_vanishes_with_full_buffers_is_one_log_line(
    client: httpx.Client, server: RunningServer
) -> None:
    """A client gone while the server waits for its buffers to drain: no traceback.

    FastAPI's SSE plumbing used to raise BrokenResourceError here ("Exception in ASGI
    application"), and the generator stayed suspended, uncounted, until garbage collection.
    """
    for _ in range(3):  # the error was a race; three tries made it show every time
        vanish_with_full_buffers(client, server)


def vanish_with_full_buffers(client: httpx.Client, server: RunningServer) -> None:
    before, logged = stats(client), len(server.output())
    with socket.create_connection((client.base_url.host, client.base_url.port)) as gone:
        gone.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        target = "/events?count=1000&interval_ms=0&pad=65536"
        gone.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        # Read nothing: the server fills the buffers and waits.
        assert eventually(lambda: stats(client)["events_produced"] > before["events_produced"])
        # Reset, not close: the kernel drops what it buffered, like a lost client.
        gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    abandoned = before["streams_abandoned"] + 1
    assert eventually(lambda: stats(client)["streams_abandoned"] == abandoned)
    assert stats(client)["streams_open"] == 0
    assert_logged_once(server, logged, DISCONNECTED)


# --8<-- [start:backpressure]
def test_sse_stops_producing_for_a_client_that_stops_reading(
    client: httpx.Client,
) -> None:
    # 1000 events of 64 KiB: about 64 MiB if all were produced.
    count, pad = 1000, 65536
    before = stats(client)["events_produced"]
    host, port = client.base_url.host, client.base_url.port
    with socket.socket() as slow:
        # A small receive window.
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        slow.connect((host, port))
        path = f"/events?count={count}&interval_ms=0&pad={pad}"
        head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close"
        slow.sendall(f"{head}\r\n\r\n".encode())
        # Read nothing. Once the socket buffers are full the server must stop
        # producing.
        produced = [-1]

        def stalled() -> bool:
            now = stats(client)["events_produced"] - before
            previous, produced[0] = produced[0], now
            time.sleep(0.5)
            return now > 0 and now == previous

        assert eventually(stalled, timeout=15.0), produced
        message = f"produced {produced[0]} of {count} for a stalled client"
        assert produced[0] < count / 2, message
        # Now read everything: no event was lost or reordered while the server
        # waited.
        body = bytearray()
        while chunk := slow.recv(1 << 20):
            body += chunk
    lines = body.decode().split("\n")
    ids = [line for line in lines if line.startswith("id: ")]
    assert ids == [f"id: {seq}" for seq in range(1, count + 1)]


# --8<-- [end:backpressure]
@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        ("count=0", ["count"]),
        ("count=1001", ["count"]),
        ("interval_ms=-1", ["interval_ms"]),
        ("pad=65537", ["pad"]),
        ("count=x", ["count"]),
        ("count=", ["count"]),
        ("count=%2B5", ["count"]),  # +5
        ("count=+5", ["count"]),  # " 5": a + in a query string is a space
        ("count=%205", ["count"]),
        ("count=5%20", ["count"]),
        ("count=5.0", ["count"]),
        ("count=1_0", ["count"]),
        ("count=1e2", ["count"]),
        ("count=5%0A", ["count"]),  # a trailing newline
        ("pad=0x10", ["pad"]),
        ("count=%D9%A5", ["count"]),  # U+0665, ARABIC-INDIC DIGIT FIVE
        ("count=1&count=2", ["count"]),
        ("count=5&count=5", ["count"]),
        ("count=0&pad=x", ["count", "pad"]),
    ],
)
def test_sse_parameters_are_digits_in_range_given_once(
    client: httpx.Client, query: str, parameters: list[str]
) -> None:
    response = client.get(f"/events?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["type"], body["title"], body["detail"]) == (
        "/problems/validation-error",
        "Unprocessable Content",
        "The request is invalid.",
    )
    assert [error["parameter"] for error in body["errors"]] == parameters
    assert all(error["detail"] for error in body["errors"])


@pytest.mark.parametrize("query", ["count=007&interval_ms=0", "count=1000&interval_ms=0"])
def test_sse_digits_in_range_are_accepted(client: httpx.Client, query: str) -> None:
    response = client.get(f"/events?{query}")
    assert response.status_code == 200
    count = int(query.split("&")[0].removeprefix("count="))
    assert len(parse_events(response.text)) == count


def test_a_repeated_parameter_is_a_422_on_every_route(client: httpx.Client) -> None:
    for path in ("/healthz", "/stats"):
        response = client.get(f"{path}?x=1&x=2")
        assert response.status_code == 422
        assert response.json()["errors"] == [{"parameter": "x", "detail": "must be given once"}]


def test_a_repeated_parameter_counts_past_a_thousand_others(client: httpx.Client) -> None:
    # Node's query parser keeps only 1000 parameters unless told otherwise.
    others = "&".join(f"p{i}=1" for i in range(1000))
    response = client.get(f"/events?{others}&count=1&count=2")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"parameter": "count", "detail": "must be given once"}]


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/healthz", 200),
        ("/stats", 200),
        ("/events?count=2&interval_ms=0", 200),
        ("/events?count=0", 422),
        ("/events?count=1&count=1", 422),
        ("/nope", 404),
    ],
)
def test_head_answers_like_get_without_a_body(
    client: httpx.Client, target: str, status: int
) -> None:
    get, head = client.get(target), client.head(target)
    assert get.status_code == head.status_code == status
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/healthz", "/stats", "/events"])
def test_wrong_method_is_405_with_allow(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {"type": "about:blank", "title": "Method Not Allowed", "status": 405}


def ws_url(client: httpx.Client) -> str:
    return f"ws://{client.base_url.host}:{client.base_url.port}/chat"


def test_chat_members_get_every_message_in_order(client: httpx.Client) -> None:
    with chat_member(ws_url(client)) as alice, chat_member(ws_url(client)) as bob:
        assert eventually(lambda: stats(client)["chat_members"] == 2)
        for n in range(30):
            alice.send(f"message {n}")
        for member in (alice, bob):
            lines = [json.loads(member.recv(timeout=5)) for _ in range(30)]
            assert [line["text"] for line in lines] == [f"message {n}" for n in range(30)]
            seqs = [line["seq"] for line in lines]
            assert seqs == sorted(seqs)
            assert len(set(seqs)) == 30


def test_chat_server_notices_a_dropped_connection(client: httpx.Client) -> None:
    with chat_member(ws_url(client)) as stays:
        assert eventually(lambda: stats(client)["chat_members"] == 1)
        dropped = chat_member(ws_url(client))
        assert eventually(lambda: stats(client)["chat_members"] == 2)
        # Cut the TCP connection without a WebSocket close frame, like a lost network.
        dropped.socket.shutdown(socket.SHUT_RDWR)
        dropped.socket.close()
        assert eventually(lambda: stats(client)["chat_members"] == 1)
        stays.send("still here")
        assert json.loads(stays.recv(timeout=5))["text"] == "still here"
    assert eventually(lambda: stats(client)["chat_members"] == 0)


@pytest.mark.parametrize(
    ("message", "code"),
    [("x" * 1001, 1009), ("👋" * 1001, 1009), (b"\x00\x01", 1003)],
    ids=["1001-ascii", "1001-emoji", "binary"],
)
def test_chat_rejects_bad_frames_with_a_close_code(
    client: httpx.Client, message: str | bytes, code: int
) -> None:
    with chat_member(ws_url(client), max_size=None) as member:
        member.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            member.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code


def test_a_1000_character_message_is_accepted(client: httpx.Client) -> None:
    with chat_member(ws_url(client)) as member:
        member.send("👋" * 1000)
        assert json.loads(member.recv(timeout=5))["text"] == "👋" * 1000


# --8<-- [start:slow-member]
def test_chat_drops_a_member_that_stops_reading(client: httpx.Client) -> None:
    dropped_before = stats(client)["chat_dropped"]
    line = "界" * 1000  # 3 KB of UTF-8: the longest message the room accepts
    url = ws_url(client)
    with stalled_member(url) as slow, chat_member(url) as fast:
        assert eventually(lambda: stats(client)["chat_members"] == 2)
        for _ in range(200):  # at most 12 MB in batches; the drop comes sooner
            for _ in range(20):
                fast.send(line)
            for _ in range(20):
                assert json.loads(fast.recv(timeout=10))["text"] == line
            if stats(client)["chat_dropped"] > dropped_before:
                break
        else:
            pytest.fail("the server kept queueing for a member that never read")
        assert stats(client)["chat_members"] == 1
        # The member that keeps up is still served, in order.
        fast.send("after the drop")
        assert json.loads(fast.recv(timeout=10))["text"] == "after the drop"
        slow.socket.shutdown(socket.SHUT_RDWR)


# --8<-- [end:slow-member]


# WebSocket probes: frames written by hand (RFC 6455 section 5), so that a frame can be as
# wrong as a test needs and no client library stands between the test and the server.
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
RFC6455_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
DISCONNECTED = '{"level":"info","event":"client disconnected","path":"/events"}'
BAD_FRAME = '"event":"bad websocket frame"'


def frame(
    opcode: int, payload: bytes = b"", *, fin: bool = True, masked: bool = True, rsv: int = 0
) -> bytes:
    """One frame: FIN, RSV bits and opcode; the length in 7, 16 or 64 bits; the mask."""
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        head = struct.pack("!BB", (0x80 if fin else 0) | rsv | opcode, mask_bit | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", (0x80 if fin else 0) | rsv | opcode, mask_bit | 126, length)
    else:
        head = struct.pack("!BBQ", (0x80 if fin else 0) | rsv | opcode, mask_bit | 127, length)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(byte ^ key[n % 4] for n, byte in enumerate(payload))


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


class RawMember:
    """A chat member on a plain socket: the opening handshake, then whatever frames a
    test sends; it reads the server's (unmasked) frames one by one."""

    def __init__(self, client: httpx.Client) -> None:
        host, port = client.base_url.host, client.base_url.port
        self.sock = socket.create_connection((host, port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /chat HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1.1 101 "), lines[0]
        fields = (line.split(": ", 1) for line in lines[1:])
        headers = {name.lower(): value for name, value in fields}
        # SHA-1 is what RFC 6455 (section 4.2.2) prescribes for this check.
        digest = hashlib.sha1((key + RFC6455_GUID).encode(), usedforsecurity=False).digest()
        assert headers["sec-websocket-accept"] == base64.b64encode(digest).decode()
        assert "sec-websocket-extensions" not in headers  # none asked for, none used

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection without a close frame")
        self.buffer += chunk

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def send(self, *frames: bytes) -> None:
        # A server may close as soon as it reads a bad header, before the payload.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.sock.sendall(b"".join(frames))

    def recv(self) -> tuple[int, bytes]:
        """The next frame from the server: its opcode and payload."""
        first, second = self._take(2)
        assert first & 0x70 == 0, "RSV bits set without an extension"
        assert second & 0x80 == 0, "a server must not mask its frames"
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._take(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._take(8))
        return first & 0x0F, self._take(length)

    def close_code(self) -> int:
        """Read frames until the server's close frame; answer it; return its code."""
        while True:
            opcode, payload = self.recv()
            if opcode == CLOSE:
                self.send(frame(CLOSE, payload[:2]))
                self.sock.close()
                code: int = struct.unpack("!H", payload[:2])[0]
                return code


@contextlib.contextmanager
def raw_member(client: httpx.Client) -> Iterator[RawMember]:
    member = RawMember(client)
    try:
        yield member
    finally:
        member.sock.close()


def assert_logged_once(server: RunningServer, since: int, line: str) -> None:
    """The server logged `line` once since offset `since`, and no stack trace."""
    assert eventually(lambda: line in server.output()[since:]), server.output()[since:]
    time.sleep(0.2)  # anything logged after the line would come now
    logged = server.output()[since:]
    assert logged.count(line) == 1, logged
    for trace in ("Traceback", "unhandled error", "\n    at "):
        assert trace not in logged, logged


def assert_chat_still_works(client: httpx.Client, server: RunningServer) -> None:
    """The process is alive, and a new member can join the room and chat."""
    assert server.process.poll() is None, server.output()
    with chat_member(ws_url(client)) as member:
        member.send("still serving")
        assert json.loads(member.recv(timeout=5))["text"] == "still serving"


OVER_64_KIB = b"x" * (64 * 1024 + 1)
SURROGATE = "\ud800".encode("utf-8", "surrogatepass")  # valid shape, invalid UTF-8


# What each abuse must get, from both servers: the frames sent, the close code expected.
PROBES = {
    "text-over-64KiB": ([frame(TEXT, OVER_64_KIB)], 1009),
    "binary-over-64KiB": ([frame(BINARY, OVER_64_KIB)], 1009),
    "invalid-utf8": ([frame(TEXT, b"\xff\xfe")], 1007),
    "utf8-surrogate": ([frame(TEXT, b"caf" + SURROGATE)], 1007),
    "utf8-cut-short-across-fragments": (
        [frame(TEXT, b"\xe7\x95", fin=False), frame(CONTINUATION, b"x")],
        1007,
    ),
    "reserved-data-opcode": ([frame(0x3, b"x")], 1002),
    "reserved-control-opcode": ([frame(0xB)], 1002),
    "unmasked": ([frame(TEXT, b"hi", masked=False)], 1002),
    "rsv1-without-an-extension": ([frame(TEXT, b"hi", rsv=0x40)], 1002),
    "control-frame-over-125-bytes": ([frame(PING, b"x" * 126)], 1002),
    "fragmented-control-frame": ([frame(PING, b"x", fin=False)], 1002),
    "close-code-999": ([frame(CLOSE, close_payload(999))], 1002),
    "close-code-1005": ([frame(CLOSE, close_payload(1005))], 1002),  # reserved
    "close-code-1006": ([frame(CLOSE, close_payload(1006))], 1002),  # reserved
    "close-payload-of-1-byte": ([frame(CLOSE, b"\x03")], 1002),
    "continuation-with-nothing-to-continue": ([frame(CONTINUATION, b"lo")], 1002),
    "new-message-inside-a-fragmented-one": (
        [frame(TEXT, b"hel", fin=False), frame(TEXT, b"lo")],
        1002,
    ),
}


# --8<-- [start:bad-frames]
@pytest.mark.parametrize(("frames", "code"), PROBES.values(), ids=PROBES)
def test_a_bad_frame_closes_that_connection_only(
    client: httpx.Client, server: RunningServer, frames: list[bytes], code: int
) -> None:
    logged = len(server.output())
    with raw_member(client) as member:
        member.send(*frames)
        assert member.close_code() == code
    # One structured line, no stack trace; the server still serves.
    assert_logged_once(server, logged, BAD_FRAME)
    assert_chat_still_works(client, server)


# --8<-- [end:bad-frames]
def test_a_fragmented_message_is_reassembled(client: httpx.Client) -> None:
    with raw_member(client) as member:
        # "hello, 界": the character's three bytes are split across two fragments, and a
        # ping (control frames may come between fragments) is answered at once.
        member.send(
            frame(TEXT, b"hel", fin=False),
            frame(CONTINUATION, b"lo, \xe7", fin=False),
            frame(PING, b"between"),
            frame(CONTINUATION, b"\x95\x8c"),
        )
        assert member.recv() == (PONG, b"between")
        opcode, payload = member.recv()
        assert opcode == TEXT
        assert json.loads(payload)["text"] == "hello, 界"
        member.send(frame(CLOSE, close_payload(1000)))
        assert member.close_code() == 1000


def test_a_ping_is_answered_with_a_pong(client: httpx.Client) -> None:
    with raw_member(client) as member:
        for payload in (b"", b"abc", os.urandom(125)):
            member.send(frame(PING, payload))
            assert member.recv() == (PONG, payload)


def test_a_member_that_never_reads_does_not_stall_a_new_member(
    client: httpx.Client, server: RunningServer
) -> None:
    # The stalled member never reads; the others go on chatting with the server, which
    # drops it (as test_chat_drops_a_member_that_stops_reading shows).
    with stalled_member(ws_url(client)) as slow, chat_member(ws_url(client)) as fast:
        line = "界" * 1000
        for _ in range(200):
            fast.send(line)
            assert json.loads(fast.recv(timeout=10))["text"] == line
        assert_chat_still_works(client, server)
        slow.socket.shutdown(socket.SHUT_RDWR)
