"""In-process tests of the Python streaming example.

SSE goes through httpx's ASGI transport. WebSockets need a real server, so the app runs
in uvicorn on a background thread of this process (coverage still sees it) and the
`websockets` client talks to it over 127.0.0.1.
"""

import contextlib
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.exceptions import ConnectionClosed

from examples.python.streaming import main as streaming
from scripts.polling import eventually
from scripts.servers import free_port
from tests.chat import chat_member, stalled_member


@pytest.fixture
def app() -> FastAPI:
    return streaming.app


@pytest.fixture(scope="module")
def chat_url() -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            streaming.app,
            host="127.0.0.1",
            port=port,
            log_level="error",
            ws_max_size=streaming.MAX_FRAME,  # as when main.py is run directly
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"ws://127.0.0.1:{port}/chat"
    server.should_exit = True
    thread.join(10)


@pytest.mark.anyio
async def test_sse_sends_numbered_events_in_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/events", params={"count": 3, "interval_ms": 0})
    assert response.headers["content-type"].startswith("text/event-stream")
    ids = [line for line in response.text.splitlines() if line.startswith("id: ")]
    assert ids == ["id: 1", "id: 2", "id: 3"]
    assert (await client.get("/stats")).json()["streams_open"] == 0


@pytest.mark.anyio
async def test_sse_bad_count_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/events", params={"count": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "count"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        ("count=%2B5", ["count"]),
        ("count=%205", ["count"]),
        ("count=5.0", ["count"]),
        ("count=1_0", ["count"]),
        ("count=1&count=2", ["count"]),
        ("count=0&pad=x", ["count", "pad"]),
    ],
)
async def test_sse_parameters_are_digits_in_range_given_once(
    client: httpx.AsyncClient, query: str, parameters: list[str]
) -> None:
    response = await client.get(f"/events?{query}")
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == parameters


@pytest.mark.anyio
async def test_a_stream_left_mid_event_is_counted_and_logged_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # FastAPI enters the dependency as a context manager; when the client leaves while
    # FastAPI's SSE keep-alive task is handing on an event, that task's error reaches it
    # as the request ends.
    def keep_alive_task_fails() -> None:
        raise anyio.BrokenResourceError

    before = dict(streaming.stats)
    async with contextlib.asynccontextmanager(streaming.tracked)() as stream:
        streaming.stats["streams_open"] += 1
        stream["open"] = True
        keep_alive_task_fails()  # swallowed: nothing else went wrong
    assert streaming.stats["streams_open"] == before["streams_open"]
    assert streaming.stats["streams_abandoned"] == before["streams_abandoned"] + 1
    assert capsys.readouterr().err == (
        '{"level":"info","event":"client disconnected","path":"/events"}\n'
    )


@pytest.mark.anyio
async def test_healthz_and_unknown_route(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    response = await client.get("/nope")
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


def test_a_test_chat_member_has_one_thread_to_join(chat_url: str) -> None:
    # Two joiners of one thread race in CPython 3.11 and 3.12 (see tests/chat.py).
    with chat_member(chat_url) as member, stalled_member(chat_url) as stalled:
        assert member.keepalive_thread is None
        assert stalled.keepalive_thread is None


def test_chat_relays_to_every_member_in_order(chat_url: str) -> None:
    with chat_member(chat_url) as alice, chat_member(chat_url) as bob:
        assert eventually(lambda: streaming.stats["chat_members"] == 2)
        for n in range(5):
            alice.send(f"m{n}")
        for member in (alice, bob):
            assert [json.loads(member.recv(timeout=5))["text"] for _ in range(5)] == [
                f"m{n}" for n in range(5)
            ]
    assert eventually(lambda: streaming.stats["chat_members"] == 0)


@pytest.mark.parametrize(("message", "code"), [("x" * 1001, 1009), (b"\x00", 1003)])
def test_chat_closes_on_bad_frames(chat_url: str, message: str | bytes, code: int) -> None:
    with chat_member(chat_url) as member:
        member.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            member.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code


def client_frame(opcode: int, payload: bytes, *, mask: bool = True) -> bytes:
    """One final frame of under 126 bytes, masked as RFC 6455 requires of a client
    unless told otherwise; the tests/contract probes try many more."""
    head = struct.pack("!BB", 0x80 | opcode, (0x80 if mask else 0) | len(payload))
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(byte ^ key[n % 4] for n, byte in enumerate(payload))


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (client_frame(0x3, b""), 1002),  # a reserved opcode
        (client_frame(0x1, b"\xff"), 1007),  # invalid UTF-8
        (client_frame(0x1, b"hi", mask=False), 1002),
    ],
    ids=["reserved-opcode", "invalid-utf8", "unmasked"],
)
def test_chat_closes_on_frames_that_break_the_protocol(
    chat_url: str, capsys: pytest.CaptureFixture[str], raw: bytes, code: int
) -> None:
    with chat_member(chat_url) as member:
        member.socket.sendall(raw)
        with pytest.raises(ConnectionClosed) as closed:
            member.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code
    errors: list[str] = []

    def logged() -> bool:
        errors.append(capsys.readouterr().err)
        return "bad websocket frame" in "".join(errors)

    assert eventually(logged)
    assert "Traceback" not in "".join(errors)


def test_chat_drops_a_member_that_stops_reading(chat_url: str) -> None:
    before = streaming.stats["chat_dropped"]
    line = "界" * streaming.MAX_TEXT  # the longest message the room accepts
    with stalled_member(chat_url) as slow, chat_member(chat_url) as fast:
        assert eventually(lambda: streaming.stats["chat_members"] == 2)
        for _ in range(200):  # in batches, at most 12 MB; the drop comes sooner
            for _ in range(20):
                fast.send(line)
            for _ in range(20):
                assert json.loads(fast.recv(timeout=10))["text"] == line
            if streaming.stats["chat_dropped"] > before:
                break
        assert streaming.stats["chat_dropped"] == before + 1
        assert streaming.stats["chat_members"] == 1
        slow.socket.shutdown(socket.SHUT_RDWR)
